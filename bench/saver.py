"""One intake point saving cases as fast as it can, for the concurrent-save benchmark.

    python -m bench.saver URL WORKER_NUMBER CASES [ROUND]

Opens the database and its point, prints `READY`, waits for a line on stdin (so that
every worker starts at the same moment, start-up excluded), then saves CASES cases
through the same service as the desk. Prints `SAVED <id number>` for every save that
returned without error (what the operator was told), and at the end
`DONE <start> <end> <cpu>` (wall-clock seconds, and this process's CPU seconds
while saving). Every tenth citizen is shared by all
workers on purpose: they collide, and only one may be stored. ROUND (0 or 1) picks other
ID numbers, for a second measurement on the same database (the city part measures twice).
"""

from __future__ import annotations

import sys
import time
from datetime import date

from models.codes import Role, Status, UnitLevel
from services.campaigns.directory import get_or_create_operator, get_or_create_point
from services.campaigns.units import UnitTree
from services.cases.recording import FactsDraft
from services.common.errors import ConflictError, UserError
from services.desk.intake import IntakeResult, save_intake
from services.security.session_context import Actor
from services.upkeep.database import open_database

BIRTH = date(1975, 3, 3)


def id_number(tail: int) -> str:
    """A valid 12-digit number outside the demo's province (002, born 1975, male)."""
    return f"002075{tail:06d}"


def shared(number: int) -> bool:
    return number % 10 == 0


ROUNDS = 2  # measurements one database can take: the tails of each round stay apart


def tail_for(worker: int, number: int, round_: int = 0) -> int:
    assert 0 <= round_ < ROUNDS and worker < 34 and number < 1000
    if shared(number):
        return 900_000 + 1000 * round_ + number
    return 350_000 * round_ + 10_000 * (worker + 1) + number


def main(url: str, worker: int, cases: int, round_: int = 0) -> None:
    database = open_database(url, migrate=False)
    with database.session() as session:
        tree = UnitTree.load(session)
        commune = tree.at_level(UnitLevel.COMMUNE)[worker]
        point, _ = get_or_create_point(session, commune, f"Điểm đo tải {worker}")
        operator, _ = get_or_create_operator(session, f"dotai{worker}", f"Cán bộ đo tải {worker}")
        session.commit()
        actor = Actor(operator.id, operator.username, operator.full_name, Role.OPERATOR, point.id)
    print("READY", flush=True)
    sys.stdin.readline()
    start, cpu = time.time(), time.process_time()
    for number in range(cases):
        draft = FactsDraft(
            id_number=id_number(tail_for(worker, number, round_)),
            full_name="Trần Văn Đo Tải",
            birth_date=BIRTH,
            sex="Nam",
            phone="0912345678",
            residence_commune_id=commune.id,
        )
        try:
            with database.session() as session:
                save_intake(session, actor, draft, IntakeResult(1, Status.REGISTERED), consent=True)
                session.commit()
            print(f"SAVED {draft.id_number}", flush=True)
        except (ConflictError, UserError):
            pass  # another point saved this citizen first: the desk says so, nothing is lost
    print(f"DONE {start} {time.time()} {time.process_time() - cpu}", flush=True)
    sys.stdin.readline()  # the connection stays until the server's CPU time has been read
    database.dispose()


if __name__ == "__main__":
    main(
        sys.argv[1],
        int(sys.argv[2]),
        int(sys.argv[3]),
        int(sys.argv[4]) if len(sys.argv) > 4 else 0,
    )
