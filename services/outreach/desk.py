"""The desk's side of outreach: a scanned card checks its person in (Đã đến) when that
person is on a review list, and says whether they came by appointment."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import OutreachStatus
from models.entities import OutreachEntry
from services.outreach.lists import STATUS_LABELS, check_in
from services.outreach.schedule import day_schedule
from services.person.id_number import normalise_id_number
from services.security.permissions import Action, allowed
from services.security.session_context import Actor


def check_in_on_scan(session: Session, actor: Actor, id_number: str, day: date) -> str | None:
    """Check the citizen of `id_number` in if listed (the caller commits); what to tell the
    clerk, or None when the person is on no review list (or the actor does no outreach)."""
    if not allowed(actor, Action.OUTREACH):
        return None
    number = normalise_id_number(id_number)
    entry = session.scalars(
        select(OutreachEntry).where(OutreachEntry.id_number == number).order_by(OutreachEntry.id)
    ).first()
    if entry is None:
        return None
    before = OutreachStatus(entry.status)
    check_in(session, actor, number)
    after = OutreachStatus(entry.status)
    booked = next(
        (
            row
            for row in day_schedule(session, day, intake_point_id=actor.point_id)
            if row.entry_id == entry.id
        ),
        None,
    )
    said = f"{entry.full_name} có trong danh sách rà soát"
    if booked is not None:
        said += f", hẹn {booked.start:%H:%M}–{booked.end:%H:%M} hôm nay tại {booked.stop_name}"
    if after != before:
        return f"{said}: đã ghi «{STATUS_LABELS[after]}»."
    return f"{said} ({STATUS_LABELS[after]})."
