"""Cell helpers for imported spreadsheets: text, digits that lost their zeros, dates, headers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import ValidationError
from services.spreadsheets.reader import (
    Cell,
    cell_text,
    date_cell,
    digits_cell,
    header_map,
    moment_cell,
)

# --- cell_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "text"),
    [
        (None, ""),
        ("  Trần   Thị Mỹ Linh ", "Trần Thị Mỹ Linh"),
        (12, "12"),
        (12.0, "12"),
        (12.5, "12.5"),
        (-3.0, "-3"),
        (True, "True"),
        (False, "False"),
        (date(2023, 7, 18), "2023-07-18"),
        (datetime(2023, 7, 18, 8, 30), "2023-07-18T08:30:00"),
        ("", ""),
    ],
)
def test_cell_text(cell: Cell, text: str) -> None:
    assert cell_text(cell) == text


# --- digits_cell --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "width", "text"),
    [
        (94190012345, 12, "094190012345"),  # Excel dropped the leading zero
        (94190012345.0, 12, "094190012345"),
        ("094190012345", 12, "094190012345"),
        (912345678, 10, "0912345678"),
        (912345678.0, 10, "0912345678"),
        (1573, 5, "01573"),
        (31573, 5, "31573"),
        ("31573", 5, "31573"),
        (" 0912 345 678 ", 10, "0912 345 678"),  # text is cleaned, not reformatted
        (None, 12, ""),
        (1.5, 5, "1.5"),  # not a whole number: left for the validator to reject
    ],
)
def test_digits_cell(cell: Cell, width: int, text: str) -> None:
    assert digits_cell(cell, width) == text


def test_digits_cell_does_not_pad_booleans() -> None:
    assert digits_cell(True, 12) == "True"
    assert digits_cell(False, 5) == "False"


@given(st.from_regex(r"\A[0-9]{12}\Z"))
def test_id_number_stored_as_a_number_comes_back(number: str) -> None:
    assert digits_cell(int(number), 12) == number
    assert digits_cell(float(int(number)), 12) == number
    assert digits_cell(number, 12) == number


@given(st.integers(min_value=0, max_value=10**10 - 1))
def test_phone_stored_as_a_number_comes_back_at_width(value: int) -> None:
    text = digits_cell(value, 10)
    assert len(text) == 10
    assert int(text) == value
    assert digits_cell(float(value), 10) == text


# --- date_cell ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell",
    [
        date(1990, 3, 15),
        datetime(1990, 3, 15, 0, 0),
        datetime(1990, 3, 15, 23, 59),
        "15/03/1990",
        " 15.3.1990 ",
        "1990-03-15",
    ],
)
def test_date_cell(cell: Cell) -> None:
    day = date_cell(cell, "Ngày sinh")
    assert day == date(1990, 3, 15)
    assert type(day) is date


@pytest.mark.parametrize("cell", [None, "", "   "])
def test_date_cell_missing(cell: Cell) -> None:
    with pytest.raises(ValidationError) as caught:
        date_cell(cell, "Ngày sinh")
    assert caught.value.message == "Thiếu ngày sinh."


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("31/02/1990", "không có thật"),
        ("mười lăm", "không đúng dạng"),
        (19900315, "không đúng dạng"),
    ],
)
def test_date_cell_bad(cell: Cell, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        date_cell(cell, "Ngày sinh")
    assert caught.value.message.startswith("Ngày sinh")
    assert words in caught.value.message


# --- moment_cell --------------------------------------------------------------------------


def test_moment_cell_from_excel_is_vietnam_wall_clock() -> None:
    moment = moment_cell(datetime(2023, 7, 18, 8, 30), "Thời điểm")
    assert moment == datetime(2023, 7, 18, 1, 30, tzinfo=UTC)


def test_moment_cell_from_text() -> None:
    assert moment_cell("18/07/2023 08:30", "Thời điểm") == datetime(2023, 7, 18, 1, 30, tzinfo=UTC)


@pytest.mark.parametrize("cell", [None, "", "  "])
def test_moment_cell_missing(cell: Cell) -> None:
    with pytest.raises(ValidationError) as caught:
        moment_cell(cell, "Thời điểm kích hoạt")
    assert caught.value.message == "Thiếu thời điểm kích hoạt."


def test_moment_cell_bad_text() -> None:
    with pytest.raises(ValidationError) as caught:
        moment_cell("18/07/2023 25:00", "Thời điểm kích hoạt")
    assert "không có thật trên lịch" in caught.value.message


@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30)))
def test_moment_cell_naive_datetime_is_seven_hours_ahead_of_utc(wall: datetime) -> None:
    moment = moment_cell(wall, "Thời điểm")
    assert moment.utcoffset() == timedelta(0)
    assert moment == wall.replace(tzinfo=UTC) - timedelta(hours=7)


# --- header_map ---------------------------------------------------------------------------

KNOWN = {"id_number": "Số định danh", "full_name": "Họ và tên", "phone": "Số điện thoại"}


def test_header_map_ignores_case_diacritics_and_spaces() -> None:
    cells: list[Cell] = ["STT", "HỌ VÀ TÊN", None, "so dinh danh", "Số  điện-thoại"]
    assert header_map(cells, KNOWN) == {"full_name": 1, "id_number": 3, "phone": 4}


def test_header_map_first_column_wins_and_unknown_are_skipped() -> None:
    cells: list[Cell] = ["Họ và tên", "Ghi chú", "Họ và tên", 123, None]
    assert header_map(cells, KNOWN) == {"full_name": 0}


def test_header_map_of_an_empty_row() -> None:
    assert header_map([], KNOWN) == {}
    assert header_map([None, None], KNOWN) == {}


@given(st.permutations(list(KNOWN.values())))
def test_header_map_finds_every_known_header_in_any_order(headers: list[str]) -> None:
    found = header_map(list(headers), KNOWN)
    assert set(found) == set(KNOWN)
    for key, index in found.items():
        assert headers[index] == KNOWN[key]


@pytest.mark.parametrize(
    ("written", "read"),
    [("'+84 912 345 678", "+84 912 345 678"), ("'=1+2", "=1+2"), ("'abc", "'abc"), ("'", "'")],
)
def test_the_quote_our_exports_put_before_a_formula_is_read_back_off(
    written: str, read: str
) -> None:
    assert cell_text(written) == read
