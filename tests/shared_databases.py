"""Databases besides the test's own: another intake point's, for packages that travel, and
one loaded with another preset for its unit tree."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.campaigns.campaign import load_preset
from services.campaigns.units import UnitTree
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


def preset_tree(path: Path, preset: str) -> UnitTree:
    """The unit tree of `preset`, loaded into a new SQLite database at `path`."""
    database = open_database(f"sqlite:///{path}")
    with database.session() as session:
        load_preset(session, preset)
        session.commit()
    with database.session(read_only=True) as session:
        tree = UnitTree.load(session)
    database.dispose()
    return tree
