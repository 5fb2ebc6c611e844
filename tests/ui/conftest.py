"""GUI fixtures: Qt in Vietnamese, as the app runs it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from services.documents.sheets import Sheet
from services.upkeep.database import Database
from tests.factories import known_world
from tests.ui.desk_steps import context, flow, opened  # noqa: F401 (the desk's fixtures)
from tests.ui.hands import HandClock
from ui.documents.printing import set_preview_runner
from ui.widgets import file_dialogs
from ui.widgets.background import wait_for_background_work
from ui.widgets.messages import RecordingMessages, set_messages
from ui.widgets.qt_vietnamese import JsonTranslator, install_vietnamese
from ui.widgets.scan_catcher import set_clock


@pytest.fixture(autouse=True)
def recorded() -> Iterator[RecordingMessages]:
    """Every GUI test: message boxes are recorded, never shown (a real one would block)."""
    recorder = RecordingMessages()
    previous = set_messages(recorder)
    yield recorder
    set_messages(previous)


def _no_save_dialog(_parent: QWidget | None, title: str, _start: str, _filters: str) -> str:
    raise AssertionError(f"a real file dialog would block the test: {title}")


def _no_open_dialog(_parent: QWidget | None, title: str, _start: str, _filters: str) -> list[str]:
    raise AssertionError(f"a real file dialog would block the test: {title}")


@pytest.fixture(autouse=True)
def file_dialog_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every GUI test: Documents is a temporary folder, no folder is remembered yet (and
    the start-up's memory file does not leak into the next test), no real file dialog."""
    documents = tmp_path / "Documents"
    monkeypatch.setattr(file_dialogs, "user_documents_dir", lambda: str(documents))
    previous_memory = file_dialogs.set_folder_memory(file_dialogs.FolderMemory())
    previous_dialogs = file_dialogs.set_dialogs(_no_save_dialog, _no_open_dialog)
    yield documents
    file_dialogs.set_dialogs(*previous_dialogs)
    file_dialogs.set_folder_memory(previous_memory)


@pytest.fixture(autouse=True)
def vietnamese(qapp: QApplication) -> Iterator[JsonTranslator]:
    translator = install_vietnamese(qapp)
    yield translator
    qapp.removeTranslator(translator)


@pytest.fixture(autouse=True)
def background_work_settled(qapp: QApplication, recorded: RecordingMessages) -> Iterator[None]:
    """No worker outlives its test: its result arrives while the test's fixtures stand."""
    yield
    wait_for_background_work()
    qapp.processEvents()


@pytest.fixture(autouse=True)
def hand_clock() -> Iterator[HandClock]:
    """The scan detector's clock: keys are as far apart as the test says, not as the
    machine happens to deliver them."""
    clock = HandClock()
    previous = set_clock(clock)
    yield clock
    set_clock(previous)


@pytest.fixture
def known_cases(database: Database) -> None:
    """The factories' known world in the database: eight cases, two points, two operators."""
    with database.session() as session:
        known_world(session)


@pytest.fixture
def previews() -> Iterator[list[Sheet]]:
    """The sheets handed to the print preview, which is not shown."""
    seen: list[Sheet] = []
    previous = set_preview_runner(lambda parent, sheet: seen.append(sheet))
    yield seen
    set_preview_runner(previous)
