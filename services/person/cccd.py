"""The QR code on the chip-based citizen ID card (CCCD gắn chip, căn cước).

`ID(12)|old CMND(9, may be empty)|full name|birth ddmmyyyy|Nam or Nữ|permanent address|issue ddmmyyyy`
Cards issued from 2024 may carry further fields after the seventh: ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from services.common.errors import ValidationError
from services.common.text import clean, quote_value
from services.common.vntime import today_vn
from services.person.id_number import check_id_agrees, normalise_id_number, parse_sex

FIELD_COUNT = 7
_COMPACT_DATE = re.compile(r"^\d{8}$")
_OLD_ID = re.compile(r"^(\d{9}|\d{12})$", re.ASCII)  # not full-width or other scripts
SCANNER_HINT = (
    " Quét lại mã QR ở mặt sau thẻ; nếu chữ hiện ra bị sai dấu, hãy tắt bộ gõ tiếng Việt "
    "(Unikey, EVKey) rồi quét lại, hoặc nhập tay."
)


class CardQRError(ValidationError):
    """The text is not a valid card QR; the message says why, in Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message + SCANNER_HINT, "qr")


@dataclass(frozen=True)
class CardInfo:
    id_number: str
    old_id: str | None
    full_name: str
    birth_date: date
    sex: str
    address: str
    issue_date: date


def looks_like_card_qr(text: str) -> bool:
    """Cheap test for the scan field: a QR payload, not an ID number typed by hand."""
    return text.count("|") >= FIELD_COUNT - 1


def _compact_date(text: str, what: str) -> date:
    if not _COMPACT_DATE.match(text):
        raise CardQRError(
            f"Mã QR không hợp lệ: {what} {quote_value(text)} phải có 8 chữ số (ngàythángnăm)."
        )
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise CardQRError(
            f"Mã QR không hợp lệ: {what} {quote_value(text)} không có thật trên lịch."
        ) from None


def parse_card_qr(text: str) -> CardInfo:
    """Parse a scanned card QR; raises `CardQRError` on anything that is not one."""
    payload = text.strip()
    fields = [clean(field) for field in payload.split("|")]
    if len(fields) < FIELD_COUNT:
        raise CardQRError(
            f"Không phải mã QR của thẻ căn cước: cần ít nhất {FIELD_COUNT} trường ngăn cách "
            f"bởi dấu «|», nhận được {len(fields)}."
        )
    raw_id, old_id, name, raw_birth, raw_sex, address, raw_issue = fields[:FIELD_COUNT]
    try:
        id_number = normalise_id_number(raw_id)
    except ValidationError as error:
        raise CardQRError(f"Mã QR không hợp lệ: {error.message}") from None
    if raw_id != id_number:
        raise CardQRError(
            f"Mã QR không hợp lệ: số định danh {quote_value(raw_id)} phải là 12 chữ số liền."
        )
    if old_id and not _OLD_ID.match(old_id):
        raise CardQRError(
            f"Mã QR không hợp lệ: số CMND cũ {quote_value(old_id)} phải có 9 hoặc 12 chữ số."
        )
    if not name or any(ch.isdigit() for ch in name):
        raise CardQRError(
            f"Mã QR không hợp lệ: họ và tên {quote_value(name)} trống hoặc có chữ số."
        )
    birth_date = _compact_date(raw_birth, "ngày sinh")
    try:
        sex = parse_sex(raw_sex)
    except ValidationError:
        raise CardQRError(
            f"Mã QR không hợp lệ: giới tính {quote_value(raw_sex)} phải là Nam hoặc Nữ."
        ) from None
    if not address:
        raise CardQRError("Mã QR không hợp lệ: thiếu địa chỉ thường trú.")
    issue_date = _compact_date(raw_issue, "ngày cấp")
    today = today_vn()
    if birth_date > today:
        raise CardQRError("Mã QR không hợp lệ: ngày sinh ở tương lai.")
    if not birth_date <= issue_date <= today:
        raise CardQRError("Mã QR không hợp lệ: ngày cấp phải sau ngày sinh và không ở tương lai.")
    try:
        check_id_agrees(id_number, birth_date, sex)
    except ValidationError as error:
        raise CardQRError(f"Mã QR không hợp lệ: {error.message}") from None
    return CardInfo(
        id_number=id_number,
        old_id=old_id or None,
        full_name=name,
        birth_date=birth_date,
        sex=sex,
        address=address,
        issue_date=issue_date,
    )
