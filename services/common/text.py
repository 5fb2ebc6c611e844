"""Text from users, spreadsheets and scanners: normalise it, fold it for search."""

from __future__ import annotations

import re
import sys
import unicodedata

from services.common.errors import ValidationError

_SPACES = re.compile(r"\s+")
_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "d"})


def clean(text: str) -> str:
    """NFC-normalised, with runs of whitespace made one space and the ends stripped.
    (`str.split` splits on what `_SPACES` matches: on every row of a big import.)"""
    return " ".join(unicodedata.normalize("NFC", text).split())


def fold(text: str) -> str:
    """Lower case without diacritics, đ -> d: "Nguyễn Thị Ánh" -> "nguyen thi anh"."""
    cleaned = clean(text)
    if cleaned.isascii():
        return cleaned.lower()
    if not _BEYOND_LATIN.search(cleaned):
        # Latin letters only (every Vietnamese one): one table lookup per character, the
        # same result as below (a test compares them), several times faster on big imports.
        return cleaned.translate(_latin_fold_table()).lower()
    return _slow_fold(cleaned)


def _slow_fold(cleaned: str) -> str:
    decomposed = unicodedata.normalize("NFD", cleaned.translate(_FOLD_TABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


# Characters outside Latin-1, Latin Extended-A/B, the combining diacritics and Latin
# Extended Additional (where the Vietnamese letters with two marks live).
_BEYOND_LATIN = re.compile("[^\x00-\u024f\u0300-\u036f\u1e00-\u1eff]")
_latin_table: dict[int, str] = {}


def _latin_fold_table() -> dict[int, str]:
    """Each Latin character mapped to `_slow_fold`'s result before lower case: the letter
    without its marks (đ -> d), a combining mark to nothing."""
    if not _latin_table:
        codes = [*range(0x80, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00)]
        for code in codes:
            character = chr(code)
            decomposed = unicodedata.normalize("NFD", character.translate(_FOLD_TABLE))
            _latin_table[code] = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _latin_table


def fold_key(text: str) -> str:
    """`fold` without spaces or punctuation: for matching headers and unit names."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def title_name(text: str) -> str:
    """A person's name as written on the card, each word capitalised: "TRẦN thị" -> "Trần Thị"."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in clean(text).split(" "))


# -- hygiene at every entry point ------------------------------------------------------------
# Lengths a value may have once cleaned. The models keep these texts in `Text` columns; the
# limits are the campaign's (DOMAIN.md) and what a slip, a report cell or a package carries.
NAME_LENGTH = 100  # a citizen's, an operator's or an intake point's name
USERNAME_LENGTH = 64  # Operator.username is String(64)
POINT_CODE_LENGTH = 32  # IntakePoint.code is String(32)
ADDRESS_LENGTH = 200
NOTE_LENGTH = 500  # notes and failure notes
ORGANISATION_LENGTH = 200
QUOTE_LENGTH = 60

_ZERO_WIDTH = frozenset({0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF})
_BIDI = frozenset({0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)})
# Every control (Cc, except tab and line breaks, which are whitespace), format (Cf) and
# surrogate (Cs) character: invisible, or able to break a file, a terminal or a database.
_FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
_LINE_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def _group(number: int) -> str:
    """10005 -> "10.005": numbers in Vietnamese form."""
    return f"{number:,}".replace(",", ".")


def _visible(text: str) -> str:
    """Invisible and control characters shown as [U+XXXX], so a message says what is there."""
    return "".join(
        f"[U+{ord(ch):04X}]"
        if (ch.isspace() and ch != " ") or unicodedata.category(ch) in ("Cc", "Cf", "Cs")
        else ch
        for ch in text
    )


def quote_value(value: object, limit: int = QUOTE_LENGTH) -> str:
    """A user's value quoted for a message: «…», at most `limit` characters, then its length.

    "Nguyễn" -> «Nguyễn»; 10,005 characters -> «AAAA…» (10.005 ký tự). Control and invisible
    characters are shown as [U+XXXX]: the message stays one readable line."""
    text = str(value)
    if len(text) <= limit:
        return f"«{_visible(text)}»"
    return f"«{_visible(text[:limit])}…» ({_group(len(text))} ký tự)"


def _describe(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    if ord(ch) in _ZERO_WIDTH:
        return f"ký tự vô hình {code} (thường dính vào khi dán từ Zalo, Word hoặc trang web)"
    if ord(ch) in _BIDI:
        return f"ký tự đảo chiều chữ {code}"
    if unicodedata.category(ch) == "Cc":
        return f"ký tự điều khiển {code}"
    return f"ký tự ẩn {code}"


def clean_text(
    value: str,
    field_label: str,
    max_length: int,
    *,
    multiline: bool = False,
    field: str | None = None,
) -> str:
    """`value` fit to store, or `ValidationError` naming `field_label` in Vietnamese.

    NFC; a byte-order mark at the start and whitespace at the ends (a trailing no-break space
    from Excel) removed silently; runs of whitespace made one space (a `multiline` field keeps
    its line breaks, at most one blank line in a row). Refused: control characters other than
    tab and line breaks, zero-width and other invisible format characters, bidirectional
    controls, and a value longer than `max_length` once cleaned. An empty result is returned
    as "": whether a field may be empty is its caller's rule."""
    text = unicodedata.normalize("NFC", value).lstrip().lstrip("\ufeff")
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        raise ValidationError(
            f"{field_label} {quote_value(text)} có {_describe(bad.group())}: xóa ký tự đó "
            "(gõ lại bằng tay nếu không thấy) rồi nhập lại.",
            field,
        )
    if multiline:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        text = _BLANK_LINES.sub(
            "\n\n", "\n".join(_LINE_SPACES.sub(" ", ln).strip() for ln in lines)
        )
        text = text.strip()
    else:
        text = " ".join(text.split())  # what `_SPACES` matches, as `clean`
    if len(text) > max_length:
        raise ValidationError(
            f"{field_label} dài {_group(len(text))} ký tự, quá giới hạn {_group(max_length)} "
            f"ký tự: rút gọn lại. Đầu nội dung: {quote_value(text)}.",
            field,
        )
    return text


def strip_hidden(value: str, max_length: int | None = None, *, multiline: bool = False) -> str:
    """`value` as `clean_text` would keep it, with what it would refuse taken out instead.

    For text that was accepted elsewhere and cannot be fixed there any more (a package's
    history is immutable): control and invisible characters removed, cut to `max_length`.
    Compare the result with `clean_text`'s to know whether anything was taken out."""
    text = _FORBIDDEN.sub("", unicodedata.normalize("NFC", value))
    text = clean_text(text, "", sys.maxsize, multiline=multiline)
    return text if max_length is None else text[:max_length].rstrip()


def has_hidden(text: str) -> bool:
    """True when `text` holds a character `clean_text` refuses (control, invisible, bidi)."""
    return _FORBIDDEN.search(text) is not None
