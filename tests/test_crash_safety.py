"""A process saving cases one by one is killed (SIGKILL) at random moments; after each
restart the database passes its integrity check and holds every case it confirmed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from models.entities import Case
from services.campaigns.campaign import load_preset
from services.security.audit import verify_chain
from services.upkeep.database import open_database
from tests.factories import World
from tests.paths import ROOT

ROUNDS = 5


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_every_confirmed_case_survives_sigkill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    database = open_database(url)
    with database.session() as session:
        load_preset(session, "soc-trang-2023")
        World(session)
        session.commit()
    database.dispose()
    rng = random.Random(20230714)
    confirmed: set[str] = set()
    for round_number in range(ROUNDS):
        wait_for = rng.randint(3, 40)  # confirmations before the kill: no sleeping
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_worker", url, str(1 + round_number * 100_000)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert worker.stdout is not None
        seen = 0
        for line in worker.stdout:
            if line.startswith("SAVED "):
                confirmed.add(line.split()[1])
                seen += 1
                if seen >= wait_for:
                    break
        os.kill(worker.pid, signal.SIGKILL)
        rest, errors = worker.communicate(timeout=30)
        confirmed.update(line.split()[1] for line in rest.splitlines() if line.startswith("SAVED "))
        assert worker.returncode == -signal.SIGKILL, errors
        assert seen >= wait_for, errors

        reopened = open_database(url, migrate=False)
        with reopened.session() as session:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            stored = set(session.scalars(select(Case.id_number)))
            missing = confirmed - stored
            assert not missing, f"round {round_number}: lost {sorted(missing)[:5]}"
            assert verify_chain(session).ok
        reopened.dispose()
    assert len(confirmed) >= ROUNDS * 3
