"""Backups of the embedded SQLite database: made, checked, rotated and restored.

Copies are made with SQLite's online backup API (consistent in WAL mode, while the app
keeps working) into `<data folder>/backups`: automatically at start-up and every few
hours (the newest `KEEP_AUTOMATIC` kept), and on demand. Every copy is checked with
`PRAGMA integrity_check` before it counts as a backup.

Restoring checks the file first (an SQLite database, intact, with this app's tables and
a schema version this app knows), backs up the current database, then copies the backup
over it, again through the backup API, in one step. An encrypted backup (the one the purge
writes: `services.upkeep.encrypted_backup`) is restored the same way with its passphrase, from
memory. A PostgreSQL server is backed up by its administrator with `pg_dump`: these
functions refuse with that advice.

The purge deletes every plain copy that holds personal data (`remove_plain_backups`).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import re
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, bindparam, text

from models.migrate import MIGRATIONS_DIR, upgrade
from services.common.errors import (
    StorageError,
    UserError,
    failure_reason,
    os_reason,
    sqlite_reason,
)
from services.common.stable_lookups import forget_point_facts
from services.privacy.erasure_marks import erase_again_after_restore, kept_marks
from services.security.audit import AuditAction, write_audit
from services.security.audit_witness import record_restore
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.upkeep.database import Database, data_dir
from services.upkeep.encrypted_backup import (
    ENCRYPTED_SUFFIX,
    is_encrypted_backup,
    open_encrypted_copy,
    write_encrypted_copy,
)
from services.upkeep.upgrade import BACKUP_PREFIX as UPGRADE_PREFIX
from services.upkeep.upgrade import (
    CopyCheckError,
    copy_sqlite,
    database_backups_folder,
    sqlite_file,
)

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


class PassphraseNeededError(UserError):
    """An encrypted backup was given without its passphrase."""


def backups_folder(folder: Path | None = None, db_path: Path | None = None) -> Path:
    """Where backups of the database file `db_path` go: `<data folder>/backups/<name>-<hash>`
    (or under `folder`), one folder per database so that a start-up never offers another
    database's copy."""
    root = (folder or data_dir()) / BACKUP_FOLDER
    return root if db_path is None else database_backups_folder(root, db_path)


def _stamp(moment: datetime | None = None) -> str:
    return f"{(moment or datetime.now(UTC)).astimezone(UTC):%Y%m%d-%H%M%S-%f}"


def database_file(database: Database) -> Path:
    """The SQLite file behind `database`; PostgreSQL gets the server-backup advice."""
    path = sqlite_file(database.engine)
    if path is None:
        raise UserError(SERVER_BACKUP_ADVICE)
    return path


def _connection_integrity(connection: sqlite3.Connection, *, quick: bool) -> str | None:
    pragma = "quick_check" if quick else "integrity_check"
    results = [str(row[0]) for row in connection.execute(f"PRAGMA {pragma}").fetchall()]
    if results == ["ok"]:
        return None
    log.info("SQLite %s found: %s", pragma, "; ".join(results[:10]))
    return f"tệp bị hỏng: kiểm tra tính toàn vẹn tìm thấy {len(results)} chỗ hỏng"


def integrity_problem(path: Path, *, quick: bool = False) -> str | None:
    """None when the SQLite file at `path` passes its integrity check, else what is wrong."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        return f"không đọc được tệp ({os_reason(error)})"
    if header != SQLITE_HEADER:
        return "không phải tệp cơ sở dữ liệu SQLite"
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return sqlite_reason(error)
    try:
        return _connection_integrity(connection, quick=quick)
    except sqlite3.Error as error:
        return sqlite_reason(error)
    finally:
        connection.close()


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revision: str
    cases: int
    size: int
    modified: datetime


def _open_backup(path: Path, passphrase: str | None) -> sqlite3.Connection:
    """The backup at `path`, opened read-only (an encrypted one: decrypted into memory),
    once it passed its integrity check."""
    if not path.is_file():
        raise BackupCheckError(f"Không tìm thấy tệp «{path}».")
    if is_encrypted_backup(path):
        if not passphrase:
            raise PassphraseNeededError(
                f"«{path.name}» là bản sao lưu mã hóa: cần mật khẩu đã đặt khi tạo bản này "
                "(khi xóa dữ liệu cá nhân)."
            )
        connection = open_encrypted_copy(path, passphrase)
        try:
            problem = _connection_integrity(connection, quick=False)
        except sqlite3.Error as error:
            problem = sqlite_reason(error)
        if problem is None:
            return connection
        connection.close()
    else:
        problem = integrity_problem(path)
        if problem is None:
            return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    raise BackupCheckError(f"Tệp «{path.name}» không dùng được để khôi phục: {problem}.")


def _check_open(connection: sqlite3.Connection, path: Path) -> BackupInfo:
    """Raise `BackupCheckError` unless the open copy has this app's tables and a schema
    version this app knows."""
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
        raise BackupCheckError(
            f"Tệp «{path.name}» không đọc được: {sqlite_reason(error)}."
        ) from error
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


def check_backup(path: Path, passphrase: str | None = None) -> BackupInfo:
    """Raise `BackupCheckError` unless `path` is an intact database of this app (an
    encrypted one needs its `passphrase`: `PassphraseNeededError` without it, a
    `PackageError` when it is wrong)."""
    connection = _open_backup(path, passphrase)
    try:
        return _check_open(connection, path)
    finally:
        connection.close()


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
            f"Không sao lưu được vào «{target}»: {failure_reason(error)}. Kiểm tra dung lượng ổ đĩa "
            "và quyền ghi thư mục."
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
    """A checked copy before a risky step (a restore), kept beside the automatic ones."""
    path = database_file(database)
    return _copy_checked(
        database.engine, backups_folder(folder, path) / f"{prefix}{_stamp()}.sqlite3"
    )


def encrypted_backup_before_purge(
    database: Database, passphrase: str, folder: Path | None = None
) -> Path:
    """The copy the purge makes first, encrypted with `passphrase`, beside the automatic
    ones: `truoc-xoa-du-lieu-<time>.sqlite3.enc` (checked, read back and compared)."""
    path = database_file(database)
    target = backups_folder(folder, path) / f"{BEFORE_PURGE_PREFIX}{_stamp()}{ENCRYPTED_SUFFIX}"
    try:
        return write_encrypted_copy(database.engine, target, passphrase)
    except (OSError, sqlite3.Error) as error:
        if _disk_full(error):
            raise StorageError(
                f"Ổ đĩa đã đầy: không sao lưu được vào thư mục «{target.parent}». Giải phóng "
                "dung lượng rồi thử lại; chưa xóa gì."
            ) from error
        raise StorageError(
            f"Không sao lưu được vào «{target}»: {failure_reason(error)}. Chưa xóa gì; kiểm tra ổ đĩa và "
            "quyền ghi thư mục rồi thử lại."
        ) from error


@dataclass(frozen=True)
class BackupRemoval:
    deleted: tuple[Path, ...]
    failed: tuple[Path, ...]  # could not be deleted (open elsewhere, no right)


SAMPLE_CASES = 1000


def _sample_id_numbers(path: Path, campaign_code: str) -> list[str]:
    """Up to `SAMPLE_CASES` ID numbers of the copy at `path` when it holds the campaign
    `campaign_code`; empty when it does not, or cannot be read."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except (sqlite3.Error, OSError):
        return []
    try:
        codes = {str(row[0]) for row in connection.execute("SELECT code FROM campaigns")}
        if campaign_code not in codes:
            return []
        rows = connection.execute("SELECT id_number FROM cases LIMIT ?", (SAMPLE_CASES,))
        return [str(row[0]) for row in rows]
    except sqlite3.Error:
        return []
    finally:
        connection.close()


def upgrade_copies_in_root(
    database: Database, campaign_code: str, folder: Path | None = None
) -> list[Path]:
    """The copies earlier versions made before an upgrade in the backups root (shared by
    every database) that hold this database's citizens: this campaign, and ID numbers this
    database has. Asked before the purge erases the ID numbers; another database's copy
    (another campaign, other people: a training database) is left alone."""
    root = backups_folder(folder)
    if not root.is_dir():
        return []
    found = []
    for copy in sorted(root.glob(f"{UPGRADE_PREFIX}*.sqlite3")):
        sample = _sample_id_numbers(copy, campaign_code)
        if not sample:
            continue
        with database.session(read_only=True) as session:
            shared = session.execute(
                text("SELECT 1 FROM cases WHERE id_number IN :numbers LIMIT 1").bindparams(
                    bindparam("numbers", expanding=True)
                ),
                {"numbers": sample},
            ).first()
        if shared is not None:
            companions = (copy.with_name(copy.name + s) for s in ("-wal", "-shm", "-journal"))
            found += [copy, *(c for c in companions if c.exists())]
    return found


def plain_backups(db_path: Path, folder: Path | None = None) -> list[Path]:
    """The files that hold this database's personal data in clear, in its own folders:
    everything in its backups folder but the encrypted copies (automatic copies, those
    made before a restore, a purge or an upgrade, unfinished `.part` files), and the
    broken files set aside at start-up (`<database>.hong-*`, beside it)."""
    found: list[Path] = []
    own = backups_folder(folder, db_path)
    if own.is_dir():
        found += [p for p in sorted(own.iterdir()) if p.is_file() and not is_encrypted_backup(p)]
    found += sorted(p for p in db_path.parent.glob(f"{db_path.name}.hong-*") if p.is_file())
    return found


def remove_plain_backups(
    db_path: Path, folder: Path | None = None, also: Sequence[Path] = ()
) -> BackupRemoval:
    """Delete `plain_backups(...)` and the files `also` names (`upgrade_copies_in_root`);
    the files that could not be deleted are returned."""
    deleted, failed = [], []
    for path in [*plain_backups(db_path, folder), *also]:
        try:
            path.unlink()
            deleted.append(path)
        except FileNotFoundError:
            continue
        except OSError as error:
            log.warning("Could not delete the plain backup %s: %s", path, error)
            failed.append(path)
    return BackupRemoval(tuple(deleted), tuple(failed))


@dataclass(frozen=True)
class RestoreResult:
    restored_from: BackupInfo
    previous_saved_to: Path
    # Cases of citizens erased on request since that backup, erased again (see below).
    erased_again: int = 0

    def erased_note(self) -> str:
        """What the restore erased again, said to the administrator ("" when nothing)."""
        if not self.erased_again:
            return ""
        return (
            "Bản sao lưu làm trước khi có công dân yêu cầu xóa dữ liệu: đã xóa lại dữ liệu của "
            f"{self.erased_again} hồ sơ (số liệu thống kê giữ nguyên)."
        )


def restore_backup(
    database: Database,
    actor: Actor,
    source: Path,
    folder: Path | None = None,
    passphrase: str | None = None,
) -> RestoreResult:
    """Replace the database's content with the backup at `source` (administrators); an
    encrypted backup needs its `passphrase`.

    The file is checked first; the current database is copied aside; then the backup is
    copied in through the online backup API (one step: readers see the old or the new
    database, never half of each) and migrated to this version's schema."""
    require(actor, Action.BACKUPS)
    database_file(database)
    with database.session(read_only=True) as session:
        # The erasures this database knows: a copy made before one holds the person whole.
        marks = kept_marks(session)
    origin = _open_backup(source, passphrase)
    try:
        info = _check_open(origin, source)
        previous = backup_before(database, BEFORE_RESTORE_PREFIX, folder)
        _copy_into(database, origin, source, previous)
    finally:
        origin.close()
    database.engine.dispose()
    forget_point_facts()  # the restored file may number its points differently
    # What was printed or sent since that backup is no longer in the log: said so outside it.
    record_restore(database.engine, source.name)
    upgrade(database.engine)
    erased_again = erase_again_after_restore(database, marks)
    _audit(
        database,
        actor,
        AuditAction.RESTORE,
        f"Khôi phục từ tệp {source.name} (bản trước khi khôi phục: {previous.name})",
        file=source.name,
        saved_previous=previous.name,
        cases=info.cases,
        **({"erased_again": erased_again} if erased_again else {}),
    )
    return RestoreResult(info, previous, erased_again)


def _copy_into(
    database: Database, origin: sqlite3.Connection, source: Path, previous: Path
) -> None:
    raw = database.engine.raw_connection()
    resized: sqlite3.Connection | None = None
    try:
        destination = raw.driver_connection
        assert isinstance(destination, sqlite3.Connection)
        resized = _resized(origin, destination)
        (resized or origin).backup(destination)
    except sqlite3.Error as error:
        raise StorageError(
            f"Không khôi phục được từ «{source.name}»: {sqlite_reason(error)}. Cơ sở dữ liệu "
            f"trước khi khôi phục đã được lưu ở «{previous}»."
        ) from error
    finally:
        if resized is not None:
            resized.close()
        raw.close()


def _resized(
    origin: sqlite3.Connection, destination: sqlite3.Connection
) -> sqlite3.Connection | None:
    """The copy rewritten with the database's page size, when they differ (a file of 1 KB
    pages, as SQLite made before 3.12): SQLite's backup cannot write pages of another size
    into a database in WAL mode («attempt to write a readonly database»). Rewritten by
    `VACUUM INTO` an in-memory database (SQLite's memdb), never to disk; None when the sizes
    match."""
    size = int(destination.execute("PRAGMA page_size").fetchone()[0])
    if int(origin.execute("PRAGMA page_size").fetchone()[0]) == size:
        return None
    name = f"file:/kichhoat-khoi-phuc-{uuid.uuid4().hex}?vfs=memdb"
    resized = sqlite3.connect(name, uri=True)  # held open: the memdb lives while it does
    try:
        origin.execute(f"PRAGMA page_size = {size}")
        origin.execute("VACUUM INTO ?", (name,))
    except BaseException:
        resized.close()
        raise
    return resized


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
_STAMP_IN_NAME = re.compile(r"(\d{8}-\d{6})(?:-(\d{1,6}))?\.sqlite3(?:\.enc)?$")


@dataclass(frozen=True)
class RestorePoint:
    """A copy the app made by itself, as the restore dialog lists it."""

    path: Path
    kind: str  # Vietnamese: "tự động", "trước khi khôi phục"...
    moment: datetime  # UTC, when the copy was made
    size: int  # bytes
    encrypted: bool = False  # restored with its passphrase; its cases cannot be counted


def _made_at(path: Path) -> datetime:
    """When a copy was made: the UTC time in its name, else the file's modification time."""
    match = _STAMP_IN_NAME.search(path.name)
    if match:
        with contextlib.suppress(ValueError):
            made = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
            return made.replace(microsecond=int((match.group(2) or "0").ljust(6, "0")))
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def restore_points(folder: Path | None = None, db_path: Path | None = None) -> list[RestorePoint]:
    """The automatic copies of `db_path` and those made before a restore, a purge (the
    encrypted one too) or an upgrade (also those earlier versions kept in the backups
    root), newest first. Reads only names and sizes: counting each copy's cases is
    `count_cases`, one file at a time."""
    candidates = list_backups(folder, db_path) if db_path is not None else []
    if db_path is not None:
        where = backups_folder(folder, db_path)
        candidates += sorted(where.glob(f"*{ENCRYPTED_SUFFIX}")) if where.is_dir() else []
    root = backups_folder(folder)
    if root.is_dir():
        candidates += sorted(root.glob(f"{UPGRADE_PREFIX}*.sqlite3"))
    points = []
    for path in candidates:
        kind = next(
            (label for prefix, label in BACKUP_KIND_LABELS.items() if path.name.startswith(prefix)),
            "khác",
        )
        encrypted = path.name.endswith(ENCRYPTED_SUFFIX)
        if encrypted:
            kind += " (mã hóa)"
        try:
            points.append(RestorePoint(path, kind, _made_at(path), path.stat().st_size, encrypted))
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
