"""Corrections as tests write them: one call naming the case, who corrects it and what changes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models.entities import CaseEvent
from services.cases.detail import correct_opened_case
from services.cases.recording import Correction
from services.security.session_context import Actor


def correct(
    session: Session,
    actor: Actor,
    case: tuple[int, int],
    reason: str,
    by: int,
    at_point: int | None = None,
    **changes: Any,
) -> CaseEvent:
    """Correct the case `(id, version)` as opened: `reason`, by operator `by` at `at_point`;
    `changes` are the other fields of `Correction` (values, status, failure_reason, at)."""
    case_id, version = case
    correction = Correction(reason, by, at_point, **changes)
    return correct_opened_case(session, actor, case_id, version, correction)
