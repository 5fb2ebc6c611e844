"""Conflicts: reports of one case that disagree on who the person is or where they live.

A conflict is not set aside: every report joins the case's history (packages, sheets), the
facts recorded first in event time stand and count, and the case is flagged
(`Case.has_conflict`, derived by the fold). A manager compares the claims and decides which
one stands; the decision is an event (`services.cases.recording.decide_facts`), so it travels in
packages and gives the same result wherever and in whatever order it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models.codes import OUTSIDE_PROVINCE
from models.entities import Case, IntakePoint
from services.campaigns.units import UnitTree
from services.cases.fold import Claim, fold_case
from services.cases.recording import decide_facts, fold_event
from services.common.errors import NotFoundError, UserError
from services.person.id_number import mask_id_number
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor

RESOLUTIONS = {
    "keep_local": "Giữ thông tin đang dùng",
    "take_incoming": "Lấy thông tin khác",
}
DECISION_REASON = "Quản lý quyết định khi các báo cáo ghi khác nhau"


@dataclass(frozen=True)
class ClaimView:
    """One version of the facts, as some report gave it, and where it came from."""

    full_name: str
    birth_date: date
    sex: str
    residence: str  # the commune's full name, or "Ngoài tỉnh"
    point_name: str
    at: datetime
    claim: Claim


@dataclass(frozen=True)
class ConflictView:
    id: int  # the case's id
    id_number: str
    level: int
    in_force: ClaimView  # the facts that stand (and count) until a manager decides
    others: tuple[ClaimView, ...]  # the versions that disagree with them
    updated_at: datetime

    # The two versions side by side, as the dialog shows them.
    @property
    def local_name(self) -> str:
        return self.in_force.full_name

    @property
    def incoming_name(self) -> str:
        return self.others[0].full_name if self.others else ""

    @property
    def source(self) -> str:
        other = self.others[0] if self.others else self.in_force
        return other.point_name


def residence_label(tree: UnitTree, code: str) -> str:
    if code == OUTSIDE_PROVINCE:
        return "Ngoài tỉnh"
    unit = tree.by_code.get(code)
    return tree.full_name(unit.id) if unit else code


def _view(session: Session, case: Case, tree: UnitTree, points: dict[int, str]) -> ConflictView:
    folded = fold_case(case.level, [fold_event(e) for e in case.history])
    facts = folded.facts
    assert facts is not None
    standing = Claim(facts.full_name, facts.birth_date, facts.sex, facts.residence)

    def view(claim: Claim, point_id: int | None, at: datetime) -> ClaimView:
        return ClaimView(
            claim.full_name,
            claim.birth_date,
            claim.sex,
            residence_label(tree, claim.residence),
            points.get(point_id, "?") if point_id else "?",
            at,
            claim,
        )

    first = next(
        ((c, e) for c, e in folded.claims if c.identity() == standing.identity()),
        (standing, folded.status_event),
    )
    others = tuple(
        view(claim, event.point_id, event.at)
        for claim, event in folded.claims
        if claim.identity() != standing.identity()
    )
    return ConflictView(
        id=case.id,
        id_number=case.id_number,
        level=case.level,
        in_force=view(standing, first[1].point_id, first[1].at),
        others=others,
        updated_at=case.updated_at,
    )


def open_conflicts(session: Session, actor: Actor) -> list[ConflictView]:
    """Every case whose reports disagree and that no manager has decided, oldest change first."""
    require(actor, Action.CONFLICTS)
    tree = UnitTree.load(session)
    points: dict[int, str] = dict(session.execute(select(IntakePoint.id, IntakePoint.name)).all())
    cases = session.scalars(
        select(Case)
        .options(selectinload(Case.history))
        .where(Case.has_conflict.is_(True))
        .order_by(Case.updated_at, Case.id)
    )
    return [_view(session, case, tree, points) for case in cases]


def conflict_of(session: Session, case: Case, tree: UnitTree | None = None) -> ConflictView | None:
    """The versions one case's reports disagree on, while it waits for a decision (the
    case's history loaded); None when it does not."""
    if not case.has_conflict:
        return None
    points: dict[int, str] = dict(session.execute(select(IntakePoint.id, IntakePoint.name)).all())
    return _view(session, case, tree or UnitTree.load(session), points)


@dataclass(frozen=True)
class Decision:
    """A decision just recorded, and what deciding again the other way takes."""

    case_id: int
    resolution: str
    chosen: Claim  # the version that stands now
    other: Claim  # the version set aside: what an undo makes stand again


def _case_for_decision(session: Session, case_id: int, actor: Actor) -> Case | None:
    require(actor, Action.CONFLICTS)
    if actor.operator_id is None:
        raise UserError("Cần đăng nhập bằng tài khoản quản lý để giải quyết mâu thuẫn.")
    return session.scalars(
        select(Case).options(selectinload(Case.history)).where(Case.id == case_id)
    ).first()


def _decide(
    session: Session, case: Case, chosen: Claim, resolution: str, actor: Actor, *, undo: bool
) -> None:
    assert actor.operator_id is not None
    residence_before = case.residence_commune_id
    decide_facts(session, case, chosen, DECISION_REASON, actor.operator_id, actor.point_id)
    what = "Hoàn tác quyết định mâu thuẫn" if undo else "Giải quyết mâu thuẫn"
    details: dict[str, object] = {
        "case_id": case.id,
        "id_number": mask_id_number(case.id_number),
        "resolution": resolution,
        "residence_changed": residence_before != case.residence_commune_id,
    }
    if undo:
        details["undo"] = True
    write_audit(
        session,
        actor,
        AuditAction.CONFLICT_RESOLVED,
        f"{what} hồ sơ {mask_id_number(case.id_number)}: {RESOLUTIONS[resolution].lower()}",
        details,
    )


def resolve_conflict(
    session: Session, case_id: int, resolution: str, actor: Actor, choice: int = 0
) -> Decision:
    """Record a manager's decision (the caller commits): keep the facts in force, or take
    the `choice`-th version that disagrees with them."""
    require(actor, Action.CONFLICTS)  # before anything else is told about the request
    if resolution not in RESOLUTIONS:
        raise UserError("Cách giải quyết không hợp lệ.")
    case = _case_for_decision(session, case_id, actor)
    if case is None or not case.has_conflict:
        raise NotFoundError("Mâu thuẫn này không còn (có thể người khác đã giải quyết).")
    tree = UnitTree.load(session)
    view = _view(session, case, tree, {})
    if resolution == "keep_local" and not view.others:
        chosen = other = view.in_force.claim
    elif resolution == "keep_local":
        chosen, other = view.in_force.claim, view.others[min(choice, len(view.others) - 1)].claim
    else:
        if not 0 <= choice < len(view.others):
            raise UserError("Không có phiên bản thông tin này để chọn.")
        chosen, other = view.others[choice].claim, view.in_force.claim
    _decide(session, case, chosen, resolution, actor, undo=False)
    return Decision(case.id, resolution, chosen, other)


def undo_decision(session: Session, decision: Decision, actor: Actor) -> Decision:
    """Decide again the other way (the caller commits): the version `decision` set aside
    stands from now on. A new decision event, so it travels in packages like the first;
    the returned decision undoes this one."""
    case = _case_for_decision(session, decision.case_id, actor)
    if case is None:
        raise NotFoundError("Không tìm thấy hồ sơ này (có thể đã bị xóa).")
    folded = fold_case(case.level, [fold_event(e) for e in case.history])
    if decision.other.identity() not in {claim.identity() for claim, _event in folded.claims}:
        raise UserError("Hồ sơ không còn phiên bản thông tin này để chọn lại.")
    resolution = "take_incoming" if decision.resolution == "keep_local" else "keep_local"
    _decide(session, case, decision.other, resolution, actor, undo=True)
    return Decision(case.id, resolution, decision.other, decision.chosen)
