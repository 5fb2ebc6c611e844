"""Alembic environment: the engine comes from `models.migrate`, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from models import entities  # noqa: F401  (registers the tables on Base.metadata)
from models.base import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise RuntimeError("models.migrate passes the engine to Alembic")


def run(connection: Connection) -> None:
    with connection.begin():
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
        )
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:  # raising rolls the whole upgrade back
                raise RuntimeError(f"Migration left rows with broken references: {broken[:5]}")


with engine.connect() as connection:
    if connection.dialect.name != "sqlite":
        run(connection)
    else:
        # A batch migration on SQLite rebuilds a table: copy, DROP, rename. With foreign keys
        # on, the DROP fails when other tables refer to it (operators, units...) or, worse,
        # cascades (case_history ON DELETE CASCADE would lose every case's history). SQLite's
        # own procedure for ALTER TABLE: keys off outside the transaction, check before commit.
        # The pragma is a no-op inside a transaction, so it goes to the driver directly,
        # before SQLAlchemy begins one (models.database begins SQLite transactions itself).
        raw = connection.connection.driver_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            run(connection)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")
