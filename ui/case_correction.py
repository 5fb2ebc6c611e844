"""The correction form: fix a typo in a fact, or a wrong status, with a reason for the history.

A correction that breaks a rule leaves the form open with everything typed, and says why.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.codes import FailureReason, Status
from services.case_detail import CaseDetail, correct_opened_case
from services.cases import Correction
from services.errors import UserError
from services.labels import FAILURE_LABELS, HELP_REASON_LABELS, STATUS_LABELS
from services.lifecycle import statuses_for
from services.units import UnitTree
from ui.commune_picker import CommunePicker
from ui.context import AppContext
from ui.messages import messages
from ui.shortcuts import action_button

SEXES = ("Nam", "Nữ")


class CorrectionDialog(QDialog):
    saved = Signal()

    def __init__(self, context: AppContext, detail: CaseDetail, parent: QWidget | None = None):
        super().__init__(parent)
        self.context = context
        self.detail = detail
        self.setWindowTitle(f"Sửa hồ sơ – {detail.full_name} ({detail.level_label})")
        with context.database.session() as session:
            tree = UnitTree.load(session)

        self.id_number = QLineEdit(detail.id_number)
        self.full_name = QLineEdit(detail.full_name)
        self.birth_date = QDateEdit()
        self.birth_date.setDisplayFormat("dd/MM/yyyy")
        born = detail.birth_date
        self.birth_date.setDate(QDate(born.year, born.month, born.day))
        self.sex = QComboBox()
        self.sex.addItems(SEXES)
        self.sex.setCurrentText(detail.sex)
        self.phone = QLineEdit(detail.phone or "")
        self.address = QLineEdit(detail.address or "")
        self.residence = CommunePicker(tree)
        self.residence.set_commune(detail.residence_commune_id)
        self.help_reason = QComboBox()
        self.help_reason.addItem("(không ghi)", None)
        for code, label in HELP_REASON_LABELS.items():
            self.help_reason.addItem(label, code)
        self.help_reason.setCurrentIndex(max(self.help_reason.findData(detail.help_reason), 0))
        self.notes = QLineEdit(detail.notes or "")

        self.status = QComboBox()
        for status in statuses_for(detail.level):
            self.status.addItem(STATUS_LABELS[status], status.value)
        self.status.setCurrentIndex(self.status.findData(detail.status))
        self.failure_reason = QComboBox()
        for code, label in FAILURE_LABELS.items():
            self.failure_reason.addItem(label, code)
        self.failure_reason.setCurrentIndex(
            max(self.failure_reason.findData(detail.failure_reason), 0)
        )
        self.failure_note = QLineEdit(detail.failure_note or "")
        self.failure_note.setPlaceholderText("Ghi rõ khi chọn «Lý do khác»")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(
            "Bắt buộc: vì sao sửa (ví dụ: nhập sai dấu tên, công dân báo lại)"
        )

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self._rows = {
            "id_number": ("Số &định danh:", self.id_number),
            "full_name": ("&Họ và tên:", self.full_name),
            "birth_date": ("&Ngày sinh:", self.birth_date),
            "sex": ("&Giới tính:", self.sex),
            "phone": ("Số điện t&hoại:", self.phone),
            "address": ("Đị&a chỉ:", self.address),
            "residence": ("Nơi thường tr&ú:", self.residence),
            "help_reason": ("Lý do cần hỗ trợ:", self.help_reason),
            "notes": ("Ghi chú:", self.notes),
            "status": ("&Trạng thái:", self.status),
            "failure_reason": ("Lý do thất &bại:", self.failure_reason),
            "failure_note": ("Ghi rõ lý do thất bại:", self.failure_note),
            "reason": ("&Lý do sửa (bắt buộc):", self.reason),
        }
        for label, widget in self._rows.values():
            form.addRow(label, widget)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.error.setVisible(False)

        save = action_button(
            self,
            "Lưu sửa đổi",
            ["Ctrl+S"],
            "Lưu các thay đổi cùng lý do vào lịch sử hồ sơ",
            self.save,
        )
        cancel = QPushButton("Hủy (Esc)")
        cancel.setToolTip("Đóng, không lưu – phím tắt: Esc")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(save)
        buttons.addWidget(cancel)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.status.currentIndexChanged.connect(lambda _: self._status_changed())
        self._status_changed()
        self.resize(760, self.sizeHint().height())
        self.reason.setFocus(Qt.FocusReason.OtherFocusReason)

    def _status_changed(self) -> None:
        failed = self.status.currentData() == Status.FAILED.value
        self.failure_reason.setEnabled(failed)
        self.failure_note.setEnabled(failed)

    def correction(self) -> Correction:
        actor = self.context.actor
        assert actor is not None and actor.operator_id is not None
        born = self.birth_date.date().toPython()
        assert isinstance(born, date)
        status = Status(self.status.currentData())
        failed = status == Status.FAILED
        return Correction(
            reason=self.reason.text(),
            operator_id=actor.operator_id,
            intake_point_id=actor.point_id,
            values={
                "id_number": self.id_number.text(),
                "full_name": self.full_name.text(),
                "birth_date": born,
                "sex": self.sex.currentText(),
                "phone": self.phone.text(),
                "address": self.address.text(),
                "residence_commune_id": self.residence.commune_id(),
                "help_reason": self.help_reason.currentData(),
                "notes": self.notes.text(),
            },
            status=status,
            failure_reason=FailureReason(self.failure_reason.currentData()) if failed else None,
            failure_note=(self.failure_note.text().strip() or None) if failed else None,
        )

    def save(self) -> bool:
        """Write the correction in one transaction; on a refusal keep the form as typed."""
        actor = self.context.actor
        if actor is None or actor.operator_id is None:
            self._refused("Cần đăng nhập bằng tài khoản cán bộ để sửa hồ sơ.", None)
            return False
        try:
            with self.context.database.session() as session:
                correct_opened_case(
                    session, actor, self.detail.id, self.detail.version, self.correction()
                )
                session.commit()
        except UserError as error:
            self._refused(str(error), getattr(error, "field", None))
            return False
        self.saved.emit()
        self.accept()
        return True

    def _refused(self, text: str, field: str | None) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
        messages().error(self, "Chưa sửa được hồ sơ", text)
        row = self._rows.get(field or "")
        if row is not None:
            row[1].setFocus(Qt.FocusReason.OtherFocusReason)
