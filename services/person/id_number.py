"""The 12-digit personal identification number (số định danh cá nhân).

Digits 1-3: province of birth registration; digit 4: century and sex
(0/1 for 1900-1999, 2/3 for 2000-2099, 4/5 for 2100-2199; odd = female);
digits 5-6: the last two digits of the birth year; 7-12: random.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.common.errors import ValidationError
from services.common.text import fold, quote_value
from services.common.vntime import format_date

MALE = "Nam"
FEMALE = "Nữ"
SEXES = (MALE, FEMALE)

_DIGITS = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class IdFacts:
    province_code: str
    birth_year: int
    sex: str


def normalise_id_number(text: str) -> str:
    """The number without spaces, dots or dashes; raises if it is not 12 digits."""
    compact = re.sub(r"[\s.\-]", "", text)
    if not compact:
        raise ValidationError("Chưa nhập số định danh (12 chữ số trên thẻ căn cước).", "id_number")
    if not compact.isdigit() or not compact.isascii():
        raise ValidationError(
            f"Số định danh {quote_value(text.strip())} chỉ được có chữ số (12 chữ số trên thẻ căn cước).",
            "id_number",
        )
    if not _DIGITS.match(compact):
        raise ValidationError(
            f"Số định danh phải có đúng 12 chữ số; {quote_value(compact)} có {len(compact)} chữ số.",
            "id_number",
        )
    return compact


def decode_id_number(id_number: str) -> IdFacts:
    """Birth year and sex from digits 4 to 6; raises if digit 4 is not a valid century code."""
    number = normalise_id_number(id_number)
    century_sex = int(number[3])
    if century_sex > 5:
        raise ValidationError(
            f"Số định danh {number}: chữ số thứ 4 là {century_sex}, phải từ 0 đến 5 "
            "(thế kỷ và giới tính). Kiểm tra lại số trên thẻ.",
            "id_number",
        )
    birth_year = (century_sex // 2 + 19) * 100 + int(number[4:6])
    sex = FEMALE if century_sex % 2 else MALE
    return IdFacts(province_code=number[:3], birth_year=birth_year, sex=sex)


def check_id_agrees(id_number: str, birth_date: date, sex: str) -> IdFacts:
    """Raises if the number's digits disagree with the birth date or the sex, naming both values."""
    facts = decode_id_number(id_number)
    problems = []
    if facts.birth_year != birth_date.year:
        problems.append(
            f"năm sinh theo số định danh là {facts.birth_year} nhưng ngày sinh nhập là "
            f"{format_date(birth_date)} (năm {birth_date.year})"
        )
    if facts.sex != sex:
        problems.append(f"giới tính theo số định danh là {facts.sex} nhưng giới tính nhập là {sex}")
    if problems:
        raise ValidationError(
            f"Số định danh {normalise_id_number(id_number)} không khớp: "
            + "; ".join(problems)
            + ". Kiểm tra lại số trên thẻ và thông tin đã nhập.",
            "id_number",
        )
    return facts


def parse_sex(text: str) -> str:
    """«Nam» or «Nữ» (also written without diacritics or in capitals)."""
    folded = fold(text)
    if folded == "nam":
        return MALE
    if folded == "nu":
        return FEMALE
    raise ValidationError(
        f"Giới tính {quote_value(text.strip())} không hợp lệ: ghi Nam hoặc Nữ.", "sex"
    )


def mask_id_number(id_number: str) -> str:
    """First 3 and last 3 digits shown: 094******345."""
    return id_number[:3] + "*" * (len(id_number) - 6) + id_number[-3:]
