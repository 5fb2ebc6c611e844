"""Facts that never change once written (a point's code and commune, a unit's code),
remembered per database engine so that every save does not read them again."""

from __future__ import annotations

import weakref

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models.entities import IntakePoint, Unit

_points: weakref.WeakKeyDictionary[Engine, dict[int, tuple[str, int]]] = weakref.WeakKeyDictionary()
# Per engine: (code by unit id, unit id by code).
_unit_codes: weakref.WeakKeyDictionary[Engine, tuple[dict[int, str], dict[str, int]]] = (
    weakref.WeakKeyDictionary()
)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def point_facts(session: Session, point_id: int) -> tuple[str, int] | None:
    """(code, commune id) of an intake point, or None if there is no such point.

    Read without autoflush (an import flushes its pending cases in batches, not one by
    one because a point had to be read), then kept for the engine's lifetime: no screen
    or command changes a point's code or commune.
    """
    known = _points.setdefault(_engine(session), {})
    if point_id not in known:
        with session.no_autoflush:
            row = session.execute(
                select(IntakePoint.code, IntakePoint.commune_id).where(IntakePoint.id == point_id)
            ).first()
        if row is None:
            return None
        known[point_id] = (str(row[0]), int(row[1]))
    return known[point_id]


def _load_unit_codes(session: Session) -> tuple[dict[int, str], dict[str, int]]:
    with session.no_autoflush:
        codes = {
            int(unit_id): str(code) for unit_id, code in session.execute(select(Unit.id, Unit.code))
        }
    maps = (codes, {code: unit_id for unit_id, code in codes.items()})
    _unit_codes[_engine(session)] = maps
    return maps


def unit_code(session: Session, unit_id: int) -> str:
    """A unit's code (units are written with the campaign and never change; a unit not yet
    seen, as after a preset was loaded, is read afresh)."""
    maps = _unit_codes.get(_engine(session))
    if maps is None or unit_id not in maps[0]:
        maps = _load_unit_codes(session)
    return maps[0][unit_id]


def unit_id_of(session: Session, code: str) -> int | None:
    """A unit's id by its code, or None."""
    maps = _unit_codes.get(_engine(session))
    if maps is None or code not in maps[1]:
        maps = _load_unit_codes(session)
    return maps[1].get(code)


def forget_point_facts() -> None:
    """After a restore replaced the database under a live engine: read points afresh."""
    _points.clear()
    _unit_codes.clear()
