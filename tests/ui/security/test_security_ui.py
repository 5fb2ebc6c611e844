"""The idle lock, the "Quản trị" menu by role, the audit viewer, the detail list dialog, and
start-up on a corrupted database file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select, text

from models.codes import Role, Status
from models.entities import AuditEntry, Case
from services.upkeep.backup import automatic_backup
from services.upkeep.database import DB_ENV, Database, open_database
from services.upkeep.local_settings import LocalSettings
from tests.factories import World, known_world
from tests.shared_sheets import decrypted_workbook
from tests.ui.screens import hoa, point_info
from tests.ui.shell.test_app_startup import Script
from ui.security.audit_viewer import AuditDialog
from ui.security.security_menu import AccountsDialog, DetailListDialog, PasswordDialog
from ui.shell.app import start_session
from ui.shell.context import AppContext
from ui.shell.main_window import MainWindow
from ui.widgets import file_dialogs
from ui.widgets.messages import RecordingMessages

PASSWORD = "matkhau123"
SHOTS_ENV = "KICHHOAT_SHOTS"  # a folder: save screenshots of the new dialogs there


def shot(widget: QWidget, name: str) -> None:
    folder = os.environ.get(SHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / name))


@pytest.fixture(autouse=True)
def no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)


def context_for(database: Database, role: Role, folder: Path, *, cases: bool = False) -> AppContext:
    with database.session() as session:
        world = known_world(session) if cases else World(session)
        actor = hoa(session, world, role)
        session.commit()
        info = point_info(world.point_phu_tam)
    return AppContext(
        database=database,
        settings=LocalSettings(idle_lock_minutes=5),
        actor=actor,
        point=info,
        settings_folder=folder,
    )


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def window_for(qtbot: QtBot, context: AppContext) -> MainWindow:
    window = MainWindow(context)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


def test_idle_lock_keeps_the_open_form_and_needs_the_password(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context = context_for(database, Role.OPERATOR, tmp_path)
    window = window_for(qtbot, context)
    idle = window.security.idle
    clock = Clock()
    idle.clock = clock
    idle.last_input = clock()
    field = window.intake.identify.scan
    field.setFocus()
    qtbot.keyClicks(field, "0941900")
    clock.now += 4 * 60
    idle.check()
    assert not idle.locked
    qtbot.keyClick(field, Qt.Key.Key_1)  # input resets the idle time
    assert idle.last_input == clock.now
    clock.now += 5 * 60 - 1
    idle.check()
    assert not idle.locked
    clock.now += 1
    idle.check()
    assert idle.locked and idle.dialog is not None
    central = window.centralWidget()
    assert central is not None and not central.isVisible()  # nothing personal on show
    dialog = idle.dialog
    shot(window, "khoa-man-hinh-cua-so.png")
    shot(dialog, "khoa-man-hinh.png")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert idle.locked  # Escape does not unlock
    dialog.password.setText("sai-mat-khau1")
    dialog.try_unlock()
    assert idle.locked and "Sai tên đăng nhập hoặc mật khẩu" in dialog.error.text()
    dialog.password.setText(PASSWORD)
    dialog.try_unlock()
    assert not idle.locked
    assert central.isVisible()
    assert field.text() == "09419001"  # the form kept what was typed
    with database.session() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["sign_in_failed", "unlock"]


def test_idle_lock_off_when_minutes_is_zero(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context = context_for(database, Role.OPERATOR, tmp_path)
    context.settings.idle_lock_minutes = 0
    window = window_for(qtbot, context)
    clock = Clock()
    window.security.idle.clock = clock
    clock.now += 10_000
    window.security.idle.check()
    assert not window.security.idle.locked


def _visible(window: MainWindow) -> list[str]:
    return [a.text() for a in window.security.menu.actions() if a.isVisible() and a.text()]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.OPERATOR, ["&Khóa màn hình", "Đổi &mật khẩu…"]),
        (
            Role.MANAGER,
            [
                "&Khóa màn hình",
                "Đổi &mật khẩu…",
                "&Nhật ký hệ thống…",
                "Xuất danh sách &chi tiết (mã hóa)…",
                "&Yêu cầu của người dân…",
                "Cà&i đặt…",
            ],
        ),
    ],
)
def test_the_menu_follows_the_role(
    qtbot: QtBot, database: Database, tmp_path: Path, role: Role, expected: list[str]
) -> None:
    window = window_for(qtbot, context_for(database, role, tmp_path))
    assert _visible(window) == expected
    assert window.dashboard.export_button.isVisibleTo(window.dashboard) == (role != Role.OPERATOR)


def test_an_admin_sees_every_entry_and_closing_signs_out(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = window_for(qtbot, context_for(database, Role.ADMIN, tmp_path))
    assert len(_visible(window)) == 11  # the manager's, the description and the admin's
    window.close()
    with database.session() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert last is not None and (last.action, last.username) == ("sign_out", "hoa.lt")


def test_the_audit_viewer_checks_the_chain_and_exports(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    context = context_for(database, Role.MANAGER, tmp_path)
    from services.counting.targets import set_target

    with database.session() as session:
        for total in (100, 200, 300):
            set_target(session, context.signed_in(), "31573", total)
        session.commit()
    dialog = AuditDialog(context)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 700)
    dialog.show()
    assert dialog.table.rowCount() == 3
    item = dialog.table.item(0, 5)
    assert item is not None and "300" in item.text()  # newest first
    dialog.verify()
    assert "nguyên vẹn: 3 mục" in dialog.chain.text()
    shot(dialog, "nhat-ky.png")
    dialog.action.setCurrentIndex(dialog.action.findData("sign_in"))
    assert dialog.table.rowCount() == 0
    dialog.action.setCurrentIndex(0)
    dialog.ask_export_path = lambda parent, suggested: tmp_path / "nhat-ky.csv"
    dialog.export()
    assert "Chỉ tiêu" in (tmp_path / "nhat-ky.csv").read_text(encoding="utf-8-sig")
    with database.session() as session:
        session.execute(text("UPDATE audit_log SET summary = 'x' WHERE id = 2"))
        session.commit()
    dialog.verify()
    assert "mục số 2" in dialog.chain.text()
    assert recorded.shown[-1][1] == "Nhật ký đã bị can thiệp"


def test_the_audit_viewer_fails_a_log_emptied_after_a_report(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    from datetime import date

    from services.counting.targets import set_target
    from services.documents.report import write_report

    context = context_for(database, Role.MANAGER, tmp_path)
    with database.session() as session:
        set_target(session, context.signed_in(), "31573", 100)
        session.commit()
        write_report(session, context.signed_in(), date(2023, 7, 25), tmp_path / "bc.xlsx")
        session.commit()
    dialog = AuditDialog(context)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 700)
    dialog.show()
    dialog.verify()
    assert "khớp với 1 lần in hoặc gửi" in dialog.chain.text()
    assert " · 2 mục · " in dialog.chain.toolTip()  # the heads, as the report prints them
    number = dialog.table.item(0, 0)
    assert number is not None and number.toolTip().startswith("Mục thứ 2 của chuỗi điểm")
    with database.session() as session:
        session.execute(text("DELETE FROM audit_log"))
        session.execute(text("DELETE FROM audit_chains"))
        session.commit()
    dialog.verify()
    assert "báo cáo «bc.xlsx» lập lúc" in dialog.chain.text()
    assert "nhật ký trống" in dialog.chain.text()
    assert recorded.shown[-1][1] == "Nhật ký đã bị can thiệp"
    QApplication.processEvents()  # the layout makes room for the wrapped message
    assert dialog.chain.height() >= dialog.chain.heightForWidth(dialog.chain.width())
    shot(dialog, "nhat-ky-bi-xoa.png")


def test_the_detail_list_dialog_writes_an_encrypted_file(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    context = context_for(database, Role.MANAGER, tmp_path, cases=True)
    dialog = DetailListDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    shot(dialog, "danh-sach-chi-tiet.png")
    out = tmp_path / "ds.xlsx"
    dialog.path.setText(str(out))
    dialog.password.setText("ngan")
    dialog.again.setText("ngan")
    dialog.accept()
    assert "ít nhất 8" in dialog.error.text() and not out.exists()
    dialog.password.setText("mat-khau-PC06")
    dialog.again.setText("mat-khau-PC06")
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.result_ is not None, timeout=10_000)
    sheet = decrypted_workbook(out, "mat-khau-PC06").active
    assert sheet is not None and sheet.max_row == 2 + 8
    assert recorded.shown[-1][1] == "Đã xuất danh sách chi tiết"


def test_the_detail_list_is_suggested_where_files_are_saved(
    qtbot: QtBot, database: Database, tmp_path: Path, file_dialog_folders: Path
) -> None:
    """Documents/kichhoat, then the folder last used: not the home folder (README, "Save
    and open dialogs"); pressing *Xuất* at once must not write the list where nobody looks."""
    context = context_for(database, Role.MANAGER, tmp_path)
    dialog = DetailListDialog(context)
    qtbot.addWidget(dialog)
    suggested = Path(dialog.path.text())
    assert suggested.parent == file_dialog_folders / "kichhoat"
    assert suggested.name.startswith("danh-sach-chi-tiet-") and suggested.suffix == ".xlsx"
    used = tmp_path / "usb"
    used.mkdir()
    memory = file_dialogs.FolderMemory()
    memory.remember(used)
    file_dialogs.set_folder_memory(memory)
    again = DetailListDialog(context)
    qtbot.addWidget(again)
    assert Path(again.path.text()).parent == used


def test_account_dialogs_render(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    context = context_for(database, Role.ADMIN, tmp_path)
    accounts = AccountsDialog(context)
    qtbot.addWidget(accounts)
    accounts.resize(900, 620)
    accounts.show()
    accounts.username.setText("tam.nv")
    accounts.full_name.setText("Nguyễn Văn Tâm")
    accounts.password.setText("tam12345")
    accounts.create_account()
    assert accounts.table.rowCount() == 4  # lan.nt, minh.tv (from World), hoa.lt, tam.nv
    shot(accounts, "tai-khoan.png")
    password = PasswordDialog(context)
    qtbot.addWidget(password)
    password.show()
    shot(password, "doi-mat-khau.png")
    password.current.setText(PASSWORD)
    password.new.setText("matkhaumoi9")
    password.again.setText("matkhaumoi9")
    password.accept()
    assert password.result() == 1


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096):  # every page after the first: garbage
        data[offset + 100 : offset + 400] = b"\xff" * 300
    path.write_bytes(bytes(data))


def test_start_up_on_a_corrupted_file_offers_the_newest_backup(
    tmp_path: Path, recorded: RecordingMessages
) -> None:
    folder = tmp_path / "cai-dat"
    db_file = tmp_path / "kichhoat.sqlite3"
    local_url = f"sqlite:///{db_file}"
    first = start_session(
        None, settings_folder=folder, local_url=local_url, dialogs=Script(folder).dialogs()
    )
    assert isinstance(first, AppContext)
    with first.database.session() as session:
        known_world(session)
    assert automatic_backup(first.database, folder) is not None
    first.database.dispose()
    _corrupt(db_file)
    broken = db_file.read_bytes()

    recorded.answer = False  # "No": nothing is overwritten
    declined = start_session(
        None, settings_folder=folder, local_url=local_url, dialogs=Script(folder).dialogs()
    )
    assert declined == 1 or isinstance(declined, AppContext)
    if isinstance(declined, AppContext):
        declined.database.dispose()
    assert recorded.shown[0][1] == "Cơ sở dữ liệu bị hỏng"
    assert db_file.read_bytes() == broken

    recorded.answer = True
    recorded.shown.clear()
    restored = start_session(
        None, settings_folder=folder, local_url=local_url, dialogs=Script(folder).dialogs()
    )
    assert isinstance(restored, AppContext)
    assert [kind for kind, _, _ in recorded.shown] == ["confirm", "info"]
    with restored.database.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 8
        assert session.scalar(
            select(func.count()).select_from(Case).where(Case.status == Status.ACTIVATED.value)
        )
    restored.database.dispose()
    kept = [
        p for p in tmp_path.glob("kichhoat.sqlite3.hong-*") if not p.name.endswith(("-wal", "-shm"))
    ]
    assert len(kept) == 1 and kept[0].read_bytes() == broken
    assert open_database(local_url).url == local_url
    QApplication.processEvents()
