"""Running a modal dialog and letting it go afterwards (Qt deletes it later, never leaks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import shiboken6
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication, QDialog, QWidget

D = TypeVar("D", bound=QDialog)

# The tallest a dialog opens: the counter laptop's 768 px, less Windows' taskbar (40) and a
# title bar (about 32), with a little room; taller, its buttons are under the taskbar.
TALLEST_DIALOG = 690


def run_dialog(dialog: QDialog) -> int:
    """`dialog.exec()`, then the dialog is deleted (later, by Qt); what `exec` returned."""
    try:
        return dialog.exec()
    finally:
        dialog.deleteLater()


@contextmanager
def exposed(owner: object, name: str, dialog: D) -> Iterator[D]:
    """`owner.<name>` is `dialog` while the block runs (tests drive it while it is open);
    afterwards None, and the dialog is deleted (later, by Qt)."""
    setattr(owner, name, dialog)
    try:
        yield dialog
    finally:
        setattr(owner, name, None)
        dialog.deleteLater()


class OwnerActivation(QObject):
    """A dialog closed: the window it was opened from takes the keys again.

    A desktop's window manager does this itself (Windows activates a dialog's owner when it
    closes); Qt's offscreen platform, where the tests run, leaves no window active, so the
    next shortcut (Ctrl+2, Ctrl+E, Esc) went nowhere. Only a window that *hides* while it
    has the focus is followed by its owner: when the clerk switches to another program, our
    windows stay visible and nothing is activated behind their back."""

    WATCHED = "kichhoat_owner_activation"

    def __init__(self, app: QGuiApplication) -> None:
        super().__init__(app)
        app.focusWindowChanged.connect(self._watch)

    def _watch(self, window: QWindow | None) -> None:
        if window is None or window.property(self.WATCHED):
            return
        window.setProperty(self.WATCHED, True)
        window.visibleChanged.connect(lambda visible: self._hidden(window, visible))

    def _hidden(self, window: QWindow, visible: bool) -> None:
        if visible or not shiboken6.isValid(window):  # hidden as it is destroyed
            return
        owner = window.transientParent()
        if owner is None or QGuiApplication.focusWindow() not in (window, None):
            return
        QTimer.singleShot(0, owner, lambda: self._activate(owner))

    def _activate(self, owner: QWindow) -> None:
        if QApplication.activeWindow() is not None or not owner.isVisible():
            return
        widget = next(
            (w for w in QApplication.topLevelWidgets() if w.windowHandle() is owner), None
        )
        if isinstance(widget, QWidget):
            widget.activateWindow()


def follow_closed_dialogs_with_their_owner() -> None:
    """Install `OwnerActivation` once for the application (the main window does)."""
    app = QApplication.instance()
    if isinstance(app, QApplication) and app.findChild(OwnerActivation) is None:
        OwnerActivation(app)
