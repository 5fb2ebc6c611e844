"""The lock screen says why it is locked: by hand (Ctrl+Shift+L) or after idle minutes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from models.codes import Role
from services.accounts import create_operator
from services.database import Database
from services.local_settings import LocalSettings
from services.session_context import Actor
from tests.factories import World
from ui.context import AppContext, PointInfo
from ui.main_window import MainWindow


def test_a_manual_lock_is_not_called_idle(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        world = World(session)
        operator = create_operator(
            session, username="hoa.lt", full_name="Lê Thị Hoa", password="matkhau123",
            role=Role.OPERATOR,
        )  # fmt: skip
        session.commit()
        point = world.point_phu_tam
        actor = Actor(operator.id, "hoa.lt", "Lê Thị Hoa", Role.OPERATOR, point.id)
        info = PointInfo(point.id, point.code, point.name, point.commune_id)
    context = AppContext(
        database=database, settings=LocalSettings(idle_lock_minutes=10), actor=actor,
        point=info, settings_folder=tmp_path,
    )  # fmt: skip
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    idle = window.security.idle

    window.security.lock_action.trigger()  # the menu item, Ctrl+Shift+L
    dialog = idle.dialog
    assert dialog is not None
    text = dialog.explain.text()
    assert "Đã khóa màn hình" in text and "phút" not in text
    dialog.resize(dialog.sizeHint())
    dialog.grab().save(str(tmp_path / "khoa-tay.png"))
    dialog.done(QDialog.DialogCode.Accepted)
    assert not idle.locked

    idle.last_input -= 10 * 60  # ten minutes without a key or the mouse
    idle.check()
    dialog = idle.dialog
    assert dialog is not None
    assert "Không có thao tác trong 10 phút" in dialog.explain.text()
    dialog.done(QDialog.DialogCode.Accepted)
