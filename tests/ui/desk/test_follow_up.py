"""The follow-up queue panel: what waits, in which order, contacts, and resuming a case."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from models.codes import Status
from services.desk.follow_up import FollowUpRow, follow_up_cases
from services.security.session_context import Actor
from services.upkeep.database import Database
from tests.factories import World
from tests.ui.screens import approved_at_phuong_5, context_of, pick_row, resumed_by, staff
from ui.desk.follow_up import OVERDUE_BACKGROUND, POINT_COLUMN, FollowUpModel, FollowUpPanel
from ui.widgets.messages import RecordingMessages

MONDAY = date(2023, 7, 24)
NAME, DUE, CONTACT = 3, 2, 6


def queue(database: Database) -> tuple[Actor, Actor]:
    with database.session() as session:
        world = World(session)
        plan = [
            (1, 1, Status.REGISTERED, "2023-07-21 10:00", "Chưa Quá Hạn"),
            (2, 1, Status.REGISTERED, "2023-07-20 09:00", "Chờ Duyệt Lâu"),
            (3, 1, Status.APPROVED, "2023-07-22 15:00", "Đã Duyệt Chờ"),
            (4, 2, Status.APPLICATION_TAKEN, "2023-07-19 08:00", "Mức Hai Mới"),
            (5, 2, Status.APPLICATION_TAKEN, "2023-07-17 08:00", "Mức Hai Cũ"),
            (6, 1, Status.ACTIVATED, "2023-07-18 08:00", "Đã Xong"),
        ]
        for tail, level, status, at, name in plan:
            world.record(world.facts(tail=tail, name=name), world.report(status, at, level))
        approved_at_phuong_5(world, "Điểm Khác", "2023-07-16 09:00")
        return staff(world)


def panel_for(qtbot: QtBot, database: Database, actor: Actor) -> FollowUpPanel:
    panel = FollowUpPanel(context_of(database, actor), today=lambda: MONDAY)
    qtbot.addWidget(panel)
    return panel


def column(panel: FollowUpPanel, number: int) -> list[str]:
    return [str(panel.model.index(r, number).data()) for r in range(panel.model.rowCount())]


def test_the_follow_up_model_passes_the_model_tester(
    qtmodeltester: ModelTester, database: Database
) -> None:
    boss, _ = queue(database)
    model = FollowUpModel()
    model.page_size = 2  # several pages, so that fetchMore is exercised

    def load(after: FollowUpRow | None, limit: int) -> list[FollowUpRow]:
        with database.session() as session:
            return follow_up_cases(session, boss, MONDAY, after, limit)

    model.set_loader(load)
    qtmodeltester.check(model)
    assert model.rowCount() == 5


def test_the_queue_oldest_first_with_overdue_marked(qtbot: QtBot, database: Database) -> None:
    _, operator = queue(database)
    panel = panel_for(qtbot, database, operator)
    assert column(panel, NAME) == ["Mức Hai Cũ", "Mức Hai Mới", "Chờ Duyệt Lâu", "Đã Duyệt Chờ"]
    assert column(panel, DUE) == [
        "Quá hạn (hạn 20/07/2023)",
        "24/07/2023",
        "Quá hạn (hạn 21/07/2023)",
        "",
    ]
    assert column(panel, 1)[2] == "Mức 1 chờ duyệt quá hạn"
    assert column(panel, 4)[0] == "0912 345 678"
    overdue = panel.model.index(0, NAME).data(Qt.ItemDataRole.BackgroundRole)
    assert overdue.color() == OVERDUE_BACKGROUND
    assert panel.model.index(1, NAME).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "4" in panel.summary.text()
    assert panel.table.isColumnHidden(POINT_COLUMN)


def test_a_manager_sees_every_point(qtbot: QtBot, database: Database) -> None:
    boss, _ = queue(database)
    panel = panel_for(qtbot, database, boss)
    assert column(panel, NAME)[0] == "Điểm Khác"
    assert panel.model.rowCount() == 5
    assert not panel.table.isColumnHidden(POINT_COLUMN)


def test_a_contact_note_is_recorded(
    qtbot: QtBot, database: Database, recorded: RecordingMessages
) -> None:
    _, operator = queue(database)
    panel = panel_for(qtbot, database, operator)
    panel.table.selectRow(1)
    panel.note.setText("Không nghe máy, gọi lại chiều nay")
    panel.record_contact()
    assert recorded.shown == []
    assert column(panel, NAME)[1] == "Mức Hai Mới"  # still chosen, in its place
    assert panel.current_case_id() == panel.model.case_id(1)
    text = column(panel, CONTACT)[1]
    assert text.startswith("Đã liên hệ ")
    assert text.endswith(": Không nghe máy, gọi lại chiều nay")
    assert column(panel, CONTACT)[0] == "Chưa liên hệ"
    panel.note.setText("  ")
    panel.record_contact()
    assert recorded.shown[-1][:2] == ("error", "Chưa ghi được lần liên hệ")


def test_enter_and_f4_resume_the_case(qtbot: QtBot, database: Database) -> None:
    _, operator = queue(database)
    panel = panel_for(qtbot, database, operator)
    expected = pick_row(qtbot, panel, 2)
    assert resumed_by(qtbot, panel, Qt.Key.Key_Return) == [expected]
    assert resumed_by(qtbot, panel, Qt.Key.Key_F4) == [expected]
    # Ctrl+L records a contact with the default note, from the table.
    qtbot.keyClick(panel.table, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert column(panel, CONTACT)[2].endswith(": Đã gọi điện nhắc công dân")


def test_the_case_opens_from_the_queue(qtbot: QtBot, database: Database) -> None:
    _, operator = queue(database)
    panel = panel_for(qtbot, database, operator)
    panel.table.selectRow(0)
    panel.open_current()
    dialog = panel.detail_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == "Mức Hai Cũ – Mức 2 – Đã thu nhận hồ sơ"
