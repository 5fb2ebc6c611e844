"""The lock screen says why it is locked: by hand (Ctrl+Shift+L) or after idle minutes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.qtbot import QtBot

from models.codes import Role
from services.security.accounts import create_operator, update_account
from services.security.session_context import cli_actor
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.factories import World
from tests.ui.screens import hoa, point_info
from ui.security.idle_lock import LockDialog
from ui.shell.context import AppContext
from ui.shell.main_window import MainWindow


def _signed_in_window(qtbot: QtBot, database: Database, tmp_path: Path) -> tuple[MainWindow, int]:
    """An operator signed in at Phú Tâm (and an administrator's account); returns the
    window and her operator id."""
    with database.session() as session:
        world = World(session)
        actor = hoa(session, world, Role.OPERATOR)
        create_operator(
            session, username="admin", full_name="Quản trị", password="matkhau456",
            role=Role.ADMIN,
        )  # fmt: skip
        session.commit()
        info = point_info(world.point_phu_tam)
    context = AppContext(
        database=database, settings=LocalSettings(idle_lock_minutes=10), actor=actor,
        point=info, settings_folder=tmp_path,
    )  # fmt: skip
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    assert actor.operator_id is not None
    return window, actor.operator_id


def test_a_manual_lock_is_not_called_idle(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    window, _ = _signed_in_window(qtbot, database, tmp_path)
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


def _admin_changes(database: Database, operator_id: int, **change: object) -> None:
    with database.session() as session:
        update_account(session, cli_actor(), operator_id, **change)  # type: ignore[arg-type]
        session.commit()


def _type_password(qtbot: QtBot, dialog: LockDialog, password: str) -> None:
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_unlocking_applies_a_role_changed_while_locked(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window, operator_id = _signed_in_window(qtbot, database, tmp_path)
    targets = window.tabs.indexOf(window.targets)
    assert window.tabs.tabText(targets) == "Chỉ tiêu"
    assert not window.tabs.isTabVisible(targets)  # an operator does not set targets

    window.security.lock_action.trigger()
    dialog = window.security.idle.dialog
    assert dialog is not None
    _admin_changes(database, operator_id, role=Role.MANAGER)
    _type_password(qtbot, dialog, "matkhau123")

    assert not window.security.idle.locked
    actor = window.context.actor
    assert actor is not None and actor.role is Role.MANAGER
    assert window.tabs.isTabVisible(targets)
    assert window.export_action.isVisible()


def test_a_disabled_account_cannot_unlock(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    window, operator_id = _signed_in_window(qtbot, database, tmp_path)
    window.security.lock_action.trigger()
    dialog = window.security.idle.dialog
    assert dialog is not None
    _admin_changes(database, operator_id, is_active=False)
    _type_password(qtbot, dialog, "matkhau123")

    assert window.security.idle.locked  # still locked, content still hidden
    central = window.centralWidget()
    assert central is not None and not central.isVisible()
    assert "ngừng hoạt động" in dialog.error.text()
    assert "Thoát ứng dụng" in dialog.error.text()
    actor = window.context.actor
    assert actor is not None and actor.role is Role.OPERATOR
    qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)
    assert not window.security.idle.locked
