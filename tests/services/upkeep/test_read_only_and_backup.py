"""A database in a read-only folder or on a read-only medium is still read and copied out
(`tally`, `report`, `audit verify`, `backup`), with nothing written beside it; a backup to
another disk is one self-contained file, made whole or not at all.

Tests run as root, for whom every folder is writable: "cannot be written" is simulated
by monkeypatching the detection (`is_writable`, itself tested with `os.access` patched)."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

import services.upkeep.backup
import services.upkeep.database
import services.upkeep.upgrade
from models.codes import Role
from services.cases.demo import generate_demo
from services.common.errors import StorageError
from services.common.vntime import parse_iso_day
from services.counting.tally import TallyBy, tally
from services.security.accounts import create_operator
from services.security.audit import verify_chain
from services.upkeep.backup import create_backup
from services.upkeep.database import is_writable, open_database
from tests.factories import CLI
from tests.paths import ROOT as TREE_ROOT
from tests.test_cli import ADMIN, ADMIN_PASSWORD, SIGNED_IN
from ui.shell.cli import parse_args, run_command

ROOT = TREE_ROOT
AS_OF = parse_iso_day("2023-08-31")


@pytest.fixture(autouse=True)
def signed_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """`backup` needs an administrator: the one `filled` creates."""
    for name, value in SIGNED_IN.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def filled(sqlite_template: Path, tmp_path: Path) -> Path:
    """A database with cases, audit entries and an administrator, closed (no -wal/-shm), in
    its own folder."""
    folder = tmp_path / "o-dia-chi-doc"
    folder.mkdir()
    path = folder / "kichhoat.sqlite3"
    shutil.copyfile(sqlite_template, path)
    database = open_database(f"sqlite:///{path}")
    with database.session() as session:
        generate_demo(session, 60, seed=3)
        create_operator(
            session, username=ADMIN, full_name=ADMIN, password=ADMIN_PASSWORD, role=Role.ADMIN
        )
        session.commit()
    create_backup(database, CLI, tmp_path / "truoc.sqlite3")  # an audit entry
    database.dispose()
    assert sorted(p.name for p in folder.iterdir()) == ["kichhoat.sqlite3"]
    return path


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def _not_writable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services.upkeep.database, "is_writable", lambda path: False)


def test_is_writable_asks_for_the_folder_and_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kichhoat.sqlite3"
    path.touch()
    denied: set[Path] = set()
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) not in denied)
    assert is_writable(path)
    denied = {tmp_path}  # a read-only folder: no -wal/-shm could be made there
    assert not is_writable(path)
    denied = {path}
    assert not is_writable(path)


def test_a_read_only_open_writes_nothing_and_reads_everything(
    filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _not_writable(monkeypatch)
    folder = filled.parent
    before = _snapshot(folder)
    filled.chmod(stat.S_IRUSR)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        database = open_database(f"sqlite:///{filled}", read_only=None)
        assert database.read_only
        with database.session(read_only=True) as session:
            counts = tally(session, AS_OF, TallyBy.DISTRICT)
            assert verify_chain(session).ok
        notes: list[str] = []
        out = tmp_path / "ra-o-khac"
        out.mkdir()
        copy = create_backup(database, CLI, out / "sao-luu.sqlite3", notes)
        with pytest.raises(StorageError), database.session() as session:
            _write_something(session)
        database.dispose()
    finally:
        folder.chmod(stat.S_IRWXU)
        filled.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert _snapshot(folder) == before  # no -wal/-shm, the file untouched
    assert counts.total.level1 + counts.total.level2 > 0
    assert [p.name for p in out.iterdir()] == ["sao-luu.sqlite3"]
    assert notes and "nhật ký" in notes[0]
    monkeypatch.undo()
    reopened = open_database(f"sqlite:///{copy}", migrate=False)
    with reopened.session(read_only=True) as session:
        assert tally(session, AS_OF, TallyBy.DISTRICT) == counts
    reopened.dispose()


def _write_something(session: Session) -> None:
    from sqlalchemy import text

    session.execute(text("INSERT INTO settings (key, value) VALUES ('x', '1')"))
    session.flush()


def test_the_read_only_commands_work_on_a_folder_that_cannot_be_written(
    filled: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _not_writable(monkeypatch)
    folder = filled.parent
    before = _snapshot(folder)
    db = ["--db", f"sqlite:///{filled}"]
    for command in (
        ["tally", "--as-of", "2023-08-31", "--json"],
        ["audit", "verify"],
        ["backup", "--out", str(tmp_path / "sao-luu.sqlite3")],
        ["report", "--as-of", "2023-08-31", "--out", str(tmp_path / "bao-cao.xlsx")],
    ):
        assert run_command(parse_args([*db, *command])) == 0, capsys.readouterr().err
    assert _snapshot(folder) == before
    error = capsys.readouterr().err
    assert "chỉ đọc" in error
    assert "lần đăng nhập này không được ghi vào nhật ký" in error  # `backup` signed in
    assert (tmp_path / "bao-cao.xlsx").is_file()
    # a command that writes says why it cannot, in Vietnamese
    assert run_command(parse_args([*db, "demo", "--records", "1"])) == 1
    assert "chỉ cho đọc" in capsys.readouterr().err


@pytest.mark.parametrize("companion", ["-wal", "-shm"])
def test_immutable_only_on_a_cleanly_closed_file(filled: Path, companion: str) -> None:
    uri = services.upkeep.database._read_only_uri
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services.upkeep.database, "is_writable", lambda path: False)
        assert uri(filled).endswith("mode=ro&immutable=1")
        filled.with_name(filled.name + companion).write_bytes(b"\0" * 32)
        assert uri(filled).endswith("mode=ro")  # immutable would not read the WAL
    filled.with_name(filled.name + companion).unlink()
    assert uri(filled).endswith("mode=ro")  # a writer may exist: never immutable


def test_a_read_only_database_that_needs_an_upgrade_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "cu.sqlite3"
    shutil.copyfile(ROOT / "tests" / "data" / "kichhoat-0001.sqlite", old)
    before = old.stat().st_mtime_ns
    _not_writable(monkeypatch)
    with pytest.raises(StorageError, match="cần được nâng cấp"):
        open_database(f"sqlite:///{old}", read_only=None)
    assert old.stat().st_mtime_ns == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cu.sqlite3"]


def test_a_backup_is_one_self_contained_file(filled: Path, tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{filled}")
    out = tmp_path / "o-khac"
    out.mkdir()
    copy = create_backup(database, CLI, out / "sao-luu.sqlite3")
    database.dispose()
    assert copy.read_bytes()[18:20] == b"\x01\x01"  # a rollback journal, not WAL
    connection = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
    assert connection.execute("SELECT count(*) FROM cases").fetchone()[0] > 0
    connection.close()
    assert [p.name for p in out.iterdir()] == ["sao-luu.sqlite3"]


@pytest.mark.parametrize(
    "failure",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        sqlite3.OperationalError("database or disk is full"),
    ],
)
def test_a_full_target_disk_leaves_no_partial_file(
    filled: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: Exception,
) -> None:
    def half_written(source: sqlite3.Connection, partial: Path) -> None:
        partial.write_bytes(b"SQLite format 3\x00" + b"\0" * 4096)
        raise failure

    monkeypatch.setattr(services.upkeep.upgrade, "write_copy", half_written)
    out = tmp_path / "o-day"
    out.mkdir()
    args = ["--db", f"sqlite:///{filled}", "backup", "--out", str(out / "sao-luu.sqlite3")]
    assert run_command(parse_args(args)) == 1
    error = capsys.readouterr().err
    assert "Ổ đĩa đã đầy" in error and str(out) in error
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("failure", "said"),
    [
        (OSError(errno.EROFS, "Read-only file system", "x.part"), "ổ đĩa chỉ cho đọc"),
        (OSError(errno.EACCES, "Permission denied", "x.part"), "không có quyền ghi"),
    ],
)
def test_a_target_folder_that_refuses_is_said_in_vietnamese(
    filled: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failure: OSError,
    said: str,
) -> None:
    def refused(source: sqlite3.Connection, partial: Path) -> None:
        raise failure

    monkeypatch.setattr(services.upkeep.upgrade, "write_copy", refused)
    target = tmp_path / "sao-luu.sqlite3"
    args = ["--db", f"sqlite:///{filled}", "backup", "--out", str(target)]
    assert run_command(parse_args(args)) == 1
    error = capsys.readouterr().err
    assert said in error and str(target) in error
    assert "Errno" not in error and str(failure.strerror) not in error
    assert not target.exists()


def test_a_full_source_disk_still_gives_the_copy(
    filled: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def full(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database or disk is full"))

    monkeypatch.setattr(services.upkeep.backup, "write_audit", full)
    target = tmp_path / "sao-luu.sqlite3"
    args = ["--db", f"sqlite:///{filled}", "backup", "--out", str(target)]
    assert run_command(parse_args(args)) == 0
    captured = capsys.readouterr()
    assert "Đã sao lưu và kiểm tra" in captured.out
    assert "không ghi được vào nhật ký" in captured.err
    assert target.is_file()
