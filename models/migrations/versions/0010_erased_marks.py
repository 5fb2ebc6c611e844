"""erased marks

The marks of the events of citizens erased on request (the SHA-256 of each event's uid), so
that a package made before an erasure cannot bring the person back. A new table: existing
data is not touched (citizens erased before it have no marks).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0010_erased_marks"
down_revision = "0009_activation_counts"


def upgrade() -> None:
    op.create_table(
        "erased_marks",
        sa.Column("mark", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("erased_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mark", name=op.f("pk_erased_marks")),
    )


def downgrade() -> None:
    op.drop_table("erased_marks")
