"""Conflict decisions and target splits: confirmed first (Enter confirms, Esc cancels), and
the last one undone from the open dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import Role, Status
from models.entities import Case
from services.campaigns.units import UnitTree
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.factories import CLI, KE_SACH, PHU_TAM, World
from ui.counting.targets_editor import TOTAL, TargetsPanel
from ui.exchange.conflicts_dialog import ConflictsDialog
from ui.shell.context import AppContext
from ui.widgets.messages import Messages, RecordingMessages

CHAU_THANH = "942"


def press_in_the_box(qtbot: QtBot, key: Qt.Key) -> None:
    """Once the message box is up, press `key` in it (as the user would)."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox), box
        qtbot.keyClick(box, key)

    QTimer.singleShot(0, press)


def test_enter_confirms_and_escape_cancels(qtbot: QtBot) -> None:
    real = Messages()
    press_in_the_box(qtbot, Qt.Key.Key_Return)
    assert real.confirm_action(None, "Chia chỉ tiêu", "Chia?", "&Chia") is True
    press_in_the_box(qtbot, Qt.Key.Key_Escape)
    assert real.confirm_action(None, "Chia chỉ tiêu", "Chia?", "&Chia") is False


def residence(database: Database) -> str:
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        tree = UnitTree.load(session)
        return next(u.code for u in tree.by_code.values() if u.id == case.residence_commune_id)


def test_a_conflict_decision_is_confirmed_and_can_be_undone(
    qtbot: QtBot, database: Database, recorded: RecordingMessages
) -> None:
    with database.session() as session:
        world = World(session)
        world.record(world.facts(), world.report(Status.REGISTERED, "2023-07-20 08:00"))
        world.record(
            world.facts(residence=KE_SACH),
            world.report(Status.ACTIVATED, "2023-07-22 10:00", point="phuong_5"),
        )
        session.commit()
        manager = Actor(world.operator.id, "lan.nt", "Lan", Role.MANAGER, world.point_phu_tam.id)
    context = AppContext(database=database, settings=LocalSettings(), actor=manager)
    dialog = ConflictsDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() == 1 and not dialog.undo_button.isEnabled()

    recorded.answer = False  # Esc in the confirmation
    dialog.buttons["keep_local"].click()
    assert recorded.shown[-1][:2] == ("confirm", "Xác nhận quyết định")
    assert "giữ thông tin đang dùng" in recorded.shown[-1][2]
    assert dialog.table.rowCount() == 1  # nothing decided

    recorded.answer = True
    dialog.buttons["keep_local"].click()
    assert dialog.table.rowCount() == 0 and residence(database) == PHU_TAM
    assert dialog.undo_button.isEnabled()
    assert dialog.undo_button.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert "Vừa quyết định" in dialog.last_label.text()

    dialog.undo_button.click()  # decided again the other way
    assert residence(database) == KE_SACH and dialog.table.rowCount() == 0
    assert "Đã hoàn tác" in dialog.last_label.text()
    assert "Kế Sách" in dialog.last_label.text()  # the version it now uses
    dialog.undo_button.click()  # and back
    assert residence(database) == PHU_TAM


def stored(database: Database, code: str) -> tuple[int | None, int | None]:
    with database.session() as session:
        unit = UnitTree.load(session).by_code[code]
    return unit.target_total, unit.target_daily


def test_a_split_is_confirmed_and_can_be_undone(
    qtbot: QtBot, database: Database, recorded: RecordingMessages
) -> None:
    panel = TargetsPanel(AppContext(database=database, settings=LocalSettings(), actor=CLI))
    qtbot.addWidget(panel)
    panel.resize(1366, 700)
    panel.show()
    node = panel.model.by_code[PHU_TAM]
    panel.model.setData(panel.model.createIndex(node.row, TOTAL, node), "100")
    panel.select(CHAU_THANH)
    assert not panel.undo_button.isEnabled()

    recorded.answer = False
    panel.share_button.click()
    assert recorded.shown[-1][:2] == ("confirm", "Chia chỉ tiêu")
    assert "46.680" in recorded.shown[-1][2] and "ghi đè" in recorded.shown[-1][2]
    assert stored(database, PHU_TAM) == (100, None)

    recorded.answer = True
    panel.share_button.click()
    assert stored(database, PHU_TAM) != (100, None)
    assert panel.undo_button.isEnabled()
    assert panel.undo_button.shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)

    panel.undo_button.click()
    assert stored(database, PHU_TAM) == (100, None)  # the values before the split
    with database.session() as session:
        tree = UnitTree.load(session)
        others = [c for c in tree.children[tree.by_code[CHAU_THANH].id] if c.code != PHU_TAM]
    assert all(c.target_total is None for c in others)
    assert recorded.shown[-1][:2] == ("info", "Đã hoàn tác")
    assert not panel.undo_button.isEnabled()

    # Undo takes back only the last action: an edit after the split ends it.
    panel.share_button.click()
    assert panel.undo_button.isEnabled()
    node = panel.model.by_code[PHU_TAM]
    assert panel.model.setData(panel.model.createIndex(node.row, TOTAL, node), "9.999")
    assert not panel.undo_button.isEnabled()
