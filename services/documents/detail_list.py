"""The detail list: every case with its personal data, for the police to check.

Only managers may make it, and every one made is logged in the audit. It leaves the
machine only encrypted: the workbook is streamed (xlsxwriter, constant memory) into a
private temporary folder, encrypted with a password (Office's standard "Encrypt with
password", AES, through msoffcrypto-tool) into the chosen file, and the plain copy is
deleted at once; Excel and LibreOffice open the list after asking the password.

With `as_of`, the list shows the cases recorded by the end of that Vietnam-local day,
each with its status as it stood then (its history folded up to that moment), as the
figures count it: an activation shows on the day `tally` and the PC06 report count it, after
any correction of its moment or status, so the list's activated cases for a day are the
ones counted for that day; and with the point and operator credited with it then.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from models.codes import EventKind, Status
from models.entities import Case, CaseEvent, IntakePoint, Operator
from services.campaigns.units import UnitTree
from services.cases.fold import fold_case
from services.cases.recording import fold_event
from services.common.errors import UserError
from services.common.files import written_whole
from services.common.labels import FAILURE_LABELS, HELP_REASON_LABELS, LEVEL_LABELS, STATUS_LABELS
from services.common.vntime import end_of_day_utc, format_date, format_moment
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.spreadsheets.export_cells import XLSXWRITER_OPTIONS, write_xlsxwriter_row
from services.spreadsheets.office_encryption import encrypt_ooxml

MIN_PASSWORD = 8
SHEET = "Danh sách chi tiết"
HEADER = (
    "STT",
    "Số định danh",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số điện thoại",
    "Địa chỉ",
    "Xã, phường thường trú",
    "Mức",
    "Trạng thái",
    "Lý do thất bại",
    "Lý do cần hỗ trợ",
    "Điểm thu nhận",
    "Cán bộ",
    "Thời điểm ghi nhận",
    "Ngày kích hoạt",
)
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DetailListResult:
    path: Path
    cases: int
    as_of: date | None


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"Mật khẩu của danh sách chi tiết phải có ít nhất {MIN_PASSWORD} ký tự: tệp chứa "
            "dữ liệu cá nhân của mọi công dân."
        )


# A case as it stands (now, or at the end of the `as_of` day): status, failure, activation
# day, and the point and operator credited with it.
_Standing = tuple[str, str, date | None, object, object]


def _row_values(
    number: int,
    case: tuple[object, ...],
    tree: UnitTree,
    points: dict[int, str],
    operators: dict[int, str],
    standing: _Standing,
    first_moment: object,
) -> list[object]:
    (
        _id,
        id_number,
        full_name,
        birth,
        sex,
        phone,
        address,
        residence,
        level,
        _status,
        _reason,
        _note,
        help_reason,
        _point,
        _operator,
        _activated,
    ) = case
    status, failure, activated, point, operator = standing
    unit = tree.by_id.get(residence) if isinstance(residence, int) else None
    return [
        number,
        id_number,
        full_name,
        format_date(birth) if isinstance(birth, date) else "",
        sex,
        phone or "",
        address or "",
        tree.full_name(unit.id) if unit else "Ngoài tỉnh",
        LEVEL_LABELS.get(level, str(level)) if isinstance(level, int) else "",
        STATUS_LABELS.get(status, status),
        failure,
        HELP_REASON_LABELS.get(help_reason, "") if isinstance(help_reason, str) else "",
        points.get(point, "") if isinstance(point, int) else "",
        operators.get(operator, "") if isinstance(operator, int) else "",
        format_moment(first_moment) if isinstance(first_moment, datetime) else "",
        format_date(activated) if activated else "",
    ]


_COLUMNS = (
    Case.id,
    Case.id_number,
    Case.full_name,
    Case.birth_date,
    Case.sex,
    Case.phone,
    Case.address,
    Case.residence_commune_id,
    Case.level,
    Case.status,
    Case.failure_reason,
    Case.failure_note,
    Case.help_reason,
    Case.intake_point_id,
    Case.operator_id,
    Case.activated_on,
)
BATCH = 5000


def _write_plain(
    session: Session, as_of: date | None, progress: Progress | None, plain: Path
) -> int:
    """The unencrypted workbook, streamed to `plain` (xlsxwriter, constant memory)."""
    import xlsxwriter  # loaded only when a list is made: the window starts faster

    tree = UnitTree.load(session)
    points: dict[int, str] = dict(session.execute(select(IntakePoint.id, IntakePoint.name)).all())
    operators: dict[int, str] = dict(session.execute(select(Operator.id, Operator.full_name)).all())
    until = end_of_day_utc(as_of) if as_of is not None else None
    # A case belongs to the list from its first recorded moment (a late import of
    # yesterday's sheet belongs to yesterday), not from when its row was written.
    first_moment = (
        select(func.min(CaseEvent.changed_at)).where(CaseEvent.case_id == Case.id)
    ).scalar_subquery()
    # An activation moved by a correction before the case's first report counts, and is
    # listed, from its day.
    conditions = (
        [or_(first_moment <= until, Case.activated_on <= as_of)]
        if until is not None and as_of is not None
        else []
    )
    total = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    workbook = xlsxwriter.Workbook(
        str(plain),
        {"constant_memory": True, "tmpdir": str(plain.parent), **XLSXWRITER_OPTIONS},
    )
    sheet = workbook.add_worksheet(SHEET)
    bold = workbook.add_format({"bold": True})
    title = SHEET.upper() + (f" ĐẾN HẾT NGÀY {format_date(as_of)}" if as_of else "")
    sheet.write_string(0, 0, title, bold)
    for column, text in enumerate(HEADER):
        sheet.write_string(1, column, text, bold)
    row_number, number, last_id = 2, 0, 0
    while True:
        batch = session.execute(
            select(*_COLUMNS, first_moment)
            .where(*conditions, Case.id > last_id)
            .order_by(Case.id)
            .limit(BATCH)
        ).all()
        if not batch:
            break
        last_id = batch[-1][0]
        folded = _as_it_stood(session, batch, as_of) if as_of is not None else {}
        for row in batch:
            case, moment = tuple(row[:-1]), row[-1]
            standing = folded.get(
                row[0], (str(row[9]), _failure(row[10], row[11]), row[15], row[13], row[14])
            )
            number += 1
            write_xlsxwriter_row(
                sheet,
                row_number,
                _row_values(number, case, tree, points, operators, standing, moment),
            )
            row_number += 1
        if progress:
            progress(min(number, total), total)
    workbook.close()
    return number


def _as_it_stood(session: Session, batch: Sequence[Any], as_of: date) -> dict[int, _Standing]:
    """Status, failure, activation day and credited point and operator of the batch's cases
    as the figures count them for the end of `as_of`.

    Activated when the case's activation (its day as every figure counts it, after any
    correction of its moment or status, whenever made) falls by then; else the status its
    reports had reached by then, short of an activation: one that a correction undid or moved
    past that day was not counted then. A case whose only report by then was such an
    activation shows no status."""
    until = end_of_day_utc(as_of)
    events: dict[int, list[CaseEvent]] = {}
    query = select(CaseEvent).where(
        CaseEvent.case_id.in_([row[0] for row in batch]), CaseEvent.changed_at <= until
    )
    for event in session.scalars(query):
        events.setdefault(event.case_id, []).append(event)
    session.expunge_all()
    folded: dict[int, _Standing] = {}
    for row in batch:
        activated_on = row[15]
        if isinstance(activated_on, date) and activated_on <= as_of:
            # Credited to the activation's point and operator (as now: a correction moves none).
            folded[row[0]] = (Status.ACTIVATED.value, "", activated_on, row[13], row[14])
            continue
        then = [fold_event(e) for e in events.get(row[0], [])]
        then = [e for e in then if e.status != Status.ACTIVATED]
        if not any(e.kind == EventKind.STATUS for e in then):
            folded[row[0]] = ("", "", None, None, None)
            continue
        state = fold_case(int(row[8]), then)
        folded[row[0]] = (
            state.status.value,
            _failure(state.failure_reason, state.failure_note),
            None,
            state.credited_point_id,
            state.credited_operator_id,
        )
    return folded


def _failure(reason: object, note: object) -> str:
    if not reason:
        return ""
    label = FAILURE_LABELS.get(str(reason), str(reason))
    return label + (f": {note}" if note else "")


def write_detail_list(
    session: Session,
    actor: Actor,
    out: Path,
    password: str,
    *,
    as_of: date | None = None,
    progress: Progress | None = None,
) -> DetailListResult:
    """Write the encrypted list to `out` (managers); logged in the audit, the caller commits."""
    require(actor, Action.DETAIL_LIST)
    check_password(password)
    if out.suffix.lower() != ".xlsx":
        out = out.with_name(out.name + ".xlsx")
    # The plain workbook lives only in a private folder (owner-only) and is deleted as
    # soon as its encrypted copy is written; it never leaves the machine.
    with (
        tempfile.TemporaryDirectory(prefix="kichhoat-chi-tiet-") as private,
        written_whole(out, "Kiểm tra ổ đĩa còn chỗ và quyền ghi.") as temporary,
    ):
        plain = Path(private) / "plain.xlsx"
        count = _write_plain(session, as_of, progress, plain)
        with plain.open("rb") as source, temporary.open("w+b") as handle:
            encrypt_ooxml(source, password, handle)
    write_audit(
        session,
        actor,
        AuditAction.DETAIL_EXPORT,
        f"Xuất danh sách chi tiết ({count} hồ sơ"
        + (f", đến hết ngày {format_date(as_of)}" if as_of else "")
        + f") ra tệp mã hóa {out.name}",
        {"file": out.name, "cases": count, "as_of": as_of.isoformat() if as_of else None},
    )
    return DetailListResult(out, count, as_of)
