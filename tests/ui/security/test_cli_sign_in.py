"""The doors of the command line: who may run which command, signed in as whom.

The commands run in this process (`ui.shell.cli.run_command`, what `main.py` calls) with the
credentials in the environment, as a script gives them; tests/test_cli*.py run `main.py`
as a process with the same variables."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.codes import Role, Status
from models.entities import AuditEntry, IntakePoint, Operator
from services.security.accounts import (
    MAX_FAILED_SIGN_INS,
    SignInError,
    authenticate,
    create_operator,
)
from services.security.permissions import MINIMUM_ROLE
from services.upkeep.database import open_database
from tests.factories import World, id_number_for
from tests.paths import ROOT as TREE_ROOT
from tests.services.cases.test_records_import import good_rows, write_xlsx
from ui.security.cli_sign_in import (
    DOORS,
    FIRST_ADMIN_HINT,
    PASSWORD_ENV,
    SUB_DOORS,
    USER_ENV,
    read_credentials,
)
from ui.shell.cli import EXIT_FORBIDDEN, EXIT_SIGN_IN, build_parser, parse_args, run_command

ROOT = TREE_ROOT
PASSWORDS = {"quan.tri": "mk-quan-tri-1", "quan.ly": "mk-quan-ly-1", "can.bo": "mk-can-bo-1"}
ROLES = {"quan.tri": Role.ADMIN, "quan.ly": Role.MANAGER, "can.bo": Role.OPERATOR}
OS_USER = f"cli:{getpass.getuser()}"


@pytest.fixture(autouse=True)
def scripted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials unless a test gives them; backups in a folder of the test's own."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("KICHHOAT_PASSPHRASE", "mat-khau-cua-goi-1")
    monkeypatch.delenv(USER_ENV, raising=False)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)


@pytest.fixture
def db(sqlite_template: Path, tmp_path: Path) -> Path:
    """The preset, one case at Phú Tâm, and an administrator, a manager and an operator of
    Phú Tâm with passwords."""
    path = tmp_path / "kichhoat.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = open_database(f"sqlite:///{path}")
    with database.session() as session:
        world = World(session)
        world.record(world.facts(tail=7), world.report(Status.REGISTERED, "2023-07-21 09:15"))
        for username, password in PASSWORDS.items():
            create_operator(
                session,
                username=username,
                full_name=username,
                password=password,
                role=ROLES[username],
                home_point_id=world.point_phu_tam.id,
            )
        session.commit()
    database.dispose()
    return path


def cli(
    monkeypatch: pytest.MonkeyPatch, db: Path, *args: str, who: str | None = None
) -> tuple[int, str, str]:
    """Run one command as `who` (their password from the environment), or as nobody."""
    with monkeypatch.context() as patch:
        if who is not None:
            patch.setenv(USER_ENV, who)
            patch.setenv(PASSWORD_ENV, PASSWORDS[who])
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err):
            code = run_command(parse_args(["--db", f"sqlite:///{db}", *args]), out)
    return code, out.getvalue(), err.getvalue()


def entries(db: Path) -> list[tuple[str, str, dict[str, object]]]:
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session(read_only=True) as session:
            rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
            return [(e.action, e.username, json.loads(e.details or "{}")) for e in rows]
    finally:
        database.dispose()


def operator_row(db: Path, username: str) -> tuple[int, object, bool]:
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session(read_only=True) as session:
            row = session.scalars(select(Operator).where(Operator.username == username)).one()
            return row.failed_sign_ins or 0, row.locked_until, row.is_active
    finally:
        database.dispose()


def set_operator(db: Path, username: str, **values: object) -> None:
    database = open_database(f"sqlite:///{db}")
    with database.session() as session:
        row = session.scalars(select(Operator).where(Operator.username == username)).one()
        for name, value in values.items():
            setattr(row, name, value)
        session.commit()
    database.dispose()


# -- the table of doors -------------------------------------------------------------------


def _command_names(parser: argparse.ArgumentParser) -> set[str]:
    """Every command and sub-command the parser knows, as DOORS names them."""
    names: set[str] = set()
    for action in parser._subparsers._group_actions if parser._subparsers else []:
        assert isinstance(action, argparse._SubParsersAction)
        for command, sub in action.choices.items():
            inner = [
                a for a in sub._actions if isinstance(a, argparse._SubParsersAction)
            ]  # the command's own sub-commands
            if not inner or not inner[0].required:
                names.add(command)
            for child in inner[0].choices if inner else []:
                names.add(f"{command} {child}")
    return names


def _readme_doors() -> dict[str, tuple[str, str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Who may run which command", 1)[1].split("\n#", 1)[0]
    rows = re.findall(r"^\| `([^`]+)`[^|]*\| ([^|]+) \| ([^|]+) \|$", section, re.MULTILINE)
    return {
        name: (sign_in.strip(), role.strip())
        for name, sign_in, role in rows
        if not name.startswith("--")  # --version, --self-test: options, not commands
    }


def test_every_command_has_a_door_and_the_readme_lists_it() -> None:
    assert _command_names(build_parser()) == set(DOORS)
    listed = _readme_doors()
    # A sub-command with a door of its own (`outreach stop list`) has a row of its own.
    sub_doors = {f"{command} {value}": door for (command, _, value), door in SUB_DOORS.items()}
    assert set(listed) == set(DOORS) | set(sub_doors)
    for name, door in {**DOORS, **sub_doors}.items():
        sign_in, role = listed[name]
        if door.action is None:
            assert (sign_in, role) == ("no", "—"), name
            continue
        assert role == MINIMUM_ROLE[door.action].value, name
        expected = "no while no admin can sign in, else yes" if door.open_while_no_admin else "yes"
        assert sign_in == expected, name


# -- protected commands -------------------------------------------------------------------


def _sample_commands(tmp_path: Path) -> dict[str, tuple[list[str], Role, Path | None]]:
    """command -> (its words, the lowest role allowed, a file it would write)."""
    backup = tmp_path / "sao-luu.sqlite3"
    sheet = write_xlsx(tmp_path / "ho-so.xlsx", good_rows())
    number = id_number_for(date(1990, 3, 15), "Nữ", 7)
    case = ["--id-number", number, "--level", "1"]
    return {
        "details": (["details", "--out", str(tmp_path / "ct.xlsx")], Role.MANAGER, None),
        "purge": (["purge", "--yes"], Role.ADMIN, None),
        "backup": (["backup", "--out", str(backup)], Role.ADMIN, backup),
        "restore": (["restore", str(backup), "--yes"], Role.ADMIN, None),
        "package export": (
            ["package", "export", "--out", str(tmp_path / "goi.kpkg")],
            Role.MANAGER,
            None,
        ),
        "conflicts list": (["conflicts", "list"], Role.MANAGER, None),
        "records import": (["records", "import", str(sheet)], Role.MANAGER, None),
        "demo": (["demo", "--records", "3", "--force"], Role.ADMIN, None),
        "guide allow-domain": (["guide", "allow-domain", "soctrang.gov.vn"], Role.ADMIN, None),
        "slip": (
            ["slip", *case, "--out", str(tmp_path / "phieu.pdf")],
            Role.OPERATOR,
            None,
        ),
        "case correct": (
            ["case", "correct", *case, "--phone", "0987654321", "--reason", "Công dân báo"],
            Role.OPERATOR,
            None,
        ),
        "account create": (
            ["account", "create", "moi.cb", "--role", "operator", "--password-stdin"],
            Role.ADMIN,
            None,
        ),
        "init": (["init"], Role.MANAGER, None),
    }


SAMPLE = [
    "details",
    "purge",
    "backup",
    "restore",
    "package export",
    "conflicts list",
    "records import",
    "demo",
    "guide allow-domain",
    "slip",
    "case correct",
    "account create",
    "init",
]
BY_RANK = [Role.OPERATOR, Role.MANAGER, Role.ADMIN]
USER_OF = {role: name for name, role in ROLES.items()}


@pytest.mark.parametrize("name", SAMPLE)
@pytest.mark.usefixtures("qapp")  # `slip` paints: with the test's QApplication, not its own
def test_a_protected_command_refuses_nobody_and_a_lower_role_and_serves_its_own(
    monkeypatch: pytest.MonkeyPatch, db: Path, tmp_path: Path, name: str
) -> None:
    words, lowest, writes = _sample_commands(tmp_path)[name]
    if name == "restore":  # something to restore from, made by an administrator
        assert cli(monkeypatch, db, "backup", "--out", words[1], who="quan.tri")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-moi-1\n"))
    before = entries(db)

    code, _out, err = cli(monkeypatch, db, *words)
    assert code == EXIT_SIGN_IN, err
    assert "cần đăng nhập" in err and USER_ENV in err and PASSWORD_ENV in err
    assert entries(db) == before  # nothing done, nothing logged
    assert writes is None or not writes.exists()

    rank = BY_RANK.index(lowest)
    if rank > 0:
        below = USER_OF[BY_RANK[rank - 1]]
        code, _out, err = cli(monkeypatch, db, *words, who=below)
        assert code == EXIT_FORBIDDEN, err
        assert f"Tài khoản «{below}»" in err and "không có quyền" in err
        assert writes is None or not writes.exists()
        assert [e[0] for e in entries(db)[len(before) :]] == ["sign_in"]  # only the sign-in
        before = entries(db)

    person = USER_OF[lowest]
    code, _out, err = cli(monkeypatch, db, *words, who=person)
    assert code == 0, err
    if name == "restore":  # the database is now the copy: the restore is its last entry
        assert entries(db)[-1][:2] == ("restore", person)
        return
    done = entries(db)[len(before) :]
    assert done[0][:2] == ("sign_in", person)
    assert done[0][2] == {"command": name}
    # Whatever the command logged, it is logged as that person, never as `cli:<OS user>`.
    assert {username for _action, username, _details in done} == {person}


def test_the_command_is_audited_as_the_person_who_signed_in(
    monkeypatch: pytest.MonkeyPatch, db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "ct.xlsx"
    code, _out, err = cli(monkeypatch, db, "details", "--out", str(out), who="quan.ly")
    assert code == 0, err
    action, username, _details = entries(db)[-1]
    assert (action, username) == ("detail_export", "quan.ly")
    assert out.is_file()


# -- the account checks of the window -----------------------------------------------------


def test_a_wrong_password_is_counted_and_five_lock_the_account(
    monkeypatch: pytest.MonkeyPatch, db: Path, tmp_path: Path
) -> None:
    monkeypatch.setenv(USER_ENV, "quan.ly")
    monkeypatch.setenv(PASSWORD_ENV, "sai-mat-khau-1")
    words = ["details", "--out", str(tmp_path / "ct.xlsx")]
    for attempt in range(1, MAX_FAILED_SIGN_INS):
        code, _out, err = cli(monkeypatch, db, *words)
        assert code == EXIT_SIGN_IN and "Sai tên đăng nhập hoặc mật khẩu" in err
        assert operator_row(db, "quan.ly")[0] == attempt
    code, _out, err = cli(monkeypatch, db, *words)
    assert code == EXIT_SIGN_IN and "tạm khóa" in err
    assert operator_row(db, "quan.ly")[1] is not None
    # Locked: even the right password is refused, as in the window.
    code, _out, err = cli(monkeypatch, db, *words, who="quan.ly")
    assert code == EXIT_SIGN_IN and "tạm khóa" in err
    assert not (tmp_path / "ct.xlsx").exists()
    actions = [action for action, _user, _details in entries(db)]
    assert actions.count("sign_in_failed") == MAX_FAILED_SIGN_INS + 1
    assert actions.count("account_locked") == 1


def test_a_disabled_account_is_refused(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    set_operator(db, "quan.ly", is_active=False)
    code, _out, err = cli(monkeypatch, db, "conflicts", "list", who="quan.ly")
    assert code == EXIT_SIGN_IN and "ngừng hoạt động" in err


def test_typed_on_the_terminal_without_echo(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    asked: list[str] = []

    def hidden(prompt: str) -> str:
        asked.append(prompt)
        return PASSWORDS["quan.ly"]

    monkeypatch.setattr("sys.stdin", Terminal("quan.ly\nquan.ly\n"))
    monkeypatch.setattr("getpass.getpass", hidden)
    assert read_credentials() == ("quan.ly", PASSWORDS["quan.ly"])
    assert asked == ["Mật khẩu của «quan.ly»: "]
    code, out, err = cli(monkeypatch, db, "conflicts", "list")
    assert code == 0, err
    assert "0 hồ sơ chờ quyết định" in out
    assert entries(db)[-1][:2] == ("sign_in", "quan.ly")
    monkeypatch.setattr("sys.stdin", Terminal(""))  # Ctrl+D at the prompt
    code, _out, err = cli(monkeypatch, db, "conflicts", "list")
    assert code == EXIT_SIGN_IN and "Chưa đăng nhập" in err


def test_case_correct_is_the_signed_in_persons_correction(
    monkeypatch: pytest.MonkeyPatch, db: Path
) -> None:
    number = id_number_for(date(1990, 3, 15), "Nữ", 7)
    words = ["case", "correct", "--id-number", number, "--level", "1", "--reason", "Báo mới"]
    code, _out, err = cli(
        monkeypatch, db, *words, "--phone", "0987654321", "--operator", "lan.nt", who="can.bo"
    )
    assert code == 1 and "khác người đăng nhập «can.bo»" in err
    code, _out, err = cli(
        monkeypatch, db, *words, "--phone", "0987654321", "--operator", "can.bo", who="can.bo"
    )
    assert code == 0, err
    assert entries(db)[-1][:2] == ("case_corrected", "can.bo")
    database = open_database(f"sqlite:///{db}")
    with database.session(read_only=True) as session:  # at the operator's own point
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        home = session.scalars(
            select(IntakePoint).where(IntakePoint.name.like("Công an xã Phú Tâm"))
        ).one()
        assert entry is not None and entry.point_code == home.code
    database.dispose()


# -- open commands ------------------------------------------------------------------------


def test_commands_without_personal_data_stay_open(
    monkeypatch: pytest.MonkeyPatch, db: Path, tmp_path: Path
) -> None:
    for words in (
        ["tally", "--as-of", "2023-08-01"],
        ["report", "--as-of", "2023-08-01", "--out", str(tmp_path / "bc.xlsx")],
        ["audit", "verify"],
        ["records", "template", "--out", str(tmp_path / "mau.xlsx")],
    ):
        code, _out, err = cli(monkeypatch, db, *words)
        assert code == 0, err
    assert entries(db)[-1][:2] == ("report_export", OS_USER)
    assert "sign_in" not in [action for action, _user, _details in entries(db)]


# -- the first account, and getting back in -----------------------------------------------


def test_the_first_account_needs_no_sign_in_and_only_the_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db = tmp_path / "moi.sqlite3"
    code, _out, err = cli(monkeypatch, db, "init")  # the first init: open
    assert code == 0, err
    code, _out, err = cli(monkeypatch, db, "details", "--out", str(tmp_path / "x.xlsx"))
    assert code == EXIT_SIGN_IN and FIRST_ADMIN_HINT in err

    monkeypatch.setenv(PASSWORD_ENV, "mat-khau-dau-tien-1")
    code, _out, err = cli(monkeypatch, db, "account", "create", "can.bo", "--role", "operator")
    assert code == 1 and "--role admin" in err
    code, out, err = cli(
        monkeypatch, db, "account", "create", "Sep", "--role", "admin", "--name", "Trần Văn Sếp"
    )
    assert code == 0, err
    assert "Đã tạo tài khoản «sep» (quản trị viên)" in out
    action, username, details = entries(db)[-1]
    assert (action, username, details) == (
        "account_created",
        OS_USER,
        {"account": "sep", "role": "admin"},
    )
    database = open_database(f"sqlite:///{db}")
    with database.session() as session:
        authenticate(session, "sep", "mat-khau-dau-tien-1", None)
    database.dispose()

    # An administrator exists: creating an account (and init) needs them now.
    for words in (["account", "create", "lan", "--role", "operator"], ["init"]):
        code, _out, err = cli(monkeypatch, db, *words)
        assert code == EXIT_SIGN_IN and "cần đăng nhập" in err
    monkeypatch.setenv(USER_ENV, "sep")
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-cua-lan-1\n"))
    code, _out, err = cli(
        monkeypatch, db, "account", "create", "lan", "--role", "operator", "--password-stdin"
    )
    assert code == 0, err
    assert entries(db)[-1][:2] == ("account_created", "sep")
    with open_database(f"sqlite:///{db}").session() as session:
        assert session.scalar(select(func.count()).select_from(Operator)) == 2


def _lock(db: Path, username: str) -> None:
    database = open_database(f"sqlite:///{db}")
    for _ in range(MAX_FAILED_SIGN_INS):
        with database.session() as session, pytest.raises(SignInError):
            authenticate(session, username, "sai-mat-khau-1", None)
    database.dispose()


def test_recovery_commands_open_only_while_no_admin_can_sign_in(
    monkeypatch: pytest.MonkeyPatch, db: Path
) -> None:
    _lock(db, "can.bo")
    unlock = ["account", "unlock", "can.bo"]
    code, _out, err = cli(monkeypatch, db, *unlock)
    assert code == EXIT_SIGN_IN and "cần đăng nhập" in err  # the administrator can sign in
    code, _out, err = cli(monkeypatch, db, *unlock, who="quan.ly")
    assert code == EXIT_FORBIDDEN and "quản lý tài khoản" in err
    code, _out, err = cli(monkeypatch, db, *unlock, who="quan.tri")
    assert code == 0, err
    assert entries(db)[-1][:2] == ("account_unlocked", "quan.tri")

    _lock(db, "quan.tri")  # the only administrator locked out: open, logged as the OS user
    code, out, err = cli(monkeypatch, db, "account", "unlock", "quan.tri")
    assert code == 0, err
    assert "Đã mở khóa" in out
    assert "Không quản trị viên nào đăng nhập được" in err
    assert entries(db)[-1][:2] == ("account_unlocked", OS_USER)

    set_operator(db, "quan.tri", is_active=False)  # disabled: open too
    monkeypatch.setattr("sys.stdin", io.StringIO("mat-khau-moi-2\n"))
    code, _out, err = cli(
        monkeypatch, db, "account", "reset-password", "can.bo", "--password-stdin"
    )
    assert code == 0, err
    assert entries(db)[-1][:2] == ("password_reset", OS_USER)
    # ... but never for the commands that read personal data.
    code, _out, err = cli(monkeypatch, db, "conflicts", "list")
    assert code == EXIT_SIGN_IN
