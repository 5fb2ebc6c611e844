"""The numbered findings of the counting issue that the worked examples do not reach: who sees
a case, the desk's "today at this point", what a manager's decision leaves alone, the residence
outside the province at the desk, and a correction of facts after an activation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import Role, Status
from models.entities import Case
from services.cases.queries import CaseFilter, fetch_cases
from services.cases.recording import Correction, correct_case
from services.counting.tally import TallyBy, tally
from services.desk.intake import IntakeResult, point_today, save_intake
from services.exchange.conflicts import open_conflicts, resolve_conflict
from services.security.session_context import Actor
from tests.factories import CLI, KE_SACH, World


def operator_at(world: World, point_id: int) -> Actor:
    return Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.OPERATOR, point_id)


def test_a_point_sees_every_case_with_an_event_there(session: Session) -> None:
    """Finding 5: taken at Phú Tâm, activated at Phường 5: both points see the case."""
    world = World(session)
    facts = world.facts()
    world.record(facts, world.report(Status.APPLICATION_TAKEN, "2023-07-19 09:00", level=2))
    shared = world.record(
        facts, world.report(Status.ACTIVATED, "2023-07-21 10:00", level=2, point="phuong_5")
    ).case
    other = world.facts(tail=2, name="Lê Văn Bình", sex="Nam")
    only_there = world.record(
        other, world.report(Status.REGISTERED, "2023-07-19 09:00", point="phuong_5")
    ).case
    session.commit()
    at_phu_tam = fetch_cases(session, operator_at(world, world.point_phu_tam.id), CaseFilter())
    at_phuong_5 = fetch_cases(session, operator_at(world, world.point_phuong_5.id), CaseFilter())
    assert [row.id for row in at_phu_tam] == [shared.id]
    assert sorted(row.id for row in at_phuong_5) == sorted([shared.id, only_there.id])


def test_today_at_the_point_credits_whoever_activated(session: Session) -> None:
    """Finding 5: the desk's "Hôm nay tại điểm" counts the activation where it was recorded."""
    world = World(session)
    facts = world.facts()
    world.record(facts, world.report(Status.APPLICATION_TAKEN, "2023-07-19 09:00", level=2))
    world.record(
        facts, world.report(Status.ACTIVATED, "2023-07-21 10:00", level=2, point="phuong_5")
    )
    day = date(2023, 7, 21)
    assert point_today(session, world.point_phuong_5.id, day).level2 == 1
    assert point_today(session, world.point_phu_tam.id, day).level2 == 0
    # ...while level 2 counts for the commune where it was taken (Phú Tâm, district 942).
    by_district = {row.code: row for row in tally(session, day, TallyBy.DISTRICT).rows}
    assert (by_district["942"].level2, by_district["941"].level2) == (1, 0)


def test_keeping_the_facts_here_moves_nothing(session: Session) -> None:
    """Finding 6: a decision keeps the case where the rules put it."""
    world = World(session)
    world.record(world.facts(), world.report(Status.REGISTERED, "2023-07-20 08:00"))
    other = world.facts(residence=KE_SACH)
    case = world.record(
        other, world.report(Status.ACTIVATED, "2023-07-22 10:00", point="phuong_5")
    ).case
    session.commit()
    before = (case.intake_point_id, case.counted_unit_id, case.activated_at, case.operator_id)
    assert case.has_conflict
    manager = Actor(world.operator.id, "lan.nt", "Lan", Role.MANAGER, world.point_phu_tam.id)
    resolve_conflict(session, open_conflicts(session, CLI)[0].id, "keep_local", manager)
    session.commit()
    session.refresh(case)
    assert not case.has_conflict
    after = (case.intake_point_id, case.counted_unit_id, case.activated_at, case.operator_id)
    assert after == before
    assert case.intake_point_id == world.point_phuong_5.id  # who recorded the activation


def test_taking_the_other_facts_moves_the_commune_not_the_day(session: Session) -> None:
    """Finding 1, second half: a decision for the package's facts never moves the activation."""
    world = World(session)
    world.record(world.facts(), world.report(Status.ACTIVATED, "2023-07-20 08:00"))
    case = world.record(
        world.facts(residence=KE_SACH), world.report(Status.REGISTERED, "2023-07-19 08:00")
    ).case
    session.commit()
    # Recorded first in event time: Kế Sách (19/07) stands until a manager decides.
    assert case.residence_commune_id == world.tree.commune(KE_SACH).id
    manager = Actor(world.operator.id, "lan.nt", "Lan", Role.MANAGER, None)
    resolve_conflict(session, case.id, "take_incoming", manager)
    session.commit()
    session.refresh(case)
    assert case.residence_commune_id == world.facts().residence_commune_id
    assert case.activated_on == date(2023, 7, 20)


def test_a_correction_of_facts_after_the_activation_moves_nothing(session: Session) -> None:
    """Finding 1: the phone fixed on 28/07 leaves the activation on 21/07."""
    world = World(session)
    case = world.record(world.facts(), world.report(Status.ACTIVATED, "2023-07-21 10:00")).case
    correct_case(
        session,
        case,
        Correction("Số điện thoại mới", world.operator.id, None, {"phone": "0987654321"}),
    )
    assert (case.phone, case.activated_on, case.status) == (
        "0987654321",
        date(2023, 7, 21),
        Status.ACTIVATED,
    )
    correction = next(e for e in case.history if e.kind == "correction")
    assert correction.to_status is None  # a correction of facts names no status


def test_the_desk_records_a_residence_outside_the_province(session: Session) -> None:
    """Finding 8: outside the province is an explicit answer, counted on a row of its own."""
    world = World(session)
    actor = operator_at(world, world.point_phuong_5.id)
    draft = world.draft()
    draft.residence_commune_id = None
    draft.residence_outside = True
    save_intake(
        session,
        actor,
        draft,
        IntakeResult(1, Status.ACTIVATED),
        consent=True,
        at=world.report(Status.ACTIVATED, "2023-07-21 10:00").at,
    )
    session.commit()
    case = session.scalars(select(Case)).one()
    assert (case.residence_commune_id, case.counted_unit_id) == (None, None)
    result = tally(session, date(2023, 7, 21), TallyBy.COMMUNE)
    assert (result.outside.level1, result.total.level1) == (1, 0)
    assert all(row.level1 == 0 for row in result.rows)
    by_point = {row.name: row for row in tally(session, date(2023, 7, 21), TallyBy.POINT).rows}
    assert by_point[world.point_phuong_5.name].level1 == 1
