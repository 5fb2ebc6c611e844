"""Facts about intake points that never change once written (a point's code and commune),
remembered per database engine so that every save does not read them again."""

from __future__ import annotations

import weakref

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models.entities import IntakePoint

_points: weakref.WeakKeyDictionary[Engine, dict[int, tuple[str, int]]] = weakref.WeakKeyDictionary()


def point_facts(session: Session, point_id: int) -> tuple[str, int] | None:
    """(code, commune id) of an intake point, or None if there is no such point.

    Read without autoflush (an import flushes its pending cases in batches, not one by
    one because a point had to be read), then kept for the engine's lifetime: no screen
    or command changes a point's code or commune.
    """
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    known = _points.setdefault(engine, {})
    if point_id not in known:
        with session.no_autoflush:
            row = session.execute(
                select(IntakePoint.code, IntakePoint.commune_id).where(IntakePoint.id == point_id)
            ).first()
        if row is None:
            return None
        known[point_id] = (str(row[0]), int(row[1]))
    return known[point_id]


def forget_point_facts() -> None:
    """After a restore replaced the database under a live engine: read points afresh."""
    _points.clear()
