"""Vietnamese mobile numbers: +84/84 -> 0, separators removed, 10 digits, a known prefix."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import ValidationError
from services.person.phone import carrier_of, carrier_prefixes, normalise_phone
from tests.shared_validation import parse_or_refusal

# As DOMAIN.md lists them; the shipped data file must say the same.
DOMAIN_PREFIXES = {
    "Viettel": ["032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098"],
    "Vinaphone": ["081", "082", "083", "084", "085", "088", "091", "094"],
    "MobiFone": ["070", "076", "077", "078", "079", "089", "090", "093"],
    "Vietnamobile": ["052", "056", "058", "092"],
    "Gmobile": ["059", "099"],
    "Itelecom": ["087"],
}
ALL_PREFIXES = sorted(p for prefixes in DOMAIN_PREFIXES.values() for p in prefixes)
NOT_MOBILE = sorted({f"0{a}{b}" for a in range(10) for b in range(10)} - set(ALL_PREFIXES))


def phone_error(text: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        normalise_phone(text)
    assert caught.value.field == "phone"
    return caught.value


def test_prefix_data_matches_the_domain_list() -> None:
    prefixes = carrier_prefixes()
    assert prefixes == {p: carrier for carrier, ps in DOMAIN_PREFIXES.items() for p in ps}
    assert not any(key.startswith("_") for key in prefixes.values())


@pytest.mark.parametrize(
    "text",
    [
        "0912345678",
        " 0912345678 ",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "(0912) 345 678",
        "+84912345678",
        "+84 912 345 678",
        "+84 912.345.678",
        "+84-912-345-678",
        "84912345678",
        "84 912 345 678",
        "84.912.345.678",
        "0912\u00a0345\u00a0678",  # no-break spaces pasted from a web page
    ],
)
def test_formatting_variants_normalise_to_the_same_number(text: str) -> None:
    assert normalise_phone(text) == "0912345678"


@pytest.mark.parametrize("prefix", ALL_PREFIXES)
def test_every_prefix_is_accepted_with_its_carrier(prefix: str) -> None:
    number = prefix + "1234567"
    assert normalise_phone(number) == number
    carrier = carrier_of(number)
    assert carrier is not None
    assert prefix in DOMAIN_PREFIXES[carrier]


def test_carrier_of_examples() -> None:
    assert carrier_of("0961234567") == "Viettel"
    assert carrier_of("0912345678") == "Vinaphone"
    assert carrier_of("0901234567") == "MobiFone"
    assert carrier_of("0921234567") == "Vietnamobile"
    assert carrier_of("0991234567") == "Gmobile"
    assert carrier_of("0871234567") == "Itelecom"
    assert carrier_of("0211234567") is None


def test_84_prefix_is_itself_a_vinaphone_prefix() -> None:
    # 084... is a 10-digit number, not an 84 country code to strip.
    assert normalise_phone("0841234567") == "0841234567"
    assert normalise_phone("84841234567") == "0841234567"
    assert normalise_phone("+84841234567") == "0841234567"


@pytest.mark.parametrize("prefix", NOT_MOBILE)
def test_other_prefixes_are_rejected_naming_the_prefix(prefix: str) -> None:
    message = phone_error(prefix + "1234567").message
    assert f"đầu số {prefix}" in message
    assert "không phải đầu số di động Việt Nam" in message


@pytest.mark.parametrize(
    "text",
    ["091234567", "09123456789", "912345678", "1912345678", "+8491234567", "+84", "0"],
)
def test_wrong_length_or_no_leading_zero(text: str) -> None:
    assert "10 chữ số bắt đầu bằng 0" in phone_error(text).message


@pytest.mark.parametrize(
    "text",
    ["09123456a8", "0912/345/678", "０９１２３４５６７８", "0912345678 ext 1", "+84 91234567x"],
)
def test_non_digits_are_rejected(text: str) -> None:
    message = phone_error(text).message
    assert "chỉ được có chữ số" in message
    assert f"«{text.strip()}»" in message


# --- properties ---------------------------------------------------------------------------

SUBSCRIBER = st.from_regex(r"\A[0-9]{7}\Z")
SEPARATOR = st.sampled_from(["", " ", ".", "-", "  ", " - "])


@st.composite
def written_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(a number as someone might write it, the number it is)."""
    prefix = draw(st.sampled_from(ALL_PREFIXES))
    number = prefix + draw(SUBSCRIBER)
    national = number[1:]
    lead = draw(st.sampled_from(["0", "+84", "84", "+84 ", "84 "]))
    body = "".join(digit + draw(SEPARATOR) for digit in national).rstrip(" .-")
    padding = draw(st.sampled_from(["", " ", "\t", "\r\n"]))
    return padding + lead + body + padding, number


@given(written_numbers())
def test_written_variants_normalise_to_the_number(written: tuple[str, str]) -> None:
    text, number = written
    assert normalise_phone(text) == number
    assert carrier_of(normalise_phone(text)) == carrier_of(number)


@given(st.text())
def test_normalise_is_idempotent_and_raises_only_validation_error(text: str) -> None:
    number = parse_or_refusal(normalise_phone, text, "Số điện thoại", field="phone")
    if not isinstance(number, ValidationError):
        assert len(number) == 10
        assert number.isascii() and number.isdigit()
        assert number.startswith("0")
        assert carrier_of(number) is not None
        assert normalise_phone(number) == number


@given(st.from_regex(r"\A\+?[0-9 .\-]{8,16}\Z"))
def test_digit_like_input_is_idempotent(text: str) -> None:
    try:
        number = normalise_phone(text)
    except ValidationError:
        return
    assert normalise_phone(number) == number
    assert normalise_phone("+84" + number[1:]) == number
