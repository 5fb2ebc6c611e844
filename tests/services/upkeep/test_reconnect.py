"""A shared server that drops the connection: a clear message once, then it reconnects."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from models.entities import Unit
from services.common.errors import StorageError
from services.upkeep.database import Database


def test_a_dropped_connection_is_reconnected(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("a file has no connection to lose")
    with database.session() as session:
        backend = session.scalar(text("SELECT pg_backend_pid()"))
        session.commit()
    # The server ends our pooled connection (a restart, a network cut, an idle timeout).
    killer = create_engine(database.url, poolclass=NullPool)
    with killer.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        other.commit()
    killer.dispose()
    # The pool checks each connection before use (pool_pre_ping) and opens a new one.
    with database.session() as session:
        assert (session.scalar(select(func.count()).select_from(Unit)) or 0) > 100


def test_a_connection_lost_mid_work_is_a_clear_message(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("a file has no connection to lose")
    with (
        pytest.raises(StorageError, match="Không dùng được cơ sở dữ liệu"),
        database.session() as session,
    ):
        session.execute(text("SELECT 1"))
        session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
    with database.session() as session:  # and the next action works again
        assert session.scalar(text("SELECT 1")) == 1
