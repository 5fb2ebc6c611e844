"""An erasure that holds: the marks of an erased citizen's events.

Erasing one citizen on request (`services.privacy.person_data.erase_person`) makes their
events' uids meaningless, so a data package exported before the erasure (here or at
another point) carried the old uids and, merged later, brought the person back as a new
case: their name and number again, and their activation counted twice. Before the uids are
replaced, the SHA-256 of each is kept (`erased_marks`); a merge leaves out every incoming
case with an event so marked, and every review-list entry with a marked event or the ID
number of a case left out in the same package.

What a mark reveals: nothing without the uid, and the uid of a desk save, a correction or a
decision is random; a sheet row's uid is the hash of the whole row (name, birth date, phone,
moment, point, operator), so a mark can only be matched by someone who knows all of those.
Status events that the review lists derive from the ID number and a case's moment (the
desk's link, the check-in) get no mark, since they could be recomputed from a guessed
number; an entry that has only those is recognised through its case in the same package.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.bulk import in_slices
from models.entities import CaseEvent, ErasedMark, OutreachEntry, OutreachEvent
from models.event_ids import content_uid
from services.common.vntime import now_utc

CASE, OUTREACH = "case", "outreach"


def erasure_mark(uid: str) -> str:
    return hashlib.sha256(f"kichhoat-erased\x1f{uid}".encode()).hexdigest()


def remember_erased(session: Session, case_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
    """Mark the events of these cases and review-list entries, before their uids go."""
    now = now_utc()
    marks: dict[str, str] = {}
    for some in in_slices(list(case_ids)):
        for (uid,) in session.execute(select(CaseEvent.uid).where(CaseEvent.case_id.in_(some))):
            marks[erasure_mark(uid)] = CASE
    for some in in_slices(list(entry_ids)):
        rows = session.execute(
            select(OutreachEntry.uid, OutreachEvent.uid, OutreachEvent.status, OutreachEvent.at)
            .join(OutreachEvent, OutreachEvent.entry_id == OutreachEntry.id)
            .where(OutreachEntry.id.in_(some))
        )
        for entry_uid, uid, status, at in rows:
            derived = {
                content_uid("outreach-check-in", entry_uid),
                content_uid("outreach-case", entry_uid, status, at.isoformat()),
            }
            if uid not in derived:
                marks[erasure_mark(uid)] = OUTREACH
    known = erased_marks(session, marks)
    session.add_all(
        ErasedMark(mark=mark, kind=kind, erased_at=now)
        for mark, kind in marks.items()
        if mark not in known
    )
    session.flush()


def erased_marks(session: Session, marks: Iterable[str]) -> set[str]:
    """The marks among these that are kept."""
    found: set[str] = set()
    for some in in_slices(sorted(set(marks))):
        found.update(session.scalars(select(ErasedMark.mark).where(ErasedMark.mark.in_(some))))
    return found


def erased_uids(session: Session, uids: Iterable[str]) -> set[str]:
    """The uids among these that were events of a citizen erased here."""
    by_mark = {erasure_mark(uid): uid for uid in uids}
    if not by_mark or session.scalar(select(ErasedMark.mark).limit(1)) is None:
        return set()
    return {by_mark[mark] for mark in erased_marks(session, by_mark)}
