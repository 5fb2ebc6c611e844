"""The engine and session factory. SQLite is the embedded default; any SQLAlchemy URL works."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
# An execution option: transactions on a connection carrying it only read (plain BEGIN).
READ_ONLY_OPTION = "kichhoat_read_only"
# An execution option: how long (ms) a transaction may wait for the write lock (SQLite).
BUSY_WAIT_OPTION = "kichhoat_busy_wait_ms"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Power cuts are common at rural intake points: WAL with synchronous=FULL
    # keeps every committed case (SQLite's docs: NORMAL may lose the last ones).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB: big tallies and imports stay in memory
    cursor.close()
    dbapi_connection.isolation_level = None  # transactions are begun by `_begin_sqlite`


def _on_read_only_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Opened with mode=ro (or immutable=1): no journal mode to set, nothing to sync.
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()
    dbapi_connection.isolation_level = None


def _begin_sqlite(connection: Any) -> None:
    # pysqlite starts a transaction only before INSERT/UPDATE/DELETE and runs DDL outside
    # one; with its own handling switched off (isolation_level=None on connect), every
    # SQLAlchemy transaction is a real SQLite one, DDL included (SQLAlchemy's documented
    # recipe for pysqlite). IMMEDIATE takes the write lock at the start: a second writer
    # then waits within the busy timeout, where a deferred transaction that reads first
    # and writes later gets SQLITE_BUSY at once (it cannot wait: its snapshot is stale).
    # In WAL mode readers are never blocked by it; sessions that only read ask for a
    # plain BEGIN (`READ_ONLY_OPTION`) so that they do not hold writers up either.
    options = connection.get_execution_options()
    read_only = options.get(READ_ONLY_OPTION, False)
    # The desk first tries with a short wait, then waits in the background (see
    # `services.upkeep.database.save_when_free`); the pooled connection keeps what it was last set to.
    wanted = int(options.get(BUSY_WAIT_OPTION, SQLITE_BUSY_TIMEOUT_MS))
    info = connection.connection.info
    if info.get(BUSY_WAIT_OPTION, SQLITE_BUSY_TIMEOUT_MS) != wanted:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={wanted}")
        info[BUSY_WAIT_OPTION] = wanted
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def sqlite_read_only_uri(path: Path, *, immutable: bool) -> str:
    """The URI that opens `path` read-only; `immutable` also skips locks and the -wal/-shm
    files (only safe when nothing can write the file, e.g. on a read-only medium)."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    return uri + "&immutable=1" if immutable else uri


def make_engine(url: str, *, read_only_uri: str | None = None) -> Engine:
    """An engine for `url`; for SQLite the file's folder is created and the pragmas set.

    With `read_only_uri` (SQLite: see `sqlite_read_only_uri`) the file is opened through
    that URI, never written, and every transaction is a plain BEGIN; the engine's URL
    stays `url`, so the file behind it is still known.

    Every engine hides statement parameters (`hide_parameters`): an error's text, which
    reaches messages and the log, then carries the SQL but never the names, addresses or
    birth dates that were bound to it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and read_only_uri is not None:
        timeout = SQLITE_BUSY_TIMEOUT_MS / 1000

        def connect() -> sqlite3.Connection:
            return sqlite3.connect(
                read_only_uri, uri=True, timeout=timeout, check_same_thread=False
            )

        engine = create_engine(
            url,
            creator=connect,
            execution_options={READ_ONLY_OPTION: True},
            hide_parameters=True,
        )
        event.listen(engine, "connect", _on_read_only_sqlite_connect)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, hide_parameters=True
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _begin_sqlite)
        return engine
    connect_args = {"connect_timeout": 5} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
