"""Shared fixtures: a fresh database with the Sóc Trăng preset, sessions, and factories."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.orm import Session

from services.campaigns import load_preset
from services.database import Database, open_database

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("default")

PRESET = "soc-trang-2023"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A new SQLite database, migrated and loaded with the Sóc Trăng 2023 preset."""
    db = open_database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    with db.session() as session:
        load_preset(session, PRESET)
        session.commit()
    yield db
    db.dispose()


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as session:
        yield session
