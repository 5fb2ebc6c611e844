"""Every export survives whatever text a database holds: no formula, no control character.

Hostile text (formulas, DDE payloads, leading tab/CR, NUL and other controls, bidi
overrides, text longer than a cell) is written straight into the database, as an older
version or a hand-edited file could have left it, and every export is made and read back.
"""

from __future__ import annotations

import csv
import io
import operator
import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

import msoffcrypto
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models.codes import FailureReason, Status
from models.entities import Campaign, Case, IntakePoint, Operator
from services.cases.records import COLUMNS, Reject, import_records, rejects_path, save_rejects
from services.documents import detail_list
from services.documents.detail_list import write_detail_list
from services.documents.report import write_report
from services.security.audit import AuditAction, AuditFilter, export_entries, write_audit
from services.spreadsheets.export_cells import (
    MAX_CELL_TEXT,
    CsvWriter,
    csv_cell,
    safe_text,
    set_cell,
    spreadsheet_text,
    starts_like_formula,
)
from services.spreadsheets.reader import csv_text
from tests.factories import CLI, World

AS_OF = date(2023, 7, 25)
PASSWORD = "mat-khau-du-dai"
# What no exported cell may hold (tab and line feed are harmless inside a cell).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffe\uffff]")
# The report's own formulas refer to cells only: no quotes, no names, no text.
OWN_FORMULA = re.compile(r"=[A-Z0-9(),:+\-*/<>=. ]+")

HOSTILE = [
    "=1+2",
    '=HYPERLINK("http://x","Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+2",
    "\r=1+2",
    "\n=1+2",
    "\uff1d1+2",  # a full-width equals sign
    "Điểm\x00 Phú\x01 Tâm",
    "\x1b[31mđỏ\x1b[0m",
    "abc\u202edcb\u202c",
    "\x7f\x85\x9f",
    "x" * 40_000,
    "=" + "y" * 40_000,
]
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.builds(
        operator.add,
        st.sampled_from(["=", "+", "-", "@", "\t", "\r", "\x00", "\x01", "\u202e", ""]),
        st.text(max_size=40),
    ),
)


@dataclass
class Fields:
    point_name: str
    username: str
    operator_name: str
    citizen_name: str
    address: str
    failure_note: str
    campaign_name: str
    audit_summary: str
    audit_user: str
    reject_reason: str
    reject_cell: str


fields = st.builds(Fields, *[hostile] * 11)


@dataclass
class Opened:
    formulas: int = 0
    texts: set[str] = field(default_factory=set)


# -- the cell writer itself ---------------------------------------------------------------


@given(st.text())
def test_safe_text_keeps_no_control_character(text: str) -> None:
    cleaned = safe_text(text)
    assert not CONTROL.search(cleaned) and "\r" not in cleaned
    assert len(spreadsheet_text(text)) <= MAX_CELL_TEXT


@given(st.one_of(hostile, st.text()))
def test_a_csv_cell_never_starts_like_a_formula(text: str) -> None:
    cell = csv_cell(text)
    assert not starts_like_formula(cell)
    expected = safe_text(text)
    assert cell == ("'" + expected if starts_like_formula(expected) else expected)


def test_the_cell_writer_by_example() -> None:
    assert safe_text("Điểm\x00 A\x01\r\nB\rC\t\u202e") == "Điểm A\nB\nC\t"
    assert safe_text(None) == "" and safe_text(12) == "12"
    assert csv_cell("=1+2") == "'=1+2"
    assert csv_cell("\t-1") == "'\t-1"
    assert csv_cell("Trần Thị Mỹ Linh") == "Trần Thị Mỹ Linh"
    assert csv_cell(-3) == "-3"  # a number is not a formula
    assert csv_text([["=1+2", "a\x00b"]]) == "'=1+2,ab\r\n"
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for column, value in enumerate(["=1+2", "x\x00y", 7, None], start=1):
        set_cell(sheet.cell(row=1, column=column), value)
    assert [c.data_type for c in sheet[1]] == ["s", "s", "n", "n"]
    assert [c.value for c in sheet[1]] == ["=1+2", "xy", 7, None]
    assert sheet["A1"].quotePrefix and not sheet["B1"].quotePrefix


# -- every export, fed hostile text ---------------------------------------------------------


def _world(session: Session) -> tuple[World, list[int]]:
    world = World(session)
    activated = world.facts(tail=1)
    world.record(activated, world.report(Status.ACTIVATED, "2023-07-22 10:00"))
    failed = world.facts(tail=2, name="Lê Văn Bình", sex="Nam")
    world.record(
        failed, world.report(Status.FAILED, "2023-07-22 11:00", reason=FailureReason.QR_SCAN)
    )
    session.commit()
    cases = list(session.scalars(select(Case.id).order_by(Case.id)))
    return world, cases


def _store(session: Session, world: World, cases: list[int], f: Fields, backend: str) -> None:
    """The hostile text written straight into the database, past every entry point."""

    def db(text: str, length: int | None = None) -> str:
        if backend == "postgresql":  # PostgreSQL itself refuses NUL in text
            text = text.replace("\x00", "")
        return text[:length] if length else text

    session.execute(
        update(IntakePoint)
        .where(IntakePoint.id == world.point_phu_tam.id)
        .values(name=db(f.point_name))
    )
    session.execute(
        update(Operator)
        .where(Operator.id == world.operator.id)
        .values(username=db(f.username, 64), full_name=db(f.operator_name))
    )
    session.execute(
        update(Case)
        .where(Case.id.in_(cases))
        .values(full_name=db(f.citizen_name), address=db(f.address))
    )
    session.execute(update(Case).values(failure_note=db(f.failure_note)))
    session.execute(update(Campaign).values(name=db(f.campaign_name)))
    write_audit(
        session,
        None,
        AuditAction.SIGN_IN_FAILED,
        db(f.audit_summary),
        {"note": db(f.audit_summary)},
        username=db(f.audit_user, 80),
    )
    session.flush()
    session.expire_all()


def _plain_copy(source: BinaryIO, password: str, handle: BinaryIO) -> None:
    shutil.copyfileobj(source, handle)  # the property test reads the list unencrypted


def _check_workbook(path: Path | io.BytesIO, *, own_formulas: bool = False) -> Opened:
    """Every cell of every sheet: no formula (but the report's own), no control character."""
    opened = Opened()
    for sheet in load_workbook(path).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    assert own_formulas and OWN_FORMULA.fullmatch(cell.value), cell.value
                    opened.formulas += 1
                elif isinstance(cell.value, str):
                    assert not CONTROL.search(cell.value), (cell.coordinate, cell.value[:80])
                    assert "\r" not in cell.value and len(cell.value) <= MAX_CELL_TEXT
                    if starts_like_formula(cell.value):
                        assert cell.data_type == "s"
                    opened.texts.add(cell.value)
    return opened


def _check_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    for row in rows:
        for value in row:
            assert not CONTROL.search(value) and "\r" not in value, value[:80]
            assert not starts_like_formula(value), value[:80]
    return rows


def test_every_export_writes_hostile_text_as_plain_text(
    session: Session, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world, cases = _world(session)
    monkeypatch.setattr(detail_list, "encrypt_ooxml", _plain_copy)
    clean = write_report(session, CLI, AS_OF, tmp_path / "clean.xlsx")
    clean_formulas = _check_workbook(clean, own_formulas=True).formulas
    session.rollback()
    assert clean_formulas > 0  # the report's totals stay formulas

    @settings(max_examples=20, deadline=None)
    @given(f=fields)
    def check(f: Fields) -> None:
        savepoint = session.begin_nested()
        try:
            _store(session, world, cases, f, backend)
            report = write_report(session, CLI, AS_OF, tmp_path / "bao-cao.xlsx")
            opened = _check_workbook(report, own_formulas=True)
            assert opened.formulas == clean_formulas
            point = spreadsheet_text(f.point_name)
            assert point.strip() in {t.strip() for t in opened.texts} or not point.strip()

            details = write_detail_list(session, CLI, tmp_path / "chi-tiet.xlsx", PASSWORD).path
            name = spreadsheet_text(f.citizen_name)
            assert name in _check_workbook(details).texts or not name

            export_entries(session, CLI, AuditFilter(), tmp_path / "nhat-ky.xlsx")
            _check_workbook(tmp_path / "nhat-ky.xlsx")
            export_entries(session, CLI, AuditFilter(), tmp_path / "nhat-ky.csv")
            summaries = [row[5] for row in _check_csv(tmp_path / "nhat-ky.csv")]
            assert csv_cell(f.audit_summary) in summaries

            cells = [f.reject_cell, "094190000001", f.citizen_name]
            save_rejects(tmp_path / "loi.csv", [Reject(7, f.reject_reason, cells)])
            rows = _check_csv(tmp_path / "loi.csv")
            assert rows[1] == ["7", csv_cell(f.reject_reason), *map(csv_cell, cells)]
        finally:
            savepoint.rollback()

    check()


# -- item 1 of issue 14: the report from a database with control characters ---------------


def test_the_report_is_made_when_a_point_name_holds_nul_and_soh(
    session: Session, backend: str, tmp_path: Path
) -> None:
    world, _cases = _world(session)
    name = "Điểm\x00 Phú\x01 Tâm" if backend == "sqlite" else "Điểm Phú\x01 Tâm"
    session.execute(
        update(IntakePoint).where(IntakePoint.id == world.point_phu_tam.id).values(name=name)
    )
    session.execute(
        update(Operator).where(Operator.id == world.operator.id).values(full_name="Lan\x01\x02")
    )
    session.commit()
    out = write_report(session, CLI, AS_OF, tmp_path / "bao-cao.xlsx")
    session.commit()
    assert {"Điểm Phú Tâm", "Lan"} <= _check_workbook(out, own_formulas=True).texts


def test_the_encrypted_detail_list_holds_formulas_as_text(session: Session, tmp_path: Path) -> None:
    world, cases = _world(session)
    session.execute(
        update(IntakePoint)
        .where(IntakePoint.id == world.point_phu_tam.id)
        .values(name='=HYPERLINK("http://x","y")')
    )
    session.execute(update(Case).where(Case.id.in_(cases)).values(full_name="=1+2", address="@A"))
    session.commit()
    out = write_detail_list(session, CLI, tmp_path / "chi-tiet.xlsx", PASSWORD).path
    with out.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        office.load_key(password=PASSWORD)
        plain = io.BytesIO()
        office.decrypt(plain)
    plain.seek(0)
    texts = _check_workbook(plain).texts
    assert {'=HYPERLINK("http://x","y")', "=1+2", "@A"} <= texts


def test_the_rejects_file_of_an_import_holds_formulas_as_text(
    session: Session, tmp_path: Path
) -> None:
    source = tmp_path / "ho-so.csv"
    row: dict[str, Any] = dict.fromkeys(COLUMNS, "")
    row |= {"full_name": "=1+2", "point_name": "@SUM(A1)", "operator": "+cmd|' /C calc'!A0"}
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS.values())
        writer.writerow(row.values())
    summary = import_records(session, CLI, source)
    assert len(summary.rejects) == 1
    rows = _check_csv(rejects_path(source))
    assert {"'=1+2", "'@SUM(A1)", "'+cmd|' /C calc'!A0"} <= set(rows[1])


def test_the_csv_writer_prefixes_every_field() -> None:
    buffer = io.StringIO()
    CsvWriter(buffer).writerows([["=a", "-b", "c"], [1, -2, None]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["'=a", "'-b", "c"],
        ["1", "-2", ""],
    ]
