"""The dashboard's numbers for one day and one place in the unit tree.

Every count comes from `services.counting.tally` (the same function as `tally` on the command line
and the PC06 workbook); this module only picks rows, adds the plan's pace and the days.

Drill levels: the province shows its districts (its communes in a two-level campaign), a
district its communes, a commune the intake points standing in it. Intake points have no
targets: they show counts only. A point's counts are what it took in (`tally --by point`),
so the points of a commune need not add up to the commune's own count: level 1 counts for
the commune of residence, wherever it was taken.

Pace is *proportional*: by the end of day `d` a unit is expected to have

    expected = target_total * elapsed_days / campaign_days

where `campaign_days` counts the campaign inclusively (32 for 18/7 to 18/8/2023) and
`elapsed_days` the campaign days up to and including `d`. The pace ratio is
actual / expected: at least 100 % is on plan (green), at least 80 % close (amber), less is
behind (red). A unit with no target, or a day before the campaign, has no pace (grey).

Days left are the campaign days *after* the chosen day (as in the PC06 workbook), and the
daily rate needed is the remaining target divided by them, rounded up; on the last day the
whole remainder is needed. Once the last day has passed (today is after it) no day is left
to need anything: the campaign has *ended* and what remains is a shortfall, not a rate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.codes import UnitLevel
from models.entities import MOMENT_EVENTS, CaseEvent, IntakePoint
from services.campaigns.campaign import active_campaign
from services.campaigns.units import UnitInfo, UnitTree
from services.common.errors import NotFoundError
from services.common.vntime import local_day, now_utc, today_vn
from services.counting.tally import TallyBy, TallyRow, daily_by_unit, daily_series, tally

ON_PLAN = 1.0
CLOSE = 0.8


class Pace(StrEnum):
    ON_PLAN = "on_plan"  # >= 100 % of the expected cumulative: green
    CLOSE = "close"  # >= 80 %: amber
    BEHIND = "behind"  # < 80 %: red
    NONE = "none"  # no target, or nothing expected yet: grey


PACE_LABELS = {
    Pace.ON_PLAN: "Đạt tiến độ",
    Pace.CLOSE: "Gần đạt tiến độ",
    Pace.BEHIND: "Chậm tiến độ",
    Pace.NONE: "Chưa có chỉ tiêu",
}


class ChildKind(StrEnum):
    DISTRICT = "district"
    COMMUNE = "commune"
    POINT = "point"


CHILD_LABELS = {
    ChildKind.DISTRICT: "Huyện, thị xã, thành phố",
    ChildKind.COMMUNE: "Đơn vị cấp xã",
    ChildKind.POINT: "Điểm thu nhận",
}


@dataclass(frozen=True)
class CampaignClock:
    first_day: date
    last_day: date
    as_of: date
    today: date | None = None  # the real today (None: `as_of` is today)

    @property
    def campaign_days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def elapsed_days(self) -> int:
        """Campaign days up to and including `as_of` (0 before the start)."""
        return min(max((self.as_of - self.first_day).days + 1, 0), self.campaign_days)

    @property
    def days_left(self) -> int:
        """Campaign days after `as_of` (the whole campaign before it starts, 0 once over)."""
        start = max(self.as_of + timedelta(days=1), self.first_day)
        return max((self.last_day - start).days + 1, 0)

    @property
    def ended(self) -> bool:
        """No campaign day is left to work in: `as_of` is the last day (or later) and it
        has passed. On the last day itself the campaign has not ended."""
        today = self.today or self.as_of
        return self.as_of >= self.last_day and max(today, self.as_of) > self.last_day

    @property
    def last_day_now(self) -> bool:
        """`as_of` is the last day and it is still running: everything left is for today."""
        return self.days_left == 0 and not self.ended


def needed_per_day(remaining: int, days_left: int) -> int:
    """The daily rate that finishes on time: rounded up; everything on the last day."""
    if remaining <= 0:
        return 0
    return -(-remaining // days_left) if days_left else remaining


@dataclass(frozen=True)
class Progress:
    """One unit's (or one point's) numbers on the chosen day."""

    code: str | None
    name: str
    level1: int
    level2: int
    level1_on_day: int
    level2_on_day: int
    target_total: int | None
    target_daily: int | None
    expected: float | None
    days_left: int
    drillable: bool = False
    campaign_ended: bool = False

    @property
    def activated(self) -> int:
        return self.level1 + self.level2

    @property
    def on_day(self) -> int:
        return self.level1_on_day + self.level2_on_day

    @property
    def share_of_target(self) -> float | None:
        """Cumulative / total target (0.25 means 25 %)."""
        return self.activated / self.target_total if self.target_total else None

    @property
    def share_of_daily(self) -> float | None:
        return self.on_day / self.target_daily if self.target_daily else None

    @property
    def pace_ratio(self) -> float | None:
        return self.activated / self.expected if self.expected else None

    @property
    def pace(self) -> Pace:
        ratio = self.pace_ratio
        if ratio is None:
            return Pace.NONE
        if ratio >= ON_PLAN:
            return Pace.ON_PLAN
        return Pace.CLOSE if ratio >= CLOSE else Pace.BEHIND

    @property
    def remaining(self) -> int | None:
        return max(self.target_total - self.activated, 0) if self.target_total is not None else None

    @property
    def needed_per_day(self) -> int | None:
        """None without a target, and once the campaign has ended (no day left: what
        remains is the shortfall, `remaining`)."""
        remaining = self.remaining
        if remaining is None or self.campaign_ended:
            return None
        return needed_per_day(remaining, self.days_left)


@dataclass(frozen=True)
class Crumb:
    """One step of the path from the province down: `code` None is the province."""

    code: str | None
    name: str


@dataclass(frozen=True)
class DayCount:
    day: date
    activated: int


@dataclass(frozen=True)
class MovedActivation:
    """An activation moved to another moment by a correction: both days' figures changed."""

    corrected_at: datetime
    from_day: date
    to_day: date


@dataclass
class Dashboard:
    clock: CampaignClock
    unit: Progress  # the place chosen: the province, a district or a commune
    path: list[Crumb]
    child_kind: ChildKind
    children: list[Progress]
    series: list[DayCount] = field(default_factory=list)  # first day .. min(as_of, last day)
    # Level-1 activations of citizens living in another province (outside every unit).
    outside_level1: int = 0
    # Activations moved to another day in the last week (newest first): reports sent for
    # those days are out of date.
    moved: list[MovedActivation] = field(default_factory=list)

    @property
    def series_target(self) -> int | None:
        """The daily target the line is drawn against (the chosen unit's)."""
        return self.unit.target_daily


def _progress(row: TallyRow, clock: CampaignClock, drillable: bool = False) -> Progress:
    expected = None
    if row.target_total is not None and clock.elapsed_days:
        expected = row.target_total * clock.elapsed_days / clock.campaign_days
    return Progress(
        code=row.code,
        name=row.name,
        level1=row.level1,
        level2=row.level2,
        level1_on_day=row.level1_on_day,
        level2_on_day=row.level2_on_day,
        target_total=row.target_total,
        target_daily=row.target_daily,
        expected=expected,
        days_left=clock.days_left,
        drillable=drillable,
        campaign_ended=clock.ended,
    )


def _path(tree: UnitTree, unit: UnitInfo, province_name: str) -> list[Crumb]:
    steps: list[Crumb] = []
    current: UnitInfo | None = unit
    while current is not None and current.level != UnitLevel.PROVINCE.value:
        steps.append(Crumb(current.code, current.name))
        current = tree.by_id.get(current.parent_id) if current.parent_id is not None else None
    steps.append(Crumb(None, province_name))
    return steps[::-1]


def dashboard(
    session: Session,
    as_of: date,
    unit_code: str | None = None,
    tree: UnitTree | None = None,
    *,
    today: date | None = None,
) -> Dashboard:
    """The dashboard at `unit_code` (None: the province) with the counts up to the end of `as_of`.

    `today` (default: today in Vietnam) tells the last day still running from a campaign
    that has ended."""
    campaign = active_campaign(session)
    tree = tree or UnitTree.load(session)
    clock = CampaignClock(campaign.first_day, campaign.last_day, as_of, today or today_vn())
    unit = tree.province if unit_code is None else tree.by_code.get(unit_code)
    if unit is None:
        raise NotFoundError(f"Không có đơn vị mã «{unit_code}» trong danh sách của đợt này.")

    first, last = campaign.first_day, min(as_of, campaign.last_day)
    view = (
        _province_view(session, tree, clock, first, last)
        if unit.level == UnitLevel.PROVINCE.value
        else _unit_view(session, tree, clock, unit, first, last)
    )
    series = []
    day = first
    while day <= last:
        series.append(DayCount(day, view.per_day.get(day, 0)))
        day += timedelta(days=1)
    return Dashboard(
        clock=clock,
        unit=view.headline,
        path=_path(tree, unit, campaign.province_name),
        child_kind=view.kind,
        children=view.children,
        series=series,
        outside_level1=view.outside,
        moved=moved_activations(session),
    )


@dataclass
class _View:
    """What the dashboard shows of one unit: its progress, its children's, its days."""

    headline: Progress
    children: list[Progress]
    kind: ChildKind
    per_day: dict[date, int]
    outside: int = 0


def _province_view(
    session: Session, tree: UnitTree, clock: CampaignClock, first: date, last: date
) -> _View:
    """The province, its districts (or communes on a two-level map), and citizens from outside."""
    by = TallyBy.DISTRICT if tree.has_districts else TallyBy.COMMUNE
    result = tally(session, clock.as_of, by, tree)
    return _View(
        headline=_progress(result.total, clock),
        children=[_progress(r, clock, drillable=True) for r in result.rows],
        kind=ChildKind.DISTRICT if by == TallyBy.DISTRICT else ChildKind.COMMUNE,
        per_day={
            day: sum(levels.values()) for day, levels in daily_series(session, first, last).items()
        },
        outside=result.outside.level1,
    )


def _unit_view(
    session: Session, tree: UnitTree, clock: CampaignClock, unit: UnitInfo, first: date, last: date
) -> _View:
    """A district with its communes, or a commune with its intake points."""
    as_of = clock.as_of
    level = UnitLevel(unit.level)
    own = tally(session, as_of, TallyBy(level.value), tree)
    headline = _progress(next(r for r in own.rows if r.code == unit.code), clock)
    if level == UnitLevel.DISTRICT:
        codes = {c.code for c in tree.children[unit.id]}
        communes = tally(session, as_of, TallyBy.COMMUNE, tree)
        children = [_progress(r, clock, True) for r in communes.rows if r.code in codes]
        kind = ChildKind.COMMUNE
    else:
        codes = set(
            session.scalars(select(IntakePoint.code).where(IntakePoint.commune_id == unit.id))
        )
        points = tally(session, as_of, TallyBy.POINT, tree)
        children = [_progress(r, clock) for r in points.rows if r.code in codes]
        kind = ChildKind.POINT
    per_day = {
        day: count
        for (day, unit_id), count in daily_by_unit(session, tree, level, first, last).items()
        if unit_id == unit.id
    }
    return _View(headline, children, kind, per_day)


def moved_activations(session: Session, days: int = 7, limit: int = 5) -> list[MovedActivation]:
    """Activations moved to another day by a correction made in the last `days` days."""
    since = now_utc() - timedelta(days=days)
    moved = []
    for corrected_at, changes in session.execute(
        select(CaseEvent.changed_at, CaseEvent.changes)
        # Written as the partial index's own condition, so that SQLite can use it.
        .where(text(MOMENT_EVENTS), CaseEvent.changed_at >= since)
        .order_by(CaseEvent.changed_at.desc())
        .limit(limit)
    ):
        try:
            before, after = json.loads(changes or "{}")["activated_at"]
            from_day = local_day(datetime.fromisoformat(before))
            to_day = local_day(datetime.fromisoformat(after))
        except (ValueError, KeyError, TypeError):
            continue
        if from_day != to_day:
            moved.append(MovedActivation(corrected_at, from_day, to_day))
    return moved
