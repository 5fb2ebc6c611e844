"""An erasure that holds (Law 91/2025 Art. 14: deleted so that it cannot be restored without
authority): a package exported before a citizen asked to be erased, imported afterwards,
does not bring them back, neither their case (which also counted them twice) nor their
review-list entry. Run as a manager's script would (found by the black-box probe)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from services.cases.records import COLUMNS as RECORD_COLUMNS
from services.outreach.list_import import COLUMNS as LIST_COLUMNS
from tests.factories import PHU_TAM, id_number_for
from tests.shared_sheets import record_row, write_sheet
from tests.test_cli import db as db  # the fixture: preset and administrator
from tests.test_cli import run

LINH = id_number_for(date(1990, 3, 15), "Nữ", 1)
BINH = id_number_for(date(1985, 1, 2), "Nam", 777)
PASSPHRASE = {"KICHHOAT_PASSPHRASE": "mưa-xôi-đèo-hành-quà"}


def tally(db: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        run("tally", "--as-of", "2023-08-01", "--by", "commune", "--json", db=db).stdout
    )
    return data


def listed_total(db: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run("outreach", "status", "--json", db=db).stdout)["total"]
    return data


def linh_and_binh(db: Path, tmp_path: Path) -> None:
    """Both activated (a records import) and both on a review list."""
    sheet = write_sheet(
        tmp_path / "ho-so.csv",
        RECORD_COLUMNS,
        [
            record_row(
                LINH, "Trần Thị Mỹ Linh", "15/03/1990", "Nữ", 1, "Đã kích hoạt", "20/07/2023 08:30"
            ),
            record_row(
                BINH, "Lê Văn Bình", "02/01/1985", "Nam", 1, "Đã kích hoạt", "20/07/2023 09:30"
            ),
        ],
    )
    run("records", "import", str(sheet), db=db)
    people = write_sheet(
        tmp_path / "ra-soat.csv",
        LIST_COLUMNS,
        [
            [LINH, "Trần Thị Mỹ Linh", "15/03/1990", "Nữ", "0912345678", PHU_TAM, "Ấp 3", "", ""],
            [BINH, "Lê Văn Bình", "02/01/1985", "Nam", "0987654321", PHU_TAM, "Ấp 3", "", ""],
        ],
    )
    run("outreach", "import", str(people), db=db)


def test_a_package_made_before_an_erasure_does_not_bring_the_citizen_back(
    db: Path, tmp_path: Path
) -> None:
    linh_and_binh(db, tmp_path)
    package = tmp_path / "truoc-khi-xoa.kpkg"
    run("package", "export", "--out", str(package), db=db, env=PASSPHRASE)
    figures, progress = tally(db), listed_total(db)

    run("request", "erase", "--id-number", LINH, "--yes", db=db)
    merged = run("package", "import", str(package), db=db, env=PASSPHRASE)

    assert "đã xóa theo yêu cầu" in merged.stdout
    assert tally(db) == figures  # Linh's activation counted once, not twice
    assert listed_total(db) == progress
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT count(*) FROM cases").fetchone() == (2,)
        for table, column in (("cases", "id_number"), ("outreach_entries", "id_number")):
            numbers = {n for (n,) in raw.execute(f"SELECT {column} FROM {table}")}  # noqa: S608
            assert LINH not in numbers and BINH in numbers
        names = {n for (n,) in raw.execute("SELECT full_name FROM fact_sets")}
        assert "Trần Thị Mỹ Linh" not in names and "Lê Văn Bình" in names
    # The same package again, or Bình's own news, still merge as before.
    again = run("package", "import", str(package), db=db, env=PASSPHRASE)
    assert "0 mới" in again.stdout and "0 bị từ chối" in again.stdout


def test_the_same_sheet_imported_again_after_an_erasure_leaves_the_citizen_out(
    db: Path, tmp_path: Path
) -> None:
    """The sheet that brought Linh in, imported again after she was erased on request: her
    row is left out (not a new case, not counted twice, not copied into a rejects file);
    Bình's row is the same report as before."""
    linh_and_binh(db, tmp_path)
    figures = tally(db)
    run("request", "erase", "--id-number", LINH, "--yes", db=db)

    again = run("records", "import", str(tmp_path / "ho-so.csv"), db=db)

    assert "Bỏ qua 1 dòng của công dân đã xóa theo yêu cầu tại đây" in again.stdout
    assert "0 hồ sơ mới" in again.stdout and "0 dòng lỗi" in again.stdout
    assert tally(db) == figures
    assert not (tmp_path / "ho-so.loi.csv").exists()
    with sqlite3.connect(db) as raw:
        numbers = {n for (n,) in raw.execute("SELECT id_number FROM cases")}
        assert LINH not in numbers and BINH in numbers
        names = {n for (n,) in raw.execute("SELECT full_name FROM fact_sets")}
        assert "Trần Thị Mỹ Linh" not in names


def test_restoring_a_backup_made_before_an_erasure_erases_the_citizen_again(
    db: Path, tmp_path: Path
) -> None:
    """README: a restore from a copy made before the erasure brought the person back («erase
    again»). The erasures the replaced database knew are carried over and done again."""
    linh_and_binh(db, tmp_path)
    copy = tmp_path / "sao-luu.sqlite3"
    run("backup", "--out", str(copy), db=db)
    figures, progress = tally(db), listed_total(db)
    run("request", "erase", "--id-number", LINH, "--yes", db=db)

    restored = run("restore", str(copy), "--yes", db=db)

    assert "xóa lại dữ liệu của 1 hồ sơ" in restored.stdout
    assert tally(db) == figures and listed_total(db) == progress
    with sqlite3.connect(db) as raw:
        for table in ("cases", "outreach_entries"):
            numbers = {n for (n,) in raw.execute(f"SELECT id_number FROM {table}")}  # noqa: S608
            assert LINH not in numbers
        names = {n for (n,) in raw.execute("SELECT full_name FROM fact_sets")}
        assert "Trần Thị Mỹ Linh" not in names and "Lê Văn Bình" in names
    assert b"Tr\xe1\xba\xa7n Th\xe1\xbb\x8b M\xe1\xbb\xb9 Linh" not in db.read_bytes()


def test_a_citizen_only_on_a_review_list_can_be_erased(db: Path, tmp_path: Path) -> None:
    """`request erase` refused a person with no case, «không có gì để xóa», while the review
    list held their name, phone and appointment (found by the black-box probe)."""
    people = write_sheet(
        tmp_path / "ra-soat.csv",
        LIST_COLUMNS,
        [[BINH, "Lê Văn Bình", "02/01/1985", "Nam", "0987654321", PHU_TAM, "Ấp 3", "Nhà số 5", ""]],
    )
    run("outreach", "import", str(people), db=db)
    progress = listed_total(db)

    erased = run("request", "erase", "--id-number", BINH, "--yes", db=db)

    assert "1 người trong danh sách rà soát" in erased.stdout
    assert listed_total(db) == progress
    with sqlite3.connect(db) as raw:
        rows = raw.execute("SELECT id_number, full_name, phone, address FROM outreach_entries")
        assert rows.fetchall() == [(None, "(đã xóa)", None, None)]
    nobody = run("request", "erase", "--id-number", LINH, "--yes", db=db, check=False)
    assert nobody.returncode == 1 and "không có gì để xóa" in nobody.stderr
