"""Checking the counts the database keeps (`models.activation_counts`) against a full recount,
and rebuilding them exactly from the cases (each case being the fold of its events).

`tally --verify` runs `verify`; `tally --rebuild` runs `rebuild`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models import activation_counts
from models.codes import Status
from models.entities import IntakePoint, Operator, Unit
from services.campaigns.campaign import active_campaign
from services.counting.tally import OUTSIDE_NAME, Keyed, TallyBy, activations_grouped, steps_grouped

RECOUNT_WORK_MEM = "128MB"  # PostgreSQL's work_mem while `verify` recounts (see there)
_KIND_LABEL = {Keyed.UNIT: "đơn vị", Keyed.POINT: "điểm", Keyed.OPERATOR: "cán bộ"}
_STEP_LABEL = {
    Status.REGISTERED.value: "đăng ký mức 1",
    Status.APPLICATION_TAKEN.value: "thu nhận hồ sơ mức 2",
}


@dataclass(frozen=True)
class CountDifference:
    """One (key, day, level) where the kept count and the recount disagree."""

    keyed: Keyed
    key: int | None
    label: str  # the unit's, point's or operator's code and name
    day: date
    level: int
    kept: int
    recounted: int

    step: str | None = None  # a step recorded (registered, application taken), not activations

    def describe(self) -> str:
        what = f"mức {self.level}" if self.step is None else _STEP_LABEL[self.step]
        return (
            f"{_KIND_LABEL[self.keyed]} {self.label}, ngày {self.day:%d/%m/%Y}, {what}: "
            f"số đếm duy trì {self.kept}, đếm lại {self.recounted}"
        )


@dataclass
class CountCheck:
    differences: list[CountDifference] = field(default_factory=list)
    missing_triggers: list[str] = field(default_factory=list)
    activations: int = 0  # activated cases counted again

    @property
    def agrees(self) -> bool:
        return not self.differences and not self.missing_triggers


def _labels(session: Session, keyed: Keyed) -> dict[int | None, str]:
    if keyed == Keyed.UNIT:
        rows = session.execute(select(Unit.id, Unit.code, Unit.name)).all()
        labels: dict[int | None, str] = {uid: f"{code} {name}" for uid, code, name in rows}
        labels[None] = f"NGOAI_TINH {OUTSIDE_NAME}"
        return labels
    if keyed == Keyed.POINT:
        rows = session.execute(select(IntakePoint.id, IntakePoint.code, IntakePoint.name)).all()
    else:
        rows = session.execute(select(Operator.id, Operator.username, Operator.full_name)).all()
    return {key: f"{code} ({name})" for key, code, name in rows}


_Place = TypeVar("_Place")


def _differing(
    kept: Mapping[_Place, int], again: Mapping[_Place, int], order: Callable[[_Place], Any]
) -> Iterator[tuple[_Place, int, int]]:
    """(place, kept count, recount) wherever the two disagree, in `order`."""
    for place in sorted(kept.keys() | again.keys(), key=order):
        if kept.get(place, 0) != again.get(place, 0):
            yield place, kept.get(place, 0), again.get(place, 0)


def verify(session: Session) -> CountCheck:
    """Compare every kept count with a full recount over the cases, key by key and day by day
    (unit by unit, point by point, operator by operator). A database without a campaign is
    refused (`active_campaign`): there is nothing to check, and «khớp» would mislead."""
    active_campaign(session)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # The recount of the steps groups every step event by case (a group per case and
        # step): with the default work_mem (4 MB) PostgreSQL spills that hash to disk in
        # batches, which took 40 % of the time at 300,000 cases. An administrator's command,
        # seldom run: a larger work area for this transaction only.
        session.execute(text(f"SET LOCAL work_mem = '{RECOUNT_WORK_MEM}'"))
    check = CountCheck(missing_triggers=activation_counts.missing_triggers(connection))
    for keyed in Keyed:
        kept = {(key, day, level): n for day, key, level, n in activations_grouped(session, keyed)}
        again = {
            (key, day, level): n
            for day, key, level, n in activations_grouped(session, keyed, recount=True)
        }
        if keyed == Keyed.UNIT:
            check.activations = sum(again.values())
        labels = _labels(session, keyed) if kept != again else {}
        by_day = _differing(kept, again, lambda k: (k[1], k[0] or 0, k[2]))
        for (key, day, level), n_kept, n_again in by_day:
            label = labels.get(key, f"mã {key}")
            check.differences.append(
                CountDifference(keyed, key, label, day, level, n_kept, n_again)
            )
    for by, keyed in ((TallyBy.POINT, Keyed.POINT), (TallyBy.OPERATOR, Keyed.OPERATOR)):
        kept_steps = {(k, s, d): n for k, s, d, n in steps_grouped(session, by)}
        again_steps = {(k, s, d): n for k, s, d, n in steps_grouped(session, by, recount=True)}
        labels = _labels(session, keyed) if kept_steps != again_steps else {}
        by_spot = _differing(kept_steps, again_steps, lambda k: (k[2], k[0], k[1]))
        for (who, step, when), n_kept, n_again in by_spot:
            level = 1 if step == Status.REGISTERED.value else 2
            label = labels.get(who, f"mã {who}")
            check.differences.append(
                CountDifference(keyed, who, label, when, level, n_kept, n_again, step)
            )
    return check


def rebuild(session: Session) -> CountCheck:
    """Compute every kept count again from the cases and put the triggers back if any is
    missing, in the session's transaction (the caller commits); returns the check after."""
    active_campaign(session)
    connection = session.connection()
    if activation_counts.missing_triggers(connection):
        activation_counts.install_triggers(connection)
    activation_counts.rebuild(connection)
    return verify(session)
