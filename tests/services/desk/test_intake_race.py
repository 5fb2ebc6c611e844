"""Two points saving the same ID number and level at the same moment: one wins, cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import services.desk.intake
from models.codes import Role, Status
from models.entities import Case
from services.cases.recording import FactsDraft
from services.common.errors import ConflictError
from services.desk.intake import IntakeResult, save_intake
from services.security.session_context import Actor
from services.upkeep.database import Database
from tests.factories import World


def draft(world: World) -> FactsDraft:
    return world.draft()


def test_the_second_of_two_simultaneous_saves_gets_a_clear_message(
    database: Database, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = World(session)
    session.commit()
    actor = Actor(
        world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.OPERATOR, world.point_phu_tam.id
    )
    # The other point's save lands between our look-up and our insert.
    with database.session() as other:
        other_world = World(other)
        other_actor = Actor(
            other_world.other_operator.id,
            "minh.tv",
            "Trần Văn Minh",
            Role.OPERATOR,
            other_world.point_phuong_5.id,
        )
        save_intake(
            other, other_actor, draft(other_world), IntakeResult(1, Status.REGISTERED), consent=True
        )
        other.commit()
    monkeypatch.setattr(services.desk.intake, "find_case", lambda *_args: None)
    with pytest.raises(ConflictError, match="vừa được một điểm khác lưu"):
        save_intake(session, actor, draft(world), IntakeResult(1, Status.ACTIVATED), consent=True)
    monkeypatch.undo()
    assert session.scalar(select(func.count()).select_from(Case)) == 1
    stored = session.scalars(select(Case)).one()
    assert stored.status == "registered"  # theirs stands
    # Seeing the case as it now stands, the operator moves it forward normally.
    save_intake(session, actor, draft(world), IntakeResult(1, Status.ACTIVATED), consent=True)
    session.commit()
    assert session.scalars(select(Case)).one().status == "activated"
