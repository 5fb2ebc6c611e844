"""One case: its facts, its consent record (which notice, when, by whom, on what legal
basis), its history (status moves and corrections, who, when, where, why) and the calls made
about it. «Sửa hồ sơ» opens the correction form."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.codes import ConsentBasis
from services.cases.detail import CaseDetail, HistoryEntry, case_detail
from services.common.errors import UserError
from services.common.vntime import format_date, format_moment
from services.privacy.consent import BEFORE_VERSIONS, ConsentEntry, LegalBasisSetting, find_notice
from ui.cases.case_list_model import format_phone
from ui.cases.correction import CorrectionDialog
from ui.privacy.notice_dialog import NoticeDialog
from ui.shell.context import AppContext
from ui.widgets.dialogs import TALLEST_DIALOG
from ui.widgets.forms import button_row, clear_layout, stacked, wrapping_label
from ui.widgets.messages import messages
from ui.widgets.shortcuts import action_button


def _status_move(entry: HistoryEntry) -> str:
    if entry.to_label is None:
        return entry.kind_label
    move = f"{entry.from_label} → {entry.to_label}" if entry.from_label else entry.to_label
    text = f"{entry.kind_label}: {move}"
    if entry.kept_as_record:
        same = entry.from_label == entry.to_label
        relation = "lặp lại bước đã có" if same else "mâu thuẫn với trạng thái đã có"
        text += f" ({relation}: chỉ ghi nhận, không đổi hồ sơ)"
    return text


class CaseDetailDialog(QDialog):
    corrected = Signal()
    resume_requested = Signal(int)

    def __init__(self, context: AppContext, case_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case_id = case_id
        self.detail: CaseDetail | None = None
        self.correction_dialog: CorrectionDialog | None = None
        self.setWindowTitle("Chi tiết hồ sơ")
        self.resize(1100, TALLEST_DIALOG)
        self._build_heading()
        facts_box = self._build_facts_box()
        consent_box = self._build_consent_box()
        history_box = self._build_history_box()
        contacts_box = self._build_contacts_box()
        buttons = self._build_buttons()

        stacked(
            self, self.heading, facts_box, consent_box, (history_box, 3), (contacts_box, 1), buttons
        )
        self.loaded = self.reload()

    def _build_heading(self) -> None:
        self.heading = QLabel()
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _build_facts_box(self) -> QGroupBox:
        """Two columns of label and value, filled by `_show_facts`."""
        self.facts = QGridLayout()
        self.facts.setHorizontalSpacing(16)
        self.facts.setColumnStretch(1, 1)
        self.facts.setColumnStretch(3, 1)
        facts_box = QGroupBox("Thông tin")
        facts_box.setLayout(self.facts)
        return facts_box

    def _build_consent_box(self) -> QGroupBox:
        """The consent records, and the button that shows the notice the citizen heard."""
        self.consent = wrapping_label()
        self.consent.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notice_button = QPushButton("Xem &thông báo đã đọc…")
        self.notice_button.setToolTip("Toàn văn thông báo công dân đã nghe (Alt+T)")
        self.notice_button.setAutoDefault(False)
        self.notice_button.clicked.connect(self.open_notice)
        self.notice_dialog: NoticeDialog | None = None
        consent_box = QGroupBox("Thông báo và căn cứ xử lý dữ liệu cá nhân")
        consent_layout = QHBoxLayout(consent_box)
        consent_layout.addWidget(self.consent, 1)
        consent_layout.addWidget(self.notice_button)
        return consent_box

    def _build_history_box(self) -> QGroupBox:
        self.history = QTreeWidget()
        self.history.setHeaderLabels(["Thời điểm", "Nội dung", "Cán bộ", "Điểm thu nhận"])
        self.history.setAlternatingRowColors(True)
        self.history.setWordWrap(True)
        header = self.history.header()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        history_box = QGroupBox("Lịch sử (trạng thái và các lần sửa)")
        QVBoxLayout(history_box).addWidget(self.history)
        return history_box

    def _build_contacts_box(self) -> QGroupBox:
        self.contacts = QTreeWidget()
        self.contacts.setHeaderLabels(["Thời điểm", "Cán bộ", "Nội dung liên hệ"])
        self.contacts.setRootIsDecorated(False)
        self.contacts.header().setStretchLastSection(True)
        contacts_box = QGroupBox("Các lần liên hệ")
        QVBoxLayout(contacts_box).addWidget(self.contacts)
        return contacts_box

    def _build_buttons(self) -> QHBoxLayout:
        self.edit_button = action_button(
            self, "Sửa hồ sơ", ["Ctrl+E"], "Sửa thông tin hoặc trạng thái, có ghi lý do", self.edit
        )
        resume = action_button(
            self, "Tiếp tục hồ sơ", ["F4"], "Mở hồ sơ ở bàn thu nhận để làm tiếp", self._resume
        )
        close = QPushButton("Đóng (Esc)")
        close.setToolTip("Đóng cửa sổ – phím tắt: Esc")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        return button_row([self.edit_button, resume], [close])

    def reload(self) -> bool:
        actor = self.context.actor
        try:
            with self.context.database.session(read_only=True) as session:
                self.detail = case_detail(session, self.case_id, actor)
        except UserError as error:
            messages().warning(self.parentWidget() or self, "Không mở được hồ sơ", str(error))
            return False
        self._show(self.detail)
        return True

    def _show(self, detail: CaseDetail) -> None:
        self.heading.setText(f"{detail.full_name} – {detail.level_label} – {detail.status_label}")
        self._show_facts(detail)
        self._show_consent(detail.consent)
        self._show_history(detail)
        self._show_contacts(detail)

    def _show_facts(self, detail: CaseDetail) -> None:
        clear_layout(self.facts)
        status = detail.status_label
        if detail.failure_text:
            status += f" ({detail.failure_text})"
        pairs = [
            ("Số định danh", detail.id_number),
            ("Ngày sinh", format_date(detail.birth_date)),
            ("Giới tính", detail.sex),
            ("Số điện thoại", format_phone(detail.phone) or "(chưa có)"),
            ("Nơi thường trú", detail.residence_name),
            ("Địa chỉ", detail.address or "(chưa có)"),
            ("Trạng thái", status),
            ("Lý do cần hỗ trợ", detail.help_reason_label or "(chưa ghi)"),
            ("Điểm thu nhận", detail.point_name),
            ("Cán bộ", detail.operator_name),
            ("Tạo lúc", format_moment(detail.created_at)),
            ("Cập nhật lúc", format_moment(detail.updated_at)),
            ("Kích hoạt lúc", format_moment(detail.activated_at) if detail.activated_at else "–"),
            ("Ghi chú", detail.notes or "–"),
        ]
        for number, (label, value) in enumerate(pairs):
            row, column = divmod(number, 2)
            name = QLabel(f"{label}:")
            shown = wrapping_label(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.facts.addWidget(name, row, column * 2)
            self.facts.addWidget(shown, row, column * 2 + 1)

    def _show_history(self, detail: CaseDetail) -> None:
        """Each step with its reasons, consent and changed facts as lines under it."""
        self.history.clear()
        for entry in detail.history:
            item = QTreeWidgetItem(
                [
                    format_moment(entry.at),
                    _status_move(entry),
                    entry.operator_name,
                    entry.point_name or "",
                ]
            )
            if entry.failure_text:
                QTreeWidgetItem(item, ["", f"Lý do thất bại: {entry.failure_text}"])
            if entry.reason:
                QTreeWidgetItem(item, ["", f"Lý do sửa: {entry.reason}"])
            if entry.consent is not None:
                line = QTreeWidgetItem(item, ["", f"Ghi nhận: {entry.consent.short()}"])
                line.setToolTip(1, entry.consent.describe())
            for change in entry.changes:
                QTreeWidgetItem(item, ["", f"{change.label}: {change.before} → {change.after}"])
            self.history.addTopLevelItem(item)
        self.history.expandAll()
        for column in (0, 2, 3):
            self.history.resizeColumnToContents(column)

    def _show_contacts(self, detail: CaseDetail) -> None:
        self.contacts.clear()
        for contact in detail.contacts:
            self.contacts.addTopLevelItem(
                QTreeWidgetItem([format_moment(contact.at), contact.operator_name, contact.note])
            )
        if not detail.contacts:
            self.contacts.addTopLevelItem(QTreeWidgetItem(["", "", "Chưa có lần liên hệ nào."]))
        for column in (0, 1):
            self.contacts.resizeColumnToContents(column)

    def _show_consent(self, entries: tuple[ConsentEntry, ...]) -> None:
        if not entries:
            self.consent.setText(BEFORE_VERSIONS)
        else:
            self.consent.setText("\n".join(entry.describe() for entry in entries))
        self.notice_button.setVisible(
            bool(entries) and find_notice(entries[0].notice_version) is not None
        )

    def open_notice(self) -> None:
        """The notice the case's (first) record names, as it was read under its basis."""
        entries = self.detail.consent if self.detail is not None else ()
        notice = find_notice(entries[0].notice_version) if entries else None
        if notice is None:
            return
        entry = entries[0]
        basis = (
            ConsentBasis.LEGAL_DUTY
            if entry.basis == ConsentBasis.LEGAL_DUTY
            else ConsentBasis.CONSENT
        )
        setting = LegalBasisSetting(basis, entry.legal_reference)
        self.notice_dialog = NoticeDialog(notice, setting, self)
        self.notice_dialog.open()

    def history_text(self) -> str:
        """Everything the history shows, line by line (for tests and copying)."""
        lines = []
        for top in range(self.history.topLevelItemCount()):
            item = self.history.topLevelItem(top)
            assert item is not None
            lines.append(" | ".join(item.text(c) for c in range(4)))
            for number in range(item.childCount()):
                child = item.child(number)
                if child is not None:
                    lines.append(f"    {child.text(1)}")
        return "\n".join(lines)

    def edit(self) -> None:
        if self.detail is None:
            return
        dialog = CorrectionDialog(self.context, self.detail, self)
        dialog.saved.connect(self._corrected)
        self.correction_dialog = dialog
        dialog.open()

    def _corrected(self) -> None:
        self.reload()
        self.corrected.emit()

    def _resume(self) -> None:
        self.resume_requested.emit(self.case_id)
        self.accept()


def open_case_detail(
    context: AppContext,
    case_id: int,
    parent: QWidget,
    on_corrected: Callable[[], object],
    resume: SignalInstance,
) -> CaseDetailDialog | None:
    """A case's details and history, open beside `parent` (a list of cases): a correction
    calls `on_corrected`, «resume» goes on through `resume`. None when the case could not be
    loaded (the dialog has said why)."""
    dialog = CaseDetailDialog(context, case_id, parent)
    if not dialog.loaded:
        dialog.deleteLater()
        return None
    dialog.corrected.connect(on_corrected)
    dialog.resume_requested.connect(resume)
    dialog.open()
    return dialog
