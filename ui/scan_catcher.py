"""Catching a USB QR scanner anywhere on a page.

A scanner types the card's QR text like a keyboard and ends with Enter, into whatever
widget has the focus. This filter watches the keys typed into a page since the last
Enter or focus change; when Enter comes and what was typed holds a card QR, it undoes
what the keys did to the form (the page's snapshot) and hands the QR over instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

# Twelve digits, then at least six more "|"-separated fields.
CARD_QR = re.compile(r"\d{12}\|[^|\r\n]*(\|[^|\r\n]*){5,}")


def find_card_qr(text: str) -> str | None:
    match = CARD_QR.search(text)
    return match.group(0) if match else None


class ScanCatcher(QObject):
    """Install with `QApplication.instance().installEventFilter(catcher)`; watches `page` only."""

    scanned = Signal(str)

    def __init__(
        self, page: QWidget, snapshot: Callable[[], Any], restore: Callable[[Any], None]
    ) -> None:
        super().__init__(page)
        self.page = page
        self.snapshot = snapshot
        self.restore = restore
        self.buffer = ""
        self.saved: Any = None

    def _deliver(self, saved: Any, found: str) -> None:
        self.restore(saved)
        self.scanned.emit(found)

    def _watching(self, obj: QObject) -> bool:
        focus = QApplication.focusWidget()
        return (
            obj is focus
            and isinstance(focus, QWidget)
            and self.page.isVisible()
            and (focus is self.page or self.page.isAncestorOf(focus))
        )

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if not shiboken6.isValid(self.page):
            # The page is being destroyed (its widgets still send focus and hide events to
            # this application-wide filter until it goes with them): nothing to watch.
            return False
        kind = event.type()
        if (
            kind == QEvent.Type.FocusOut
            and isinstance(obj, QWidget)
            and self.page.isAncestorOf(obj)
        ):
            self.buffer = ""
            return False
        if kind != QEvent.Type.KeyPress or not self._watching(obj):
            return False
        assert isinstance(event, QKeyEvent)
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            found = find_card_qr(self.buffer)
            saved, self.buffer, self.saved = self.saved, "", None
            if found is None:
                return False
            # Act after the key event is done: changing focus or text from inside an
            # application-wide filter, mid-dispatch, is not safe.
            QTimer.singleShot(0, lambda: self._deliver(saved, found))
            return True
        if key == Qt.Key.Key_Tab or key == Qt.Key.Key_Backtab:
            self.buffer = ""
            return False
        text = event.text()
        if text and text.isprintable():
            if not self.buffer:
                self.saved = self.snapshot()
            self.buffer += text
        return False
