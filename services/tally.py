"""Counting, by the plan's rules: only activated cases, on the Vietnam-local day of activation;
level 1 to the unit of permanent residence, level 2 to the unit where it was taken.

The same function feeds `tally`, the dashboard and the report workbook.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import UnitLevel
from models.entities import Case, IntakePoint, Operator
from services.campaigns import active_campaign
from services.errors import UserError
from services.units import UnitInfo, UnitTree


class TallyBy(StrEnum):
    DISTRICT = "district"
    COMMUNE = "commune"
    POINT = "point"
    OPERATOR = "operator"


@dataclass
class TallyRow:
    code: str | None
    name: str
    target_total: int | None
    target_daily: int | None
    level1: int = 0
    level2: int = 0
    activated_on_day: int = 0
    level1_on_day: int = 0
    level2_on_day: int = 0

    @property
    def activated(self) -> int:
        return self.level1 + self.level2

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "target_total": self.target_total,
            "target_daily": self.target_daily,
            "level1": self.level1,
            "level2": self.level2,
            "activated": self.activated,
            "activated_on_day": self.activated_on_day,
        }

    def add(self, level: int, cumulative: int, on_day: int) -> None:
        if level == 1:
            self.level1 += cumulative
            self.level1_on_day += on_day
        else:
            self.level2 += cumulative
            self.level2_on_day += on_day
        self.activated_on_day += on_day


@dataclass
class Tally:
    as_of: date
    by: TallyBy
    rows: list[TallyRow]
    total: TallyRow

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "by": self.by.value,
            "rows": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


@dataclass(frozen=True)
class Count:
    key: int
    level: int
    cumulative: int
    on_day: int


def _counts(session: Session, column: Any, as_of: date) -> list[Count]:
    """Activations up to `as_of` per key and level, and on `as_of` alone.

    Grouped in the order of the covering indexes (`ix_cases_tally` is activated_on,
    counted_unit_id, level; the point and operator ones start with their key), the
    database streams the index without sorting; the few thousand groups (days x keys x
    levels) are then added up here. At 600,000 cases that is 40 ms instead of 150.
    """
    group: tuple[Any, ...]
    if column is Case.counted_unit_id:
        group = (Case.activated_on, column, Case.level)
    else:
        group = (column, Case.activated_on, Case.level)
    totals: dict[tuple[int, int], list[int]] = {}
    for day, key, level, count in session.execute(
        select(Case.activated_on, column, Case.level, func.count())
        .where(Case.activated_on <= as_of)
        .group_by(*group)
    ):
        bucket = totals.setdefault((key, level), [0, 0])
        bucket[0] += count
        if day == as_of:
            bucket[1] += count
    return [
        Count(key, level, cumulative, on_day)
        for (key, level), (cumulative, on_day) in totals.items()
    ]


def _unit_row(unit: UnitInfo) -> TallyRow:
    return TallyRow(unit.code, unit.name, unit.target_total, unit.target_daily)


def ordered_units(tree: UnitTree, level: UnitLevel) -> list[UnitInfo]:
    """Units of one level in the plan's order (districts as the plan lists them)."""
    found: list[UnitInfo] = []

    def walk(unit: UnitInfo) -> None:
        if unit.level == level.value:
            found.append(unit)
            return
        for child in tree.children[unit.id]:
            walk(child)

    walk(tree.province)
    return found


def tally(
    session: Session, as_of: date, by: TallyBy = TallyBy.DISTRICT, tree: UnitTree | None = None
) -> Tally:
    campaign = active_campaign(session)
    tree = tree or UnitTree.load(session)
    rows: list[TallyRow]
    if by in (TallyBy.DISTRICT, TallyBy.COMMUNE):
        level = UnitLevel.DISTRICT if by == TallyBy.DISTRICT else UnitLevel.COMMUNE
        if level == UnitLevel.DISTRICT and not tree.has_districts:
            raise UserError("Đợt này chỉ có hai cấp (tỉnh, xã): dùng --by commune.")
        units = ordered_units(tree, level)
        row_of = {u.id: _unit_row(u) for u in units}
        rows = [row_of[u.id] for u in units]
        for count in _counts(session, Case.counted_unit_id, as_of):
            owner = tree.ancestor_at(count.key, level)
            if owner is not None:
                row_of[owner.id].add(count.level, count.cumulative, count.on_day)
    elif by == TallyBy.POINT:
        points = session.execute(
            select(IntakePoint.id, IntakePoint.code, IntakePoint.name).order_by(IntakePoint.code)
        ).all()
        row_of = {pid: TallyRow(code, name, None, None) for pid, code, name in points}
        rows = list(row_of.values())
        for count in _counts(session, Case.intake_point_id, as_of):
            row_of[count.key].add(count.level, count.cumulative, count.on_day)
    else:
        operators = session.execute(
            select(Operator.id, Operator.username, Operator.full_name).order_by(Operator.username)
        ).all()
        row_of = {oid: TallyRow(username, name, None, None) for oid, username, name in operators}
        rows = list(row_of.values())
        for count in _counts(session, Case.operator_id, as_of):
            row_of[count.key].add(count.level, count.cumulative, count.on_day)

    province = tree.province
    total = TallyRow(None, campaign.province_name, province.target_total, province.target_daily)
    if total.target_total is None and rows and all(r.target_total is not None for r in rows):
        total.target_total = sum(r.target_total or 0 for r in rows)
        total.target_daily = sum(r.target_daily or 0 for r in rows)
    for row in rows:
        total.level1 += row.level1
        total.level2 += row.level2
        total.activated_on_day += row.activated_on_day
        total.level1_on_day += row.level1_on_day
        total.level2_on_day += row.level2_on_day
    return Tally(as_of=as_of, by=by, rows=rows, total=total)


def daily_series(session: Session, first: date, last: date) -> dict[date, dict[int, int]]:
    """Activations per local day and level over a period (for charts and the daily sheet)."""
    found: dict[date, dict[int, int]] = defaultdict(lambda: {1: 0, 2: 0})
    for day, level, count in session.execute(
        select(Case.activated_on, Case.level, func.count())
        .where(Case.activated_on >= first, Case.activated_on <= last)
        .group_by(Case.activated_on, Case.level)
    ):
        if day is not None:
            found[day][level] = count
    return dict(found)


def daily_by_unit(
    session: Session, tree: UnitTree, level: UnitLevel, first: date, last: date
) -> dict[tuple[date, int], int]:
    """Activations per (local day, unit of `level`) over a period, in one query."""
    found: dict[tuple[date, int], int] = defaultdict(int)
    for day, unit_id, count in session.execute(
        select(Case.activated_on, Case.counted_unit_id, func.count())
        .where(Case.activated_on >= first, Case.activated_on <= last)
        .group_by(Case.activated_on, Case.counted_unit_id)
    ):
        owner = tree.ancestor_at(unit_id, level)
        if day is not None and owner is not None:
            found[(day, owner.id)] += count
    return dict(found)
