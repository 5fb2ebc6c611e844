"""The migrations build exactly the schema the models declare, and run at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from models.base import Base
from models.database import make_engine
from models.migrate import current_revision, head_revision, needs_upgrade, upgrade


def test_migrations_match_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], diff
    assert current_revision(engine) == head_revision()
    assert not needs_upgrade(engine)


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine)
    upgrade(engine)
    assert "cases" in inspect(engine).get_table_names()


def test_sqlite_pragmas_for_power_cuts(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert (connection.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000


def test_sqlite_folder_is_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "kichhoat.sqlite3"
    engine = make_engine(f"sqlite:///{target}")
    upgrade(engine)
    assert target.is_file()


def test_the_head_constant_is_the_newest_revision() -> None:
    from models.migrate import HEAD_REVISION

    assert head_revision() == HEAD_REVISION  # update HEAD_REVISION with every new migration


def test_an_up_to_date_database_is_not_handed_to_alembic(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    upgrade(engine)

    def must_not_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("Alembic was run on an up-to-date database")

    monkeypatch.setattr(command, "upgrade", must_not_run)
    assert not needs_upgrade(engine)
    upgrade(engine)  # one query, no Alembic
    with pytest.raises(AssertionError):
        upgrade(engine, "0003")  # an explicit revision still goes to Alembic
