"""One intake desk saving cases in a loop while another process writes, for the test of
two writers on one SQLite file (tests/test_sqlite_writers.py).

    python -m tests.saver_worker URL STOP_FILE AT_LEAST

Prints `READY` once signed in, then one line `SAVED <id number>` for every save that
returned without error and `REFUSED <id number> <message>` for every save refused; saves
until the file STOP_FILE exists, and at least AT_LEAST cases.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from models.codes import Role, Status
from services.cases import FactsDraft
from services.database import open_database
from services.directory import get_or_create_operator, get_or_create_point
from services.errors import StorageError, UserError
from services.intake import IntakeResult, save_intake
from services.session_context import Actor
from services.units import UnitTree
from tests.concurrency_worker import _letters
from tests.factories import PHU_TAM, id_number_for


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
        try:
            with database.session() as session:
                save_intake(session, actor, draft, IntakeResult(1, Status.REGISTERED), consent=True)
                session.commit()
            print(f"SAVED {draft.id_number}", flush=True)
        except (StorageError, UserError) as error:
            print(f"REFUSED {draft.id_number} {error}", flush=True)
        number += 1
    database.dispose()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]))
