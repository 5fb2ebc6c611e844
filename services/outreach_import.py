"""`outreach import`: the review lists the commune teams already keep, from a spreadsheet.

Read like `records import` (services/records.py): the same reader, header matching, rejects
file beside the input and messages (`services.sheet_import`), text checked by the same
hygiene rules. Each row names one person; its identity (`services.outreach.entry_uid`) is
the ID number when given, else the commune, hamlet, name and birth, so importing the same
file twice changes nothing, and a person already listed is left as they are. New people
are written as plain rows in batches (no ORM objects: a province's list is hundreds of
thousands of rows). People listed with an ID number who already have a case move to
"came" or "activated" at once (`services.outreach.link_cases`). One transaction: a file
that cannot be read leaves the database untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.bulk import bulk_insert
from models.entities import OutreachEntry
from services.audit import AuditAction, write_audit
from services.errors import UserError, ValidationError
from services.id_number import normalise_id_number, parse_sex
from services.outreach import clean_hamlet, entry_uid, hamlet_id, link_cases
from services.permissions import Action, require
from services.phone import normalise_phone
from services.purge import refuse_after_purge
from services.session_context import Actor
from services.sheet_import import Reject, find_header, reject_of, rejects_note, write_rejects_beside
from services.spreadsheet import Cell, cell_text, digits_cell, is_blank, read_rows
from services.text import ADDRESS_LENGTH, NAME_LENGTH, NOTE_LENGTH, clean_text, fold
from services.units import UnitTree
from services.vntime import now_utc, parse_date, today_vn

SHEET_NAME = "Danh sách rà soát"
COLUMNS: dict[str, str] = {
    "id_number": "Số định danh",
    "full_name": "Họ và tên",
    "birth": "Ngày sinh",
    "sex": "Giới tính",
    "phone": "Số điện thoại",
    "commune": "Mã xã",
    "hamlet": "Khóm/ấp",
    "address": "Địa chỉ",
    "note": "Ghi chú",
}
OPTIONAL = {"id_number", "sex", "phone", "address", "note"}
REQUIRED = [key for key in COLUMNS if key not in OPTIONAL]
BATCH_ROWS = 2000
SOURCE_LENGTH = 200
FIRST_YEAR = 1880
_INSERTED = (
    "uid",
    "commune_id",
    "hamlet_id",
    "id_number",
    "full_name",
    "name_folded",
    "birth_date",
    "birth_year",
    "sex",
    "phone",
    "address",
    "note",
    "source",
    "status",
    "do_not_contact",
    "listed_at",
    "facts_at",
)


@dataclass
class OutreachImportSummary:
    rows_read: int = 0
    added: int = 0
    already_listed: int = 0
    moved_by_cases: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejects_file: Path | None = None
    rejects_file_error: str | None = None

    def describe(self) -> str:
        text = (
            f"Đã đọc {self.rows_read} dòng: {self.added} người mới vào danh sách, "
            f"{self.already_listed} người đã có (không đổi), {len(self.rejects)} dòng lỗi."
        )
        if self.moved_by_cases:
            text += (
                f" {self.moved_by_cases} người đã có hồ sơ ở điểm thu nhận: chuyển sang «Đã đến» "
                "hoặc «Đã kích hoạt»."
            )
        return text + rejects_note(self.rejects_file, self.rejects_file_error)


def birth_cell(cell: Cell) -> tuple[date | None, int]:
    """`Ngày sinh`: a date (dd/mm/yyyy or an Excel date) or a year alone."""
    if isinstance(cell, datetime):
        return cell.date(), cell.year
    if isinstance(cell, date):
        return cell, cell.year
    text = cell_text(cell)
    if not text:
        raise ValidationError("Thiếu ngày sinh (ngày/tháng/năm, hoặc chỉ năm sinh).")
    if text.isdigit() and len(text) == 4:
        born, year = None, int(text)
    else:
        born = parse_date(text, "Ngày sinh")
        year = born.year
    if not FIRST_YEAR <= year <= today_vn().year or (born is not None and born > today_vn()):
        raise ValidationError(f"Ngày sinh «{text}» không hợp lý (năm {year}).")
    return born, year


@dataclass
class _Row:
    number: int
    cells: list[Cell]
    values: dict[str, object]


class _Importer:
    def __init__(self, session: Session, tree: UnitTree, source: str) -> None:
        self.session = session
        self.tree = tree
        self.source = source
        self.columns: dict[str, int] = {}
        self.summary = OutreachImportSummary()
        self.communes: dict[Cell, tuple[bool, object]] = {}
        self.hamlets: dict[tuple[int, str], int] = {}
        self.seen: set[str] = set()
        self.now = now_utc()
        self.username = ""

    def cell(self, cells: list[Cell], key: str) -> Cell:
        index = self.columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def text(self, cells: list[Cell], key: str) -> str:
        """As written, for `clean_text` to judge (as `records import` does)."""
        cell = self.cell(cells, key)
        return cell if isinstance(cell, str) else cell_text(cell)

    def commune(self, cell: Cell) -> tuple[int, str]:
        found = self.communes.get(cell)
        if found is None:
            try:
                unit = self.tree.commune(digits_cell(cell, 5))
                found = (True, (unit.id, unit.code))
            except UserError as error:
                found = (False, f"Mã xã: {error}")
            if len(self.communes) < 10_000:
                self.communes[cell] = found
        ok, value = found
        if not ok:
            raise ValidationError(str(value))
        return value  # type: ignore[return-value]

    def parse(self, number: int, cells: list[Cell]) -> _Row:
        problems: list[str] = []

        def check(parse: Callable[[], object]) -> object:
            try:
                return parse()
            except ValidationError as error:
                problems.append(error.message)
                return None

        name = check(lambda: clean_text(self.text(cells, "full_name"), "Họ và tên", NAME_LENGTH))
        if name == "":
            problems.append("Thiếu họ và tên.")
        birth = check(lambda: birth_cell(self.cell(cells, "birth")))
        raw_number = cell_text(self.cell(cells, "id_number"))
        id_number = (
            check(lambda: normalise_id_number(digits_cell(self.cell(cells, "id_number"), 12)))
            if raw_number
            else None
        )
        sex_text = cell_text(self.cell(cells, "sex"))
        sex = check(lambda: parse_sex(sex_text)) if sex_text else None
        phone_text = digits_cell(self.cell(cells, "phone"), 10) if self.cell(cells, "phone") else ""
        phone = check(lambda: normalise_phone(phone_text)) if phone_text else None
        commune = check(lambda: self.commune(self.cell(cells, "commune")))
        hamlet = check(lambda: clean_hamlet(self.text(cells, "hamlet")))
        address = check(
            lambda: clean_text(self.text(cells, "address"), "Địa chỉ", ADDRESS_LENGTH) or None
        )
        note = check(
            lambda: (
                clean_text(self.text(cells, "note"), "Ghi chú", NOTE_LENGTH, multiline=True) or None
            )
        )
        if problems:
            raise ValidationError(" ".join(dict.fromkeys(problems)))
        assert isinstance(name, str) and isinstance(hamlet, str)
        born, year = cast(tuple[date | None, int], birth)
        commune_id, commune_code = cast(tuple[int, str], commune)
        values: dict[str, object] = {
            "uid": entry_uid(
                cast(str | None, id_number),
                commune_code,
                hamlet,
                name,
                born or year,
            ),
            "commune_id": commune_id,
            "hamlet": hamlet,
            "id_number": id_number,
            "full_name": name,
            "name_folded": fold(name),
            "birth_date": born,
            "birth_year": year,
            "sex": sex,
            "phone": phone,
            "address": address,
            "note": note,
        }
        return _Row(number, cells, values)

    def save_batch(self, rows: list[_Row]) -> None:
        uids = [str(r.values["uid"]) for r in rows]
        known = set(
            self.session.scalars(select(OutreachEntry.uid).where(OutreachEntry.uid.in_(uids)))
        )
        fresh: list[tuple[object, ...]] = []
        numbers: list[str] = []
        for row in rows:
            uid = str(row.values["uid"])
            if uid in known or uid in self.seen:
                self.summary.already_listed += 1
                continue
            self.seen.add(uid)
            values = dict(row.values)
            values["hamlet_id"] = hamlet_id(
                self.session,
                cast(int, values["commune_id"]),
                str(values.pop("hamlet")),
                self.hamlets,
            )
            values.update(
                source=self.source,
                status="not_contacted",
                do_not_contact=False,
                listed_at=self.now,
                facts_at=self.now,
            )
            fresh.append(tuple(values[name] for name in _INSERTED))
            if values["id_number"]:
                numbers.append(str(values["id_number"]))
        self.session.flush()
        bulk_insert(self.session.connection(), OutreachEntry.__table__, _INSERTED, fresh)  # type: ignore[arg-type]
        self.summary.added += len(fresh)
        if numbers:
            self.summary.moved_by_cases += link_cases(self.session, numbers, self.username).moved


def import_outreach(
    session: Session,
    actor: Actor,
    path: Path,
    source: str | None = None,
    progress: Callable[[int], None] | None = None,
    write_rejects: bool = True,
) -> OutreachImportSummary:
    """Import one review list into `session` (the caller commits). Raises
    `UnreadableFileError` (exit 2 on the command line) for a file that cannot be read or
    lacks a required column; bad rows are listed, the others saved. Audited with counts."""
    require(actor, Action.OUTREACH_MANAGE)
    refuse_after_purge(session, "nhập danh sách rà soát")
    label = clean_text(source if source is not None else path.name, "Nguồn", SOURCE_LENGTH)
    importer = _Importer(session, UnitTree.load(session), label or path.name)
    importer.username = actor.username
    rows = read_rows(path, SHEET_NAME)
    _, importer.columns = find_header(
        rows,
        COLUMNS,
        REQUIRED,
        path,
        "Dòng tiêu đề cần các cột: " + ", ".join(COLUMNS.values()) + " (xem README).",
    )
    batch: list[_Row] = []
    for number, cells in rows:
        if is_blank(cells):
            continue
        importer.summary.rows_read += 1
        try:
            batch.append(importer.parse(number, cells))
        except ValidationError as error:
            importer.summary.rejects.append(reject_of(number, error.message, cells))
        if len(batch) >= BATCH_ROWS:
            importer.save_batch(batch)
            batch = []
            if progress:
                progress(importer.summary.rows_read)
    if batch:
        importer.save_batch(batch)
    summary = importer.summary
    if write_rejects:
        summary.rejects_file, summary.rejects_file_error = write_rejects_beside(
            path, summary.rejects, list(COLUMNS.values())
        )
    write_audit(
        session,
        actor,
        AuditAction.OUTREACH_IMPORT,
        f"Nhập danh sách rà soát từ tệp {path.name}: {summary.added} người mới, "
        f"{len(summary.rejects)} dòng lỗi",
        {
            "file": path.name,
            "source": importer.source,
            "rows": summary.rows_read,
            "added": summary.added,
            "already_listed": summary.already_listed,
            "rejected": len(summary.rejects),
        },
    )
    return summary
