"""Step 4 of the guided flow: record what happened."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from models.codes import FailureReason, Status
from services.intake import IntakeResult
from services.labels import FAILURE_LABELS, STATUS_DESCRIPTIONS
from ui.intake_identify import error_label


class ResultStep(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = QLabel()
        self.current.setWordWrap(True)
        self.current.setStyleSheet("font-weight: 600;")
        self.status_box = QGroupBox("Kết quả hỗ trợ")
        self.status_layout = QVBoxLayout(self.status_box)
        self.statuses = QButtonGroup(self)
        self.status_error = error_label()

        self.failure = QComboBox()
        for reason, label in FAILURE_LABELS.items():
            self.failure.addItem(label, str(reason))
        self.failure_note = QLineEdit()
        self.failure_note.setPlaceholderText("Ghi rõ khi chọn «Lý do khác»")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Ghi chú thêm (không bắt buộc)")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(70)
        form = QFormLayout()
        failure_caption = QLabel("Lý do thất &bại:")
        failure_caption.setBuddy(self.failure)
        form.addRow(failure_caption, self.failure)
        note_caption = QLabel("Nội dung lý do:")
        note_caption.setBuddy(self.failure_note)
        form.addRow(note_caption, self.failure_note)
        notes_caption = QLabel("Ghi &chú:")
        notes_caption.setBuddy(self.notes)
        form.addRow(notes_caption, self.notes)

        layout = QVBoxLayout(self)
        layout.addWidget(self.current)
        layout.addWidget(self.status_box)
        layout.addWidget(self.status_error)
        layout.addLayout(form)
        layout.addStretch(1)
        self.statuses.idToggled.connect(lambda *_: self._failure_enabled())
        self._failure_enabled()

    def offer(self, level: int, current: Status | None, allowed: list[Status]) -> None:
        """Show the results that may be recorded from `current` (None: a new case)."""
        for button in self.statuses.buttons():
            self.statuses.removeButton(button)
            self.status_layout.removeWidget(button)
            button.deleteLater()
        if current is None:
            self.current.setText(f"Hồ sơ mới, mức {level}.")
        else:
            self.current.setText(
                f"Hồ sơ mức {level} đang ở trạng thái: {STATUS_DESCRIPTIONS[current]}."
            )
        if not allowed:
            self.current.setText(
                self.current.text() + " Không còn bước nào để ghi; nếu trạng thái sai, dùng "
                "chức năng sửa hồ sơ trong danh sách."
            )
        for index, status in enumerate(allowed, start=1):
            button = QRadioButton(f"&{index}. {STATUS_DESCRIPTIONS[status]}")
            button.setProperty("status", status.value)
            self.statuses.addButton(button, index)
            self.status_layout.addWidget(button)
        self.status_error.hide()
        self._failure_enabled()

    def chosen(self) -> Status | None:
        button = self.statuses.checkedButton()
        return Status(button.property("status")) if button else None

    def choose(self, status: Status) -> None:
        for button in self.statuses.buttons():
            if button.property("status") == status.value:
                button.setChecked(True)

    def result(self, level: int) -> IntakeResult | None:
        status = self.chosen()
        if status is None:
            self.status_error.setText("Chọn kết quả hỗ trợ trước khi lưu.")
            self.status_error.show()
            return None
        self.status_error.hide()
        failed = status == Status.FAILED
        return IntakeResult(
            level=level,
            status=status,
            failure_reason=FailureReason(self.failure.currentData()) if failed else None,
            failure_note=self.failure_note.text().strip() or None if failed else None,
            notes=self.notes.toPlainText().strip() or None,
        )

    def clear(self) -> None:
        self.failure.setCurrentIndex(0)
        self.failure_note.clear()
        self.notes.clear()
        self.status_error.hide()

    def _failure_enabled(self) -> None:
        failed = self.chosen() == Status.FAILED
        self.failure.setEnabled(failed)
        self.failure_note.setEnabled(failed)
