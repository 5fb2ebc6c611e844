"""The counts the database keeps (`models.activation_counts`) follow every change of a case in
its own transaction, on SQLite and PostgreSQL, and equal a full recount (`verify`). The
random sequences of every write path are in test_counting_oracle.py; here, the moves that
change one counted column alone, which a random run may meet rarely."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from models.codes import Status
from models.entities import ActivationCount, Case, OperatorActivationCount, PointActivationCount
from services.cases.demo import generate_demo
from services.cases.recording import correct_activation_moment
from services.counting.count_check import RECOUNT_WORK_MEM, rebuild, verify
from services.counting.tally import TallyBy, steps_recorded, tally
from tests.factories import World, vn


def kept(session: Session) -> dict[str, set[tuple[int, date, int, int]]]:
    """Every non-zero kept count, per table: (key, day, level, n)."""
    found = {}
    for table, key in (
        (ActivationCount, ActivationCount.unit_key),
        (PointActivationCount, PointActivationCount.intake_point_id),
        (OperatorActivationCount, OperatorActivationCount.operator_id),
    ):
        rows = session.execute(
            select(key, table.activated_on, table.level, table.n).where(table.n != 0)
        ).all()
        found[table.__tablename__] = {(k, d, lv, n) for k, d, lv, n in rows}
    return found


def test_an_activation_by_the_same_operator_at_the_same_point_counts(session: Session) -> None:
    world = World(session)
    facts = world.facts()
    case = world.record(facts, world.report(Status.REGISTERED, "2023-07-19 09:00")).case
    session.commit()
    assert kept(session)[ActivationCount.__tablename__] == set()
    world.record(facts, world.report(Status.ACTIVATED, "2023-07-20 10:00"))
    session.commit()
    day = date(2023, 7, 20)
    counts = kept(session)
    assert counts[ActivationCount.__tablename__] == {(case.counted_unit_id, day, 1, 1)}
    assert counts[PointActivationCount.__tablename__] == {(world.point_phu_tam.id, day, 1, 1)}
    assert counts[OperatorActivationCount.__tablename__] == {(world.operator.id, day, 1, 1)}
    assert verify(session).agrees


def test_a_moved_activation_moves_its_count_and_nothing_else(session: Session) -> None:
    world = World(session)
    facts = world.facts()
    world.record(facts, world.report(Status.REGISTERED, "2023-07-19 09:00"))
    case = world.record(facts, world.report(Status.ACTIVATED, "2023-07-20 10:00")).case
    session.commit()
    correct_activation_moment(
        session,
        case,
        vn("2023-07-22 08:00"),
        "Ghi nhầm ngày",
        world.operator.id,
        world.point_phu_tam.id,
    )
    session.commit()
    days = {day for _k, day, _l, _n in kept(session)[ActivationCount.__tablename__]}
    assert days == {date(2023, 7, 22)}
    assert tally(session, date(2023, 7, 21), TallyBy.COMMUNE).total.activated == 0
    assert tally(session, date(2023, 7, 22), TallyBy.COMMUNE).total.activated_on_day == 1
    assert verify(session).agrees


def test_counts_follow_a_rolled_back_transaction(session: Session) -> None:
    world = World(session)
    world.record(world.facts(), world.report(Status.ACTIVATED, "2023-07-20 10:00"))
    session.rollback()
    assert kept(session) == {t: set() for t in kept(session)}
    assert verify(session).agrees


def test_deleted_and_edited_rows_change_the_counts_and_rebuild_repairs_a_tampered_table(
    session: Session,
) -> None:
    world = World(session)
    for tail in (1, 2, 3):
        facts = world.facts(tail=tail)
        world.record(facts, world.report(Status.APPLICATION_TAKEN, "2023-07-19 09:00", level=2))
        world.record(
            facts, world.report(Status.ACTIVATED, "2023-07-20 10:00", level=2, point="phuong_5")
        )
    session.commit()
    assert tally(session, date(2023, 7, 20), TallyBy.POINT).total.level2 == 3
    # A plain SQL write (no service) moves the counts all the same: they live in the schema.
    first = session.scalars(select(Case.id).order_by(Case.id)).first()
    session.execute(delete(Case).where(Case.id == first))
    session.execute(update(Case).values(level=Case.level))  # touches no counted value
    session.commit()
    assert tally(session, date(2023, 7, 20), TallyBy.POINT).total.level2 == 2
    assert verify(session).agrees
    session.execute(text("UPDATE activation_counts_operator SET n = n + 4"))
    session.commit()
    check = verify(session)
    assert [(d.keyed.value, d.kept - d.recounted) for d in check.differences] == [("operator", 4)]
    assert world.operator.username in check.differences[0].label
    assert rebuild(session).agrees
    session.commit()
    assert verify(session).agrees


def test_a_registration_counts_once_on_its_earliest_day_at_its_point(session: Session) -> None:
    world = World(session)
    facts = world.facts()
    world.record(facts, world.report(Status.REGISTERED, "2023-07-20 09:00"))
    session.commit()
    point = world.point_phu_tam.code
    assert steps_recorded(session, date(2023, 7, 19), TallyBy.POINT).get(point) is None
    # The same step at the same point reported again earlier (a package, a sheet): it
    # counts once, now on the earlier day.
    world.record(facts, world.report(Status.REGISTERED, "2023-07-18 15:00"))
    world.record(facts, world.report(Status.REGISTERED, "2023-07-21 15:00"))
    session.commit()
    assert steps_recorded(session, date(2023, 7, 18), TallyBy.POINT)[point] == (1, 0)
    assert steps_recorded(session, date(2023, 7, 31), TallyBy.POINT)[point] == (1, 0)
    assert steps_recorded(session, date(2023, 7, 31), TallyBy.OPERATOR) == {
        world.operator.username: (1, 0)
    }
    assert verify(session).agrees
    session.execute(delete(Case))  # the history goes with its case
    session.commit()
    assert steps_recorded(session, date(2023, 7, 31), TallyBy.POINT) == {}
    assert verify(session).agrees


def test_a_bulk_load_and_a_bulk_delete_keep_every_count(session: Session) -> None:
    generate_demo(session, 600, seed=11)  # one COPY (PostgreSQL) of hundreds of cases
    session.commit()
    assert verify(session).agrees
    assert steps_recorded(session, date(2023, 8, 31), TallyBy.POINT)
    first_half = select(Case.id).order_by(Case.id).limit(300).scalar_subquery()
    session.execute(delete(Case).where(Case.id.in_(first_half)))
    session.commit()
    assert verify(session).agrees
    session.execute(delete(Case))
    session.commit()
    assert all(not rows for rows in kept(session).values())
    assert verify(session).agrees


def test_the_recount_has_room_to_group_on_postgresql_for_its_transaction_only(
    session: Session,
) -> None:
    # A full recount groups every step event by case; PostgreSQL's default work area would
    # spill that to disk in batches (a quarter of `tally --verify`'s time at 300,000 cases).
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("work_mem is PostgreSQL's")
    before = session.scalar(text("SHOW work_mem"))
    assert verify(session).agrees
    assert session.scalar(text("SHOW work_mem")) == RECOUNT_WORK_MEM
    session.commit()
    assert session.scalar(text("SHOW work_mem")) == before
