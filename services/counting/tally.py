"""Counting, by the plan's rules: only activated cases, on the Vietnam-local day of activation;
level 1 to the commune of permanent residence, level 2 to the commune of the point that took
the application leading to the activation; by point and by operator, to whoever recorded the
activation. Level-1 activations of citizens living outside the province count on a row of
their own ("Ngoài tỉnh"), in no district or commune and not in the province's total. Every
column read here is derived from the case's events (`services.cases.fold`).

The same function feeds `tally`, the dashboard and the report workbook.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from models.activation_counts import OUTSIDE_UNIT, step_recount_sql
from models.codes import OUTSIDE_PROVINCE, Status, UnitLevel
from models.entities import (
    ActivationCount,
    Case,
    IntakePoint,
    Operator,
    OperatorActivationCount,
    OperatorStepCount,
    PointActivationCount,
    PointStepCount,
)
from services.campaigns.campaign import active_campaign
from services.campaigns.units import UnitInfo, UnitTree
from services.common.errors import UserError

OUTSIDE_NAME = "Ngoài tỉnh"


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
    # The province's figures: every row of units, never the outside-the-province row.
    total: TallyRow
    # Level-1 activations of citizens living in another province (a row of its own).
    outside: TallyRow

    @property
    def by_unit(self) -> bool:
        return self.by in (TallyBy.DISTRICT, TallyBy.COMMUNE)

    def as_json(self) -> dict[str, Any]:
        rows = [row.as_json() for row in self.rows]
        if self.by_unit and self.outside.activated:
            # A row of its own after the units, present once there is anyone to count.
            rows.append(self.outside.as_json())
        return {
            "as_of": self.as_of.isoformat(),
            "by": self.by.value,
            "rows": rows,
            "total": self.total.as_json(),
            "outside_province": self.outside.as_json(),
        }


@dataclass(frozen=True)
class Count:
    key: int | None
    level: int
    cumulative: int
    on_day: int


class Keyed(StrEnum):
    """What activations are grouped by: the three kinds of maintained counts."""

    UNIT = "unit"
    POINT = "point"
    OPERATOR = "operator"


_CASE_COLUMN = {
    Keyed.UNIT: Case.counted_unit_id,
    Keyed.POINT: Case.intake_point_id,
    Keyed.OPERATOR: Case.operator_id,
}
_MAINTAINED: dict[Keyed, tuple[Any, Any]] = {
    Keyed.UNIT: (ActivationCount, ActivationCount.unit_key),
    Keyed.POINT: (PointActivationCount, PointActivationCount.intake_point_id),
    Keyed.OPERATOR: (OperatorActivationCount, OperatorActivationCount.operator_id),
}


def activations_grouped(
    session: Session,
    keyed: Keyed,
    *,
    first: date | None = None,
    last: date | None = None,
    outside_only: bool = False,
    recount: bool = False,
) -> Iterator[tuple[date, int | None, int, int]]:
    """(day, key, level, activations) over the days asked, from the counts the database keeps
    (`models.activation_counts`) or, with `recount`, counted again over every activated case
    (the full computation: what `verify` compares with). The unit key None is "outside the
    province"."""
    if recount:
        column = _CASE_COLUMN[keyed]
        day_column, level_column = Case.activated_on, Case.level
        amount: Any = func.count()
        key_column: Any = column
        # Grouped in the order of the covering indexes (`ix_cases_tally` is activated_on,
        # counted_unit_id, level; the point and operator ones start with their key), the
        # database streams the index without sorting.
        group = (
            (day_column, column, level_column)
            if keyed == Keyed.UNIT
            else (column, day_column, level_column)
        )
        outside = column.is_(None)
        source: Any = Case
    else:
        table, key_column = _MAINTAINED[keyed]
        day_column, level_column, amount = table.activated_on, table.level, func.sum(table.n)
        group = (key_column, day_column, level_column)
        outside = key_column == OUTSIDE_UNIT
        source = table
    conditions: list[ColumnElement[bool]] = [day_column.is_not(None)]
    if first is not None:
        conditions.append(day_column >= first)
    if last is not None:
        conditions.append(day_column <= last)
    if outside_only:
        conditions.append(outside)
    query = (
        select(day_column, key_column, level_column, amount)
        .select_from(source)
        .where(*conditions)
        .group_by(*group)
    )
    for day, key, level, count in session.execute(query):
        if not count:
            continue
        if not recount and keyed == Keyed.UNIT and key == OUTSIDE_UNIT:
            key = None
        yield day, key, level, int(count)


def _counts(
    session: Session,
    keyed: Keyed,
    as_of: date,
    *,
    outside_only: bool = False,
    recount: bool = False,
) -> list[Count]:
    """Activations up to `as_of` per key and level, and on `as_of` alone: a few thousand
    rows of maintained counts (days x keys x levels), added up here."""
    totals: dict[tuple[int | None, int], list[int]] = {}
    for day, key, level, count in activations_grouped(
        session, keyed, last=as_of, outside_only=outside_only, recount=recount
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
    session: Session,
    as_of: date,
    by: TallyBy = TallyBy.DISTRICT,
    tree: UnitTree | None = None,
    *,
    recount: bool = False,
) -> Tally:
    """The counts up to the end of `as_of`, grouped `by`, from the maintained counts; with
    `recount`, counted again over every activated case (the same figures, at a cost that
    grows with the cases: for checking)."""
    campaign = active_campaign(session)
    tree = tree or UnitTree.load(session)
    unit_counts: list[Count] | None = None
    if by in (TallyBy.DISTRICT, TallyBy.COMMUNE):
        rows, unit_counts = _unit_rows(session, tree, by, as_of, recount)
    else:
        rows = _recorder_rows(session, by, as_of, recount)
    outside = TallyRow(OUTSIDE_PROVINCE, OUTSIDE_NAME, None, None)
    if unit_counts is None:
        unit_counts = _counts(session, Keyed.UNIT, as_of, outside_only=True, recount=recount)
    for count in unit_counts:
        if count.key is None:
            outside.add(count.level, count.cumulative, count.on_day)
    total = _total_row(campaign.province_name, tree.province, rows)
    if by in (TallyBy.POINT, TallyBy.OPERATOR):
        # Points and operators are credited with every activation they recorded; the
        # province's total leaves out those of citizens living elsewhere.
        total.level1 -= outside.level1
        total.level1_on_day -= outside.level1_on_day
        total.activated_on_day -= outside.activated_on_day
    return Tally(as_of=as_of, by=by, rows=rows, total=total, outside=outside)


def _unit_rows(
    session: Session, tree: UnitTree, by: TallyBy, as_of: date, recount: bool
) -> tuple[list[TallyRow], list[Count]]:
    """A row a district or commune, each unit's counts added to the one it lies in; and the
    counts by unit (their outside-the-province ones go to the tally's outside row)."""
    level = UnitLevel.DISTRICT if by == TallyBy.DISTRICT else UnitLevel.COMMUNE
    if level == UnitLevel.DISTRICT and not tree.has_districts:
        raise UserError(
            "Đợt này theo bản đồ hành chính hai cấp (tỉnh, xã; không có cấp huyện): không "
            "đếm theo huyện được. Dùng --by commune."
        )
    units = ordered_units(tree, level)
    row_of = {u.id: _unit_row(u) for u in units}
    unit_counts = _counts(session, Keyed.UNIT, as_of, recount=recount)
    for count in unit_counts:
        owner = tree.ancestor_at(count.key, level) if count.key is not None else None
        if owner is not None:
            row_of[owner.id].add(count.level, count.cumulative, count.on_day)
    return [row_of[u.id] for u in units], unit_counts


# Who recorded: the rows' table (id, code, name; ordered by code) and how the counts are kept.
_RECORDERS: dict[TallyBy, tuple[Any, Any, Any, Keyed]] = {
    TallyBy.POINT: (IntakePoint.id, IntakePoint.code, IntakePoint.name, Keyed.POINT),
    TallyBy.OPERATOR: (Operator.id, Operator.username, Operator.full_name, Keyed.OPERATOR),
}


def _recorder_rows(session: Session, by: TallyBy, as_of: date, recount: bool) -> list[TallyRow]:
    """A row an intake point or operator, with the activations they are credited with."""
    key, code, name, keyed = _RECORDERS[by]
    found = session.execute(select(key, code, name).order_by(code)).all()
    row_of = {
        row_id: TallyRow(row_code, row_name, None, None) for row_id, row_code, row_name in found
    }
    for count in _counts(session, keyed, as_of, recount=recount):
        assert count.key is not None  # a case is always credited to a point and an operator
        row_of[count.key].add(count.level, count.cumulative, count.on_day)
    return list(row_of.values())


def _total_row(province_name: str, province: UnitInfo, rows: list[TallyRow]) -> TallyRow:
    """The province's row: the plan's targets (else the rows' when each has one), the rows' sum."""
    total = TallyRow(None, province_name, province.target_total, province.target_daily)
    if total.target_total is None and rows and all(r.target_total is not None for r in rows):
        total.target_total = sum(r.target_total or 0 for r in rows)
        total.target_daily = sum(r.target_daily or 0 for r in rows)
    for row in rows:
        total.level1 += row.level1
        total.level2 += row.level2
        total.activated_on_day += row.activated_on_day
        total.level1_on_day += row.level1_on_day
        total.level2_on_day += row.level2_on_day
    return total


def steps_grouped(
    session: Session, by: TallyBy, *, recount: bool = False
) -> Iterator[tuple[int, str, date, int]]:
    """(point or operator id, step, local day, citizens) of the steps recorded: each citizen
    registered (level 1) or whose application was taken (level 2) counted once per point or
    operator, on the day of the first such report there. From the counts the database keeps
    (`models.activation_counts`) or, with `recount`, counted again over every event."""
    if recount:
        key = "intake_point_id" if by == TallyBy.POINT else "operator_id"
        sql = step_recount_sql(key, session.get_bind().dialect.name)
        rows: Any = session.execute(text(sql))
    else:
        table: Any = PointStepCount if by == TallyBy.POINT else OperatorStepCount
        column = table.intake_point_id if by == TallyBy.POINT else table.operator_id
        rows = session.execute(select(column, table.status, table.day, table.n).where(table.n != 0))
    for key_id, status, day, count in rows:
        if count:
            yield key_id, status, day if isinstance(day, date) else date.fromisoformat(day), count


def steps_recorded(
    session: Session, as_of: date, by: TallyBy, *, recount: bool = False
) -> dict[str, tuple[int, int]]:
    """How many citizens each point (by code) or operator (by username) registered for level
    1 and took a level-2 application from, up to the end of `as_of`: their work, whoever
    activated the account later."""
    names = (
        select(IntakePoint.id, IntakePoint.code)
        if by == TallyBy.POINT
        else select(Operator.id, Operator.username)
    )
    code_of: dict[int, str] = dict(session.execute(names).all())
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, status, day, count in steps_grouped(session, by, recount=recount):
        if day <= as_of:
            found[code_of[key]][0 if status == Status.REGISTERED.value else 1] += count
    return {key: (pair[0], pair[1]) for key, pair in found.items()}


def daily_series(
    session: Session, first: date, last: date, *, recount: bool = False
) -> dict[date, dict[int, int]]:
    """The province's activations per local day and level over a period (for charts and the
    daily sheet): outside-the-province level-1 activations left out, as in the total."""
    found: dict[date, dict[int, int]] = defaultdict(lambda: {1: 0, 2: 0})
    for day, unit, level, count in activations_grouped(
        session, Keyed.UNIT, first=first, last=last, recount=recount
    ):
        if unit is not None:
            found[day][level] += count
    return dict(found)


def daily_by_unit(
    session: Session,
    tree: UnitTree,
    level: UnitLevel,
    first: date,
    last: date,
    *,
    recount: bool = False,
) -> dict[tuple[date, int], int]:
    """Activations per (local day, unit of `level`) over a period, in one query."""
    found: dict[tuple[date, int], int] = defaultdict(int)
    for day, unit_id, _level, count in activations_grouped(
        session, Keyed.UNIT, first=first, last=last, recount=recount
    ):
        owner = tree.ancestor_at(unit_id, level) if unit_id is not None else None
        if owner is not None:
            found[(day, owner.id)] += count
    return dict(found)
