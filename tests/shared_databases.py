"""Databases besides the test's own: another intake point's, for packages that travel."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.campaigns.campaign import load_preset
from services.upkeep.database import Database, open_database


@contextmanager
def other_point_database(folder: Path) -> Iterator[Database]:
    """Another intake point's database (SQLite, in `folder`), with the same campaign."""
    db = open_database(f"sqlite:///{folder / 'other.sqlite3'}")
    try:
        with db.session() as session:
            load_preset(session, "soc-trang-2023")
            session.commit()
        yield db
    finally:
        db.dispose()
