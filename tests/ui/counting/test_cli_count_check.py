"""`tally --verify` and `tally --rebuild`: the counts the database keeps against a full recount."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.upkeep.database import open_database
from tests.test_cli import add_admin, run, tally_json


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "kichhoat.sqlite3"
    run("init", "--preset", "soc-trang-2023", db=path)
    return add_admin(path)


def _demo(db: Path) -> None:
    run("demo", "--records", "400", "--seed", "3", db=db)


def test_verify_agrees_on_a_database_written_by_the_app(db: Path) -> None:
    _demo(db)
    result = run("tally", "--verify", db=db)
    assert result.returncode == 0
    assert result.stdout.startswith("Khớp: số đếm duy trì bằng số đếm lại toàn bộ hồ sơ")


def test_a_tampered_count_is_named_with_its_unit_and_exits_1(db: Path) -> None:
    _demo(db)
    before = tally_json(db, "--as-of", "2023-08-31", "--by", "commune")
    with sqlite3.connect(db) as connection:
        unit_id, code, name, day = connection.execute(
            "SELECT c.unit_key, u.code, u.name, c.activated_on FROM activation_counts c "
            "JOIN units u ON u.id = c.unit_key WHERE c.n > 0 ORDER BY c.activated_on LIMIT 1"
        ).fetchone()
        connection.execute(
            "UPDATE activation_counts SET n = n + 5 WHERE unit_key = ? AND activated_on = ?",
            (unit_id, day),
        )
    result = run("tally", "--verify", db=db, check=False)
    assert result.returncode == 1
    y, m, d = day.split("-")
    assert f"Khác nhau: đơn vị {code} {name}, ngày {d}/{m}/{y}" in result.stdout
    assert "tally --rebuild" in result.stdout
    # The tampered row shows in the tally (it reads the kept counts) until rebuilt.
    assert tally_json(db, "--as-of", "2023-08-31", "--by", "commune") != before

    rebuilt = run("tally", "--rebuild", db=db)
    assert "Đã tính lại" in rebuilt.stdout and "Khớp" in rebuilt.stdout
    assert run("tally", "--verify", db=db).returncode == 0
    assert tally_json(db, "--as-of", "2023-08-31", "--by", "commune") == before


def test_a_missing_trigger_is_reported_and_put_back_by_rebuild(db: Path) -> None:
    _demo(db)
    with sqlite3.connect(db) as connection:
        connection.execute("DROP TRIGGER trg_cases_counts_update")
    result = run("tally", "--verify", db=db, check=False)
    assert result.returncode == 1
    assert "Thiếu trigger trg_cases_counts_update" in result.stdout
    run("tally", "--rebuild", db=db)
    assert run("tally", "--verify", db=db).returncode == 0


@pytest.mark.parametrize("flag", ["--verify", "--rebuild"])
def test_a_database_without_a_campaign_is_not_said_to_agree(tmp_path: Path, flag: str) -> None:
    """Nothing to check (a database with our schema and no campaign yet): refused like
    `tally`, never «Khớp»."""
    path = tmp_path / "trong.sqlite3"
    open_database(f"sqlite:///{path}").engine.dispose()
    assert path.exists()
    result = run("tally", flag, db=path, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "chưa có đợt cao điểm nào" in result.stderr
    assert "Khớp" not in result.stdout
