"""audit chain per point

The audit log becomes one hash chain per intake point (and one per computer for work done at
no point), each with its own head row in `audit_chains`, instead of one chain under the single
`audit_head` row that every save on a shared server had to lock. Received chain heads from
packages are kept in `audit_received_heads`.

Existing entries stay as they are, hashes included: they become the frozen chain `#cu`
(position = their old id, hashed as before, from the all-zero hash), whose head row copies
`audit_head`. Its last hash seeds the first hash of every new chain
(`services.security.audit.genesis_hash`), so emptying the old entries breaks every chain after them.
`audit_log.id` becomes a plain row number the database assigns (a sequence on PostgreSQL,
the rowid on SQLite), with no lock.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006_audit_chain_per_point"
down_revision = "0005"

LEGACY_CHAIN = "#cu"  # services.security.audit.LEGACY_CHAIN
GENESIS_HASH = "0" * 64


def _create_tables() -> None:
    op.create_table(
        "audit_chains",
        sa.Column("chain", sa.String(length=48), nullable=False),
        sa.Column("uid", sa.String(length=32), nullable=False),
        sa.Column("genesis", sa.String(length=64), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("last_seq >= 0", name=op.f("ck_audit_chains_last_seq_not_negative")),
        sa.PrimaryKeyConstraint("chain", name=op.f("pk_audit_chains")),
    )
    op.create_table(
        "audit_received_heads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_point", sa.String(length=32), nullable=True),
        sa.Column("package", sa.String(length=255), nullable=False),
        sa.Column("package_created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("chain", sa.String(length=48), nullable=False),
        sa.Column("chain_uid", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_received_heads")),
        sa.UniqueConstraint(
            "source",
            "package_created_at",
            "chain",
            name=op.f("uq_audit_received_heads_source_package_created_at_chain"),
        ),
    )


def _legacy_head() -> None:
    """The old single chain, when it has entries, gets its head row under `#cu`."""
    bind = op.get_bind()
    head = bind.execute(sa.text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
    if head is None or int(head[0]) == 0:
        return
    op.bulk_insert(
        sa.table(
            "audit_chains",
            sa.column("chain"),
            sa.column("uid"),
            sa.column("genesis"),
            sa.column("last_seq"),
            sa.column("last_hash"),
            sa.column("created_at", models.base.UTCDateTime()),
        ),
        [
            {
                "chain": LEGACY_CHAIN,
                "uid": secrets.token_hex(16),
                "genesis": GENESIS_HASH,
                "last_seq": int(head[0]),
                "last_hash": str(head[1]),
                "created_at": datetime.now(UTC),
            }
        ],
    )


def upgrade() -> None:
    _create_tables()
    _legacy_head()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.String(length=48), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    op.get_bind().execute(
        sa.text("UPDATE audit_log SET chain = :chain, seq = id"), {"chain": LEGACY_CHAIN}
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("chain", existing_type=sa.String(length=48), nullable=False)
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_audit_log_chain_seq"), ["chain", "seq"])
        batch_op.create_check_constraint(op.f("ck_audit_log_seq_from_one"), "seq >= 1")
    if op.get_bind().dialect.name == "postgresql":
        # What SERIAL would have made: the row number comes from a sequence, not a lock.
        op.execute("CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id")
        op.execute("ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT nextval('audit_log_id_seq')")
        op.execute(
            "SELECT setval('audit_log_id_seq', COALESCE((SELECT MAX(id) FROM audit_log), 0) + 1, "
            "false)"
        )
    # SQLite: `id INTEGER PRIMARY KEY` is the rowid, numbered by SQLite when not given.
    op.drop_table("audit_head")


def downgrade() -> None:
    raise NotImplementedError(
        "Không hạ cấp được lược đồ 0006 (nhật ký đã tách thành nhiều chuỗi theo điểm)."
    )
