"""Time in Vietnam (UTC+7, no daylight saving): stored in UTC, shown and counted locally."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone

from services.common.errors import ValidationError

VN_TZ = timezone(timedelta(hours=7), "ICT")

_DATE = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_DATETIME = re.compile(
    r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?\s*$"
)
_COMPACT_DATE = re.compile(r"^\s*(\d{2})(\d{2})(\d{4})\s*$")  # ddmmyyyy, as typed by hand
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


_clock: Callable[[], datetime] | None = None


def now_utc() -> datetime:
    return _clock() if _clock is not None else datetime.now(UTC)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock with one giving aware moments (the user guide's screenshots show a
    fixed campaign day); None puts the real clock back."""
    global _clock
    _clock = clock


def today_vn() -> date:
    return now_utc().astimezone(VN_TZ).date()


def local_day(moment: datetime) -> date:
    """The Vietnam-local calendar day of an aware moment."""
    return moment.astimezone(VN_TZ).date()


def end_of_day_utc(day: date) -> datetime:
    """The first moment after `day` in Vietnam, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), VN_TZ).astimezone(UTC)


def vn_to_utc(local: datetime) -> datetime:
    """A naive Vietnam wall-clock time as an aware UTC moment."""
    return local.replace(tzinfo=VN_TZ).astimezone(UTC)


def format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def format_moment(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


def parse_date(text: str, what: str = "Ngày") -> date:
    """`dd/mm/yyyy` (also with `.` or `-`), `ddmmyyyy`, or ISO `yyyy-mm-dd`."""
    compact = _COMPACT_DATE.match(text)
    if compact and not 1 <= int(compact.group(2)) <= 12:
        compact = None  # yyyymmdd or another order: not a ddmmyyyy date, said as such
    match = _DATE.match(text) or compact
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        iso = _ISO_DATE.match(text)
        if iso:
            year, month, day = (int(g) for g in iso.groups())
            return date(year, month, day)
    except ValueError:
        raise ValidationError(f"{what} «{text.strip()}» không có thật trên lịch.") from None
    raise ValidationError(
        f"{what} «{text.strip()}» không đúng dạng ngày/tháng/năm (ví dụ 18/07/2023 hoặc 18072023)."
    )


def parse_moment(text: str, what: str = "Thời điểm") -> datetime:
    """`dd/mm/yyyy HH:MM` in Vietnam time, as an aware UTC moment."""
    match = _DATETIME.match(text)
    if not match:
        raise ValidationError(
            f"{what} «{text.strip()}» không đúng dạng ngày/tháng/năm giờ:phút (ví dụ 18/07/2023 08:30)."
        )
    day, month, year, hour, minute = (int(g) for g in match.groups()[:5])
    second = int(match.group(6) or 0)
    try:
        return vn_to_utc(datetime(year, month, day, hour, minute, second))
    except ValueError:
        raise ValidationError(f"{what} «{text.strip()}» không có thật trên lịch.") from None


def parse_iso_day(text: str) -> date:
    """A command-line `YYYY-MM-DD`."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"Ngày «{text}» không đúng dạng YYYY-MM-DD (ví dụ 2023-08-01)."
        ) from None
