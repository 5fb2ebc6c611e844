"""The SMS template a manager types: every way of getting it wrong is said in Vietnamese,
and a placeholder is filled only as written, `{ten}` (found by the black-box probe: Python's
own English leaked into the message, and `{ten!r}` or `{ten:>300}` were accepted)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from services.common.errors import ValidationError
from services.outreach.schedule import check_template, sms_message, write_call_sheet, write_sms
from tests.factories import CLI

ENGLISH = re.compile(r"format|string|expected|encountered|specifier|conversion", re.IGNORECASE)
VALUES = {"ten": "Trần Thị Mỹ Linh", "diem": "Nhà văn hóa", "dia_chi": "", "gio": "18:00"}


@pytest.mark.parametrize(
    "template",
    [
        "Chao {ten",
        "Chao }",
        "Chao {ten}}",
        "Chao {ten!z}",
        "Chao {ten!r}",
        "Chao {ten:>300}",
        "Chao {gio:%H}",
        "Chao {ten[0]}",
        "Chao {}",
    ],
)
def test_a_broken_or_formatted_placeholder_is_refused_in_vietnamese(template: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_template(template)
    message = str(refused.value)
    assert not ENGLISH.search(message), message
    assert "{ten}" in message  # names the placeholders it may use


def test_doubled_braces_stay_plain_braces() -> None:
    assert sms_message("Chao {{ban}} {ten}", {**VALUES, "ngay": "25/07"}) == (
        "Chao {ban} Tran Thi My Linh"
    )


@pytest.mark.parametrize(
    ("kind", "name"),
    [("calls", "goi-dien.pdf"), ("calls", "goi-dien"), ("sms", "tin-nhan.xlsx")],
)
def test_a_file_named_for_another_kind_is_refused_and_nothing_written(
    session: Session, tmp_path: Path, kind: str, name: str
) -> None:
    """README: `outreach calls --out FILE.csv|FILE.xlsx`, `outreach sms --out FILE.csv`: a CSV
    written under `goi-dien.pdf` opened as a broken PDF."""
    folder = tmp_path / "gui-di"
    folder.mkdir()
    target = folder / name
    with pytest.raises(ValidationError, match="chưa ghi gì"):
        if kind == "calls":
            write_call_sheet(session, CLI, target)
        else:
            write_sms(session, CLI, date(2023, 7, 25), target)
    assert list(folder.iterdir()) == []
