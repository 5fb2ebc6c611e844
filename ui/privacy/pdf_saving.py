"""Saving a PDF the signed-in person writes: the path asked for, the writing done in one
transaction, a refusal shown (nothing written)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from services.security.session_context import Actor
from ui.shell.context import AppContext
from ui.widgets.file_dialogs import ask_save_path
from ui.widgets.transactions import REFUSED, done_or_shown

T = TypeVar("T")
PDF_FILTER = "Tệp PDF (*.pdf)"


def save_pdf_in_one_transaction(
    parent: QWidget,
    context: AppContext,
    titles: tuple[str, str],
    suggested: str,
    write: Callable[[Session, Actor, Path], T],
) -> T | None:
    """What `write` returns for the path the user chose, or None when the user cancelled or
    the writing was refused (shown). `titles`: the save dialog's, the refusal's."""
    ask_title, failure_title = titles
    path = ask_save_path(parent, ask_title, suggested, PDF_FILTER)
    if path is None:
        return None
    written = done_or_shown(parent, context, failure_title, write, path)
    return None if written is REFUSED else written
