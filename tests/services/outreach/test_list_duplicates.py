"""A person listed twice, once without and once with their ID number, is one person: a later
list that knows the number fills it in instead of listing them again (found by the black-box
probe: `outreach status` counted them twice, one more to reach)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import OutreachEntry
from services.common.vntime import set_clock
from services.outreach.list_import import import_outreach
from services.outreach.lists import progress
from tests.factories import CLI, PHU_TAM, id_number_for
from tests.services.outreach.test_outreach import write_list

HOA = id_number_for(date(1960, 1, 1), "Nữ", 123)


@pytest.fixture(autouse=True)
def campaign_day() -> object:
    set_clock(lambda: datetime(2023, 7, 24, 3, 0, tzinfo=UTC))
    yield
    set_clock(None)


def hoa(number: str, birth: str = "1960", hamlet: str = "Ấp 3") -> list[object]:
    return [number, "Sơn Thị Hoa", birth, "Nữ", "0911222333", PHU_TAM, hamlet, "", ""]


def entries(session: Session) -> list[tuple[str | None, str]]:
    query = select(OutreachEntry.id_number, OutreachEntry.full_name)
    return [(number, name) for number, name in session.execute(query)]


@pytest.mark.parametrize("birth", ["1960", "01/01/1960"])
def test_a_later_list_with_the_number_fills_it_in(
    session: Session, tmp_path: Path, birth: str
) -> None:
    import_outreach(session, CLI, write_list(tmp_path / "dot-1.csv", [hoa("", "1960")]))
    later = import_outreach(session, CLI, write_list(tmp_path / "dot-2.csv", [hoa(HOA, birth)]))
    session.commit()
    assert (later.added, later.already_listed) == (0, 1)
    assert entries(session) == [(HOA, "Sơn Thị Hoa")]
    assert progress(session, "commune").total.listed == 1
    # The same lists again, in either order, change nothing.
    for name in ("dot-1.csv", "dot-2.csv"):
        again = import_outreach(session, CLI, tmp_path / name)
        assert (again.added, again.already_listed) == (0, 1)
    session.commit()
    assert entries(session) == [(HOA, "Sơn Thị Hoa")]


def test_a_later_list_without_the_number_is_the_same_person(
    session: Session, tmp_path: Path
) -> None:
    import_outreach(session, CLI, write_list(tmp_path / "dot-1.csv", [hoa(HOA)]))
    later = import_outreach(session, CLI, write_list(tmp_path / "dot-2.csv", [hoa("")]))
    session.commit()
    assert (later.added, later.already_listed) == (0, 1)
    assert entries(session) == [(HOA, "Sơn Thị Hoa")]


def test_namesakes_with_two_numbers_stay_two_and_another_hamlet_is_another_person(
    session: Session, tmp_path: Path
) -> None:
    other = id_number_for(date(1960, 5, 5), "Nữ", 456)
    import_outreach(session, CLI, write_list(tmp_path / "a.csv", [hoa(HOA), hoa(other)]))
    import_outreach(session, CLI, write_list(tmp_path / "b.csv", [hoa("", hamlet="Ấp 4")]))
    later = import_outreach(session, CLI, write_list(tmp_path / "c.csv", [hoa("")]))
    session.commit()
    # Two listed with a number fit the row without one: it cannot say which, so it is new.
    assert later.added == 1
    assert len(entries(session)) == 4
