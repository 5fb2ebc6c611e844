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


def test_bulk_rows_read_back_through_the_orm(database: Database) -> None:
    with database.session() as session:
        world = World(session)
        session.commit()
        moment = datetime(2023, 7, 20, 1, 30, 5, 123, tzinfo=UTC)
        columns = (
            "id",
            "id_number",
            "level",
            "full_name",
            "name_folded",
            "birth_date",
            "sex",
            "phone",
            "address",
            "residence_commune_id",
            "intake_point_id",
            "operator_id",
            "status",
            "failure_reason",
            "failure_note",
            "help_reason",
            "consent_given",
            "notes",
            "counted_unit_id",
            "activated_at",
            "activated_on",
            "created_at",
            "updated_at",
            "version",
        )
        row = (
            900,
            "094190000900",
            1,
            "Lê Thị Hoa",
            "le thi hoa",
            date(1990, 1, 2),
            "Nữ",
            None,
            None,
            world.point_phu_tam.commune_id,
            world.point_phu_tam.id,
            world.operator.id,
            "activated",
            None,
            None,
            None,
            True,
            None,
            world.point_phu_tam.commune_id,
            moment,
            date(2023, 7, 20),
            moment,
            moment,
            1,
        )
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
