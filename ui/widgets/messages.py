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

    def confirm_action(
        self, parent: QWidget | None, title: str, text: str, action: str = "&Đồng ý"
    ) -> bool:
        """Ask before doing what the user just chose: Enter confirms (`action` is the
        default button), Esc cancels. (`confirm` defaults to No, for risky steps.)"""
        choices = [("yes", action), ("no", "&Hủy")]
        return self.choose(parent, title, text, choices, "no") == "yes"

    def choose(
        self,
        parent: QWidget | None,
        title: str,
        text: str,
        choices: list[tuple[str, str]],
        escape: str,
    ) -> str:
        """One of `choices` (key, button text with its "&" mnemonic); Esc gives `escape`.
        The first choice is the default button."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        buttons = {}
        for key, label in choices:
            role = (
                QMessageBox.ButtonRole.RejectRole
                if key == escape
                else QMessageBox.ButtonRole.AcceptRole
            )
            buttons[key] = box.addButton(label, role)
        box.setDefaultButton(buttons[choices[0][0]])
        box.setEscapeButton(buttons[escape])
        box.exec()
        clicked = box.clickedButton()
        return next((key for key, button in buttons.items() if button is clicked), escape)


@dataclass
class RecordingMessages(Messages):
    """For tests: remembers every message; `confirm` answers with `answer`."""

    answer: bool = True
    choice: str | None = None  # what `choose` answers; None: the escape choice
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

    def confirm_action(
        self, parent: QWidget | None, title: str, text: str, action: str = "&Đồng ý"
    ) -> bool:
        self.shown.append(("confirm", title, text))
        return self.answer

    def choose(
        self,
        parent: QWidget | None,
        title: str,
        text: str,
        choices: list[tuple[str, str]],
        escape: str,
    ) -> str:
        self.shown.append(("choose", title, text))
        keys = [key for key, _label in choices]
        return self.choice if self.choice in keys else escape


_current: Messages = Messages()


def messages() -> Messages:
    return _current


def set_messages(replacement: Messages) -> Messages:
    """Install `replacement`; returns the previous one (for tests to restore)."""
    global _current
    previous, _current = _current, replacement
    return previous
