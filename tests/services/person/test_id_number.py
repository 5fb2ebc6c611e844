"""The 12-digit personal identification number: normalise, decode, agree, sex, mask."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import ValidationError
from services.person.id_number import (
    FEMALE,
    MALE,
    IdFacts,
    check_id_agrees,
    decode_id_number,
    mask_id_number,
    normalise_id_number,
    parse_sex,
)
from tests.shared_validation import parse_or_refusal, validation_error

TWELVE_DIGITS = st.from_regex(r"\A[0-9]{12}\Z")
BIRTHS = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))
SEXES = st.sampled_from([MALE, FEMALE])


def id_for(birth: date, sex: str, tail: str = "012345", province: str = "094") -> str:
    """The generator, written from DOMAIN.md independently of the decoder."""
    century = {19: 0, 20: 2, 21: 4}[birth.year // 100] + (1 if sex == FEMALE else 0)
    return f"{province}{century}{birth.year % 100:02d}{tail}"


# --- normalise ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "094190012345",
        " 094190012345 ",
        "094 190 012 345",
        "094.190.012.345",
        "094-190-012-345",
        "094\t190\n012345\r\n",
        "0 9 4 1 9 0 0 1 2 3 4 5",
    ],
)
def test_normalise_removes_spaces_dots_and_dashes(text: str) -> None:
    assert normalise_id_number(text) == "094190012345"


@pytest.mark.parametrize("text", ["", "   ", " . - "])
def test_normalise_empty(text: str) -> None:
    error = validation_error(normalise_id_number, text)
    assert "Chưa nhập số định danh" in error.message
    assert error.field == "id_number"


@pytest.mark.parametrize(
    "text",
    [
        "09419001234O",  # letter O for zero
        "094/190/012/345",
        "０９４１９００１２３４５",  # full-width digits
        "٠٩٤١٩٠٠١٢٣٤٥",  # Arabic-Indic digits
        "094190012345²",
    ],
)
def test_normalise_rejects_anything_but_ascii_digits(text: str) -> None:
    error = validation_error(normalise_id_number, text)
    assert "chỉ được có chữ số" in error.message
    assert error.field == "id_number"


@pytest.mark.parametrize(("text", "count"), [("09419001234", 11), ("0941900123456", 13), ("1", 1)])
def test_normalise_wrong_length_says_how_many_digits(text: str, count: int) -> None:
    message = validation_error(normalise_id_number, text).message
    assert "đúng 12 chữ số" in message
    assert f"có {count} chữ số" in message


@given(TWELVE_DIGITS, st.lists(st.sampled_from([" ", ".", "-", "  ", "\t"]), max_size=12))
def test_normalise_undoes_any_separators(number: str, separators: list[str]) -> None:
    spaced = "".join(
        digit + (separators[i] if i < len(separators) else "") for i, digit in enumerate(number)
    )
    assert normalise_id_number(spaced) == number
    assert normalise_id_number(normalise_id_number(spaced)) == number


@given(st.text())
def test_normalise_fuzz_returns_twelve_ascii_digits_or_raises_validation_error(text: str) -> None:
    number = parse_or_refusal(normalise_id_number, text, "định danh")
    if not isinstance(number, ValidationError):
        assert len(number) == 12
        assert number.isascii() and number.isdigit()


# --- decode -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "year", "sex"),
    [
        ("094090012345", 1990, MALE),
        ("094190012345", 1990, FEMALE),
        ("094000012345", 1900, MALE),
        ("094199012345", 1999, FEMALE),
        ("094205012345", 2005, MALE),
        ("094308012345", 2008, FEMALE),
        ("094400012345", 2100, MALE),
        ("094599012345", 2199, FEMALE),
    ],
)
def test_decode_table(number: str, year: int, sex: str) -> None:
    assert decode_id_number(number) == IdFacts(province_code="094", birth_year=year, sex=sex)


def test_decode_normalises_first() -> None:
    facts = decode_id_number("001 190 012 345")
    assert facts == IdFacts(province_code="001", birth_year=1990, sex=FEMALE)


@pytest.mark.parametrize("digit", "6789")
def test_decode_rejects_century_digits_above_5(digit: str) -> None:
    error = validation_error(decode_id_number, f"094{digit}90012345")
    assert "chữ số thứ 4" in error.message
    assert f"là {digit}" in error.message
    assert "từ 0 đến 5" in error.message


@given(BIRTHS, SEXES, st.from_regex(r"\A[0-9]{3}\Z"), st.from_regex(r"\A[0-9]{6}\Z"))
def test_decode_agrees_with_the_generator(birth: date, sex: str, province: str, tail: str) -> None:
    number = id_for(birth, sex, tail, province)
    assert decode_id_number(number) == IdFacts(province, birth.year, sex)
    assert check_id_agrees(number, birth, sex) == IdFacts(province, birth.year, sex)


@given(TWELVE_DIGITS)
def test_decode_any_number(number: str) -> None:
    d4 = int(number[3])
    if d4 > 5:
        assert "chữ số thứ 4" in validation_error(decode_id_number, number).message
    else:
        facts = decode_id_number(number)
        assert 1900 <= facts.birth_year <= 2199
        assert facts.birth_year % 100 == int(number[4:6])
        assert facts.sex == (FEMALE if d4 in (1, 3, 5) else MALE)
        assert facts.province_code == number[:3]


# --- check_id_agrees ----------------------------------------------------------------------


def test_agreeing_number_returns_the_facts() -> None:
    facts = check_id_agrees("094190012345", date(1990, 3, 15), FEMALE)
    assert facts.birth_year == 1990
    assert facts.sex == FEMALE


def test_year_mismatch_names_both_years() -> None:
    error = validation_error(check_id_agrees, "094190012345", date(1991, 3, 15), FEMALE)
    assert error.field == "id_number"
    assert "không khớp" in error.message
    assert "năm sinh theo số định danh là 1990" in error.message
    assert "15/03/1991 (năm 1991)" in error.message
    assert "giới tính" not in error.message


def test_sex_mismatch_names_both_sexes() -> None:
    error = validation_error(check_id_agrees, "094190012345", date(1990, 3, 15), MALE)
    assert "giới tính theo số định danh là Nữ nhưng giới tính nhập là Nam" in error.message
    assert "năm sinh" not in error.message


def test_both_mismatches_are_reported_together() -> None:
    error = validation_error(check_id_agrees, "094 190 012 345", date(2001, 1, 1), MALE)
    assert "094190012345" in error.message  # the normalised number
    assert "1990" in error.message
    assert "2001" in error.message
    assert "là Nữ" in error.message
    assert "là Nam" in error.message
    assert "; " in error.message


@given(BIRTHS, SEXES, st.integers(min_value=1900, max_value=2199))
def test_any_other_year_is_a_mismatch_naming_both(birth: date, sex: str, other: int) -> None:
    number = id_for(birth, sex)
    try:
        claimed = birth.replace(year=other)
    except ValueError:  # 29 February
        claimed = birth.replace(year=other, day=28)
    if other == birth.year:
        check_id_agrees(number, claimed, sex)
        return
    message = validation_error(check_id_agrees, number, claimed, sex).message
    assert f"năm sinh theo số định danh là {birth.year}" in message
    assert f"(năm {other})" in message


# --- parse_sex ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sex"),
    [
        ("Nam", MALE),
        ("nam", MALE),
        ("NAM", MALE),
        ("  Nam\r\n", MALE),
        ("Nữ", FEMALE),
        ("nữ", FEMALE),
        ("NỮ", FEMALE),
        ("Nu", FEMALE),
        (unicodedata.normalize("NFD", "Nữ"), FEMALE),
    ],
)
def test_parse_sex(text: str, sex: str) -> None:
    assert parse_sex(text) == sex


@pytest.mark.parametrize("text", ["", "Male", "Female", "M", "F", "Nam Nữ", "1", "Năm nay"])
def test_parse_sex_rejects(text: str) -> None:
    error = validation_error(parse_sex, text)
    assert error.field == "sex"
    assert "Giới tính" in error.message
    assert "Nam hoặc Nữ" in error.message


@given(st.text())
def test_parse_sex_fuzz(text: str) -> None:
    try:
        assert parse_sex(text) in (MALE, FEMALE)
    except ValidationError as error:
        assert error.field == "sex"


# --- mask ---------------------------------------------------------------------------------


def test_mask_shows_first_and_last_three_digits() -> None:
    assert mask_id_number("094190012345") == "094******345"


@given(TWELVE_DIGITS)
def test_mask_hides_the_middle_six(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == 12
    assert masked[:3] == number[:3]
    assert masked[-3:] == number[-3:]
    assert masked[3:9] == "******"
