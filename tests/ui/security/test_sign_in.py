"""Signing in, and handing the desk to another operator."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import PointKind, Role
from models.entities import Operator
from services.campaigns.directory import create_point
from services.campaigns.units import UnitTree
from services.security.accounts import create_operator
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings, load_local_settings
from tests.factories import PHU_TAM
from tests.ui.keys import type_text
from ui.security.sign_in import SignInDialog
from ui.shell.app import switch_operator
from ui.shell.context import AppContext, PointInfo
from ui.widgets.messages import RecordingMessages

PASSWORD = "matkhau123"


@pytest.fixture
def point(database: Database) -> PointInfo:
    with database.session() as session:
        commune = UnitTree.load(session).commune(PHU_TAM)
        created = create_point(session, "Công an xã Phú Tâm", PointKind.POLICE_ID_POINT, commune.id)
        for username, full_name, role in (
            ("lan.nt", "Nguyễn Thị Lan", Role.ADMIN),
            ("minh.tv", "Trần Văn Minh", Role.OPERATOR),
        ):
            create_operator(
                session, username=username, full_name=full_name, password=PASSWORD, role=role
            )
        session.commit()
        return PointInfo(created.id, created.code, created.name, created.commune_id)


def make_dialog(
    qtbot: QtBot, database: Database, point: PointInfo, last: str | None
) -> SignInDialog:
    dialog = SignInDialog(database, point, last)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_success_with_enter(
    qtbot: QtBot, database: Database, point: PointInfo, recorded: RecordingMessages
) -> None:
    dialog = make_dialog(qtbot, database, point, "lan.nt")
    assert dialog.username.text() == "lan.nt"
    assert dialog.focusWidget() is dialog.password  # the last user only types the password
    assert "Công an xã Phú Tâm" in dialog.where.text() and point.code in dialog.where.text()
    assert "Xã Phú Tâm, Huyện Châu Thành" in dialog.where.text()
    type_text(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.accepted):
        QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    with database.session() as session:
        lan = session.scalars(select(Operator.id).where(Operator.username == "lan.nt")).one()
    assert dialog.actor == Actor(
        operator_id=lan,
        username="lan.nt",
        full_name="Nguyễn Thị Lan",
        role=Role.ADMIN,
        point_id=point.id,
    )
    assert recorded.shown == []


def test_wrong_password_keeps_the_username_and_clears_the_password(
    qtbot: QtBot, database: Database, point: PointInfo, recorded: RecordingMessages
) -> None:
    dialog = make_dialog(qtbot, database, point, None)
    assert dialog.focusWidget() is dialog.username
    type_text(dialog.username, "Minh.TV")
    type_text(dialog.password, "matkhau999")
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.actor is None
    assert dialog.error.text() == "Sai tên đăng nhập hoặc mật khẩu."
    assert not dialog.error.isHidden()
    assert (dialog.username.text(), dialog.password.text()) == ("Minh.TV", "")
    assert dialog.focusWidget() is dialog.password
    type_text(dialog.password, PASSWORD)  # typing again clears the message
    assert dialog.error.isHidden()
    QTest.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "minh.tv"


def test_unknown_user_gets_the_same_message(
    qtbot: QtBot, database: Database, point: PointInfo, recorded: RecordingMessages
) -> None:
    dialog = make_dialog(qtbot, database, point, "khong.co")
    type_text(dialog.password, PASSWORD)
    dialog.sign_in_button.click()
    assert dialog.error.text() == "Sai tên đăng nhập hoặc mật khẩu."
    assert (dialog.username.text(), dialog.password.text()) == ("khong.co", "")
    assert dialog.actor is None and dialog.isVisible()


def test_empty_username_is_named(
    qtbot: QtBot, database: Database, point: PointInfo, recorded: RecordingMessages
) -> None:
    dialog = make_dialog(qtbot, database, point, None)
    dialog.sign_in_button.click()
    assert dialog.error.text() == "Chưa ghi tên đăng nhập."
    assert dialog.focusWidget() is dialog.username


def test_switch_operator_signs_in_the_next_person(
    qtbot: QtBot,
    database: Database,
    point: PointInfo,
    tmp_path: Path,
    recorded: RecordingMessages,
) -> None:
    current = Actor(1, "lan.nt", "Nguyễn Thị Lan", Role.ADMIN, point.id)
    context = AppContext(
        database, LocalSettings(last_username="lan.nt"), current, point, settings_folder=tmp_path
    )
    seen: list[SignInDialog] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, SignInDialog)
        seen.append(dialog)
        assert dialog.username.text() == ""  # the next person types their own name
        type_text(dialog.username, "minh.tv")
        type_text(dialog.password, PASSWORD)
        QTest.keyClick(dialog.password, Qt.Key.Key_Return)

    QTimer.singleShot(0, answer)
    actor = switch_operator(context, None)  # as the main window calls it
    assert seen and seen[0].windowTitle() == "Đổi cán bộ – kichhoat"
    assert seen[0].handing_over is not None
    assert "Nguyễn Thị Lan (lan.nt)" in seen[0].handing_over.text()
    assert actor is not None and actor.username == "minh.tv"
    assert context.actor == actor
    assert load_local_settings(tmp_path)[0].last_username == "minh.tv"


def test_cancelled_switch_keeps_the_current_operator(
    database: Database, point: PointInfo, tmp_path: Path, recorded: RecordingMessages
) -> None:
    current = Actor(1, "lan.nt", "Nguyễn Thị Lan", Role.ADMIN, point.id)
    context = AppContext(database, LocalSettings(last_username="lan.nt"), current, point)

    class Window:
        def __init__(self, context: AppContext) -> None:
            self.context = context

    calls: list[tuple[object, ...]] = []

    def cancelled(*args: object, **kwargs: object) -> Actor | None:
        calls.append(args)
        return None

    assert switch_operator(Window(context), None, sign_in_dialog=cancelled) is None
    assert calls and calls[0][2] is None  # no username prefilled
    assert context.actor == current
    assert not (tmp_path / "settings.json").exists()
