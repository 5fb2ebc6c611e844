"""What a forger with database access computes: an audit entry's hash over changed fields."""

from __future__ import annotations

from models.entities import AuditEntry
from services.security.audit import chain_entry_hash

# The entry's own fields that its chain hash covers, besides its summary and the link.
KEPT = ("chain", "seq", "at", "username", "operator_id", "point_code", "action", "details")


def forged_hash(row: AuditEntry, summary: str, prev_hash: str) -> str:
    """The chain hash `row` would have with `summary` in place of its own, after `prev_hash`."""
    kept = {name: getattr(row, name) for name in KEPT}
    return chain_entry_hash(**kept, summary=summary, prev_hash=prev_hash)
