"""Packages for tests: what another intake point sends."""

from __future__ import annotations

from pathlib import Path

from models.codes import Status
from services.exchange.packages import export_package
from services.upkeep.database import Database
from tests.factories import CLI, World

PASS = "mat-khau-cua-goi"
LYNH = "Trần Thị Mỹ Lynh"  # the factories' Linh, spelt otherwise


def lynh_package(other: Database, path: Path, status: Status, at: str) -> Path:
    """`other`'s package (passphrase PASS) with Linh's card spelt "Mỹ Lynh", reported `status`
    at `at`: a conflict wherever her case is recorded as "Mỹ Linh"."""
    with other.session() as session:
        world = World(session)
        world.record(world.facts(name=LYNH), world.report(status, at))
        session.commit()
        export_package(session, CLI, path, PASS)
    return path
