"""Hands and devices at the keyboard: a person typing, a USB scanner bursting a QR.

Keys go through `QTest.sendKeyEvent`, as `qtbot.keyClick` does (shortcuts included), into
whatever widget has the focus at that moment. The rhythm is not real time: the scan
detector reads a `HandClock` that each key moves on by the gap the test asks for, so a
slow machine never turns a scanner into a typist or the other way round.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ui.widgets.scan_catcher import Clock, all_settled, current_clock

TYPIST_GAP_MS = 150.0  # a quick clerk: several keys a second, never 60 ms apart
FAST_SCANNER_GAP_MS = 3.0
SLOW_SCANNER_GAP_MS = 30.0


class HandClock(Clock):
    """Each key is `gap` ms after the previous one. Between keys no time passes, unless a
    person has stopped typing (`pause`): only then may held keys be let go."""

    def __init__(self) -> None:
        self.time = 1_000_000.0
        self.gap = TYPIST_GAP_MS
        self.paused = True

    def now(self) -> float:
        return self.time + (10_000.0 if self.paused else 0.0)

    def key_time(self, event: QKeyEvent) -> float:
        self.time += self.gap
        self.paused = False
        return self.time

    def pause(self) -> None:
        self.paused = True


def key_for(char: str) -> Qt.Key:
    if char.isascii() and char.isalnum():
        return Qt.Key(ord(char.upper()))
    return {" ": Qt.Key.Key_Space, "|": Qt.Key.Key_Bar, "/": Qt.Key.Key_Slash}.get(
        char, Qt.Key.Key_unknown
    )


def key_target() -> QWidget:
    """Where a key goes: an open popup (a completer's list), else the focused widget."""
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return popup.focusWidget() or popup
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert isinstance(target, QWidget), "no widget has the focus"
    return target


def press(char: str) -> None:
    """One key into the focused widget (or the active window), shortcuts first."""
    target = key_target()
    modifier = Qt.KeyboardModifier.ShiftModifier if char == "|" else Qt.KeyboardModifier.NoModifier
    QTest.sendKeyEvent(QTest.KeyAction.Click, target, key_for(char), char, modifier)


def press_key(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(key_target(), key, modifier)


def hand_clock() -> HandClock:
    clock = current_clock()
    assert isinstance(clock, HandClock), "the GUI tests' conftest installs a HandClock"
    return clock


def settle(qtbot: QtBot) -> None:
    """The person stops typing: what the detector held back lands."""
    hand_clock().pause()
    qtbot.waitUntil(all_settled)


def type_keys(qtbot: QtBot, text: str) -> None:
    """A person types `text` into whatever has the focus."""
    hand_clock().gap = TYPIST_GAP_MS
    for char in text:
        press(char)
    settle(qtbot)


def type_into(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """A person puts the cursor in `widget` and types `text`."""
    widget.setFocus()

    def focused() -> bool:
        focus = QApplication.focusWidget()
        # An editable combo box keeps the focus itself and hands keys to its line edit.
        return focus is not None and (focus is widget or focus.isAncestorOf(widget))

    qtbot.waitUntil(focused)
    type_keys(qtbot, text)


def scan(qtbot: QtBot, text: str, gap_ms: float = FAST_SCANNER_GAP_MS) -> None:
    """A keyboard-wedge scanner: the QR text, `gap_ms` between keys, then Enter, into
    whatever has the focus; then the event loop runs what the scan started."""
    clock = hand_clock()
    clock.gap = gap_ms
    for char in text:
        press(char)
    press_key(Qt.Key.Key_Return)
    clock.gap = TYPIST_GAP_MS
    qtbot.wait(1)  # the scan is handed over after its Enter key event is done
    settle(qtbot)
