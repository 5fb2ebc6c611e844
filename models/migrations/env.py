"""Alembic environment: the engine comes from `models.migrate`, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from models import entities  # noqa: F401  (registers the tables on Base.metadata)
from models.base import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("models.migrate passes the engine to Alembic")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
    )
    context.run_migrations()
