"""Text from users, spreadsheets and scanners: normalise it, fold it for search."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "d"})


def clean(text: str) -> str:
    """NFC-normalised, with runs of whitespace made one space and the ends stripped."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Lower case without diacritics, đ -> d: "Nguyễn Thị Ánh" -> "nguyen thi anh"."""
    decomposed = unicodedata.normalize("NFD", clean(text).translate(_FOLD_TABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.lower()


def fold_key(text: str) -> str:
    """`fold` without spaces or punctuation: for matching headers and unit names."""
    return "".join(ch for ch in fold(text) if ch.isalnum())


def title_name(text: str) -> str:
    """A person's name as written on the card, each word capitalised: "TRẦN thị" -> "Trần Thị"."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in clean(text).split(" "))
