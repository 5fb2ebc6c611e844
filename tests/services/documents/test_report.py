"""The PC06 report workbook, opened with openpyxl and checked cell by cell."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from services.campaigns.directory import get_or_create_point
from services.common.errors import StorageError, UserError
from services.counting.tally import TallyBy, tally
from services.documents.report import (
    BY_COMMUNE,
    BY_DAY,
    BY_OPERATOR,
    BY_POINT,
    SUMMARY,
    write_report,
)
from tests.factories import CLI, PHU_TAM, PHUONG_5, known_world

AS_OF = date(2023, 7, 25)


@pytest.fixture
def workbook_path(session: Session, tmp_path: Path) -> Path:
    world = known_world(session)
    # A point whose name a spreadsheet would take for a formula.
    get_or_create_point(session, world.tree.commune(PHU_TAM), '=HYPERLINK("http://x")')
    session.commit()
    return write_report(session, CLI, AS_OF, tmp_path / "bao-cao.xlsx")


def rows_by_first(sheet: Worksheet, column: int) -> dict[Any, tuple[Any, ...]]:
    return {row[column - 1]: row for row in sheet.iter_rows(values_only=True) if row[column - 1]}


def test_summary_values_follow_the_counting_rules(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)[SUMMARY]
    by_name = rows_by_first(sheet, 2)
    # TT, unit, target, daily target, day L1, L2, total, cumulative L1, L2, total, %, left, per day
    city = by_name["Thành phố Sóc Trăng"]
    assert city[0] == 1
    assert city[2:10] == (50802, 1539, 1, 1, 2, 1, 1, 2)
    assert city[10] == pytest.approx(2 / 50802)
    assert city[11] == 50800
    assert city[12] == -(-50800 // 24)  # 24 campaign days after 25/07
    chau_thanh = by_name["Huyện Châu Thành"]
    assert chau_thanh[4:10] == (0, 0, 0, 1, 1, 2)
    ke_sach = by_name["Huyện Kế Sách"]
    assert ke_sach[4:10] == (1, 0, 1, 1, 0, 1)
    assert [r[0] for r in by_name.values() if isinstance(r[0], int)] == list(range(1, 12))


def test_summary_matches_tally_json(workbook_path: Path, session: Session) -> None:
    sheet = load_workbook(workbook_path)[SUMMARY]
    by_name = rows_by_first(sheet, 2)
    for row in tally(session, AS_OF, TallyBy.DISTRICT).as_json()["rows"]:
        cells = by_name[row["name"]]
        assert (cells[2], cells[3]) == (row["target_total"], row["target_daily"])
        assert cells[6] == row["activated_on_day"]
        assert (cells[7], cells[8], cells[9]) == (row["level1"], row["level2"], row["activated"])


def test_total_row_is_made_of_formulas(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)[SUMMARY]
    total_row = next(
        row for row in sheet.iter_rows() if str(row[0].value or "").startswith("Tổng cộng")
    )
    number = total_row[0].row
    first = next(r[0].row for r in sheet.iter_rows() if r[0].value == 1)
    last = next(r[0].row for r in sheet.iter_rows() if r[0].value == 11)
    assert total_row[2].value == f"=SUM(C{first}:C{last})"
    assert total_row[9].value == f"=SUM(J{first}:J{last})"
    assert total_row[10].value == f"=IF(C{number}>0,J{number}/C{number},0)"
    assert str(total_row[11].value).startswith("=MAX(")
    assert f"A{number}:B{number}" in {str(r) for r in sheet.merged_cells.ranges}


def test_summary_layout_fonts_and_print_settings(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)[SUMMARY]
    texts = [c.value for row in sheet.iter_rows(max_row=8) for c in row if c.value]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "Độc lập - Tự do - Hạnh phúc" in texts
    assert "ỦY BAN NHÂN DÂN TỈNH SÓC TRĂNG" in texts
    assert any("25/07/2023" in str(t) for t in texts)
    assert any(str(t).startswith("Sóc Trăng, ngày") for t in texts)
    assert any(c.value == "NGƯỜI LẬP BÁO CÁO" for row in sheet.iter_rows() for c in row)
    merged = {str(r) for r in sheet.merged_cells.ranges}
    header = next(r[0].row for r in sheet.iter_rows() if r[0].value == "TT")
    assert f"A{header}:A{header + 1}" in merged  # TT spans both header rows
    assert f"E{header}:G{header}" in merged  # "Kết quả trong ngày" over its three columns
    city = next(r for r in sheet.iter_rows() if r[1].value == "Thành phố Sóc Trăng")
    assert city[2].number_format == "#,##0"
    assert city[1].font.name == "Times New Roman"
    assert city[2].border.left.style == "thin"
    assert sheet.freeze_panes == f"C{header + 2}"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${header}:${header + 1}"


def test_by_day_sheet(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)[BY_DAY]
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "TT")
    assert header[3] == "18/07" and header[-1] == "25/07"
    by_name = rows_by_first(sheet, 2)
    chau_thanh = by_name["Huyện Châu Thành"]
    days = list(header[3:])
    assert chau_thanh[2] == 1415
    assert chau_thanh[3 + days.index("21/07")] == 1
    assert chau_thanh[3 + days.index("24/07")] == 1
    assert sum(chau_thanh[3:]) == 2
    city = by_name["Thành phố Sóc Trăng"]
    assert city[3 + days.index("25/07")] == 2


def test_breakdown_sheets_match_tally(workbook_path: Path, session: Session) -> None:
    workbook = load_workbook(workbook_path)
    for sheet_name, by, key_column in (
        (BY_COMMUNE, TallyBy.COMMUNE, 1),
        (BY_POINT, TallyBy.POINT, 1),
        (BY_OPERATOR, TallyBy.OPERATOR, 1),
    ):
        sheet = workbook[sheet_name]
        cells = rows_by_first(sheet, key_column)
        expected = tally(session, AS_OF, by)
        width = len(next(iter(cells.values())))
        for row in expected.rows:
            found = cells[row.code]
            results = found[width - 7 : width - 1]
            assert results == (
                row.level1_on_day,
                row.level2_on_day,
                row.activated_on_day,
                row.level1,
                row.level2,
                row.activated,
            ), (sheet_name, row.code)
    communes = workbook[BY_COMMUNE]
    assert rows_by_first(communes, 1)[PHUONG_5][2] == "Thành phố Sóc Trăng"


def test_text_that_looks_like_a_formula_stays_text(workbook_path: Path) -> None:
    sheet = load_workbook(workbook_path)[BY_POINT]
    cell = next(c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYPER"))
    assert cell.data_type == "s"


def test_no_personal_data(workbook_path: Path) -> None:
    workbook = load_workbook(workbook_path)
    everything = " ".join(
        str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value
    )
    for personal in ("Trần Thị Mỹ Linh", "Lê Văn Bình", "094190", "0912345678"):
        assert personal not in everything


def test_a_report_that_cannot_be_written_says_so_and_leaves_nothing(
    session: Session, tmp_path: Path
) -> None:
    known_world(session)
    session.commit()
    folder = tmp_path / "báo cáo"
    taken = folder / "bao-cao.xlsx"
    taken.mkdir(parents=True)  # a folder of that name: the finished file cannot take its place
    with pytest.raises(StorageError) as raised:
        write_report(session, CLI, AS_OF, taken)
    message = str(raised.value)
    assert message.startswith(f"Không ghi được tệp báo cáo «{taken}»: ")
    assert message.endswith("tệp không đang mở trong Excel, và quyền ghi thư mục.")
    assert list(folder.iterdir()) == [taken] and not any(taken.iterdir())


def test_a_day_before_the_campaign_is_refused_and_nothing_written(
    session: Session, tmp_path: Path
) -> None:
    known_world(session)
    session.commit()
    out = tmp_path / "bao-cao.xlsx"
    with pytest.raises(UserError) as raised:
        write_report(session, CLI, date(2023, 7, 1), out)
    assert str(raised.value) == (
        "Ngày tính đến 01/07/2023 trước ngày bắt đầu đợt (18/07/2023): chưa có số liệu để báo "
        "cáo. Chọn một ngày từ 18/07/2023 trở đi."
    )
    assert not out.exists()
    # The first day itself is a report (of that day's work).
    assert write_report(session, CLI, date(2023, 7, 18), out).exists()


def test_a_report_named_other_than_xlsx_is_saved_as_a_workbook_the_name_says(
    session: Session, tmp_path: Path
) -> None:
    """`report --out bao-cao.pdf` (or no extension) writes `bao-cao.pdf.xlsx`, as the window and
    the detail list do: a workbook under another extension would not open where it is clicked."""
    known_world(session)
    for name in ("bao-cao.pdf", "bao-cao"):
        path = write_report(session, CLI, date(2023, 7, 25), tmp_path / name)
        assert path == tmp_path / f"{name}.xlsx"
        assert not (tmp_path / name).exists()
        assert load_workbook(path)[SUMMARY] is not None
