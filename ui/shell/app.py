"""Starting the window: Qt in Vietnamese, this computer's settings, the database, set-up on
the first start, signing in, the main window.

`start_session` is the whole sequence short of the main window; the dialogs it shows
come in through `StartupDialogs`, so that tests can answer them without clicking.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QWidget,
)

from services.common.errors import UserError
from services.common.version import APP_TITLE, APP_VERSION
from services.security.server_passwords import (
    needs_password,
    store_password,
    stored_password,
    with_password,
)
from services.security.session_context import Actor
from services.upkeep.database import DB_ENV, Database, data_dir, default_database_url, describe_url
from services.upkeep.first_start import DEFAULT_PRESET, open_campaign_database, setup_state
from services.upkeep.local_settings import LocalSettings, load_local_settings, save_local_settings
from ui.security.sign_in import sign_in
from ui.shell.context import AppContext, PointInfo
from ui.upkeep.setup_wizard import FirstStartWizard
from ui.upkeep.startup_check import check_database_file
from ui.widgets.dialogs import run_dialog
from ui.widgets.file_dialogs import MEMORY_FILE, FolderMemory, set_folder_memory
from ui.widgets.messages import messages
from ui.widgets.qt_vietnamese import install_vietnamese

__all__ = [
    "DEFAULT_PRESET",
    "StartupDialogs",
    "open_for_window",
    "run_gui",
    "start_session",
    "switch_operator",
]

FirstStart = Callable[[Database | None, LocalSettings, Path | None, str | None], AppContext | None]
SignIn = Callable[[Database, PointInfo, str | None], Actor | None]
# (the server, without password; why it is asked) -> the password typed, or None
ServerPassword = Callable[[str, str], str | None]


def open_for_window(url: str | None) -> Database:
    """Open (create, migrate and, the first time, load the preset into) the database."""
    return open_campaign_database(url, DEFAULT_PRESET)


def run_first_start(
    database: Database | None,
    settings: LocalSettings,
    settings_folder: Path | None,
    local_url: str | None,
) -> AppContext | None:
    wizard = FirstStartWizard(
        database, settings, settings_folder=settings_folder, local_url=local_url
    )
    try:
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return None
        return wizard.context
    finally:
        wizard.deleteLater()


def run_sign_in(database: Database, point: PointInfo, last_username: str | None) -> Actor | None:
    return sign_in(database, point, last_username)


def ask_server_password(where: str, why: str) -> str | None:
    """The password of the shared server, typed without echo; None when cancelled."""
    dialog = password_dialog(where, why)
    if run_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    return dialog.textValue() or None


def password_dialog(where: str, why: str) -> QInputDialog:
    dialog = QInputDialog()
    dialog.setWindowTitle("Mật khẩu máy chủ cơ sở dữ liệu – kichhoat")
    dialog.setLabelText(f"{why}\n\nNhập mật khẩu để kết nối tới máy chủ:\n{where}")
    dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
    dialog.setOkButtonText("&Kết nối")
    dialog.setCancelButtonText("Hủy")
    label = dialog.findChild(QLabel)
    if label is not None:  # a long error from the server wraps instead of widening the window
        label.setWordWrap(True)
    return dialog


@dataclass
class StartupDialogs:
    """The windows the start-up shows; tests put answers in their place."""

    first_start: FirstStart = run_first_start
    sign_in: SignIn = run_sign_in
    server_password: ServerPassword = ask_server_password


def remember_username(
    settings: LocalSettings, actor: Actor, settings_folder: Path | None = None
) -> None:
    """Prefill the next sign-in with who signed in last; a failure to save is only a warning."""
    if settings.last_username == actor.username:
        return
    settings.last_username = actor.username
    try:
        save_local_settings(settings, settings_folder)
    except UserError as error:
        messages().warning(None, "Không lưu được cài đặt", str(error))


def start_session(
    url: str | None,
    *,
    settings_folder: Path | None = None,
    local_url: str | None = None,
    dialogs: StartupDialogs | None = None,
) -> AppContext | int:
    """Everything before the main window: the signed-in context, or the exit code when the
    user stopped (0) or the database could not be opened and set-up was declined (1).

    `url` is `--db`; it and `KICHHOAT_DB` win over the database saved in the settings."""
    dialogs = dialogs or StartupDialogs()
    # the last folder of the save/open dialogs lives beside this computer's settings
    set_folder_memory(FolderMemory((settings_folder or data_dir()) / MEMORY_FILE))
    settings, warning = load_local_settings(settings_folder)
    if warning:
        messages().warning(None, "Cài đặt của máy này", warning)
    target = url or os.environ.get(DB_ENV) or settings.db_url or local_url or default_database_url()
    check_database_file(target, settings_folder)  # a broken file: offer the newest backup
    database, go_on = _open_database(target, settings, dialogs)
    if not go_on:
        return 1
    point = _set_up_point(database, settings) if database is not None else None
    if database is None or point is None:
        context = dialogs.first_start(database, settings, settings_folder, local_url)
        if context is None or context.point is None:
            if database is not None:
                database.dispose()
            return 0
        if database is not None and context.database is not database:
            database.dispose()
        database, settings, point = context.database, context.settings, context.point

    actor = dialogs.sign_in(database, point, settings.last_username)
    if actor is None:
        database.dispose()
        return 0
    remember_username(settings, actor, settings_folder)
    return AppContext(
        database=database,
        settings=settings,
        actor=actor,
        point=point,
        settings_folder=settings_folder,
    )


def _open_database(
    target: str, settings: LocalSettings, dialogs: StartupDialogs
) -> tuple[Database | None, bool]:
    """The database at `target` (asking a server's password if need be), and whether to go
    on: without a database, only when the user wants set-up to choose another one."""
    try:
        return open_for_window(target), True
    except UserError as error:
        problem = str(error)
    opened = open_with_typed_password(target, problem, dialogs)
    if opened is None:
        again = messages().confirm(
            None,
            "Không mở được cơ sở dữ liệu",
            f"{problem}\n\nMở phần thiết lập để chọn cơ sở dữ liệu khác?",
        )
        return None, again
    if target == settings.db_url:
        settings.db_url = opened[1]  # with the password typed
    return opened[0], True


def _set_up_point(database: Database, settings: LocalSettings) -> PointInfo | None:
    """This computer's intake point, when set-up is complete; else None (set-up to finish)."""
    point: PointInfo | None = None
    with database.session(read_only=True) as session:
        state = setup_state(session, settings.point_code)
        if state.point is not None:
            found = state.point
            point = PointInfo(found.id, found.code, found.name, found.commune_id)
    return point if state.complete else None


def open_with_typed_password(
    target: str, problem: str, dialogs: StartupDialogs
) -> tuple[Database, str] | None:
    """A server address with a user but no password (none kept in the credential store, or
    no store on this computer): ask for the password until it connects or the user cancels.
    The database and the whole address; the password that worked is kept in the store when
    there is one."""
    if not needs_password(target):
        return None
    _password, no_store = stored_password(target)
    why = problem if no_store is None else f"{problem}\n(Mật khẩu không được ghi nhớ: {no_store}.)"
    while (password := dialogs.server_password(describe_url(target), why)) is not None:
        full = with_password(target, password)
        try:
            database = open_for_window(full)
        except UserError as error:
            why = str(error)
            continue
        not_kept = store_password(full, password)
        if not_kept is not None:
            messages().warning(
                None,
                "Mật khẩu máy chủ",
                f"Đã kết nối, nhưng mật khẩu không được ghi nhớ: {not_kept}. Lần khởi động "
                "sau ứng dụng sẽ hỏi lại.",
            )
        return database, full
    return None


class _HasContext(Protocol):
    @property
    def context(self) -> AppContext: ...


def switch_operator(
    target: AppContext | _HasContext,
    parent: QWidget | None = None,
    *,
    settings_folder: Path | None = None,
    sign_in_dialog: Callable[..., Actor | None] = sign_in,
) -> Actor | None:
    """Hand the desk to another operator without closing the app: the main window's
    `MainWindow(context, switch_operator)` calls `switch_operator(context, window)`.

    On success the context's actor is the new operator (and is returned); on cancel
    nothing changes and None is returned. The caller refreshes what shows the actor."""
    context = target if isinstance(target, AppContext) else target.context
    if context.point is None:
        messages().error(parent, "Đổi cán bộ", "Máy này chưa chọn điểm thu nhận.")
        return None
    actor = sign_in_dialog(context.database, context.point, None, parent, current=context.actor)
    if actor is None:
        return None
    context.actor = actor
    remember_username(context.settings, actor, settings_folder or context.settings_folder)
    return actor


def _start_logs_and_crash_dialog() -> None:
    """The rotating log in the data folder, Qt's warnings into it, and the Vietnamese
    dialog for unexpected errors instead of a window that silently closes."""
    import logging

    from services.upkeep.logging_setup import setup_logging
    from ui.shell.crash_dialog import install_crash_handler, route_qt_messages

    setup_logging()
    route_qt_messages()
    install_crash_handler()
    logging.getLogger(__name__).info("%s %s starting", APP_TITLE, APP_VERSION)


def run_gui(url: str | None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_TITLE)
    app.setApplicationVersion(APP_VERSION)
    _start_logs_and_crash_dialog()
    install_vietnamese(app)
    from ui.shell.main_window import MainWindow

    while True:  # again on another campaign's database (Tệp → Đợt cao điểm khác…)
        started = start_session(url)
        if isinstance(started, int):
            return started
        remember_campaign(started)
        started.auto_backup = True
        window = MainWindow(started, switch_operator)
        window.resize(1280, 720)
        window.show()
        code = app.exec()
        if window.switch_to is None:
            return code
        url = window.switch_to
        window.deleteLater()
        started.database.dispose()


def remember_campaign(context: AppContext) -> None:
    """The database opened goes first in the recent list (a failure to save is only lost
    comfort: the list is written again when the window closes)."""
    from services.campaigns.files import remember_database

    remember_database(context.settings, context.database.url)
    with contextlib.suppress(UserError):
        save_local_settings(context.settings, context.settings_folder)
