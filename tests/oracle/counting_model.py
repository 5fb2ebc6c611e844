"""A reference model of the plan's counting rules, written from the rules alone.

It shares no code with `services/` (nor with `models/`): events in, figures out. The rules, as
README's "Counting rules" and DOMAIN.md state them:

1. A case (one ID number, one level) is its events applied in event-time order; the same event
   (same identity) arriving twice is one event.
2. A step report moves the case when the lifecycle allows that move from where the case
   stands; otherwise it is a record and changes nothing. A correction of the status sets it.
3. The activation is the first activation that moved the case; an explicit moment correction
   moves its moment. A correction of facts moves nothing.
4. Level 1 counts for the commune of permanent residence in the facts in force (the first
   report's, then corrections and managers' decisions); outside the province, on a row of its
   own and in no unit's total. Level 2 counts for the commune of the point of the last
   application-taken report before the activation (else of the activation's point).
5. By point and by operator, an activation belongs to whoever reported it.
6. A day is a Vietnam-local day; a figure for day D counts activations up to the end of D.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

OUTSIDE = "ngoài tỉnh"

# Moves the lifecycle allows without a correction (DOMAIN.md: level 1 registered -> approved
# -> activated, level 2 taken -> activated; a step short of activation may fail; a failed
# attempt may be taken up again; activated is final).
ALLOWED: dict[int, dict[str | None, set[str]]] = {
    1: {
        None: {"registered", "approved", "activated", "failed"},
        "registered": {"approved", "activated", "failed"},
        "approved": {"activated", "failed"},
        "failed": {"registered", "approved", "activated"},
        "activated": set(),
    },
    2: {
        None: {"application_taken", "activated", "failed"},
        "application_taken": {"activated", "failed"},
        "failed": {"application_taken", "activated"},
        "activated": set(),
    },
}


@dataclass(frozen=True)
class Report:
    """A step reported at a point by an operator, with the facts it was given."""

    identity: object
    at: datetime
    status: str
    point: str
    operator: str
    name: str
    residence: str  # a commune code or OUTSIDE


@dataclass(frozen=True)
class Fix:
    """A correction or a decision, made after every report of the campaign (`order` says
    which of them came first). `status`, `residence`, `name` and `moment` are what it sets."""

    identity: object
    order: int
    status: str | None = None
    residence: str | None = None
    name: str | None = None
    moment: datetime | None = None


Event = Report | Fix


@dataclass
class CaseResult:
    activated_at: datetime | None = None
    credited_point: str | None = None
    credited_operator: str | None = None
    counted_commune: str | None = None  # level 1 residence, or level 2 intake commune
    name: str | None = None
    residence: str | None = None
    names_seen: list[str] = field(default_factory=list)


def local_day(moment: datetime) -> date:
    return (moment + timedelta(hours=7)).date()


def _sort_key(event: Event) -> tuple[int, datetime, int]:
    if isinstance(event, Report):
        return (0, event.at, 0)
    return (1, datetime.min, event.order)


def fold(level: int, events: Iterable[Event], point_commune: Mapping[str, str]) -> CaseResult:
    """One case. Reports of the same moment must not occur in generated data (the rules break
    such ties by event identity; the model does not need to)."""
    result = CaseResult()
    state: str | None = None
    activation: Report | Fix | None = None
    credited: Report | None = None
    last_taken: Report | None = None
    taken_for_activation: Report | None = None
    for event in sorted(events, key=_sort_key):
        if isinstance(event, Report):
            if result.name is None:
                result.name, result.residence = event.name, event.residence
            if event.name not in result.names_seen:
                result.names_seen.append(event.name)
            if event.status in ALLOWED[level][state]:
                state = event.status
                credited = event
                if state == "activated":
                    activation, taken_for_activation = event, last_taken
                    result.activated_at = event.at
            if event.status == "application_taken" and activation is None:
                last_taken = event
            continue
        if event.residence is not None:
            result.residence = event.residence
        if event.name is not None:
            result.name = event.name
        if event.status is not None:
            state = event.status
            activation = None
            result.activated_at = None
            if state == "activated":  # an activation by correction, dated when it was made
                raise AssertionError("the model does not generate corrections to 'activated'")
        if event.moment is not None and state == "activated":
            result.activated_at = event.moment
    if state != "activated" or activation is None:
        result.activated_at = None
        return result
    assert credited is not None
    result.credited_point = credited.point
    result.credited_operator = credited.operator
    if level == 1:
        result.counted_commune = result.residence
    else:
        taken = taken_for_activation or credited
        result.counted_commune = point_commune[taken.point]
    return result


@dataclass(frozen=True)
class Figures:
    level1: int = 0
    level2: int = 0
    on_day: int = 0


def tally(
    cases: Mapping[tuple[str, int], Iterable[Event]],
    day: date,
    by: str,
    point_commune: Mapping[str, str],
    district_of: Mapping[str, str],
) -> tuple[dict[str, Figures], Figures, Figures]:
    """(rows by key, province total, outside-the-province row) for `day`. Keys: district or
    commune codes, point names, operator usernames."""
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    total = [0, 0, 0]
    outside = [0, 0, 0]
    for (_number, level), events in cases.items():
        result = fold(level, events, point_commune)
        if result.activated_at is None or local_day(result.activated_at) > day:
            continue
        on_day = int(local_day(result.activated_at) == day)
        commune = result.counted_commune
        assert commune is not None
        if commune == OUTSIDE:
            targets = [outside]
            if by in ("point", "operator"):
                key = result.credited_point if by == "point" else result.credited_operator
                assert key is not None
                targets.append(rows[key])
        else:
            targets = [total]
            key = {
                "district": district_of[commune],
                "commune": commune,
                "point": result.credited_point,
                "operator": result.credited_operator,
            }[by]
            assert key is not None
            targets.append(rows[key])
        for figures in targets:
            figures[0 if level == 1 else 1] += 1
            figures[2] += on_day
    return (
        {key: Figures(*values) for key, values in rows.items()},
        Figures(*total),
        Figures(*outside),
    )
