"""What only the command line could do, now in the window: importing records, the settings,
restoring from the list of automatic backups, the account search and unlocking, and the
lockout message that says how to recover."""

from __future__ import annotations

import csv
import json
import os
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QMenu, QPushButton, QTableWidget, QWidget
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from models.codes import Role
from models.entities import AuditEntry, Case, Operator
from services.campaigns.directory import get_or_create_operator
from services.cases.records import COLUMNS, ImportSummary, import_records
from services.common.errors import ValidationError
from services.common.vntime import now_utc
from services.documents.sheets import Sheet
from services.privacy.purge import grace_days
from services.security.session_context import Actor
from services.upkeep.backup import (
    BEFORE_PURGE_PREFIX,
    automatic_backup,
    backup_before,
    backups_folder,
)
from services.upkeep.database import DB_ENV, Database
from services.upkeep.local_settings import load_local_settings
from services.upkeep.settings import LocalChoice, check_local_choice
from tests.factories import KE_SACH, id_number_for, known_world
from tests.shared_sheets import record_row, write_sheet
from tests.ui.keys import type_text
from tests.ui.screens import alt, show_active
from tests.ui.security.test_security_ui import SHOTS_ENV, context_for, shot, window_for
from ui.cases.records_import import RecordsImportDialog
from ui.desk.slip_print import print_slip
from ui.documents.printing import set_printer_preview_runner
from ui.security.security_menu import AccountsDialog
from ui.security.sign_in import SignInDialog
from ui.shell.main_window import MainWindow
from ui.upkeep.restore_dialog import UNREADABLE, RestoreDialog
from ui.upkeep.settings_dialog import SettingsDialog
from ui.widgets import file_dialogs
from ui.widgets.messages import RecordingMessages


@pytest.fixture(autouse=True)
def no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)


def opening(path: Path) -> None:
    """The next open-file dialog answers `path`."""
    file_dialogs.set_dialogs(_refuse_save, lambda _p, _t, _s, _f: [str(path)])


def saving(path: Path) -> None:
    """The next save-file dialog answers `path`."""
    file_dialogs.set_dialogs(lambda _p, _t, _s, _f: str(path), _refuse_open)


def _refuse_save(_parent: QWidget | None, title: str, _start: str, _filters: str) -> str:
    raise AssertionError(f"unexpected save dialog: {title}")


def _refuse_open(_parent: QWidget | None, title: str, _start: str, _filters: str) -> list[str]:
    raise AssertionError(f"unexpected open dialog: {title}")


def audit_rows(database: Database, action: str) -> list[AuditEntry]:
    with database.session() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def case_count(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


def while_modal(qtbot: QtBot, drive: Callable[[QWidget], None]) -> list[BaseException]:
    """Run `drive(dialog)` once a modal dialog is open (the caller then opens it with exec);
    errors are kept for the caller to raise, since exec swallows them."""
    errors: list[BaseException] = []

    def step() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, step)
            return
        try:
            dialog.activateWindow()
            qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
            drive(dialog)
            if dialog.isVisible():
                raise AssertionError(f"{type(dialog).__name__} was left open")
        except BaseException as error:  # re-raised by the test
            errors.append(error)
            dialog.close()

    QTimer.singleShot(0, step)
    return errors


# -- records import -----------------------------------------------------------------------

LINH = id_number_for(date(1990, 3, 15), "Nữ", 12345)
BINH = id_number_for(date(1985, 1, 2), "Nam", 777)


def import_file(tmp_path: Path) -> Path:
    """Two new citizens, a failure reported after the activation (a record), a report with
    another name (a conflict), and three bad rows (rows 7, 8 and 9 of the sheet)."""
    rows = [
        record_row(
            LINH, "Trần Thị Mỹ Linh", "15/03/1990", "Nữ", 1, "Đã đăng ký", "20/07/2023 08:30"
        ),
        record_row(
            LINH, "Trần Thị Mỹ Linh", "15/03/1990", "Nữ", 1, "Đã kích hoạt", "22/07/2023 09:15"
        ),
        record_row(
            LINH,
            "Trần Thị Mỹ Linh",
            "15/03/1990",
            "Nữ",
            1,
            "Thất bại",
            "23/07/2023 10:00",
            reason="Không nhận được mã OTP",
        ),
        record_row(
            BINH, "Lê Văn Bình", "02/01/1985", "Nam", 2, "Đã thu nhận hồ sơ", "21/07/2023 10:00"
        ),
        record_row(
            BINH,
            "Lê Văn Bính",
            "02/01/1985",
            "Nam",
            2,
            "Đã kích hoạt",
            "24/07/2023 10:00",
            residence=KE_SACH,
        ),
        record_row(LINH[:11], "Ngắn Số", "15/03/1990", "Nữ", 1, "Đã đăng ký", "20/07/2023 08:30"),
        record_row(
            id_number_for(date(1970, 1, 1), "Nam", 5),
            "Sai Mã Xã",
            "01/01/1970",
            "Nam",
            1,
            "Đã đăng ký",
            "20/07/2023 08:30",
            residence="99999",
        ),
        record_row(
            id_number_for(date(1970, 1, 1), "Nam", 6),
            "Không Cán Bộ",
            "01/01/1970",
            "Nam",
            1,
            "Đã đăng ký",
            "20/07/2023 08:30",
            operator="",
        ),
    ]
    return write_sheet(tmp_path / "ho-so-thang-7.csv", COLUMNS, rows)


def test_records_import_shows_the_summary_and_saves_the_rejects(
    qtbot: QtBot,
    database: Database,
    tmp_path: Path,
    recorded: RecordingMessages,
    qtmodeltester: ModelTester,
) -> None:
    context = context_for(database, Role.MANAGER, tmp_path)
    source = import_file(tmp_path)
    dialog = RecordsImportDialog(context)
    imported: list[bool] = []
    dialog.imported.connect(lambda: imported.append(True))
    show_active(qtbot, dialog, 860, dialog.height())
    shot(dialog, "nhap-ho-so-truoc.png")

    opening(source)
    alt(qtbot, dialog, Qt.Key.Key_C)  # &Chọn tệp…
    assert dialog.path.text() == str(source)
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)  # the default button: &Nhập
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=20_000)

    summary = dialog.summary
    assert summary is not None and imported == [True]
    assert [dialog.counts[k].text() for k in ("rows", "created", "updated", "rejected")] == [
        "8",
        "2",
        "3",
        "3",
    ]
    assert case_count(database) == 2
    entry = audit_rows(database, "records_import")[-1]
    assert entry.username == "hoa.lt" and json.loads(entry.details)["created"] == 2

    model = dialog.rejects_model
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    numbers = [model.data(model.index(r, 0)) for r in range(3)]
    reasons = [str(model.data(model.index(r, 1))) for r in range(3)]
    assert numbers == ["7", "8", "9"]
    assert "12 chữ số" in reasons[0] and "99999" in reasons[1] and "cán bộ" in reasons[2]
    assert dialog.tabs.tabText(0) == "Dòng lỗi (3)"
    assert dialog.records.count() == 1
    assert "mâu thuẫn với «Đã kích hoạt»" in dialog.records.item(0).text()
    assert dialog.conflicts.count() == 1 and BINH in dialog.conflicts.item(0).text()
    assert "1 hồ sơ có thông tin khác nhau" in dialog.headline.text()
    shot(dialog, "nhap-ho-so.png")
    assert dialog.width() <= 1366 and dialog.height() <= 768

    rejects = tmp_path / "ra" / "loi.csv"
    rejects.parent.mkdir()
    saving(rejects)
    alt(qtbot, dialog, Qt.Key.Key_L)  # &Lưu danh sách dòng lỗi…
    with rejects.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["Dòng", "Lý do", *COLUMNS.values()]  # the command line's format
    assert [line[0] for line in written[1:]] == ["7", "8", "9"]
    assert written[1][2] == LINH[:11] and written[2][7] == "99999"
    assert recorded.shown[-1][:2] == ("info", "Đã lưu danh sách dòng lỗi")

    # The same file again: nothing new, everything already present.
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(imported) == 2, timeout=20_000)
    assert dialog.counts["created"].text() == "0" and dialog.counts["unchanged"].text() == "5"
    assert case_count(database) == 2


def test_records_import_refuses_a_file_without_the_columns(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context = context_for(database, Role.ADMIN, tmp_path)
    wrong = tmp_path / "sai.csv"
    wrong.write_text("Số định danh;Họ và tên\n094190012345;A\n", encoding="utf-8")
    dialog = RecordsImportDialog(context)
    show_active(qtbot, dialog, 860, dialog.height())
    dialog.path.setFocus()
    type_text(dialog.path, str(wrong))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    assert "Không hồ sơ nào được lưu" in dialog.error.text()
    assert dialog.summary is None and case_count(database) == 0
    assert audit_rows(database, "records_import") == []
    assert dialog.import_button.isEnabled()

    # A damaged workbook: its refusal says once that nothing was saved.
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    dialog.error.clear()
    dialog.path.selectAll()
    type_text(dialog.path, str(broken))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "hong.xlsx" in dialog.error.text(), timeout=20_000)
    text = dialog.error.text()
    assert text.count("được lưu") == 1, text
    assert "BadZipFile" not in text and case_count(database) == 0


def test_cancelling_an_import_saves_nothing(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = context_for(database, Role.MANAGER, tmp_path)
    source = import_file(tmp_path)
    started, go_on = threading.Event(), threading.Event()
    real_import = import_records

    def held_import(*args: Any, **kwargs: Any) -> ImportSummary:
        started.set()
        go_on.wait(10)  # the worker waits here until the manager has pressed Hủy
        return real_import(*args, **kwargs)

    monkeypatch.setattr("ui.cases.records_import.import_records", held_import)
    dialog = RecordsImportDialog(context)
    show_active(qtbot, dialog, 860, dialog.height())
    dialog.path.setText(str(source))
    qtbot.keyClick(dialog.path, Qt.Key.Key_Return)
    assert started.wait(10) and dialog.op is not None and dialog.op.dialog is not None
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()  # no closing while the import runs
    progress = dialog.op.dialog
    qtbot.waitUntil(progress.isVisible)  # shown after a moment, with its Hủy button
    cancel = progress.findChild(QPushButton)
    assert cancel is not None and cancel.text() == "Hủy"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    go_on.set()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=20_000)
    assert "không hồ sơ nào được lưu" in dialog.error.text()
    assert dialog.summary is None and case_count(database) == 0
    assert audit_rows(database, "records_import") == []


def _menu_texts(window: MainWindow, title: str) -> list[str]:
    menu = next(m for m in window.menuBar().findChildren(QMenu) if m.title() == title)
    return [a.text() for a in menu.actions() if a.isVisible() and a.text()]


def cell(table: QTableWidget, row: int, column: int) -> str:
    item = table.item(row, column)
    return item.text() if item is not None else ""


def save_shot(pixmap: QPixmap, name: str) -> None:
    folder = os.environ.get(SHOTS_ENV)
    if folder:
        pixmap.save(str(Path(folder) / name))


def test_the_new_entries_follow_the_role_and_an_import_refreshes_the_window(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = window_for(qtbot, context_for(database, Role.MANAGER, tmp_path))
    assert "Nhập hồ sơ từ &bảng tính…" in _menu_texts(window, "&Tệp")
    assert "Cà&i đặt…" in _menu_texts(window, "&Quản trị")
    refreshed: list[bool] = []
    monkeypatch.setattr(window, "refresh_all", lambda: refreshed.append(True))

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, RecordsImportDialog)
        dialog.imported.emit()
        dialog.reject()

    errors = while_modal(qtbot, drive)
    window.import_records()
    assert not errors and refreshed == [True]

    window.context.actor = Actor(None, "x", "x", Role.OPERATOR, None)
    window.apply_role()
    assert "Nhập hồ sơ từ &bảng tính…" not in _menu_texts(window, "&Tệp")
    assert "Cà&i đặt…" not in _menu_texts(window, "&Quản trị")


# -- settings -----------------------------------------------------------------------------


def test_settings_save_this_computer_and_the_shared_grace_period(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context = context_for(database, Role.ADMIN, tmp_path, cases=True)
    window = window_for(qtbot, context)
    sizes: list[tuple[int, int]] = []

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, SettingsDialog)
        save_shot(dialog.grab(), "cai-dat.png")
        sizes.append((dialog.width(), dialog.height()))
        dialog.slip_format.setFocus()
        qtbot.keyClick(dialog.slip_format, Qt.Key.Key_Down)  # A6 -> 80 mm
        alt(qtbot, dialog, Qt.Key.Key_S)  # Tự khóa màn hình &sau
        assert dialog.focusWidget() is dialog.idle_minutes
        qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dialog.idle_minutes, "3")
        alt(qtbot, dialog, Qt.Key.Key_G)  # &Giữ dữ liệu cá nhân
        qtbot.keyClick(dialog.grace, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dialog.grace, "45")
        qtbot.keyClick(dialog.grace, Qt.Key.Key_Return)  # &Lưu

    errors = while_modal(qtbot, drive)
    window.security.open_settings()
    if errors:
        raise errors[0]
    width, height = sizes[0]
    assert width <= 1366 and height <= 768

    on_disk, warning = load_local_settings(tmp_path)
    assert warning is None
    assert (on_disk.slip_format, on_disk.idle_lock_minutes) == ("80mm", 3)
    assert (context.settings.slip_format, context.settings.idle_lock_minutes) == ("80mm", 3)
    assert window.security.idle.minutes == 3 and window.security.idle.timer.isActive()
    with database.session() as session:
        assert grace_days(session) == 45
    entries = audit_rows(database, "settings")
    assert json.loads(entries[0].details)["after"] == 45
    local = json.loads(entries[1].details)
    assert local["changes"] == {"slip_format": ["a6", "80mm"], "idle_lock_minutes": [5, 3]}
    assert "tự khóa màn hình 5 → 3 phút" in entries[1].summary


def test_a_manager_sets_the_slip_printer_and_turns_the_idle_lock_off(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "ui.upkeep.settings_dialog.available_printers", lambda: ["Quầy 1 - HP LaserJet", "PDF"]
    )
    context = context_for(database, Role.MANAGER, tmp_path, cases=True)
    window = window_for(qtbot, context)

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, SettingsDialog)
        assert not dialog.grace.isEnabled()  # the shared part is the administrators'
        alt(qtbot, dialog, Qt.Key.Key_I)  # Máy &in phiếu
        qtbot.keyClick(dialog.printer, Qt.Key.Key_Down)
        alt(qtbot, dialog, Qt.Key.Key_S)
        qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(dialog.idle_minutes, "0")
        qtbot.keyClick(dialog.idle_minutes, Qt.Key.Key_Return)

    errors = while_modal(qtbot, drive)
    window.security.open_settings()
    if errors:
        raise errors[0]
    assert load_local_settings(tmp_path)[0].printer_name == "Quầy 1 - HP LaserJet"
    assert context.settings.idle_lock_minutes == 0
    idle = window.security.idle
    assert not idle.timer.isActive()
    idle.clock = lambda: 10.0**9
    idle.check()
    assert not idle.locked
    with database.session() as session:
        assert grace_days(session) == 30  # untouched
    assert len(audit_rows(database, "settings")) == 1

    # The next slip goes to that printer.
    used: list[str | None] = []

    def preview(_parent: QWidget | None, _sheet: Sheet, printer: str | None) -> None:
        used.append(printer)

    previous = set_printer_preview_runner(preview)
    try:
        with database.session() as session:
            case_id = session.scalars(select(Case.id)).first()
        assert case_id is not None
        print_slip(None, context, case_id)
    finally:
        set_printer_preview_runner(previous)
    assert used == ["Quầy 1 - HP LaserJet"]


def test_settings_outside_their_range_are_refused() -> None:
    with pytest.raises(ValidationError, match="từ 0 đến 240 phút"):
        check_local_choice(LocalChoice("a6", None, 241))
    with pytest.raises(ValidationError, match="Khổ phiếu"):
        check_local_choice(LocalChoice("a4", None, 5))
    assert check_local_choice(LocalChoice("80mm", "  ", 0)).printer_name is None


# -- restore from the list of backups -----------------------------------------------------


@pytest.fixture
def backups(database: Database, tmp_path: Path) -> Iterator[list[Path]]:
    """Automatic copies with 0, then 8 cases, a copy before a purge, and an unreadable file."""
    made = [automatic_backup(database, tmp_path)]
    with database.session() as session:
        known_world(session)
        session.commit()
    made.append(automatic_backup(database, tmp_path))
    made.append(backup_before(database, BEFORE_PURGE_PREFIX, tmp_path))
    paths = [p for p in made if p is not None]
    folder = paths[0].parent
    broken = folder / "tu-dong-20230101-080000-000000.sqlite3"
    broken.write_bytes(b"khong phai co so du lieu" * 100)
    yield paths
    assert folder == backups_folder(tmp_path, Path(database.engine.url.database or ""))


@pytest.fixture
def admin_window(
    qtbot: QtBot, database: Database, tmp_path: Path, backups: list[Path]
) -> MainWindow:
    """An administrator signed in at Phú Tâm, once the backups are made."""
    return window_for(qtbot, context_for(database, Role.ADMIN, tmp_path))


def test_restore_lists_the_backups_and_enter_restores_the_selected(
    qtbot: QtBot,
    database: Database,
    recorded: RecordingMessages,
    backups: list[Path],
    admin_window: MainWindow,
) -> None:
    empty, with_cases, before_purge = backups
    window = admin_window
    assert case_count(database) == 8
    rows: list[list[str]] = []

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, RestoreDialog)
        dialog.wait_for_counts()
        qtbot.waitUntil(lambda: len(dialog.counts) == 4)
        table = dialog.table
        rows.extend([cell(table, r, c) for c in range(4)] for r in range(table.rowCount()))
        save_shot(dialog.grab(), "khoi-phuc.png")
        recorded.answer = False
        qtbot.keyClick(table, Qt.Key.Key_Down)
        qtbot.keyClick(table, Qt.Key.Key_Down)  # the first automatic copy: no cases yet
        qtbot.keyClick(table, Qt.Key.Key_Return)
        assert dialog.isVisible() and dialog.chosen is None  # "no": still choosing
        recorded.answer = True
        qtbot.keyClick(table, Qt.Key.Key_Return)

    errors = while_modal(qtbot, drive)
    window.security.restore()
    if errors:
        raise errors[0]
    assert [r[1] for r in rows] == [
        "trước khi xóa dữ liệu cá nhân",
        "tự động",
        "tự động",
        "tự động",
    ]
    assert [r[3] for r in rows] == ["8", "8", "0", UNREADABLE]
    now_local = (now_utc() + timedelta(hours=7)).strftime("%d/%m/%Y")
    assert rows[0][0].startswith(now_local) and rows[3][0] == "01/01/2023 15:00"
    assert rows[0][2].replace(",", "").isdigit()
    confirms = [text for kind, _, text in recorded.shown if kind == "confirm"]
    assert len(confirms) == 2 and empty.name in confirms[-1] and "0 hồ sơ" in confirms[-1]

    qtbot.waitUntil(lambda: any(t == "Đã khôi phục" for _, t, _ in recorded.shown), timeout=20_000)
    assert case_count(database) == 0
    restored = audit_rows(database, "restore")
    assert restored and json.loads(restored[-1].details)["file"] == empty.name
    assert with_cases.exists() and before_purge.exists()


def test_restore_from_another_file(
    qtbot: QtBot,
    database: Database,
    tmp_path: Path,
    recorded: RecordingMessages,
    backups: list[Path],
    admin_window: MainWindow,
) -> None:
    empty, _with_cases, _before_purge = backups
    elsewhere = tmp_path / "usb" / "sao-luu.sqlite3"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(empty.read_bytes())

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, RestoreDialog)
        opening(elsewhere)
        alt(qtbot, dialog, Qt.Key.Key_T)  # Chọn &tệp khác…

    errors = while_modal(qtbot, drive)
    admin_window.security.restore()
    if errors:
        raise errors[0]
    qtbot.waitUntil(lambda: any(t == "Đã khôi phục" for _, t, _ in recorded.shown), timeout=20_000)
    assert case_count(database) == 0
    assert json.loads(audit_rows(database, "restore")[-1].details)["file"] == "sao-luu.sqlite3"


# -- accounts: the search and unlocking ---------------------------------------------------


def test_the_account_search_folds_diacritics_and_unlock_lifts_a_lockout(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    context = context_for(database, Role.ADMIN, tmp_path)
    with database.session() as session:
        for number in range(226):
            get_or_create_operator(session, f"cb{number:03d}", f"Nguyễn Văn Tuấn {number}")
        duc, _ = get_or_create_operator(session, "duc.lm", "Lê Minh Đức")
        duc.locked_until = now_utc() + timedelta(minutes=10)
        duc.failed_sign_ins = 0
        session.commit()
    dialog = AccountsDialog(context)
    show_active(qtbot, dialog, 900, 640)
    table = dialog.table
    assert table.rowCount() == 230 and dialog.shown.text() == "230 tài khoản"

    alt(qtbot, dialog, Qt.Key.Key_K)  # Tìm &kiếm
    assert dialog.focusWidget() is dialog.search
    type_text(dialog.search, "tuan 1")
    visible = [r for r in range(230) if not table.isRowHidden(r)]
    assert len(visible) == 111  # "Tuấn 1", "Tuấn 10".."19", "Tuấn 100".."199"
    assert dialog.shown.text() == "111/230 tài khoản"

    dialog.search.clear()
    type_text(dialog.search, "đuc")
    visible = [r for r in range(230) if not table.isRowHidden(r)]
    assert [cell(table, r, 0) for r in visible] == ["duc.lm"]
    assert dialog.selected() is not None
    qtbot.wait(1)  # the layout follows the count's new text
    shot(dialog, "tai-khoan-tim.png")
    qtbot.keyClick(dialog.search, Qt.Key.Key_Return)
    assert dialog.focusWidget() is table
    alt(qtbot, dialog, Qt.Key.Key_A)  # Mở khó&a
    assert recorded.shown[-1][:2] == ("info", "Đã mở khóa")
    with database.session() as session:
        row = session.scalars(select(Operator).where(Operator.username == "duc.lm")).one()
        assert row.locked_until is None
    unlocked = audit_rows(database, "account_unlocked")
    assert len(unlocked) == 1 and unlocked[0].username == "hoa.lt"
    assert json.loads(unlocked[0].details)["account"] == "duc.lm"

    dialog.search.clear()
    type_text(dialog.search, "khong co ai")
    assert dialog.selected() is None and dialog.shown.text() == "0/230 tài khoản"


# -- the lockout message ------------------------------------------------------------------


def test_the_lockout_message_wraps_and_names_the_recovery_command(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context = context_for(database, Role.ADMIN, tmp_path)
    assert context.point is not None
    dialog = SignInDialog(database, context.point, "hoa.lt")
    show_active(qtbot, dialog, 520, 200)
    for _ in range(5):
        type_text(dialog.password, "sai-mat-khau1")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.wait(10)
    error = dialog.error
    assert error.isVisible() and error.wordWrap()
    assert "tạm khóa" in error.text()
    assert "kichhoat-cli account unlock hoa.lt" in error.text()
    shot(dialog, "dang-nhap-bi-khoa.png")
    # Whole: the label is as tall as its wrapped text needs, and above the buttons.
    assert error.height() >= error.heightForWidth(error.width())
    buttons_top = dialog.sign_in_button.mapTo(dialog, dialog.sign_in_button.rect().topLeft()).y()
    assert error.geometry().bottom() < buttons_top
    assert dialog.width() <= 1366 and dialog.height() <= 768
