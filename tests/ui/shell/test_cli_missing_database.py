"""A `--db` typed wrong: the commands that work on an existing database refuse a file that is
not there, and create nothing (no empty database, no folder); the commands that start a
campaign make it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import run


@pytest.mark.parametrize(
    "command",
    [
        ("tally",),
        ("report", "--as-of", "2023-08-10", "--out", "r.xlsx"),
        ("records", "template", "--out", "t.xlsx"),
        ("audit", "verify"),
        ("backup", "--out", "b.sqlite3"),
        ("demo", "--records", "10"),
        ("details", "--out", "d.xlsx"),
    ],
    ids=lambda command: command[0],
)
def test_a_missing_database_file_is_refused_and_nothing_is_created(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    missing = tmp_path / "go-nham" / "kichhoat.sqlite3"
    out = [part if "." not in part or part[0] == "2" else str(tmp_path / part) for part in command]
    result = run(*out, db=missing, check=False)
    assert result.returncode == 1, result.stderr
    assert f"Không có cơ sở dữ liệu nào ở «{missing}»" in result.stderr
    assert "kiểm tra lại --db" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_init_makes_the_database_a_later_command_reads(tmp_path: Path) -> None:
    database = tmp_path / "moi" / "kichhoat.sqlite3"
    run("init", "--preset", "soc-trang-2023", db=database)
    assert database.exists()
    assert run("tally", db=database).returncode == 0
