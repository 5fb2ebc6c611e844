"""outreach

Review lists (danh sách rà soát): hamlets kept per commune, the people listed with what is
known of them and their outreach status, the history of those statuses, the stops (fixed
points and mobile teams) with their time slots, and appointments. New tables: existing
data is not touched.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0009_outreach"
down_revision = "0008_citizen_requests"


def upgrade() -> None:
    op.create_table(
        "hamlets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["units.id"], name=op.f("fk_hamlets_commune_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hamlets")),
        sa.UniqueConstraint("commune_id", "name_key", name=op.f("uq_hamlets_commune_id_name_key")),
    )
    op.create_table(
        "outreach_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(length=12), nullable=True),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("name_folded", sa.Text(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("birth_year", sa.SmallInteger(), nullable=False),
        sa.Column("sex", sa.String(length=3), nullable=True),
        sa.Column("phone", sa.String(length=10), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("do_not_contact", sa.Boolean(), nullable=False),
        sa.Column("listed_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("facts_at", models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "sex IS NULL OR sex IN ('Nam', 'Nữ')", name=op.f("ck_outreach_entries_sex")
        ),
        sa.CheckConstraint(
            "status IN ('not_contacted', 'notified', 'appointed', 'came', 'activated', 'had_account', 'refused', 'unreachable', 'ineligible')",
            name=op.f("ck_outreach_entries_status"),
        ),
        sa.CheckConstraint(
            "birth_year BETWEEN 1880 AND 2100", name=op.f("ck_outreach_entries_birth_year")
        ),
        sa.CheckConstraint(
            "id_number IS NULL OR length(id_number) = 12",
            name=op.f("ck_outreach_entries_id_number"),
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["units.id"], name=op.f("fk_outreach_entries_commune_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"], ["hamlets.id"], name=op.f("fk_outreach_entries_hamlet_id_hamlets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_entries")),
        sa.UniqueConstraint("uid", name=op.f("uq_outreach_entries_uid")),
    )
    with op.batch_alter_table("outreach_entries", schema=None) as batch_op:
        batch_op.create_index("ix_outreach_entries_id_number", ["id_number"], unique=False)
        batch_op.create_index(
            "ix_outreach_entries_name", ["name_folded", "birth_year"], unique=False
        )
        batch_op.create_index(
            "ix_outreach_entries_progress", ["commune_id", "hamlet_id", "status"], unique=False
        )

    op.create_table(
        "outreach_stops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("hamlet_id", sa.Integer(), nullable=True),
        sa.Column("intake_point_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('fixed', 'hamlet', 'market', 'household')",
            name=op.f("ck_outreach_stops_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["units.id"], name=op.f("fk_outreach_stops_commune_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["hamlet_id"], ["hamlets.id"], name=op.f("fk_outreach_stops_hamlet_id_hamlets")
        ),
        sa.ForeignKeyConstraint(
            ["intake_point_id"],
            ["intake_points.id"],
            name=op.f("fk_outreach_stops_intake_point_id_intake_points"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_stops")),
        sa.UniqueConstraint("code", name=op.f("uq_outreach_stops_code")),
    )
    op.create_table(
        "outreach_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", models.base.UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('not_contacted', 'notified', 'appointed', 'came', 'activated', 'had_account', 'refused', 'unreachable', 'ineligible')",
            name=op.f("ck_outreach_events_status"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["outreach_entries.id"],
            name=op.f("fk_outreach_events_entry_id_outreach_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_events")),
        sa.UniqueConstraint("uid", name=op.f("uq_outreach_events_uid")),
    )
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.create_index("ix_outreach_events_entry", ["entry_id", "at"], unique=False)

    op.create_table(
        "outreach_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stop_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_outreach_slots_capacity")),
        sa.CheckConstraint("start_time < end_time", name=op.f("ck_outreach_slots_hours")),
        sa.ForeignKeyConstraint(
            ["stop_id"],
            ["outreach_stops.id"],
            name=op.f("fk_outreach_slots_stop_id_outreach_stops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_slots")),
        sa.UniqueConstraint(
            "stop_id", "day", "start_time", name=op.f("uq_outreach_slots_stop_id_day_start_time")
        ),
    )
    op.create_table(
        "outreach_appointments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["outreach_entries.id"],
            name=op.f("fk_outreach_appointments_entry_id_outreach_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["outreach_slots.id"],
            name=op.f("fk_outreach_appointments_slot_id_outreach_slots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_appointments")),
        sa.UniqueConstraint("entry_id", name=op.f("uq_outreach_appointments_entry_id")),
    )
    with op.batch_alter_table("outreach_appointments", schema=None) as batch_op:
        batch_op.create_index("ix_outreach_appointments_slot", ["slot_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outreach_appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_appointments_slot")

    op.drop_table("outreach_appointments")
    op.drop_table("outreach_slots")
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_events_entry")

    op.drop_table("outreach_events")
    op.drop_table("outreach_stops")
    with op.batch_alter_table("outreach_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_entries_progress")
        batch_op.drop_index("ix_outreach_entries_name")
        batch_op.drop_index("ix_outreach_entries_id_number")

    op.drop_table("outreach_entries")
    op.drop_table("hamlets")
