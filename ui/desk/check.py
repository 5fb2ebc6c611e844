"""Step 2 of the guided flow: which level, why the citizen needs help, what is needed, consent."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from models.codes import ConsentBasis, HelpReason
from services.common.labels import HELP_REASON_LABELS
from services.common.vntime import now_utc
from services.privacy.consent import BASIS_LABELS, LegalBasisSetting, NoticeHeard, current_notice
from ui.desk.identify import error_label
from ui.privacy.notice_dialog import NoticeDialog, notice_html
from ui.widgets.forms import wrapping_label


class CheckStep(QWidget):
    level_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        level_box = self._build_level_box()
        help_box = self._build_help_box()
        needs_box = self._build_needs_box()
        consent_box = self._build_consent_box()

        left = QVBoxLayout()
        left.addWidget(level_box)
        left.addWidget(help_box)
        left.addWidget(needs_box)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(consent_box)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)

        self.levels.idToggled.connect(self._level_toggled)
        self.consent.toggled.connect(self._consent_toggled)
        self.show_notice.clicked.connect(self.open_notice)

    def _build_level_box(self) -> QGroupBox:
        """Level 1 or level 2, and where a level 2 citizen is sent when it is not done here."""
        self.level1 = QRadioButton("Mức &1 – đăng ký trên ứng dụng VNeID, kích hoạt tại đây")
        self.level2 = QRadioButton("Mức &2 – thu nhận hồ sơ tại điểm cấp căn cước")
        self.levels = QButtonGroup(self)
        self.levels.addButton(self.level1, 1)
        self.levels.addButton(self.level2, 2)
        self.level1.setChecked(True)
        self.referral = wrapping_label()
        self.referral.setStyleSheet("color: #8a4b00;")
        self.referral.hide()
        level_box = QGroupBox("Mức tài khoản")
        level_layout = QVBoxLayout(level_box)
        level_layout.addWidget(self.level1)
        level_layout.addWidget(self.level2)
        level_layout.addWidget(self.referral)
        return level_box

    def _build_help_box(self) -> QGroupBox:
        self.help_reasons = QButtonGroup(self)
        help_box = QGroupBox("Vì sao công dân cần hỗ trợ")
        help_layout = QVBoxLayout(help_box)
        for index, (reason, label) in enumerate(HELP_REASON_LABELS.items()):
            button = QRadioButton(label)
            button.setProperty("reason", reason.value if isinstance(reason, HelpReason) else reason)
            self.help_reasons.addButton(button, index)
            help_layout.addWidget(button)
        return help_box

    def _build_needs_box(self) -> QGroupBox:
        self.own_phone = QCheckBox("&Số điện thoại chính chủ của công dân (mã OTP gửi về số này)")
        self.card_in_hand = QCheckBox("Công dân mang theo thẻ &căn cước")
        needs_box = QGroupBox("Cần có")
        needs_layout = QVBoxLayout(needs_box)
        needs_layout.addWidget(self.own_phone)
        needs_layout.addWidget(self.card_in_hand)
        return needs_box

    def _build_consent_box(self) -> QGroupBox:
        """The notice to the citizen under the campaign's legal basis, and the consent box."""
        self.notice = current_notice()
        self.basis = LegalBasisSetting()
        # When the clerk ticked the box (UTC); None while unticked, or ticked by the desk for
        # a case whose consent is already on record (`mark_on_record`).
        self.consent_moment: datetime | None = None
        self.marking = False
        self.notice_text = wrapping_label()
        self.notice_about = wrapping_label()
        self.notice_about.setStyleSheet("color: #555;")
        self.show_notice = QPushButton("&Xem nội dung thông báo…")
        self.show_notice.setToolTip("Toàn văn thông báo, chữ lớn để đọc cho công dân (Alt+X)")
        self.show_notice.setAutoDefault(False)
        self.notice_dialog: NoticeDialog | None = None
        self.consent = QCheckBox()
        self.consent.setStyleSheet("font-weight: 600;")
        self.consent_error = error_label()
        consent_box = QGroupBox(self.notice.title)
        consent_layout = QVBoxLayout(consent_box)
        consent_layout.addWidget(self.notice_about)
        consent_layout.addWidget(self.notice_text)
        notice_row = QHBoxLayout()
        notice_row.addWidget(self.show_notice)
        notice_row.addStretch(1)
        consent_layout.addLayout(notice_row)
        consent_layout.addWidget(self.consent)
        consent_layout.addWidget(self.consent_error)
        self.set_basis(self.basis)
        return consent_box

    def set_basis(self, setting: LegalBasisSetting) -> None:
        """The notice as it is read under the campaign's legal basis, with its version."""
        self.basis = setting
        notice = self.notice
        self.notice_about.setText(
            f"Văn bản {notice.label}. Căn cứ xử lý: {BASIS_LABELS[setting.basis]}."
        )
        self.notice_text.setText(notice_html(notice, setting))
        self.consent.setText(notice.part(setting.basis).confirmation + " (&Y)")

    def open_notice(self) -> None:
        self.notice_dialog = NoticeDialog(self.notice, self.basis, self)
        self.notice_dialog.open()

    def mark_on_record(self) -> None:
        """The case's consent was recorded when it was first saved: the box is ticked and
        no new record is made."""
        self.marking = True
        try:
            self.consent.setChecked(True)
            self.consent_moment = None
        finally:
            self.marking = False

    def clear_marked(self) -> None:
        """A level whose case is new: consent ticked for another case does not carry over."""
        if self.consent.isChecked() and self.consent_moment is None:
            self.consent.setChecked(False)

    def notice_heard(self) -> NoticeHeard | None:
        """The notice the clerk confirmed reading, and when; None when the box was ticked
        for a case already on record."""
        if not self.consent.isChecked() or self.consent_moment is None:
            return None
        return NoticeHeard(self.notice.version, self.consent_moment)

    def _level_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self.level_changed.emit(self.level())

    def _consent_toggled(self, checked: bool) -> None:
        self.consent_moment = now_utc() if checked and not self.marking else None
        if checked:
            self.consent_error.hide()

    def level(self) -> int:
        return 2 if self.level2.isChecked() else 1

    def set_level(self, level: int) -> None:
        (self.level2 if level == 2 else self.level1).setChecked(True)

    def help_reason(self) -> HelpReason | None:
        button = self.help_reasons.checkedButton()
        return HelpReason(button.property("reason")) if button else None

    def set_help_reason(self, value: str | None) -> None:
        for button in self.help_reasons.buttons():
            if button.property("reason") == value:
                button.setChecked(True)

    def set_referral(self, text: str | None) -> None:
        self.referral.setText(text or "")
        self.referral.setVisible(bool(text))

    def missing_message(self) -> str:
        if self.basis.basis == ConsentBasis.LEGAL_DUTY:
            return "Cần xác nhận đã đọc thông báo cho công dân trước khi tiếp tục."
        return "Cần xác nhận đồng ý của công dân trước khi tiếp tục."

    def check(self) -> bool:
        if not self.consent.isChecked():
            self.consent_error.setText(
                "Chưa xác nhận đã đọc thông báo: đọc thông báo cho công dân rồi đánh dấu ô "
                "bên trên. Không có xác nhận thì không lưu hồ sơ."
                if self.basis.basis == ConsentBasis.LEGAL_DUTY
                else "Chưa có xác nhận đồng ý: đọc thông báo cho công dân rồi đánh dấu ô đồng "
                "ý. Không có đồng ý thì không lưu hồ sơ."
            )
            self.consent_error.show()
            return False
        return True

    def clear(self) -> None:
        self.level1.setChecked(True)
        self.help_reasons.setExclusive(False)
        for button in self.help_reasons.buttons():
            button.setChecked(False)
        self.help_reasons.setExclusive(True)
        for box in (self.own_phone, self.card_in_hand, self.consent):
            box.setChecked(False)
        self.consent_error.hide()
        self.set_referral(None)
