"""The outreach tab, driven by keys: search, status moves (Alt+1..7), an appointment
(Ctrl+H), the progress page, the day's papers (Ctrl+P) and a list imported (Ctrl+Shift+L)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox, QPushButton
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import OutreachStatus, Role
from models.entities import OutreachEntry
from services.common.vntime import set_clock
from services.outreach.list_import import COLUMNS
from services.outreach.schedule import add_slots
from services.upkeep.database import Database
from tests.factories import CLI, PHU_TAM
from tests.pdf_tools import pdf_page_count, pdf_text
from tests.services.outreach.test_outreach import evening_stop, listed
from tests.ui.hands import type_into
from tests.ui.shell.test_main_window import make_context, make_window
from ui.outreach.actions import AppointDialog, DayDialog, EditDialog
from ui.shell.main_window import MainWindow
from ui.widgets import file_dialogs
from ui.widgets.background import wait_for_background_work
from ui.widgets.messages import RecordingMessages

S = OutreachStatus


@pytest.fixture(autouse=True)
def campaign_day() -> Iterator[None]:
    set_clock(lambda: datetime(2023, 7, 24, 3, 0, tzinfo=UTC))
    yield
    set_clock(None)


def status_of(database: Database, name: str) -> tuple[str, bool]:
    with database.session(read_only=True) as session:
        entry = session.scalars(select(OutreachEntry).where(OutreachEntry.full_name == name)).one()
        return entry.status, entry.do_not_contact


def open_outreach(qtbot: QtBot, database: Database, tmp_path: Path, role: Role) -> MainWindow:
    context, _ = make_context(database, role, tmp_path)
    with database.session() as session:
        listed(session, tmp_path)
        evening_stop(session)
    window = make_window(qtbot, context)
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.outreach
    return window


def search(qtbot: QtBot, window: MainWindow, text: str) -> None:
    panel = window.outreach
    qtbot.keyClick(panel.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    type_into(qtbot, panel.search, text)
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)


def appoint_by_keys(qtbot: QtBot, window: MainWindow, name: str) -> AppointDialog:
    """The person found by `name`, then Ctrl+H: the appointment dialog, shown."""
    search(qtbot, window, name)
    window.outreach.table.setFocus()
    qtbot.keyClick(window.outreach.table, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    dialog = window.outreach_actions.dialog
    assert isinstance(dialog, AppointDialog)
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_a_clerk_finds_a_person_and_records_what_happened_by_keys(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = open_outreach(qtbot, database, tmp_path, Role.OPERATOR)
    panel = window.outreach
    assert panel.model.rowCount() == 5
    assert "5" in panel.summary.text()
    assert not window.outreach_actions.import_button.isVisible()  # managers import lists
    search(qtbot, window, "linh")
    assert panel.model.rowCount() == 1
    row = panel.model.row_at(0)
    assert row is not None and row.full_name == "Trần Thị Mỹ Linh"
    assert row.id_number is not None and "*" in row.id_number  # masked for an operator
    panel.table.setFocus()
    type_into(qtbot, panel.note, "Đã báo qua trưởng ấp")
    qtbot.keyClick(panel.note, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert status_of(database, "Trần Thị Mỹ Linh") == ("notified", False)
    assert panel.note.text() == ""  # the note went with the change
    qtbot.keyClick(panel.table, Qt.Key.Key_7, Qt.KeyboardModifier.AltModifier)
    assert status_of(database, "Trần Thị Mỹ Linh") == ("notified", True)
    qtbot.keyClick(panel.table, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert status_of(database, "Trần Thị Mỹ Linh") == ("refused", True)
    row = panel.model.row_at(0)
    assert row is not None and "Từ chối" in panel.model.columns[5].text(row)


def test_a_move_the_rules_forbid_is_refused_with_a_message(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    window = open_outreach(qtbot, database, tmp_path, Role.OPERATOR)
    panel = window.outreach
    search(qtbot, window, "bình")
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)  # ineligible
    qtbot.keyClick(panel.table, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # not allowed
    assert status_of(database, "Lê Văn Bình")[0] == "ineligible"
    kind, title, _ = recorded.shown[-1]
    assert (kind, title) == ("error", "Chưa cập nhật được")


def test_an_appointment_by_keys_fills_a_slot(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = open_outreach(qtbot, database, tmp_path, Role.OPERATOR)
    panel = window.outreach
    dialog = appoint_by_keys(qtbot, window, "hoa")  # listed without an ID number
    assert dialog.stop.currentData() == "PT-AP3"
    assert dialog.slot.count() == 2  # 18:00 and 19:00 on 25/07, one place each
    dialog.slot.setCurrentIndex(1)
    qtbot.keyClick(dialog.slot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert status_of(database, "Sơn Thị Hoa")[0] == "appointed"
    row = panel.model.row_at(0)
    assert row is not None and row.status == S.APPOINTED


def test_the_progress_page_lists_hamlets_with_most_to_reach_first(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = open_outreach(qtbot, database, tmp_path, Role.MANAGER)
    panel = window.outreach
    panel.inner.setCurrentIndex(1)
    table = panel.progress_table

    def cell(row: int, column: int) -> str:
        item = table.item(row, column)
        assert item is not None
        return item.text()

    names = [cell(r, 1) for r in range(table.rowCount())]
    assert names[0] == "Ấp 3"  # three people still to reach
    assert names[-1].startswith("Cộng:")
    listed_total = cell(table.rowCount() - 1, 2)
    assert listed_total == "5"


def test_the_day_dialog_saves_schedule_and_invitations(
    qtbot: QtBot,
    database: Database,
    tmp_path: Path,
    file_dialog_folders: Path,
) -> None:
    window = open_outreach(qtbot, database, tmp_path, Role.MANAGER)
    panel = window.outreach
    appoint = appoint_by_keys(qtbot, window, "linh")
    buttons = appoint.findChild(QDialogButtonBox)
    assert buttons is not None
    buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert status_of(database, "Trần Thị Mỹ Linh")[0] == "appointed"

    saved: list[str] = []

    def save_to(_parent: object, _title: str, start: str, _filters: str) -> str:
        saved.append(str(tmp_path / Path(start).name))
        return saved[-1]

    previous = file_dialogs.set_dialogs(save_to, lambda *_: [])
    try:
        qtbot.keyClick(panel.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
        day = window.outreach_actions.dialog
        assert isinstance(day, DayDialog)
        assert "ký tự" in day.sample.text()
        day.save_schedule()
        day.save_invitations()
        day.template.setPlainText("Moi {ten} den {diem} luc {gio} ngay {ngay}")
        day.save_sms()
    finally:
        file_dialogs.set_dialogs(*previous)
    schedule, invitations, sms = (Path(p) for p in saved)
    assert "Trần Thị Mỹ Linh" in pdf_text(schedule)
    assert pdf_page_count(invitations) == 1
    with sms.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["phone", "message"]
    assert rows[1][0] == "84912345678"
    assert rows[1][1].startswith("Moi Tran Thi My Linh den")
    assert "Đã lưu 1 tin nhắn" in day.outcome.text()


def test_a_manager_imports_a_list_in_the_background(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    window = open_outreach(qtbot, database, tmp_path, Role.MANAGER)
    source = tmp_path / "ap-moi.csv"
    with source.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(COLUMNS.values()))
        writer.writerow(["", "Thạch Thị Mai", "1970", "Nữ", "", PHU_TAM, "Ấp 5", "", ""])
    previous = file_dialogs.set_dialogs(lambda *_: "", lambda *_: [str(source)])
    try:
        assert window.outreach_actions.import_button.isVisible()
        qtbot.keyClick(
            window.outreach.table,
            Qt.Key.Key_R,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        wait_for_background_work()
        qtbot.waitUntil(lambda: bool(recorded.shown))
    finally:
        file_dialogs.set_dialogs(*previous)
    kind, title, text = recorded.shown[-1]
    assert (kind, title) == ("info", "Đã nhập danh sách rà soát")
    assert "1 người mới" in text
    assert window.outreach.model.rowCount() == 6


def test_f2_corrects_a_person_and_a_refused_form_keeps_what_was_typed(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = open_outreach(qtbot, database, tmp_path, Role.OPERATOR)
    panel = window.outreach
    search(qtbot, window, "hoa")
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_F2)
    dialog = window.outreach_actions.dialog
    assert isinstance(dialog, EditDialog)
    name, birth, hamlet, _sex, phone, _address, _note = dialog.fields
    assert (name.text(), birth.text(), phone.text()) == ("Sơn Thị Hoa", "1960", "0911222333")
    picker = hamlet.completer()
    assert picker is not None  # the commune's hamlets to pick from
    names = picker.model()
    assert sorted(names.index(r, 0).data() for r in range(names.rowCount())) == [
        "Ấp 3",
        "Ấp Phú Hòa",
    ]
    phone.clear()
    type_into(qtbot, phone, "12345")
    type_into(qtbot, birth, "x")  # 1960x
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert dialog.isVisible() and dialog.error.text()  # every problem said, nothing saved
    assert phone.text() == "12345" and birth.text() == "1960x"
    phone.clear()
    type_into(qtbot, phone, "0911 222 444")
    birth.clear()
    type_into(qtbot, birth, "12/04/1960")
    buttons.button(QDialogButtonBox.StandardButton.Save).click()
    assert not dialog.isVisible()
    with database.session(read_only=True) as session:
        entry = session.scalars(
            select(OutreachEntry).where(OutreachEntry.full_name == "Sơn Thị Hoa")
        ).one()
        assert (entry.phone, str(entry.birth_date)) == ("0911222444", "1960-04-12")


def test_an_operator_gets_the_days_papers_without_the_phone_files(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    """The SMS file and the call sheet carry phone numbers out: managers only. An operator's
    Ctrl+P offers the schedule and the invitations, and nothing they may not do."""
    window = open_outreach(qtbot, database, tmp_path, Role.OPERATOR)
    panel = window.outreach
    assert "SMS" not in window.outreach_actions.day_button.text()
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    day = window.outreach_actions.dialog
    assert isinstance(day, DayDialog)
    qtbot.waitUntil(day.isVisible)
    offered = [b.text() for b in day.findChildren(QPushButton) if b.isVisible()]
    assert offered == ["Lưu &danh sách hẹn (PDF)", "Lưu &giấy mời (PDF)", "Đóng"]
    assert not day.template.isVisible() and not day.sample.isVisible()
    assert "nhắn tin" not in day.windowTitle()
    day.reject()


def test_a_slot_already_over_cannot_be_chosen(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    """Today, 24/07 at 10:00: this morning's 07:00–08:00 slot is shown as over and cannot be
    chosen; the first slot still to come is chosen, so Enter books it."""
    window = open_outreach(qtbot, database, tmp_path, Role.OPERATOR)
    set_clock(lambda: datetime(2023, 7, 23, 3, 0, tzinfo=UTC))  # added the day before
    with database.session() as session:
        add_slots(session, CLI, "PT-AP3", date(2023, 7, 24), time(7, 0), time(8, 0), 5)
        add_slots(session, CLI, "PT-AP3", date(2023, 7, 24), time(18, 0), time(19, 0), 5)
        session.commit()
    set_clock(lambda: datetime(2023, 7, 24, 3, 0, tzinfo=UTC))
    dialog = appoint_by_keys(qtbot, window, "hoa")
    dialog.day.setDate(QDate(2023, 7, 24))
    texts = [dialog.slot.itemText(i) for i in range(dialog.slot.count())]
    assert texts[0].startswith("07:00–08:00") and texts[0].endswith("(đã qua)")
    first = dialog.slot.model().item(0)  # type: ignore[attr-defined]
    assert not first.isEnabled()
    assert dialog.slot.currentIndex() == 1
    qtbot.keyClick(dialog.slot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert status_of(database, "Sơn Thị Hoa")[0] == "appointed"


@pytest.mark.parametrize(
    ("keys", "title"),
    [
        ((Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier), "Điểm hẹn và khung giờ"),
        (
            (Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier),
            "Nhập danh sách rà soát",
        ),
    ],
)
def test_an_operator_pressing_a_managers_key_is_told_why_nothing_happens(
    qtbot: QtBot,
    database: Database,
    tmp_path: Path,
    recorded: RecordingMessages,
    keys: tuple[Qt.Key, Qt.KeyboardModifier],
    title: str,
) -> None:
    window = open_outreach(qtbot, database, tmp_path, Role.OPERATOR)
    window.outreach.table.setFocus()
    qtbot.keyClick(window.outreach.table, *keys)
    kind, shown_title, text = recorded.shown[-1]
    assert (kind, shown_title) == ("error", title)
    assert "không có quyền" in text and "quản lý" in text
    assert window.outreach_actions.dialog is None or not window.outreach_actions.dialog.isVisible()
