"""Keyboard first: every action has a shortcut, and its button and tooltip say which."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QPushButton, QWidget


def add_shortcuts(
    owner: QWidget,
    keys: Sequence[str],
    handler: Callable[[], object],
    context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut,
) -> list[QShortcut]:
    """Shortcuts alive while the focus is inside `owner` (by default)."""
    made = []
    for key in keys:
        shortcut = QShortcut(QKeySequence(key), owner)
        shortcut.setContext(context)
        shortcut.activated.connect(handler)
        made.append(shortcut)
    return made


def action_button(
    owner: QWidget,
    text: str,
    keys: Sequence[str],
    tooltip: str,
    handler: Callable[[], object],
    *,
    install: bool = True,
) -> QPushButton:
    """A button labelled with its keys, e.g. «Tiếp tục hồ sơ (F4)»; the keys work in `owner`.

    With `install=False` the keys are only shown (another widget already handles them,
    as a table handles Enter).
    """
    shown = ", ".join(keys)
    button = QPushButton(f"{text} ({shown})")
    button.setToolTip(f"{tooltip} – phím tắt: {shown}")
    button.setAutoDefault(False)
    button.clicked.connect(handler)
    if install:
        add_shortcuts(owner, keys, handler)
    return button
