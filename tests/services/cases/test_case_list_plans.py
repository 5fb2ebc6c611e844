"""On PostgreSQL the case list's pages and the name search without diacritics are served by
indexes, never by reading every case: the plan is asked of the server (EXPLAIN) on a table
large enough for the planner to prefer an index when it has one."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from models.codes import Role
from services.cases.demo import generate_demo
from services.cases.queries import (
    CaseFilter,
    count_query,
    fetch_cases,
    page_query,
    search_condition,
)
from services.common.text import fold
from services.security.session_context import Actor

BOSS = Actor(None, "cli:test", "cli:test", Role.ADMIN)


def plan(session: Session, statement: object) -> str:
    compiled = statement.compile(  # type: ignore[attr-defined]
        session.get_bind(), compile_kwargs={"literal_binds": True}
    )
    return "\n".join(row[0] for row in session.execute(text(f"EXPLAIN {compiled}")))


@pytest.fixture
def large(session: Session, backend: str) -> Session:
    if backend != "postgresql":
        pytest.skip("the plans asked here are PostgreSQL's")
    generate_demo(session, 30_000, seed=5)
    session.commit()
    session.execute(text("ANALYZE cases"))
    return session


def test_the_name_search_uses_the_trigram_index(large: Session) -> None:
    for query in ("thach thi sa ret", "thi anh", "huynh ngoc lan"):
        count = count_query(BOSS, CaseFilter(text=query))  # what count_cases runs
        for statement in (page_query(BOSS, CaseFilter(text=query)), count):
            shown = plan(large, statement)
            assert "ix_cases_name_folded_trgm" in shown, shown
            assert "Seq Scan on cases" not in shown, shown
    found = fetch_cases(large, BOSS, CaseFilter(text="thi anh"), limit=50)
    assert found and all(" thi anh" in f" {fold(row.full_name)}" for row in found)


def test_pages_are_read_by_keyset_from_the_index(large: Session) -> None:
    first = fetch_cases(large, BOSS, CaseFilter(), limit=200)
    deep = fetch_cases(large, BOSS, CaseFilter(), after=first[-1], limit=200)
    assert deep and deep[0].updated_at <= first[-1].updated_at
    for after in (None, first[-1]):
        shown = plan(large, page_query(BOSS, CaseFilter(), after=after))
        assert "OFFSET" not in shown.upper()
        assert "ix_cases_updated" in shown and "Seq Scan on cases" not in shown, shown


def test_the_search_condition_is_one_clause_on_the_folded_name() -> None:
    sql = str(search_condition("Nguyễn Thị Ánh").compile())
    assert "name_folded" in sql
