"""activation counts

Activations per day, level and counted unit, intake point and operator, kept by triggers on
`cases` in the transaction that changes a case, and the citizens registered or whose
application was taken per point and operator, kept by triggers on `case_history`
(`models.activation_counts`); filled here from the existing cases and events. A partial index for the dashboard's moved activations (moment corrections by
moment). On PostgreSQL, a trigram index on the folded name (pg_trgm) for the name search
without diacritics, when the extension can be created (it is trusted from PostgreSQL 13).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

from models import activation_counts

revision = activation_counts.REVISION
down_revision = "0009_outreach"

TRIGRAM_INDEX = "ix_cases_name_folded_trgm"


def _count_table(name: str, key: str) -> None:
    op.create_table(
        name,
        sa.Column(key, sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("activated_on", sa.Date(), nullable=False),
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(key, "activated_on", "level", name=op.f(f"pk_{name}")),
    )


def _step_table(name: str, key: str) -> None:
    op.create_table(
        name,
        sa.Column(key, sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(key, "status", "day", name=op.f(f"pk_{name}")),
    )


def upgrade() -> None:
    for table, key, _value in activation_counts.DIMENSIONS:
        _count_table(table, key)
    for table, key in activation_counts.STEP_DIMENSIONS:
        _step_table(table, key)
    connection = op.get_bind()
    activation_counts.rebuild(connection)
    activation_counts.install_triggers(connection)
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_history_moments",
            ["changed_at"],
            unique=False,
            sqlite_where=sa.text("kind = 'moment'"),
            postgresql_where=sa.text("kind = 'moment'"),
        )
    if connection.dialect.name == "postgresql":
        _trigram_index(connection)


def _trigram_index(connection: sa.Connection) -> None:
    """pg_trgm's GIN index serves `name_folded LIKE '%...%'`; without the extension (a role
    that may not create it) the search still works, by a scan."""
    try:
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError:
        return
    connection.execute(
        sa.text(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON cases "
            "USING gin (name_folded gin_trgm_ops)"
        )
    )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}"))
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.drop_index("ix_case_history_moments")
    activation_counts.drop_triggers(connection)
    for table, _key, _value in activation_counts.DIMENSIONS:
        op.drop_table(table)
    for table, _key in activation_counts.STEP_DIMENSIONS:
        op.drop_table(table)
