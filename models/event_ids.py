"""Identities that are the same in every database: an event's `uid`, a fact set's `digest`.

An event made at the desk gets a random uid once; an event read from a spreadsheet row gets
the hash of what the row says, so that importing the same sheet again (here or at another
database) gives the same uid and the event is recognised. Shared by the services and the
migration that gave existing events their uids.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date

UID_LENGTH = 32
# `json.dumps(..., ensure_ascii=False, separators=(",", ":"))` without making the encoder
# again for every claim of a big import.
_CANONICAL_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def new_uid() -> str:
    """A fresh identity for an event made once, here (a desk save, a correction, a decision)."""
    return uuid.uuid4().hex


def content_uid(*parts: object) -> str:
    """The identity of an event described by `parts` (the same parts give the same uid)."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:UID_LENGTH]


def claim_digest(
    full_name: str,
    birth_date: date,
    sex: str,
    residence_code: str,
    phone: str | None,
    address: str | None,
    help_reason: str | None,
    notes: str | None,
) -> str:
    """The digest of a fact set: its canonical JSON, hashed."""
    body = _CANONICAL_JSON.encode(
        [
            full_name,
            birth_date.isoformat(),
            sex,
            residence_code,
            phone,
            address,
            help_reason,
            notes,
        ]
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:UID_LENGTH]


def legacy_uid(
    id_number: str,
    level: int,
    kind: str,
    to_status: str | None,
    changed_at_iso: str,
    point_code: str | None,
    username: str,
    failure_reason: str | None,
) -> str:
    """The uid of an event recorded before events had one (schema 0004 and older, and
    packages of that time): the hash of what identified it then, so that two databases
    upgraded separately give the same event the same uid."""
    return content_uid(
        "legacy",
        id_number,
        level,
        kind,
        to_status,
        changed_at_iso,
        point_code,
        username,
        failure_reason,
    )
