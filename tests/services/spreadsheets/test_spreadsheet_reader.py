"""`read_rows` on ordinary and hostile files: nothing in a file is trusted.

Every hostile file is generated here (see `tests/hostile_files.py`); each test runs in
seconds and the ones that could blow up check how much memory the reader took.
"""

from __future__ import annotations

import contextlib
import csv
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from services.cases.records import COLUMNS, import_records
from services.common.errors import ValidationError
from services.spreadsheets import reader as spreadsheet
from services.spreadsheets.reader import (
    MAX_CELL_CHARS,
    MAX_COLUMNS,
    UnreadableFileError,
    digits_cell,
    read_rows,
)
from tests import hostile_files as hostile
from tests.factories import CLI
from tests.services.cases.test_records_import import good_rows

HEADER: list[object] = ["Số định danh", "Họ và tên", "Ghi chú"]
HEADER_ROW: list[object] = list(COLUMNS.values())


def people(count: int) -> list[list[object]]:
    return [HEADER] + [[f"0941{i:08d}", f"Người {i}", "ghi chú"] for i in range(count)]


def refused(path: Path) -> str:
    with pytest.raises(UnreadableFileError) as caught:
        list(read_rows(path))
    return str(caught.value)


def measured(work: Callable[[], object]) -> tuple[float, int]:
    """(seconds, peak bytes allocated through Python) of `work`, a refusal included.

    The time is taken in a run of its own (tracemalloc slows Python down several times); the
    bounds are loose (the machine may be busy): they tell seconds from minutes."""
    started = time.perf_counter()
    with contextlib.suppress(UnreadableFileError):
        work()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        with contextlib.suppress(UnreadableFileError):
            work()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return seconds, peak


# --- ordinary workbooks -------------------------------------------------------------------


def test_openpyxl_workbook_values(tmp_path: Path) -> None:
    path = hostile.openpyxl_xlsx(
        tmp_path / "a.xlsx",
        [
            ["Chữ", "Số", "Thực", "Ngày", "Đúng", None, "Cuối"],
            ["Nguyễn Thị Ánh", 94190012345, 1.5, datetime(2023, 7, 18, 8, 30), True, None, "x"],
            [],
            [None, None, None, date(1990, 3, 15)],
        ],
    )
    rows = list(read_rows(path))
    assert rows[0] == (1, ["Chữ", "Số", "Thực", "Ngày", "Đúng", None, "Cuối"])
    assert rows[1] == (
        2,
        ["Nguyễn Thị Ánh", 94190012345, 1.5, datetime(2023, 7, 18, 8, 30), True, None, "x"],
    )
    # An empty row is skipped; the next keeps its own number.
    assert rows[2] == (4, [None, None, None, datetime(1990, 3, 15)])
    assert len(rows) == 3


def test_preferred_sheet_else_the_first(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "Hướng dẫn"
    first.append(["đọc tôi trước"])
    workbook.create_sheet("Hồ sơ").append(["dữ liệu"])
    path = tmp_path / "hai-trang.xlsx"
    workbook.save(path)
    assert list(read_rows(path, "Hồ sơ")) == [(1, ["dữ liệu"])]
    assert list(read_rows(path, "Không có")) == [(1, ["đọc tôi trước"])]
    assert list(read_rows(path)) == [(1, ["đọc tôi trước"])]


def test_cells_without_references_and_dates_by_style(tmp_path: Path) -> None:
    sheet = [
        "<sheetData>",
        '<row><c t="inlineStr"><is><t>không r</t></is></c><c s="1"><v>45125</v></c></row>',
        '<row><c t="s"><v>0</v></c><c t="b"><v>0</v></c><c t="e"><v>#N/A</v></c>'
        '<c t="str"><f>A1</f><v>công thức</v></c><c><v>1e3</v></c></row>',
        '<row r="7"><c r="C7" t="inlineStr"><is><r><t>chữ </t></r><r><t>giàu</t></r>'
        "<rPh><t>phiên âm</t></rPh></is></c></row>",
        "</sheetData>",
    ]
    path = hostile.raw_xlsx(tmp_path / "r.xlsx", sheet, ["<si><t>chung</t></si>"])
    assert list(read_rows(path)) == [
        (1, ["không r", datetime(2023, 7, 18)]),
        (2, ["chung", False, "#N/A", "công thức", 1000.0]),
        (7, [None, None, "chữ giàu"]),
    ]


def test_at_most_max_columns_are_read(tmp_path: Path) -> None:
    wide: list[list[object]] = [[f"c{i}" for i in range(1, MAX_COLUMNS + 40)]]
    rows = list(read_rows(hostile.openpyxl_xlsx(tmp_path / "wide.xlsx", wide)))
    assert rows == [(1, [f"c{i}" for i in range(1, MAX_COLUMNS + 1)])]
    csv_path = hostile.write_text(tmp_path / "wide.csv", ",".join(str(c) for c in wide[0]) + "\n")
    assert list(read_rows(csv_path)) == rows
    far = ['<sheetData><row r="1"><c r="XFD1" t="inlineStr"><is><t>xa</t></is></c>', "</row>"]
    assert list(read_rows(hostile.raw_xlsx(tmp_path / "far.xlsx", [*far, "</sheetData>"]))) == []


# --- item 3: the <dimension> lies ---------------------------------------------------------


@pytest.mark.parametrize("ref", ["A1:M10", "A1", "B2:B2", "A1:XFD1048576"])
def test_dimension_is_ignored(tmp_path: Path, ref: str) -> None:
    path = hostile.lying_dimension_xlsx(tmp_path / "dim.xlsx", people(49), ref)
    rows = list(read_rows(path))
    assert len(rows) == 50
    assert rows[0] == (1, HEADER)
    assert rows[-1] == (50, ["094100000048", "Người 48", "ghi chú"])


def test_lying_dimension_imports_every_row(tmp_path: Path) -> None:
    # What `records import` sees: the header, and then all 49 rows after it.
    path = hostile.lying_dimension_xlsx(tmp_path / "dim.xlsx", people(49), "A1:M10")
    numbers = [number for number, _ in read_rows(path, "Hồ sơ")]
    assert numbers == list(range(1, 51))


# --- item 4: bombs, huge cells, blank rows ------------------------------------------------


def test_zip_bomb_is_refused_by_its_ratio_before_parsing(tmp_path: Path) -> None:
    path = hostile.zip_bomb_xlsx(tmp_path / "bom.xlsx", megabytes=64)
    assert path.stat().st_size < 1 << 20
    seconds, peak = measured(lambda: list(read_rows(path)))
    message = refused(path)
    assert "nén hơn 200 lần" in message and "sheet1.xml" in message
    assert seconds < 10 and peak < 5 << 20, (seconds, peak)


def test_a_bomb_in_a_part_never_unpacked_is_harmless(tmp_path: Path) -> None:
    path = hostile.raw_xlsx(
        tmp_path / "anh.xlsx", ["<sheetData>", hostile.inline_row(1, ["có ảnh"]), "</sheetData>"]
    )
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/media/image1.bmp", bytes(32 << 20))
    assert list(read_rows(path)) == [(1, ["có ảnh"])]


def test_declared_size_over_the_part_limit_is_refused(tmp_path: Path) -> None:
    path = hostile.raw_xlsx(tmp_path / "lon.xlsx", ["<sheetData></sheetData>"])
    hostile.declare_size(path, "xl/worksheets/sheet1.xml", 1 << 30)
    message = refused(path)
    assert "giải nén ra 1.024 MB" in message and "giới hạn 200 MB" in message


def test_one_gigabyte_shared_string_is_refused_by_declared_size(tmp_path: Path) -> None:
    path = hostile.raw_xlsx(
        tmp_path / "o.xlsx",
        ['<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'],
        ["<si><t>" + "a" * 1000 + "</t></si>"],
    )
    hostile.declare_size(path, "xl/sharedStrings.xml", (1 << 30) - 1)
    assert "sharedStrings.xml" in refused(path)


def test_huge_shared_string_is_refused_without_being_held(tmp_path: Path) -> None:
    path = hostile.huge_shared_string_xlsx(tmp_path / "o-lon.xlsx", megabytes=24)
    seconds, peak = measured(lambda: list(read_rows(path)))
    message = refused(path)
    assert "dài hơn 64 KB" in message and "1.000 ký tự" in message
    assert seconds < 15 and peak < 8 << 20, (seconds, peak)


def test_huge_inline_cell_in_the_sheet_is_refused(tmp_path: Path) -> None:
    cell = "x" * (200 << 10)
    sheet = [f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{cell}</t></is></c></row>']
    assert "dài hơn 64 KB" in refused(
        hostile.raw_xlsx(tmp_path / "i.xlsx", [*sheet, "</sheetData>"])
    )
    attribute = f'<sheetData><row r="1" x="{cell}"/></sheetData>'
    assert "thuộc tính" in refused(hostile.raw_xlsx(tmp_path / "a.xlsx", [attribute]))


def test_cell_over_the_reader_limit_is_named(tmp_path: Path) -> None:
    long = "ư" * (MAX_CELL_CHARS + 1)
    rows: list[list[object]] = [["a", "b"], ["ngắn", "x" * MAX_CELL_CHARS], ["ngắn", long]]
    message = refused(hostile.openpyxl_xlsx(tmp_path / "dai.xlsx", rows))
    assert "dòng 3, cột B" in message and "1.000 ký tự" in message
    inline = hostile.raw_xlsx(
        tmp_path / "dai2.xlsx", ["<sheetData>", hostile.inline_row(4, ["a", long]), "</sheetData>"]
    )
    assert "dòng 4, cột B" in refused(inline)


def test_trailing_blank_rows_cost_seconds(tmp_path: Path) -> None:
    path = hostile.blank_rows_xlsx(tmp_path / "trong.xlsx", data_rows=20, blank_rows=600_000)
    seconds, peak = measured(lambda: list(read_rows(path)))
    rows = list(read_rows(path))
    assert [number for number, _ in rows] == list(range(1, 21))
    assert seconds < 20 and peak < 10 << 20, (seconds, peak)


def test_data_after_a_long_blank_run_is_refused(tmp_path: Path) -> None:
    path = hostile.blank_rows_xlsx(tmp_path / "giua.xlsx", data_rows=5, blank_rows=20_000, then=2)
    message = refused(path)
    assert "sau dòng 5" in message and "10.000 dòng trống" in message


def test_shorter_blank_runs_are_read_through(tmp_path: Path) -> None:
    path = hostile.blank_rows_xlsx(tmp_path / "ngan.xlsx", data_rows=5, blank_rows=9_000, then=2)
    assert [n for n, _ in read_rows(path)] == [1, 2, 3, 4, 5, 9006, 9007]


def test_too_many_rows_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 30)
    message = refused(hostile.openpyxl_xlsx(tmp_path / "nhieu.xlsx", people(40)))
    assert "hơn 30 dòng" in message
    csv_path = hostile.write_text(
        tmp_path / "nhieu.csv", "\n".join(",".join(map(str, r)) for r in people(40)) + "\n"
    )
    assert "hơn 30 dòng" in refused(csv_path)


def test_many_distinct_shared_strings_stay_compact(tmp_path: Path) -> None:
    count = 200_000
    strings = (f"<si><t>Nguyễn Văn {i}</t></si>" for i in range(count))
    last = f'<sheetData><row r="1"><c r="A1" t="s"><v>{count - 1}</v></c></row></sheetData>'
    path = hostile.raw_xlsx(tmp_path / "chuoi.xlsx", [last], strings)
    assert list(read_rows(path)) == [(1, [f"Nguyễn Văn {count - 1}"])]
    _seconds, peak = measured(lambda: list(read_rows(path)))
    # About 20 bytes a string, where a list of str would take 80 or more.
    assert peak < 12 << 20, peak


def test_doctype_and_entities_are_refused(tmp_path: Path) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    path = hostile.raw_xlsx(tmp_path / "x.xlsx", ["<sheetData></sheetData>"])
    with zipfile.ZipFile(path) as archive:
        items = {name: archive.read(name) for name in archive.namelist()}
    items["xl/sharedStrings.xml"] = (laughs + "<sst><si><t>&lol2;</t></si></sst>").encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in items.items():
            archive.writestr(name, data)
    assert "DOCTYPE" in refused(path)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not a zip at all", "không phải tệp .xlsx"),
        (b"PK\x03\x04" + b"\x00" * 40, "không phải tệp .xlsx"),
    ],
)
def test_not_a_workbook(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "gia.xlsx"
    path.write_bytes(content)
    assert words in refused(path)


def test_the_kinds_of_file_the_readme_names(tmp_path: Path) -> None:
    """README, `records import`: .xlsx (or .xlsm), .csv (or .txt, Excel's "Text (Tab
    delimited)", read as CSV); any other kind refused, naming the two to save as."""
    rows = [(1, ["Số định danh", "Họ và tên"]), (2, ["094190012345", "Nguyễn Thị Ánh"])]
    for name in ("a.xlsx", "a.xlsm"):
        path = hostile.openpyxl_xlsx(tmp_path / name, [cells for _, cells in rows])
        assert list(read_rows(path)) == rows
    text = "Số định danh\tHọ và tên\n094190012345\tNguyễn Thị Ánh\n"
    for name in ("a.csv", "a.txt"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert list(read_rows(tmp_path / name)) == rows
    for name in ("a.xls", "a.ods", "a"):
        (tmp_path / name).write_bytes((tmp_path / "a.xlsx").read_bytes())
        assert "không phải .xlsx hoặc .csv" in refused(tmp_path / name)


def test_damaged_parts_are_refused_in_vietnamese(tmp_path: Path) -> None:
    broken = hostile.raw_xlsx(tmp_path / "hong.xlsx", ['<sheetData><row r="1"><c r="A1">'])
    assert "bị hỏng" in refused(broken)
    control = hostile.raw_xlsx(
        tmp_path / "dk.xlsx", ['<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a&#1;</t>']
    )
    assert "bị hỏng" in refused(control)
    missing = hostile.raw_xlsx(
        tmp_path / "thieu.xlsx",
        ['<sheetData><row r="1"><c r="A1" t="s"><v>5</v></c></row>', "</sheetData>"],
    )
    assert "chuỗi số 5" in refused(missing)
    truncated = tmp_path / "cut.xlsx"
    data = hostile.openpyxl_xlsx(tmp_path / "full.xlsx", people(200)).read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    assert "không phải tệp .xlsx" in refused(truncated)
    # The kind of damage in Vietnamese, never the library's class name.
    assert "(không phải tệp nén .xlsx hợp lệ)" in refused(truncated)
    assert "(nội dung bên trong bị hỏng)" in refused(broken)
    for message in (refused(broken), refused(control), refused(truncated)):
        for english in ("BadZipFile", "ExpatError", "Error)", "error"):
            assert english not in message, message


def test_control_characters_in_cells_come_through_for_the_validators(tmp_path: Path) -> None:
    # Excel writes a control character as _x0001_; a CSV holds it raw. The reader passes both
    # on: what a field may hold is decided by the field's own check (`clean_text`).
    sheet = ["<sheetData>", hostile.inline_row(1, ["a_x0001_b", "\u202eabc"]), "</sheetData>"]
    assert list(read_rows(hostile.raw_xlsx(tmp_path / "dk.xlsx", sheet))) == [
        (1, ["a_x0001_b", "\u202eabc"])
    ]
    path = hostile.write_text(tmp_path / "dk.csv", "a,b\n1\x00,\x1bx\u202e\n")
    assert list(read_rows(path)) == [(1, ["a", "b"]), (2, ["1\x00", "\x1bx\u202e"])]


# --- item 6: CSV quoting ------------------------------------------------------------------


def csv_lines(count: int = 10) -> list[str]:
    return [",".join(map(str, HEADER))] + [
        f"0941000000{i:02d},Người {i},ghi chú" for i in range(count)
    ]


@pytest.mark.parametrize("line", [2, 4, 9, 11])
def test_stray_quote_is_refused_with_its_line(tmp_path: Path, line: int) -> None:
    lines = csv_lines()
    lines[line - 1] = lines[line - 1].replace("Người", '"Người')
    message = refused(hostile.write_text(tmp_path / "lech.csv", "\n".join(lines) + "\n"))
    assert f"dòng {line}:" in message and "ngoặc kép" in message


def test_text_after_a_closing_quote_is_refused(tmp_path: Path) -> None:
    path = hostile.write_text(tmp_path / "sau.csv", 'a,b\n1,"x"y\n2,z\n')
    assert "dòng 2:" in refused(path)


def test_quotes_that_are_fine(tmp_path: Path) -> None:
    lines = csv_lines(4)
    lines[2] = '094100000001,Người "Tí" 1,ghi chú'  # a quote inside an unquoted cell
    lines[3] = '094100000002,"Trần ""Bé"" Hai","Ấp 3,\nxã Phú Tâm"'  # escaped, a line break
    rows = list(read_rows(hostile.write_text(tmp_path / "dung.csv", "\n".join(lines) + "\n")))
    assert rows[2] == (3, ["094100000001", 'Người "Tí" 1', "ghi chú"])
    assert rows[3] == (4, ["094100000002", 'Trần "Bé" Hai', "Ấp 3,\nxã Phú Tâm"])
    assert rows[4] == (5, ["094100000003", "Người 3", "ghi chú"])


def test_a_quoted_cell_spanning_many_lines_is_refused(tmp_path: Path) -> None:
    text = 'a,b\n1,"' + "\n".join(["dòng"] * 8) + '"\n2,x\n'
    assert "dòng 2:" in refused(hostile.write_text(tmp_path / "nhieu.csv", text))


@pytest.mark.parametrize(("lines", "bad"), [(10, 5), (10, 11), (2000, 1990), (2000, 2)])
def test_not_utf8_names_the_line_of_the_bad_byte(tmp_path: Path, lines: int, bad: int) -> None:
    """`không phải mã UTF-8 (lỗi ở dòng N)`: N is the line that holds the byte, even when the
    text is decoded ahead of the lines read (a byte late in a long file, or on the last line)."""
    encoded = [line.encode("utf-8") for line in csv_lines(lines)]
    encoded.append(b"")  # the line after the last line break
    encoded[bad - 1] = encoded[bad - 1][:-4] + b"\xff" + encoded[bad - 1][-4:]
    path = tmp_path / "latin.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(encoded))
    message = refused(path)
    assert f"không phải mã UTF-8 (lỗi ở dòng {bad})" in message


def test_csv_limits(tmp_path: Path) -> None:
    long_cell = hostile.write_text(
        tmp_path / "o.csv", "a,b\n1," + "x" * (MAX_CELL_CHARS + 1) + "\n"
    )
    assert "dòng 2, cột B" in refused(long_cell)
    long_line = hostile.write_text(tmp_path / "d.csv", "a,b\n1," + "x" * 200_000 + "\n")
    _seconds, peak = measured(lambda: list(read_rows(long_line)))
    assert "dòng 2: dài hơn 100.000 ký tự" in refused(long_line)
    assert peak < 4 << 20
    latin = tmp_path / "l.csv"
    latin.write_bytes("a,b\n1,2\n3,Nguyên\n".encode("latin-1"))
    assert "không phải mã UTF-8 (lỗi ở dòng" in refused(latin)


def test_csv_blank_lines_are_cheap(tmp_path: Path) -> None:
    path = tmp_path / "trong.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("a,b\n1,2\n")
        handle.write(",,,,,,,,,,,,\n" * 500_000)
    started = time.perf_counter()
    count = sum(1 for _ in read_rows(path))
    assert count == 500_002 and time.perf_counter() - started < 30


# --- item 9: ID numbers that went through a number ----------------------------------------


@pytest.mark.parametrize(
    "cell",
    ["94062500001.0", "94062500001,0", "094062500001.00", "9.40625E+10", "9,40625E+10", "9.4E10"],
)
def test_text_written_like_a_number_is_refused_with_the_reason(cell: str) -> None:
    with pytest.raises(ValidationError) as caught:
        digits_cell(cell, 12)
    message = caught.value.message
    assert f"«{cell}»" in message and "Văn bản (Text)" in message and "gõ lại" in message


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (94062500001.0, "094062500001"),  # a whole number: the leading zero comes back
        (94062500001, "094062500001"),
        ("094062500001", "094062500001"),
        ("0912.345.678", "0912.345.678"),  # separators are the validator's business
        ("1.5", "1.5"),
    ],
)
def test_numbers_still_understood(cell: object, text: str) -> None:
    assert digits_cell(cell, 12) == text


def test_float_too_big_to_hold_its_digits_is_refused() -> None:
    with pytest.raises(ValidationError):
        digits_cell(9.4e20, 12)


def test_float_looking_ids_from_a_csv_reach_the_validator_as_refusals(tmp_path: Path) -> None:
    path = hostile.write_text(tmp_path / "so.csv", "Số định danh\n94062500001.0\n9.40625E+10\n")
    cells = [cells[0] for number, cells in read_rows(path) if number > 1]
    for cell in cells:
        with pytest.raises(ValidationError):
            digits_cell(cell, 12)


# --- through `records import` -------------------------------------------------------------


def test_records_import_reads_past_a_lying_dimension(session: Session, tmp_path: Path) -> None:
    rows = [HEADER_ROW, *good_rows()]
    path = hostile.lying_dimension_xlsx(tmp_path / "ho-so.xlsx", rows, "A1:M2")
    summary = import_records(session, CLI, path)
    assert (summary.rows_read, summary.created, summary.updated, len(summary.rejects)) == (
        4,
        2,
        2,
        0,
    )


def test_records_import_says_an_id_was_written_like_a_number(
    session: Session, tmp_path: Path
) -> None:
    row = list(good_rows()[0])
    row[0] = f"{int(str(row[0]))}.0"  # what a spreadsheet tool prints for a float
    path = tmp_path / "so.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER_ROW, row])
    summary = import_records(session, CLI, path, write_rejects=False)
    assert summary.created == 0
    (reject,) = summary.rejects
    assert reject.row == 2 and "Văn bản (Text)" in reject.reason and ".0»" in reject.reason
