"""Opening the database: where it is, migrating it, and turning driver errors into messages.

Two writers on one SQLite file queue (every write transaction begins IMMEDIATE and waits
within the busy timeout; see models/database.py); work that only reads asks for
`Database.session(read_only=True)` and never holds a writer up. A database whose file or
folder cannot be written (a read-only folder or medium) is opened read-only by the
commands that only read (`open_database(read_only=None)`): nothing is migrated or written
there, and no -wal/-shm file is made when none is needed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from platformdirs import user_data_dir
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models.database import (
    BUSY_WAIT_OPTION,
    READ_ONLY_OPTION,
    make_engine,
    make_session_factory,
    sqlite_read_only_uri,
    sqlite_url,
)
from models.migrate import HEAD_REVISION, current_revision, upgrade
from services.common.errors import DatabaseBusyError, StorageError
from services.upkeep.upgrade import backup_before_upgrade

APP_NAME = "kichhoat"
DB_ENV = "KICHHOAT_DB"
DB_FILENAME = "kichhoat.sqlite3"


READ_ONLY_NOTE = (
    "Cơ sở dữ liệu đang mở chỉ đọc (thư mục hoặc ổ đĩa không cho ghi): lần này không được "
    "ghi vào nhật ký kiểm tra."
)


def data_dir() -> Path:
    """The per-user data folder (never the program folder)."""
    return Path(user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    return sqlite_url(data_dir() / DB_FILENAME)


def resolve_database_url(explicit: str | None = None) -> str:
    """`--db` first, then `KICHHOAT_DB`, then SQLite in the data folder."""
    return explicit or os.environ.get(DB_ENV) or default_database_url()


def describe_url(url: str) -> str:
    """The URL without its password, fit for a window title or a log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "?"


def storage_error(error: Exception, url: str) -> StorageError:
    """A Vietnamese message for a database that cannot be opened or written."""
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0][:200]
    lowered = detail.lower()
    busy = False
    if "disk is full" in lowered or "no space" in lowered or "database or disk is full" in lowered:
        advice = "Ổ đĩa đã đầy: giải phóng dung lượng rồi thử lại."
    elif "locked" in lowered or "busy" in lowered:
        busy = True
        advice = (
            "Cơ sở dữ liệu đang bận quá 10 giây: một việc lớn (nhập gói dữ liệu, nhập bảng "
            "tính) đang ghi vào tệp này. Đợi việc đó xong rồi thử lại; những gì đã nhập trên "
            "màn hình vẫn được giữ."
        )
    elif "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        advice = "Không có quyền ghi vào tệp cơ sở dữ liệu: kiểm tra quyền của thư mục."
    elif "not a database" in lowered or "malformed" in lowered:
        advice = (
            "Tệp cơ sở dữ liệu bị hỏng hoặc không phải cơ sở dữ liệu: khôi phục từ bản sao lưu."
        )
    elif "unable to open" in lowered:
        advice = "Không mở được tệp: kiểm tra đường dẫn và quyền của thư mục."
    elif "connection" in lowered or "could not connect" in lowered or "timeout" in lowered:
        advice = "Không kết nối được máy chủ: kiểm tra mạng và địa chỉ máy chủ."
    else:
        advice = "Kiểm tra địa chỉ cơ sở dữ liệu rồi thử lại."
    kind = DatabaseBusyError if busy else StorageError
    return kind(f"Không dùng được cơ sở dữ liệu {describe_url(url)}: {advice} (Chi tiết: {detail})")


T = TypeVar("T")


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    read_only: bool = False  # opened read-only: nothing can be written through it
    _reading_sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @contextmanager
    def session(
        self, *, read_only: bool = False, busy_wait_ms: int | None = None
    ) -> Iterator[Session]:
        """A session whose errors from the driver become `StorageError`.

        `read_only=True` for work that only reads (tallies, reports, checks): on SQLite its
        transactions begin deferred, without the write lock, so they never make a writer
        wait. Such a session can still write, but a write after another connection's
        commit is then refused at once (its snapshot is stale): writers use the default."""
        session = self._reading_factory()() if read_only else self.sessions()
        try:
            if busy_wait_ms is not None and self.is_sqlite:
                # The transaction begins now, waiting at most this long for the write lock.
                session.connection(execution_options={BUSY_WAIT_OPTION: busy_wait_ms})
            yield session
        except DBAPIError as error:
            session.rollback()
            raise storage_error(error, self.url) from error
        finally:
            session.close()

    def _reading_factory(self) -> sessionmaker[Session]:
        if self._reading_sessions is None:
            self._reading_sessions = make_session_factory(
                self.engine.execution_options(**{READ_ONLY_OPTION: True})
            )
        return self._reading_sessions

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.engine.dispose()

    def refresh_statistics_after_bulk_load(self) -> None:
        """PostgreSQL after hundreds of thousands of rows at once: VACUUM (ANALYZE) the case
        tables, so that the planner knows their size and the tally's covering index is read
        without visiting the table (its visibility map is set). Autovacuum would do it in
        its own time; a shared server's first dashboard should not wait for that.
        SQLite keeps its planner's defaults (the queries are shaped for them)."""
        if self.engine.dialect.name != "postgresql":
            return
        try:
            with self.engine.connect() as connection:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
                connection.exec_driver_sql("VACUUM (ANALYZE) cases, case_history")
        except DBAPIError as error:
            raise storage_error(error, self.url) from error


def sqlite_path(url: str) -> Path | None:
    """The file behind an SQLite URL (None for memory, URIs and other databases)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser()


def is_writable(path: Path) -> bool:
    """Whether the database file at `path` and its folder can be written (SQLite writes
    its -wal/-shm files beside the database). False on a read-only medium or folder."""
    folder = path.parent
    if not os.access(folder, os.W_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def _has_companions(path: Path) -> bool:
    """Whether a -wal or -shm file lies beside the database: a connection has it open, or
    one did not close cleanly (the -wal may hold committed pages)."""
    return any(path.with_name(path.name + suffix).exists() for suffix in ("-wal", "-shm"))


def _read_only_uri(path: Path) -> str:
    """mode=ro; immutable too when the file or folder cannot be written (SQLite could not
    make the -shm file there) and no -wal/-shm lies beside it: immutable reads neither, so it
    is only safe on a cleanly closed file that nobody has open."""
    if not path.is_file():
        raise StorageError(f"Không tìm thấy tệp cơ sở dữ liệu «{path}».")
    immutable = not is_writable(path) and not _has_companions(path)
    return sqlite_read_only_uri(path, immutable=immutable)


def _refuse_another_programs(engine: Engine, url: str) -> None:
    """A database that holds tables but was never ours (no schema version) belongs to
    another program: creating our tables in it would change that program's file."""
    if current_revision(engine) is not None:
        return
    tables = inspect(engine).get_table_names()
    if tables:
        shown = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
        raise StorageError(
            f"Cơ sở dữ liệu {describe_url(url)} đã có bảng của chương trình khác ({shown}), "
            "không phải của ứng dụng này: chưa ghi gì vào đó. Chọn tệp dữ liệu của ứng dụng, "
            "hoặc một tên tệp mới để tạo cơ sở dữ liệu mới."
        )


def _check_readable_as_is(engine: Engine, url: str) -> None:
    """A read-only database must be at this version's schema with nothing left to derive:
    it cannot be upgraded where it is."""
    from models.entities import Setting
    from services.cases.rebuild import REFOLD_SETTING

    revision = current_revision(engine)
    pending_refold = False
    if revision == HEAD_REVISION:
        with make_session_factory(engine)() as session:
            pending_refold = (
                session.scalar(select(Setting.key).where(Setting.key == REFOLD_SETTING)) is not None
            )
    if revision is None:
        raise StorageError(
            f"Cơ sở dữ liệu {describe_url(url)} chỉ đọc được và chưa được khởi tạo: "
            "không có dữ liệu để đọc."
        )
    if revision != HEAD_REVISION or pending_refold:
        raise StorageError(
            f"Cơ sở dữ liệu {describe_url(url)} chỉ đọc được (thư mục hoặc ổ đĩa không cho "
            "ghi) nhưng cần được nâng cấp lên phiên bản này trước khi dùng: chép tệp sang "
            "một thư mục ghi được rồi mở bằng ứng dụng, hoặc dùng phiên bản đã tạo ra nó."
        )


def _refold_if_required(engine: Engine) -> None:
    """A migration that changed the counting rules asks for every case to be derived again."""
    from services.cases.rebuild import refold_if_required

    with make_session_factory(engine)() as session:
        refold_if_required(session)


def _is_read_only(path: Path | None, read_only: bool | None) -> bool:
    """`read_only` settled: None asks whether the SQLite file or its folder can be written;
    writing to one that cannot be written is refused."""
    if read_only is None:
        return path is not None and path.exists() and not is_writable(path)
    if not read_only and path is not None and path.exists() and not is_writable(path):
        raise StorageError(
            f"Không ghi được vào cơ sở dữ liệu «{path}»: tệp hoặc thư mục chứa nó chỉ cho "
            "đọc. Trên đó chỉ xem được số liệu, xuất báo cáo, kiểm tra nhật ký và sao lưu "
            "(tally, report, audit verify, backup); muốn ghi thì chép tệp sang thư mục ghi "
            "được."
        )
    return read_only


def _engine(resolved: str, read_only_uri: str | None) -> Engine:
    """The engine of `resolved`; a malformed address or a missing driver said in Vietnamese."""
    try:
        return make_engine(resolved, read_only_uri=read_only_uri)
    except (ArgumentError, ValueError) as error:
        raise StorageError(
            f"Địa chỉ cơ sở dữ liệu «{describe_url(resolved)}» không hợp lệ: {error}. "
            "Ví dụ: sqlite:///C:/kichhoat/kichhoat.sqlite3 hoặc postgresql+psycopg://user:pass@host/db"
        ) from error
    except (ImportError, ModuleNotFoundError) as error:
        raise StorageError(
            f"Thiếu trình điều khiển cho cơ sở dữ liệu «{describe_url(resolved)}»: {error}."
        ) from error


def _prepare(
    engine: Engine, resolved: str, *, read_only: bool, migrate: bool, backups: Path | None
) -> None:
    """Reach the database, then check it can be read as it is, or back it up and upgrade it."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    if read_only:
        _check_readable_as_is(engine, resolved)
    elif migrate:
        _refuse_another_programs(engine, resolved)
        backup_before_upgrade(engine, backups or data_dir() / "backups")
        upgrade(engine)
        _refold_if_required(engine)


def open_database(
    url: str | None = None,
    *,
    migrate: bool = True,
    backups: Path | None = None,
    read_only: bool | None = False,
) -> Database:
    """Open (and by default create or upgrade) the database at `url`.

    An SQLite file made by an earlier version is copied to `backups` (default: the data
    folder's `backups`) before it is migrated (services/upkeep/upgrade.py).

    `read_only=True` opens it without writing anything (SQLite: `mode=ro`, and `immutable`
    when its folder cannot be written): no migration, and a `StorageError` when the
    database would need one. `read_only=None` (the commands that only read) does so only
    when the SQLite file or its folder cannot be written."""
    resolved = resolve_database_url(url)
    path = sqlite_path(resolved)
    read_only = _is_read_only(path, read_only)
    uri = _read_only_uri(path) if read_only and path is not None else None
    engine = _engine(resolved, uri)
    try:
        if read_only and path is None:
            engine = engine.execution_options(**{READ_ONLY_OPTION: True})
        _prepare(engine, resolved, read_only=read_only, migrate=migrate, backups=backups)
    except SQLAlchemyError as error:
        engine.dispose()
        raise storage_error(error, resolved) from error
    except StorageError:
        engine.dispose()
        raise
    return Database(
        url=resolved,
        engine=engine,
        sessions=make_session_factory(engine),
        read_only=read_only,
    )


def save_when_free(
    database: Database,
    work: Callable[[Session], T],
    waiting: Callable[[int], None],
    wait_ms: int | None = None,
) -> T:
    """Run `work(session)` and commit, trying again for as long as another connection holds
    the write lock (SQLite: a long import on the same file). `waiting(attempt)` is called
    before each new try; it may raise to give up (the caller's Cancel). Every other error
    goes to the caller at once."""
    attempt = 0
    while True:
        try:
            with database.session(busy_wait_ms=wait_ms) as session:
                result = work(session)
                session.commit()
                return result
        except DatabaseBusyError:
            attempt += 1
            waiting(attempt)
