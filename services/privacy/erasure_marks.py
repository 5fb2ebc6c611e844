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
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.bulk import in_slices
from models.entities import Case, CaseEvent, ErasedMark, OutreachEntry, OutreachEvent
from models.event_ids import content_uid
from services.common.vntime import now_utc
from services.upkeep.database import Database

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


def any_marks(session: Session) -> bool:
    """Whether this database keeps any mark (none until a first erasure on request)."""
    return session.scalar(select(ErasedMark.mark).limit(1)) is not None


def erased_uids(session: Session, uids: Iterable[str]) -> set[str]:
    """The uids among these that were events of a citizen erased here. Nothing is hashed
    on a database that keeps no mark (every merge of a batch asks)."""
    if not any_marks(session):
        return set()
    by_mark = {erasure_mark(uid): uid for uid in uids}
    return {by_mark[mark] for mark in erased_marks(session, by_mark)}


@dataclass(frozen=True)
class KeptMark:
    mark: str
    kind: str
    erased_at: datetime


def kept_marks(session: Session) -> list[KeptMark]:
    """Every mark this database keeps (carried over a restore)."""
    return [KeptMark(m.mark, m.kind, m.erased_at) for m in session.scalars(select(ErasedMark))]


def erase_marked_again(session: Session, marks: Sequence[KeptMark]) -> int:
    """After a restore: keep `marks` (those of the database replaced) and erase again every
    case and list entry of the restored one that carries a marked event (a copy made before
    an erasure holds the person whole). The number of cases erased again."""
    if not marks:
        return 0
    from services.privacy.purge import anonymise_cases, anonymise_outreach
    from services.privacy.requests import forget_id_number

    known = erased_marks(session, (m.mark for m in marks))
    session.add_all(
        ErasedMark(mark=m.mark, kind=m.kind, erased_at=m.erased_at)
        for m in marks
        if m.mark not in known
    )
    session.flush()
    wanted = {m.mark for m in marks}
    case_ids = sorted(
        {
            case_id
            for uid, case_id in session.execute(select(CaseEvent.uid, CaseEvent.case_id))
            if erasure_mark(uid) in wanted
        }
    )
    numbers: set[str] = set()
    for cases in in_slices(case_ids):
        numbers.update(session.scalars(select(Case.id_number).where(Case.id.in_(cases))))
    entry_ids = {
        entry_id
        for uid, entry_id in session.execute(select(OutreachEvent.uid, OutreachEvent.entry_id))
        if erasure_mark(uid) in wanted
    }
    for listed in in_slices(sorted(numbers)):
        entry_ids.update(
            session.scalars(select(OutreachEntry.id).where(OutreachEntry.id_number.in_(listed)))
        )
    anonymise_cases(session, case_ids)
    anonymise_outreach(session, sorted(entry_ids))
    for number in numbers:
        forget_id_number(session, number)
    return len(case_ids)


def erase_again_after_restore(database: Database, marks: Sequence[KeptMark]) -> int:
    """`erase_marked_again` in its own transaction, as the erasure itself does it: on SQLite
    the freed pages zeroed and the write-ahead log emptied after. The number of cases."""
    if not marks:
        return 0
    from services.privacy.person_data import empty_write_ahead_log

    with database.session() as session:
        if database.is_sqlite:
            session.execute(text("PRAGMA secure_delete = ON"))
        erased = erase_marked_again(session, marks)
        session.commit()
    if database.is_sqlite:
        empty_write_ahead_log(database)
    return erased
