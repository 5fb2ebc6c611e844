"""The desk as tests use it: the World's operator at Phú Tâm, and one citizen of the World
saved there (level 1, consent given). Every person here is invented."""

from __future__ import annotations

from models.codes import Role, Status
from services.cases.recording import RecordResult
from services.desk.intake import IntakeResult, save_intake
from services.privacy.consent import NoticeHeard
from services.security.session_context import Actor
from tests.factories import World, vn


def operator_at_phu_tam(world: World) -> Actor:
    return Actor(
        world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.OPERATOR, world.point_phu_tam.id
    )


def save_at_desk(
    world: World, tail: int, status: Status, at: str = "", notice: NoticeHeard | None = None
) -> RecordResult:
    """`world.draft(tail)` saved at level 1 with consent by the operator at Phú Tâm, in the
    World's session, at `at` in Vietnam time (`2023-07-20 08:30`; default: now)."""
    session, clerk = world.session, operator_at_phu_tam(world)
    draft, result = world.draft(tail), IntakeResult(1, status)
    moment = vn(at) if at else None
    return save_intake(session, clerk, draft, result, consent=True, at=moment, notice=notice)
