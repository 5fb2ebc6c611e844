"""Running a modal dialog and letting it go afterwards (Qt deletes it later, never leaks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from PySide6.QtWidgets import QDialog

D = TypeVar("D", bound=QDialog)


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
