"""Telling a USB QR scanner from a person typing, wherever the focus is in a window.

A keyboard-wedge scanner types the card's QR text like a keyboard, fast, and ends with
Enter, into whatever widget has the focus. Its keys must never reach that widget: a
digit on the result step would pick a result, a "y" would tick a box, the whole text
would land in a field. So this filter holds keys back while they may still be a scan
and decides, by content and rhythm, what they were:

- a scan starts with a digit typed without Ctrl, Alt or Meta (a card QR starts with the
  12-digit ID number);
- every next key follows the previous one within `SCAN_GAP_MS` (a scanner sends a key
  every 2-30 ms; a fast typist rarely types twelve keys in a row that fast);
- what it typed stays a possible start of a card QR (12 digits, "|", then more fields;
  9 to 13 digits are let through, a scanner may lose or double a key);
- it ends with Enter, and what came before Enter is a whole card QR: twelve digits and
  at least six more "|"-separated fields; or a QR a scanner garbled (cut short, or a
  digit of the number lost or doubled: 9 to 13 digits, then "|"), which is a scan too:
  it is handed over to be refused with a message, never typed into the focused widget.

Such keys are swallowed and `scanned` is emitted with the QR text. Anything else was a
person: the held keys are replayed, in order, to the widget they were typed into, as
soon as the rhythm breaks, the text stops looking like a QR, another kind of key or a
mouse press comes, or `SCAN_GAP_MS` pass with no key. A person typing sees a digit
appear at most that long after the key.

Key times come from the event (the windowing system's clock) or, for events without one,
from a monotonic clock; tests give a clock of their own (`set_clock`).
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

SCAN_GAP_MS = 60
MAX_QR_LENGTH = 500
ID_DIGITS = 12

# Twelve digits, then at least six more "|"-separated fields.
CARD_QR = re.compile(r"\d{12}\|[^|\r\n]*(\|[^|\r\n]*){5,}")
ASCII_DIGITS = frozenset("0123456789")
MODIFIER_KEYS = frozenset(
    {
        Qt.Key.Key_Shift,
        Qt.Key.Key_Control,
        Qt.Key.Key_Alt,
        Qt.Key.Key_AltGr,
        Qt.Key.Key_Meta,
        Qt.Key.Key_CapsLock,
        Qt.Key.Key_NumLock,
    }
)
COMMAND_MODIFIERS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)
ENTER_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
POINTER_EVENTS = (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick)


def is_card_qr(text: str) -> bool:
    return CARD_QR.fullmatch(text.strip()) is not None


def is_cut_short_qr(text: str) -> bool:
    """Digits and a "|" at a scanner's pace, then Enter: a scan whose QR was read only in
    part or with a key lost (a smudged card, a scanner faster than the computer). Nobody
    types that by hand; it is handed over to be refused with the reason."""
    return "|" in text and may_start_card_qr(text)


def may_start_card_qr(text: str) -> bool:
    """True while `text` can still grow into a card QR, or into one a scanner garbled
    (a digit lost or doubled in the ID number: the QR text still says why it is wrong)."""
    if len(text) > MAX_QR_LENGTH or "\r" in text or "\n" in text:
        return False
    head, bar, _rest = text.partition("|")
    if any(char not in ASCII_DIGITS for char in head) or len(head) > ID_DIGITS + 1:
        return False
    return not bar or len(head) >= ID_DIGITS - 3


def _monotonic_ms() -> float:
    return time.monotonic() * 1000.0


class Clock:
    """Where the detector reads the time: `now()` and the time of a key event, in ms."""

    def now(self) -> float:
        return _monotonic_ms()

    def key_time(self, event: QKeyEvent) -> float:
        stamp = event.timestamp()
        return float(stamp) if stamp else _monotonic_ms()


_clock: Clock = Clock()
_detectors: weakref.WeakSet[ScanDetector] = weakref.WeakSet()


def set_clock(clock: Clock) -> Clock:
    """Replace the clock of every detector (tests); returns the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def current_clock() -> Clock:
    return _clock


def all_settled() -> bool:
    """No detector holds keys back (tests wait for this after typing)."""
    return not any(
        detector.holding() for detector in list(_detectors) if shiboken6.isValid(detector)
    )


@dataclass
class HeldKey:
    target: weakref.ref[QWidget]
    key: int
    modifiers: Qt.KeyboardModifier
    text: str


class ScanDetector(QObject):
    """Install with `QApplication.instance().installEventFilter(detector)`.

    Watches the keys typed into `scope()` (a window: its widgets and the dialogs and popups
    opened from it) and emits `scanned(qr_text)` for each scan.
    """

    scanned = Signal(str)

    def __init__(self, owner: QWidget, scope: Callable[[], QWidget | None]) -> None:
        super().__init__(owner)
        self.owner = owner
        self.scope = scope
        self.held: list[HeldKey] = []
        self.last_key = 0.0  # the time of the last held key, on the key clock
        self.last_arrival = 0.0  # when it arrived, on `now()`
        self.swallowed_releases: set[int] = set()
        self.replaying = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._gap_elapsed)
        _detectors.add(self)

    # -- state --------------------------------------------------------------------------

    def holding(self) -> bool:
        return bool(self.held)

    def held_text(self) -> str:
        return "".join(key.text for key in self.held)

    def flush(self) -> None:
        """The held keys were a person's: replay them to the widgets they were typed into."""
        held, self.held = self.held, []
        self.timer.stop()
        self._replay(held)

    def _replay(self, held: list[HeldKey]) -> None:
        if not held:
            return
        self.replaying = True
        try:
            for key in held:
                target = key.target()
                if target is None or not shiboken6.isValid(target):
                    continue
                for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                    QApplication.sendEvent(
                        target, QKeyEvent(kind, key.key, key.modifiers, key.text)
                    )
        finally:
            self.replaying = False

    def _gap_elapsed(self) -> None:
        waited = _clock.now() - self.last_arrival
        if waited >= SCAN_GAP_MS:
            self.flush()
        elif self.held:
            self.timer.start(max(1, int(SCAN_GAP_MS - waited)))

    # -- which events are ours ----------------------------------------------------------

    def _in_scope(self, widget: QWidget) -> bool:
        root = self.scope()
        if root is None or not shiboken6.isValid(root) or not root.isVisible():
            return False
        current: QWidget | None = widget
        while current is not None:
            if current is root:
                return True
            current = current.parentWidget()
        return False

    def _receiver(self, obj: QObject) -> QWidget | None:
        """The widget a key is typed into, when `obj` is it (not a parent it propagates to)."""
        if not isinstance(obj, QWidget):
            return None
        focus = QApplication.focusWidget()
        if focus is not None and obj is not focus:
            return None
        if focus is None and not obj.isWindow():
            return None
        return obj if self._in_scope(obj) else None

    # -- the filter ---------------------------------------------------------------------

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if self.replaying or not shiboken6.isValid(self.owner):
            return False
        kind = event.type()
        if kind in POINTER_EVENTS:
            if self.held:
                self.flush()  # a click ends any typing: what was typed lands first
            return False
        if kind not in (
            QEvent.Type.KeyPress,
            QEvent.Type.KeyRelease,
            QEvent.Type.ShortcutOverride,
        ):
            return False
        assert isinstance(event, QKeyEvent)
        target = self._receiver(obj)
        if target is None:
            if (
                self.held
                and kind != QEvent.Type.KeyRelease
                and event.key() not in MODIFIER_KEYS
                and not self._would_hold(event)
                and isinstance(obj, QWidget)
                and self._in_scope(obj)
            ):
                self.flush()  # a key sent to the window itself (Ctrl+S): what was typed first
            return False
        if kind == QEvent.Type.KeyRelease:
            return self._release(event)
        if kind == QEvent.Type.ShortcutOverride:
            return self._shortcut_override(event)
        return self._press(target, event)

    def _release(self, event: QKeyEvent) -> bool:
        if event.isAutoRepeat():
            return event.key() in self.swallowed_releases
        if event.key() in self.swallowed_releases:
            self.swallowed_releases.discard(event.key())
            return True
        return False

    def _would_hold(self, event: QKeyEvent) -> bool:
        if event.modifiers() & COMMAND_MODIFIERS:
            return False
        text = event.text()
        if self.held:
            return bool(text and text.isprintable()) or event.key() in ENTER_KEYS
        return text in ASCII_DIGITS and text != ""

    def _shortcut_override(self, event: QKeyEvent) -> bool:
        """Before a key can trigger a shortcut: keep it from doing so while it may be a scan."""
        if event.key() in MODIFIER_KEYS:
            return False
        if self._would_hold(event):
            event.accept()  # accepted: no shortcut takes it, the key press comes to us
            return True
        if self.held:
            self.flush()  # Ctrl+S and the like act after what was typed before them
        return False

    def _press(self, target: QWidget, event: QKeyEvent) -> bool:
        key = event.key()
        if key in MODIFIER_KEYS:
            return False
        at = _clock.key_time(event)
        if self.held:
            if at - self.last_key > SCAN_GAP_MS or not self._would_hold(event):
                self.flush()
                moved = self._focus_moved_from(target)
                if moved is not None:
                    return self._press_on(moved, event, at)
            elif key in ENTER_KEYS:
                # A person's last key may be held with the scan that came right after it
                # (a typist's keys are never closer than the gap, so at most one). An ID
                # number starts with 0 (province codes 001-096): a key before the scan,
                # not a digit the scanner doubled.
                text = self.held_text()
                after = text[1:]
                typed = 1 if not is_card_qr(text) and after[:1] == "0" and is_card_qr(after) else 0
                held, text = self.held[:typed], text[typed:]
                if is_card_qr(text) or is_cut_short_qr(text):
                    self.held = []
                    self.timer.stop()
                    self._replay(held)
                    self.swallowed_releases.add(key)
                    # Act after this key event is done: changing focus or widgets from
                    # inside an application-wide filter, mid-dispatch, is not safe.
                    QTimer.singleShot(0, lambda: self._deliver(text.strip()))
                    return True
                self.flush()
                return False
            elif may_start_card_qr(self.held_text() + event.text()):
                self._hold(target, event, at)
                return True
            else:
                self.flush()
                return False
        if self._would_hold(event):
            self._hold(target, event, at)
            return True
        return False

    def _focus_moved_from(self, target: QWidget) -> QWidget | None:
        """The widget that has the focus now, when the keys just let go moved it away from
        `target` (a digit typed on a table's cell opened the cell's editor)."""
        focus = QApplication.focusWidget()
        if focus is None or focus is target or not self._in_scope(focus):
            return None
        return focus

    def _press_on(self, widget: QWidget, event: QKeyEvent, at: float) -> bool:
        """This key, meant for where the focus now is: held there, or sent there at once;
        either way not left to the widget that had the focus when it was typed."""
        if self._would_hold(event):
            self._hold(widget, event, at)
        else:
            QApplication.sendEvent(
                widget, QKeyEvent(event.type(), event.key(), event.modifiers(), event.text())
            )
        return True

    def _hold(self, target: QWidget, event: QKeyEvent, at: float) -> None:
        self.held.append(HeldKey(weakref.ref(target), event.key(), event.modifiers(), event.text()))
        self.swallowed_releases.add(event.key())
        self.last_key = at
        self.last_arrival = _clock.now()
        self.timer.start(SCAN_GAP_MS)

    def _deliver(self, text: str) -> None:
        if shiboken6.isValid(self.owner):
            self.scanned.emit(text)
