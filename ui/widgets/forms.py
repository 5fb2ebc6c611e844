"""Small pieces every form uses: inline errors under a field, the wait cursor, the rows of
a dialog's buttons, parts stacked in a column, labels that wrap, day fields, emptying a
layout to fill it again."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #b00020;"
OK_STYLE = "color: #1b5e20;"


@contextmanager
def wait_cursor() -> Iterator[None]:
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def day_edit(day: date) -> QDateEdit:
    """A field for a day, shown the Vietnamese way (18/07/2023), with a calendar to pick
    from; it starts on `day`."""
    edit = QDateEdit(qdate(day))
    edit.setDisplayFormat("dd/MM/yyyy")
    edit.setCalendarPopup(True)
    return edit


def day_of(edit: QDateEdit) -> date:
    """The day a day field shows."""
    value = edit.date()
    return date(value.year(), value.month(), value.day())


def clear_layout(layout: QLayout) -> None:
    """Take every item out of `layout`, to fill it again; its widgets are deleted."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.deleteLater()


def wrapping_label(text: str = "") -> QLabel:
    """A label whose text breaks onto more lines rather than widening its window."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def error_label() -> QLabel:
    label = wrapping_label()
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


def accept_buttons(
    dialog: QDialog,
    text: str,
    on_accept: Callable[[], object],
    *,
    accept: QDialogButtonBox.StandardButton = QDialogButtonBox.StandardButton.Ok,
    cancel_text: str | None = None,
) -> QDialogButtonBox:
    """A form dialog's row: `accept` (Ok or Save) named `text` runs `on_accept`, Cancel
    (named `cancel_text` when given, else Qt's own word) rejects `dialog`."""
    buttons = QDialogButtonBox(accept | QDialogButtonBox.StandardButton.Cancel)
    accept_button = buttons.button(accept)
    assert accept_button is not None
    accept_button.setText(text)
    if cancel_text is not None:
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert cancel is not None
        cancel.setText(cancel_text)
    buttons.accepted.connect(on_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def close_button(dialog: QDialog, text: str | None = None) -> QDialogButtonBox:
    """A dialog's lone Close button (named `text` when given, else Qt's own word)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    if text is not None:
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        assert close is not None
        close.setText(text)
    buttons.rejected.connect(dialog.reject)
    return buttons


def button_row(start: Sequence[QWidget] = (), end: Sequence[QWidget] = ()) -> QHBoxLayout:
    """A row of buttons: `start` at its beginning, `end` at its end, room between."""
    row = QHBoxLayout()
    for widget in start:
        row.addWidget(widget)
    row.addStretch(1)
    for widget in end:
        row.addWidget(widget)
    return row


# A part of a stack: a widget or a layout, or one with the stretch it grows by.
Part = QWidget | QLayout | tuple[QWidget | QLayout, int]


def stacked(owner: QWidget, *parts: Part) -> QVBoxLayout:
    """`owner`'s layout: `parts` one under another, each as tall as it needs unless given a
    stretch (`(table, 1)`: the table takes the room left)."""
    layout = QVBoxLayout(owner)
    for part in parts:
        item, stretch = part if isinstance(part, tuple) else (part, 0)
        if isinstance(item, QLayout):
            layout.addLayout(item, stretch)
        else:
            layout.addWidget(item, stretch)
    return layout
