"""Stops and slots in the window (Ctrl+K on the outreach tab, managers)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt, QTime
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import Role
from models.entities import OutreachSlot, OutreachStop
from services.common.vntime import set_clock
from services.upkeep.database import Database
from tests.factories import PHU_TAM
from tests.ui import hands
from tests.ui.hands import type_into
from tests.ui.shell.test_main_window import make_context, make_window
from ui.outreach.stops import StopsDialog
from ui.shell.main_window import MainWindow


@pytest.fixture(autouse=True)
def campaign_day() -> Iterator[None]:
    set_clock(lambda: datetime(2023, 7, 24, 3, 0, tzinfo=UTC))
    yield
    set_clock(None)


def outreach_tab(qtbot: QtBot, database: Database, tmp_path: Path, role: Role) -> MainWindow:
    context, _ = make_context(database, role, tmp_path)
    window = make_window(qtbot, context)
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    return window


def test_a_manager_sets_up_an_evening_stop_with_hourly_slots(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = outreach_tab(qtbot, database, tmp_path, Role.MANAGER)
    qtbot.keyClick(window.outreach.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = window.outreach_actions.dialog
    assert isinstance(dialog, StopsDialog)
    assert "Chưa có điểm hẹn nào" in dialog.slots.text()
    type_into(qtbot, dialog.code, "PT-AP3")
    type_into(qtbot, dialog.name, "Tổ lưu động ấp 3")
    dialog.kind.setCurrentIndex(1)  # a mobile team at a hamlet
    line = dialog.commune.lineEdit()
    assert line is not None
    type_into(qtbot, line, "phu tam")  # searched without diacritics, Enter picks it
    hands.press_key(Qt.Key.Key_Return)
    assert dialog.commune.commune_id() == dialog.tree.commune(PHU_TAM).id
    type_into(qtbot, dialog.hamlet, "Ấp 3")
    dialog.add_stop()
    assert "Đã lập điểm hẹn PT-AP3" in dialog.message.text()
    assert dialog.chosen_code() == "PT-AP3"

    dialog.day.setDate(QDate(2023, 7, 25))
    dialog.start.setTime(QTime(20, 0))
    dialog.end.setTime(QTime(18, 0))
    dialog.add_slots()
    assert "Giờ bắt đầu phải trước giờ kết thúc" in dialog.message.text()
    assert dialog.start.time() == QTime(20, 0)  # the form is as it was typed
    dialog.start.setTime(QTime(18, 0))
    dialog.end.setTime(QTime(21, 0))
    dialog.capacity.setValue(5)
    dialog.add_slots()
    assert "Đã thêm 3 khung giờ" in dialog.message.text()
    assert "18:00–19:00 (0/5)" in dialog.slots.text()
    with database.session(read_only=True) as session:
        stop = session.scalars(select(OutreachStop)).one()
        assert (stop.code, stop.kind) == ("PT-AP3", "hamlet")
        slots = session.scalars(select(OutreachSlot).order_by(OutreachSlot.start_time)).all()
        assert [(s.day, s.start_time.hour, s.capacity) for s in slots] == [
            (date(2023, 7, 25), 18, 5),
            (date(2023, 7, 25), 19, 5),
            (date(2023, 7, 25), 20, 5),
        ]


def test_operators_do_not_set_up_stops(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    window = outreach_tab(qtbot, database, tmp_path, Role.OPERATOR)
    assert not window.outreach_actions.stops_button.isVisible()
    qtbot.keyClick(window.outreach.table, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.outreach_actions.dialog is None
