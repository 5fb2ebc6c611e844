"""*Quản trị → Cài đặt*: this computer's settings (managers and administrators) and the shared
database's retention grace period and legal basis for personal data (administrators).

Saving goes through `services.upkeep.settings.save_settings`: the local file is written atomically,
the shared settings in one transaction, each change logged. The window's `AppContext.settings`
is updated in place, so the slip size and printer apply to the next slip and the caller
applies the idle time at once.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from models.codes import ConsentBasis
from services.campaigns.campaign import active_campaign
from services.common.errors import UserError
from services.common.vntime import format_date
from services.privacy.consent import REFERENCE_LENGTH, LegalBasisSetting, legal_basis
from services.privacy.purge import grace_days
from services.security.permissions import Action, allowed
from services.upkeep.local_settings import MAX_IDLE_LOCK_MINUTES
from services.upkeep.settings import LocalChoice, save_settings
from ui.documents.printing import DEFAULT_PRINTER_TEXT, available_printers
from ui.shell.context import AppContext
from ui.widgets.forms import accept_buttons, error_label, show_error, wrapping_label

MAX_GRACE_DAYS = 3650
SLIP_CHOICES = (
    ("a6", "A6 (máy in thường)"),
    ("80mm", "Cuộn giấy 80 mm (máy in hóa đơn)"),
)


def _hint(text: str) -> QLabel:
    label = wrapping_label(text)
    label.setStyleSheet("color: #555;")
    return label


class SettingsDialog(QDialog):
    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        *,
        printers: list[str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Cài đặt – kichhoat")
        self.is_admin = allowed(context.actor, Action.SETTINGS)
        local = self._build_local_group(printers)
        shared = self._build_shared_group()
        self.error = error_label()
        buttons = self._build_buttons()

        layout = QVBoxLayout(self)
        layout.addWidget(local)
        layout.addWidget(shared)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(620)

    def _build_local_group(self, printers: list[str] | None) -> QGroupBox:
        """This computer's own settings: the slip's format, its printer, the idle lock."""
        settings = self.context.settings
        self.slip_format = QComboBox()
        for value, label in SLIP_CHOICES:
            self.slip_format.addItem(label, value)
        self.slip_format.setCurrentIndex(max(0, self.slip_format.findData(settings.slip_format)))
        self.printer = QComboBox()
        self.printer.addItem(DEFAULT_PRINTER_TEXT, None)
        for name in available_printers() if printers is None else printers:
            self.printer.addItem(name, name)
        chosen = settings.printer_name
        if chosen and self.printer.findData(chosen) < 0:
            # Chosen before and gone now (unplugged, renamed): kept, and said so.
            self.printer.addItem(f"{chosen} (hiện không tìm thấy)", chosen)
        self.printer.setCurrentIndex(max(0, self.printer.findData(chosen)) if chosen else 0)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setRange(0, MAX_IDLE_LOCK_MINUTES)
        self.idle_minutes.setSuffix(" phút")
        self.idle_minutes.setSpecialValueText("Không tự khóa")
        self.idle_minutes.setValue(settings.idle_lock_minutes)
        self.idle_minutes.setAccessibleName("Tự khóa màn hình sau")

        local = QGroupBox("Máy này")
        local_form = QFormLayout(local)
        self._row(local_form, "&Khổ phiếu cho công dân:", self.slip_format)
        self._row(local_form, "Máy &in phiếu:", self.printer)
        self._row(local_form, "Tự khóa màn hình &sau:", self.idle_minutes)
        local_form.addRow(
            _hint(
                f"Từ 0 đến {MAX_IDLE_LOCK_MINUTES} phút không có thao tác; 0: không tự khóa. "
                "Áp dụng ngay khi lưu. Phiếu in sau khi lưu hồ sơ (F9) dùng khổ và máy in này."
            )
        )
        return local

    def _build_shared_group(self) -> QGroupBox:
        """Settings of the shared database (the grace period, the legal basis): admins only."""
        self.grace = QSpinBox()
        self.grace.setRange(0, MAX_GRACE_DAYS)
        self.grace.setSuffix(" ngày")
        self.grace.setAccessibleName("Giữ dữ liệu cá nhân sau khi đợt kết thúc")
        with self.context.database.session(read_only=True) as session:
            self.saved_grace = grace_days(session)
            self.last_day: date = active_campaign(session).last_day
            self.saved_basis = legal_basis(session)
        self.grace.setValue(self.saved_grace)
        self.grace_hint = _hint("")
        self.grace.valueChanged.connect(self._grace_changed)
        self._grace_changed(self.grace.value())
        shared = QGroupBox("Cơ sở dữ liệu dùng chung (mọi máy)")
        shared_form = QFormLayout(shared)
        self._row(shared_form, "&Giữ dữ liệu cá nhân sau đợt:", self.grace)
        shared_form.addRow(self.grace_hint)
        self._basis_rows(shared_form)
        if not self.is_admin:
            for field in (self.grace, self.basis, self.legal_reference):
                field.setEnabled(False)
            shared_form.addRow(_hint("Chỉ quản trị viên đổi được cài đặt dùng chung."))
        return shared

    def _build_buttons(self) -> QDialogButtonBox:
        return accept_buttons(
            self,
            "&Lưu",
            self.accept,
            accept=QDialogButtonBox.StandardButton.Save,
            cancel_text="Hủy",
        )

    @staticmethod
    def _row(form: QFormLayout, text: str, field: QWidget) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        form.addRow(label, field)

    def _basis_rows(self, form: QFormLayout) -> None:
        """The campaign's legal basis: the citizen's consent, or a state body's duty under a
        law the administrator names (kept with every new case's consent record)."""
        self.basis = QComboBox()
        self.basis.addItem("Sự đồng ý của công dân", ConsentBasis.CONSENT.value)
        self.basis.addItem(
            "Cơ quan nhà nước thực hiện nhiệm vụ theo pháp luật", ConsentBasis.LEGAL_DUTY.value
        )
        self.basis.setCurrentIndex(max(0, self.basis.findData(self.saved_basis.basis.value)))
        self.legal_reference = QLineEdit(self.saved_basis.legal_reference or "")
        self.legal_reference.setMaxLength(REFERENCE_LENGTH)
        self.legal_reference.setPlaceholderText(
            "Ví dụ: Kế hoạch số 142/KH-UBND ngày 20/7/2023 của UBND tỉnh"
        )
        self.basis_hint = _hint(
            "Ghi cùng mỗi hồ sơ mới, với phiên bản thông báo đã đọc cho công dân. Khi đợt do "
            "cơ quan nhà nước thực hiện theo nhiệm vụ pháp luật giao, ghi rõ văn bản (số, ngày, "
            "cơ quan ban hành); thông báo ở bàn thu nhận đổi theo căn cứ này."
        )
        self._row(form, "Căn cứ &xử lý dữ liệu cá nhân:", self.basis)
        self._row(form, "&Văn bản pháp luật làm căn cứ:", self.legal_reference)
        form.addRow(self.basis_hint)
        self.basis.currentIndexChanged.connect(lambda _index: self._basis_changed())
        self._basis_changed()

    def _basis_changed(self) -> None:
        duty = self.basis.currentData() == ConsentBasis.LEGAL_DUTY.value
        self.legal_reference.setEnabled(duty and self.is_admin)

    def chosen_basis(self) -> LegalBasisSetting:
        basis = ConsentBasis(str(self.basis.currentData()))
        reference = self.legal_reference.text() if basis == ConsentBasis.LEGAL_DUTY else None
        return LegalBasisSetting(basis, reference)

    def _grace_changed(self, days: int) -> None:
        allowed_from = self.last_day + timedelta(days=days + 1)
        self.grace_hint.setText(
            f"Đợt kết thúc ngày {format_date(self.last_day)}; quản trị viên được xóa dữ liệu cá "
            f"nhân (Quản trị → Xóa dữ liệu cá nhân sau đợt) từ ngày {format_date(allowed_from)}."
        )

    def choice(self) -> LocalChoice:
        printer = self.printer.currentData()
        return LocalChoice(
            slip_format=str(self.slip_format.currentData()),
            printer_name=printer if isinstance(printer, str) else None,
            idle_lock_minutes=self.idle_minutes.value(),
        )

    def accept(self) -> None:
        context = self.context
        try:
            with context.database.session() as session:
                updated = save_settings(
                    session,
                    context.signed_in(),
                    context.settings,
                    self.choice(),
                    folder=context.settings_folder,
                    retention_grace_days=self.grace.value() if self.is_admin else None,
                    legal_basis=self.chosen_basis() if self.is_admin else None,
                )
                session.commit()
        except UserError as error:
            show_error(self.error, str(error))
            return
        # In place: the window, the slip printer and the layout saver share this object.
        settings = context.settings
        settings.slip_format = updated.slip_format
        settings.printer_name = updated.printer_name
        settings.idle_lock_minutes = updated.idle_lock_minutes
        super().accept()


__all__ = ["SettingsDialog"]
