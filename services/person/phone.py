"""Vietnamese mobile numbers: normalise to 10 digits starting with 0, check the prefix.

The prefix list is data (`resources/phone_prefixes.json`): carriers change it.
"""

from __future__ import annotations

import re
from functools import cache

from services.common.errors import ValidationError
from services.common.resources import load_json
from services.common.text import quote_value

_SEPARATORS = re.compile(r"[\s.\-()]")


@cache
def carrier_prefixes() -> dict[str, str]:
    """Prefix -> carrier name."""
    data = load_json("phone_prefixes.json")
    return {
        prefix: carrier
        for carrier, prefixes in data.items()
        if not carrier.startswith("_")
        for prefix in prefixes
    }


def normalise_phone(text: str) -> str:
    """`+84 912.345.678` -> `0912345678`; raises `ValidationError` if it is not a mobile number."""
    raw = text.strip()
    compact = _SEPARATORS.sub("", raw)
    if compact.startswith("+84"):
        compact = "0" + compact[3:]
    elif compact.startswith("84") and len(compact) == 11:
        compact = "0" + compact[2:]
    if not compact.isascii() or not compact.isdigit():
        raise ValidationError(f"Số điện thoại {quote_value(raw)} chỉ được có chữ số.", "phone")
    if len(compact) != 10 or not compact.startswith("0"):
        raise ValidationError(
            f"Số điện thoại {quote_value(raw)} phải có 10 chữ số bắt đầu bằng 0 (ví dụ 0912345678).",
            "phone",
        )
    if compact[:3] not in carrier_prefixes():
        raise ValidationError(
            f"Số điện thoại {quote_value(raw)}: đầu số {compact[:3]} không phải đầu số di động Việt Nam. "
            "Kiểm tra lại số.",
            "phone",
        )
    return compact


def carrier_of(phone: str) -> str | None:
    return carrier_prefixes().get(phone[:3])
