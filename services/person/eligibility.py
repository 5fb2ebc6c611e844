"""Who may be helped: citizens aged 14 or more on the day of the case."""

from __future__ import annotations

from datetime import date

from services.common.errors import ValidationError
from services.common.vntime import format_date

MIN_AGE = 14


def age_on(birth_date: date, day: date) -> int:
    """Completed years on `day` (a 29 February birthday turns over on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def check_eligible(birth_date: date, day: date, min_age: int = MIN_AGE) -> None:
    if birth_date > day:
        raise ValidationError(
            f"Ngày sinh {format_date(birth_date)} ở sau ngày thu nhận {format_date(day)}.",
            "birth_date",
        )
    age = age_on(birth_date, day)
    if age < min_age:
        raise ValidationError(
            f"Công dân sinh ngày {format_date(birth_date)} mới {age} tuổi vào ngày "
            f"{format_date(day)}: chưa đủ {min_age} tuổi để đăng ký tài khoản định danh điện tử.",
            "birth_date",
        )
