"""Demo data: a province loaded in bulk with explicit ids, and the desk works on after it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.codes import Role, Status
from models.entities import Case, CaseEvent
from services.cases.demo import generate_demo
from services.desk.intake import IntakeResult, save_intake
from services.security.session_context import Actor
from services.upkeep.database import Database
from tests.factories import World


def test_a_case_saved_after_the_demo_gets_a_fresh_id(session: Session) -> None:
    world = World(session)
    session.commit()
    generate_demo(session, 300, seed=3)
    session.commit()
    before = session.scalar(select(func.max(Case.id)))
    events_before = session.scalar(select(func.max(CaseEvent.id)))
    actor = Actor(
        world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.OPERATOR, world.point_phu_tam.id
    )
    saved = save_intake(
        session, actor, world.draft(), IntakeResult(1, Status.REGISTERED), consent=True
    )
    session.commit()
    assert before is not None and events_before is not None
    assert saved.case.id > before
    assert session.scalar(select(func.count()).select_from(Case)) == 301
    assert session.scalar(select(func.max(CaseEvent.id))) > events_before


def test_statistics_are_refreshed_after_a_bulk_load(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("PostgreSQL only: SQLite keeps its planner's defaults")
    with database.session() as session:
        generate_demo(session, 200, seed=4)
        session.commit()
    database.refresh_statistics_after_bulk_load()
    with database.engine.connect() as connection:
        vacuumed, analyzed = connection.execute(
            text(
                "SELECT last_vacuum, last_analyze FROM pg_stat_user_tables WHERE relname = 'cases'"
            )
        ).one()
    assert vacuumed is not None and analyzed is not None


def test_each_demo_case_carries_the_consent_record_of_its_first_report(
    database: Database,
) -> None:
    from services.privacy.consent import current_notice

    with database.session() as session:
        generate_demo(session, 40, seed=5)
        session.commit()
    with database.session(read_only=True) as session:
        events = session.scalars(select(CaseEvent).order_by(CaseEvent.changed_at)).all()
        first: dict[int, CaseEvent] = {}
        for event in events:
            first.setdefault(event.case_id, event)
        assert len(first) == 40
        for event in events:
            if first[event.case_id] is event:
                assert event.consent_notice == current_notice().version
                assert event.consent_at == event.changed_at
                assert event.consent_basis == "consent"
            else:  # a returning citizen hears no notice again
                assert event.consent_notice is None and event.consent_basis is None
