"""The detail list: every case with its personal data, for the police to check.

Only managers may make it, and every one made is logged in the audit. It leaves the
machine only encrypted: the workbook is built in memory and written to disk already
encrypted with a password (Office's standard "Encrypt with password", AES, through
msoffcrypto-tool), so Excel and LibreOffice open it after asking the password and no
plain copy ever touches the disk.

With `as_of`, the list shows the cases recorded by the end of that Vietnam-local day,
each with its status as it stood then (its history folded up to that moment).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.entities import Case, CaseEvent, IntakePoint, Operator
from services.audit import AuditAction, write_audit
from services.cases import event_order, fold_events
from services.errors import StorageError, UserError
from services.labels import FAILURE_LABELS, HELP_REASON_LABELS, LEVEL_LABELS, STATUS_LABELS
from services.permissions import Action, require
from services.session_context import Actor
from services.units import UnitTree
from services.vntime import end_of_day_utc, format_date, format_moment, local_day

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


if TYPE_CHECKING:
    from openpyxl import Workbook


def _workbook(
    session: Session, as_of: date | None, progress: Progress | None
) -> tuple[Workbook, int]:
    tree = UnitTree.load(session)
    points: dict[int, str] = dict(session.execute(select(IntakePoint.id, IntakePoint.name)).all())
    operators: dict[int, str] = dict(session.execute(select(Operator.id, Operator.full_name)).all())
    until = end_of_day_utc(as_of) if as_of is not None else None
    # A case belongs to the list from its first recorded moment (a late import of
    # yesterday's sheet belongs to yesterday), not from when its row was written.
    conditions = (
        [Case.id.in_(select(CaseEvent.case_id).where(CaseEvent.changed_at <= until))]
        if until is not None
        else []
    )
    total = session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0
    # openpyxl and msoffcrypto load only when a list is made: the window starts faster.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET)
    bold = Font(bold=True)
    title = WriteOnlyCell(
        sheet, value=SHEET.upper() + (f" ĐẾN HẾT NGÀY {format_date(as_of)}" if as_of else "")
    )
    title.font = bold
    sheet.append([title])
    header = []
    for text in HEADER:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    number, last_id = 0, 0
    while True:
        batch = list(
            session.scalars(
                select(Case).where(*conditions, Case.id > last_id).order_by(Case.id).limit(2000)
            )
        )
        if not batch:
            break
        last_id = batch[-1].id
        events: dict[int, list[CaseEvent]] = {}
        query = select(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in batch]))
        if until is not None:
            query = query.where(CaseEvent.changed_at <= until)
        for event in session.scalars(query):
            events.setdefault(event.case_id, []).append(event)
        # Folding sets each event's `from_status`: detached, the objects are never written.
        session.expunge_all()
        for case in batch:
            history = sorted(events.get(case.id, []), key=event_order)
            if not history:
                continue
            state = fold_events(case.level, history)
            number += 1
            residence = tree.by_id.get(case.residence_commune_id)
            sheet.append(
                [
                    number,
                    case.id_number,
                    case.full_name,
                    format_date(case.birth_date),
                    case.sex,
                    case.phone or "",
                    case.address or "",
                    tree.full_name(residence.id) if residence else "",
                    LEVEL_LABELS.get(case.level, str(case.level)),
                    STATUS_LABELS.get(state.status, state.status),
                    FAILURE_LABELS.get(state.failure_reason or "", state.failure_reason or "")
                    + (f": {state.failure_note}" if state.failure_note else ""),
                    HELP_REASON_LABELS.get(case.help_reason or "", ""),
                    points.get(case.intake_point_id, ""),
                    operators.get(case.operator_id, ""),
                    format_moment(history[0].changed_at),
                    format_date(local_day(state.activated_at)) if state.activated_at else "",
                ]
            )
        if progress:
            progress(min(number, total), total)
    return workbook, number


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
    workbook, count = _workbook(session, as_of, progress)
    plain = io.BytesIO()
    workbook.save(plain)
    plain.seek(0)
    temporary = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("wb") as handle:
            from msoffcrypto.format.ooxml import OOXMLFile

            OOXMLFile(plain).encrypt(password, handle)
        temporary.replace(out)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise StorageError(
            f"Không ghi được tệp «{out}»: {error.strerror}. Kiểm tra ổ đĩa còn chỗ và quyền ghi."
        ) from error
    finally:
        plain.close()
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
