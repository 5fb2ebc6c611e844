"""Who may be helped: 14 or older on the day of the case; 29 February birthdays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import ValidationError
from services.person.eligibility import MIN_AGE, age_on, check_eligible

DATES = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def anniversary(birth: date, years: int) -> date:
    """The day someone born on `birth` completes `years`: 29 February -> 1 March."""
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:
        return date(birth.year + years, 3, 1)


def reference_age(birth: date, day: date) -> int:
    """Count anniversaries one by one: slow, obviously right."""
    years = 0
    while anniversary(birth, years + 1) <= day:
        years += 1
    return years


def test_min_age_is_14() -> None:
    assert MIN_AGE == 14


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2009, 7, 18), date(2023, 7, 18), 14),  # the 14th birthday itself
        (date(2009, 7, 19), date(2023, 7, 18), 13),  # one day short
        (date(2009, 7, 17), date(2023, 7, 18), 14),
        (date(1990, 3, 15), date(2023, 8, 1), 33),
        (date(1990, 12, 31), date(2023, 1, 1), 32),
        (date(2023, 7, 18), date(2023, 7, 18), 0),
        (date(1930, 1, 1), date(2023, 12, 31), 93),
    ],
)
def test_age_on(birth: date, day: date, age: int) -> None:
    assert age_on(birth, day) == age


@pytest.mark.parametrize(
    ("day", "age"),
    [
        (date(2022, 2, 28), 13),
        (date(2022, 3, 1), 14),  # no 29 February in 2022: turns 14 on 1 March
        (date(2023, 2, 28), 14),
        (date(2023, 3, 1), 15),
        (date(2024, 2, 28), 15),
        (date(2024, 2, 29), 16),  # a real 29 February
    ],
)
def test_29_february_birthday(day: date, age: int) -> None:
    assert age_on(date(2008, 2, 29), day) == age


def test_eligible_on_the_14th_birthday() -> None:
    check_eligible(date(2009, 7, 18), date(2023, 7, 18))
    check_eligible(date(1950, 1, 1), date(2023, 7, 18))


def test_not_eligible_the_day_before_the_14th_birthday() -> None:
    with pytest.raises(ValidationError) as caught:
        check_eligible(date(2009, 7, 19), date(2023, 7, 18))
    error = caught.value
    assert error.field == "birth_date"
    assert "19/07/2009" in error.message
    assert "mới 13 tuổi" in error.message
    assert "18/07/2023" in error.message
    assert "chưa đủ 14 tuổi" in error.message


def test_29_february_child_becomes_eligible_on_1_march() -> None:
    with pytest.raises(ValidationError):
        check_eligible(date(2008, 2, 29), date(2022, 2, 28))
    check_eligible(date(2008, 2, 29), date(2022, 3, 1))


def test_birth_after_the_day_is_its_own_error() -> None:
    with pytest.raises(ValidationError) as caught:
        check_eligible(date(2023, 7, 19), date(2023, 7, 18))
    assert "Ngày sinh 19/07/2023 ở sau ngày thu nhận 18/07/2023" in caught.value.message
    assert caught.value.field == "birth_date"


def test_min_age_is_a_parameter() -> None:
    check_eligible(date(2010, 1, 1), date(2023, 7, 18), min_age=13)
    with pytest.raises(ValidationError) as caught:
        check_eligible(date(2005, 8, 1), date(2023, 7, 18), min_age=18)
    assert "chưa đủ 18 tuổi" in caught.value.message
    assert "mới 17 tuổi" in caught.value.message


@given(DATES, DATES)
def test_age_on_matches_counting_anniversaries(birth: date, day: date) -> None:
    if day < birth:
        return
    assert age_on(birth, day) == reference_age(birth, day)


@given(DATES, st.integers(min_value=0, max_value=120))
def test_age_turns_over_exactly_on_the_anniversary(birth: date, years: int) -> None:
    turning = anniversary(birth, years)
    assert age_on(birth, turning) == years
    if years > 0:
        assert age_on(birth, turning - timedelta(days=1)) == years - 1


@given(DATES, DATES)
def test_age_never_decreases_with_the_day(birth: date, day: date) -> None:
    if day < birth or day == date.max:
        return
    assert age_on(birth, day) <= age_on(birth, day + timedelta(days=1))


@given(DATES, DATES)
def test_check_eligible_agrees_with_age_on(birth: date, day: date) -> None:
    if birth > day:
        with pytest.raises(ValidationError, match="ở sau ngày thu nhận"):
            check_eligible(birth, day)
    elif age_on(birth, day) >= MIN_AGE:
        check_eligible(birth, day)
    else:
        with pytest.raises(ValidationError, match="chưa đủ 14 tuổi"):
            check_eligible(birth, day)
