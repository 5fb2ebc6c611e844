"""Where files are saved and opened from: Documents/kichhoat first, then the last folder used.

A counter PC runs the program from Program Files, so a dialog that starts in the working
folder invites saving a citizen list where nobody finds it again (or where writing fails).
Every save and open dialog of the app goes through this module: it starts in the folder
the user last chose (remembered per computer), else in Documents/kichhoat.

Tests replace the dialogs with `set_dialogs` (a real dialog would block) and the memory
with `set_folder_memory`; the app wires the memory to a file in its data folder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from platformdirs import user_documents_dir
from PySide6.QtWidgets import QFileDialog, QWidget

APP_FOLDER = "kichhoat"
MEMORY_FILE = "last_folder.json"

# (parent, title, start path, filters) -> chosen path or "" (Qt's own signature, simplified)
SaveAsker = Callable[[QWidget | None, str, str, str], str]
OpenAsker = Callable[[QWidget | None, str, str, str], list[str]]


def documents_folder() -> Path:
    """Documents/kichhoat of this user (made when first needed)."""
    return Path(user_documents_dir()) / APP_FOLDER


class FolderMemory:
    """The last folder a file was saved to or opened from; in memory unless given a file."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._folder: Path | None = None
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                folder = Path(str(data.get("folder", ""))) if isinstance(data, dict) else None
            except (OSError, ValueError):
                folder = None
            if folder is not None and str(folder) not in ("", ".") and folder.is_dir():
                self._folder = folder

    def folder(self) -> Path | None:
        if self._folder is not None and self._folder.is_dir():
            return self._folder
        return None

    def remember(self, folder: Path) -> None:
        self._folder = folder
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps({"folder": str(folder)}), encoding="utf-8")
        except OSError:
            pass  # remembering the folder is a convenience: never a reason to fail a save


_memory = FolderMemory()


def set_folder_memory(memory: FolderMemory) -> FolderMemory:
    global _memory
    previous, _memory = _memory, memory
    return previous


def start_folder() -> Path:
    """The folder a dialog opens in: the last one used, else Documents/kichhoat."""
    remembered = _memory.folder()
    if remembered is not None:
        return remembered
    folder = documents_folder()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return Path(user_documents_dir())
    return folder


def _qt_save(parent: QWidget | None, title: str, start: str, filters: str) -> str:
    name, _ = QFileDialog.getSaveFileName(parent, title, start, filters)
    return name


def _qt_open(parent: QWidget | None, title: str, start: str, filters: str) -> list[str]:
    names, _ = QFileDialog.getOpenFileNames(parent, title, start, filters)
    return list(names)


_save: SaveAsker = _qt_save
_open: OpenAsker = _qt_open


def set_dialogs(save: SaveAsker, open_files: OpenAsker) -> tuple[SaveAsker, OpenAsker]:
    """Replace the dialogs (tests); returns the previous pair."""
    global _save, _open
    previous = (_save, _open)
    _save, _open = save, open_files
    return previous


def ask_save_path(
    parent: QWidget | None, title: str, suggested_name: str, filters: str
) -> Path | None:
    """A path to save to, starting in the remembered folder with `suggested_name`."""
    name = _save(parent, title, str(start_folder() / Path(suggested_name).name), filters)
    if not name:
        return None
    path = Path(name)
    _memory.remember(path.parent)
    return path


def ask_open_paths(parent: QWidget | None, title: str, filters: str) -> list[Path]:
    """Files to open (one or more), starting in the remembered folder."""
    names = _open(parent, title, str(start_folder()), filters)
    paths = [Path(name) for name in names if name]
    if paths:
        _memory.remember(paths[0].parent)
    return paths


def ask_open_path(parent: QWidget | None, title: str, filters: str) -> Path | None:
    paths = ask_open_paths(parent, title, filters)
    return paths[0] if paths else None


__all__ = [
    "FolderMemory",
    "ask_open_path",
    "ask_open_paths",
    "ask_save_path",
    "documents_folder",
    "set_dialogs",
    "set_folder_memory",
    "start_folder",
]
