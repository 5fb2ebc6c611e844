"""Bulk loading: the driver path writes what the ORM reads back, and indexes come back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast

import pytest
from sqlalchemy import Table, inspect, select

from models.bulk import LARGE_LOAD, bulk_insert, indexes_set_aside, indexes_set_aside_for_large_load
from models.entities import Case, CaseEvent
from services.upkeep.database import Database
from tests.factories import World


def index_names(database: Database, table: str) -> set[str]:
    with database.engine.connect() as connection:
        return {str(i["name"]) for i in inspect(connection).get_indexes(table)}


def hoa_activated(world: World, moment: datetime) -> dict[str, object]:
    """Every column of a case row, as a bulk load writes it: Hoa, activated at `moment`."""
    commune = world.point_phu_tam.commune_id
    return {
        "id": 900,
        "id_number": "094190000900",
        "level": 1,
        "full_name": "Lê Thị Hoa",
        "name_folded": "le thi hoa",
        "birth_date": date(1990, 1, 2),
        "sex": "Nữ",
        "phone": None,
        "address": None,
        "residence_commune_id": commune,
        "intake_point_id": world.point_phu_tam.id,
        "operator_id": world.operator.id,
        "status": "activated",
        "failure_reason": None,
        "failure_note": None,
        "help_reason": None,
        "consent_given": True,
        "notes": None,
        "counted_unit_id": commune,
        "activated_at": moment,
        "activated_on": date(2023, 7, 20),
        "created_at": moment,
        "updated_at": moment,
        "version": 1,
    }


def test_bulk_rows_read_back_through_the_orm(database: Database) -> None:
    with database.session() as session:
        world = World(session)
        session.commit()
        moment = datetime(2023, 7, 20, 1, 30, 5, 123, tzinfo=UTC)
        values = hoa_activated(world, moment)
        columns, row = tuple(values), tuple(values.values())
        bulk_insert(session.connection(), cast(Table, Case.__table__), columns, [row])
        session.commit()
        case = session.scalars(select(Case).where(Case.id == 900)).one()
        assert (case.birth_date, case.activated_at, case.activated_on) == (
            date(1990, 1, 2),
            moment,
            date(2023, 7, 20),
        )
        # The ORM's own range comparisons agree with what the driver path wrote.
        assert session.scalar(select(Case.id).where(Case.activated_at >= moment)) == 900


def test_indexes_come_back_after_a_load(database: Database) -> None:
    tables = [cast(Table, Case.__table__), cast(Table, CaseEvent.__table__)]
    before = index_names(database, "cases")
    assert "ix_cases_tally" in before
    with database.engine.begin() as connection, indexes_set_aside(connection, tables):
        assert "ix_cases_tally" not in {
            str(i["name"]) for i in inspect(connection).get_indexes("cases")
        }
    assert index_names(database, "cases") == before


def test_a_failed_load_leaves_the_indexes(database: Database) -> None:
    tables = [cast(Table, Case.__table__)]
    before = index_names(database, "cases")
    with (
        pytest.raises(RuntimeError),
        database.engine.begin() as connection,
        indexes_set_aside(connection, tables),
    ):
        raise RuntimeError("the load failed")
    assert index_names(database, "cases") == before


@pytest.mark.parametrize(
    ("incoming", "existing", "set_aside"),
    [
        (LARGE_LOAD, 0, True),
        (LARGE_LOAD - 1, 0, False),  # a small batch grows the indexes as they are
        (LARGE_LOAD, LARGE_LOAD, False),  # onto as many rows already there: the same
        (LARGE_LOAD * 3, LARGE_LOAD * 2, True),
    ],
)
def test_only_a_large_load_sets_the_indexes_aside(
    database: Database, incoming: int, existing: int, set_aside: bool
) -> None:
    tables = [cast(Table, Case.__table__)]
    before = index_names(database, "cases")
    with (
        database.engine.begin() as connection,
        indexes_set_aside_for_large_load(connection, tables, incoming, existing),
    ):
        during = {str(i["name"]) for i in inspect(connection).get_indexes("cases")}
        assert ("ix_cases_tally" not in during) is set_aside
    assert index_names(database, "cases") == before


def test_the_history_index_by_case_stays_during_a_load(database: Database) -> None:
    """A merge looks histories up by case batch after batch: without that index each look-up
    would read the whole history (quadratic at a province's size)."""
    tables = [cast(Table, Case.__table__), cast(Table, CaseEvent.__table__)]
    with database.engine.begin() as connection, indexes_set_aside(connection, tables):
        during = {str(i["name"]) for i in inspect(connection).get_indexes("case_history")}
        assert "ix_case_history_case" in during
        assert "ix_case_history_point" not in during
