"""The desk and outreach: today's appointments beside step 1, and a scanned card that
checks its person in (Đã đến) when the person is on a review list."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import Role, Status, StopKind
from models.entities import IntakePoint, OutreachEntry
from services.common.vntime import set_clock
from services.outreach.list_import import COLUMNS, import_outreach
from services.outreach.schedule import add_slots, add_stop, appoint
from services.upkeep.database import Database
from tests.factories import CLI, PHU_TAM, vn
from tests.ui.desk.test_intake_flow import CARD, choose, go_to_result, scan_card
from tests.ui.hands import type_into
from tests.ui.shell.test_main_window import make_context, make_window
from ui.desk.flow import IntakeFlow
from ui.shell.context import AppContext
from ui.shell.main_window import MainWindow
from ui.widgets.messages import RecordingMessages

LINH = "094190012345"  # the card's number


@pytest.fixture(autouse=True)
def campaign_day() -> Iterator[None]:
    set_clock(lambda: datetime(2023, 7, 25, 3, 0, tzinfo=UTC))  # 10:00 on 25/07/2023
    yield
    set_clock(None)


def list_and_appoint(database: Database, tmp_path: Path, point_id: int) -> None:
    source = tmp_path / "ra-soat.csv"
    with source.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(COLUMNS.values()))
        writer.writerow([LINH, "Trần Thị Mỹ Linh", "15/03/1990", "Nữ", "", PHU_TAM, "Ấp 3", "", ""])
        writer.writerow(["", "Lê Văn Bình", "1985", "Nam", "", PHU_TAM, "Ấp 3", "", ""])
    with database.session() as session:
        import_outreach(session, CLI, source, source="Đoàn thanh niên")
        code = session.scalar(select(IntakePoint.code).where(IntakePoint.id == point_id))
        assert code is not None
        add_stop(
            session, CLI, "PT-DESK", "Công an xã Phú Tâm", StopKind.FIXED, PHU_TAM, point_code=code
        )
        add_slots(session, CLI, "PT-DESK", date(2023, 7, 25), time(9, 0), time(11, 0), 5)
        appoint(session, CLI, "PT-DESK", vn("2023-07-25 09:30"), id_number=LINH)
        session.commit()


def status_of(database: Database) -> str:
    with database.session(read_only=True) as session:
        entry = session.scalars(select(OutreachEntry).where(OutreachEntry.id_number == LINH)).one()
        return entry.status


def test_the_desk_lists_today_and_a_scan_checks_the_person_in(
    qtbot: QtBot, context: AppContext, database: Database, tmp_path: Path
) -> None:
    assert context.point is not None
    list_and_appoint(database, tmp_path, context.point.id)
    flow = IntakeFlow(context, open_url=lambda _url: None)
    qtbot.addWidget(flow)
    flow.resize(1366, 700)
    flow.show()
    box = flow.appointments
    assert box.isVisible()
    assert "1 người, đã đến 0" in box.title()
    assert "09:00 Trần Thị Mỹ Linh (Ấp 3) – Đã hẹn" in box.lines.text()
    scan_card(qtbot, flow, CARD)
    message = flow.identify.scan_message.text()
    assert "có trong danh sách rà soát, hẹn 09:00–11:00 hôm nay" in message
    assert "đã ghi «Đã đến»" in message
    assert status_of(database) == "came"
    assert "đã đến 1" in box.title()
    assert "– Đã đến" in box.lines.text()


def test_without_appointments_the_box_stays_out_of_the_way(
    qtbot: QtBot, flow: IntakeFlow, database: Database
) -> None:
    assert not flow.appointments.isVisible()
    scan_card(qtbot, flow, CARD)  # on no list: nothing said about outreach
    assert "danh sách rà soát" not in flow.identify.scan_message.text()


def list_one_without_number(database: Database, tmp_path: Path, name: str, hamlet: str) -> int:
    """One person born in 1990 at Phú Tâm, listed without an ID number; the entry's id."""
    source = tmp_path / "ra-soat.csv"
    with source.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(COLUMNS.values()))
        writer.writerow(["", name, "1990", "", "", PHU_TAM, hamlet, "", ""])
    with database.session() as session:
        import_outreach(session, CLI, source)
        session.commit()
        return session.scalars(select(OutreachEntry.id)).one()


def desk_at_result(qtbot: QtBot, database: Database, tmp_path: Path) -> MainWindow:
    """The card of LINH scanned at the main window's desk, taken to step 4, activated."""
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    flow = window.intake
    scan_card(qtbot, flow, CARD)  # no ID number on the list: nothing checked in yet
    assert "danh sách rà soát" not in flow.identify.scan_message.text()
    type_into(qtbot, flow.identify.phone, "0912 345 678")
    go_to_result(qtbot, flow)
    choose(qtbot, flow, Status.ACTIVATED)
    return window


def test_after_a_save_the_clerk_confirms_a_listed_person_without_a_number(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    entry_id = list_one_without_number(database, tmp_path, "TRẦN THỊ MỸ LINH", "Ấp 3")
    window = desk_at_result(qtbot, database, tmp_path)
    flow = window.intake
    recorded.choice = str(entry_id)
    qtbot.keyClick(flow, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    kind, title, _ = recorded.shown[-1]
    assert (kind, title) == ("choose", "Có thể là người trong danh sách rà soát")
    with database.session(read_only=True) as session:
        entry = session.get(OutreachEntry, entry_id)
        assert entry is not None
        assert (entry.id_number, entry.status) == (LINH, "activated")
    assert "Đã ghi TRẦN THỊ MỸ LINH trong danh sách rà soát" in window.statusBar().currentMessage()


def test_the_clerk_may_say_it_is_nobody_on_the_list(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    list_one_without_number(database, tmp_path, "Trần Thị Mỹ Linh", "Ấp 7")
    flow = desk_at_result(qtbot, database, tmp_path).intake
    recorded.choice = None  # Esc: "Không phải người nào ở trên"
    qtbot.keyClick(flow, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert recorded.shown[-1][0] == "choose"
    with database.session(read_only=True) as session:
        entry = session.scalars(select(OutreachEntry)).one()
        assert (entry.id_number, entry.status) == (None, "not_contacted")
