"""Two writers on one SQLite file: a desk saving cases in another process while a
60,000-case package is merged here in one transaction. Every write transaction begins
IMMEDIATE, and the desk waits for the write lock as long as it is taken (it shows "đang
chờ" meanwhile), so none of its saves is refused and none is lost."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from models.entities import Case
from services.cases.demo import generate_demo
from services.exchange.packages import export_package, import_package
from services.upkeep.database import open_database
from tests.factories import CLI
from tests.paths import ROOT

CASES = 60_000
PASS = "mat-khau-cua-goi"


def _package(sqlite_template: Path, folder: Path) -> Path:
    path = folder / "nguon.sqlite3"
    shutil.copyfile(sqlite_template, path)
    source = open_database(f"sqlite:///{path}")
    with source.session() as session:
        generate_demo(session, CASES, seed=7)
        session.commit()
    package = folder / "goi.kpkg"
    with source.session() as session:
        export_package(session, CLI, package, PASS)
        session.commit()
    source.dispose()
    return package


def test_a_desk_saving_during_a_big_merge_is_never_refused(
    sqlite_template: Path, tmp_path: Path
) -> None:
    package = _package(sqlite_template, tmp_path)
    path = tmp_path / "dich.sqlite3"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite:///{path}"
    stop = tmp_path / "dung"
    desk = subprocess.Popen(
        [sys.executable, "-m", "tests.saver_worker", url, str(stop), "20"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert desk.stdout is not None
        assert desk.stdout.readline().strip() == "READY"
        database = open_database(url, migrate=False)
        with database.session() as session:
            summary = import_package(session, CLI, package, PASS)
            session.commit()
    finally:
        stop.touch()
        out, errors = desk.communicate(timeout=300)
    assert desk.returncode == 0, errors
    lines = out.splitlines()
    refused = [line for line in lines if not line.startswith("SAVED")]
    assert refused == []
    saved = {line.split()[1] for line in lines}
    assert len(saved) >= 20
    # The desk did meet the merge's lock (else this test proves nothing) and waited it out.
    assert any(int(line.split()[2]) > 0 for line in lines)
    with database.session(read_only=True) as session:
        stored = set(session.scalars(select(Case.id_number).where(Case.id_number.in_(saved))))
        total = session.scalar(select(func.count()).select_from(Case))
    database.dispose()
    assert stored == saved  # nothing the desk was told was saved is lost
    assert summary.new == CASES
    assert total == CASES + len(saved)
