"""What a forger with database access computes: an audit entry's hash over changed fields."""

from __future__ import annotations

from models.entities import AuditEntry
from services.security.audit import chain_entry_hash


def forged_hash(row: AuditEntry, summary: str, prev_hash: str) -> str:
    """The chain hash `row` would have with `summary` in place of its own, after `prev_hash`."""
    return chain_entry_hash(
        chain=row.chain,
        seq=row.seq,
        at=row.at,
        username=row.username,
        operator_id=row.operator_id,
        point_code=row.point_code,
        action=row.action,
        summary=summary,
        details=row.details,
        prev_hash=prev_hash,
    )
