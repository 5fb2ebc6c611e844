"""Databases besides the test's own: migrated and loaded with a campaign preset, another
intake point's for packages that travel, and one loaded with another preset for its unit tree."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from services.campaigns.campaign import load_preset
from services.campaigns.units import UnitTree
from services.upkeep.database import Database, open_database
from tests.postgres import create_database, drop_database, server_url

PRESET = "soc-trang-2023"


def open_with_preset(url: str, preset: str = PRESET) -> Database:
    """The database at `url`, migrated and loaded with `preset`; the caller disposes of it."""
    db = open_database(url)
    with db.session() as session:
        load_preset(session, preset)
        session.commit()
    return db


@contextmanager
def preset_pg_database() -> Iterator[str]:
    """The URL of a new database on the test PostgreSQL server, migrated and loaded with
    the preset; dropped afterwards."""
    server = server_url()
    assert server is not None
    url = create_database(server)
    open_with_preset(url).dispose()
    try:
        yield url
    finally:
        drop_database(server, url)


@contextmanager
def other_point_database(folder: Path) -> Iterator[Database]:
    """Another intake point's database (SQLite, in `folder`), with the same campaign."""
    db = open_with_preset(f"sqlite:///{folder / 'other.sqlite3'}")
    try:
        yield db
    finally:
        db.dispose()


def preset_tree(path: Path, preset: str) -> UnitTree:
    """The unit tree of `preset`, loaded into a new SQLite database at `path`."""
    database = open_with_preset(f"sqlite:///{path}", preset)
    with database.session(read_only=True) as session:
        tree = UnitTree.load(session)
    database.dispose()
    return tree
