"""A write that finds the SQLite file held by a long import waits its turn, however long."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.entities import Operator
from services.campaigns.directory import get_or_create_operator
from services.common.errors import DatabaseBusyError
from services.upkeep.database import Database, save_when_free, sqlite_path


def hold_write_lock(database: Database) -> sqlite3.Connection:
    """Another connection (a long import) holds the SQLite file's write lock."""
    if not database.is_sqlite:
        pytest.skip("SQLite only: a PostgreSQL server has no file-wide write lock")
    path = sqlite_path(database.url)
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_the_write_is_tried_again_until_the_lock_is_free(database: Database) -> None:
    holder = hold_write_lock(database)
    attempts: list[int] = []

    def waiting(attempt: int) -> None:
        attempts.append(attempt)
        if attempt == 3:
            holder.execute("ROLLBACK")  # the import is over

    def work(session: Session) -> str:
        get_or_create_operator(session, "cho.doi")
        return "ok"

    try:
        assert save_when_free(database, work, waiting, wait_ms=20) == "ok"
    finally:
        holder.close()
    assert attempts == [1, 2, 3]
    with database.session(read_only=True) as session:
        count = session.scalar(
            select(func.count()).select_from(Operator).where(Operator.username == "cho.doi")
        )
    assert count == 1


def test_a_short_wait_says_busy(database: Database) -> None:
    holder = hold_write_lock(database)
    try:
        with (
            pytest.raises(DatabaseBusyError, match="đang bận"),
            database.session(busy_wait_ms=20) as session,
        ):
            session.add(Operator(username="x.y", full_name="X Y", role="operator"))
            session.commit()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
