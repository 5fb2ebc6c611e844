"""Message boxes behind a small service, so that controllers are testable without clicking.

Widgets call `messages_for(self).error(...)`; tests install a `RecordingMessages`
with `set_messages(...)` and read back what the user would have seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtWidgets import QMessageBox, QWidget


class Messages:
    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def warning(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.critical(parent, title, text)

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes


@dataclass
class RecordingMessages(Messages):
    """For tests: remembers every message; `confirm` answers with `answer`."""

    answer: bool = True
    shown: list[tuple[str, str, str]] = field(default_factory=list)

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("info", title, text))

    def warning(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("warning", title, text))

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        self.shown.append(("error", title, text))

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        self.shown.append(("confirm", title, text))
        return self.answer


_current: Messages = Messages()


def messages() -> Messages:
    return _current


def set_messages(replacement: Messages) -> Messages:
    """Install `replacement`; returns the previous one (for tests to restore)."""
    global _current
    previous, _current = _current, replacement
    return previous
