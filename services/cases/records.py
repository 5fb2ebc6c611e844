"""Cases in spreadsheets: the import template and `records import`.

Each row says where one case stood at one moment: it becomes one event of the case, with
the facts the row gives, identified by the hash of what the row says (so the same row read
again, here or in another database, is recognised). Valid rows are saved; each invalid row
is reported with its row number and reason, on the terminal and in a rejects file beside
the input. A row that contradicts where its case stands (a failure after an activation) is
kept in the history as a record and listed; so is a row whose facts disagree with the case
(a conflict for a manager). Importing the same file twice changes nothing the second time.
The whole import is one transaction: a file that cannot be read leaves the database
untouched.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import queue
import threading
from collections import Counter
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from models.bulk import driver_value, indexes_set_aside_for_large_load, large_page_cache
from models.codes import OUTSIDE_PROVINCE, FailureReason, Status
from models.entities import Case, IntakePoint, Operator
from models.event_ids import content_uid
from services.campaigns.campaign import active_campaign
from services.campaigns.directory import (
    get_or_create_operator,
    get_or_create_point,
    normalise_username,
)
from services.campaigns.units import UnitTree
from services.cases.fold import Claim, Record
from services.cases.recording import (
    OPERATOR_STAND_IN,
    POINT_STAND_IN,
    CaseFacts,
    FactsDraft,
    FactSets,
    FreshCase,
    Outcome,
    Places,
    StatusReport,
    check_facts,
    claim_at,
    claim_digest_of,
    find_cases,
    fresh_case,
    insert_new_cases,
    record_report,
)
from services.common.errors import UserError, ValidationError
from services.common.files import saved_whole
from services.common.labels import (
    LEVEL_LABELS,
    STATUS_LABELS,
    parse_failure_reason,
    parse_level,
    parse_status,
)
from services.common.text import NAME_LENGTH, NOTE_LENGTH, clean_text, fold_key
from services.common.vntime import format_date, format_moment, local_day, now_utc
from services.outreach.lists import link_cases
from services.privacy.consent import ConsentRecord, import_record
from services.privacy.erasure_marks import erased_uids
from services.privacy.purge import refuse_after_purge
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.spreadsheets.export_cells import set_cell
from services.spreadsheets.reader import (
    Cell,
    UnreadableFileError,
    cell_text,
    date_cell,
    digits_cell,
    is_blank,
    moment_cell,
    read_rows,
)
from services.spreadsheets.sheet_import import (
    CellMemo,
    Reject,
    estimate_sheet_rows,
    find_header,
    reject_of,
    rejects_note,
    rejects_path,
    save_rejects_to,
    write_rejects_beside,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

SHEET_NAME = "Hồ sơ"
COLUMNS: dict[str, str] = {
    "id_number": "Số định danh",
    "full_name": "Họ và tên",
    "birth_date": "Ngày sinh",
    "sex": "Giới tính",
    "phone": "Số điện thoại",
    "residence_code": "Mã xã thường trú",
    "level": "Mức",
    "status": "Trạng thái",
    "failure_reason": "Lý do thất bại",
    "point_commune_code": "Mã xã thu nhận",
    "point_name": "Điểm thu nhận",
    "moment": "Thời điểm",
    "operator": "Cán bộ",
}
OPTIONAL = {"phone", "failure_reason"}
REQUIRED = [key for key in COLUMNS if key not in OPTIONAL]
BATCH_ROWS = 1000
# Build cases new to the database as plain rows (`fresh_case`); False sends every row through
# `record_report`, which the tests use to check that both paths write the same rows.
FAST_PATH = True
# Parsed cells remembered per column (see `_Importer.memo`): enough for every code, label,
# point and operator of a province, bounded so that a file of unique values stays flat.
MEMO_ENTRIES = 50_000
_T = TypeVar("_T")


def _level(cell: Cell) -> int:
    return parse_level(cell_text(cell))


def _status(cell: Cell) -> Status:
    return parse_status(cell_text(cell))


# `Mã xã thường trú` for a citizen whose permanent residence is in another province.
OUTSIDE_LABEL = "Ngoài tỉnh"
OUTSIDE_KEYS = {fold_key(OUTSIDE_PROVINCE), fold_key(OUTSIDE_LABEL)}


@dataclass
class ImportSummary:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejects: list[Reject] = field(default_factory=list)
    # Reports kept in the history that change nothing (they contradict an activation...).
    records: list[str] = field(default_factory=list)
    # Cases whose reports now disagree on who the person is or where they live.
    conflicts: set[str] = field(default_factory=set)
    # Rows dated outside the campaign's period: saved on their own day, and said so.
    outside_period: list[str] = field(default_factory=list)
    # Rows of citizens erased here on request (`services.privacy.erasure_marks`): left out.
    erased: int = 0
    rejects_file: Path | None = None
    rejects_file_error: str | None = None

    @property
    def saved(self) -> int:
        return self.created + self.updated

    def describe(self) -> str:
        text = (
            f"Đã đọc {self.rows_read} dòng: {self.created} hồ sơ mới, {self.updated} cập nhật, "
            f"{self.unchanged} không đổi, {len(self.rejects)} dòng lỗi."
        )
        if self.records:
            text += (
                f" {len(self.records)} báo cáo mâu thuẫn với trạng thái của hồ sơ: giữ trong "
                "lịch sử, không đổi hồ sơ."
            )
        if self.conflicts:
            text += (
                f" {len(self.conflicts)} hồ sơ có thông tin khác nhau giữa các báo cáo: chờ quản "
                "lý quyết định (Tệp → Mâu thuẫn thông tin)."
            )
        if self.outside_period:
            text += (
                f" {len(self.outside_period)} dòng ghi ngày ngoài thời gian kế hoạch: vẫn lưu "
                "và tính theo ngày thực tế (có trong số lũy kế, không thuộc ngày nào của kế "
                "hoạch)."
            )
        if self.erased:
            text += (
                f" Bỏ qua {self.erased} dòng của công dân đã xóa theo yêu cầu tại đây (không "
                "nhập lại, không ghi vào tệp lỗi)."
            )
        return text + rejects_note(self.rejects_file, self.rejects_file_error)


class _Shelf(Generic[_T]):
    """Values that travel from the second process pickled together (one chunk's), and are
    unpickled only when the importing process first asks for one of them: most rows of a
    big import never need what they hold (see `_Row.details`)."""

    __slots__ = ("_items", "_pickled")

    def __init__(self, items: list[_T] | None, pickled: bytes | None = None) -> None:
        self._items = items
        self._pickled = pickled

    @property
    def items(self) -> list[_T]:
        if self._items is None:
            assert self._pickled is not None
            self._items = pickle.loads(self._pickled)  # noqa: S301 - our second process's bytes
            self._pickled = None
        return self._items

    def __reduce__(self) -> tuple[type[_Shelf[_T]], tuple[None, bytes]]:
        pickled = self._pickled
        if pickled is None:
            pickled = pickle.dumps(self._items, pickle.HIGHEST_PROTOCOL)
        return (_Shelf, (None, pickled))


class _Packed(Generic[_T]):
    """One value on a `_Shelf`."""

    __slots__ = ("index", "shelf")

    def __init__(self, shelf: _Shelf[_T], index: int) -> None:
        self.shelf = shelf
        self.index = index

    @staticmethod
    def alone(value: _T) -> _Packed[_T]:
        return _Packed(_Shelf([value]), 0)

    @property
    def value(self) -> _T:
        return self.shelf.items[self.index]

    def __reduce__(self) -> tuple[type[_Packed[_T]], tuple[_Shelf[_T], int]]:
        return (_Packed, (self.shelf, self.index))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Packed) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


def _shelve(items: list[_Row | Reject]) -> None:
    """The details of a chunk's rows put on one shelf: pickled at once, unpickled at once."""
    rows = [item for item in items if isinstance(item, _Row)]
    shelf = _Shelf([row.details.value for row in rows])
    for index, row in enumerate(rows):
        row.details = _Packed(shelf, index)


@dataclass
class _Details:
    """What a row says beyond its key, point and operator: needed when it goes through
    `record_report` (its case is not new) or is rejected by the importing process."""

    cells: list[Cell]
    status: Status
    report_fields: dict[str, object]
    facts: CaseFacts
    # What the row says about the citizen.
    claim: Claim

    def __reduce__(self) -> tuple[Callable[..., _Details], tuple[object, ...]]:
        """Pickled as plain values: objects one by one cost three times as much to unpickle."""
        facts = self.facts
        at = self.report_fields["at"]
        reason = self.report_fields["failure_reason"]
        assert isinstance(at, datetime)
        return (
            _details_from_values,
            (
                self.cells,
                self.status.value,
                at.isoformat(),
                reason.value if isinstance(reason, FailureReason) else None,
                self.report_fields["failure_note"],
                (
                    facts.id_number,
                    facts.full_name,
                    facts.birth_date,
                    facts.sex,
                    facts.phone,
                    facts.address,
                    facts.residence_commune_id,
                ),
                self.claim.residence,
            ),
        )


def _details_from_values(
    cells: list[Cell],
    status: str,
    at: str,
    failure_reason: str | None,
    failure_note: str | None,
    facts_values: tuple[str, str, date, str, str | None, str | None, int | None],
    residence: str,
) -> _Details:
    """`_Details` again from what `_Details.__reduce__` gave."""
    facts = CaseFacts(*facts_values)
    report_fields: dict[str, object] = {
        "at": datetime.fromisoformat(at),
        "failure_reason": None if failure_reason is None else FailureReason(failure_reason),
        "failure_note": failure_note,
    }
    return _Details(cells, Status(status), report_fields, facts, claim_at(facts, residence))


@dataclass
class _Row:
    """A checked row, with its case built as new to the database (`fresh`): the importing
    process looks only at the fields here unless the case is known (`details`)."""

    number: int
    # The ID number as the cell gives it, and normalised (`facts.id_number`).
    id_number_as_written: str
    id_number: str
    level: int
    point_commune_id: int
    point_name: str
    operator: str
    # The row's fact set's digest and its event's uid (the hash of what the row says).
    digest: str
    uid: str
    # The note for a row dated outside the campaign's period (None: inside).
    outside_period: str | None
    # The case as `fresh_case` builds it, its point and operator by their stand-ins; or the
    # reason the row cannot make a new case (a rule its report breaks); None: not built yet
    # (`_RowParser.build_fresh`).
    fresh: FreshCase | str | None
    details: _Packed[_Details]

    @property
    def cells(self) -> list[Cell]:
        return self.details.value.cells

    @property
    def status(self) -> Status:
        return self.details.value.status

    @property
    def report_fields(self) -> dict[str, object]:
        return self.details.value.report_fields

    @property
    def facts(self) -> CaseFacts:
        return self.details.value.facts


class _RowParser:
    """A row's cells checked and turned into a `_Row`: pure (no database), so that a big
    file can be read and checked in a second process (`_rows_from_worker`)."""

    def __init__(
        self,
        tree: UnitTree,
        today: date,
        consent: ConsentRecord,
        period: tuple[date, date],
        dialect: str,
    ) -> None:
        self.tree = tree
        self.today = today
        # The import's consent record (`services.privacy.consent.import_record`), the
        # campaign's first and last day, the form of dates and times for the database.
        self.consent = consent
        self.period = period
        self.driver_value = driver_value(dialect)
        # Whether `parse` builds each row's case as new (`_Row.fresh`); if not, the importing
        # process does when it needs it. The second process builds them while it is ahead
        # of the importing one, so that both keep busy (`_check_in_worker`).
        self.build_fresh = True
        self.columns: dict[str, int] = {}
        self.parsed = CellMemo(MEMO_ENTRIES)

    def cell(self, cells: list[Cell], key: str) -> Cell:
        index = self.columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    def text(self, cells: list[Cell], key: str) -> str:
        """A text cell as written, for `clean_text` to judge: `cell_text` would already have
        turned some control characters (U+001C to U+001F, U+0085) into spaces."""
        cell = self.cell(cells, key)
        return cell if isinstance(cell, str) else cell_text(cell)

    def memo(self, column: str, cell: Cell, parse: Callable[[Cell], _T]) -> _T:
        """`parse(cell)`, remembered per column and raw value: codes, labels, points and
        operators repeat on every row of a big file (`services.spreadsheets.sheet_import.CellMemo`)."""
        return self.parsed.get(column, cell, parse)

    def residence(self, cell: Cell) -> int | None:
        """The commune id of `Mã xã thường trú`; None for a residence in another province."""
        if fold_key(cell_text(cell)) in OUTSIDE_KEYS:
            return None
        try:
            return self.tree.commune(digits_cell(cell, 5)).id
        except UserError as error:
            raise ValidationError(f"Nơi thường trú: {error}", "residence") from error

    def point_commune(self, cell: Cell) -> int:
        try:
            return self.tree.commune(digits_cell(cell, 5)).id
        except UserError as error:
            raise ValidationError(f"Nơi thu nhận: {error}") from error

    @staticmethod
    def point_name(cell: Cell) -> str:
        text = cell if isinstance(cell, str) else cell_text(cell)
        point_name = clean_text(text, "Điểm thu nhận", NAME_LENGTH)
        if not point_name:
            raise ValidationError("Thiếu tên điểm thu nhận.")
        return point_name

    @staticmethod
    def operator(cell: Cell) -> str:
        operator = cell_text(cell)
        if not operator:
            raise ValidationError("Thiếu tên đăng nhập của cán bộ.")
        # Checked as written; the row's uid keeps the cell's text.
        normalise_username(cell if isinstance(cell, str) else operator)
        return operator

    @staticmethod
    def failure(cell: Cell, status: Status | None) -> tuple[FailureReason | None, str | None]:
        reason_text = cell_text(cell)
        if status == Status.FAILED:
            if not reason_text:
                raise ValidationError("Trạng thái Thất bại cần ghi lý do thất bại.")
            reason, note = parse_failure_reason(reason_text)
            if note:
                clean_text(note, "Lý do thất bại", NOTE_LENGTH)
            return reason, note
        if reason_text and status is not None:
            raise ValidationError(
                f"Có lý do thất bại nhưng trạng thái là «{STATUS_LABELS[status]}»: chỉ ghi lý do "
                "khi trạng thái là Thất bại."
            )
        return None, None

    def draft(self, cells: list[Cell]) -> FactsDraft:
        draft = FactsDraft(
            id_number=digits_cell(self.cell(cells, "id_number"), 12),
            full_name=self.text(cells, "full_name"),
            sex=cell_text(self.cell(cells, "sex")),
            phone=digits_cell(self.cell(cells, "phone"), 10),
        )
        try:
            draft.birth_date = date_cell(self.cell(cells, "birth_date"), "Ngày sinh")
        except ValidationError as error:
            draft.errors.append(ValidationError(error.message, "birth_date"))
        try:
            draft.residence_commune_id = self.memo(
                "residence", self.cell(cells, "residence_code"), self.residence
            )
            draft.residence_outside = draft.residence_commune_id is None
        except ValidationError as error:
            draft.errors.append(error)
        return draft

    def checked(
        self, problems: list[str], key: str, cells: list[Cell], parse: Callable[[Cell], _T]
    ) -> _T | None:
        """The column `key` of a row parsed (see `memo`); None, with its problem noted."""
        try:
            return self.memo(key, self.cell(cells, key), parse)
        except ValidationError as error:
            problems.append(error.message)
            return None

    def parse(self, number: int, cells: list[Cell]) -> _Row:
        """A row as a draft and a report; raises `ValidationError` with every problem found."""
        problems: list[str] = []
        draft = self.draft(cells)
        level = self.checked(problems, "level", cells, _level)
        status = self.checked(problems, "status", cells, _status)
        reason = note = moment = None
        try:  # remembered per status too: the same reason is right for one, wrong for another
            reason, note = self.memo(
                f"failure {status}",
                self.cell(cells, "failure_reason"),
                lambda cell: self.failure(cell, status),
            )
        except ValidationError as error:
            problems.append(error.message)
        on_day = self.today
        try:
            moment = moment_cell(self.cell(cells, "moment"), "Thời điểm")
            on_day = local_day(moment)
            if on_day > self.today:
                problems.append("Thời điểm ở tương lai.")
        except ValidationError as error:
            problems.append(error.message)
        point_commune = self.checked(problems, "point_commune_code", cells, self.point_commune)
        point_name = self.checked(problems, "point_name", cells, self.point_name) or ""
        operator = self.checked(problems, "operator", cells, self.operator) or ""
        facts, fact_errors = check_facts(draft, on_day)
        problems = [e.message for e in fact_errors] + problems
        if problems:
            raise ValidationError(" ".join(dict.fromkeys(problems)))
        assert level and status and moment and point_commune and facts
        residence = facts.residence_commune_id
        claim = claim_at(
            facts, OUTSIDE_PROVINCE if residence is None else self.tree.by_id[residence].code
        )
        details = _Details(
            cells,
            status,
            {"at": moment, "failure_reason": reason, "failure_note": note},
            facts,
            claim,
        )
        uid = self.uid(details, level, point_commune, point_name, operator)
        digest = claim_digest_of(claim)
        return _Row(
            number,
            draft.id_number,
            facts.id_number,
            level,
            point_commune,
            point_name,
            operator,
            digest,
            uid,
            self.outside_period(number, on_day),
            self.fresh(details, level, point_commune, uid, digest) if self.build_fresh else None,
            _Packed.alone(details),
        )

    def uid(
        self, details: _Details, level: int, point_commune_id: int, point_name: str, operator: str
    ) -> str:
        """The row's event identity: the hash of everything the row says."""
        claim = details.claim
        fields = details.report_fields
        return content_uid(
            "row",
            details.facts.id_number,
            level,
            details.status.value,
            fields["at"].isoformat(),  # type: ignore[attr-defined]
            self.tree.by_id[point_commune_id].code,
            point_name,
            operator,
            fields["failure_reason"],
            fields["failure_note"],
            claim.full_name,
            claim.birth_date.isoformat(),
            claim.sex,
            claim.residence,
            claim.phone,
        )

    def outside_period(self, number: int, day: date) -> str | None:
        first_day, last_day = self.period
        if first_day <= day <= last_day:
            return None
        return (
            f"Dòng {number}: ngày {format_date(day)} ngoài thời gian kế hoạch (từ "
            f"{format_date(first_day)} đến {format_date(last_day)}): vẫn lưu theo ngày đó."
        )

    def fresh_of(self, row: _Row) -> FreshCase | str:
        """`row.fresh`, built now if the parse did not."""
        if row.fresh is None:
            row.fresh = self.fresh(
                row.details.value, row.level, row.point_commune_id, row.uid, row.digest
            )
        return row.fresh

    def fresh(
        self, details: _Details, level: int, point_commune_id: int, uid: str, digest: str
    ) -> FreshCase | str:
        """The row's case built as new to the database (`fresh_case`), its point and operator
        by their stand-ins; or why it cannot be (the importing process rejects the row with
        that reason if its case is indeed new)."""
        at = details.report_fields["at"]
        assert isinstance(at, datetime)
        report = StatusReport(
            level=level,
            status=details.status,
            operator_id=OPERATOR_STAND_IN,
            intake_point_id=POINT_STAND_IN,
            **details.report_fields,  # type: ignore[arg-type]
        )

        def point_commune(point_id: int) -> int:
            assert point_id == POINT_STAND_IN
            return point_commune_id  # a point stands in the commune it was found or made in

        places = Places(self.residence_id, point_commune)
        # The row that brings its case in carries the import's consent record, at its moment.
        record = self.consent
        consent = ConsentRecord(record.notice_version, at, record.basis, record.legal_reference)
        try:
            entry = fresh_case(places, details.facts, report, uid, details.claim, digest, consent)
        except UserError as error:
            return str(error)
        entry.for_driver(self.driver_value)
        return entry

    def residence_id(self, code: str) -> int | None:
        """A claim's residence code as a commune id (see `recording.residence_id`)."""
        return None if code == OUTSIDE_PROVINCE else self.tree.by_code[code].id

    def reject(self, number: int, reason: str, cells: list[Cell]) -> Reject:
        """The row rejected, its cells under the rejects file's headers (`COLUMNS`) wherever
        the file had them: fixed, the rejects file imports again."""
        return reject_of(number, reason, cells, self.columns, COLUMNS)


class _Importer:
    def __init__(self, session: Session, tree: UnitTree) -> None:
        self.session = session
        self.tree = tree
        self.points: dict[tuple[int, str], int] = {}
        self.operators: dict[str, int] = {}
        self.summary = ImportSummary()
        self.fact_sets = FactSets(session)
        self.row_of_event: dict[str, int] = {}
        campaign = active_campaign(session)
        # Read once: every row of one import is recorded under the same legal basis.
        self.consent = import_record(session, now_utc())
        self.parser = _RowParser(
            tree,
            local_day(now_utc()),
            self.consent,
            (campaign.first_day, campaign.last_day),
            session.get_bind().dialect.name,
        )
        self.username = ""  # who imports: the outreach moves the cases make are theirs

    def consent_for(self, row: _Row, known: dict[tuple[str, int], Case]) -> ConsentRecord | None:
        """The row that brings its case in carries the record: "nhập từ danh sách", at the
        row's moment (by its operator); a row about a case already here carries none.
        (`_RowParser.fresh` gives a new case's the same.)"""
        if (row.id_number, row.level) in known:
            return None
        at = row.report_fields["at"]
        assert isinstance(at, datetime)
        record = self.consent
        return ConsentRecord(record.notice_version, at, record.basis, record.legal_reference)

    def point_id(self, row: _Row, created: list[object]) -> int:
        key = (row.point_commune_id, row.point_name)
        if key not in self.points:
            point, is_new = get_or_create_point(
                self.session, self.tree.by_id[row.point_commune_id], row.point_name
            )
            self.points[key] = point.id
            if is_new:
                created.append(point)
        return self.points[key]

    def operator_id(self, row: _Row, created: list[object]) -> int:
        if row.operator not in self.operators:
            operator, is_new = get_or_create_operator(self.session, row.operator)
            self.operators[row.operator] = operator.id
            if is_new:
                created.append(operator)
        return self.operators[row.operator]

    def save_batch(self, rows: list[_Row]) -> None:
        # The rows of a citizen erased here stay out (the same sheet again).
        erased = erased_uids(self.session, (r.uid for r in rows))
        if erased:
            kept = [r for r in rows if r.uid not in erased]
            self.summary.erased += len(rows) - len(kept)
            rows = kept
        known = find_cases(self.session, ((r.id_number_as_written, r.level) for r in rows))
        self.fact_sets.prefetch_digests(r.digest for r in rows)
        # A case nobody holds yet, named by one row of the batch, is saved as the plain rows
        # the parser built (`fresh_case`); the others go through `record_report` and the ORM.
        per_key = Counter((r.id_number, r.level) for r in rows)
        new_cases: list[Case | FreshCase] = []
        for row in rows:
            key = (row.id_number, row.level)
            fresh = FAST_PATH and key not in known and per_key[key] == 1
            new_case = self.save_row(row, known, fresh=fresh)
            if new_case is not None:
                new_cases.append(new_case)  # inserted in bulk below, with later rows' moves
        self.session.flush()
        insert_new_cases(self.session, new_cases, self.fact_sets)
        link_cases(self.session, {r.id_number for r in rows}, self.username)
        # Keep memory flat on big files: what is flushed stays in the transaction.
        self.session.expunge_all()
        self.fact_sets.forget()

    def save_row(
        self, row: _Row, known: dict[tuple[str, int], Case], *, fresh: bool
    ) -> Case | FreshCase | None:
        """One row's report, counted and noted (or the row rejected); returns the case when
        it is new to the database: `fresh` saves it as the plain rows the parser built."""
        # A point or an operator named only by a rejected row is not kept.
        created: list[object] = []
        try:
            operator_id = self.operator_id(row, created)
            point_id = self.point_id(row, created)
            if fresh:
                built = self.parser.fresh_of(row)
                if isinstance(built, str):  # the report breaks a rule (`fresh_case` said)
                    raise ValidationError(built)
                entry = built
                entry.place(point_id, operator_id)
            else:
                report = StatusReport(
                    level=row.level,
                    status=row.status,
                    operator_id=operator_id,
                    intake_point_id=point_id,
                    **row.report_fields,  # type: ignore[arg-type]
                )
                result = record_report(
                    self.session,
                    row.facts,
                    report,
                    consent=True,
                    known=known,
                    attach=False,
                    uid=row.uid,
                    fact_sets=self.fact_sets,
                    consent_record=self.consent_for(row, known),
                )
        except UserError as error:
            self.forget(created, row)
            self.reject(row.number, str(error), row.cells)
            return None
        if fresh:
            self.note_saved(row, row.uid)
            self.count(Outcome.CREATED)
            self.note_case(row.id_number, row.level, entry.records)
            if entry.conflict:
                self.summary.conflicts.add(f"{row.id_number} mức {row.level}")
            return entry
        if result.event is not None:
            self.note_saved(row, result.event.uid)
        self.count(result.outcome)
        self.note_case(result.case.id_number, result.case.level, result.new_records)
        if result.case.has_conflict:
            self.summary.conflicts.add(f"{result.case.id_number} mức {result.case.level}")
        return result.case if result.outcome == Outcome.CREATED else None

    def note_saved(self, row: _Row, uid: str) -> None:
        self.row_of_event[uid] = row.number
        if row.outside_period is not None:
            self.summary.outside_period.append(row.outside_period)

    def count(self, outcome: Outcome) -> None:
        if outcome == Outcome.CREATED:
            self.summary.created += 1
        elif outcome == Outcome.UPDATED:
            self.summary.updated += 1
        else:
            self.summary.unchanged += 1

    def note_case(self, id_number: str, level: int, records: list[Record]) -> None:
        for record in records:
            self.note_record(id_number, level, record)

    def note_record(self, id_number: str, level: int, record: Record) -> None:
        """A report that the case's status now contradicts: listed with its reason."""
        event = record.event
        where = (
            f"Dòng {self.row_of_event[event.uid]}"
            if event.uid in self.row_of_event
            else "Báo cáo đã có"
        )
        status = STATUS_LABELS.get(str(event.status), str(event.status))
        # The same step reported again (another point, operator or moment) repeats it; any
        # other report that does not move the case forward contradicts where it stands.
        relation = "lặp lại" if event.status == record.standing else "mâu thuẫn với"
        self.summary.records.append(
            f"{where}: hồ sơ {id_number} ({LEVEL_LABELS[level].lower()}), «{status}» lúc "
            f"{format_moment(event.at)} {relation} «{STATUS_LABELS[record.standing]}» lúc "
            f"{format_moment(record.against.at)}: giữ trong lịch sử, không đổi hồ sơ."
        )

    def forget(self, created: list[object], row: _Row) -> None:
        """Undo the points and operators created for a row that was then rejected."""
        for thing in created:
            if isinstance(thing, IntakePoint):
                del self.points[(row.point_commune_id, row.point_name)]
            elif isinstance(thing, Operator):
                del self.operators[row.operator]
            self.session.delete(thing)
        if created:
            self.session.flush()

    def reject(self, number: int, reason: str, cells: list[Cell]) -> None:
        self.summary.rejects.append(self.parser.reject(number, reason, cells))


def import_records(
    session: Session,
    actor: Actor,
    path: Path,
    progress: Callable[[int], None] | None = None,
    write_rejects: bool = True,
) -> ImportSummary:
    """Import one file into `session` (the caller commits). Raises `UnreadableFileError`.

    Cases saved by an import are logged as one audit entry with the counts."""
    require(actor, Action.IMPORT_RECORDS)
    refuse_after_purge(session, "nhập hồ sơ")
    tree = UnitTree.load(session)
    importer = _Importer(session, tree)
    importer.username = actor.username
    rows = read_rows(path, SHEET_NAME)
    header_number, importer.parser.columns = find_header(
        rows,
        COLUMNS,
        REQUIRED,
        path,
        "Dùng mẫu tạo bởi «records template» (dòng tiêu đề giữ nguyên tên cột).",
    )
    checked, big = _checked_source(path, importer.parser, header_number, rows)
    # A province's first sheet into an empty database: the indexes of `cases` are built
    # once at the end (a third of the inserts' cost). Only the unique key is looked up
    # during the import, and it stays. SQLite only: PostgreSQL would lock the table
    # against the desks' reads until the import commits.
    connection = session.connection()
    big_load = big and connection.dialect.name == "sqlite"
    incoming = estimate_rows(path) if big_load else 0
    existing = session.scalar(select(func.count()).select_from(Case)) or 0 if big_load else 0
    cases = [cast(Table, Case.__table__)]
    with (
        closing(checked),
        large_page_cache(connection),
        indexes_set_aside_for_large_load(connection, cases, incoming, existing),
        _fewer_collections(),
    ):
        _import_rows(importer, checked, progress)
    if progress:
        progress(importer.summary.rows_read)
    summary = importer.summary
    summary.rejects.sort(key=lambda r: r.row)
    if write_rejects:
        _write_rejects(path, summary)
    _audit_import(session, actor, path, summary)
    return summary


def _checked_source(
    path: Path, parser: _RowParser, header_number: int, rows: Iterator[tuple[int, list[Cell]]]
) -> tuple[Generator[_Row | Reject, None, None], bool]:
    """The `rows` after the header checked, for a big file by a second process reading it
    again; and whether it is big."""
    try:
        big = path.stat().st_size >= WORKER_FILE_BYTES
    except OSError:
        big = False
    checked = _rows_from_worker(path, parser, header_number) if big else _checked_rows(parser, rows)
    return checked, big


def _audit_import(session: Session, actor: Actor, path: Path, summary: ImportSummary) -> None:
    write_audit(
        session,
        actor,
        AuditAction.RECORDS_IMPORT,
        f"Nhập hồ sơ từ tệp {path.name}: {summary.created} mới, {summary.updated} cập nhật, "
        f"{len(summary.rejects)} dòng lỗi",
        {
            "file": path.name,
            "rows": summary.rows_read,
            "created": summary.created,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "rejected": len(summary.rejects),
            "erased": summary.erased,
        },
    )


def _import_rows(
    importer: _Importer,
    checked: Iterator[_Row | Reject],
    progress: Callable[[int], None] | None,
) -> None:
    batch: list[_Row] = []
    for item in checked:
        importer.summary.rows_read += 1
        if isinstance(item, Reject):
            importer.summary.rejects.append(item)
        else:
            batch.append(item)
        if len(batch) >= BATCH_ROWS:
            importer.save_batch(batch)
            batch = []
            if progress:
                progress(importer.summary.rows_read)
    if batch:
        importer.save_batch(batch)


def _checked_rows(
    parser: _RowParser, rows: Iterable[tuple[int, list[Cell]]]
) -> Generator[_Row | Reject, None, None]:
    """Every row that is not blank, checked: a `_Row`, or its `Reject`."""
    for number, cells in rows:
        if is_blank(cells):
            continue
        try:
            yield parser.parse(number, cells)
        except ValidationError as error:
            yield parser.reject(number, error.message, cells)


# A file this big or bigger (about 50,000 rows of CSV) is read and checked in a second
# process while this one saves: reading and checking is about a quarter of an import's
# work, and the intake point's laptops have two cores or more. A smaller file is not worth
# the second process's start (about a second).
WORKER_FILE_BYTES = 8 << 20
# Rows sent at a time, and chunks on the way at most: the reader never runs far ahead.
_WORKER_CHUNK = 1000
_WORKER_QUEUE = 8
# Chunks waiting from which the importing process is behind (`_importer_is_behind`).
_WORKER_BEHIND = 2


# The young generation of the cyclic garbage collector during an import (the default is
# 700): see `_fewer_collections`.
_GC_YOUNG = 20_000
_gc_lock = threading.Lock()
_gc_depth = 0  # imports running (threads)
_gc_before = gc.get_threshold()  # the thresholds before the first of them


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector's young generation made larger for the block, and what
    lives already set aside (`gc.freeze`): an import makes millions of short-lived objects
    (a row's cells, checks, plain rows), and with the default thresholds the collector walks
    every surviving batch, and the long-lived heap (SQLAlchemy's), over and over: a tenth of
    the import's work. Nothing is kept longer than a few thousand objects; restored after
    (imports in two threads at once: when the last one ends)."""
    global _gc_depth, _gc_before
    with _gc_lock:
        _gc_depth += 1
        if _gc_depth == 1:
            _gc_before = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(_GC_YOUNG, *_gc_before[1:])
    try:
        yield
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.set_threshold(*_gc_before)
                gc.unfreeze()


def _check_in_worker(
    path: Path, parser: _RowParser, header_number: int, out: multiprocessing.Queue[object]
) -> None:
    """The second process: the rows after the header checked and sent in chunks, then
    None; or the error that stopped the reading (raised again by the importing process)."""
    try:
        with _fewer_collections():
            _send_checked(path, parser, header_number, out)
    except Exception as error:  # every error goes back to the importer
        try:
            pickle.dumps(error)
        except Exception:  # an error that cannot travel: its text does
            error = RuntimeError(f"{type(error).__name__}: {error}")
        out.put(error)


def _send_checked(
    path: Path, parser: _RowParser, header_number: int, out: multiprocessing.Queue[object]
) -> None:
    """`_check_in_worker`'s work: the checked rows in chunks, then None."""
    rows = (row for row in read_rows(path, SHEET_NAME) if row[0] > header_number)
    chunk: list[_Row | Reject] = []
    parser.build_fresh = False
    for item in _checked_rows(parser, rows):
        chunk.append(item)
        if len(chunk) >= _WORKER_CHUNK:
            _shelve(chunk)
            out.put(chunk)
            chunk = []
            parser.build_fresh = _importer_is_behind(out)
    _shelve(chunk)
    out.put(chunk)
    out.put(None)


def _importer_is_behind(out: multiprocessing.Queue[object]) -> bool:
    """Whether chunks wait for the importing process: then the second process takes on
    more of the work (it builds the new cases, `_RowParser.build_fresh`) until they no
    longer do; while the importing process waits, it sends them sooner."""
    try:
        return out.qsize() >= _WORKER_BEHIND
    except NotImplementedError:  # macOS: no count of what waits
        return out.full()


def _rows_from_worker(
    path: Path, parser: _RowParser, header_number: int
) -> Generator[_Row | Reject, None, None]:
    """`_checked_rows` of the file, done by a second process (see `WORKER_FILE_BYTES`).
    The process is stopped when the import stops early (an error, a cancel): close the
    iterator, as `import_records` does."""
    context = multiprocessing.get_context("spawn")  # the same on Linux, Windows, a bundle
    out: multiprocessing.Queue[object] = context.Queue(_WORKER_QUEUE)
    worker = context.Process(
        target=_check_in_worker, args=(path, parser, header_number, out), daemon=True
    )
    worker.start()
    try:
        while True:
            try:
                item = out.get(timeout=1)
            except queue.Empty:
                if worker.is_alive():
                    continue
                try:  # what it sent before it ended
                    item = out.get(timeout=1)
                except queue.Empty:
                    raise RuntimeError(
                        f"the row checker ended without a word (exit code {worker.exitcode})"
                    ) from None
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield from cast(list[_Row | Reject], item)
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        out.close()


def _write_rejects(source: Path, summary: ImportSummary) -> None:
    summary.rejects_file, summary.rejects_file_error = write_rejects_beside(
        source, summary.rejects, list(COLUMNS.values())
    )


def save_rejects(target: Path, rejects: list[Reject]) -> Path:
    """The rejected rows to `target`, in the CSV the command line writes beside its input
    (row, reason, then the row's cells); a Vietnamese `StorageError` when it cannot."""
    return save_rejects_to(target, rejects, list(COLUMNS.values()))


def estimate_rows(path: Path) -> int:
    """About how many rows `path` holds (for a progress bar); 0 when unknown. Never raises."""
    return estimate_sheet_rows(path, SHEET_NAME)


def write_template(path: Path, tree: UnitTree) -> None:
    """The empty import template: the columns, drop-downs, and the list of commune codes."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    _template_sheet(sheet)
    _guide_sheet(workbook.create_sheet("Hướng dẫn"), tree)
    saved_whole(workbook, path, what="tệp mẫu")


def _template_sheet(sheet: Worksheet) -> None:
    """The sheet to fill: its header, text-formatted columns and drop-down lists."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet.title = SHEET_NAME
    sheet.append(list(COLUMNS.values()))
    widths = [16, 28, 13, 10, 15, 17, 7, 20, 34, 15, 30, 18, 14]
    for index, width in enumerate(widths, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = cell.column_letter
        sheet.column_dimensions[letter].width = width
        # Text format keeps leading zeros in ID numbers, phones and codes.
        for row in range(2, 2002):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    for column, values in (
        ("D", "Nam,Nữ"),
        ("G", "1,2"),
        ("H", ",".join(STATUS_LABELS.values())),
    ):
        validation = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
        validation.error = "Chọn một giá trị trong danh sách."
        validation.errorTitle = "Giá trị không hợp lệ"
        sheet.add_data_validation(validation)
        validation.add(f"{column}2:{column}2001")


def _guide_sheet(guide: Worksheet, tree: UnitTree) -> None:
    """How to fill the template, and the commune codes."""
    lines = [
        "Mỗi dòng ghi trạng thái của một hồ sơ (một công dân, một mức) tại một thời điểm.",
        "Số định danh: 12 chữ số. Ngày sinh: dd/mm/yyyy. Giới tính: Nam hoặc Nữ.",
        "Mức: 1 hoặc 2. Trạng thái: " + ", ".join(STATUS_LABELS.values()) + ".",
        "Mức 1: Đã đăng ký, Đã duyệt, Đã kích hoạt, Thất bại. "
        "Mức 2: Đã thu nhận hồ sơ, Đã kích hoạt, Thất bại.",
        "Lý do thất bại: chỉ ghi khi trạng thái là Thất bại.",
        "Thời điểm: dd/mm/yyyy HH:MM, giờ Việt Nam, lúc hồ sơ đạt trạng thái đó.",
        "Mã xã thường trú, Mã xã thu nhận: mã đơn vị hành chính (xem bảng dưới).",
        f"Công dân thường trú ở tỉnh khác: ghi «{OUTSIDE_PROVINCE}» (hoặc «{OUTSIDE_LABEL}») "
        "vào cột Mã xã thường trú.",
        "Cán bộ: tên đăng nhập của cán bộ thu nhận (tạo mới nếu chưa có).",
        "",
    ]
    for line in lines:
        guide.append([line])
    guide.append(["Mã xã", "Tên xã/phường/thị trấn"])
    guide.append([OUTSIDE_PROVINCE, f"{OUTSIDE_LABEL} (chỉ dùng cho nơi thường trú)"])
    for commune in tree.units:
        if commune.level == "commune":  # names from the database: written as text
            row = guide.max_row + 1
            set_cell(guide.cell(row=row, column=1), commune.code)
            set_cell(guide.cell(row=row, column=2), tree.full_name(commune.id))
    guide.column_dimensions["A"].width = 12
    guide.column_dimensions["B"].width = 60


__all__ = [
    "COLUMNS",
    "ImportSummary",
    "Reject",
    "UnreadableFileError",
    "estimate_rows",
    "import_records",
    "rejects_path",
    "save_rejects",
    "write_template",
]
