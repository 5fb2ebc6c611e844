"""One case in full, for reading: its facts, its history told in Vietnamese, the calls made.

Also the correction of a case opened in a form: it refuses to overwrite a case someone
else changed after the form was filled (the case's version moved on).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from models.codes import OUTSIDE_PROVINCE, EventKind
from models.entities import Case, CaseEvent, IntakePoint, Operator
from services.campaigns.units import UnitTree
from services.cases.fold import SEEN, event_order, fold_case
from services.cases.queries import visible_to
from services.cases.recording import Correction, correct_activation_moment, correct_case, fold_event
from services.common.errors import ConflictError, NotFoundError
from services.common.labels import (
    FAILURE_LABELS,
    HELP_REASON_LABELS,
    LEVEL_LABELS,
    STATUS_LABELS,
)
from services.common.vntime import format_date, format_moment
from services.desk.follow_up import ContactEntry, contacts_of
from services.outreach.lists import link_cases
from services.person.id_number import mask_id_number
from services.privacy.consent import ConsentEntry
from services.privacy.purge import PSEUDONYM_PREFIX, refuse_after_purge
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor

EMPTY = "(trống)"

FIELD_LABELS: dict[str, str] = {
    "id_number": "Số định danh",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "sex": "Giới tính",
    "phone": "Số điện thoại",
    "address": "Địa chỉ",
    "residence_commune_id": "Nơi thường trú",
    "residence": "Nơi thường trú",
    "help_reason": "Lý do cần hỗ trợ",
    "notes": "Ghi chú",
    "status": "Trạng thái",
    "activated_at": "Thời điểm kích hoạt",
}

EVENT_KIND_LABELS: dict[str, str] = {
    EventKind.STATUS: "Cập nhật trạng thái",
    EventKind.CORRECTION: "Sửa hồ sơ",
    EventKind.MOMENT: "Sửa thời điểm kích hoạt",
    EventKind.DECISION: "Quyết định khi thông tin khác nhau",
}

CHANGED_ELSEWHERE = (
    "Hồ sơ này vừa được cập nhật ở nơi khác sau khi mở. Đóng hộp sửa, mở lại hồ sơ để xem "
    "thông tin mới, rồi sửa lại nếu vẫn cần."
)
ANONYMISED = (
    "Dữ liệu cá nhân của hồ sơ này đã được xóa (theo yêu cầu của công dân hoặc sau đợt): "
    "không còn gì để sửa. Số liệu thống kê của hồ sơ vẫn giữ nguyên."
)
NOT_FOUND = "Không tìm thấy hồ sơ này (có thể đã bị xóa, hoặc thuộc điểm thu nhận khác)."


@dataclass(frozen=True)
class ChangeLine:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    kind: str
    kind_label: str
    at: datetime
    operator_name: str
    point_name: str | None
    from_label: str | None
    to_label: str | None  # None: the event names no status (a correction of facts...)
    failure_text: str | None
    reason: str | None
    changes: tuple[ChangeLine, ...]
    # A report that contradicts where the case stood: kept in the history, changed nothing.
    kept_as_record: bool = False
    consent: ConsentEntry | None = None  # the consent record this report carries


@dataclass(frozen=True)
class CaseDetail:
    id: int
    version: int
    id_number: str
    level: int
    full_name: str
    birth_date: date
    sex: str
    phone: str | None
    address: str | None
    residence_commune_id: int | None  # None: outside the province
    residence_name: str
    point_name: str
    operator_name: str
    status: str
    failure_reason: str | None
    failure_note: str | None
    help_reason: str | None
    notes: str | None
    created_at: datetime
    updated_at: datetime
    activated_at: datetime | None
    history: tuple[HistoryEntry, ...]
    contacts: tuple[ContactEntry, ...]
    # Empty: saved before notices had versions ("không rõ", `services.privacy.consent`).
    consent: tuple[ConsentEntry, ...] = ()

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, str(self.level))

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def failure_text(self) -> str | None:
        return _failure_text(self.failure_reason, self.failure_note)

    @property
    def help_reason_label(self) -> str | None:
        return HELP_REASON_LABELS.get(self.help_reason) if self.help_reason else None


def _failure_text(reason: str | None, note: str | None) -> str | None:
    if reason is None:
        return None
    label = FAILURE_LABELS.get(reason, reason)
    return f"{label}: {note}" if note else label


def describe_value(field: str, value: object, tree: UnitTree | None = None) -> str:
    """A value from a correction's JSON, as a person reads it."""
    if value is None or value == "":
        return EMPTY
    if field == "birth_date" and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if field == "residence_commune_id" and isinstance(value, int) and tree is not None:
        unit = tree.by_id.get(value)
        return tree.full_name(unit.id) if unit is not None else f"mã {value}"
    if field == "residence" and isinstance(value, str):
        if value == OUTSIDE_PROVINCE:
            return "Ngoài tỉnh"
        unit = tree.by_code.get(value) if tree is not None else None
        return tree.full_name(unit.id) if tree is not None and unit is not None else f"mã {value}"
    if field == "activated_at" and isinstance(value, str):
        try:
            return format_moment(datetime.fromisoformat(value))
        except ValueError:
            return value
    if field == "help_reason":
        return HELP_REASON_LABELS.get(str(value), str(value))
    if field == "status":
        return STATUS_LABELS.get(str(value), str(value))
    return str(value)


def describe_changes(changes: str | None, tree: UnitTree | None = None) -> tuple[ChangeLine, ...]:
    """The `{"field": [before, after]}` JSON of a correction as labelled lines."""
    if not changes:
        return ()
    try:
        parsed = json.loads(changes)
    except ValueError:
        return (ChangeLine("?", "Thay đổi", EMPTY, "(không đọc được nội dung thay đổi)"),)
    if not isinstance(parsed, dict):
        return ()
    lines = []
    for name, pair in parsed.items():
        if name == SEEN:  # a decision's bookkeeping, not a change of the case
            continue
        before, after = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
        lines.append(
            ChangeLine(
                name,
                FIELD_LABELS.get(str(name), str(name)),
                describe_value(name, before, tree),
                describe_value(name, after, tree),
            )
        )
    return tuple(lines)


def _names(session: Session, case: Case) -> tuple[dict[int, str], dict[int, str]]:
    """The full names of the operators and the names of the points the history names."""
    operators: dict[int, str] = dict(
        session.execute(
            select(Operator.id, Operator.full_name).where(
                Operator.id.in_({e.operator_id for e in case.history})
            )
        ).all()
    )
    point_ids = {e.intake_point_id for e in case.history if e.intake_point_id is not None}
    points: dict[int, str] = dict(
        session.execute(
            select(IntakePoint.id, IntakePoint.name).where(IntakePoint.id.in_(point_ids))
        ).all()
    )
    return operators, points


def _consent(
    case: Case, operators: dict[int, str], points: dict[int, str]
) -> tuple[ConsentEntry, ...]:
    """The consent records the case's events carry, earliest first (the case's own is the
    first; another comes with a report of the same case made elsewhere before they met)."""
    entries = [_consent_entry(e, operators, points) for e in case.history]
    return tuple(sorted((e for e in entries if e is not None), key=lambda entry: entry.at))


def _consent_entry(
    event: CaseEvent, operators: dict[int, str], points: dict[int, str]
) -> ConsentEntry | None:
    if event.consent_basis is None or event.consent_at is None:
        return None
    return ConsentEntry(
        notice_version=event.consent_notice,
        at=event.consent_at,
        operator_name=operators.get(event.operator_id, "?"),
        point_name=points.get(event.intake_point_id) if event.intake_point_id else None,
        basis=event.consent_basis,
        legal_reference=event.consent_legal_reference,
    )


def _history(
    case: Case, tree: UnitTree, operators: dict[int, str], points: dict[int, str]
) -> tuple[HistoryEntry, ...]:
    events = [fold_event(e) for e in case.history]
    records = {r.event.uid for r in fold_case(case.level, events).records}
    order = {event.uid: event_order(event) for event in events}
    ordered = sorted(case.history, key=lambda e: order[e.uid])
    return tuple(_entry(event, operators, points, tree, event.uid in records) for event in ordered)


def _entry(
    event: CaseEvent,
    operators: dict[int, str],
    points: dict[int, str],
    tree: UnitTree,
    kept_as_record: bool = False,
) -> HistoryEntry:
    return HistoryEntry(
        kind=event.kind,
        kind_label=EVENT_KIND_LABELS.get(event.kind, event.kind),
        at=event.changed_at,
        operator_name=operators.get(event.operator_id, "?"),
        point_name=points.get(event.intake_point_id) if event.intake_point_id else None,
        from_label=STATUS_LABELS.get(event.from_status, event.from_status)
        if event.from_status
        else None,
        to_label=STATUS_LABELS.get(event.to_status, event.to_status) if event.to_status else None,
        failure_text=_failure_text(event.failure_reason, event.failure_note),
        reason=event.reason,
        changes=describe_changes(event.changes, tree),
        kept_as_record=kept_as_record,
        consent=_consent_entry(event, operators, points),
    )


def _load(session: Session, case_id: int, actor: Actor | None) -> Case:
    query = select(Case).options(selectinload(Case.history)).where(Case.id == case_id)
    if actor is not None:
        query = query.where(visible_to(actor))
    case = session.scalars(query).first()
    if case is None:
        raise NotFoundError(NOT_FOUND)
    return case


def case_detail(session: Session, case_id: int, actor: Actor | None = None) -> CaseDetail:
    """Everything about one case; with `actor`, only a case that person may see."""
    case = _load(session, case_id, actor)
    tree = UnitTree.load(session)
    point = session.get(IntakePoint, case.intake_point_id)
    operator = session.get(Operator, case.operator_id)
    residence = (
        tree.by_id.get(case.residence_commune_id) if case.residence_commune_id is not None else None
    )
    operators, points = _names(session, case)
    return CaseDetail(
        id=case.id,
        version=case.version,
        id_number=case.id_number,
        level=case.level,
        full_name=case.full_name,
        birth_date=case.birth_date,
        sex=case.sex,
        phone=case.phone,
        address=case.address,
        residence_commune_id=case.residence_commune_id,
        residence_name=tree.full_name(residence.id) if residence else "Ngoài tỉnh",
        point_name=point.name if point else "?",
        operator_name=operator.full_name if operator else "?",
        status=case.status,
        failure_reason=case.failure_reason,
        failure_note=case.failure_note,
        help_reason=case.help_reason,
        notes=case.notes,
        created_at=case.created_at,
        updated_at=case.updated_at,
        activated_at=case.activated_at,
        history=_history(case, tree, operators, points),
        consent=_consent(case, operators, points),
        contacts=tuple(contacts_of(session, case.id)),
    )


def correct_opened_case(
    session: Session, actor: Actor, case_id: int, version: int, correction: Correction
) -> CaseEvent:
    """Apply a correction to the case as it was when the form was opened (the caller commits).

    If the case changed since (another desk saved it), nothing is written: the person
    correcting it should see the new state first.
    """
    require(actor, Action.WORK_CASES)
    refuse_after_purge(session, "sửa hồ sơ")
    case = _load(session, case_id, actor)
    if case.version != version:
        raise ConflictError(CHANGED_ELSEWHERE)
    if case.id_number.startswith(PSEUDONYM_PREFIX):
        raise ConflictError(ANONYMISED)
    before_id = case.id_number
    try:
        event = correct_case(session, case, correction)
    except StaleDataError:  # saved elsewhere between our read and our write
        raise ConflictError(CHANGED_ELSEWHERE) from None
    session.flush()
    # A status corrected to activated (or a corrected ID number) moves the review lists too.
    link_cases(session, [case.id_number], actor.username)
    audit_correction(session, actor, case.id, before_id, case.id_number, event)
    return event


def correct_opened_moment(
    session: Session,
    actor: Actor,
    case_id: int,
    version: int,
    moment: datetime,
    reason: str,
) -> CaseEvent:
    """Move the activation of the case opened at `version` to `moment` (the caller commits);
    the history and the audit log record it, and the days before and after change figures."""
    require(actor, Action.WORK_CASES)
    if actor.operator_id is None:
        raise ConflictError("Cần đăng nhập bằng tài khoản cán bộ để sửa thời điểm kích hoạt.")
    refuse_after_purge(session, "sửa hồ sơ")
    case = _load(session, case_id, actor)
    if case.version != version:
        raise ConflictError(CHANGED_ELSEWHERE)
    try:
        event = correct_activation_moment(
            session, case, moment, reason, actor.operator_id, actor.point_id
        )
    except StaleDataError:
        raise ConflictError(CHANGED_ELSEWHERE) from None
    audit_correction(session, actor, case.id, case.id_number, case.id_number, event)
    return event


# Facts whose values stay out of the audit log: it records only that they changed.
PERSONAL_FIELDS = frozenset({"full_name", "birth_date", "phone", "address", "notes", "sex"})


def audit_changes(changes: str | None) -> dict[str, object]:
    """A correction's `{"field": [before, after]}` fit for the audit log: ID numbers
    masked, other personal facts reduced to "changed", the rest (status, commune, help
    reason) as they were."""
    try:
        parsed = json.loads(changes or "{}")
    except ValueError:
        return {}
    if not isinstance(parsed, dict):
        return {}
    kept: dict[str, object] = {}
    for name, pair in parsed.items():
        if name == SEEN:
            continue
        if name in PERSONAL_FIELDS:
            kept[name] = "đã thay đổi"
        elif name == "id_number" and isinstance(pair, list):
            kept[name] = [mask_id_number(str(v)) if v else v for v in pair]
        else:
            kept[name] = pair
    return kept


def audit_correction(
    session: Session,
    actor: Actor,
    case_id: int,
    id_before: str,
    id_after: str,
    event: CaseEvent,
) -> None:
    changed = audit_changes(event.changes)
    labels = ", ".join(FIELD_LABELS.get(name, name).lower() for name in changed)
    write_audit(
        session,
        actor,
        AuditAction.CASE_CORRECTED,
        f"Sửa hồ sơ {mask_id_number(id_after)}: {labels or 'trạng thái'}",
        {
            "case_id": case_id,
            "id_number": mask_id_number(id_after),
            "id_number_before": mask_id_number(id_before),
            "changes": changed,
        },
    )
