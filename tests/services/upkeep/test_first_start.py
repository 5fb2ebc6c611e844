"""First start without a window: the database, what is missing, everything in one go."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import PointKind, Role
from models.entities import IntakePoint, Operator
from services.campaigns.directory import create_point
from services.campaigns.units import UnitTree
from services.common.errors import ConflictError, NotFoundError, StorageError, ValidationError
from services.security.accounts import verify_password
from services.upkeep.database import Database
from services.upkeep.first_start import (
    NewAdmin,
    NewPoint,
    check_database_url,
    complete_first_start,
    open_campaign_database,
    setup_state,
    try_connection,
)
from tests.factories import PHU_TAM

ADMIN = NewAdmin("lan.nt", "Nguyễn Thị Lan", "matkhau123", "Công an xã Phú Tâm")


def test_open_campaign_database_loads_the_preset_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    for _ in range(2):
        database = open_campaign_database(url)
        with database.session() as session:
            state = setup_state(session, None)
            assert UnitTree.load(session).province.name == "Tỉnh Sóc Trăng"
        database.dispose()
    assert (state.has_admin, state.point, state.complete) == (False, None, False)


def test_server_addresses_are_checked_before_connecting(tmp_path: Path) -> None:
    check_database_url("postgresql+psycopg://kichhoat:matkhau@192.0.2.1/kichhoat")  # driver here
    with pytest.raises(StorageError, match="trình điều khiển"):
        check_database_url("mysql+pymysql://kichhoat:matkhau@192.0.2.1/kichhoat")
    with pytest.raises(StorageError, match="không phải địa chỉ cơ sở dữ liệu"):
        check_database_url("may-chu-cua-toi")
    with pytest.raises(StorageError, match="không phải địa chỉ cơ sở dữ liệu"):
        check_database_url("khongco://x")
    try_connection(f"sqlite:///{tmp_path / 'thu.sqlite3'}")


def test_complete_first_start_creates_the_point_and_the_admin(
    database: Database, session: Session
) -> None:
    commune = UnitTree.load(session).commune(PHU_TAM)
    point = complete_first_start(
        session, NewPoint("Công an xã Phú Tâm", PointKind.POLICE_ID_POINT, commune.id), ADMIN
    )
    session.commit()
    with database.session() as other:
        state = setup_state(other, point.code)
        admin = other.scalars(select(Operator)).one()
    assert state.complete and state.point is not None and state.point.id == point.id
    assert (admin.username, admin.role, admin.home_point_id) == ("lan.nt", Role.ADMIN, point.id)
    assert admin.password_hash is not None and verify_password(admin.password_hash, "matkhau123")


def test_complete_first_start_takes_an_existing_point_and_may_skip_the_admin(
    session: Session,
) -> None:
    commune = UnitTree.load(session).commune(PHU_TAM)
    existing = create_point(session, "Bưu điện Phú Tâm", PointKind.POST_OFFICE, commune.id)
    assert complete_first_start(session, existing.id, None) is existing
    assert session.scalar(select(func.count()).select_from(Operator)) == 0
    with pytest.raises(NotFoundError):
        complete_first_start(session, 999_999, None)


def test_a_failure_leaves_nothing_behind(database: Database) -> None:
    with database.session() as session:
        commune = UnitTree.load(session).commune(PHU_TAM)
        create_point(session, "Công an xã Phú Tâm", PointKind.OTHER, commune.id)
        session.commit()
    with database.session() as session, pytest.raises(ConflictError):
        complete_first_start(
            session, NewPoint("Công an xã Phú Tâm", PointKind.OTHER, commune.id), ADMIN
        )
    weak = NewAdmin("lan.nt", "Nguyễn Thị Lan", "ngan1")
    with database.session() as session, pytest.raises(ValidationError):
        # The point is flushed before the admin is refused; nothing is committed.
        complete_first_start(
            session, NewPoint("Bưu điện Phú Tâm", PointKind.OTHER, commune.id), weak
        )
    with database.session() as session:
        assert session.scalars(select(IntakePoint.name)).all() == ["Công an xã Phú Tâm"]
        assert session.scalar(select(func.count()).select_from(Operator)) == 0
