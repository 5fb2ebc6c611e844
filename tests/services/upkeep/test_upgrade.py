"""A database made by the first released schema (revision 0001) upgrades at start-up, after an
automatic backup, with every case, every history entry and the tally intact."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.codes import Status
from models.database import make_engine, sqlite_url
from models.entities import Case, CaseEvent
from models.migrate import current_revision, head_revision
from services.common.errors import StorageError
from services.counting.tally import TallyBy, tally
from services.upkeep.database import Database, open_database
from services.upkeep.upgrade import BACKUP_PREFIX, backup_before_upgrade, database_backups_folder
from tests import make_schema_0001_db as first
from tests.paths import DATA
from tests.paths import ROOT as TREE_ROOT

SHIPPED = DATA / "kichhoat-0001.sqlite"

# The tally of the shipped file, worked out by hand from its rows before any upgrade:
# level 1 counts for the commune of residence, level 2 for the intake point's commune
# (Phường 5), on the Vietnam-local day (case 2 was activated at 18:30 UTC on 19/7, which
# is 01:30 on 20/7 in Vietnam).
EXPECTED_BY_COMMUNE = {
    "31498": {"level1": 1, "level2": 1, "activated_on_day": 1},  # Phường 5
    "31501": {"level1": 1, "level2": 0, "activated_on_day": 1},  # Phường 7
}
EXPECTED_TOTAL = {"level1": 2, "level2": 1, "activated": 3}
EXPECTED_STATUSES = {
    ("094085000101", 1): Status.ACTIVATED,
    ("094190000202", 1): Status.ACTIVATED,
    ("094060000303", 2): Status.ACTIVATED,
    ("094075000404", 1): Status.FAILED,
    ("094001000505", 1): Status.REGISTERED,
    ("094098000606", 1): Status.APPROVED,
    ("094187000707", 1): Status.ACTIVATED,
}
# Where the rules changed (migration 0005): case 7's phone correction had moved its activation
# to 28/07; by today's rules a correction of facts never moves it, so it counts on 21/07.
NEW_RULES_ACTIVATED_ON = {7: date(2023, 7, 21)}


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "kichhoat.sqlite3"
    shutil.copyfile(SHIPPED, copy)
    return copy


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def test_the_shipped_file_is_the_first_schema() -> None:
    assert _rows(SHIPPED, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert SHIPPED.stat().st_size < 64_000


def _assert_cases_kept(session: Session) -> None:
    cases = session.scalars(select(Case).order_by(Case.id)).all()
    assert {(c.id_number, c.level): c.status for c in cases} == EXPECTED_STATUSES
    for case, row in zip(cases, first.CASES, strict=True):
        assert case.id == row[0]
        assert case.full_name == row[3]
        assert case.birth_date == date.fromisoformat(str(row[5]))
        assert case.phone == row[7]
        assert case.residence_commune_id == row[8]
        assert case.counted_unit_id == row[11]
        old_day = date.fromisoformat(str(row[13])) if row[13] else None
        assert case.activated_on == NEW_RULES_ACTIVATED_ON.get(case.id, old_day)
        assert case.has_conflict is False


def _assert_history_kept(session: Session) -> None:
    events = session.scalars(select(CaseEvent).order_by(CaseEvent.id)).all()
    assert len(events) == len(first.HISTORY)
    assert len({e.uid for e in events}) == len(events)  # every event has its identity
    # The facts of each case became the claim of its first event.
    claimed = {e.case_id: e.fact_set for e in events if e.fact_set is not None}
    assert set(claimed) == {row[0] for row in first.CASES}
    assert claimed[7] is not None and claimed[7].phone == "0912000777"
    for event, entry in zip(events, first.HISTORY, strict=True):
        assert (event.id, event.case_id, event.kind) == entry[:3]
        facts_only = event.kind == "correction" and "status" not in str(entry[10])
        # A correction of facts alone names no status any more.
        assert (event.from_status, event.to_status) == (
            entry[3],
            None if facts_only else entry[4],
        )
        assert event.changed_at == datetime.fromisoformat(str(entry[5])).replace(tzinfo=UTC)
        assert (event.operator_id, event.failure_reason, event.reason) == (
            entry[6],
            entry[8],
            entry[9],
        )


def _assert_counts_kept(database: Database) -> None:
    with database.session() as session:
        result = tally(session, date(2023, 7, 20), TallyBy.COMMUNE)
    by_code = {row.code: row for row in result.rows}
    for code, expected in EXPECTED_BY_COMMUNE.items():
        counted = by_code[code]
        assert (counted.level1, counted.level2, counted.activated_on_day) == (
            expected["level1"],
            expected["level2"],
            expected["activated_on_day"],
        )
    total = result.total
    assert (total.level1, total.level2, total.activated) == (
        EXPECTED_TOTAL["level1"],
        EXPECTED_TOTAL["level2"],
        EXPECTED_TOTAL["activated"],
    )
    with database.session() as session:
        on_21 = tally(session, date(2023, 7, 21), TallyBy.COMMUNE)
        on_28 = tally(session, date(2023, 7, 28), TallyBy.COMMUNE)
    phuong_7 = {row.code: row for row in on_21.rows}["31501"]
    assert (phuong_7.level1, phuong_7.activated_on_day) == (2, 1)
    assert on_28.total.activated_on_day == 0 and on_28.total.activated == 4


def _assert_backup_is_the_old_file(backups: Path, path: Path) -> None:
    made = list(database_backups_folder(backups, path).iterdir())
    assert [p.name for p in backups.iterdir()] == [database_backups_folder(backups, path).name]
    assert len(made) == 1
    assert made[0].name.startswith(f"{BACKUP_PREFIX}0001-")
    assert made[0].suffix == ".sqlite3"
    # The copy is the database as it was: still revision 0001, every row there.
    assert _rows(made[0], "SELECT version_num FROM alembic_version") == [("0001",)]
    assert _rows(made[0], "SELECT count(*) FROM cases") == [(len(first.CASES),)]
    assert _rows(made[0], "SELECT count(*) FROM case_history") == [(len(first.HISTORY),)]
    assert _rows(made[0], "PRAGMA integrity_check") == [("ok",)]


def test_an_old_database_is_backed_up_then_upgraded_with_every_case_intact(
    tmp_path: Path,
) -> None:
    path = _copy(tmp_path)
    backups = tmp_path / "backups"
    database = open_database(sqlite_url(path), backups=backups)
    try:
        assert current_revision(database.engine) == head_revision()
        with database.engine.connect() as connection:  # keys were off only for the migration
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with database.session() as session:
            _assert_cases_kept(session)
            _assert_history_kept(session)
        _assert_counts_kept(database)
    finally:
        database.dispose()
    _assert_backup_is_the_old_file(backups, path)


def test_an_up_to_date_or_new_database_is_not_copied(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    open_database(sqlite_url(tmp_path / "new.sqlite3"), backups=backups).dispose()
    open_database(sqlite_url(tmp_path / "new.sqlite3"), backups=backups).dispose()
    assert not backups.exists()


def test_no_upgrade_without_a_backup(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the backups folder should be")
    with pytest.raises(StorageError, match="không sao lưu được") as refused:
        open_database(sqlite_url(path), backups=blocked)
    # The system's reason in Vietnamese, not its English words and number.
    assert "Errno" not in str(refused.value) and "directory" not in str(refused.value)
    assert _rows(path, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert not list(tmp_path.glob(".*.part"))


def test_backup_is_consistent_while_the_database_is_open(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    engine = make_engine(sqlite_url(path))  # WAL mode, as the app opens it
    try:
        with engine.begin() as connection:  # a committed change still in the -wal file
            connection.execute(text("UPDATE cases SET notes = 'ghi chú' WHERE id = 5"))
        copy = backup_before_upgrade(engine, tmp_path / "backups")
    finally:
        engine.dispose()
    assert copy is not None
    assert _rows(copy, "SELECT notes FROM cases WHERE id = 5") == [("ghi chú",)]


def test_an_up_to_date_database_opens_without_importing_alembic(tmp_path: Path) -> None:
    path = tmp_path / "moi.sqlite3"
    open_database(sqlite_url(path), backups=tmp_path / "backups").dispose()
    code = (
        "import sys; from services.upkeep.database import open_database;"
        f"open_database({sqlite_url(path)!r}, backups=__import__('pathlib').Path({str(tmp_path)!r}))"
        ".dispose(); print('ALEMBIC' if 'alembic' in sys.modules else 'NONE')"
    )
    root = TREE_ROOT
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True
    )
    assert result.stdout.strip() == "NONE"


def test_another_programs_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "danh-ba.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("INSERT INTO contacts (name) VALUES ('Người thử')")
    with pytest.raises(StorageError, match="đã có bảng của chương trình khác \\(contacts\\)"):
        open_database(sqlite_url(path), backups=tmp_path / "backups")
    assert _rows(path, "SELECT name FROM sqlite_master") == [("contacts",)]
    assert _rows(path, "SELECT * FROM contacts") == [(1, "Người thử")]
    assert not (tmp_path / "backups").exists()
    # An empty file is a new database, made ours.
    empty = tmp_path / "moi.sqlite3"
    sqlite3.connect(empty).close()
    open_database(sqlite_url(empty), backups=tmp_path / "backups").engine.dispose()
    assert _rows(empty, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
