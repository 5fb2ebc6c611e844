"""The audit log: append-only, tamper-evident, readable by managers and administrators.

Every entry is appended in the same transaction as the action it records, so an action
and its entry are saved together or not at all. Each entry's hash covers its fields and
the previous entry's hash: editing, deleting or inserting a row breaks the chain from
there on, and `verify_chain` names the first broken entry.

No personal data goes into an entry beyond what identifies a case: its id and the ID
number masked. Names, birth dates, phones and addresses never do.

Concurrency: appending locks the single `audit_head` row (an UPDATE first), so two
points appending at once on PostgreSQL take turns instead of forking the chain; on
SQLite the database's write lock does the same. The entry is the *last* write of its
transaction (after the action's own rows are flushed): a transaction holding the head
then never waits for another row lock, so the head cannot be part of a deadlock.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from models.entities import AuditEntry, AuditHead
from services.errors import StorageError, ValidationError
from services.export_cells import CsvWriter, text_cell
from services.permissions import Action, require
from services.session_context import Actor
from services.stable_lookups import point_facts
from services.vntime import end_of_day_utc, format_moment, now_utc

GENESIS_HASH = "0" * 64
HEAD_ID = 1


class AuditAction(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    ACCOUNT_LOCKED = "account_locked"
    SIGN_OUT = "sign_out"
    UNLOCK = "unlock"  # back from the idle lock
    CASE_CREATED = "case_created"
    CASE_STATUS = "case_status"
    CASE_CORRECTED = "case_corrected"
    CONFLICT_RESOLVED = "conflict_resolved"
    RECORDS_IMPORT = "records_import"
    TARGETS_CHANGED = "targets_changed"
    TARGETS_IMPORT = "targets_import"
    REPORT_EXPORT = "report_export"
    DETAIL_EXPORT = "detail_export"
    PACKAGE_EXPORT = "package_export"
    PACKAGE_IMPORT = "package_import"
    AUDIT_EXPORT = "audit_export"
    BACKUP = "backup"
    RESTORE = "restore"
    SETTINGS = "settings"
    ACCOUNT_CREATED = "account_created"
    ACCOUNT_CHANGED = "account_changed"
    ACCOUNT_UNLOCKED = "account_unlocked"  # an administrator lifted a lockout
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an action code)
    PASSWORD_RESET = "password_reset"  # noqa: S105 (an action code)
    PURGE = "purge"
    DEMO = "demo"  # synthetic cases written by the `demo` command
    GUIDE_EDIT = "guide_edit"  # a point's guide texts or QR links changed
    REQUEST_RECEIVED = "request_received"  # a citizen's request about their data, logged
    REQUEST_ANSWERED = "request_answered"  # ... answered or refused
    PERSON_LOOKUP = "person_lookup"  # everything held about one ID number, read
    PERSON_EXPORT = "person_export"  # ... written to a PDF for the citizen
    PERSON_ERASED = "person_erased"  # one citizen's personal data erased, cases anonymised
    PROCESSING_DESCRIPTION = "processing_description"  # the impact-assessment description


ACTION_LABELS: dict[str, str] = {
    AuditAction.SIGN_IN: "Đăng nhập",
    AuditAction.SIGN_IN_FAILED: "Đăng nhập thất bại",
    AuditAction.ACCOUNT_LOCKED: "Khóa tài khoản tạm thời",
    AuditAction.SIGN_OUT: "Đăng xuất",
    AuditAction.UNLOCK: "Mở khóa màn hình",
    AuditAction.CASE_CREATED: "Tạo hồ sơ",
    AuditAction.CASE_STATUS: "Cập nhật trạng thái",
    AuditAction.CASE_CORRECTED: "Sửa hồ sơ",
    AuditAction.CONFLICT_RESOLVED: "Giải quyết mâu thuẫn",
    AuditAction.RECORDS_IMPORT: "Nhập hồ sơ",
    AuditAction.TARGETS_CHANGED: "Sửa chỉ tiêu",
    AuditAction.TARGETS_IMPORT: "Nhập chỉ tiêu",
    AuditAction.REPORT_EXPORT: "Xuất báo cáo",
    AuditAction.DETAIL_EXPORT: "Xuất danh sách chi tiết",
    AuditAction.PACKAGE_EXPORT: "Xuất gói dữ liệu",
    AuditAction.PACKAGE_IMPORT: "Nhập gói dữ liệu",
    AuditAction.AUDIT_EXPORT: "Xuất nhật ký",
    AuditAction.BACKUP: "Sao lưu",
    AuditAction.RESTORE: "Khôi phục",
    AuditAction.SETTINGS: "Đổi cài đặt",
    AuditAction.ACCOUNT_CREATED: "Tạo tài khoản",
    AuditAction.ACCOUNT_CHANGED: "Sửa tài khoản",
    AuditAction.ACCOUNT_UNLOCKED: "Mở khóa tài khoản",
    AuditAction.PASSWORD_CHANGED: "Đổi mật khẩu",
    AuditAction.PASSWORD_RESET: "Đặt lại mật khẩu",
    AuditAction.PURGE: "Xóa dữ liệu cá nhân",
    AuditAction.DEMO: "Thêm hồ sơ giả lập (dữ liệu thử)",
    AuditAction.GUIDE_EDIT: "Sửa tờ hướng dẫn",
    AuditAction.REQUEST_RECEIVED: "Ghi nhận yêu cầu của người dân",
    AuditAction.REQUEST_ANSWERED: "Trả lời yêu cầu của người dân",
    AuditAction.PERSON_LOOKUP: "Tra cứu dữ liệu của một công dân",
    AuditAction.PERSON_EXPORT: "Xuất dữ liệu cho công dân",
    AuditAction.PERSON_ERASED: "Xóa dữ liệu của một công dân",
    AuditAction.PROCESSING_DESCRIPTION: "Lập mô tả hoạt động xử lý dữ liệu",
}


def _point_code(session: Session, point_id: int | None) -> str | None:
    if point_id is None:
        return None
    facts = point_facts(session, point_id)
    return facts[0] if facts else None


def _moment_text(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def entry_hash(
    *,
    entry_id: int,
    at: datetime,
    username: str,
    operator_id: int | None,
    point_code: str | None,
    action: str,
    summary: str,
    details: str,
    prev_hash: str,
) -> str:
    """sha256 over the entry's fields in a canonical JSON form, chained to `prev_hash`."""
    canonical = json.dumps(
        (
            entry_id,
            _moment_text(at),
            username,
            operator_id,
            point_code,
            action,
            summary,
            details,
            prev_hash,
        ),
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_HEAD = cast(Table, AuditHead.__table__)
_LOG = cast(Table, AuditEntry.__table__)


# Built once (composing statements cost more than running them, on every desk save).
# Core statements on the session's connection: the ORM's bulk-update machinery cost a
# third of a desk save on the shared server.
_BUMP_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(last_id=_HEAD.c.last_id + 1)
    .returning(_HEAD.c.last_id, _HEAD.c.last_hash)
)
_ADD_ENTRY = insert(_LOG)
_MOVE_HEAD = update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_hash=bindparam("digest"))
# PostgreSQL: the entry and the head's new hash in one round trip while the head is locked.
_ADDED = (
    insert(_LOG)
    .values({column.name: bindparam(f"e_{column.name}") for column in _LOG.columns})
    .returning(_LOG.c.hash)
    .cte("added")
)
_ADD_ENTRY_AND_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(last_hash=select(_ADDED.c.hash).scalar_subquery())
)


def _lock_head(connection: Connection) -> tuple[int, str]:
    """Take the head's row lock (an UPDATE first: on PostgreSQL it waits for any other
    appender; on SQLite it takes the write lock) and return the next id and previous hash."""
    bumped = connection.execute(_BUMP_HEAD).first()
    if bumped is None:  # a database made without the migrations
        connection.execute(insert(_HEAD).values(id=HEAD_ID, last_id=1, last_hash=GENESIS_HASH))
        return 1, GENESIS_HASH
    return int(bumped[0]), str(bumped[1])


def write_audit(
    session: Session,
    actor: Actor | None,
    action: AuditAction,
    summary: str,
    details: dict[str, Any] | None = None,
    *,
    username: str | None = None,
    operator_id: int | None = None,
    point_id: int | None = None,
    at: datetime | None = None,
) -> None:
    """Append one entry in `session`'s transaction (the caller commits with its action).

    `username`, `operator_id`, `point_id` stand in when there is no actor (a failed
    sign-in)."""
    moment = (at or now_utc()).astimezone(UTC)
    who = actor.username if actor is not None else (username or "?")
    operator = actor.operator_id if actor is not None else operator_id
    point = actor.point_id if actor is not None else point_id
    code = _point_code(session, point)
    details_text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
    session.flush()  # the action's own writes first: the head stays locked for less time
    connection = session.connection()
    entry_id, prev_hash = _lock_head(connection)
    digest = entry_hash(
        entry_id=entry_id,
        at=moment,
        username=who,
        operator_id=operator,
        point_code=code,
        action=action.value,
        summary=summary,
        details=details_text,
        prev_hash=prev_hash,
    )
    values = {
        "id": entry_id,
        "at": moment,
        "username": who[:80],
        "operator_id": operator,
        "point_code": code,
        "action": action.value,
        "summary": summary,
        "details": details_text,
        "prev_hash": prev_hash,
        "hash": digest,
    }
    if connection.dialect.name == "postgresql":
        connection.execute(_ADD_ENTRY_AND_MOVE_HEAD, {f"e_{k}": v for k, v in values.items()})
    else:
        connection.execute(_ADD_ENTRY, values)
        connection.execute(_MOVE_HEAD, {"digest": digest})


# -- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    broken_id: int | None = None
    problem: str | None = None

    def describe(self) -> str:
        if self.ok:
            return f"Nhật ký nguyên vẹn: {self.count} mục, chuỗi mã băm khớp."
        where = f"mục số {self.broken_id}" if self.broken_id is not None else "cuối nhật ký"
        return (
            f"Nhật ký đã bị can thiệp: chuỗi mã băm đứt tại {where} ({self.problem}). "
            f"{self.count} mục trước đó vẫn khớp."
        )


def _entries(session: Session) -> Iterator[AuditEntry]:
    last = 0
    while True:
        batch = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(2000)
            )
        )
        if not batch:
            return
        yield from batch
        last = batch[-1].id
        session.expunge_all()


def verify_chain(session: Session) -> ChainCheck:
    """Walk the chain from the start; the first entry that does not match is named."""
    expected_id, prev_hash, count = 1, GENESIS_HASH, 0
    for entry in _entries(session):
        if entry.id != expected_id:
            return ChainCheck(False, count, expected_id, "thiếu mục (đã bị xóa)")
        if entry.prev_hash != prev_hash:
            return ChainCheck(False, count, entry.id, "không nối với mục trước")
        recomputed = entry_hash(
            entry_id=entry.id,
            at=entry.at,
            username=entry.username,
            operator_id=entry.operator_id,
            point_code=entry.point_code,
            action=entry.action,
            summary=entry.summary,
            details=entry.details,
            prev_hash=entry.prev_hash,
        )
        if recomputed != entry.hash:
            return ChainCheck(False, count, entry.id, "nội dung đã bị sửa")
        prev_hash, expected_id, count = entry.hash, expected_id + 1, count + 1
    head = session.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == HEAD_ID)
    ).first()
    if head is not None and (int(head[0]) != count or str(head[1]) != prev_hash):
        return ChainCheck(False, count, count + 1, "các mục cuối đã bị xóa")
    return ChainCheck(True, count)


# -- reading and exporting ------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilter:
    first_day: date | None = None  # Vietnam-local days, inclusive
    last_day: date | None = None
    username: str | None = None  # exact, or a prefix ending with '*'
    action: str | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    username: str
    point_code: str | None
    action: str
    action_label: str
    summary: str
    details: str


def _conditions(audit_filter: AuditFilter) -> list[Any]:
    conditions: list[Any] = []
    if audit_filter.first_day is not None:
        conditions.append(AuditEntry.at > end_of_day_utc(audit_filter.first_day - timedelta(1)))
    if audit_filter.last_day is not None:
        conditions.append(AuditEntry.at <= end_of_day_utc(audit_filter.last_day))
    if audit_filter.username:
        name = audit_filter.username.strip()
        if name.endswith("*"):
            conditions.append(AuditEntry.username.startswith(name[:-1], autoescape=True))
        else:
            conditions.append(AuditEntry.username == name)
    if audit_filter.action:
        conditions.append(AuditEntry.action == audit_filter.action)
    return conditions


def _row(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        id=entry.id,
        at=entry.at,
        username=entry.username,
        point_code=entry.point_code,
        action=entry.action,
        action_label=ACTION_LABELS.get(entry.action, entry.action),
        summary=entry.summary,
        details=entry.details,
    )


def count_entries(session: Session, actor: Actor, audit_filter: AuditFilter) -> int:
    require(actor, Action.AUDIT)
    query = select(func.count()).select_from(AuditEntry).where(*_conditions(audit_filter))
    return int(session.scalar(query) or 0)


def list_entries(
    session: Session,
    actor: Actor,
    audit_filter: AuditFilter,
    before_id: int | None = None,
    limit: int = 500,
) -> list[AuditRow]:
    """The newest entries first, a page at a time (`before_id`: the last id shown)."""
    require(actor, Action.AUDIT)
    query = select(AuditEntry).where(*_conditions(audit_filter))
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return [_row(e) for e in session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))]


def usernames(session: Session, actor: Actor) -> list[str]:
    require(actor, Action.AUDIT)
    return list(session.scalars(select(AuditEntry.username).distinct().order_by("username")))


EXPORT_HEADER = ["Số", "Thời điểm", "Người thực hiện", "Điểm", "Việc", "Nội dung", "Chi tiết"]


def export_entries(session: Session, actor: Actor, audit_filter: AuditFilter, out: Path) -> int:
    """Write the filtered entries (oldest first) to `.csv` (UTF-8 with BOM, for Excel) or
    `.xlsx`; the export itself is logged. Returns how many were written; the caller commits."""
    require(actor, Action.AUDIT)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValidationError("Chọn tệp .csv hoặc .xlsx để xuất nhật ký.", "out")
    query = select(AuditEntry).where(*_conditions(audit_filter)).order_by(AuditEntry.id)
    rows = (
        [
            str(e.id),
            format_moment(e.at),
            e.username,
            e.point_code or "",
            ACTION_LABELS.get(e.action, e.action),
            e.summary,
            e.details,
        ]
        for e in session.scalars(query)
    )
    temporary = out.with_name(f".{out.name}.tmp")
    written = 0
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".csv":
            with temporary.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = CsvWriter(handle)
                writer.writerow(EXPORT_HEADER)
                for line in rows:
                    writer.writerow(line)
                    written += 1
        else:
            from openpyxl import Workbook

            workbook = Workbook(write_only=True)
            sheet = workbook.create_sheet("Nhật ký")
            sheet.append(EXPORT_HEADER)
            for line in rows:
                sheet.append([text_cell(sheet, value) for value in line])
                written += 1
            workbook.save(temporary)
        temporary.replace(out)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise StorageError(
            f"Không ghi được tệp «{out}»: {error.strerror}. Kiểm tra ổ đĩa và quyền ghi."
        ) from error
    write_audit(
        session,
        actor,
        AuditAction.AUDIT_EXPORT,
        f"Xuất {written} mục nhật ký ra tệp {out.name}",
        {"count": written, "file": out.name},
    )
    return written
