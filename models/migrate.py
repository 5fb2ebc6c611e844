"""Alembic migrations, run from code at start-up (no ini file).

Alembic itself is imported only when the schema is behind: every start checks the
stored revision with one query against `HEAD_REVISION` (a test keeps that constant
equal to the newest revision file), so a start on an up-to-date database stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest revision (the file `models/migrations/versions/0010_erased_marks.py`).
HEAD_REVISION = "0010_erased_marks"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The newest revision as Alembic reads it from the revision files."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database), in one query."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:  # no alembic_version table yet: a new database
            return None


def needs_upgrade(engine: Engine) -> bool:
    return current_revision(engine) != HEAD_REVISION


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default). Safe to call on every start."""
    if revision == "head" and not needs_upgrade(engine):
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
