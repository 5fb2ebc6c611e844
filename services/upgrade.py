"""Upgrading a database made by an earlier version: a copy first, then the migrations.

A new version of the app migrates the schema at start-up; if that ever went wrong the
intake point would lose its cases. So before the first migration step runs on an SQLite
file that already holds data, the whole file is copied with SQLite's online backup API
(consistent even in WAL mode and while another process reads it) to
`<data folder>/backups/before-upgrade-<revision>-<time>.sqlite3`. PostgreSQL is the
server administrator's to back up; a new, empty database has nothing to lose.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from models.migrate import HEAD_REVISION, current_revision
from services.errors import StorageError

log = logging.getLogger(__name__)

BACKUP_PREFIX = "before-upgrade-"


def sqlite_file(engine: Engine) -> Path | None:
    """The database file behind an SQLite engine (None for memory or other databases)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def backup_name(revision: str, moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return f"{BACKUP_PREFIX}{revision}-{moment:%Y%m%d-%H%M%S}.sqlite3"


def copy_sqlite(engine: Engine, target: Path) -> Path:
    """Copy the live database to `target` with the online backup API; the file appears
    whole or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        destination = sqlite3.connect(partial)
        try:
            source.backup(destination)
        finally:
            destination.close()
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    return target


def backup_before_upgrade(engine: Engine, backups: Path) -> Path | None:
    """If `engine` is an SQLite file made by an earlier version, copy it into `backups` and
    return the copy; otherwise (up to date, brand new, not SQLite) do nothing.

    Raises `StorageError` when the copy cannot be made: the caller must then not migrate."""
    if sqlite_file(engine) is None:
        return None
    revision = current_revision(engine)
    # The constant, not Alembic's script reader: importing Alembic on every start of an
    # up-to-date database cost a third of the start-up.
    if revision is None or revision == HEAD_REVISION:
        return None
    target = backups / backup_name(revision)
    try:
        copy_sqlite(engine, target)
    except (OSError, sqlite3.Error) as error:
        raise StorageError(
            f"Cần nâng cấp cơ sở dữ liệu lên phiên bản mới nhưng không sao lưu được trước "
            f"vào «{backups}»: {error}. Chưa thay đổi gì. Giải phóng ổ đĩa hoặc kiểm tra quyền "
            "ghi thư mục rồi mở lại."
        ) from error
    log.info("Database at revision %s backed up before upgrade to %s", revision, target.name)
    return target
