"""`request new|list|answer|export|erase` and `privacy description` as scripts use them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from openpyxl import load_workbook

from tests.pdf_tools import pdf_text
from tests.services.privacy.test_data_safety import without_audit_footer
from tests.test_cli import add_admin, run, tally_json


def _someone(db: Path) -> tuple[str, str]:
    """An ID number with a case, and its name."""
    with sqlite3.connect(db) as connection:
        row = connection.execute(
            "SELECT id_number, full_name FROM cases ORDER BY id LIMIT 1"
        ).fetchone()
    return str(row[0]), str(row[1])


def _report_cells(db: Path, out: Path) -> list[list[object]]:
    run("report", "--as-of", "2023-08-18", "--out", str(out), db=db)
    workbook = load_workbook(out)
    cells: list[list[object]] = []
    for sheet in workbook.worksheets:
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        # The erasure's own audit entries move the chains' heads printed at the foot.
        cells += [list(row) for row in without_audit_footer(rows)]
    return cells


def test_a_citizens_requests_from_the_command_line(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run("init", db=db)
    run("demo", "--records", "40", "--seed", "3", db=db)
    number, name = _someone(db)

    new = ("request", "new", "--id-number", number)
    logged = run(*new, "--kind", "xem", "--received", "2023-08-01", db=db)
    assert "Đã ghi nhận yêu cầu số 1 (xem, sao chép dữ liệu)" in logged.stdout
    assert "thực hiện trước hết ngày 11/08/2023" in logged.stdout
    assert number not in logged.stdout  # masked
    wrong = run("request", "new", "--id-number", number, "--kind", "bay", db=db, check=False)
    assert wrong.returncode == 1 and "Loại yêu cầu «bay» không có" in wrong.stderr
    run("request", "new", "--id-number", number, "--kind", "sua", db=db)

    overdue = run("request", "list", "--overdue", db=db)
    assert "Xem, sao chép dữ liệu" in overdue.stdout and "quá hạn" in overdue.stdout
    assert "Chỉnh sửa dữ liệu" not in overdue.stdout and "1 yêu cầu; 1 quá hạn." in overdue.stdout

    out = tmp_path / "cong-dan.pdf"
    exported = run("request", "export", "--id-number", number, "--out", str(out), db=db)
    assert "yêu cầu số 1 đã được trả lời" in exported.stdout
    text = " ".join(pdf_text(out).split())
    assert "Dữ liệu cá nhân đang được lưu giữ" in text and number in text and name in text

    answered = run("request", "answer", "2", "--note", "Đã sửa số điện thoại", db=db)
    assert "đã trả lời" in answered.stdout
    listing = run("request", "list", db=db)
    assert "2 yêu cầu; 0 quá hạn." in listing.stdout and "Đã trả lời" in listing.stdout


def test_erasing_a_citizen_keeps_the_tally_and_the_report(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run("init", db=db)
    run("demo", "--records", "40", "--seed", "5", db=db)
    number, name = _someone(db)
    groupings = ("district", "commune", "point", "operator")
    tallies = {by: tally_json(db, "--as-of", "2023-08-18", "--by", by) for by in groupings}
    report = _report_cells(db, tmp_path / "truoc.xlsx")

    refused = run("request", "erase", "--id-number", number, db=db, check=False)
    assert refused.returncode == 1 and "--yes" in refused.stderr  # no terminal: no silent yes
    erased = run("request", "erase", "--id-number", number, "--yes", db=db)
    assert (
        "Đã xóa dữ liệu cá nhân của" in erased.stdout
        and "số liệu thống kê giữ nguyên" in erased.stdout
    )

    for by, before in tallies.items():
        assert tally_json(db, "--as-of", "2023-08-18", "--by", by) == before, by
    assert _report_cells(db, tmp_path / "sau.xlsx") == report
    with sqlite3.connect(db) as connection:
        left = connection.execute(
            "SELECT count(*) FROM cases WHERE id_number = ? OR full_name = ?", (number, name)
        ).fetchone()[0]
        kinds = connection.execute(
            "SELECT kind, status, id_number FROM citizen_requests"
        ).fetchall()
    assert left == 0
    assert kinds == [("erase", "answered", None)]  # logged as received today, answered
    again = run("request", "erase", "--id-number", number, "--yes", db=db, check=False)
    assert again.returncode == 1 and "không có gì để xóa" in again.stderr
    assert run("audit", "verify", db=db).returncode == 0


def test_the_processing_description_from_the_command_line(tmp_path: Path) -> None:
    db = add_admin(tmp_path / "kichhoat.sqlite3")
    run("init", db=db)
    out = tmp_path / "mo-ta"
    done = run("privacy", "description", "--out", str(out), db=db)
    assert "Đã ghi mô tả hoạt động xử lý dữ liệu cá nhân" in done.stdout
    text = " ".join(pdf_text(tmp_path / "mo-ta.pdf").split())
    assert "Mô tả hoạt động xử lý dữ liệu cá nhân" in text
    assert "Tệp SQLite trên máy tính này:" in text
    assert "kichhoat.sqlite3" in text.replace(" ", "")  # a long path wraps
