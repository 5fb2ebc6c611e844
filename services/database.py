"""Opening the database: where it is, migrating it, and turning driver errors into messages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from models.database import make_engine, make_session_factory, sqlite_url
from models.migrate import upgrade
from services.errors import StorageError
from services.upgrade import backup_before_upgrade

APP_NAME = "kichhoat"
DB_ENV = "KICHHOAT_DB"
DB_FILENAME = "kichhoat.sqlite3"


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
    if "disk is full" in lowered or "no space" in lowered or "database or disk is full" in lowered:
        advice = "Ổ đĩa đã đầy: giải phóng dung lượng rồi thử lại."
    elif "locked" in lowered or "busy" in lowered:
        advice = "Cơ sở dữ liệu đang bị chương trình khác khóa: đóng chương trình đó rồi thử lại."
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
    return StorageError(
        f"Không dùng được cơ sở dữ liệu {describe_url(url)}: {advice} (Chi tiết: {detail})"
    )


@dataclass
class Database:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose errors from the driver become `StorageError`."""
        session = self.sessions()
        try:
            yield session
        except DBAPIError as error:
            session.rollback()
            raise storage_error(error, self.url) from error
        finally:
            session.close()

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


def _refold_if_required(engine: Engine) -> None:
    """A migration that changed the counting rules asks for every case to be derived again."""
    from services.case_rebuild import refold_if_required

    with make_session_factory(engine)() as session:
        refold_if_required(session)


def open_database(
    url: str | None = None, *, migrate: bool = True, backups: Path | None = None
) -> Database:
    """Open (and by default create or upgrade) the database at `url`.

    An SQLite file made by an earlier version is copied to `backups` (default: the data
    folder's `backups`) before it is migrated (services/upgrade.py)."""
    resolved = resolve_database_url(url)
    try:
        engine = make_engine(resolved)
    except (ArgumentError, ValueError) as error:
        raise StorageError(
            f"Địa chỉ cơ sở dữ liệu «{describe_url(resolved)}» không hợp lệ: {error}. "
            "Ví dụ: sqlite:///C:/kichhoat/kichhoat.sqlite3 hoặc postgresql+psycopg://user:pass@host/db"
        ) from error
    except (ImportError, ModuleNotFoundError) as error:
        raise StorageError(
            f"Thiếu trình điều khiển cho cơ sở dữ liệu «{describe_url(resolved)}»: {error}."
        ) from error
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        if migrate:
            backup_before_upgrade(engine, backups or data_dir() / "backups")
            upgrade(engine)
            _refold_if_required(engine)
    except SQLAlchemyError as error:
        engine.dispose()
        raise storage_error(error, resolved) from error
    except StorageError:
        engine.dispose()
        raise
    return Database(url=resolved, engine=engine, sessions=make_session_factory(engine))
