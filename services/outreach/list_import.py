"""`outreach import`: the review lists the commune teams already keep, from a spreadsheet.

Read like `records import` (services/cases/records.py): the same reader, header matching, rejects
file beside the input and messages (`services.spreadsheets.sheet_import`), text checked by the same
hygiene rules. Each row names one person; its identity (`services.outreach.lists.entry_uid`) is
the ID number when given, else the commune, hamlet, name and birth, so importing the same
file twice changes nothing, and a person already listed is left as they are. New people
are written as plain rows in batches (no ORM objects: a province's list is hundreds of
thousands of rows). People listed with an ID number who already have a case move to
"came" or "activated" at once (`services.outreach.lists.link_cases`). One transaction: a file
that cannot be read leaves the database untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.orm import Session

from models.bulk import LARGE_LOAD, bulk_insert, in_slices, indexes_set_aside_for_large_load
from models.entities import Hamlet, OutreachEntry
from services.campaigns.units import UnitTree
from services.common.errors import UserError, ValidationError
from services.common.text import (
    ADDRESS_LENGTH,
    NAME_LENGTH,
    NOTE_LENGTH,
    clean_text,
    fold,
    fold_key,
)
from services.common.vntime import now_utc
from services.outreach.lists import clean_hamlet, entry_uid, hamlet_id, link_cases, parse_birth
from services.person.id_number import normalise_id_number, parse_sex
from services.person.phone import normalise_phone
from services.privacy.purge import refuse_after_purge
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.spreadsheets.reader import Cell, cell_text, digits_cell, read_rows
from services.spreadsheets.sheet_import import (
    CellMemo,
    Reject,
    estimate_sheet_rows,
    find_header,
    read_in_batches,
    reject_of,
    rejects_note,
    write_rejects_beside,
)

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
MEMO_ENTRIES = 50_000  # parsed cells remembered (see `_Importer.memo`)
_T = TypeVar("_T")
SOURCE_LENGTH = 200
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
    return parse_birth(cell_text(cell))


def _free_text(cell: Callable[[str], Cell], problems: list[str]) -> tuple[str | None, str | None]:
    """The row's address and note, cleaned (None where empty or wrong)."""
    found: dict[str, str | None] = {"address": None, "note": None}
    for key, label, limit in (
        ("address", "Địa chỉ", ADDRESS_LENGTH),
        ("note", "Ghi chú", NOTE_LENGTH),
    ):
        raw = cell(key)
        if raw in (None, ""):
            continue
        try:
            text = clean_text(
                raw if isinstance(raw, str) else cell_text(raw),
                label,
                limit,
                multiline=key == "note",
            )
        except ValidationError as error:
            problems.append(error.message)
            continue
        found[key] = text or None
    return found["address"], found["note"]


@dataclass
class _Listed:
    """An entry already listed that a new row may name (see `_Importer._same_person`)."""

    entry_id: int
    id_number: str | None
    birth_date: date | None
    hamlet_id: int


@dataclass
class _Row:
    number: int
    # uid, commune id, hamlet, hamlet key, ID number, then the person's columns of
    # `_INSERTED` from full_name to note.
    values: tuple[Any, ...]


class _Importer:
    def __init__(self, session: Session, tree: UnitTree, source: str) -> None:
        self.session = session
        self.tree = tree
        self.source = source
        self.columns: dict[str, int] = {}
        self.summary = OutreachImportSummary()
        self.communes: dict[Cell, tuple[bool, object]] = {}
        self.parsed = CellMemo(MEMO_ENTRIES)
        self.hamlets: dict[tuple[int, str], int] = {}
        self.seen: set[str] = set()
        # Whether a row new by its uid is looked up as a person already listed (see
        # `_listed_people`); not during a first large load, when the indexes are set aside.
        self.look_up_people = True
        self.now = now_utc()
        self.username = ""
        # The person's cells that may be left empty, each read when written, in this order.
        self.optional_cells: tuple[tuple[str, Callable[[Cell], str]], ...] = (
            ("id_number", lambda raw: normalise_id_number(digits_cell(raw, 12))),
            ("sex", lambda raw: self.memo("sex", raw, lambda c: parse_sex(cell_text(c)))),
            ("phone", lambda raw: normalise_phone(digits_cell(raw, 10))),
        )

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

    def reject(self, number: int, reason: str, cells: list[Cell]) -> None:
        self.summary.rejects.append(reject_of(number, reason, cells, self.columns, COLUMNS))

    def memo(self, column: str, cell: Cell, parse: Callable[[Cell], _T]) -> _T:
        """`parse(cell)` remembered per column and value: sexes and hamlets repeat on every
        row of a list (`services.spreadsheets.sheet_import.CellMemo`)."""
        return self.parsed.get(column, cell, parse)

    @staticmethod
    def hamlet(cell: Cell) -> tuple[str, str]:
        name = clean_hamlet(cell if isinstance(cell, str) else cell_text(cell))
        return name, fold_key(name)

    def parse(self, number: int, cells: list[Cell]) -> _Row:
        """A row as the values of a new entry; raises `ValidationError` with every problem.
        Read in three steps, not a helper per cell: it runs once per person of a province's
        list."""
        columns, width = self.columns, len(cells)

        def cell(key: str) -> Cell:
            index = columns.get(key)
            return cells[index] if index is not None and index < width else None

        problems: list[str] = []
        name, birth, id_number, sex, phone = self.person(cell, problems)
        commune, hamlet = self.place(cell, problems)
        address, note = _free_text(cell, problems)
        if problems:
            raise ValidationError(" ".join(dict.fromkeys(problems)))
        assert name and birth and commune and hamlet
        born, year = birth
        commune_id, commune_code = commune
        hamlet_name, hamlet_key = hamlet
        folded = fold(name)
        uid = entry_uid(
            id_number, commune_code, hamlet_name, name, born or year, folded=(hamlet_key, folded)
        )
        values = (uid, commune_id, hamlet_name, hamlet_key, id_number, name, folded, born, year)
        return _Row(number, (*values, sex, phone, address, note))

    def person(
        self, cell: Callable[[str], Cell], problems: list[str]
    ) -> tuple[str | None, tuple[date | None, int] | None, str | None, str | None, str | None]:
        """The row's person: name, birth, ID number, sex and phone (None where missing or
        wrong, the problem added to `problems`)."""
        name = birth = None
        raw_name = cell("full_name")
        try:
            name = clean_text(
                raw_name if isinstance(raw_name, str) else cell_text(raw_name),
                "Họ và tên",
                NAME_LENGTH,
            )
            if not name:
                problems.append("Thiếu họ và tên.")
        except ValidationError as error:
            problems.append(error.message)
        try:
            birth = birth_cell(cell("birth"))
        except ValidationError as error:
            problems.append(error.message)
        optional: list[str | None] = []
        for key, read in self.optional_cells:
            raw = cell(key)
            value = None
            if raw not in (None, ""):
                try:
                    value = read(raw)
                except ValidationError as error:
                    problems.append(error.message)
            optional.append(value)
        id_number, sex, phone = optional
        return name, birth, id_number, sex, phone

    def place(
        self, cell: Callable[[str], Cell], problems: list[str]
    ) -> tuple[tuple[int, str] | None, tuple[str, str] | None]:
        """The row's commune (id, code) and hamlet (name, key), or None with the problem."""
        commune = hamlet = None
        try:
            commune = self.commune(cell("commune"))
        except ValidationError as error:
            problems.append(error.message)
        try:
            hamlet = self.memo("hamlet", cell("hamlet"), self.hamlet)
        except ValidationError as error:
            problems.append(error.message)
        return commune, hamlet

    def save_batch(self, rows: list[_Row]) -> None:
        uids = [row.values[0] for row in rows]
        known = set(
            self.session.scalars(select(OutreachEntry.uid).where(OutreachEntry.uid.in_(uids)))
        )
        fresh: list[tuple[object, ...]] = []
        numbers: list[str] = []
        tail = (self.source, "not_contacted", False, self.now, self.now)
        listed = self._listed_people([r for r in rows if r.values[0] not in known])
        for row in rows:
            uid, commune_id, hamlet, hamlet_key, id_number, *person = row.values
            if uid in known or uid in self.seen or self._same_person(listed, row, numbers):
                self.summary.already_listed += 1
                continue
            self.seen.add(uid)
            hamlet_row = self.hamlets.get((commune_id, hamlet_key))
            if hamlet_row is None:
                hamlet_row = hamlet_id(self.session, commune_id, hamlet, self.hamlets, hamlet_key)
            fresh.append((uid, commune_id, hamlet_row, id_number, *person, *tail))
            if id_number:
                numbers.append(id_number)
        self.session.flush()
        table = cast(Table, OutreachEntry.__table__)
        bulk_insert(self.session.connection(), table, _INSERTED, fresh)
        self.summary.added += len(fresh)
        if numbers:
            self.summary.moved_by_cases += link_cases(self.session, numbers, self.username).moved

    def _listed_people(self, rows: list[_Row]) -> dict[tuple[int, str, int], list[_Listed]]:
        """The entries already here that rows new by their uid may name, by (commune,
        hamlet, folded name, birth year): a person listed once without their ID number and
        once with it has two uids. Not looked up during a province's first large load (its
        indexes are set aside; nobody was listed before it)."""
        if not rows or not self.look_up_people:
            return {}
        names = sorted({row.values[6] for row in rows})
        numbers = sorted({row.values[4] for row in rows if row.values[4]})
        found: dict[tuple[int, str, int], list[_Listed]] = {}
        query = select(
            OutreachEntry.id,
            OutreachEntry.id_number,
            OutreachEntry.commune_id,
            OutreachEntry.hamlet_id,
            OutreachEntry.name_folded,
            OutreachEntry.birth_year,
            OutreachEntry.birth_date,
        )
        seen: set[int] = set()
        for condition in (
            *(OutreachEntry.name_folded.in_(some) for some in in_slices(names)),
            *(OutreachEntry.id_number.in_(some) for some in in_slices(numbers)),
        ):
            for entry_id, number, commune, hamlet, name, year, born in self.session.execute(
                query.where(condition)
            ):
                if entry_id not in seen:
                    seen.add(entry_id)
                    entry = _Listed(entry_id, number, born, hamlet)
                    found.setdefault((commune, name, year), []).append(entry)
                    if number:
                        found.setdefault((0, number, 0), []).append(entry)
        return found

    def _same_person(
        self, listed: dict[tuple[int, str, int], list[_Listed]], row: _Row, numbers: list[str]
    ) -> bool:
        """Whether the row names a person already listed under the other uid: their ID
        number listed already, or one entry of the same commune, hamlet, name and birth
        listed without a number (it takes the row's number) or, for a row without one,
        with a number. Two or more that fit: it cannot say which, so the row is new."""
        if not listed:
            return False
        _, commune_id, _, hamlet_key, id_number, _, folded, born, year, *_ = row.values
        if id_number and listed.get((0, id_number, 0)):
            return True
        fits = [
            e
            for e in listed.get((commune_id, folded, year), [])
            if bool(e.id_number) != bool(id_number)
            and (born is None or e.birth_date is None or born == e.birth_date)
        ]
        if fits:
            hamlet = self.hamlets.get((commune_id, hamlet_key)) or self.session.scalar(
                select(Hamlet.id).where(
                    Hamlet.commune_id == commune_id, Hamlet.name_key == hamlet_key
                )
            )
            fits = [e for e in fits if e.hamlet_id == hamlet]
        if len(fits) != 1:
            return False
        if id_number:
            self.session.execute(
                update(OutreachEntry)
                .where(OutreachEntry.id == fits[0].entry_id)
                .values(id_number=id_number, facts_at=self.now)
            )
            fits[0].id_number = id_number
            listed[(0, id_number, 0)] = [fits[0]]
            numbers.append(id_number)
        return True


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
    # A province's first list: the secondary indexes are built once at the end.
    existing = session.scalar(select(func.count()).select_from(OutreachEntry)) or 0
    incoming = estimate_sheet_rows(path, SHEET_NAME) if existing < LARGE_LOAD else 0
    importer.look_up_people = not (incoming >= LARGE_LOAD and incoming > existing)
    table = cast(Table, OutreachEntry.__table__)
    with indexes_set_aside_for_large_load(session.connection(), [table], incoming, existing):
        importer.summary.rows_read = read_in_batches(
            rows, importer.parse, importer.save_batch, importer.reject, BATCH_ROWS, progress
        )
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
