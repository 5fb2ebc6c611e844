"""Undoing the last decision: a conflict decided again the other way, a split taken back."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import Role, Status
from models.entities import AuditEntry, Case
from services.campaigns.units import UnitTree
from services.common.errors import ConflictError
from services.counting.targets import set_target, share_proportionally, undo_share
from services.exchange.conflicts import open_conflicts, resolve_conflict, undo_decision
from services.security.session_context import Actor
from tests.factories import CLI, KE_SACH, PHU_TAM, World

CHAU_THANH = "942"


def conflict(session: Session) -> tuple[World, Case, Actor]:
    world = World(session)
    world.record(world.facts(), world.report(Status.REGISTERED, "2023-07-20 08:00"))
    case = world.record(
        world.facts(residence=KE_SACH),
        world.report(Status.ACTIVATED, "2023-07-22 10:00", point="phuong_5"),
    ).case
    session.commit()
    assert case.has_conflict
    manager = Actor(world.operator.id, "lan.nt", "Lan", Role.MANAGER, world.point_phu_tam.id)
    return world, case, manager


def test_a_decision_undone_is_decided_the_other_way(session: Session) -> None:
    world, case, manager = conflict(session)
    phu_tam, ke_sach = world.tree.commune(PHU_TAM).id, world.tree.commune(KE_SACH).id
    decision = resolve_conflict(session, open_conflicts(session, CLI)[0].id, "keep_local", manager)
    session.commit()
    session.refresh(case)
    assert (case.has_conflict, case.residence_commune_id) == (False, phu_tam)

    undone = undo_decision(session, decision, manager)
    session.commit()
    session.refresh(case)
    assert (case.has_conflict, case.residence_commune_id) == (False, ke_sach)
    assert undone.resolution == "take_incoming" and open_conflicts(session, CLI) == []

    again = undo_decision(session, undone, manager)  # undoing the undo: as first decided
    session.commit()
    session.refresh(case)
    assert case.residence_commune_id == phu_tam and again.resolution == "keep_local"
    entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [json.loads(e.details).get("undo") for e in entries[-3:]] == [None, True, True]
    assert entries[-2].summary.startswith("Hoàn tác quyết định mâu thuẫn")


def test_a_split_undone_gives_back_the_targets_before(session: Session) -> None:
    set_target(session, CLI, PHU_TAM, 100, 5)
    tree = UnitTree.load(session)
    communes = [c.code for c in tree.children[tree.by_code[CHAU_THANH].id]]
    before = {code: (tree.by_code[code].target_total, tree.by_code[code].target_daily)
              for code in communes}  # fmt: skip
    result = share_proportionally(session, CLI, CHAU_THANH)
    session.commit()
    tree = UnitTree.load(session)
    assert sum(tree.by_code[code].target_total or 0 for code in communes) == 46680

    undo_share(session, CLI, result)
    session.commit()
    tree = UnitTree.load(session)
    after = {code: (tree.by_code[code].target_total, tree.by_code[code].target_daily)
             for code in communes}  # fmt: skip
    assert after == before and before[PHU_TAM] == (100, 5)

    # A commune edited after a split: undoing would lose that edit, so it is refused.
    result = share_proportionally(session, CLI, CHAU_THANH)
    set_target(session, CLI, PHU_TAM, 7)
    with pytest.raises(ConflictError, match="đã được sửa sau khi chia"):
        undo_share(session, CLI, result)
