"""The command line as scripts use it: `main.py` run as a process.

`run` signs in as the administrator `add_admin` creates (KICHHOAT_USER, KICHHOAT_PASSWORD),
as a script does; `NOBODY` takes the credentials away again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models.codes import Role, Status
from models.entities import AuditEntry, Case
from services.campaigns.campaign import DEMO_DATA_WARNING, contains_demo_data
from services.common.version import APP_VERSION
from services.documents.report import SUMMARY
from services.security.accounts import create_operator
from services.security.audit import AuditAction
from services.upkeep.database import open_database
from tests.factories import World
from tests.paths import ROOT
from tests.services.cases.test_records_import import bad_rows, good_rows, write_xlsx

ADMIN = "quan.tri"
ADMIN_PASSWORD = "mat-khau-quan-tri-1"
SIGNED_IN = {"KICHHOAT_USER": ADMIN, "KICHHOAT_PASSWORD": ADMIN_PASSWORD}
NOBODY = {"KICHHOAT_USER": "", "KICHHOAT_PASSWORD": ""}


def add_account(
    db: Path, username: str = ADMIN, password: str = ADMIN_PASSWORD, role: Role = Role.ADMIN
) -> None:
    """An account in the database file at `db`."""
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            create_operator(
                session, username=username, full_name=username, password=password, role=role
            )
            session.commit()
    finally:
        database.dispose()


def add_admin(db: Path) -> Path:
    """The administrator `run` signs in as."""
    add_account(db)
    return db


def run(
    *args: str, db: Path | None = None, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """`main.py` with `args`, signed in as `ADMIN` unless `env` says otherwise."""
    command = [sys.executable, str(ROOT / "main.py")]
    if db is not None:
        command += ["--db", f"sqlite:///{db}"]
    full_env = {**os.environ, "PYTHONIOENCODING": "utf-8", **SIGNED_IN, **(env or {})}
    result = subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=full_env,
        cwd=ROOT,
        timeout=300,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def tally_json(db: Path, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run("tally", "--json", *args, db=db).stdout)
    return data


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The preset and the administrator `run` signs in as."""
    path = tmp_path / "kichhoat.sqlite3"
    run("init", "--preset", "soc-trang-2023", db=path)
    return add_admin(path)


def test_version() -> None:
    assert APP_VERSION in run("--version").stdout


def test_init_twice_changes_nothing(db: Path) -> None:
    before = db.read_bytes()
    second = run("init", "--preset", "soc-trang-2023", db=db)
    assert "không có gì thay đổi" in second.stdout
    data = tally_json(db, "--as-of", "2023-08-01")
    assert len(data["rows"]) == 11
    assert data["total"]["target_total"] == 576903
    assert before  # the file exists and is a database
    assert sum(r["target_total"] for r in data["rows"]) == 576903


def test_unknown_preset_is_a_clear_error(tmp_path: Path) -> None:
    result = run("init", "--preset", "khong-co", db=tmp_path / "x.sqlite3", check=False)
    assert result.returncode == 1
    assert "soc-trang-2023" in result.stderr and "Không có bộ dữ liệu" in result.stderr


def test_tally_json_contract(db: Path) -> None:
    data = tally_json(db, "--as-of", "2023-08-01", "--by", "district")
    assert data["as_of"] == "2023-08-01" and data["by"] == "district"
    first = data["rows"][0]
    assert first == {
        "code": "941",
        "name": "Thành phố Sóc Trăng",
        "target_total": 50802,
        "target_daily": 1539,
        "level1": 0,
        "level2": 0,
        "activated": 0,
        "activated_on_day": 0,
    }
    assert data["total"]["code"] is None
    communes = tally_json(db, "--as-of", "2023-08-01", "--by", "commune")
    assert len(communes["rows"]) == 109
    assert communes["rows"][0]["target_total"] is None


def test_tally_text_table(db: Path) -> None:
    out = run("tally", "--as-of", "2023-08-01", db=db).stdout
    assert "Thành phố Sóc Trăng" in out and "576.903" in out


def test_tally_bad_date_is_a_vietnamese_error(db: Path) -> None:
    result = run("tally", "--as-of", "01/08/2023", db=db, check=False)
    assert result.returncode == 1
    assert "YYYY-MM-DD" in result.stderr and "Traceback" not in result.stderr


def test_template_then_import_with_good_and_bad_rows(db: Path, tmp_path: Path) -> None:
    template = tmp_path / "mau.xlsx"
    run("records", "template", "--out", str(template), db=db)
    assert load_workbook(template)["Hồ sơ"]["A1"].value == "Số định danh"

    source = write_xlsx(tmp_path / "ho-so.xlsx", good_rows() + [c for c, _ in bad_rows()])
    first = run("records", "import", str(source), db=db)
    assert "2 hồ sơ mới" in first.stdout
    reported = [line for line in first.stderr.splitlines() if line.startswith("Dòng ")]
    assert len(reported) == len(bad_rows())
    assert (tmp_path / "ho-so.loi.csv").is_file()
    counts = tally_json(db, "--as-of", "2023-07-31")
    second = run("records", "import", str(source), db=db)
    assert "0 hồ sơ mới, 0 cập nhật, 4 không đổi" in second.stdout
    assert tally_json(db, "--as-of", "2023-07-31") == counts
    assert counts["total"]["activated"] == 2


def test_unreadable_file_exits_2_and_writes_nothing(db: Path, tmp_path: Path) -> None:
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    result = run("records", "import", str(broken), db=db, check=False)
    assert result.returncode == 2
    assert "Không đọc được" in result.stderr
    missing = run("records", "import", str(tmp_path / "khong-co.csv"), db=db, check=False)
    assert missing.returncode == 2 and "Không tìm thấy" in missing.stderr
    assert tally_json(db, "--as-of", "2023-08-18")["total"]["activated"] == 0


def test_demo_fills_plausible_cases(db: Path) -> None:
    out = run("demo", "--records", "300", "--seed", "7", db=db).stdout
    assert "300 hồ sơ" in out
    data = tally_json(db, "--as-of", "2023-08-18")
    assert 0 < data["total"]["activated"] <= 300
    assert data["total"]["level1"] > data["total"]["level2"] > 0
    day = tally_json(db, "--as-of", "2023-07-18")
    assert day["total"]["activated"] <= data["total"]["activated"]


def test_db_from_environment(tmp_path: Path) -> None:
    path = tmp_path / "env.sqlite3"
    env = {"KICHHOAT_DB": f"sqlite:///{path}"}
    run("init", env=env)
    assert path.is_file()
    result = run("tally", "--json", "--as-of", date(2023, 8, 1).isoformat(), env=env)
    assert json.loads(result.stdout)["total"]["target_total"] == 576903


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    result = run("--db", "khong-phai-url", "tally", check=False)
    assert result.returncode == 1
    assert "không hợp lệ" in result.stderr and "Traceback" not in result.stderr


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "rac.sqlite3"
    path.write_bytes(b"this is not sqlite at all" * 100)
    result = run("tally", db=path, check=False)
    assert result.returncode == 1
    assert "bản sao lưu" in result.stderr and "Traceback" not in result.stderr


def test_commands_without_a_window_do_not_import_qt_widgets(db: Path) -> None:
    code = (
        "import sys, runpy; sys.argv=['main.py','--db','sqlite:///" + str(db) + "','tally'];"
        "import main; main.main(sys.argv[1:]);"
        "print('QT' if 'PySide6.QtWidgets' in sys.modules else 'NOQT')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        encoding="utf-8",
    )
    assert result.stdout.strip().endswith("NOQT")


def _cases_and_marker(db: Path) -> tuple[int, bool, list[tuple[str, str]]]:
    """How many cases, whether the demo marker is set, and the demo's audit entries."""
    database = open_database(f"sqlite:///{db}", migrate=False)
    try:
        with database.session() as session:
            cases = session.scalar(select(func.count()).select_from(Case)) or 0
            marked = contains_demo_data(session)
            audited = [
                (entry.summary, entry.details)
                for entry in session.scalars(
                    select(AuditEntry).where(AuditEntry.action == AuditAction.DEMO.value)
                )
            ]
    finally:
        database.dispose()
    return cases, marked, audited


def _summary_texts(path: Path) -> list[str]:
    sheet = load_workbook(path)[SUMMARY]
    return [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v]


def test_demo_refuses_a_database_with_real_cases_unless_forced(db: Path, tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{db}", migrate=False)
    try:
        with database.session() as session:
            world = World(session)
            world.record(world.facts(), world.report(Status.REGISTERED, "2023-07-24 08:10"))
            session.commit()
    finally:
        database.dispose()

    refused = run("demo", "--records", "50", "--seed", "7", db=db, check=False)
    assert refused.returncode == 1
    assert "1 hồ sơ thật" in refused.stderr and "--force" in refused.stderr
    assert _cases_and_marker(db) == (1, False, [])
    before = tmp_path / "truoc.xlsx"
    run("report", "--as-of", "2023-08-18", "--out", str(before), db=db)
    assert DEMO_DATA_WARNING not in _summary_texts(before)
    assert DEMO_DATA_WARNING not in run("tally", db=db).stderr

    forced = run("demo", "--records", "50", "--seed", "7", "--force", db=db)
    assert "50 hồ sơ" in forced.stdout
    cases, marked, audited = _cases_and_marker(db)
    assert (cases, marked) == (51, True)
    assert len(audited) == 1
    summary, details = audited[0]
    assert "50 hồ sơ giả lập" in summary
    assert json.loads(details) == {"cases": 50, "events": ANY, "seed": 7, "forced": True}

    after = tmp_path / "sau.xlsx"
    run("report", "--as-of", "2023-08-18", "--out", str(after), db=db)
    assert DEMO_DATA_WARNING in _summary_texts(after)
    assert DEMO_DATA_WARNING in run("tally", db=db).stderr
    # Demo cases mark the database: another run over them needs no --force.
    run("demo", "--records", "10", "--seed", "8", db=db)
    assert _cases_and_marker(db)[0] == 61


def test_demo_on_an_empty_database_needs_no_force(db: Path) -> None:
    run("demo", "--records", "20", "--seed", "3", db=db)
    cases, marked, audited = _cases_and_marker(db)
    assert (cases, marked, len(audited)) == (20, True, 1)
    assert json.loads(audited[0][1])["forced"] is False


def _main_with_stdout(stdout: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """`main.py` with `args` writing its output to `stdout` (a file or a pipe)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **NOBODY},
        cwd=ROOT,
    )
    if stdout is subprocess.PIPE:
        assert process.stdout is not None
        process.stdout.close()  # the reader is gone before the first line: `| head -0`
    _, stderr = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, "", stderr)


def test_output_to_a_closed_pipe_ends_quietly() -> None:
    """`units find ... | head`: the reader goes away; no traceback, a failure status."""
    result = _main_with_stdout(subprocess.PIPE, "units", "find", "phu", "--json")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_output_to_a_full_disk_is_a_vietnamese_message() -> None:
    with Path("/dev/full").open("w", encoding="utf-8") as full:
        result = _main_with_stdout(full, "units", "find", "phu", "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Lỗi: ") and "ổ đĩa đã đầy" in result.stderr


def test_a_template_that_cannot_be_written_says_why_in_vietnamese(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "mot-thu-muc"
    folder.mkdir()
    refused = run("records", "template", "--out", str(folder), db=db, check=False)
    assert refused.returncode == 1
    assert f"Không ghi được tệp mẫu «{folder}»: đó là một thư mục, không phải tệp." in (
        refused.stderr
    )
    for noise in ("Traceback", "Exception ignored", "Errno", "Is a directory"):
        assert noise not in refused.stderr, refused.stderr
    # Nothing left behind: no file in the folder, no temporary file beside it.
    assert list(folder.iterdir()) == []
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
