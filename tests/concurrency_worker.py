"""One intake point saving cases as fast as it can, for the concurrency test.

    python -m tests.concurrency_worker URL WORKER_NUMBER CASES

Prints one line `SAVED <id number> <level> <status>` for every save that returned
without error (what the operator was told was saved), and `CONFLICT ...` for the
saves another point won.
"""

from __future__ import annotations

import sys
from datetime import date

from models.codes import Role, Status
from services.campaigns.directory import get_or_create_operator, get_or_create_point
from services.campaigns.units import UnitTree
from services.cases.recording import FactsDraft
from services.common.errors import ConflictError, UserError
from services.desk.intake import IntakeResult, save_intake
from services.security.session_context import Actor
from services.upkeep.database import open_database
from tests.factories import PHU_TAM, id_number_for


def _letters(number: int) -> str:
    """A name-like word for a number (names have no digits)."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word += "abcdefghijklmnopqrstuvwxyz"[digit]
        if not number:
            return word.capitalize()


def main(url: str, worker: int, cases: int) -> None:
    database = open_database(url, migrate=False)
    with database.session() as session:
        tree = UnitTree.load(session)
        point, _ = get_or_create_point(session, tree.commune(PHU_TAM), f"Điểm thử {worker}")
        operator, _ = get_or_create_operator(session, f"worker{worker}", f"Cán bộ {worker}")
        session.commit()
        actor = Actor(operator.id, operator.username, operator.full_name, Role.OPERATOR, point.id)
        commune_id = tree.commune(PHU_TAM).id
    birth = date(1980, 5, 5)
    for number in range(cases):
        # Every third citizen is shared by all workers: they collide on purpose.
        tail = number if number % 3 == 0 else 100_000 * (worker + 1) + number
        draft = FactsDraft(
            id_number=id_number_for(birth, "Nam", tail),
            full_name=f"Nguyễn Văn {_letters(tail)}",
            birth_date=birth,
            sex="Nam",
            residence_commune_id=commune_id,
        )
        status = Status.ACTIVATED if number % 2 else Status.REGISTERED
        try:
            with database.session() as session:
                saved = save_intake(session, actor, draft, IntakeResult(1, status), consent=True)
                session.commit()
                print(f"SAVED {saved.case.id_number} 1 {status.value}", flush=True)
        except ConflictError:
            print(f"CONFLICT {draft.id_number} 1", flush=True)
        except UserError as error:  # e.g. another point already moved the case further on
            print(f"REFUSED {draft.id_number} 1 {error}", flush=True)
    database.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
