"""The counting core: a case is the fold of its events. Pure: events in, the case out.

Nothing here knows of sessions, tables or widgets; `services.cases.recording` turns history rows into
`Event`s and writes the `Folded` result back onto the case. The rules (README, "Counting
rules"):

- Events apply in event-time order, ties broken by kind, step and the event's uid
  (`event_order`): never in the order they reached the database. The same set of events
  gives the same case, however often each arrived.
- A status report applies when it moves the case forward from where it stands; otherwise
  it stays in the history as a record (`Folded.records`) and changes nothing. So a failure
  reported after an activation, or a step before it that arrives later, never undoes it.
- A correction of facts changes facts only; a correction of the status sets the status
  (one to activated, on a case that an earlier activation already activated, changes
  nothing: that activation stands).
- Credited (by point, by operator): the point and operator of the last status report that
  applied (for an activated case, the activation's). A correction changes no credit.
- The activation is the first activation that applies; its moment moves only by an
  explicit moment correction.
- Facts: the first claim in event time stands. A later claim that disagrees on who the
  person is (name, birth date, sex) or where they live (residence) makes the case a
  conflict until a manager's decision; contact details only fill what is still empty.
- Level 2 counts where the application leading to the activation was taken: the point of
  the last application-taken report before the activation (else the activation's point).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from models.codes import EventKind, Status
from services.cases.lifecycle import is_forward

KIND_RANK = {
    EventKind.STATUS: 0,
    EventKind.CORRECTION: 1,
    EventKind.MOMENT: 2,
    EventKind.DECISION: 3,
}
# Two reports of the same moment: the earlier step first, a failure before an activation.
STEP_RANK = {
    None: 0,
    Status.REGISTERED: 1,
    Status.APPLICATION_TAKEN: 1,
    Status.APPROVED: 2,
    Status.FAILED: 3,
    Status.ACTIVATED: 4,
}
IDENTITY_FIELDS = ("full_name", "birth_date", "sex", "residence")
CONTACT_FIELDS = ("phone", "address", "help_reason")


# A statement's values in field order: as a fact set's columns after the digest.
StatementValues = tuple[str, date, str, str, str | None, str | None, str | None, str | None]


@dataclass(frozen=True)
class Statement:
    """What is said of the citizen: who they are, where they live, how to reach them.
    `residence` is a commune code, or `OUTSIDE_PROVINCE`."""

    full_name: str
    birth_date: date
    sex: str
    residence: str
    phone: str | None = None
    address: str | None = None
    help_reason: str | None = None
    notes: str | None = None

    def values(self) -> StatementValues:
        return (
            self.full_name,
            self.birth_date,
            self.sex,
            self.residence,
            self.phone,
            self.address,
            self.help_reason,
            self.notes,
        )


@dataclass(frozen=True)
class Claim(Statement):
    """What one report said about the citizen."""

    def identity(self) -> tuple[str, date, str, str]:
        """What counting uses or what identifies the person; names compared loosely."""
        return (
            " ".join(self.full_name.split()).casefold(),
            self.birth_date,
            self.sex,
            self.residence,
        )


@dataclass(frozen=True)
class Event:
    uid: str
    kind: EventKind
    at: datetime
    operator_id: int
    point_id: int | None = None
    status: Status | None = None
    failure_reason: str | None = None
    failure_note: str | None = None
    claim: Claim | None = None
    # Corrections: {"field": [before, after]}; moment corrections: {"activated_at": [..]}.
    changes: Mapping[str, Any] | None = None


# A decision's changes: the versions it was taken over (`identity_key`s), so that a version
# that reaches the database later (an earlier report in a later package) is decided too.
SEEN = "seen"


def identity_key(claim: Claim) -> str:
    """A short fingerprint of a version of who the person is and where they live (no
    personal data in the clear)."""
    name, birth_date, sex, residence = claim.identity()
    text = "\x1f".join((name, birth_date.isoformat(), sex, residence))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def event_order(event: Event) -> tuple[datetime, int, int, str]:
    """Event time, then a total tie-break that is the same in every database."""
    return (event.at, KIND_RANK[event.kind], STEP_RANK[event.status], event.uid)


@dataclass(frozen=True)
class Facts(Statement):
    """The facts in force. `id_number` is set only when a correction changed it."""

    id_number: str | None = None


@dataclass(frozen=True)
class Record:
    """A report kept in the history that changed nothing: it contradicts where the case
    stood (`standing`, reached by `against`) at its moment."""

    event: Event
    standing: Status
    against: Event


@dataclass
class Folded:
    status: Status
    status_event: Event
    credited_point_id: int | None
    credited_operator_id: int
    failure_reason: str | None = None
    failure_note: str | None = None
    activation: Event | None = None
    activated_at: datetime | None = None
    taken_point_id: int | None = None
    facts: Facts | None = None
    conflict: bool = False
    # Every distinct claim on identity or residence, with the first event that made it.
    claims: list[tuple[Claim, Event]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    from_status: dict[str, Status | None] = field(default_factory=dict)

    @property
    def counted_point_id(self) -> int | None:
        """Level 2: the point whose commune the activation counts for."""
        if self.activation is None:
            return None
        return self.taken_point_id or self.activation.point_id or self.credited_point_id


def _changed_value(name: str, value: Any) -> Any:
    if name == "birth_date" and isinstance(value, str):
        return date.fromisoformat(value)
    return value


class _FactsFold:
    def __init__(self) -> None:
        self.facts: Facts | None = None
        self.conflict = False
        self.claims: list[tuple[Claim, Event]] = []
        self._identities: set[tuple[str, date, str, str]] = set()

    def claim(self, claim: Claim, event: Event) -> None:
        identity = claim.identity()
        if identity not in self._identities:
            self._identities.add(identity)
            self.claims.append((claim, event))
        if self.facts is None:
            self.facts = Facts(*claim.values())
            return
        current = Claim(
            self.facts.full_name, self.facts.birth_date, self.facts.sex, self.facts.residence
        )
        if current.identity() != identity:
            self.conflict = True
        filled = {
            name: getattr(claim, name)
            for name in CONTACT_FIELDS
            if getattr(self.facts, name) is None and getattr(claim, name)
        }
        if claim.notes and claim.notes not in (self.facts.notes or "").split("\n"):
            filled["notes"] = "\n".join(filter(None, [self.facts.notes, claim.notes]))
        if filled:
            self.facts = replace(self.facts, **filled)

    def correct(self, changes: Mapping[str, Any]) -> None:
        values = {
            name: _changed_value(name, pair[1])
            for name, pair in changes.items()
            if name in Facts.__dataclass_fields__
        }
        if values and self.facts is not None:
            self.facts = replace(self.facts, **values)

    def decide(self, claim: Claim, seen: Iterable[str] | None) -> None:
        """The decided version stands; the case stays a conflict while a version the manager
        did not see (`seen`: the `identity_key`s the decision was taken over; None for a
        decision recorded before they were kept) disagrees with it."""
        values = {name: getattr(claim, name) for name in IDENTITY_FIELDS}
        self.facts = replace(self.facts, **values) if self.facts else Facts(**values)
        if seen is None:
            self.conflict = False
            return
        known = set(seen)
        decided = claim.identity()
        self.conflict = any(
            other.identity() != decided and identity_key(other) not in known
            for other, _event in self.claims
        )


class _StatusFold:
    """Where the case stands as its events apply: status, credit, activation, records."""

    def __init__(self, level: int, operator_id: int) -> None:
        self.level = level
        self.state: Status | None = None
        self.status_event: Event | None = None
        self.point_id: int | None = None
        self.operator_id = operator_id
        self.activation: Event | None = None
        self.activated_at: datetime | None = None
        self.last_taken: Event | None = None
        self.taken_for_activation: Event | None = None
        self.records: list[Record] = []

    def set_status(self, event: Event, status: Status) -> None:
        self.state, self.status_event = status, event
        if event.kind == EventKind.STATUS:
            # Credited: whoever reported the step. A correction fixes a wrong record; the
            # people who worked the case stay credited.
            self.point_id = event.point_id or self.point_id
            self.operator_id = event.operator_id
        if status == Status.ACTIVATED:
            self.activation, self.activated_at = event, event.at
            self.taken_for_activation = self.last_taken
        else:
            self.activation = self.activated_at = self.taken_for_activation = None

    def correct(self, event: Event, status: Status) -> None:
        """A correction of the status sets it; one to activated, made where the activation
        was not yet known, finds the case activated here and keeps its earlier activation."""
        if not (status == Status.ACTIVATED and self.state == Status.ACTIVATED):
            self.set_status(event, status)

    def report(self, event: Event) -> None:
        """A status report: applies when it moves the case forward, else is kept as a record."""
        assert event.status is not None
        if self.state is None or is_forward(self.level, self.state, event.status):
            self.set_status(event, event.status)
        else:
            assert self.status_event is not None
            self.records.append(Record(event, self.state, self.status_event))
        if event.status == Status.APPLICATION_TAKEN and self.activation is None:
            self.last_taken = event

    def move(self, event: Event) -> None:
        """A moment correction: moves the activation's moment, else is kept as a record."""
        moved = (event.changes or {}).get("activated_at")
        if self.state == Status.ACTIVATED and moved:
            self.activated_at = datetime.fromisoformat(moved[1])
        elif self.status_event is not None and self.state is not None:
            self.records.append(Record(event, self.state, self.status_event))


def fold_case(level: int, events: Iterable[Event]) -> Folded:
    """Where a case stands, given its events in any order (see the module's rules)."""
    ordered = sorted(events, key=event_order)
    if not ordered:
        raise ValueError("a case has at least one event")
    facts = _FactsFold()
    status = _StatusFold(level, ordered[0].operator_id)
    from_status: dict[str, Status | None] = {}
    for event in ordered:
        from_status[event.uid] = status.state
        if event.kind == EventKind.STATUS:
            if event.claim is not None:
                facts.claim(event.claim, event)
            status.report(event)
        elif event.kind == EventKind.CORRECTION:
            changes = event.changes or {}
            facts.correct(changes)
            if "status" in changes and event.status is not None:
                status.correct(event, event.status)
        elif event.kind == EventKind.MOMENT:
            status.move(event)
        elif event.kind == EventKind.DECISION and event.claim is not None:
            facts.decide(event.claim, (event.changes or {}).get(SEEN))
    state, status_event = status.state, status.status_event
    if state is None or status_event is None:
        # Only corrections, moments or decisions: nothing was ever reported.
        raise ValueError("a case needs at least one status report")
    failed = state == Status.FAILED
    taken = status.taken_for_activation
    return Folded(
        status=state,
        status_event=status_event,
        credited_point_id=status.point_id,
        credited_operator_id=status.operator_id,
        failure_reason=status_event.failure_reason if failed else None,
        failure_note=status_event.failure_note if failed else None,
        activation=status.activation,
        activated_at=status.activated_at,
        taken_point_id=taken.point_id if taken and level == 2 else None,
        facts=facts.facts,
        conflict=facts.conflict,
        claims=facts.claims,
        records=status.records,
        from_status=from_status,
    )
