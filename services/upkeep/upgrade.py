"""Upgrading a database made by an earlier version: a copy first, then the migrations.

A new version of the app migrates the schema at start-up; if that ever went wrong the
intake point would lose its cases. So before the first migration step runs on an SQLite
file that already holds data, the whole file is copied with SQLite's online backup API
(consistent even in WAL mode and while another process reads it) to
`<data folder>/backups/<database name>-<hash>/before-upgrade-<revision>-<time>.sqlite3`,
beside that database's other copies (so that the purge finds and deletes it with them).
PostgreSQL is the server administrator's to back up; a new, empty database has nothing to
lose.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from models.migrate import HEAD_REVISION, current_revision
from services.common.errors import StorageError, failure_reason

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


def database_backups_folder(root: Path, db_path: Path) -> Path:
    """The folder of the backups of the database file `db_path` under the backups folder
    `root`: `<root>/<name>-<hash of its full path>`, one per database, so that a start-up
    never offers another database's copy and the purge deletes only this one's."""
    tag = hashlib.sha256(str(db_path.resolve()).encode("utf-8")).hexdigest()[:8]
    return root / f"{db_path.stem}-{tag}"


def backup_name(revision: str, moment: datetime | None = None) -> str:
    moment = moment or datetime.now(UTC)
    return f"{BACKUP_PREFIX}{revision}-{moment:%Y%m%d-%H%M%S}.sqlite3"


def write_copy(source: sqlite3.Connection, partial: Path) -> None:
    """Copy every page of `source` into a new file at `partial`, synced to its disk.

    The copy is one self-contained file: its header is switched from WAL to a rollback
    journal, so opening it (even read-only) makes no -wal/-shm beside it. Nothing is
    written on the source's disk."""
    destination = sqlite3.connect(partial, isolation_level=None)
    try:
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()
    with partial.open("rb+") as handle:
        os.fsync(handle.fileno())


def sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows has no folder handles to sync)."""
    if os.name == "nt":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError:  # some file systems (a FAT stick) refuse it: the copy is written all the same
        log.warning("Could not sync the folder %s after a copy", folder)


def copy_sqlite(
    engine: Engine, target: Path, check: Callable[[Path], str | None] | None = None
) -> Path:
    """Copy the live database to `target` with the online backup API, through a temporary
    file in the target's folder: the file appears whole (and, with `check`, checked: it
    returns what is wrong, or None) or not at all."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.part")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        assert isinstance(source, sqlite3.Connection)
        write_copy(source, partial)
        problem = check(partial) if check is not None else None
        if problem is not None:
            raise CopyCheckError(problem)
        partial.replace(target)
        sync_folder(target.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            partial.with_name(partial.name + suffix).unlink(missing_ok=True)
        raise
    finally:
        raw.close()
    return target


class CopyCheckError(Exception):
    """A copy that failed its check (`copy_sqlite`): it was removed."""


def backup_before_upgrade(engine: Engine, backups: Path) -> Path | None:
    """If `engine` is an SQLite file made by an earlier version, copy it into its folder
    under the backups folder `backups` and return the copy; otherwise (up to date, brand
    new, not SQLite) do nothing.

    Raises `StorageError` when the copy cannot be made: the caller must then not migrate."""
    path = sqlite_file(engine)
    if path is None:
        return None
    revision = current_revision(engine)
    # The constant, not Alembic's script reader: importing Alembic on every start of an
    # up-to-date database cost a third of the start-up.
    if revision is None or revision == HEAD_REVISION:
        return None
    target = database_backups_folder(backups, path) / backup_name(revision)
    try:
        copy_sqlite(engine, target)
    except (OSError, sqlite3.Error) as error:
        raise StorageError(
            f"Cần nâng cấp cơ sở dữ liệu lên phiên bản mới nhưng không sao lưu được trước "
            f"vào «{backups}»: {failure_reason(error)}. Chưa thay đổi gì. Giải phóng ổ đĩa hoặc kiểm tra quyền "
            "ghi thư mục rồi mở lại."
        ) from error
    log.info("Database at revision %s backed up before upgrade to %s", revision, target.name)
    return target
