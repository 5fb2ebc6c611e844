"""`campaign new` as a script runs it: a new database, a refusal with nothing written,
and a two-level campaign's tally (by commune by default, districts refused)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.paths import DATA
from tests.test_cli import NOBODY, run

NEW = [
    "campaign", "new", "--province", "92", "--map", "2025",
    "--name", "Cao điểm kích hoạt định danh điện tử (thử)", "--plan-number", "7/KH-UBND",
    "--plan-date", "01/03/2026", "--from", "2026-03-10", "--to", "2026-04-10",
    "--hours", "07:30-20:00", "--report-to", "Phòng PC06 (thử)", "--report-by", "2026-04-12",
]  # fmt: skip


def counts(db: Path) -> tuple[int, int]:
    with sqlite3.connect(db) as connection:
        campaigns = connection.execute("SELECT count(*) FROM campaigns").fetchone()[0]
        units = connection.execute("SELECT count(*) FROM units").fetchone()[0]
    return campaigns, units


def test_a_new_database_gets_the_campaign_without_signing_in(tmp_path: Path) -> None:
    db = tmp_path / "can-tho.sqlite3"
    result = run(*NEW, db=db, env=NOBODY)
    assert "Thành phố Cần Thơ (bản đồ 2025): 103 xã/phường/đặc khu" in result.stdout
    assert counts(db) == (1, 104)
    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT daily_start, daily_end, report_due_before, report_recipient FROM campaigns"
        ).fetchone()
    assert row[0].startswith("07:30") and row[1].startswith("20:00")
    assert row[2:] == ("2026-04-12", "Phòng PC06 (thử)")
    tally = json.loads(run("tally", "--as-of", "2026-03-20", "--json", db=db, env=NOBODY).stdout)
    assert tally["by"] == "commune" and len(tally["rows"]) == 103
    refused = run("tally", "--by", "district", db=db, env=NOBODY, check=False)
    assert refused.returncode == 1 and "hai cấp" in refused.stderr


def test_the_same_command_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "hai-lan.sqlite3"
    run(*NEW, db=db, env=NOBODY)
    again = run(*NEW, db=db, env=NOBODY)
    assert "không có gì thay đổi" in again.stdout
    assert counts(db) == (1, 104)
    other_days = [*NEW[:-1], "2026-04-20"]  # another report deadline
    refused = run(*other_days, db=db, env=NOBODY, check=False)
    assert refused.returncode == 1 and "đã dùng cho đợt" in refused.stderr


def test_a_database_holding_a_campaign_is_refused_and_unchanged(tmp_path: Path) -> None:
    db = tmp_path / "soc-trang.sqlite3"
    run("init", db=db, env=NOBODY)
    before = counts(db)
    refused = run(*NEW, db=db, env=NOBODY, check=False)
    assert refused.returncode == 1
    assert "đã dùng cho đợt «soc-trang-2023»" in refused.stderr
    assert counts(db) == before


def test_the_targets_sheet_and_bad_input(tmp_path: Path) -> None:
    sheet = DATA / "chi-tieu-can-tho-2025-thu.xlsx"
    db = tmp_path / "voi-chi-tieu.sqlite3"
    done = run(*NEW, "--targets", str(sheet), db=db, env=NOBODY)
    assert "Đã ghi chỉ tiêu cho 103 đơn vị." in done.stdout
    for args, message in (
        (["--province", "99"], "Mã tỉnh «99» không có trên bản đồ 2025"),
        (["--hours", "21:00-07:00"], "Giờ bắt đầu"),
        (["--plan-date", "2026-03-01"], "ngày/tháng/năm"),
        (["--targets", str(tmp_path / "khong-co.xlsx")], "Không tìm thấy tệp chỉ tiêu"),
    ):
        other = tmp_path / f"x{len(message)}.sqlite3"
        refused = run(*NEW, *args, db=other, env=NOBODY, check=False)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
        assert not other.exists() or counts(other) == (0, 0)


def test_a_package_of_a_built_campaign_into_an_empty_database_says_what_to_do(
    tmp_path: Path,
) -> None:
    from tests.test_cli import add_admin

    point = tmp_path / "diem.sqlite3"
    run(*NEW, db=point, env=NOBODY)
    add_admin(point)
    package = tmp_path / "goi.kpkg"
    secret = {"KICHHOAT_PASSPHRASE": "mat-khau-goi-du-dai-1"}
    run("package", "export", "--out", str(package), db=point, env=secret)
    empty = add_admin(tmp_path / "trong.sqlite3")
    refused = run("package", "import", str(package), db=empty, env=secret, check=False)
    assert refused.returncode == 1
    assert "tạo đợt đó trước" in refused.stderr and "campaign new" in refused.stderr
    run(*NEW, db=empty)  # an administrator of that database builds the same campaign
    merged = run("package", "import", str(package), db=empty, env=secret)
    assert "0 bị từ chối" in merged.stdout
