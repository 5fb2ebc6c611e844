"""Small pieces every form uses: inline errors under a field, the wait cursor."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


@contextmanager
def wait_cursor() -> Iterator[None]:
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def show_error(label: QLabel, text: str | None) -> None:
    label.setText(text or "")
    label.setVisible(bool(text))


def with_error(field: QWidget, error: QLabel, hint: str | None = None) -> QWidget:
    """A form field with its inline error (and a standing hint) right under it."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    if hint:
        label = QLabel(hint)
        label.setWordWrap(True)
        label.setEnabled(False)  # the palette's muted text
        layout.addWidget(label)
    layout.addWidget(error)
    return box
