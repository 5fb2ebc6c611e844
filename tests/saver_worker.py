"""One intake desk saving cases in a loop while another process writes, for the test of
two writers on one SQLite file (tests/test_sqlite_writers.py).

    python -m tests.saver_worker URL STOP_FILE AT_LEAST

Saves as the desk does (ui/desk/flow.py): a short wait for the write lock, then, while
another connection holds it, `save_when_free` trying again until it is free. Prints `READY`
once signed in, then one line `SAVED <id number> <tries that waited>` for every save that
returned without error and `REFUSED <id number> <message>` for every save refused; saves
until the file STOP_FILE exists, and at least AT_LEAST cases.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from models.codes import Role, Status
from services.campaigns.directory import get_or_create_operator, get_or_create_point
from services.campaigns.units import UnitTree
from services.cases.recording import FactsDraft
from services.common.errors import DatabaseBusyError, StorageError, UserError
from services.desk.intake import IntakeResult, save_intake
from services.security.session_context import Actor
from services.upkeep.database import Database, open_database, save_when_free
from tests.concurrency_worker import _letters
from tests.factories import PHU_TAM, id_number_for
from ui.desk.flow import QUICK_WAIT_MS, RETRY_WAIT_MS


def save_like_the_desk(database: Database, store: Callable[[Session], object]) -> int:
    """`store` saved as the desk saves; the number of tries that found the lock taken."""
    waited = 0

    def waiting(attempt: int) -> None:
        nonlocal waited
        waited = attempt

    try:
        with database.session(busy_wait_ms=QUICK_WAIT_MS) as session:
            store(session)
            session.commit()
    except DatabaseBusyError:
        waited = 1
        save_when_free(database, store, waiting, wait_ms=RETRY_WAIT_MS)
    return waited


def main(url: str, stop_file: Path, at_least: int) -> None:
    database = open_database(url, migrate=False)
    with database.session() as session:
        tree = UnitTree.load(session)
        point, _ = get_or_create_point(session, tree.commune(PHU_TAM), "Bàn thu nhận thử")
        operator, _ = get_or_create_operator(session, "desk", "Cán bộ bàn")
        session.commit()
        actor = Actor(operator.id, operator.username, operator.full_name, Role.OPERATOR, point.id)
        commune_id = tree.commune(PHU_TAM).id
    print("READY", flush=True)
    birth = date(1990, 3, 3)
    number = 0
    while number < at_least or not stop_file.exists():
        draft = FactsDraft(
            id_number=id_number_for(birth, "Nữ", 900_000 + number),
            full_name=f"Trần Thị {_letters(number)}",
            birth_date=birth,
            sex="Nữ",
            residence_commune_id=commune_id,
        )

        def store(session: Session, draft: FactsDraft = draft) -> object:
            return save_intake(
                session, actor, draft, IntakeResult(1, Status.REGISTERED), consent=True
            )

        try:
            waited = save_like_the_desk(database, store)
            print(f"SAVED {draft.id_number} {waited}", flush=True)
        except (StorageError, UserError) as error:
            print(f"REFUSED {draft.id_number} {error}", flush=True)
        number += 1
    database.dispose()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
