"""citizen requests

The log of citizens' requests about their personal data (to see, correct or erase it, to
object...), each with the day it arrived, its legal due dates (reply, completion), its status and who answered
it when. A new table: existing data is not touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0008_citizen_requests"
down_revision = "0007_consent_records"


def upgrade() -> None:
    op.create_table(
        "citizen_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("id_number", sa.String(length=12), nullable=True),
        sa.Column("id_number_masked", sa.String(length=12), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("reply_due_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_by", sa.String(length=80), nullable=False),
        sa.Column("handled_by", sa.String(length=80), nullable=True),
        sa.Column("answered_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(status = 'open') = (answered_at IS NULL)", name=op.f("ck_citizen_requests_answered")
        ),
        sa.CheckConstraint(
            "due_on >= reply_due_on AND reply_due_on >= received_on",
            name=op.f("ck_citizen_requests_due"),
        ),
        sa.CheckConstraint(
            "id_number IS NULL OR length(id_number) = 12",
            name=op.f("ck_citizen_requests_id_number"),
        ),
        sa.CheckConstraint(
            "kind IN ('access', 'correct', 'erase', 'restrict', 'object', 'withdraw')",
            name=op.f("ck_citizen_requests_kind"),
        ),
        sa.CheckConstraint(
            "status = 'open' OR id_number IS NULL",
            name=op.f("ck_citizen_requests_number_only_while_open"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'answered', 'refused')", name=op.f("ck_citizen_requests_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_requests")),
    )
    with op.batch_alter_table("citizen_requests", schema=None) as batch_op:
        batch_op.create_index("ix_citizen_requests_id_number", ["id_number"], unique=False)
        batch_op.create_index("ix_citizen_requests_open", ["status", "due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("citizen_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_citizen_requests_open")
        batch_op.drop_index("ix_citizen_requests_id_number")
    op.drop_table("citizen_requests")
