"""Backups of the embedded SQLite database: made, checked, rotated and restored.

Copies are made with SQLite's online backup API (consistent in WAL mode, while the app
keeps working) into `<data folder>/backups`: automatically at start-up and every few
hours (the newest `KEEP_AUTOMATIC` kept), and on demand. Every copy is checked with
`PRAGMA integrity_check` before it counts as a backup.

Restoring checks the file first (an SQLite database, intact, with this app's tables and
a schema version this app knows), backs up the current database, then copies the backup
over it, again through the backup API, in one step. A PostgreSQL server is backed up by
its administrator with `pg_dump`: these functions refuse with that advice.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from models.migrate import MIGRATIONS_DIR, upgrade
from services.audit import AuditAction, write_audit
from services.audit_witness import record_restore
from services.database import Database, data_dir
from services.errors import StorageError, UserError
from services.permissions import Action, require
from services.session_context import Actor
from services.stable_lookups import forget_point_facts
from services.upgrade import BACKUP_PREFIX as UPGRADE_PREFIX
from services.upgrade import CopyCheckError, copy_sqlite, sqlite_file

log = logging.getLogger(__name__)

BACKUP_FOLDER = "backups"
AUTO_PREFIX = "tu-dong-"
BEFORE_RESTORE_PREFIX = "truoc-khoi-phuc-"
BEFORE_PURGE_PREFIX = "truoc-xoa-du-lieu-"
KEEP_AUTOMATIC = 12
AUTO_BACKUP_HOURS = 4
SQLITE_HEADER = b"SQLite format 3\x00"
REQUIRED_TABLES = frozenset(
    {"alembic_version", "campaigns", "units", "intake_points", "operators", "cases"}
)
SERVER_BACKUP_ADVICE = (
    "Cơ sở dữ liệu dùng chung trên máy chủ PostgreSQL được sao lưu và khôi phục bởi quản trị "
    "viên máy chủ (pg_dump / pg_restore), không phải từ ứng dụng này."
)


class BackupCheckError(UserError):
    """A file that is not a usable backup of this app's database."""


def backups_folder(folder: Path | None = None, db_path: Path | None = None) -> Path:
    """Where backups of the database file `db_path` go: `<data folder>/backups/<name>-<hash>`
    (or under `folder`), one folder per database so that a start-up never offers another
    database's copy."""
    root = (folder or data_dir()) / BACKUP_FOLDER
    if db_path is None:
        return root
    tag = hashlib.sha256(str(db_path.resolve()).encode("utf-8")).hexdigest()[:8]
    return root / f"{db_path.stem}-{tag}"


def _stamp(moment: datetime | None = None) -> str:
    return f"{(moment or datetime.now(UTC)).astimezone(UTC):%Y%m%d-%H%M%S-%f}"


def database_file(database: Database) -> Path:
    """The SQLite file behind `database`; PostgreSQL gets the server-backup advice."""
    path = sqlite_file(database.engine)
    if path is None:
        raise UserError(SERVER_BACKUP_ADVICE)
    return path


def integrity_problem(path: Path, *, quick: bool = False) -> str | None:
    """None when the SQLite file at `path` passes its integrity check, else what is wrong."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        return f"không đọc được tệp ({error.strerror})"
    if header != SQLITE_HEADER:
        return "không phải tệp cơ sở dữ liệu SQLite"
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return f"không mở được ({error})"
    try:
        pragma = "quick_check" if quick else "integrity_check"
        rows = connection.execute(f"PRAGMA {pragma}").fetchall()
    except sqlite3.Error as error:
        return f"hỏng ({error})"
    finally:
        connection.close()
    results = [str(row[0]) for row in rows]
    return None if results == ["ok"] else "hỏng: " + "; ".join(results[:3])


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revision: str
    cases: int
    size: int
    modified: datetime


def check_backup(path: Path) -> BackupInfo:
    """Raise `BackupCheckError` unless `path` is an intact database of this app."""
    if not path.is_file():
        raise BackupCheckError(f"Không tìm thấy tệp «{path}».")
    problem = integrity_problem(path)
    if problem is not None:
        raise BackupCheckError(f"Tệp «{path.name}» không dùng được để khôi phục: {problem}.")
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {
            str(row[0])
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        missing = REQUIRED_TABLES - tables
        if missing:
            raise BackupCheckError(
                f"Tệp «{path.name}» không phải cơ sở dữ liệu của kichhoat (thiếu bảng "
                f"{', '.join(sorted(missing))})."
            )
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        cases = int(connection.execute("SELECT count(*) FROM cases").fetchone()[0])
    except sqlite3.Error as error:
        raise BackupCheckError(f"Tệp «{path.name}» không đọc được: {error}.") from error
    finally:
        connection.close()
    revision = str(row[0]) if row else ""
    from alembic.script import ScriptDirectory  # only when a backup is checked: fast start

    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}
    if revision not in known:
        raise BackupCheckError(
            f"Tệp «{path.name}» được tạo bởi phiên bản kichhoat khác (lược đồ «{revision}»): "
            "dùng phiên bản mới hơn của ứng dụng để khôi phục."
        )
    stat = path.stat()
    return BackupInfo(
        path, revision, cases, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC)
    )


def _disk_full(error: BaseException) -> bool:
    if isinstance(error, OSError):
        return error.errno == errno.ENOSPC
    lowered = str(error).lower()
    return "disk is full" in lowered or "no space" in lowered


def _copy_checked(engine: Engine, target: Path) -> Path:
    """Copy through a temporary file beside `target`, checked before it takes its name: a
    failed copy leaves nothing behind."""
    try:
        copy_sqlite(engine, target, check=integrity_problem)
    except CopyCheckError as error:
        raise StorageError(
            f"Bản sao lưu vừa tạo không đạt kiểm tra ({error}); đã bỏ bản này."
        ) from error
    except (OSError, sqlite3.Error) as error:
        if _disk_full(error):
            raise StorageError(
                f"Ổ đĩa đã đầy: không sao lưu được vào thư mục «{target.parent}». Giải phóng "
                "dung lượng hoặc chọn ổ đĩa khác rồi thử lại; không có tệp dở dang nào được để "
                "lại."
            ) from error
        raise StorageError(
            f"Không sao lưu được vào «{target}»: {error}. Kiểm tra dung lượng ổ đĩa và quyền "
            "ghi thư mục."
        ) from error
    return target


def rotate(folder: Path, prefix: str = AUTO_PREFIX, keep: int = KEEP_AUTOMATIC) -> list[Path]:
    """Delete all but the newest `keep` backups named `prefix*`; returns those deleted."""
    found = sorted(folder.glob(f"{prefix}*.sqlite3"), key=lambda p: p.name, reverse=True)
    removed = []
    for old in found[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()
            removed.append(old)
    return removed


def _audit(
    database: Database, actor: Actor | None, action: AuditAction, text: str, **details: object
) -> None:
    with database.session() as session:
        write_audit(session, actor, action, text, dict(details), username="hệ thống")
        session.commit()


def _audit_copy(
    database: Database, actor: Actor | None, text: str, file: str, notes: list[str] | None
) -> None:
    """Log a copy that was made. A copy is what saves the data when its own disk is full or
    cannot be written: it stands even when the log entry cannot be written (said in
    `notes`, and in the program's log)."""
    if database.read_only:
        problem = "cơ sở dữ liệu đang mở chỉ đọc"
    else:
        try:
            _audit(database, actor, AuditAction.BACKUP, text, file=file)
            return
        except StorageError as error:
            problem = str(error)
    log.warning("Backup %s made but not logged in the audit: %s", file, problem)
    if notes is not None:
        notes.append(f"Đã sao lưu nhưng không ghi được vào nhật ký kiểm tra ({problem}).")


def automatic_backup(
    database: Database, folder: Path | None = None, actor: Actor | None = None
) -> Path | None:
    """The start-up and periodic copy (any role; no rights needed): None on PostgreSQL."""
    path = sqlite_file(database.engine)
    if path is None:
        return None
    target_folder = backups_folder(folder, path)
    target = _copy_checked(database.engine, target_folder / f"{AUTO_PREFIX}{_stamp()}.sqlite3")
    rotate(target_folder)
    _audit(database, actor, AuditAction.BACKUP, f"Sao lưu tự động: {target.name}", file=target.name)
    return target


def create_backup(
    database: Database, actor: Actor, out: Path, notes: list[str] | None = None
) -> Path:
    """A backup on demand (administrators) to `out`; checked, then logged.

    Nothing is written on the database's own disk but the log entry; a database opened
    read-only (a read-only folder or medium), or one whose disk is full, is still copied
    out, and `notes` says that the entry could not be written."""
    require(actor, Action.BACKUPS)
    database_file(database)
    if out.exists() and out.is_dir():
        out = out / f"kichhoat-{_stamp()}.sqlite3"
    target = _copy_checked(database.engine, out)
    _audit_copy(database, actor, f"Sao lưu ra tệp {target.name}", target.name, notes)
    return target


def backup_before(database: Database, prefix: str, folder: Path | None = None) -> Path:
    """A checked copy before a risky step (restore, purge), kept beside the automatic ones."""
    path = database_file(database)
    return _copy_checked(
        database.engine, backups_folder(folder, path) / f"{prefix}{_stamp()}.sqlite3"
    )


@dataclass(frozen=True)
class RestoreResult:
    restored_from: BackupInfo
    previous_saved_to: Path


def restore_backup(
    database: Database, actor: Actor, source: Path, folder: Path | None = None
) -> RestoreResult:
    """Replace the database's content with the backup at `source` (administrators).

    The file is checked first; the current database is copied aside; then the backup is
    copied in through the online backup API (one step: readers see the old or the new
    database, never half of each) and migrated to this version's schema."""
    require(actor, Action.BACKUPS)
    database_file(database)
    info = check_backup(source)
    previous = backup_before(database, BEFORE_RESTORE_PREFIX, folder)
    raw = database.engine.raw_connection()
    try:
        destination = raw.driver_connection
        assert isinstance(destination, sqlite3.Connection)
        origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            origin.backup(destination)
        finally:
            origin.close()
    except sqlite3.Error as error:
        raise StorageError(
            f"Không khôi phục được từ «{source.name}»: {error}. Cơ sở dữ liệu trước khi khôi "
            f"phục đã được lưu ở «{previous}»."
        ) from error
    finally:
        raw.close()
    database.engine.dispose()
    forget_point_facts()  # the restored file may number its points differently
    # What was printed or sent since that backup is no longer in the log: said so outside it.
    record_restore(database.engine, source.name)
    upgrade(database.engine)
    _audit(
        database,
        actor,
        AuditAction.RESTORE,
        f"Khôi phục từ tệp {source.name} (bản trước khi khôi phục: {previous.name})",
        file=source.name,
        saved_previous=previous.name,
        cases=info.cases,
    )
    return RestoreResult(info, previous)


def list_backups(folder: Path | None = None, db_path: Path | None = None) -> list[Path]:
    """Backups of `db_path`, newest first."""
    where = backups_folder(folder, db_path)
    if not where.is_dir():
        return []
    return sorted(where.glob("*.sqlite3"), key=lambda p: p.stat().st_mtime, reverse=True)


BACKUP_KIND_LABELS = {
    AUTO_PREFIX: "tự động",
    BEFORE_RESTORE_PREFIX: "trước khi khôi phục",
    BEFORE_PURGE_PREFIX: "trước khi xóa dữ liệu cá nhân",
    UPGRADE_PREFIX: "trước khi nâng cấp",
}
_STAMP_IN_NAME = re.compile(r"(\d{8}-\d{6})(?:-(\d{1,6}))?\.sqlite3$")


@dataclass(frozen=True)
class RestorePoint:
    """A copy the app made by itself, as the restore dialog lists it."""

    path: Path
    kind: str  # Vietnamese: "tự động", "trước khi khôi phục"...
    moment: datetime  # UTC, when the copy was made
    size: int  # bytes


def _made_at(path: Path) -> datetime:
    """When a copy was made: the UTC time in its name, else the file's modification time."""
    match = _STAMP_IN_NAME.search(path.name)
    if match:
        with contextlib.suppress(ValueError):
            made = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            return made.replace(microsecond=int((match.group(2) or "0").ljust(6, "0")))
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def restore_points(folder: Path | None = None, db_path: Path | None = None) -> list[RestorePoint]:
    """The automatic copies of `db_path` and those made before a restore, a purge or an
    upgrade (the last are kept in the backups root), newest first. Reads only names and
    sizes: counting each copy's cases is `count_cases`, one file at a time."""
    candidates = list_backups(folder, db_path) if db_path is not None else []
    root = backups_folder(folder)
    if root.is_dir():
        candidates += sorted(root.glob(f"{UPGRADE_PREFIX}*.sqlite3"))
    points = []
    for path in candidates:
        kind = next(
            (label for prefix, label in BACKUP_KIND_LABELS.items() if path.name.startswith(prefix)),
            "khác",
        )
        try:
            points.append(RestorePoint(path, kind, _made_at(path), path.stat().st_size))
        except OSError:
            continue  # rotated away while listing
    return sorted(points, key=lambda p: p.moment, reverse=True)


def count_cases(path: Path) -> int | None:
    """The number of cases in the copy at `path`, read-only; None when it cannot be read."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, OSError):
        return None
    try:
        row = connection.execute("SELECT count(*) FROM cases").fetchone()
        return int(row[0])
    except (sqlite3.Error, TypeError, ValueError):
        return None
    finally:
        connection.close()


def newest_good_backup(
    folder: Path | None = None, db_path: Path | None = None
) -> BackupInfo | None:
    for path in list_backups(folder, db_path):
        try:
            return check_backup(path)
        except BackupCheckError:
            continue
    return None


def replace_broken_file(db_path: Path, backup: Path) -> Path:
    """At start-up, put a good backup in place of a broken database file (the user agreed).

    The broken file (and its -wal/-shm companions) is renamed, never deleted: returns its
    new name."""
    check_backup(backup)
    aside = db_path.with_name(f"{db_path.name}.hong-{_stamp()}")
    db_path.replace(aside)
    for suffix in ("-wal", "-shm"):
        companion = db_path.with_name(db_path.name + suffix)
        if companion.exists():
            companion.replace(aside.with_name(aside.name + suffix))
    origin = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    partial = db_path.with_name(f".{db_path.name}.part")
    try:
        destination = sqlite3.connect(partial)
        try:
            origin.backup(destination)
        finally:
            destination.close()
        partial.replace(db_path)
    finally:
        origin.close()
        partial.unlink(missing_ok=True)
    return aside
