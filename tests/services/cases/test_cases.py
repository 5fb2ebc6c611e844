"""The intake lifecycle: creation, forward moves, late reports, conflicts, history."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.codes import FailureReason, Status
from models.entities import Case, CaseEvent
from services.cases.recording import (
    Correction,
    FactsDraft,
    Outcome,
    check_facts,
    correct_case,
    find_case,
    record_report,
)
from services.common.errors import ValidationError
from tests.factories import KE_SACH, PHU_TAM, World, id_number_for


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def test_new_case_is_created_with_its_first_history_event(world: World) -> None:
    result = world.record(world.facts(), world.report(Status.REGISTERED, "2023-07-20 08:30"))
    assert result.outcome == Outcome.CREATED
    case = find_case(world.session, world.facts().id_number, 1)
    assert case is not None
    assert case.status == Status.REGISTERED
    assert [(e.from_status, e.to_status) for e in case.history] == [(None, "registered")]
    assert case.history[0].operator_id == world.operator.id
    assert case.name_folded == "tran thi my linh"
    assert case.activated_on is None


def test_case_moves_forward_and_history_records_each_step(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.REGISTERED, "2023-07-20 08:30"))
    assert world.record(facts, world.report(Status.APPROVED, "2023-07-21 09:00")).outcome == (
        Outcome.UPDATED
    )
    world.record(facts, world.report(Status.ACTIVATED, "2023-07-22 23:30"))
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None
    assert case.status == Status.ACTIVATED
    steps = [(e.from_status, e.to_status) for e in case.history]
    assert steps == [(None, "registered"), ("registered", "approved"), ("approved", "activated")]
    # 23:30 in Vietnam is 16:30 UTC: the local day counts, not the UTC one.
    assert case.activated_on == date(2023, 7, 22)


def test_activation_just_after_local_midnight_counts_for_the_next_day(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.ACTIVATED, "2023-07-23 00:10"))
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None
    assert case.activated_at is not None and case.activated_at.day == 22  # UTC
    assert case.activated_on == date(2023, 7, 23)


def test_a_step_back_is_kept_as_a_record_and_changes_nothing(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.ACTIVATED, "2023-07-20 08:30"))
    result = world.record(facts, world.report(Status.REGISTERED, "2023-07-21 08:30"))
    assert [r.event.uid for r in result.new_records] == [result.event.uid]  # type: ignore[union-attr]
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None and case.status == Status.ACTIVATED
    assert case.activated_on == date(2023, 7, 20)
    assert len(case.history) == 2


def test_same_report_twice_changes_nothing(world: World) -> None:
    facts = world.facts()
    report = world.report(Status.REGISTERED, "2023-07-20 08:30")
    record_report(world.session, facts, report, consent=True, uid="a" * 32)
    again = record_report(world.session, facts, report, consent=True, uid="a" * 32)
    assert again.outcome == Outcome.UNCHANGED
    world.session.flush()
    count = world.session.scalar(select(func.count()).select_from(CaseEvent))
    assert count == 1


def test_late_report_is_slotted_into_the_history(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.ACTIVATED, "2023-07-25 10:00"))
    result = world.record(facts, world.report(Status.REGISTERED, "2023-07-20 08:30"))
    assert result.outcome == Outcome.UPDATED and result.new_records == []
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None
    assert case.status == Status.ACTIVATED
    steps = [(e.from_status, e.to_status) for e in sorted(case.history, key=lambda e: e.changed_at)]
    assert steps == [(None, "registered"), ("registered", "activated")]


def test_a_late_report_that_contradicts_an_activation_is_kept_as_a_record(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.REGISTERED, "2023-07-20 08:30"))
    world.record(facts, world.report(Status.ACTIVATED, "2023-07-25 08:30"))
    result = world.record(facts, world.report(Status.APPROVED, "2023-07-26 08:30"))
    assert len(result.new_records) == 1
    assert result.new_records[0].standing == Status.ACTIVATED
    case = result.case
    assert (case.status, case.activated_on) == (Status.ACTIVATED, date(2023, 7, 25))


def test_failed_needs_a_reason_and_other_needs_text(world: World) -> None:
    facts = world.facts()
    with pytest.raises(ValidationError, match="lý do"):
        world.record(facts, world.report(Status.FAILED, "2023-07-20 08:30"))
    with pytest.raises(ValidationError, match="Khác"):
        world.record(
            facts, world.report(Status.FAILED, "2023-07-20 08:30", reason=FailureReason.OTHER)
        )
    world.record(
        facts,
        world.report(Status.FAILED, "2023-07-20 08:30", reason=FailureReason.NOT_OWN_NUMBER),
    )
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None and case.failure_reason == FailureReason.NOT_OWN_NUMBER


def test_a_failed_attempt_can_be_taken_up_again(world: World) -> None:
    facts = world.facts()
    world.record(
        facts,
        world.report(Status.FAILED, "2023-07-20 08:30", reason=FailureReason.NOT_OWN_NUMBER),
    )
    world.record(facts, world.report(Status.REGISTERED, "2023-07-22 08:30"))
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None
    assert case.status == Status.REGISTERED
    assert case.failure_reason is None


def test_level_statuses_are_separate(world: World) -> None:
    with pytest.raises(ValidationError, match="mức 2"):
        world.record(world.facts(), world.report(Status.REGISTERED, "2023-07-20 08:30", level=2))
    with pytest.raises(ValidationError, match="mức 1"):
        world.record(world.facts(), world.report(Status.APPLICATION_TAKEN, "2023-07-20 08:30"))


def test_level_one_counts_where_the_citizen_lives_level_two_where_taken(world: World) -> None:
    facts = world.facts(residence=KE_SACH)
    world.record(facts, world.report(Status.ACTIVATED, "2023-07-20 08:30", point="phuong_5"))
    world.record(
        facts, world.report(Status.APPLICATION_TAKEN, "2023-07-20 08:40", level=2, point="phuong_5")
    )
    level1 = find_case(world.session, facts.id_number, 1)
    level2 = find_case(world.session, facts.id_number, 2)
    assert level1 is not None and level2 is not None
    assert level1.counted_unit_id == world.tree.commune(KE_SACH).id
    assert level2.counted_unit_id == world.point_phuong_5.commune_id


def test_consent_is_required(world: World) -> None:
    with pytest.raises(ValidationError, match="đồng ý"):
        record_report(
            world.session,
            world.facts(),
            world.report(Status.REGISTERED, "2023-07-20 08:30"),
            consent=False,
        )
    assert world.session.scalar(select(func.count()).select_from(Case)) == 0


def test_under_fourteen_is_refused(world: World) -> None:
    young = world.facts(birth=date(2010, 1, 1), sex="Nam")
    with pytest.raises(ValidationError, match="14 tuổi"):
        world.record(young, world.report(Status.REGISTERED, "2023-07-20 08:30"))


def test_the_same_number_with_other_facts_is_a_conflict(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.REGISTERED, "2023-07-20 08:30"))
    other = world.facts(name="Trần Thị Mỹ Lan")
    case = world.record(other, world.report(Status.APPROVED, "2023-07-21 08:30")).case
    # Recorded, flagged for a manager; the facts recorded first in event time stand.
    assert (case.has_conflict, case.full_name, case.status) == (
        True,
        "Trần Thị Mỹ Linh",
        Status.APPROVED,
    )


def test_schema_allows_one_case_per_id_number_and_level(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.REGISTERED, "2023-07-20 08:30"))
    world.session.commit()
    original = find_case(world.session, facts.id_number, 1)
    assert original is not None
    twin = Case(
        **{
            c.key: getattr(original, c.key)
            for c in Case.__table__.columns
            if c.key not in ("id", "version")
        }
    )
    world.session.add(twin)
    with pytest.raises(IntegrityError):
        world.session.flush()
    world.session.rollback()


def test_schema_refuses_a_status_that_does_not_fit_the_level(world: World) -> None:
    world.record(world.facts(), world.report(Status.REGISTERED, "2023-07-20 08:30"))
    world.session.commit()
    case = find_case(world.session, world.facts().id_number, 1)
    assert case is not None
    case.status = Status.APPLICATION_TAKEN
    with pytest.raises(IntegrityError):
        world.session.flush()
    world.session.rollback()


def test_check_facts_reports_every_problem(world: World) -> None:
    draft = FactsDraft(
        id_number="12345",
        full_name="",
        birth_date=None,
        sex="X",
        phone="123",
        residence_commune_id=None,
    )
    facts, errors = check_facts(draft, date(2023, 7, 20))
    assert facts is None
    fields = {e.field for e in errors}
    assert {"id_number", "full_name", "birth_date", "sex", "phone", "residence"} <= fields


def test_check_facts_names_both_values_on_an_id_mismatch(world: World) -> None:
    draft = FactsDraft(
        id_number=id_number_for(date(1990, 3, 15), "Nữ", 7),
        full_name="Lê Văn Tám",
        birth_date=date(1991, 3, 15),
        sex="Nam",
        residence_commune_id=world.tree.commune(PHU_TAM).id,
    )
    facts, errors = check_facts(draft, date(2023, 7, 20))
    assert facts is None
    message = " ".join(e.message for e in errors)
    assert "1990" in message and "1991" in message
    assert "Nữ" in message and "Nam" in message


def test_correction_of_a_name_is_recorded_with_its_reason(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.REGISTERED, "2023-07-20 08:30"))
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None
    event = correct_case(
        world.session,
        case,
        Correction(
            reason="Gõ sai tên khi nhập",
            operator_id=world.other_operator.id,
            intake_point_id=world.point_phu_tam.id,
            values={"full_name": "Trần  Thị Mỹ   Lynh"},
        ),
    )
    assert case.full_name == "Trần Thị Mỹ Lynh" and case.name_folded == "tran thi my lynh"
    assert event.kind == "correction" and event.reason == "Gõ sai tên khi nhập"
    assert json.loads(event.changes or "{}") == {
        "full_name": ["Trần Thị Mỹ Linh", "Trần Thị Mỹ Lynh"]
    }
    assert case.status == Status.REGISTERED


def test_correction_may_move_the_status_back(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.ACTIVATED, "2023-07-20 08:30"))
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None and case.activated_on is not None
    correct_case(
        world.session,
        case,
        Correction(
            reason="Bấm nhầm kích hoạt, thực tế mới đăng ký",
            operator_id=world.operator.id,
            intake_point_id=None,
            status=Status.REGISTERED,
        ),
    )
    assert case.status == Status.REGISTERED
    assert case.activated_on is None and case.activated_at is None
    assert [e.kind for e in case.history] == ["status", "correction"]
    # After the correction the case moves forward again as usual.
    world.record(facts, world.report(Status.APPROVED, "2099-01-01 08:00"))
    assert case.status == Status.APPROVED


def test_correction_needs_a_reason_and_valid_facts(world: World) -> None:
    facts = world.facts()
    world.record(facts, world.report(Status.REGISTERED, "2023-07-20 08:30"))
    case = find_case(world.session, facts.id_number, 1)
    assert case is not None

    def fix(reason: str, **values: object) -> None:
        correct_case(
            world.session,
            case,
            Correction(
                reason=reason, operator_id=world.operator.id, intake_point_id=None, values=values
            ),
        )

    with pytest.raises(ValidationError, match="lý do"):
        fix(" ", phone="0912000111")
    with pytest.raises(ValidationError, match="1991"):
        fix("Sửa ngày sinh", birth_date=date(1991, 1, 1))
    with pytest.raises(ValidationError, match="Không có gì thay đổi"):
        fix("Không đổi gì")
    assert case.birth_date == date(1990, 3, 15)
    assert len(case.history) == 1
