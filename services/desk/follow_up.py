"""The follow-up queue: cases waiting for someone, oldest first, and the calls made about them.

Three kinds of case wait:
- level 1 registered and still not approved once the legal delay has passed (police
  approve within 1 working day): someone should chase the approval;
- level 1 approved but not activated: the citizen should be called to activate;
- level 2 application taken but not activated: all of them are listed, and those past
  the 3-working-day approval delay are marked overdue.

A case waits since the moment it reached its current status (its last history event).
Delays count working days; Saturday and Sunday are not working days. The delays and the
calendar are data (`WorkingCalendar`, `FollowUpRules`), not hard-wired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from models.codes import Status
from models.entities import Case, CaseContact, CaseEvent, IntakePoint, Operator
from services.cases.queries import PAGE_SIZE, masks_id_numbers, visible_to
from services.common.errors import NotFoundError, ValidationError
from services.common.text import clean
from services.common.vntime import end_of_day_utc, local_day, now_utc, today_vn
from services.person.id_number import mask_id_number
from services.security.session_context import Actor

SATURDAY, SUNDAY = 5, 6
NON_WORKING_WEEKDAYS = frozenset({SATURDAY, SUNDAY})
LEVEL1_APPROVAL_WORKING_DAYS = 1
LEVEL2_APPROVAL_WORKING_DAYS = 3
CONTACT_NOTE_MAX = 500


@dataclass(frozen=True)
class WorkingCalendar:
    non_working_weekdays: frozenset[int] = NON_WORKING_WEEKDAYS
    holidays: frozenset[date] = frozenset()

    def is_working(self, day: date) -> bool:
        return day.weekday() not in self.non_working_weekdays and day not in self.holidays

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day`: the last day of a delay started on `day`."""
        current = day
        while count > 0:
            current += timedelta(days=1)
            if self.is_working(current):
                count -= 1
        return current

    def last_start_overdue_by(self, today: date, count: int) -> date:
        """The latest day a delay of `count` working days could start and be over before `today`."""
        start = today - timedelta(days=1)
        while self.add_working_days(start, count) >= today:
            start -= timedelta(days=1)
        return start


@dataclass(frozen=True)
class FollowUpRules:
    level1_approval_days: int = LEVEL1_APPROVAL_WORKING_DAYS
    level2_approval_days: int = LEVEL2_APPROVAL_WORKING_DAYS
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)


class FollowUpKind(StrEnum):
    APPROVAL_OVERDUE = "approval_overdue"
    AWAITING_ACTIVATION = "awaiting_activation"
    LEVEL2_PENDING = "level2_pending"


FOLLOW_UP_LABELS: dict[str, str] = {
    FollowUpKind.APPROVAL_OVERDUE: "Mức 1 chờ duyệt quá hạn",
    FollowUpKind.AWAITING_ACTIVATION: "Mức 1 đã duyệt, chờ kích hoạt",
    FollowUpKind.LEVEL2_PENDING: "Mức 2 chờ duyệt, kích hoạt",
}


@dataclass(frozen=True)
class ContactEntry:
    at: datetime
    operator_name: str
    note: str


@dataclass(frozen=True)
class FollowUpRow:
    case_id: int
    id_number: str
    level: int
    full_name: str
    phone: str | None
    point_name: str
    kind: FollowUpKind
    since: datetime
    due_on: date | None  # the last day of the legal delay, where there is one
    overdue: bool
    last_contact: ContactEntry | None
    contacts: int

    @property
    def kind_label(self) -> str:
        return FOLLOW_UP_LABELS[self.kind]


def _since() -> Any:
    """When the case reached its current status: its last history event."""
    return (
        select(func.max(CaseEvent.changed_at))
        .where(CaseEvent.case_id == Case.id)
        .correlate(Case)
        .scalar_subquery()
    )


def _waiting(since: Any, today: date, rules: FollowUpRules) -> ColumnElement[bool]:
    last_start = rules.calendar.last_start_overdue_by(today, rules.level1_approval_days)
    return or_(
        and_(
            Case.level == 1,
            Case.status == Status.REGISTERED.value,
            since < end_of_day_utc(last_start),
        ),
        and_(Case.level == 1, Case.status == Status.APPROVED.value),
        and_(Case.level == 2, Case.status == Status.APPLICATION_TAKEN.value),
    )


def count_follow_up(
    session: Session, actor: Actor, today: date | None = None, rules: FollowUpRules | None = None
) -> int:
    since = _since()
    query = (
        select(func.count())
        .select_from(Case)
        .where(visible_to(actor), _waiting(since, today or today_vn(), rules or FollowUpRules()))
    )
    return int(session.scalar(query) or 0)


def _kind(level: int, status: str) -> FollowUpKind:
    if level == 2:
        return FollowUpKind.LEVEL2_PENDING
    if status == Status.REGISTERED:
        return FollowUpKind.APPROVAL_OVERDUE
    return FollowUpKind.AWAITING_ACTIVATION


def _due(kind: FollowUpKind, since: datetime, rules: FollowUpRules) -> date | None:
    if kind == FollowUpKind.AWAITING_ACTIVATION:
        return None
    days = (
        rules.level1_approval_days
        if kind == FollowUpKind.APPROVAL_OVERDUE
        else rules.level2_approval_days
    )
    return rules.calendar.add_working_days(local_day(since), days)


def follow_up_cases(
    session: Session,
    actor: Actor,
    today: date | None = None,
    after: FollowUpRow | None = None,
    limit: int = PAGE_SIZE,
    rules: FollowUpRules | None = None,
) -> list[FollowUpRow]:
    """The next `limit` waiting cases, oldest first, after the row `after` (None: from the start)."""
    today = today or today_vn()
    rules = rules or FollowUpRules()
    since = _since().label("since")
    query = (
        select(
            Case.id,
            Case.id_number,
            Case.level,
            Case.full_name,
            Case.phone,
            Case.status,
            IntakePoint.name,
            since,
        )
        .join(IntakePoint, IntakePoint.id == Case.intake_point_id)
        .where(visible_to(actor), _waiting(since, today, rules))
    )
    if after is not None:
        query = query.where(since >= after.since, or_(since > after.since, Case.id > after.case_id))
    query = query.order_by(since, Case.id).limit(limit)
    found = session.execute(query).all()
    contacts = _contacts_of(session, [row[0] for row in found])
    rows = []
    masked = masks_id_numbers(actor)
    for case_id, id_number, level, full_name, phone, status, point_name, waited in found:
        kind = _kind(level, status)
        due = _due(kind, waited, rules)
        overdue = due is not None and today > due
        mine = contacts.get(case_id, [])
        rows.append(
            FollowUpRow(
                case_id=case_id,
                id_number=mask_id_number(id_number) if masked else id_number,
                level=level,
                full_name=full_name,
                phone=phone,
                point_name=point_name,
                kind=kind,
                since=waited,
                due_on=due,
                overdue=overdue,
                last_contact=mine[-1] if mine else None,
                contacts=len(mine),
            )
        )
    return rows


def _contacts_of(session: Session, case_ids: list[int]) -> dict[int, list[ContactEntry]]:
    found: dict[int, list[ContactEntry]] = {}
    if not case_ids:
        return found
    query = (
        select(CaseContact.case_id, CaseContact.contacted_at, Operator.full_name, CaseContact.note)
        .join(Operator, Operator.id == CaseContact.operator_id)
        .where(CaseContact.case_id.in_(case_ids))
        .order_by(CaseContact.contacted_at, CaseContact.id)
    )
    for case_id, at, operator_name, note in session.execute(query):
        found.setdefault(case_id, []).append(ContactEntry(at, operator_name, note))
    return found


def contacts_of(session: Session, case_id: int) -> list[ContactEntry]:
    """Every contact about one case, oldest first."""
    return _contacts_of(session, [case_id]).get(case_id, [])


def add_contact(
    session: Session, actor: Actor, case_id: int, note: str, at: datetime | None = None
) -> ContactEntry:
    """Record that someone contacted the citizen about a case (the caller commits)."""
    text = clean(note)
    if not text:
        raise ValidationError(
            "Ghi nội dung liên hệ (ví dụ: đã gọi, hẹn mai quay lại kích hoạt).", "note"
        )
    if len(text) > CONTACT_NOTE_MAX:
        raise ValidationError(
            f"Nội dung liên hệ dài quá {CONTACT_NOTE_MAX} ký tự: ghi ngắn gọn hơn.", "note"
        )
    if actor.operator_id is None:
        raise ValidationError("Cần đăng nhập bằng tài khoản cán bộ để ghi lần liên hệ.", "operator")
    if session.scalar(select(Case.id).where(Case.id == case_id, visible_to(actor))) is None:
        raise NotFoundError("Không tìm thấy hồ sơ này trong danh sách của điểm thu nhận.")
    operator = session.get(Operator, actor.operator_id)
    if operator is None:
        raise NotFoundError("Không tìm thấy tài khoản cán bộ đang đăng nhập.")
    contact = CaseContact(
        case_id=case_id, contacted_at=at or now_utc(), operator_id=operator.id, note=text
    )
    session.add(contact)
    session.flush()
    return ContactEntry(contact.contacted_at, operator.full_name, text)
