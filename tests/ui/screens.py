"""A screen in front of a test: who is signed in, at which point, and the window shown.

The people are the factories' World: Lan (lan.nt) works at Phú Tâm, Minh (minh.tv) manages;
Hoa (hoa.lt) is a real account with a password, for the tests that sign in or lock.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from models.codes import Role, Status
from models.entities import IntakePoint
from services.security.accounts import create_operator
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.factories import PHUONG_5, World
from ui.cases.case_list import CaseListPanel
from ui.desk.follow_up import FollowUpPanel
from ui.shell.context import AppContext, PointInfo

ALT = Qt.KeyboardModifier.AltModifier
HOA_PASSWORD = "matkhau123"


def point_info(point: IntakePoint) -> PointInfo:
    return PointInfo(point.id, point.code, point.name, point.commune_id)


def lan(world: World, role: Role = Role.OPERATOR) -> Actor:
    """Lan, the world's operator, signed in at Phú Tâm with `role`."""
    return Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", role, world.point_phu_tam.id)


def minh(world: World, role: Role = Role.MANAGER, *, at_phu_tam: bool = False) -> Actor:
    """Minh, the world's other operator, signed in with `role`: at Phú Tâm, or (a manager)
    over every point."""
    point = world.point_phu_tam.id if at_phu_tam else None
    return Actor(world.other_operator.id, "minh.tv", "Trần Văn Minh", role, point)


def hoa(session: Session, world: World, role: Role) -> Actor:
    """Hoa, a new account (password HOA_PASSWORD) with `role`, signed in at Phú Tâm;
    the caller commits."""
    account = create_operator(
        session, username="hoa.lt", full_name="Lê Thị Hoa", password=HOA_PASSWORD, role=role
    )
    return Actor(account.id, "hoa.lt", "Lê Thị Hoa", role, world.point_phu_tam.id)


def approved_at_phuong_5(world: World, name: str, at: str) -> None:
    """A case approved at the Phường 5 point for someone living there: out of sight of
    the Phú Tâm operator, in sight of a manager."""
    world.record(
        world.facts(tail=9, name=name, residence=PHUONG_5),
        world.report(Status.APPROVED, at, point="phuong_5"),
    )


def staff(world: World) -> tuple[Actor, Actor]:
    """Minh the manager and Lan the operator, once what the world holds is committed."""
    world.session.commit()
    return minh(world), lan(world)


def one_case(database: Database, status: Status, at: str) -> int:
    """Linh's case (the world's first facts), reported `status` at `at`; returns its id."""
    with database.session() as session:
        world = World(session)
        case = world.record(world.facts(), world.report(status, at)).case
        session.commit()
        return case.id


def context_of(database: Database, actor: Actor) -> AppContext:
    """`actor` signed in, no point chosen, this computer's default settings."""
    return AppContext(database=database, settings=LocalSettings(), actor=actor)


def lan_context(
    database: Database, role: Role = Role.OPERATOR, **options: Any
) -> tuple[AppContext, World]:
    """A fresh world and Lan signed in at Phú Tâm with `role`; `options` go to AppContext
    (settings, settings_folder)."""
    with database.session() as session:
        world = World(session)
        session.commit()
        actor, point = lan(world, role), point_info(world.point_phu_tam)
    options.setdefault("settings", LocalSettings())
    return AppContext(database=database, actor=actor, point=point, **options), world


def show_active(qtbot: QtBot, widget: QWidget, width: int = 1366, height: int = 768) -> None:
    """On screen at `width`×`height` and the active window: window keys and mnemonics
    reach only the active window."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)


def show_exposed(qtbot: QtBot, widget: QWidget, width: int, height: int) -> None:
    """On screen at `width`×`height` and painted (active or not)."""
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)


def activate(qtbot: QtBot, window: QWidget) -> None:
    """Shown as it is and made the active window."""
    with qtbot.waitActive(window):
        window.show()
        window.activateWindow()


def pick_row(qtbot: QtBot, panel: CaseListPanel | FollowUpPanel, row: int) -> int | None:
    """The panel active on screen, its table focused with the cursor on `row`; returns
    that row's case id."""
    activate(qtbot, panel)
    panel.table.setFocus()
    panel.table.setCurrentIndex(panel.model.index(row, 0))
    return panel.model.case_id(row)


def resumed_by(qtbot: QtBot, panel: CaseListPanel | FollowUpPanel, key: Qt.Key) -> list[object]:
    """`key` in the panel's table: what the panel asks to resume."""
    with qtbot.waitSignal(panel.resume_requested) as blocker:
        qtbot.keyClick(panel.table, key)
    return list(blocker.args or [])


def alt(qtbot: QtBot, widget: QWidget, key: Qt.Key) -> None:
    """Alt+key: a button's mnemonic clicks it after Qt's short click animation."""
    qtbot.keyClick(widget, key, ALT)
    qtbot.wait(200)
