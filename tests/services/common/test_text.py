"""Text normalisation: clean (NFC, one space), fold (no diacritics, đ -> d, lower), fold_key."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.common.text import clean, fold, fold_key, title_name

# Each Vietnamese letter with the plain letter it folds to: written out, not computed.
BASES = {
    "a": "aàáảãạăằắẳẵặâầấẩẫậ",
    "e": "eèéẻẽẹêềếểễệ",
    "i": "iìíỉĩị",
    "o": "oòóỏõọôồốổỗộơờớởỡợ",
    "u": "uùúủũụưừứửữự",
    "y": "yỳýỷỹỵ",
    "d": "dđ",
}
CONSONANTS = "bcghklmnpqrstvx"
LOWER = "".join(BASES.values()) + CONSONANTS
VIETNAMESE = LOWER + LOWER.upper()
ASCII_EXTRA = "0123456789 ,.-'()/"
VIETNAMESE_TEXT = st.text(alphabet=VIETNAMESE + ASCII_EXTRA + "\t\n\u00a0")


# What each function makes of a few texts, written out.
EXAMPLES: dict[Callable[[str], str], list[tuple[str, str]]] = {
    clean: [
        ("  Trần   Thị\tMỹ\nLinh  ", "Trần Thị Mỹ Linh"),
        ("Ấp\u00a0Phú Hòa\r\n", "Ấp Phú Hòa"),
        ("", ""),
        (" \t\r\n ", ""),
        ("An", "An"),
    ],
    fold: [
        ("Nguyễn Thị Ánh", "nguyen thi anh"),
        ("Đặng Văn Đức", "dang van duc"),
        ("ĐỖ THỊ HƯƠNG", "do thi huong"),
        ("Trương  Quốc\tBảo", "truong quoc bao"),
        ("Huyện Châu Thành", "huyen chau thanh"),
        ("Sóc Trăng", "soc trang"),
        ("Nữ", "nu"),
        ("", ""),
    ],
    fold_key: [
        ("Họ và tên", "hovaten"),
        ("HỌ VÀ TÊN", "hovaten"),
        ("Số định danh (CCCD)", "sodinhdanhcccd"),
        ("Số điện thoại", "sodienthoai"),
        ("Ngày sinh:", "ngaysinh"),
        ("Mức 1", "muc1"),
        ("application_taken", "applicationtaken"),
        ("  - / ", ""),
    ],
    title_name: [
        ("TRẦN thị mỹ LINH", "Trần Thị Mỹ Linh"),
        ("  đặng   văn đức ", "Đặng Văn Đức"),
        ("", ""),
    ],
}


@pytest.mark.parametrize(
    ("function", "text", "expected"),
    [
        pytest.param(function, text, expected, id=f"{function.__name__}-{text!r}")
        for function, examples in EXAMPLES.items()
        for text, expected in examples
    ],
)
def test_examples(function: Callable[[str], str], text: str, expected: str) -> None:
    assert function(text) == expected


# --- clean --------------------------------------------------------------------------------


def test_clean_composes_decomposed_letters() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert len(decomposed) > len("Nguyễn Thị Ánh")
    assert clean(decomposed) == "Nguyễn Thị Ánh"


@given(st.text())
def test_clean_properties(text: str) -> None:
    cleaned = clean(text)
    assert clean(cleaned) == cleaned
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert not any(ch.isspace() and ch != " " for ch in cleaned)
    assert unicodedata.is_normalized("NFC", cleaned)
    assert clean(unicodedata.normalize("NFD", text)) == cleaned


# --- fold ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "letters"), sorted(BASES.items()))
def test_fold_each_vietnamese_letter_to_its_base(base: str, letters: str) -> None:
    for letter in letters:
        assert fold(letter) == base, letter
        assert fold(letter.upper()) == base, letter.upper()
        assert fold(unicodedata.normalize("NFD", letter)) == base, letter


@given(VIETNAMESE_TEXT)
def test_fold_of_vietnamese_text_is_ascii_lower_and_idempotent(text: str) -> None:
    folded = fold(text)
    assert folded.isascii()
    assert folded == folded.lower()
    assert fold(folded) == folded
    assert folded == clean(folded)


@given(VIETNAMESE_TEXT)
def test_fold_ignores_case_and_normal_form(text: str) -> None:
    folded = fold(text)
    assert fold(text.upper()) == folded
    assert fold(text.lower()) == folded
    assert fold(unicodedata.normalize("NFD", text)) == folded
    assert fold(unicodedata.normalize("NFC", text)) == folded


@given(VIETNAMESE_TEXT)
def test_fold_keeps_the_letter_count(text: str) -> None:
    # One folded letter per Vietnamese letter: diacritics go, letters stay.
    assert len(fold(text).replace(" ", "")) == len(clean(text).replace(" ", ""))


# --- fold_key -----------------------------------------------------------------------------


@given(VIETNAMESE_TEXT)
def test_fold_key_is_ascii_alphanumeric_and_idempotent(text: str) -> None:
    key = fold_key(text)
    assert key.isascii()
    assert key == "" or key.isalnum()
    assert key == key.lower()
    assert fold_key(key) == key
    assert fold_key(text.upper()) == key


# --- title_name ---------------------------------------------------------------------------


@given(st.text(alphabet=st.characters(max_codepoint=0x1F00), max_size=40))
def test_the_fast_fold_of_latin_text_is_the_slow_one(text: str) -> None:
    from services.common.text import _slow_fold, clean

    assert fold(text) == _slow_fold(clean(text))
