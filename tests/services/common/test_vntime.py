"""Vietnam time (UTC+7): local days, end of day, and parsing dates and moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import ValidationError
from services.common.vntime import (
    VN_TZ,
    end_of_day_utc,
    format_date,
    format_moment,
    local_day,
    now_utc,
    parse_date,
    parse_iso_day,
    parse_moment,
    today_vn,
    vn_to_utc,
)
from tests.shared_validation import parse_or_refusal, validation_error

DAYS = st.dates(min_value=date(1900, 1, 2), max_value=date(2199, 12, 30))
MOMENTS = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30), timezones=st.just(UTC)
)


# --- local day and end of day -------------------------------------------------------------


def test_offset_is_seven_hours_without_daylight_saving() -> None:
    assert VN_TZ.utcoffset(datetime(2023, 1, 1)) == timedelta(hours=7)
    assert VN_TZ.utcoffset(datetime(2023, 7, 1)) == timedelta(hours=7)


def test_local_day_turns_over_at_17_00_utc() -> None:
    assert local_day(datetime(2023, 7, 18, 16, 59, 59, tzinfo=UTC)) == date(2023, 7, 18)
    assert local_day(datetime(2023, 7, 18, 17, 0, tzinfo=UTC)) == date(2023, 7, 19)
    assert local_day(datetime(2023, 7, 17, 17, 0, tzinfo=UTC)) == date(2023, 7, 18)


def test_local_day_of_a_moment_in_another_zone() -> None:
    paris = timezone(timedelta(hours=2))
    # 20:30 in Paris on 18/07 is 01:30 on 19/07 in Vietnam.
    assert local_day(datetime(2023, 7, 18, 20, 30, tzinfo=paris)) == date(2023, 7, 19)


def test_end_of_day_utc() -> None:
    end = end_of_day_utc(date(2023, 8, 18))
    assert end == datetime(2023, 8, 18, 17, 0, tzinfo=UTC)
    assert end.utcoffset() == timedelta(0)


@given(MOMENTS)
def test_a_moment_falls_in_its_local_day(moment: datetime) -> None:
    day = local_day(moment)
    assert end_of_day_utc(day - timedelta(days=1)) <= moment < end_of_day_utc(day)


@given(DAYS)
def test_days_are_24_hours_long(day: date) -> None:
    assert end_of_day_utc(day) - end_of_day_utc(day - timedelta(days=1)) == timedelta(days=1)
    assert local_day(end_of_day_utc(day)) == day + timedelta(days=1)
    assert local_day(end_of_day_utc(day) - timedelta(microseconds=1)) == day


def test_today_vn_is_the_local_day_of_now() -> None:
    before = local_day(now_utc())
    today = today_vn()
    after = local_day(now_utc())
    assert today in (before, after)
    assert now_utc().tzinfo is not None


def test_vn_to_utc() -> None:
    assert vn_to_utc(datetime(2023, 7, 18, 7, 0)) == datetime(2023, 7, 18, 0, 0, tzinfo=UTC)
    assert vn_to_utc(datetime(2023, 7, 18, 3, 0)) == datetime(2023, 7, 17, 20, 0, tzinfo=UTC)


def test_format_date_and_moment() -> None:
    assert format_date(date(2023, 7, 8)) == "08/07/2023"
    assert format_moment(datetime(2023, 7, 18, 14, 5, tzinfo=UTC)) == "18/07/2023 21:05"
    assert format_moment(datetime(2023, 7, 18, 17, 30, tzinfo=UTC)) == "19/07/2023 00:30"


# --- parse_date ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "18/07/2023",
        "18.07.2023",
        "18-07-2023",
        "18/7/2023",
        " 18/07/2023 ",
        "18/07/2023\r\n",
        "2023-07-18",
        " 2023-07-18 ",
    ],
)
def test_parse_date_forms(text: str) -> None:
    assert parse_date(text) == date(2023, 7, 18)


def test_parse_date_is_day_first() -> None:
    assert parse_date("01/02/2023") == date(2023, 2, 1)
    assert parse_date("8/7/2023") == date(2023, 7, 8)


@pytest.mark.parametrize(
    "text", ["31/02/2023", "29/02/2023", "00/01/2023", "18/13/2023", "2023-02-30"]
)
def test_parse_date_impossible_days(text: str) -> None:
    message = validation_error(parse_date, text, "Ngày sinh").message
    assert message.startswith("Ngày sinh")
    assert f"«{text}»" in message
    assert "không có thật trên lịch" in message


@pytest.mark.parametrize(
    "text",
    ["", "18/07/23", "2023/07/18", "18 07 2023", "hôm nay", "18/07/2023 08:30", "123/07/2023"],
)
def test_parse_date_wrong_shapes(text: str) -> None:
    message = validation_error(parse_date, text, "Ngày thu nhận").message
    assert message.startswith("Ngày thu nhận")
    assert "không đúng dạng ngày/tháng/năm" in message
    assert "18/07/2023" in message  # the example


def test_parse_date_29_february_in_a_leap_year() -> None:
    assert parse_date("29/02/2024") == date(2024, 2, 29)


@given(DAYS)
def test_format_then_parse_date_round_trips(day: date) -> None:
    assert parse_date(format_date(day)) == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.day}.{day.month}.{day.year}") == day


@given(st.text())
def test_parse_date_fuzz_raises_only_validation_error(text: str) -> None:
    parse_or_refusal(parse_date, text, "Ngày")


# --- parse_moment -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "18/07/2023 08:30",
        "18/07/2023 8:30",
        "18/07/2023 8h30",
        "18-07-2023 08:30",
        "18.07.2023  08:30",
        "18/07/2023T08:30",
        "18/07/2023 08:30:00",
        " 18/7/2023 08:30 ",
    ],
)
def test_parse_moment_forms(text: str) -> None:
    assert parse_moment(text) == datetime(2023, 7, 18, 1, 30, tzinfo=UTC)


def test_parse_moment_keeps_seconds_and_crosses_midnight_utc() -> None:
    assert parse_moment("19/07/2023 06:59:30") == datetime(2023, 7, 18, 23, 59, 30, tzinfo=UTC)
    assert local_day(parse_moment("19/07/2023 06:59")) == date(2023, 7, 19)


@pytest.mark.parametrize("text", ["18/07/2023 24:00", "18/07/2023 08:60", "31/06/2023 08:00"])
def test_parse_moment_impossible(text: str) -> None:
    message = validation_error(parse_moment, text, "Thời điểm kích hoạt").message
    assert message.startswith("Thời điểm kích hoạt")
    assert "không có thật trên lịch" in message


@pytest.mark.parametrize("text", ["", "18/07/2023", "08:30", "2023-07-18 08:30", "18/07/2023 0830"])
def test_parse_moment_wrong_shapes(text: str) -> None:
    message = validation_error(parse_moment, text).message
    assert message.startswith("Thời điểm")
    assert "giờ:phút" in message
    assert "18/07/2023 08:30" in message


@given(MOMENTS)
def test_format_then_parse_moment_round_trips_to_the_minute(moment: datetime) -> None:
    assert parse_moment(format_moment(moment)) == moment.replace(second=0, microsecond=0)


@given(st.text())
def test_parse_moment_fuzz_raises_only_validation_error(text: str) -> None:
    moment = parse_or_refusal(parse_moment, text, "Thời điểm")
    if not isinstance(moment, ValidationError):
        assert moment.utcoffset() == timedelta(0)


# --- parse_iso_day ------------------------------------------------------------------------


def test_parse_iso_day() -> None:
    assert parse_iso_day("2023-08-01") == date(2023, 8, 1)


@pytest.mark.parametrize("text", ["01/08/2023", "2023-02-30", "", "hôm qua"])
def test_parse_iso_day_rejects(text: str) -> None:
    message = validation_error(parse_iso_day, text).message
    assert f"«{text}»" in message
    assert "YYYY-MM-DD" in message


@given(DAYS)
def test_parse_iso_day_round_trips(day: date) -> None:
    assert parse_iso_day(day.isoformat()) == day
