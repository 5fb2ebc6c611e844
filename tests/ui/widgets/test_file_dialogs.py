"""Save and open dialogs start in Documents/kichhoat, then in the last folder chosen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from ui.counting import dashboard, targets_editor
from ui.documents import printing
from ui.exchange import package_dialogs
from ui.security import audit_viewer, security_menu
from ui.widgets import file_dialogs
from ui.widgets.file_dialogs import (
    MEMORY_FILE,
    FolderMemory,
    ask_open_path,
    ask_save_path,
    set_dialogs,
    set_folder_memory,
    start_folder,
)


@dataclass
class ScriptedDialogs:
    """Answers the file dialogs and remembers where each one started."""

    answer: list[str] = field(default_factory=list)
    starts: list[str] = field(default_factory=list)

    def save(self, _parent: QWidget | None, _title: str, start: str, _filters: str) -> str:
        self.starts.append(start)
        return self.answer[0] if self.answer else ""

    def open(self, _parent: QWidget | None, _title: str, start: str, _filters: str) -> list[str]:
        self.starts.append(start)
        return list(self.answer)


@pytest.fixture
def scripted() -> Iterator[ScriptedDialogs]:
    script = ScriptedDialogs()
    previous = set_dialogs(script.save, script.open)
    yield script
    set_dialogs(*previous)


def test_nothing_remembered_starts_in_documents_kichhoat(
    scripted: ScriptedDialogs, file_dialog_folders: Path
) -> None:
    expected = file_dialog_folders / "kichhoat"
    assert start_folder() == expected and expected.is_dir()
    assert ask_save_path(None, "Lưu", "bao-cao.xlsx", "*.xlsx") is None  # cancelled
    assert scripted.starts == [str(expected / "bao-cao.xlsx")]
    assert ask_open_path(None, "Mở", "*") is None
    assert scripted.starts[-1] == str(expected)


def test_a_folder_in_the_suggestion_is_not_where_the_dialog_starts(
    scripted: ScriptedDialogs, file_dialog_folders: Path
) -> None:
    """The backup suggested a name in the home folder: only its name is kept."""
    ask_save_path(None, "Lưu", str(Path.home() / "sao-luu.sqlite3"), "*")
    assert scripted.starts == [str(file_dialog_folders / "kichhoat" / "sao-luu.sqlite3")]


def test_the_chosen_folder_is_remembered_across_starts(
    scripted: ScriptedDialogs, tmp_path: Path
) -> None:
    memory_file = tmp_path / "settings" / MEMORY_FILE
    set_folder_memory(FolderMemory(memory_file))
    chosen = tmp_path / "USB" / "bao-cao"
    chosen.mkdir(parents=True)
    scripted.answer = [str(chosen / "a.xlsx")]
    assert ask_save_path(None, "Lưu", "a.xlsx", "*.xlsx") == chosen / "a.xlsx"
    assert memory_file.is_file()

    set_folder_memory(FolderMemory(memory_file))  # the next start of the program
    scripted.answer = []
    ask_save_path(None, "Lưu", "b.xlsx", "*.xlsx")
    assert scripted.starts[-1] == str(chosen / "b.xlsx")

    other = tmp_path / "goi"
    other.mkdir()
    scripted.answer = [str(other / "x.kpkg"), str(other / "y.kpkg")]
    assert [p.name for p in file_dialogs.ask_open_paths(None, "Mở", "*")] == ["x.kpkg", "y.kpkg"]
    assert FolderMemory(memory_file).folder() == other


def test_a_vanished_folder_falls_back_to_documents(
    scripted: ScriptedDialogs, tmp_path: Path, file_dialog_folders: Path
) -> None:
    memory_file = tmp_path / MEMORY_FILE
    usb = tmp_path / "USB"
    usb.mkdir()
    FolderMemory(memory_file).remember(usb)
    usb.rmdir()  # the USB stick was pulled out
    set_folder_memory(FolderMemory(memory_file))
    assert start_folder() == file_dialog_folders / "kichhoat"

    memory_file.write_text("không phải JSON", encoding="utf-8")  # a damaged file
    set_folder_memory(FolderMemory(memory_file))
    assert start_folder() == file_dialog_folders / "kichhoat"


def test_every_dialog_of_the_window_starts_in_the_remembered_folder(
    scripted: ScriptedDialogs, tmp_path: Path
) -> None:
    remembered = tmp_path / "da-chon"
    remembered.mkdir()
    memory = FolderMemory()
    memory.remember(remembered)
    set_folder_memory(memory)

    scripted.answer = [str(remembered / "goi.kpkg")]
    assert package_dialogs.ask_save_package(QWidget(), "kichhoat-P1-20230725.kpkg") == (
        remembered / "goi.kpkg"
    )
    assert scripted.starts[-1] == str(remembered / "kichhoat-P1-20230725.kpkg")

    scripted.answer = [str(remembered / "bao-cao")]  # typed without the extension
    assert dashboard.ask_report_path(QWidget(), "bao-cao-PC06-2023-07-25.xlsx") == (
        remembered / "bao-cao.xlsx"
    )
    assert scripted.starts[-1] == str(remembered / "bao-cao-PC06-2023-07-25.xlsx")

    scripted.answer = []
    package_dialogs.ask_open_packages(QWidget())
    audit_viewer.ask_export_path(QWidget(), "nhat-ky.xlsx")
    printing.ask_save_path(None, "Lưu PDF", "phieu.pdf")
    security_menu.ask_save(QWidget(), "Lưu bản sao lưu", "sao-luu.sqlite3", "*")
    security_menu.ask_open(QWidget(), "Chọn bản sao lưu", "*")
    targets_editor.ask_targets_file(QWidget())
    assert scripted.starts[-6:] == [
        str(remembered),
        str(remembered / "nhat-ky.xlsx"),
        str(remembered / "phieu.pdf"),
        str(remembered / "sao-luu.sqlite3"),
        str(remembered),
        str(remembered),
    ]


def test_the_start_up_keeps_the_memory_beside_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.upkeep.database import DB_ENV
    from ui.shell.app import StartupDialogs, start_session

    monkeypatch.delenv(DB_ENV, raising=False)
    folder = tmp_path / "cai-dat"
    usb = tmp_path / "USB"
    usb.mkdir()
    FolderMemory(folder / MEMORY_FILE).remember(usb)
    cancelled = StartupDialogs(first_start=lambda *args: None)
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    assert start_session(url, settings_folder=folder, dialogs=cancelled) == 0
    assert start_folder() == usb
