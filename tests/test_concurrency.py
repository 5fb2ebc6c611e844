"""Several processes saving cases on one PostgreSQL database at the same moment."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from models.entities import Case
from services.upkeep.database import open_database
from tests.paths import ROOT
from tests.shared_databases import preset_pg_database

WORKERS = 4
CASES = 60


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A database of its own: the workers' saves are counted in it."""
    with preset_pg_database() as url:
        yield url


def test_every_confirmed_save_is_there_and_nothing_twice(pg_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.concurrency_worker", pg_url, str(n), str(CASES)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=600) for worker in workers]
    for worker, (_, errors) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, errors
    confirmed = {
        tuple(line.split()[1:3])
        for out, _ in outputs
        for line in out.splitlines()
        if line.startswith("SAVED")
    }
    database = open_database(pg_url, migrate=False)
    with database.session() as session:
        stored = Counter(
            (id_number, str(level))
            for id_number, level in session.execute(select(Case.id_number, Case.level))
        )
        total = session.scalar(select(func.count()).select_from(Case))
    database.dispose()
    assert confirmed <= set(stored)  # nothing the operators were told was saved is lost
    assert all(n == 1 for n in stored.values())  # no ID number and level twice
    shared = CASES // 3 + (1 if CASES % 3 else 0)
    assert total == WORKERS * (CASES - shared) + shared
    assert len(confirmed) == total  # every stored case was confirmed to someone
