"""The card QR parser: the example from DOMAIN.md, each rule, tolerance, and fuzzing.

Every person here is invented.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.errors import ValidationError
from services.common.text import clean
from services.common.vntime import today_vn
from services.person import cccd
from services.person.cccd import (
    SCANNER_HINT,
    CardInfo,
    CardQRError,
    looks_like_card_qr,
    parse_card_qr,
)

EXAMPLE = (
    "094190012345|365123456|Trần Thị Mỹ Linh|15031990|Nữ|"
    "Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng|20052021"
)
EXAMPLE_INFO = CardInfo(
    id_number="094190012345",
    old_id="365123456",
    full_name="Trần Thị Mỹ Linh",
    birth_date=date(1990, 3, 15),
    sex="Nữ",
    address="Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng",
    issue_date=date(2021, 5, 20),
)

FIELDS = EXAMPLE.split("|")
ID, OLD_ID, NAME, BIRTH, SEX, ADDRESS, ISSUE = range(7)


def with_field(index: int, value: str) -> str:
    fields = list(FIELDS)
    fields[index] = value
    return "|".join(fields)


def id_for(birth: date, sex: str, tail: str = "012345", province: str = "094") -> str:
    century = (birth.year // 100 - 19) * 2 + (1 if sex == "Nữ" else 0)
    return f"{province}{century}{birth.year % 100:02d}{tail}"


def qr_error(text: str) -> CardQRError:
    with pytest.raises(CardQRError) as caught:
        parse_card_qr(text)
    return caught.value


# --- the example and its tolerated variants ---------------------------------------------


def test_example_from_domain_parses_to_every_field() -> None:
    assert parse_card_qr(EXAMPLE) == EXAMPLE_INFO


@pytest.mark.parametrize(
    "text",
    [
        EXAMPLE + "\r\n",
        EXAMPLE + "\n",
        EXAMPLE + "\r",
        "  \t" + EXAMPLE + "  ",
        EXAMPLE + "|",
        EXAMPLE + "||",
        EXAMPLE + "|extra|0123|",
        EXAMPLE + "|Thêm trường|\r\n",
    ],
    ids=[
        "crlf",
        "lf",
        "cr",
        "spaces",
        "one-empty-extra",
        "two-empty-extra",
        "extras",
        "extra+crlf",
    ],
)
def test_whitespace_line_endings_and_extra_fields_are_tolerated(text: str) -> None:
    assert parse_card_qr(text) == EXAMPLE_INFO


def test_decomposed_unicode_and_runs_of_spaces_are_cleaned() -> None:
    decomposed = unicodedata.normalize("NFD", EXAMPLE)
    assert decomposed != EXAMPLE
    info = parse_card_qr(decomposed.replace("Mỹ ", "Mỹ   ").replace("Thị", " Thị "))
    assert info.full_name == "Trần Thị Mỹ Linh"
    assert unicodedata.is_normalized("NFC", info.full_name)
    assert info.address == EXAMPLE_INFO.address


def test_empty_old_id_becomes_none() -> None:
    assert parse_card_qr(with_field(OLD_ID, "")).old_id is None
    assert parse_card_qr(with_field(OLD_ID, "  ")).old_id is None


def test_twelve_digit_old_id_is_accepted() -> None:
    assert parse_card_qr(with_field(OLD_ID, "094087001234")).old_id == "094087001234"


@pytest.mark.parametrize("written", ["Nữ", "NỮ", "nữ", "Nu"])
def test_female_written_otherwise_is_read_as_nu(written: str) -> None:
    assert parse_card_qr(with_field(SEX, written)).sex == "Nữ"


def test_male_card() -> None:
    text = "|".join(
        ["094085001234", "", "Nguyễn Văn Đức", "01011985", "Nam", "Xã Phú Tâm", "02022022"]
    )
    info = parse_card_qr(text)
    assert info.sex == "Nam"
    assert info.birth_date == date(1985, 1, 1)
    assert info.issue_date == date(2022, 2, 2)
    assert info.old_id is None


def test_born_after_2000_uses_century_codes_2_and_3() -> None:
    text = "|".join(["094308001234", "", "Lê Thị Hoa", "29022008", "Nữ", "Phường 5", "01032022"])
    info = parse_card_qr(text)
    assert info.birth_date == date(2008, 2, 29)
    assert info.sex == "Nữ"


def test_issue_date_on_birth_date_and_today_are_allowed() -> None:
    today = today_vn()
    birth = today - timedelta(days=1)
    text = "|".join(
        [
            id_for(birth, "Nam"),
            "",
            "Trần Văn An",
            birth.strftime("%d%m%Y"),
            "Nam",
            "Sóc Trăng",
            birth.strftime("%d%m%Y"),
        ]
    )
    assert parse_card_qr(text).issue_date == birth
    same_day = text.rsplit("|", 1)[0] + "|" + today.strftime("%d%m%Y")
    assert parse_card_qr(same_day).issue_date == today


# --- each rule, with a Vietnamese message ---------------------------------------------


def test_error_is_a_validation_error_on_the_qr_field_with_the_scanner_hint() -> None:
    error = qr_error("không phải mã QR")
    assert isinstance(error, ValidationError)
    assert error.field == "qr"
    assert str(error).endswith(SCANNER_HINT)
    assert "Unikey" in str(error)


@pytest.mark.parametrize("count", [1, 2, 6])
def test_too_few_fields(count: int) -> None:
    message = str(qr_error("|".join(FIELDS[:count])))
    assert "cần ít nhất 7 trường" in message
    assert f"nhận được {count}" in message


def test_empty_text_is_not_a_card_qr() -> None:
    assert "nhận được 1" in str(qr_error(""))
    assert "nhận được 1" in str(qr_error("   \r\n"))


@pytest.mark.parametrize(
    ("raw_id", "words"),
    [
        ("", "Chưa nhập số định danh"),
        ("09419001234", "đúng 12 chữ số"),
        ("0941900123456", "đúng 12 chữ số"),
        ("09419001234A", "chỉ được có chữ số"),
        ("094 190 012 345", "12 chữ số liền"),
        ("094.190.012.345", "12 chữ số liền"),
        ("094-190-012-345", "12 chữ số liền"),
        ("０９４１９００１２３４５", "chỉ được có chữ số"),  # full-width digits
    ],
)
def test_bad_id_number(raw_id: str, words: str) -> None:
    message = str(qr_error(with_field(ID, raw_id)))
    assert message.startswith("Mã QR không hợp lệ")
    assert words in message


@pytest.mark.parametrize(
    "old_id",
    [
        "36512345",
        "3651234567",
        "36512345A",
        "365 123 456",
        "３６５１２３４５６",  # full-width digits
        "٣٦٥١٢٣٤٥٦",  # Arabic-Indic digits
    ],
)
def test_bad_old_id(old_id: str) -> None:
    message = str(qr_error(with_field(OLD_ID, old_id)))
    assert "CMND cũ" in message
    assert "9 hoặc 12 chữ số" in message


@pytest.mark.parametrize("name", ["", "   ", "Trần Thị 2", "Nguyễn Văn 0An"])
def test_bad_name(name: str) -> None:
    assert "họ và tên" in str(qr_error(with_field(NAME, name)))


@pytest.mark.parametrize(
    ("index", "value", "words"),
    [
        (BIRTH, "1503199", "ngày sinh «1503199» phải có 8 chữ số"),
        (BIRTH, "15/03/1990", "phải có 8 chữ số"),
        (BIRTH, "", "phải có 8 chữ số"),
        (BIRTH, "30021990", "ngày sinh «30021990» không có thật trên lịch"),
        (BIRTH, "15131990", "không có thật trên lịch"),
        (BIRTH, "00031990", "không có thật trên lịch"),
        (ISSUE, "2005202", "ngày cấp «2005202» phải có 8 chữ số"),
        (ISSUE, "29022021", "ngày cấp «29022021» không có thật trên lịch"),
        (ISSUE, "", "ngày cấp «» phải có 8 chữ số"),
    ],
)
def test_bad_dates(index: int, value: str, words: str) -> None:
    assert words in str(qr_error(with_field(index, value)))


@pytest.mark.parametrize("sex", ["", "Male", "F", "N", "Nam Nữ", "Nữ giới"])
def test_bad_sex(sex: str) -> None:
    message = str(qr_error(with_field(SEX, sex)))
    assert "giới tính" in message
    assert "Nam hoặc Nữ" in message


def test_missing_address() -> None:
    assert "thiếu địa chỉ thường trú" in str(qr_error(with_field(ADDRESS, " ")))


def test_issue_before_birth() -> None:
    message = str(qr_error(with_field(ISSUE, "14031990")))
    assert "ngày cấp phải sau ngày sinh" in message


def test_future_birth_and_issue_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cccd, "today_vn", lambda: date(2021, 5, 19))
    message = str(qr_error(EXAMPLE))  # issued 20/05/2021, one day after "today"
    assert "không ở tương lai" in message
    monkeypatch.setattr(cccd, "today_vn", lambda: date(1990, 3, 14))
    assert "ngày sinh ở tương lai" in str(qr_error(EXAMPLE))
    monkeypatch.setattr(cccd, "today_vn", lambda: date(2021, 5, 20))
    assert parse_card_qr(EXAMPLE) == EXAMPLE_INFO


def test_id_disagreeing_with_birth_year_names_both_years() -> None:
    message = str(qr_error(with_field(BIRTH, "15031991")))
    assert "không khớp" in message
    assert "1990" in message
    assert "1991" in message
    assert "094190012345" in message


def test_id_disagreeing_with_sex_names_both_sexes() -> None:
    message = str(qr_error(with_field(SEX, "Nam")))
    assert "không khớp" in message
    assert "giới tính theo số định danh là Nữ" in message
    assert "giới tính nhập là Nam" in message


@pytest.mark.parametrize("digit", "6789")
def test_id_with_an_impossible_century_digit(digit: str) -> None:
    message = str(qr_error(with_field(ID, f"094{digit}90012345")))
    assert "chữ số thứ 4" in message


def test_century_matters_not_just_the_two_year_digits() -> None:
    # Digit 4 = 3 means born 2090 (female, 2000-2099), not 1990.
    message = str(qr_error(with_field(ID, "094390012345")))
    assert "2090" in message
    assert "1990" in message


# --- looks_like_card_qr -------------------------------------------------------------------


def test_looks_like_card_qr() -> None:
    assert looks_like_card_qr(EXAMPLE)
    assert looks_like_card_qr(EXAMPLE + "|||")
    assert looks_like_card_qr("||||||")
    assert not looks_like_card_qr("094190012345")
    assert not looks_like_card_qr("|".join(FIELDS[:6]))
    assert not looks_like_card_qr("")


# --- properties ---------------------------------------------------------------------------

LOWER_LETTERS = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
WORDS = st.text(alphabet=LOWER_LETTERS + LOWER_LETTERS.upper(), min_size=1, max_size=8)
NAMES = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)
SPACING = st.sampled_from(["", " ", "  ", "\t"])
ADDRESSES = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="|"),
    min_size=1,
    max_size=60,
).filter(lambda text: clean(text) != "")
LATEST = today_vn() - timedelta(days=1)  # away from midnight races between draw and parse
BIRTHS = st.dates(min_value=date(1900, 1, 1), max_value=LATEST)
SEXES = st.sampled_from(["Nam", "Nữ"])
OLD_IDS = st.one_of(st.just(""), st.from_regex(r"\A[0-9]{9}\Z"), st.from_regex(r"\A[0-9]{12}\Z"))


@st.composite
def cards(draw: st.DrawFn) -> tuple[str, CardInfo]:
    birth = draw(BIRTHS)
    issue = draw(st.dates(min_value=birth, max_value=LATEST))
    sex = draw(SEXES)
    province = draw(st.from_regex(r"\A[0-9]{3}\Z"))
    tail = draw(st.from_regex(r"\A[0-9]{6}\Z"))
    old_id = draw(OLD_IDS)
    name = draw(NAMES)
    address = draw(ADDRESSES)
    extras = draw(st.lists(st.text(alphabet="abc 0123456789|", max_size=5), max_size=3))
    ending = draw(st.sampled_from(["", "\n", "\r\n", " "]))
    id_number = id_for(birth, sex, tail, province)
    fields = [
        id_number,
        old_id,
        draw(SPACING) + name + draw(SPACING),
        birth.strftime("%d%m%Y"),
        sex,
        address,
        issue.strftime("%d%m%Y"),
        *extras,
    ]
    expected = CardInfo(
        id_number=id_number,
        old_id=old_id or None,
        full_name=clean(name),
        birth_date=birth,
        sex=sex,
        address=clean(address),
        issue_date=issue,
    )
    return "|".join(fields) + ending, expected


@given(cards())
def test_any_valid_card_round_trips(card: tuple[str, CardInfo]) -> None:
    text, expected = card
    assert looks_like_card_qr(text)
    assert parse_card_qr(text) == expected


@given(cards())
def test_a_valid_card_scanned_as_nfd_gives_the_same_card(card: tuple[str, CardInfo]) -> None:
    text, expected = card
    assert parse_card_qr(unicodedata.normalize("NFD", text)) == expected


@given(cards(), st.integers(min_value=1, max_value=99))
def test_shifting_the_birth_year_is_always_caught(card: tuple[str, CardInfo], shift: int) -> None:
    text, expected = card
    year = expected.birth_date.year - shift
    try:
        moved = expected.birth_date.replace(year=year)
    except ValueError:  # 29 February
        moved = expected.birth_date.replace(year=year, day=28)
    fields = text.split("|")
    fields[BIRTH] = moved.strftime("%d%m%Y")
    message = str(qr_error("|".join(fields)))
    assert "không khớp" in message
    assert str(expected.birth_date.year) in message


@given(cards())
def test_swapping_the_sex_is_always_caught(card: tuple[str, CardInfo]) -> None:
    text, expected = card
    fields = text.split("|")
    fields[SEX] = "Nam" if expected.sex == "Nữ" else "Nữ"
    message = str(qr_error("|".join(fields)))
    assert f"giới tính theo số định danh là {expected.sex}" in message


@given(cards(), st.integers(min_value=0, max_value=6))
def test_dropping_a_field_is_always_caught(card: tuple[str, CardInfo], index: int) -> None:
    text, _ = card
    fields = text.split("|")[:7]
    del fields[index]
    message = str(qr_error("|".join(fields)))
    assert message.startswith(("Không phải mã QR", "Mã QR không hợp lệ"))


@given(st.text())
def test_arbitrary_text_raises_only_card_qr_error(text: str) -> None:
    try:
        info = parse_card_qr(text)
    except CardQRError as error:
        assert error.message.endswith(SCANNER_HINT)
    else:  # hypothesis will almost never build a valid card by chance
        assert len(info.id_number) == 12


FUZZ_FIELDS = st.one_of(
    st.sampled_from(FIELDS),
    st.sampled_from(["", " ", "Nam", "Nữ", "00000000", "29022000", "99999999"]),
    st.from_regex(r"\A[0-9]{0,13}\Z"),
    st.text(max_size=15),
)


@given(st.lists(FUZZ_FIELDS, min_size=0, max_size=9))
def test_structured_fuzz_raises_only_card_qr_error(fields: list[str]) -> None:
    try:
        info = parse_card_qr("|".join(fields))
    except CardQRError as error:
        assert error.field == "qr"
        assert error.message.startswith(("Không phải mã QR", "Mã QR không hợp lệ"))
    else:
        assert info.id_number.isascii() and info.id_number.isdigit()
        assert info.old_id is None or (info.old_id.isascii() and len(info.old_id) in (9, 12))
        assert info.sex in ("Nam", "Nữ")
        assert info.birth_date <= info.issue_date <= today_vn()
