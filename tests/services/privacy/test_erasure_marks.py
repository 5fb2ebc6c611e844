"""The marks of an erasure (`services.privacy.erasure_marks`) on both databases: another
point's package made before a citizen was erased here does not bring them back, and what
the mark table holds names nobody."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from models.codes import Status
from models.entities import Case, CaseEvent, ErasedMark
from services.exchange.packages import import_package
from services.privacy.person_data import erase_person
from services.upkeep.database import Database
from tests.factories import CLI, World
from tests.shared_packages import PASS, lynh_package


def test_another_points_package_does_not_bring_an_erased_citizen_back(
    database: Database, other: Database, tmp_path: Path
) -> None:
    package = lynh_package(other, tmp_path / "p5.kpkg", Status.ACTIVATED, "2023-07-21 09:00")
    with database.session() as session:
        import_package(session, CLI, package, PASS)
        session.commit()
        linh = session.scalars(select(Case.id_number)).one()
        uids = set(session.scalars(select(CaseEvent.uid)))
    erase_person(database, CLI, linh)
    with database.session() as session:
        again = import_package(session, CLI, package, PASS)
        session.commit()
        assert (again.new, again.erased) == (0, 1)
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        assert session.scalar(select(func.count()).where(Case.id_number == linh)) == 0
        marks = set(session.scalars(select(ErasedMark.mark)))
    assert len(marks) == len(uids) and not marks & uids
    assert not any(linh in mark for mark in marks)


def test_a_citizen_recorded_again_after_the_erasure_merges_as_new(
    database: Database, other: Database, tmp_path: Path
) -> None:
    """The marks stop the old events only: the same person helped again elsewhere after the
    erasure is a new case (README: counted again)."""
    with database.session() as session:
        world = World(session)
        world.record(world.facts(1), world.report(Status.ACTIVATED, "2023-07-20 08:00"))
        session.commit()
        linh = session.scalars(select(Case.id_number)).one()
    erase_person(database, CLI, linh)
    package = lynh_package(other, tmp_path / "p5.kpkg", Status.ACTIVATED, "2023-07-25 09:00")
    with database.session() as session:
        merged = import_package(session, CLI, package, PASS)
        session.commit()
        assert (merged.new, merged.erased) == (1, 0)
