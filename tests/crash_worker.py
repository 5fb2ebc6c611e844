"""Saves cases one by one and prints each ID number once its transaction is committed.

`python -m tests.crash_worker URL FIRST_TAIL`: run by tests/test_crash_safety.py, which
kills it with SIGKILL at a random moment. Every citizen here is invented.
"""

from __future__ import annotations

import sys
from datetime import date

from sqlalchemy import select

from models.codes import Role, Status
from models.entities import IntakePoint, Operator
from services.campaigns.units import UnitTree
from services.cases.recording import FactsDraft
from services.desk.intake import IntakeResult, save_intake
from services.security.session_context import Actor
from services.upkeep.database import open_database
from tests.factories import PHU_TAM, id_number_for


def main(url: str, first_tail: int) -> None:
    database = open_database(url, migrate=False)
    with database.session() as session:
        point = session.scalars(select(IntakePoint).order_by(IntakePoint.id)).first()
        operator = session.scalars(select(Operator).order_by(Operator.id)).first()
        assert point is not None and operator is not None
        actor = Actor(operator.id, operator.username, operator.full_name, Role.OPERATOR, point.id)
        commune_id = UnitTree.load(session).commune(PHU_TAM).id
    birth = date(1985, 6, 1)
    tail = first_tail
    while True:
        draft = FactsDraft(
            id_number=id_number_for(birth, "Nam", tail),
            full_name="Nguyễn Văn Thử",
            birth_date=birth,
            sex="Nam",
            phone="0912345678",
            residence_commune_id=commune_id,
        )
        with database.session() as session:
            saved = save_intake(
                session, actor, draft, IntakeResult(1, Status.ACTIVATED), consent=True
            )
            session.commit()
        # Only now is the operator told "saved".
        print(f"SAVED {saved.case.id_number}", flush=True)
        tail += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
