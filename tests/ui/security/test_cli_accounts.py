"""`account unlock` and `account reset-password`: back in when the only administrator is
locked out, as an administrator at the counter PC types them or a script runs them."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from models.codes import Role
from models.entities import AuditEntry, Operator
from services.security.accounts import (
    MAX_FAILED_SIGN_INS,
    SignInError,
    authenticate,
    create_operator,
    verify_password,
)
from services.upkeep.database import open_database
from tests.paths import ROOT
from tests.test_cli import NOBODY, run

PASSWORD = "matkhau123"
NEW_PASSWORD = "moi-2024-an-toan"
AS_ADMIN = {"KICHHOAT_USER": "admin", "KICHHOAT_PASSWORD": PASSWORD}


def run_with_input(db: Path, *args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", f"sqlite:///{db}", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **NOBODY},
        cwd=ROOT,
        timeout=300,
    )


@pytest.fixture
def locked_admin(tmp_path: Path) -> Path:
    """A database whose only administrator typed five wrong passwords."""
    db = tmp_path / "kichhoat.sqlite3"
    run("init", db=db)
    database = open_database(f"sqlite:///{db}")
    with database.session() as session:
        create_operator(
            session, username="admin", full_name="Quản Trị Viên", password=PASSWORD, role=Role.ADMIN
        )
        session.commit()
    for _ in range(MAX_FAILED_SIGN_INS):
        with database.session() as session, pytest.raises(SignInError):
            authenticate(session, "admin", "sai-mat-khau-1", None)
    with database.session() as session, pytest.raises(SignInError, match="account unlock admin"):
        authenticate(session, "admin", PASSWORD, None)  # the right password: still locked
    database.dispose()
    return db


def admin_row(db: Path) -> tuple[str | None, object, int]:
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            admin = session.scalars(select(Operator).where(Operator.username == "admin")).one()
            return admin.password_hash, admin.locked_until, admin.failed_sign_ins or 0
    finally:
        database.dispose()


def last_entry(db: Path) -> AuditEntry:
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
            assert entry is not None
            return entry
    finally:
        database.dispose()


def signs_in(db: Path, password: str) -> bool:
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            try:
                authenticate(session, "admin", password, None)
            except SignInError:
                return False
            session.commit()
            return True
    finally:
        database.dispose()


def test_unlock_lifts_the_lockout_and_is_audited(locked_admin: Path) -> None:
    db = locked_admin
    result = run("account", "unlock", "Admin", db=db)  # typed with a capital: the same account
    assert result.returncode == 0
    assert "Đã mở khóa tài khoản «admin»" in result.stdout
    _hash, locked_until, failed = admin_row(db)
    assert locked_until is None and failed == 0
    entry = last_entry(db)
    assert entry.action == "account_unlocked"
    assert entry.username == f"cli:{getpass.getuser()}"
    assert json.loads(entry.details)["account"] == "admin"
    assert signs_in(db, PASSWORD)

    # An administrator can sign in again: from now on the command needs one.
    refused = run("account", "unlock", "admin", db=db, env=NOBODY, check=False)
    assert refused.returncode == 3 and "cần đăng nhập" in refused.stderr
    again = run("account", "unlock", "admin", db=db, env=AS_ADMIN)
    assert again.returncode == 0 and "không bị khóa" in again.stdout
    assert last_entry(db).action == "sign_in"  # nothing logged for nothing done
    assert run("audit", "verify", db=db).returncode == 0


def test_an_unknown_account_is_a_user_error(locked_admin: Path) -> None:
    for command in (("account", "unlock", "khong.co"), ("account", "reset-password", "khong.co")):
        result = run(*command, db=locked_admin, check=False)
        assert result.returncode == 1
        assert "Không có tài khoản «khong.co»" in result.stderr
        assert "Tài khoản quản trị viên: admin" in result.stderr
    assert last_entry(locked_admin).action == "sign_in_failed"


def test_reset_password_from_stdin_follows_the_rules_and_unlocks(locked_admin: Path) -> None:
    db = locked_admin
    before, _, _ = admin_row(db)
    weak = run_with_input(
        db, "account", "reset-password", "admin", "--password-stdin", stdin="ngan\n"
    )
    assert weak.returncode == 1 and "Mật khẩu quá ngắn" in weak.stderr
    letters = run_with_input(
        db, "account", "reset-password", "admin", "--password-stdin", stdin="chicochuthoi\n"
    )
    assert letters.returncode == 1 and "cả chữ cái và chữ số" in letters.stderr
    assert admin_row(db)[0] == before  # nothing changed

    result = run_with_input(
        db, "account", "reset-password", "admin", "--password-stdin", stdin=f"{NEW_PASSWORD}\n"
    )
    assert result.returncode == 0, result.stderr
    assert "Đã đặt mật khẩu mới cho tài khoản «admin»" in result.stdout
    password_hash, locked_until, failed = admin_row(db)
    assert password_hash is not None and verify_password(password_hash, NEW_PASSWORD)
    assert locked_until is None and failed == 0
    entry = last_entry(db)
    assert entry.action == "password_reset" and entry.username.startswith("cli:")
    assert NEW_PASSWORD not in entry.details and NEW_PASSWORD not in entry.summary
    assert not signs_in(db, PASSWORD) and signs_in(db, NEW_PASSWORD)
    assert run("audit", "verify", db=db).returncode == 0


def test_reset_password_without_a_terminal_says_how(locked_admin: Path) -> None:
    before = admin_row(locked_admin)
    result = run_with_input(locked_admin, "account", "reset-password", "admin", stdin="")
    assert result.returncode == 1
    assert "--password-stdin" in result.stderr
    assert admin_row(locked_admin) == before


def test_typed_twice_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --password-stdin the password is asked twice, hidden; a mismatch is refused."""
    from services.common.errors import UserError
    from ui.security import cli_accounts

    class Terminal:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Terminal())
    answers = iter([NEW_PASSWORD, NEW_PASSWORD, NEW_PASSWORD, "khac-1234"])
    monkeypatch.setattr("getpass.getpass", lambda _prompt: next(answers))
    assert cli_accounts.read_new_password(from_stdin=False) == NEW_PASSWORD
    with pytest.raises(UserError, match="không khớp"):
        cli_accounts.read_new_password(from_stdin=False)
