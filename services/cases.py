"""The intake lifecycle: creating a case, moving it forward, keeping its history.

A case's history is a chain of events ordered by time; its status is the last
event's. A report may arrive late (an import of yesterday's sheet, a package
from a mobile team): it is slotted into the chain at its moment, provided the
chain stays a forward path. Every caller (the desk, imports, packages) goes
through `record_report`, so the rules hold the same way everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol, cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session, selectinload

from models.bulk import bulk_insert
from models.codes import EventKind, FailureReason, HelpReason, Status
from models.entities import Case, CaseEvent
from services.eligibility import MIN_AGE, check_eligible
from services.errors import ConflictError, ValidationError
from services.id_number import check_id_agrees, normalise_id_number, parse_sex
from services.labels import LEVEL_LABELS, STATUS_LABELS
from services.lifecycle import PROGRESS, check_status_for_level, is_forward
from services.phone import normalise_phone
from services.stable_lookups import point_facts
from services.text import clean, fold
from services.vntime import format_date, format_moment, local_day, now_utc

CONSENT_MISSING = (
    "Chưa có xác nhận đồng ý của công dân: đọc thông báo về mục đích và dữ liệu lưu trữ, "
    "rồi đánh dấu ô đồng ý trước khi lưu."
)


@dataclass(frozen=True)
class CaseFacts:
    """Who the citizen is, as validated and normalised."""

    id_number: str
    full_name: str
    birth_date: date
    sex: str
    phone: str | None
    address: str | None
    residence_commune_id: int


@dataclass(frozen=True)
class StatusReport:
    """What happened, when, where and by whom."""

    level: int
    status: Status
    at: datetime
    operator_id: int
    intake_point_id: int
    failure_reason: FailureReason | None = None
    failure_note: str | None = None


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class RecordResult:
    outcome: Outcome
    case: Case


@dataclass
class FactsDraft:
    """Raw input from a form or a spreadsheet row, before validation."""

    id_number: str = ""
    full_name: str = ""
    birth_date: date | None = None
    sex: str = ""
    phone: str = ""
    address: str = ""
    residence_commune_id: int | None = None
    errors: list[ValidationError] = field(default_factory=list)


def check_facts(
    draft: FactsDraft, on_day: date, min_age: int = MIN_AGE
) -> tuple[CaseFacts | None, list[ValidationError]]:
    """Validate every field; returns the facts, or None with every problem found."""
    errors: list[ValidationError] = list(draft.errors)
    id_number = sex = None
    try:
        id_number = normalise_id_number(draft.id_number)
    except ValidationError as error:
        errors.append(error)
    full_name = clean(draft.full_name)
    if not full_name:
        errors.append(ValidationError("Chưa nhập họ và tên.", "full_name"))
    elif any(ch.isdigit() for ch in full_name) or len(full_name) > 100:
        errors.append(ValidationError(f"Họ và tên «{full_name}» không hợp lệ.", "full_name"))
    if draft.birth_date is None:
        if not any(e.field == "birth_date" for e in errors):
            errors.append(ValidationError("Chưa nhập ngày sinh.", "birth_date"))
    else:
        try:
            check_eligible(draft.birth_date, on_day, min_age)
        except ValidationError as error:
            errors.append(error)
    if draft.sex.strip():
        try:
            sex = parse_sex(draft.sex)
        except ValidationError as error:
            errors.append(error)
    else:
        errors.append(ValidationError("Chưa chọn giới tính.", "sex"))
    if id_number and draft.birth_date and sex:
        try:
            check_id_agrees(id_number, draft.birth_date, sex)
        except ValidationError as error:
            errors.append(error)
    phone = None
    if draft.phone.strip():
        try:
            phone = normalise_phone(draft.phone)
        except ValidationError as error:
            errors.append(error)
    if draft.residence_commune_id is None and not any(e.field == "residence" for e in errors):
        errors.append(ValidationError("Chưa chọn xã/phường nơi thường trú.", "residence"))
    if errors:
        return None, errors
    assert id_number and sex and draft.birth_date and draft.residence_commune_id is not None
    return (
        CaseFacts(
            id_number=id_number,
            full_name=full_name,
            birth_date=draft.birth_date,
            sex=sex,
            phone=phone,
            address=clean(draft.address) or None,
            residence_commune_id=draft.residence_commune_id,
        ),
        [],
    )


def check_report(report: StatusReport) -> None:
    check_status_for_level(report.status, report.level)
    if report.status == Status.FAILED:
        if report.failure_reason is None:
            raise ValidationError("Trạng thái Thất bại cần ghi lý do thất bại.", "failure_reason")
        if report.failure_reason == FailureReason.OTHER and not (report.failure_note or "").strip():
            raise ValidationError("Lý do «Khác» cần ghi rõ nội dung.", "failure_note")
    elif report.failure_reason is not None:
        raise ValidationError(
            f"Chỉ ghi lý do thất bại khi trạng thái là Thất bại (đang là "
            f"{STATUS_LABELS[report.status]}).",
            "failure_reason",
        )


# Built once: composing a statement costs more than SQLite takes to run it (desk saves).
_FIND_CASE = (
    select(Case)
    .options(selectinload(Case.history))
    .where(Case.id_number == bindparam("id_number"), Case.level == bindparam("level"))
)


def find_case(session: Session, id_number: str, level: int) -> Case | None:
    return session.scalars(_FIND_CASE, {"id_number": id_number, "level": level}).first()


def find_cases_of_person(session: Session, id_number: str) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .options(selectinload(Case.history))
            .where(Case.id_number == id_number)
            .order_by(Case.level)
        )
    )


def find_cases(session: Session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Case]:
    """Many cases at once, with their histories: one query per batch, for imports.

    Looked up by ID number alone and matched on the level here: SQLite scans the whole
    index for a `(id_number, level) IN (...)` row-value list, but seeks it for `IN`.
    """
    wanted = set(keys)
    numbers = sorted({number for number, _level in wanted})
    found: dict[tuple[str, int], Case] = {}
    for start in range(0, len(numbers), 500):
        for case in session.scalars(
            select(Case)
            .options(selectinload(Case.history))
            .where(Case.id_number.in_(numbers[start : start + 500]))
        ):
            key = (case.id_number, case.level)
            if key in wanted:
                found[key] = case
    return found


def counted_unit_id(level: int, residence_commune_id: int, point_commune_id: int) -> int:
    """Level 1 counts where the citizen lives; level 2 where the application was taken."""
    return residence_commune_id if level == 1 else point_commune_id


def _check_same_person(case: Case, facts: CaseFacts) -> None:
    differences = []
    if clean(case.full_name) != facts.full_name:
        differences.append(f"họ tên «{case.full_name}» / «{facts.full_name}»")
    if case.birth_date != facts.birth_date:
        differences.append(
            f"ngày sinh {format_date(case.birth_date)} / {format_date(facts.birth_date)}"
        )
    if case.sex != facts.sex:
        differences.append(f"giới tính {case.sex} / {facts.sex}")
    if differences:
        raise ConflictError(
            f"Số định danh {case.id_number} đã có hồ sơ {LEVEL_LABELS[case.level].lower()} với "
            f"thông tin khác (đã lưu / mới nhập): "
            + "; ".join(differences)
            + ". Kiểm tra lại thẻ; nếu hồ sơ đã lưu ghi sai, hãy sửa hồ sơ (có ghi lý do)."
        )


class EventLike(Protocol):
    """What the fold needs of an event: an ORM `CaseEvent`, or a plain record from a package."""

    kind: str
    to_status: str
    changed_at: datetime
    from_status: str | None
    failure_reason: str | None
    failure_note: str | None
    intake_point_id: int | None
    operator_id: int


def event_order(event: EventLike) -> tuple[object, ...]:
    """Time order; ties (same moment from two points) broken the same way everywhere."""
    return (
        event.changed_at,
        event.kind == EventKind.CORRECTION,
        PROGRESS.get(Status(event.to_status), 0),
        event.to_status,
        getattr(event, "id", None) or 0,
    )


def _chain(case: Case) -> list[CaseEvent]:
    return sorted(case.history, key=event_order)


@dataclass
class Derived:
    status: Status
    failure_reason: str | None
    failure_note: str | None
    activated_at: datetime | None
    first_point_id: int | None
    first_operator_id: int

    @property
    def activated_on(self) -> date | None:
        return local_day(self.activated_at) if self.activated_at else None


def fold_events(level: int, events: Sequence[EventLike]) -> Derived:
    """Where a case stands, given its events in `event_order` (sets each `from_status`).

    A status event applies when it moves the case forward from where it stands, a
    correction always applies, anything else stays in the history as a record but
    changes nothing (an activated case stays activated). So the result depends only on
    the set of events, never on the order in which they arrived: the property that
    makes package merges order-independent and idempotent.
    """
    state: Status | None = None
    applied: EventLike | None = None
    for event in events:
        event.from_status = state.value if state else None
        target = Status(event.to_status)
        if event.kind == EventKind.CORRECTION or state is None or is_forward(level, state, target):
            state, applied = target, event
    assert state is not None and applied is not None
    first = next((e for e in events if e.kind == EventKind.STATUS), events[0])
    failed = state == Status.FAILED
    return Derived(
        status=state,
        failure_reason=applied.failure_reason if failed else None,
        failure_note=applied.failure_note if failed else None,
        activated_at=applied.changed_at if state == Status.ACTIVATED else None,
        first_point_id=first.intake_point_id,
        first_operator_id=first.operator_id,
    )


def point_commune_id(session: Session, point_id: int) -> int:
    """The commune an intake point stands in (see `services.stable_lookups`)."""
    facts = point_facts(session, point_id)
    assert facts is not None, f"intake point {point_id} does not exist"
    return facts[1]


def derive(session: Session, case: Case) -> None:
    """Set the status and the counting columns from the history (see `fold_events`)."""
    case.history.sort(key=event_order)  # as a fresh load would order it
    derived = fold_events(case.level, case.history)
    case.status = derived.status.value
    case.failure_reason = derived.failure_reason
    case.failure_note = derived.failure_note
    case.activated_at = derived.activated_at
    case.activated_on = derived.activated_on
    if derived.first_point_id is not None:
        case.intake_point_id = derived.first_point_id
    case.operator_id = derived.first_operator_id
    point_commune = point_commune_id(session, case.intake_point_id)
    case.counted_unit_id = counted_unit_id(case.level, case.residence_commune_id, point_commune)


def _event(report: StatusReport, from_status: str | None) -> CaseEvent:
    return CaseEvent(
        kind=EventKind.STATUS.value,
        from_status=from_status,
        to_status=report.status.value,
        changed_at=report.at,
        operator_id=report.operator_id,
        intake_point_id=report.intake_point_id,
        failure_reason=report.failure_reason.value if report.failure_reason else None,
        failure_note=(report.failure_note or "").strip() or None,
    )


def record_report(
    session: Session,
    facts: CaseFacts,
    report: StatusReport,
    *,
    consent: bool,
    help_reason: HelpReason | None = None,
    notes: str | None = None,
    known: dict[tuple[str, int], Case] | None = None,
    min_age: int = MIN_AGE,
    attach: bool = True,
) -> RecordResult:
    """Create the case or move it forward; one report, one history event at most.

    `known` is a prefetched map from `find_cases` (for imports); without it the
    case is looked up. With `attach=False` a new case is not added to the session:
    a bulk import inserts the new cases itself (`insert_new_cases`). Raises
    `ValidationError` / `ConflictError` and changes nothing when the report breaks a rule.
    """
    if not consent:
        raise ValidationError(CONSENT_MISSING, "consent")
    check_report(report)
    key = (facts.id_number, report.level)
    case = known.get(key) if known is not None else find_case(session, *key)
    now = now_utc()
    if case is None:
        check_eligible(facts.birth_date, local_day(report.at), min_age)
        case = Case(
            id_number=facts.id_number,
            level=report.level,
            full_name=facts.full_name,
            name_folded=fold(facts.full_name),
            birth_date=facts.birth_date,
            sex=facts.sex,
            phone=facts.phone,
            address=facts.address,
            residence_commune_id=facts.residence_commune_id,
            intake_point_id=report.intake_point_id,
            operator_id=report.operator_id,
            help_reason=help_reason.value if help_reason else None,
            consent_given=True,
            notes=(notes or "").strip() or None,
            created_at=now,
            updated_at=now,
        )
        case.history.append(_event(report, None))
        derive(session, case)
        if attach:
            session.add(case)
        if known is not None:
            known[key] = case
        return RecordResult(Outcome.CREATED, case)

    _check_same_person(case, facts)
    chain = _chain(case)
    if any(
        e.kind == EventKind.STATUS and e.to_status == report.status and e.changed_at == report.at
        for e in chain
    ):
        return RecordResult(Outcome.UNCHANGED, case)
    before = [e for e in chain if e.changed_at <= report.at]
    after = [e for e in chain if e.changed_at > report.at]
    previous = before[-1] if before else None
    following = after[0] if after else None
    if previous is not None and previous.to_status == report.status:
        return RecordResult(Outcome.UNCHANGED, case)  # the same status reported again
    if previous is None and following is not None and following.to_status == report.status:
        return RecordResult(Outcome.UNCHANGED, case)
    if any(e.kind == EventKind.CORRECTION for e in after):
        raise ConflictError(
            f"Hồ sơ {case.id_number} đã được sửa sau {format_moment(report.at)}; "
            "không ghi thêm trạng thái cũ hơn lần sửa đó."
        )
    level = report.level
    if previous is not None and not is_forward(level, Status(previous.to_status), report.status):
        raise ValidationError(
            f"Hồ sơ {case.id_number} ({LEVEL_LABELS[level].lower()}) đang ở trạng thái "
            f"«{STATUS_LABELS[previous.to_status]}» từ {format_moment(previous.changed_at)}: không "
            f"thể chuyển về «{STATUS_LABELS[report.status]}» (trạng thái không được lùi). Nếu "
            "trạng thái đã lưu bị sai, hãy sửa hồ sơ (có ghi lý do).",
            "status",
        )
    if following is not None and not is_forward(level, report.status, Status(following.to_status)):
        raise ValidationError(
            f"Hồ sơ {case.id_number}: trạng thái «{STATUS_LABELS[report.status]}» lúc "
            f"{format_moment(report.at)} mâu thuẫn với «{STATUS_LABELS[following.to_status]}» đã "
            f"ghi lúc {format_moment(following.changed_at)}.",
            "status",
        )
    case.history.append(_event(report, previous.to_status if previous else None))
    if facts.phone and not case.phone:
        case.phone = facts.phone
    if facts.address and not case.address:
        case.address = facts.address
    if help_reason and not case.help_reason:
        case.help_reason = help_reason.value
    if notes and notes.strip():
        case.notes = "\n".join(filter(None, [case.notes, notes.strip()]))
    derive(session, case)
    case.updated_at = now
    return RecordResult(Outcome.UPDATED, case)


CORRECTABLE_FIELDS = (
    "id_number",
    "full_name",
    "birth_date",
    "sex",
    "phone",
    "address",
    "residence_commune_id",
    "help_reason",
    "notes",
)


@dataclass(frozen=True)
class Correction:
    """An explicit fix of a case: new values for some facts and/or a new status, with a reason."""

    reason: str
    operator_id: int
    intake_point_id: int | None
    values: dict[str, object] = field(default_factory=dict)
    status: Status | None = None
    failure_reason: FailureReason | None = None
    failure_note: str | None = None
    at: datetime | None = None  # when the corrected status was reached; default now


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def correct_case(
    session: Session, case: Case, correction: Correction, min_age: int = MIN_AGE
) -> CaseEvent:
    """Apply a correction; the history records what changed (before, after) and why.

    A correction may move the status backwards (that is its purpose); the facts are
    validated as on a new case. Raises and changes nothing when a rule is broken.
    """
    reason = clean(correction.reason)
    if len(reason) < 5:
        raise ValidationError("Ghi rõ lý do sửa (ít nhất 5 ký tự).", "reason")
    unknown = set(correction.values) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")
    current = {name: getattr(case, name) for name in CORRECTABLE_FIELDS}
    wanted = {**current, **correction.values}
    draft = FactsDraft(
        id_number=str(wanted["id_number"] or ""),
        full_name=str(wanted["full_name"] or ""),
        birth_date=wanted["birth_date"],
        sex=str(wanted["sex"] or ""),
        phone=str(wanted["phone"] or ""),
        address=str(wanted["address"] or ""),
        residence_commune_id=wanted["residence_commune_id"],
    )
    facts, errors = check_facts(draft, local_day(case.created_at), min_age)
    if facts is None:
        raise ValidationError(" ".join(e.message for e in errors), errors[0].field)
    normalised: dict[str, object] = {
        "id_number": facts.id_number,
        "full_name": facts.full_name,
        "birth_date": facts.birth_date,
        "sex": facts.sex,
        "phone": facts.phone,
        "address": facts.address,
        "residence_commune_id": facts.residence_commune_id,
        "help_reason": wanted["help_reason"] or None,
        "notes": clean(str(wanted["notes"] or "")) or None,
    }
    changes = {
        name: [_json_value(current[name]), _json_value(value)]
        for name, value in normalised.items()
        if value != current[name]
    }
    new_status = correction.status or Status(case.status)
    check_status_for_level(new_status, case.level)
    if new_status != case.status or new_status == Status.FAILED:
        check_report(
            StatusReport(
                level=case.level,
                status=new_status,
                at=now_utc(),
                operator_id=correction.operator_id,
                intake_point_id=correction.intake_point_id or case.intake_point_id,
                failure_reason=correction.failure_reason if new_status == Status.FAILED else None,
                failure_note=correction.failure_note,
            )
        )
    status_changed = new_status != case.status or (
        new_status == Status.FAILED
        and (correction.failure_reason, correction.failure_note)
        != (case.failure_reason, case.failure_note)
    )
    if not changes and not status_changed:
        raise ValidationError("Không có gì thay đổi để sửa.", "reason")
    if facts.id_number != case.id_number and find_case(session, facts.id_number, case.level):
        raise ConflictError(
            f"Số định danh {facts.id_number} đã có hồ sơ {LEVEL_LABELS[case.level].lower()} "
            "khác; không thể sửa thành số này."
        )
    at = correction.at or now_utc()
    chain = _chain(case)
    if chain and at < chain[-1].changed_at:
        raise ValidationError(
            f"Thời điểm sửa phải sau mốc cuối cùng của hồ sơ ({format_moment(chain[-1].changed_at)}).",
            "at",
        )
    if status_changed:
        changes["status"] = [case.status, new_status.value]
    event = CaseEvent(
        kind=EventKind.CORRECTION.value,
        from_status=case.status,
        to_status=new_status.value,
        changed_at=at,
        operator_id=correction.operator_id,
        intake_point_id=correction.intake_point_id,
        failure_reason=(
            correction.failure_reason.value
            if new_status == Status.FAILED and correction.failure_reason
            else (case.failure_reason if new_status == Status.FAILED else None)
        ),
        failure_note=correction.failure_note if new_status == Status.FAILED else None,
        reason=reason,
        changes=json.dumps(changes, ensure_ascii=False),
    )
    for name, value in normalised.items():
        setattr(case, name, value)
    case.name_folded = fold(facts.full_name)
    case.history.append(event)
    derive(session, case)
    case.updated_at = now_utc()
    session.flush()
    return event


_CASE_COLUMNS = [c.key for c in Case.__table__.columns if c.key != "id"]
_EVENT_COLUMNS = [c.key for c in CaseEvent.__table__.columns if c.key not in ("id", "case_id")]


def insert_case_rows(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert new case rows in one executemany; their ids, in the rows' order.

    The ids are read back by ID number and level (one query) rather than with RETURNING:
    SQLite cannot return a multi-row insert's ids in order, so SQLAlchemy would fall back
    to one statement per row.
    """
    if not rows:
        return []
    columns = list(rows[0])
    bulk_insert(
        session.connection(),
        cast(Table, Case.__table__),
        columns,
        [[row[name] for name in columns] for row in rows],
    )
    keys = [(str(row["id_number"]), int(str(row["level"]))) for row in rows]
    numbers = sorted({number for number, _level in keys})
    found: dict[tuple[str, int], int] = {}
    for start in range(0, len(numbers), 500):  # by ID number: see `find_cases`
        for case_id, id_number, level in session.execute(
            select(Case.id, Case.id_number, Case.level).where(
                Case.id_number.in_(numbers[start : start + 500])
            )
        ):
            found[(id_number, level)] = case_id
    return [found[key] for key in keys]


def insert_new_cases(session: Session, cases: Sequence[Case]) -> None:
    """Insert unattached new cases and their histories in two bulk statements.

    The ORM's unit of work costs more than the rules themselves on a large import; the
    cases were built and checked by `record_report(..., attach=False)` all the same.
    """
    rows = [{name: getattr(case, name) for name in _CASE_COLUMNS} for case in cases]
    for row in rows:
        row["version"] = 1
    ids = insert_case_rows(session, rows)
    events = [
        {"case_id": case_id, **{name: getattr(event, name) for name in _EVENT_COLUMNS}}
        for case_id, case in zip(ids, cases, strict=True)
        for event in case.history
    ]
    insert_event_rows(session, events)


def insert_event_rows(session: Session, events: Sequence[Mapping[str, object]]) -> None:
    """History rows in one driver executemany (see `models.bulk`)."""
    if not events:
        return
    columns = list(events[0])
    bulk_insert(
        session.connection(),
        cast(Table, CaseEvent.__table__),
        columns,
        [[event[name] for name in columns] for event in events],
    )
