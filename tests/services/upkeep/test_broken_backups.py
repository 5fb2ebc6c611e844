"""A backup that is broken says why in Vietnamese: cut short, its pages scrambled, or not a
database at all (found by the black-box probe: `restore` of a truncated copy printed
SQLite's «database disk image is malformed»)."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.entities import Case
from services.common.errors import UserError
from services.upkeep.backup import (
    BackupCheckError,
    check_backup,
    create_backup,
    database_file,
    integrity_problem,
    restore_backup,
)
from services.upkeep.database import Database
from services.upkeep.encrypted_backup import write_encrypted_copy
from tests.factories import CLI
from tests.paths import DATA

ENGLISH = re.compile(
    r"\b(database|disk|image|malformed|file|error|unable|open|integrity|page|btree|tree|"
    r"found|never|used|cell|row|missing|wrong|corrupt|encrypted|is|not|of|in)\b",
    re.IGNORECASE,
)


def english_words(text: str) -> list[str]:
    """SQLite's English words in a message."""
    return ENGLISH.findall(text)


@pytest.fixture
def copy(database: Database, tmp_path: Path) -> bytes:
    if not database.is_sqlite:
        pytest.skip("backups are SQLite's")
    made = create_backup(database, CLI, tmp_path / "ban-sao.sqlite3")
    return made.read_bytes()


@pytest.mark.parametrize("damage", ["cut", "scrambled", "header-only"])
def test_a_broken_copy_is_refused_in_vietnamese(copy: bytes, tmp_path: Path, damage: str) -> None:
    broken = tmp_path / "hong.sqlite3"
    if damage == "cut":
        broken.write_bytes(copy[: len(copy) // 3])
    elif damage == "scrambled":
        page = 4096
        broken.write_bytes(copy[: 2 * page] + bytes(range(256)) * 16 + copy[3 * page :])
    else:
        broken.write_bytes(copy[:100])
    with pytest.raises(BackupCheckError) as refused:
        check_backup(broken)
    message = str(refused.value)
    assert "hong.sqlite3" in message and not english_words(message.replace("hong.sqlite3", ""))
    problem = integrity_problem(broken)
    assert problem is not None and not english_words(problem)


def test_sqlite_still_opens_the_intact_copy(copy: bytes, tmp_path: Path) -> None:
    whole = tmp_path / "nguyen.sqlite3"
    whole.write_bytes(copy)
    assert integrity_problem(whole) is None
    with sqlite3.connect(whole) as raw:
        assert raw.execute("SELECT count(*) FROM cases").fetchone() is not None


def test_a_copy_of_another_page_size_restores(database: Database, tmp_path: Path) -> None:
    """The first schema's database (`tests/data/kichhoat-0001.sqlite`, 1 KB pages) onto a
    database in WAL mode with 4 KB pages: SQLite's backup refuses that («attempt to write a
    readonly database», found by the black-box probe). The restore rewrites it to the
    database's page size in memory first, then migrates it as any older copy."""
    if not database.is_sqlite:
        pytest.skip("backups are SQLite's")
    old = tmp_path / "cu.sqlite3"
    shutil.copyfile(DATA / "kichhoat-0001.sqlite", old)
    with sqlite3.connect(old) as raw:
        cases = raw.execute("SELECT count(*) FROM cases").fetchone()[0]
        assert raw.execute("PRAGMA page_size").fetchone()[0] == 1024
    result = restore_backup(database, CLI, old, tmp_path / "sao-luu")
    assert result.restored_from.cases == cases > 0
    with database.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Case)) == cases
    assert integrity_problem(database_file(database)) is None
    assert not [p for p in tmp_path.rglob("*") if "memdb" in p.name or "restore" in p.name]


@pytest.mark.parametrize("damage", ["cut", "flipped"])
def test_a_damaged_encrypted_backup_is_called_a_backup(
    database: Database, tmp_path: Path, damage: str
) -> None:
    """The purge's encrypted copy, cut short or with a byte changed: refused as a damaged
    backup to restore from another one, not as «Gói … không nhập gì. Xin người gửi gửi lại
    tệp gốc» (a package's words, found by the black-box probe). A wrong passphrase still
    says so."""
    if not database.is_sqlite:
        pytest.skip("backups are SQLite's")
    passphrase = "mưa-xôi-đèo-hành-quà"
    whole = write_encrypted_copy(database.engine, tmp_path / "truoc-xoa.sqlite3.enc", passphrase)
    data = whole.read_bytes()
    broken = tmp_path / "hong.sqlite3.enc"
    if damage == "cut":
        broken.write_bytes(data[: len(data) - 40])
    else:
        middle = len(data) // 2
        broken.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :])
    with pytest.raises(UserError) as refused:
        check_backup(broken, passphrase)
    message = str(refused.value)
    assert "bản sao lưu" in message and "hong.sqlite3.enc" in message
    assert "Gói" not in message and "nhập" not in message
    with pytest.raises(UserError, match="Sai mật khẩu"):
        check_backup(whole, "mot-mat-khau-sai-hoan-toan")
