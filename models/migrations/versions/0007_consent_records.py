"""consent records

Each history event may carry the consent record of the report that brought its case in
(`services.privacy.consent`): the version of the notice the citizen heard, when, the legal basis
(the citizen's consent, a state body's duty under law, or a spreadsheet row) and the law
the campaign acts under. Existing events get none: their cases were saved with consent
enforced, before notices had versions, and the case detail says so ("không rõ").
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0007_consent_records"
down_revision = "0006_audit_chain_per_point"


def upgrade() -> None:
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_notice", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("consent_at", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("consent_basis", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("consent_legal_reference", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            "consent_basis",
            "consent_basis IS NULL OR consent_basis IN ('consent', 'legal_duty', 'imported')",
        )
        batch_op.create_check_constraint(
            "consent_at", "(consent_basis IS NULL) = (consent_at IS NULL)"
        )
        batch_op.create_check_constraint(
            "consent_record",
            "consent_basis IS NOT NULL OR (consent_notice IS NULL AND "
            "consent_legal_reference IS NULL)",
        )
        batch_op.create_check_constraint(
            "consent_legal_reference",
            "consent_basis IS NULL OR consent_basis <> 'legal_duty' OR "
            "consent_legal_reference IS NOT NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_case_history_consent_legal_reference"), "check")
        batch_op.drop_constraint(batch_op.f("ck_case_history_consent_record"), "check")
        batch_op.drop_constraint(batch_op.f("ck_case_history_consent_at"), "check")
        batch_op.drop_constraint(batch_op.f("ck_case_history_consent_basis"), "check")
        batch_op.drop_column("consent_legal_reference")
        batch_op.drop_column("consent_basis")
        batch_op.drop_column("consent_at")
        batch_op.drop_column("consent_notice")
