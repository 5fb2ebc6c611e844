"""The desk's fixtures: an operator at the Phú Tâm point, and the intake flow on screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from pytestqt.qtbot import QtBot

from services.upkeep.database import Database
from tests.ui.screens import lan_context, show_active
from ui.desk.flow import IntakeFlow
from ui.shell.context import AppContext


@pytest.fixture
def context(database: Database) -> AppContext:
    return lan_context(database)[0]


@pytest.fixture
def opened() -> list[QUrl]:
    return []


@pytest.fixture
def flow(qtbot: QtBot, context: AppContext, opened: list[QUrl]) -> IntakeFlow:
    widget = IntakeFlow(context, open_url=opened.append)
    show_active(qtbot, widget, 1366, 700)  # window keys need it
    return widget
