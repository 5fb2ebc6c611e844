"""Databases for tests: migrated and loaded with a campaign preset."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from services.campaigns.campaign import load_preset
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
