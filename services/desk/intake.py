"""The intake desk's service calls: what the guided flow needs, one call per user action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models.codes import FailureReason, HelpReason, PointKind, Status
from models.entities import Case, IntakePoint
from services.cases.lifecycle import is_forward, statuses_for
from services.cases.recording import (
    CaseFacts,
    FactsDraft,
    Outcome,
    RecordResult,
    StatusReport,
    check_facts,
    check_same_person,
    find_case,
    find_cases_of_person,
    record_report,
)
from services.common.errors import ConflictError, UserError, ValidationError
from services.common.labels import LEVEL_LABELS, STATUS_DESCRIPTIONS, STATUS_LABELS
from services.common.vntime import local_day, now_utc
from services.outreach.lists import link_cases
from services.person.id_number import mask_id_number
from services.privacy.consent import ConsentRecord, NoticeHeard, current_notice, desk_record
from services.privacy.purge import refuse_after_purge
from services.security.audit import AuditAction, write_audit
from services.security.permissions import require_point
from services.security.session_context import Actor


@dataclass(frozen=True)
class CaseSummary:
    """A case as the desk shows it when a citizen comes back."""

    id: int
    id_number: str
    level: int
    status: Status
    status_label: str
    updated_at: datetime
    point_name: str
    full_name: str
    birth_date: date
    sex: str
    phone: str | None
    address: str | None
    residence_commune_id: int | None  # None: outside the province
    help_reason: str | None


def _summary(case: Case, point_name: str) -> CaseSummary:
    return CaseSummary(
        id=case.id,
        id_number=case.id_number,
        level=case.level,
        status=Status(case.status),
        status_label=STATUS_DESCRIPTIONS[case.status],
        updated_at=case.updated_at,
        point_name=point_name,
        full_name=case.full_name,
        birth_date=case.birth_date,
        sex=case.sex,
        phone=case.phone,
        address=case.address,
        residence_commune_id=case.residence_commune_id,
        help_reason=case.help_reason,
    )


def person_cases(session: Session, id_number: str) -> list[CaseSummary]:
    """Every case already recorded for this ID number (one per level at most)."""
    cases = find_cases_of_person(session, id_number)
    names = {  # noqa: C416 (rows are Row objects; mypy types the pairs only this way)
        point_id: name
        for point_id, name in session.execute(
            select(IntakePoint.id, IntakePoint.name).where(
                IntakePoint.id.in_([c.intake_point_id for c in cases])
            )
        )
    }
    return [_summary(c, names.get(c.intake_point_id, "")) for c in cases]


def case_summary(session: Session, case_id: int) -> CaseSummary:
    case = session.get(Case, case_id)
    if case is None:
        raise UserError("Không tìm thấy hồ sơ (có thể đã bị xóa). Làm mới danh sách rồi thử lại.")
    point = session.get(IntakePoint, case.intake_point_id)
    return _summary(case, point.name if point else "")


def next_statuses(level: int, current: Status | None) -> list[Status]:
    """The results the operator may record: all of the level's for a new case, else forward moves."""
    if current is None:
        return list(statuses_for(level))
    return [s for s in statuses_for(level) if is_forward(level, current, s)]


def takes_level2(session: Session, point_id: int) -> bool:
    """Level 2 applications are taken only at police ID-card points (and police mobile teams)."""
    point = session.get(IntakePoint, point_id)
    return point is not None and point.kind in (
        PointKind.POLICE_ID_POINT.value,
        PointKind.MOBILE_TEAM.value,
    )


@dataclass
class IntakeResult:
    level: int
    status: Status
    failure_reason: FailureReason | None = None
    failure_note: str | None = None
    help_reason: HelpReason | None = None
    notes: str | None = None


def save_intake(
    session: Session,
    actor: Actor,
    draft: FactsDraft,
    result: IntakeResult,
    *,
    consent: bool,
    at: datetime | None = None,
    notice: NoticeHeard | None = None,
) -> RecordResult:
    """Validate and save one desk action (the caller commits). Raises with every problem found.

    The report is recorded at the operator's own point; a case begun at another point
    (registered at the post office, activated at the police) moves on here too. A new case
    keeps its consent record (`services.privacy.consent`): `notice` as the desk read it (default:
    the current notice, now), under the campaign's legal basis, given by `actor`. A report
    on a known case keeps one only when `notice` says it was read again."""
    point_id = require_point(actor)
    assert actor.operator_id is not None
    refuse_after_purge(session, "ghi hồ sơ mới")
    moment = at or now_utc()
    facts, errors = check_facts(draft, local_day(moment))
    if facts is None:
        raise ValidationError(" ".join(e.message for e in errors), errors[0].field)
    existing = _case_moving_on(session, facts, result)
    if notice is None and existing is None:
        notice = NoticeHeard(current_notice().version, moment)
    record = desk_record(session, notice.version, notice.at) if notice is not None else None
    report = StatusReport(
        level=result.level,
        status=result.status,
        at=moment,
        operator_id=actor.operator_id,
        intake_point_id=point_id,
        failure_reason=result.failure_reason,
        failure_note=result.failure_note,
    )
    recorded = _record_at_desk(
        session,
        facts,
        report,
        consent=consent,
        result=result,
        existing=existing,
        consent_record=record,
    )
    # The review lists follow the desk: the person listed with this number came (or is
    # activated); a person listed without a number is offered to the clerk to confirm.
    link_cases(session, [facts.id_number], actor.username)
    audit_case_report(session, actor, recorded)
    return recorded


def _record_at_desk(
    session: Session,
    facts: CaseFacts,
    report: StatusReport,
    *,
    consent: bool,
    result: IntakeResult,
    existing: Case | None,
    consent_record: ConsentRecord | None,
) -> RecordResult:
    """Record the report and flush it; a write raced by another point is a `ConflictError`."""
    try:
        recorded = record_report(
            session,
            facts,
            report,
            consent=consent,
            help_reason=result.help_reason,
            notes=result.notes,
            known={(facts.id_number, result.level): existing} if existing is not None else {},
            consent_record=consent_record,
        )
        session.flush()
    except (IntegrityError, StaleDataError) as error:
        # Another point saved this ID number and level between our read and our write:
        # the unique constraint or the row version caught it. Theirs stands.
        session.rollback()
        raise ConflictError(
            f"Hồ sơ mức {result.level} của số định danh {facts.id_number} vừa được một điểm "
            "khác lưu cùng lúc. Đã tải lại hồ sơ như hiện có: kiểm tra trạng thái rồi lưu lại "
            "nếu cần."
        ) from error
    return recorded


def _case_moving_on(session: Session, facts: CaseFacts, result: IntakeResult) -> Case | None:
    """The case this action continues, if any: the same person, moved forward only."""
    existing = find_case(session, facts.id_number, result.level)
    if existing is not None:
        check_same_person(existing, facts)
        current = Status(existing.status)
        if not is_forward(result.level, current, result.status):
            # The desk records what happens now: a step back is a correction, not a report.
            raise ValidationError(
                f"Hồ sơ {LEVEL_LABELS[result.level].lower()} của số định danh {facts.id_number} "
                f"đang ở trạng thái «{STATUS_LABELS[current]}»: không thể ghi "
                f"«{STATUS_LABELS[result.status]}» (trạng thái không được lùi). Nếu trạng thái "
                "đã lưu bị sai, hãy sửa hồ sơ (Ctrl+E, có ghi lý do).",
                "status",
            )
    return existing


def audit_case_report(session: Session, actor: Actor, recorded: RecordResult) -> None:
    """The audit entry of a saved report: the case's id and masked ID number, no name."""
    if recorded.outcome == Outcome.UNCHANGED:
        return
    case = recorded.case
    history = sorted(case.history, key=lambda e: (e.changed_at, e.id or 0))
    last = history[-1] if history else None
    created = recorded.outcome == Outcome.CREATED
    masked = mask_id_number(case.id_number)
    label = STATUS_LABELS.get(case.status, case.status)
    write_audit(
        session,
        actor,
        AuditAction.CASE_CREATED if created else AuditAction.CASE_STATUS,
        f"{'Tạo hồ sơ' if created else 'Cập nhật hồ sơ'} {masked} "
        f"({LEVEL_LABELS[case.level].lower()}): {label}",
        {
            "case_id": case.id,
            "id_number": masked,
            "level": case.level,
            "from": last.from_status if last is not None and not created else None,
            "to": case.status,
        },
    )


@dataclass(frozen=True)
class PointDay:
    level1: int
    level2: int
    target_label: str | None
    target_daily: int | None

    @property
    def activated(self) -> int:
        return self.level1 + self.level2


def point_today(session: Session, point_id: int, day: date) -> PointDay:
    """Activations recorded at this point on `day`, and the day's target of its unit."""
    from services.campaigns.units import UnitTree

    counts = {  # noqa: C416 (as above)
        level: count
        for level, count in session.execute(
            select(Case.level, func.count())
            .where(Case.intake_point_id == point_id, Case.activated_on == day)
            .group_by(Case.level)
        )
    }
    point = session.get(IntakePoint, point_id)
    label = target = None
    if point is not None:
        tree = UnitTree.load(session)
        unit = tree.by_id.get(point.commune_id)
        while unit is not None and unit.target_daily is None:
            unit = tree.by_id.get(unit.parent_id) if unit.parent_id is not None else None
        if unit is not None:
            label, target = unit.name, unit.target_daily
    return PointDay(counts.get(1, 0), counts.get(2, 0), label, target)
