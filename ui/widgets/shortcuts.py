"""Keyboard first: every action has a shortcut, and its button and tooltip say which."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QMainWindow,
    QPushButton,
    QWidget,
)


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


class ScreenMnemonicsFirst(QObject):
    """Alt+letter of a button or field on the screen in view wins over the menu bar's.

    The menus' letters (*&Tệp*, *&Xem*, *&Quản trị*, *Trợ &giúp*) are shared with the
    screens' (*&Tiếp*, *&Xem nội dung thông báo…*, *&Quay lại*, *&Giới tính*…); Qt calls
    such a key ambiguous and then only moves the focus to the button, or opens the menu,
    turn by turn. Here the one visible, enabled widget of the window's content that has the
    letter takes it, as it would alone; with no such widget (or several), Qt decides as
    before, so the menus keep their letters wherever the screen does not use them."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.pending: QWidget | None = None
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(event, QKeyEvent) or event.modifiers() != Qt.KeyboardModifier.AltModifier:
            return False
        if kind == QEvent.Type.KeyPress:
            target, self.pending = self.pending, None
            if target is None:
                return False
            _take_mnemonic(target)
            return True
        target = self._screen_widget(event.key())
        if target is None:
            return False
        self.pending = target
        event.accept()  # no shortcut: the key comes as a key press, taken above
        return True

    def _screen_widget(self, key: int) -> QWidget | None:
        if QApplication.activeWindow() is not self.window or QApplication.activePopupWidget():
            return None
        sequence = QKeySequence(key | Qt.KeyboardModifier.AltModifier.value)
        menu_letters = [QKeySequence.mnemonic(a.text()) for a in self.window.menuBar().actions()]
        if sequence not in menu_letters:
            return None
        central = self.window.centralWidget()
        if central is None:
            return None
        found = [
            widget
            for widget in central.findChildren(QWidget)
            if isinstance(widget, (QAbstractButton, QLabel))
            and QKeySequence.mnemonic(widget.text()) == sequence
            and widget.isVisible()
            and widget.isEnabled()
            and (not isinstance(widget, QLabel) or _usable(widget.buddy()))
        ]
        return found[0] if len(found) == 1 else None


def _usable(widget: QWidget | None) -> bool:
    return widget is not None and widget.isVisible() and widget.isEnabled()


def _take_mnemonic(widget: QWidget) -> None:
    """What Qt does for a letter nobody else has: a button is clicked (after its short
    animation, as by Alt), a label's buddy gets the focus (a button buddy is clicked)."""
    if isinstance(widget, QLabel):
        buddy = widget.buddy()
        if buddy is None:
            return
        widget = buddy
    widget.setFocus(Qt.FocusReason.ShortcutFocusReason)
    if isinstance(widget, QAbstractButton):
        widget.animateClick()
