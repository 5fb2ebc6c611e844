"""Shared fixtures: a fresh database with the Sóc Trăng preset, sessions, and factories."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from services.upkeep.database import Database, open_database
from tests.memory_keyring import MemoryKeyring
from tests.postgres import create_database, drop_database, server_url
from tests.shared_databases import (
    open_with_preset,
    other_point_database,
    preset_pg_database,
)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("default")

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(autouse=True)
def own_data_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test (and every command it runs) has a data folder of its own: the audit's
    witness files, backups, settings and logs never reach the real one, nor the next test."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    return folder


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets an empty credential store in memory: none touches the real one."""
    previous = keyring.get_keyring()
    store = MemoryKeyring()
    keyring.set_keyring(store)
    yield store
    keyring.set_keyring(previous)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Service and model tests run on SQLite and on PostgreSQL; the GUI tests on SQLite."""
    if "database" not in metafunc.fixturenames:
        return
    path = metafunc.definition.path.as_posix()
    both = "/tests/services/" in path or "/tests/models/" in path
    metafunc.parametrize("backend", BACKENDS if both else BACKENDS[:1], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A database migrated and loaded with the preset, cloned for each PostgreSQL test."""
    with preset_pg_database() as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated and loaded with the preset, copied for each SQLite test:
    running every migration for every test would take most of the suite's time."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    # The last connection closes: the WAL is checkpointed into the file.
    open_with_preset(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Database]:
    """A new database, migrated and loaded with the Sóc Trăng 2023 preset."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        db = open_database(f"sqlite:///{path}")
        yield db
        db.dispose()
        return
    template = request.getfixturevalue("pg_template")
    server = server_url()
    assert server is not None
    url = create_database(server, template=make_url(template).database)
    db = open_database(url)
    yield db
    db.dispose()
    drop_database(server, url)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    # Deferred, as before IMMEDIATE: a test reads through this session, keeps its
    # transaction open and then calls a service that opens its own session to write; an
    # IMMEDIATE transaction here would hold that write up for the whole busy timeout.
    with database.session(read_only=True) as session:
        yield session


@pytest.fixture
def other(tmp_path: Path) -> Iterator[Database]:
    """A second intake point's database (SQLite) with the same campaign, migrated and
    loaded afresh: it shares nothing with `database` but the preset."""
    with other_point_database(tmp_path) as db:
        yield db
