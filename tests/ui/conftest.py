"""GUI fixtures: Qt in Vietnamese, as the app runs it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from ui.background import wait_for_background_work
from ui.messages import RecordingMessages, set_messages
from ui.qt_vietnamese import JsonTranslator, install_vietnamese


@pytest.fixture(autouse=True)
def recorded() -> Iterator[RecordingMessages]:
    """Every GUI test: message boxes are recorded, never shown (a real one would block)."""
    recorder = RecordingMessages()
    previous = set_messages(recorder)
    yield recorder
    set_messages(previous)


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
