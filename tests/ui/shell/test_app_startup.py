"""The start-up sequence: settings, database, set-up when needed, sign-in, the context."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import PointKind, Role
from models.entities import Operator
from services.campaigns.units import UnitTree
from services.common.errors import StorageError
from services.security.session_context import Actor
from services.upkeep.database import DB_ENV, Database
from services.upkeep.first_start import NewAdmin, NewPoint, complete_first_start
from services.upkeep.local_settings import LocalSettings, load_local_settings, save_local_settings
from tests.factories import PHU_TAM
from tests.memory_keyring import MemoryKeyring
from ui.shell.app import StartupDialogs, start_session
from ui.shell.context import AppContext, PointInfo
from ui.widgets.messages import RecordingMessages


@pytest.fixture(autouse=True)
def no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)


class Script:
    """Stands in for the two dialogs and remembers how they were called."""

    def __init__(
        self, settings_folder: Path, sign_in_as: str | None = "lan.nt", set_up: bool = True
    ) -> None:
        self.settings_folder = settings_folder
        self.sign_in_as = sign_in_as
        self.set_up = set_up  # False: the user cancels the wizard
        self.first_start_calls: list[Database | None] = []
        self.sign_in_calls: list[tuple[PointInfo, str | None]] = []

    def first_start(
        self,
        database: Database | None,
        settings: LocalSettings,
        folder: Path | None,
        local_url: str | None,
    ) -> AppContext | None:
        self.first_start_calls.append(database)
        assert folder == self.settings_folder
        if not self.set_up:
            return None
        assert database is not None
        with database.session() as session:
            commune = UnitTree.load(session).commune(PHU_TAM)
            point = complete_first_start(
                session,
                NewPoint("Công an xã Phú Tâm", PointKind.OTHER, commune.id),
                NewAdmin("lan.nt", "Nguyễn Thị Lan", "matkhau123"),
            )
            settings.point_code = point.code
            settings.last_username = "lan.nt"
            save_local_settings(settings, folder)
            session.commit()
            info = PointInfo(point.id, point.code, point.name, point.commune_id)
        return AppContext(database=database, settings=settings, point=info)

    def sign_in(self, database: Database, point: PointInfo, last: str | None) -> Actor | None:
        self.sign_in_calls.append((point, last))
        if self.sign_in_as is None:
            return None
        with database.session() as session:
            operator = session.scalars(
                select(Operator).where(Operator.username == self.sign_in_as)
            ).one()
            return Actor(
                operator.id, operator.username, operator.full_name, Role(operator.role), point.id
            )

    def dialogs(self) -> StartupDialogs:
        return StartupDialogs(first_start=self.first_start, sign_in=self.sign_in)


def test_first_start_then_sign_in_then_the_next_start_signs_in_only(
    tmp_path: Path, recorded: RecordingMessages
) -> None:
    folder = tmp_path / "cai-dat"
    local_url = f"sqlite:///{tmp_path / 'kichhoat.sqlite3'}"
    script = Script(folder)
    context = start_session(
        None, settings_folder=folder, local_url=local_url, dialogs=script.dialogs()
    )
    assert isinstance(context, AppContext)
    assert context.actor is not None and context.actor.username == "lan.nt"
    assert context.point is not None and context.point.code == f"{PHU_TAM}-01"
    assert context.actor.point_id == context.point.id
    assert context.settings_folder == folder  # where "switch operator" saves the username
    assert len(script.first_start_calls) == 1
    assert script.sign_in_calls == [(context.point, "lan.nt")]
    context.database.dispose()

    again = Script(folder)
    second = start_session(
        None, settings_folder=folder, local_url=local_url, dialogs=again.dialogs()
    )
    assert isinstance(second, AppContext) and second.point == context.point
    assert again.first_start_calls == []  # set up already: only sign in
    assert again.sign_in_calls == [(context.point, "lan.nt")]
    assert recorded.shown == []
    second.database.dispose()


def test_a_missing_point_code_runs_the_set_up_again(
    tmp_path: Path, recorded: RecordingMessages
) -> None:
    folder = tmp_path / "cai-dat"
    local_url = f"sqlite:///{tmp_path / 'kichhoat.sqlite3'}"
    first = start_session(
        None, settings_folder=folder, local_url=local_url, dialogs=Script(folder).dialogs()
    )
    assert isinstance(first, AppContext)
    first.database.dispose()
    settings, _ = load_local_settings(folder)
    settings.point_code = "00000-99"
    save_local_settings(settings, folder)

    script = Script(folder, set_up=False)
    assert (
        start_session(None, settings_folder=folder, local_url=local_url, dialogs=script.dialogs())
        == 0
    )
    assert len(script.first_start_calls) == 1 and script.sign_in_calls == []


def test_cancelled_sign_in_exits_quietly(tmp_path: Path, recorded: RecordingMessages) -> None:
    folder = tmp_path / "cai-dat"
    local_url = f"sqlite:///{tmp_path / 'kichhoat.sqlite3'}"
    script = Script(folder, sign_in_as=None)
    assert (
        start_session(None, settings_folder=folder, local_url=local_url, dialogs=script.dialogs())
        == 0
    )
    assert load_local_settings(folder)[0].last_username == "lan.nt"  # from the set-up


def test_a_broken_settings_file_is_reported(tmp_path: Path, recorded: RecordingMessages) -> None:
    folder = tmp_path / "cai-dat"
    folder.mkdir()
    (folder / "settings.json").write_text("{hỏng", encoding="utf-8")
    local_url = f"sqlite:///{tmp_path / 'kichhoat.sqlite3'}"
    context = start_session(
        None, settings_folder=folder, local_url=local_url, dialogs=Script(folder).dialogs()
    )
    assert isinstance(context, AppContext)
    context.database.dispose()
    assert [kind for kind, _, _ in recorded.shown] == ["warning"]
    assert "bị hỏng" in recorded.shown[0][2]


def test_a_database_that_cannot_open_offers_the_set_up(
    tmp_path: Path, recorded: RecordingMessages
) -> None:
    folder = tmp_path / "cai-dat"
    save_local_settings(LocalSettings(db_url="postgresql+psycopg://u:p@192.0.2.1/k"), folder)
    recorded.answer = False
    script = Script(folder)
    assert start_session(None, settings_folder=folder, dialogs=script.dialogs()) == 1
    assert recorded.shown[0][0:2] == ("confirm", "Không mở được cơ sở dữ liệu")
    assert "psycopg" in recorded.shown[0][2] and "thiết lập" in recorded.shown[0][2]
    assert script.first_start_calls == []

    recorded.answer = True
    cancelled = Script(folder, set_up=False)
    assert start_session(None, settings_folder=folder, dialogs=cancelled.dialogs()) == 0
    assert cancelled.first_start_calls == [None]  # the wizard starts on the database page


def test_db_option_wins_over_the_saved_database(
    tmp_path: Path, recorded: RecordingMessages
) -> None:
    folder = tmp_path / "cai-dat"
    save_local_settings(LocalSettings(db_url="postgresql+psycopg://u:p@192.0.2.1/k"), folder)
    chosen = f"sqlite:///{tmp_path / 'tham-so.sqlite3'}"
    script = Script(folder)
    context = start_session(chosen, settings_folder=folder, dialogs=script.dialogs())
    assert isinstance(context, AppContext) and context.database.url == chosen
    assert recorded.shown == []
    context.database.dispose()


SERVER = "postgresql+psycopg://kichhoat@10.0.0.5:5432/kichhoat"  # no password in the file
RIGHT = "postgresql+psycopg://kichhoat:dung-mat-khau-1@10.0.0.5:5432/kichhoat"
REFUSED = "Máy chủ từ chối: sai mật khẩu."


def _server_that_wants(database: Database, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The server opens with `RIGHT` only (it is the SQLite `database` underneath)."""
    tried: list[str] = []

    def open_for_window(url: str) -> Database:
        tried.append(url)
        if url != RIGHT:
            raise StorageError(REFUSED)
        return database

    monkeypatch.setattr("ui.shell.app.open_for_window", open_for_window)
    return tried


def test_a_server_without_its_password_asks_for_it_and_keeps_it_in_the_store(
    tmp_path: Path,
    recorded: RecordingMessages,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    memory_keyring: MemoryKeyring,
) -> None:
    folder = tmp_path / "cai-dat"
    save_local_settings(LocalSettings(db_url=SERVER), folder)
    tried = _server_that_wants(database, monkeypatch)
    asked: list[tuple[str, str]] = []
    answers = iter(["sai-mat-khau-1", "dung-mat-khau-1"])

    def server_password(where: str, why: str) -> str | None:
        asked.append((where, why))
        return next(answers)

    script = Script(folder)
    dialogs = StartupDialogs(script.first_start, script.sign_in, server_password)
    context = start_session(None, settings_folder=folder, dialogs=dialogs)
    assert isinstance(context, AppContext)
    assert tried == [SERVER, SERVER.replace("kichhoat@", "kichhoat:sai-mat-khau-1@"), RIGHT]
    assert asked == [(SERVER, REFUSED), (SERVER, REFUSED)]
    assert context.settings.db_url == RIGHT
    assert memory_keyring.passwords == {("kichhoat", SERVER): "dung-mat-khau-1"}
    assert "dung-mat-khau-1" not in (folder / "settings.json").read_text(encoding="utf-8")
    assert recorded.shown == []


def test_without_a_store_the_password_is_asked_and_that_is_said(
    tmp_path: Path,
    recorded: RecordingMessages,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring.set_keyring(fail.Keyring())
    folder = tmp_path / "cai-dat"
    save_local_settings(LocalSettings(db_url=SERVER), folder)
    _server_that_wants(database, monkeypatch)
    asked: list[str] = []

    def server_password(where: str, why: str) -> str | None:
        asked.append(why)
        return "dung-mat-khau-1"

    script = Script(folder)
    dialogs = StartupDialogs(script.first_start, script.sign_in, server_password)
    context = start_session(None, settings_folder=folder, dialogs=dialogs)
    assert isinstance(context, AppContext)
    assert "không có kho mật khẩu của hệ điều hành" in asked[0]
    assert [(kind, title) for kind, title, _ in recorded.shown] == [("warning", "Mật khẩu máy chủ")]
    assert "sẽ hỏi lại" in recorded.shown[0][2]


def test_cancelling_the_password_offers_the_set_up_as_before(
    tmp_path: Path,
    recorded: RecordingMessages,
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path / "cai-dat"
    save_local_settings(LocalSettings(db_url=SERVER), folder)
    _server_that_wants(database, monkeypatch)
    recorded.answer = False
    script = Script(folder)
    dialogs = StartupDialogs(script.first_start, script.sign_in, lambda where, why: None)
    assert start_session(None, settings_folder=folder, dialogs=dialogs) == 1
    assert recorded.shown[0][:2] == ("confirm", "Không mở được cơ sở dữ liệu")
    assert REFUSED in recorded.shown[0][2]


def test_the_password_dialog_hides_what_is_typed(qtbot: QtBot, tmp_path: Path) -> None:
    from PySide6.QtWidgets import QLineEdit

    from ui.shell.app import password_dialog

    dialog = password_dialog(SERVER, REFUSED)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    field = dialog.findChild(QLineEdit)
    assert field is not None and field.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(field, "bi-mat-1")
    assert dialog.textValue() == "bi-mat-1"
    assert SERVER in dialog.labelText() and REFUSED in dialog.labelText()
    dialog.grab().save(str(tmp_path / "mat-khau-may-chu.png"))
