"""Step 4 of the guided flow: record what happened.

Keyboard-first: the focus lands on the results, a digit (or Alt+digit) picks the result
of that number, the arrows move between them. A failure reason is asked for only once
"failed" is picked, and starts empty: the clerk chooses it. Every message goes as soon
as its problem is fixed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
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
from services.common.labels import FAILURE_LABELS, STATUS_DESCRIPTIONS
from services.desk.intake import IntakeResult
from ui.desk.identify import error_label
from ui.widgets.forms import wrapping_label


class ResultStep(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current = wrapping_label()
        self.current.setStyleSheet("font-weight: 600;")
        self.status_box = QGroupBox("Kết quả hỗ trợ (gõ số để chọn, ↑↓ để đổi)")
        self.status_layout = QVBoxLayout(self.status_box)
        self.statuses = QButtonGroup(self)
        self.status_error = error_label()

        self.failure = QComboBox()
        for reason, label in FAILURE_LABELS.items():
            self.failure.addItem(label, str(reason))
        self.failure.setPlaceholderText("– Chọn lý do thất bại –")
        self.failure.setCurrentIndex(-1)
        self.failure_error = error_label()
        self.failure_note = QLineEdit()
        self.failure_note.setPlaceholderText("Ghi rõ khi chọn «Lý do khác»")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Ghi chú thêm (không bắt buộc)")
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(70)
        form = QFormLayout()
        failure_caption = QLabel("Lý do thất &bại:")
        failure_caption.setBuddy(self.failure)
        failure_box = QVBoxLayout()
        failure_box.setSpacing(1)
        failure_box.addWidget(self.failure)
        failure_box.addWidget(self.failure_error)
        form.addRow(failure_caption, failure_box)
        note_caption = QLabel("&Nội dung lý do:")
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
        self.statuses.idToggled.connect(self._status_toggled)
        self.failure.currentIndexChanged.connect(self._reason_chosen)
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
            button.show()  # now, not when the layout gets round to it: it takes the focus
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
        if failed and self.failure.currentIndex() < 0:
            self.failure_error.setText("Chọn lý do thất bại trước khi lưu.")
            self.failure_error.show()
            self.failure.setFocus()
            return None
        return IntakeResult(
            level=level,
            status=status,
            failure_reason=FailureReason(self.failure.currentData()) if failed else None,
            failure_note=self.failure_note.text().strip() or None if failed else None,
            notes=self.notes.toPlainText().strip() or None,
        )

    def clear(self) -> None:
        self.failure.setCurrentIndex(-1)
        self.failure_note.clear()
        self.notes.clear()
        self.status_error.hide()
        self.failure_error.hide()

    def focus_results(self) -> None:
        buttons = self.statuses.buttons()
        if buttons:
            (self.statuses.checkedButton() or buttons[0]).setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """A digit picks the result of that number, wherever the focus is on this step
        except where digits are typed (the reason and the notes)."""
        text = event.text()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        button = self.statuses.button(int(text)) if text.isdigit() and text.isascii() else None
        if button is not None and modifiers == Qt.KeyboardModifier.NoModifier:
            button.setChecked(True)
            button.setFocus()
            event.accept()
            return
        super().keyPressEvent(event)

    def _status_toggled(self, _id: int, checked: bool) -> None:
        if checked:
            self.status_error.hide()
        if self.chosen() != Status.FAILED:
            self.failure_error.hide()
        self._failure_enabled()

    def _reason_chosen(self, index: int) -> None:
        if index >= 0:
            self.failure_error.hide()

    def _failure_enabled(self) -> None:
        failed = self.chosen() == Status.FAILED
        self.failure.setEnabled(failed)
        self.failure_note.setEnabled(failed)
