"""Text hygiene at every entry point (issue 14, items 1 and 5): the desk, `records import`,
packages, points and operators, settings and guides.

Refused: control characters, zero-width and other invisible characters, bidirectional
controls, values over the field's limit. Removed silently: a BOM at the start, whitespace
at the ends (a trailing no-break space). Every message quotes a value at most ~60 characters.
"""

from __future__ import annotations

import sys
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import Role
from models.entities import Case, IntakePoint, Operator
from services.campaigns.directory import get_or_create_operator, get_or_create_point
from services.campaigns.units import UnitTree
from services.cases.recording import FactsDraft, check_facts
from services.cases.records import import_records
from services.common.errors import ValidationError
from services.common.text import NAME_LENGTH, clean_text, quote_value
from services.documents.guides import default_guide, guide_problems
from services.exchange.packages import ImportSummary, merge_records
from services.person.phone import normalise_phone
from services.security.accounts import create_operator
from services.upkeep.local_settings import LocalSettings
from tests.factories import CLI, PHU_TAM, World
from tests.shared_packages import hoa_case, package_head
from tests.shared_records import record_row, write_sheet_csv

NFD_NGUYEN = unicodedata.normalize("NFD", "Nguyễn Thị Lan")
LONG = "A" * 10_005
HIDDEN = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "BOM inside": "\ufeff",
    "right-to-left override": "\u202e",
    "right-to-left mark": "\u200f",
    "arabic letter mark": "\u061c",
    "isolate": "\u2067",
    "NUL": "\x00",
    "SOH": "\x01",
    "unit separator": "\x1f",
    "C1 NEL": "\x85",
    "DEL": "\x7f",
}


# -- the functions -------------------------------------------------------------------------


@pytest.mark.parametrize("char", HIDDEN.values(), ids=HIDDEN.keys())
def test_hidden_and_control_characters_are_refused_with_the_field_named(char: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_text(f"Nguyễn{char} Văn An", "Họ và tên", NAME_LENGTH, field="full_name")
    message = caught.value.message
    assert message.startswith("Họ và tên «Nguyễn[U+")
    assert f"U+{ord(char):04X}" in message and "xóa ký tự đó" in message
    assert char not in message  # the message itself stays clean
    assert caught.value.field == "full_name"


def test_every_control_and_format_character_is_refused() -> None:
    allowed = "\t\n\r"
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.category(char) in ("Cc", "Cf", "Cs") and char not in allowed:
            with pytest.raises(ValidationError):
                clean_text(f"a{char}b", "Tên", 10)


def test_what_is_removed_silently() -> None:
    # BOM at the start of a CSV cell, no-break spaces from Excel, tabs and line breaks.
    assert clean_text("\ufeff  Nguyễn\u00a0\u00a0Thị\tLan\u00a0\n", "Họ và tên", 100) == (
        "Nguyễn Thị Lan"
    )
    assert clean_text("", "Địa chỉ", 200) == ""


def test_nfc() -> None:
    assert NFD_NGUYEN != "Nguyễn Thị Lan"
    assert clean_text(NFD_NGUYEN, "Họ và tên", 100) == "Nguyễn Thị Lan"


def test_a_multiline_field_keeps_its_lines() -> None:
    text = clean_text(" Dòng 1  a\r\n\r\n\r\n\r\nDòng\t2 \n", "Ghi chú", 500, multiline=True)
    assert text == "Dòng 1 a\n\nDòng 2"
    with pytest.raises(ValidationError):
        clean_text("Dòng 1\n\x00", "Ghi chú", 500, multiline=True)


def test_a_value_over_the_limit_is_refused_with_a_short_message() -> None:
    with pytest.raises(ValidationError) as caught:
        clean_text(LONG, "Điểm thu nhận", NAME_LENGTH, field="point")
    message = caught.value.message
    assert len(message) <= 200, message
    assert "10.005 ký tự" in message and "100" in message and "Điểm thu nhận" in message
    assert clean_text("A" * 100, "Điểm thu nhận", NAME_LENGTH) == "A" * 100


def test_quote_value() -> None:
    assert quote_value("Nguyễn") == "«Nguyễn»"
    quoted = quote_value(LONG)
    assert quoted == "«" + "A" * 60 + "…» (10.005 ký tự)"
    assert quote_value("a\x00b\u202ec") == "«a[U+0000]b[U+202E]c»"


def test_existing_messages_quote_a_long_value_briefly() -> None:
    with pytest.raises(ValidationError) as caught:
        normalise_phone("9" * 10_000)
    assert len(caught.value.message) < 200 and "10.000 ký tự" in caught.value.message


# -- the desk ------------------------------------------------------------------------------


def desk_draft(world: World, **changes: Any) -> FactsDraft:
    return replace(world.draft(), **changes)


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\x01"], ids=["ZWSP", "RLO", "SOH"])
def test_desk_refuses_hidden_characters_in_a_name(world: World, char: str) -> None:
    facts, errors = check_facts(
        desk_draft(world, full_name=f"Trần Thị{char} Mỹ Linh"), date.today()
    )
    assert facts is None
    assert [e.field for e in errors] == ["full_name"]
    assert "Họ và tên" in errors[0].message


def test_desk_refuses_a_long_name_or_address_briefly(world: World) -> None:
    facts, errors = check_facts(desk_draft(world, full_name=LONG, address=LONG), date.today())
    assert facts is None
    assert [e.field for e in errors] == ["full_name", "address"]
    assert all(len(e.message) <= 200 and "10.005" in e.message for e in errors)


def test_desk_stores_a_decomposed_name_as_nfc(world: World) -> None:
    facts, errors = check_facts(
        desk_draft(world, full_name=NFD_NGUYEN, address=" Ấp 3\u00a0"), date.today()
    )
    assert facts is not None, errors
    assert facts.full_name == "Nguyễn Thị Lan" and facts.address == "Ấp 3"


# -- points and operators -------------------------------------------------------------------


def test_points_and_operators_are_checked_when_created(session: Session) -> None:
    commune = UnitTree.load(session).commune(PHU_TAM)
    with pytest.raises(ValidationError, match="Tên điểm thu nhận"):
        get_or_create_point(session, commune, "Bưu điện\u200b Phú Tâm")
    with pytest.raises(ValidationError, match=r"10\.005"):
        get_or_create_point(session, commune, LONG)
    with pytest.raises(ValidationError, match="Tên đăng nhập"):
        get_or_create_operator(session, "lan\x00.nt")
    with pytest.raises(ValidationError, match="Họ và tên cán bộ"):
        create_operator(
            session,
            username="hoa.lt",
            full_name="Lê Thị\u202e Hoa",
            password="MatKhau@123",
            role=Role.OPERATOR,
        )
    point, _ = get_or_create_point(session, commune, unicodedata.normalize("NFD", "Điểm Mỹ Hòa"))
    assert point.name == "Điểm Mỹ Hòa"
    assert session.scalar(select(func.count()).select_from(Operator)) == 0


# -- records import --------------------------------------------------------------------------


def test_records_import_refuses_control_characters_row_by_row(
    session: Session, tmp_path: Path
) -> None:
    path = write_sheet_csv(
        tmp_path / "ho-so.csv",
        [
            record_row(point_name="Công an\x00 xã Phú Tâm"),
            record_row(operator="lan\x01.nt"),
            record_row(point_name="Công an\x01 xã", operator="lan\x00.nt"),
            # The reader refuses longer cells with the whole file.
            record_row(point_name="B" * 1_000),
            record_row(full_name="Trần Thị\u200b Mỹ Linh"),
            record_row(full_name=unicodedata.normalize("NFD", "Trần Thị Mỹ Linh")),
        ],
    )
    summary = import_records(session, CLI, path, write_rejects=False)
    reasons = {r.row: r.reason for r in summary.rejects}
    assert sorted(reasons) == [2, 3, 4, 5, 6]
    assert "Điểm thu nhận «Công an[U+0000] xã Phú Tâm»" in reasons[2]
    assert "Tên đăng nhập «lan[U+0001].nt»" in reasons[3]
    assert "Điểm thu nhận" in reasons[4] and "Tên đăng nhập" in reasons[4]
    assert "1.000 ký tự" in reasons[5] and len(reasons[5]) <= 200
    assert "Họ và tên" in reasons[6] and "U+200B" in reasons[6]
    assert summary.created == 1
    stored = session.scalars(select(Case)).one()
    assert stored.full_name == "Trần Thị Mỹ Linh"  # the decomposed name, stored as NFC
    names = set(session.scalars(select(IntakePoint.name)))
    assert names == {"Công an xã Phú Tâm"}
    assert set(session.scalars(select(Operator.username))) == {"lan.nt"}
    assert all("\x00" not in r.reason and "\x01" not in r.reason for r in summary.rejects)


# -- packages --------------------------------------------------------------------------------


def package_body(
    point_name: str = "Bưu điện Phường 5", case_name: str = "Lê Thị Hoa"
) -> list[dict[str, Any]]:
    return [*package_head(point_name), hoa_case(case_name)]


def test_a_package_with_hidden_characters_is_cleaned_and_says_so(session: Session) -> None:
    """What a package carries was accepted where it was written and cannot be fixed there
    (its history is immutable): the characters are taken out, nothing is refused, and the
    summary names every text that was changed."""
    body = package_body(point_name="Bưu điện\x01 Phường 5", case_name="Lê Thị\u200b Hoa")
    body[0]["address"] = "Số 1\u202e đường Trần Hưng Đạo"
    body[1] = {"type": "operator", "username": "lan\x00.nt", "full_name": "Nguyễn\u202e Thị Lan"}
    body[2]["events"][0]["operator"] = "lan\x00.nt"
    body[2]["events"][0]["failure_note"] = None
    summary = merge_records(session, body, ImportSummary(Path("g.kpkg")))
    assert (summary.new, summary.refused) == (1, 0)
    point = session.scalars(select(IntakePoint).where(IntakePoint.code == "P1")).one()
    assert (point.name, point.address) == ("Bưu điện Phường 5", "Số 1 đường Trần Hưng Đạo")
    operator = session.scalars(select(Operator)).one()
    assert (operator.username, operator.full_name) == ("lan.nt", "Nguyễn Thị Lan")
    case = session.scalars(select(Case)).one()
    assert case.full_name == "Lê Thị Hoa" and case.history[0].operator_id == operator.id
    described = summary.describe()
    for seen in ("Điểm thu nhận mã «P1»", "«Bưu điện[U+0001] Phường 5»", "U+202E", "U+0000"):
        assert seen in described, described
    assert "Hồ sơ 094180000001 mức 1: «Lê Thị[U+200B] Hoa»" in described
    assert not any(ch in described for ch in "\x00\x01\u200b\u202e")
    session.rollback()


def test_a_package_point_name_too_long_is_cut_and_said(session: Session) -> None:
    summary = merge_records(session, package_body(point_name=LONG), ImportSummary(Path("g.kpkg")))
    assert summary.new == 1
    point = session.scalars(select(IntakePoint).where(IntakePoint.code == "P1")).one()
    assert point.name == "A" * NAME_LENGTH
    assert "10.005 ký tự" in summary.cleaned[0] and len(summary.cleaned[0]) < 300
    session.rollback()


def test_a_clean_package_is_stored_as_sent_and_nfc(session: Session) -> None:
    summary = merge_records(
        session,
        package_body(
            point_name=unicodedata.normalize("NFD", "Bưu điện Phường 5"), case_name=NFD_NGUYEN
        ),
        ImportSummary(Path("g.kpkg")),
    )
    assert (summary.new, summary.cleaned) == (1, [])
    assert session.scalars(select(Case)).one().full_name == "Nguyễn Thị Lan"
    assert "Bưu điện Phường 5" in set(session.scalars(select(IntakePoint.name)))
    session.rollback()


# -- settings and guides ---------------------------------------------------------------------


def test_settings_with_hidden_characters_are_forgotten() -> None:
    settings = LocalSettings.from_json(
        {"point_code": "31573-01\x00", "last_username": "lan\u200b.nt", "printer_name": " HP\u00a0"}
    )
    assert (settings.point_code, settings.last_username, settings.printer_name) == (
        None,
        None,
        "HP",
    )
    kept = LocalSettings.from_json({"point_code": "31573-01", "last_username": "lan.nt"})
    assert (kept.point_code, kept.last_username) == ("31573-01", "lan.nt")


def test_guide_texts_with_hidden_characters_are_refused() -> None:
    guide = replace(default_guide(), hours="7:30\u202e - 17:00", level1_steps=("Mở\x00 app",))
    problems = {p.field: p.message for p in guide_problems(guide)}
    assert set(problems) == {"hours", "level1_steps"}
    assert "Giờ làm việc" in problems["hours"] and "U+202E" in problems["hours"]
