"""Packages for tests: what another intake point sends (`lynh_package`), and package bodies
written by hand: the head (a point and an operator) and one case, Lê Thị Hoa registered at
that point. Tests of older body versions change only what those versions lack."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.codes import Status
from services.exchange.packages import export_package
from services.upkeep.database import Database
from tests.factories import CLI, PHUONG_5, World

PASS = "mat-khau-cua-goi"
LYNH = "Trần Thị Mỹ Lynh"  # the factories' Linh, spelt otherwise
CREATED_AT = "2023-07-20T01:00:00+00:00"


def lynh_package(other: Database, path: Path, status: Status, at: str) -> Path:
    """`other`'s package (passphrase PASS) with Linh's card spelt "Mỹ Lynh", reported `status`
    at `at`: a conflict wherever her case is recorded as "Mỹ Linh"."""
    with other.session() as session:
        world = World(session)
        world.record(world.facts(name=LYNH), world.report(status, at))
        session.commit()
        export_package(session, CLI, path, PASS)
    return path


def package_head(point_name: str = "Bưu điện Phường 5") -> list[dict[str, Any]]:
    """Point P1 in Phường 5 and the operator lan.nt, as a package body lists them first."""
    point = {"type": "point", "code": "P1", "name": point_name, "kind": "post_office"}
    return [
        {**point, "commune": PHUONG_5},
        {"type": "operator", "username": "lan.nt", "full_name": "Nguyễn Thị Lan"},
    ]


def hoa_case(
    name: str = "Lê Thị Hoa", uid: str = "u1", claim: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The case record: its claim `c1` (with `claim`'s extra fields), registered at P1."""
    facts = {"full_name": name, "birth_date": "1980-01-01", "sex": "Nữ", "residence": PHUONG_5}
    registered = {"uid": uid, "kind": "status", "to": "registered", "at": CREATED_AT}
    return {
        "type": "case",
        "id_number": "094180000001",
        "level": 1,
        "created_at": CREATED_AT,
        "claims": {"c1": {**facts, **(claim or {})}},
        "events": [{**registered, "operator": "lan.nt", "point": "P1", "claim": "c1"}],
    }
