"""Deriving every case again from its events: after a schema upgrade that changed the rules
(migration 0005 asks for it with the `refold_required` setting), or to check the figures."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models.entities import Case, Setting
from services.cases.recording import derive

REFOLD_SETTING = "refold_required"
BATCH = 1000


def refold_all(session: Session, progress: Callable[[int, int], None] | None = None) -> int:
    """Derive every case from its history again (the caller commits); returns how many."""
    total = session.scalar(select(func.count()).select_from(Case)) or 0
    done, last_id = 0, 0
    while True:
        cases = list(
            session.scalars(
                select(Case)
                .options(selectinload(Case.history))
                .where(Case.id > last_id)
                .order_by(Case.id)
                .limit(BATCH)
            )
        )
        if not cases:
            break
        last_id = cases[-1].id
        for case in cases:
            derive(session, case)
        session.flush()
        session.expunge_all()
        done += len(cases)
        if progress:
            progress(done, total)
    return done


def refold_if_required(session: Session) -> bool:
    """After an upgrade that asked for it: derive every case again, in one transaction."""
    marker = session.get(Setting, REFOLD_SETTING)
    if marker is None:
        return False
    refold_all(session)
    session.delete(marker)
    session.commit()
    return True
