"""The desk's fixtures: an operator at the Phú Tâm point, and the intake flow on screen."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from models.codes import Role
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.factories import World
from ui.desk.flow import IntakeFlow
from ui.shell.context import AppContext, PointInfo


@pytest.fixture
def context(database: Database) -> AppContext:
    with database.session() as session:
        world = World(session)
        session.commit()
        point = world.point_phu_tam
        actor = Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.OPERATOR, point.id)
        info = PointInfo(point.id, point.code, point.name, point.commune_id)
    return AppContext(database=database, settings=LocalSettings(), actor=actor, point=info)


@pytest.fixture
def opened() -> list[QUrl]:
    return []


@pytest.fixture
def flow(qtbot: QtBot, context: AppContext, opened: list[QUrl]) -> IntakeFlow:
    widget = IntakeFlow(context, open_url=opened.append)
    qtbot.addWidget(widget)
    widget.resize(1366, 700)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)  # window keys need it
    return widget
