"""The audit log: append-only, tamper-evident, readable by managers and administrators.

Every entry is appended in the same transaction as the action it records, so an action
and its entry are saved together or not at all. Each entry's hash covers its fields and
the previous entry's hash: editing, deleting or inserting a row breaks the chain from
there on, and `verify_chain` names the first broken entry.

No personal data goes into an entry beyond what identifies a case: its id and the ID
number masked. Names, birth dates, phones and addresses never do.

Chains: one per intake point (its code), one per computer for work done at no point
(`~<computer name>`: the command line, an administrator at no point), and the frozen
`#cu` holding the entries written before chains were split (migration 0006), whose last
hash seeds the first hash of every other chain (`genesis_hash`).

Concurrency: appending locks the head row of the entry's own chain (`audit_chains`, an
UPDATE first), so two writers of one point take turns instead of forking its chain while
writers of other points never wait for them; on SQLite the database's write lock
serialises every writer anyway. The entry is the *last* write of its transaction (after
the action's own rows are flushed): a transaction holding a head then never waits for
another row lock, so a head cannot be part of a deadlock.

Heads are printed on reports and carried in packages (`services.security.audit_witness`), so that
a log emptied, cut or rewritten afterwards disagrees with what was already printed or sent.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, TypedDict, Unpack, cast

from sqlalchemy import Connection, Table, bindparam, func, insert, select, tuple_, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from models.entities import AuditChain, AuditEntry
from services.common.errors import ValidationError
from services.common.files import written_whole
from services.common.rows import row_from
from services.common.stable_lookups import point_facts
from services.common.vntime import end_of_day_utc, format_moment, now_utc
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.spreadsheets.export_cells import CsvWriter, text_cell

GENESIS_HASH = "0" * 64
HASH_VERSION = "v2"  # entries of per-point chains; the old single chain's are hashed as before
LEGACY_CHAIN = "#cu"  # the entries written before chains were split (migration 0006)
MACHINE_PREFIX = "~"  # a computer's chain: work done at no intake point
CHAIN_LENGTH = 48


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
    OUTREACH_IMPORT = "outreach_import"  # a review list imported
    OUTREACH_STATUS = "outreach_status"  # a listed person's outreach status changed by hand
    OUTREACH_APPOINT = "outreach_appoint"  # a listed person given an appointment
    OUTREACH_STOP = "outreach_stop"  # a stop or its time slots added
    OUTREACH_EXPORT = "outreach_export"  # an SMS file or a call sheet written (phone numbers)


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
    AuditAction.OUTREACH_IMPORT: "Nhập danh sách rà soát",
    AuditAction.OUTREACH_STATUS: "Cập nhật tình trạng vận động",
    AuditAction.OUTREACH_APPOINT: "Hẹn lịch thu nhận",
    AuditAction.OUTREACH_STOP: "Lập điểm hẹn, khung giờ",
    AuditAction.OUTREACH_EXPORT: "Xuất tin nhắn, danh sách gọi điện",
}


def _point_code(session: Session, point_id: int | None) -> str | None:
    if point_id is None:
        return None
    facts = point_facts(session, point_id)
    return facts[0] if facts else None


@cache
def machine_chain() -> str:
    """The chain of work done at no intake point on this computer (the command line, an
    administrator at no point): `~` and the computer's name."""
    name = "".join(c for c in socket.gethostname() if c.isalnum() or c in "-_.") or "?"
    return f"{MACHINE_PREFIX}{name}"[:CHAIN_LENGTH]


def chain_of(point_code: str | None) -> str:
    """The chain an entry joins: its intake point's, else this computer's."""
    return point_code if point_code else machine_chain()


def chain_label(chain: str) -> str:
    """A chain's key as a person reads it."""
    if chain == LEGACY_CHAIN:
        return "nhật ký trước khi tách chuỗi (#cu)"
    if chain.startswith(MACHINE_PREFIX):
        return f"máy {chain[1:]} (không thuộc điểm)"
    return f"điểm {chain}"


def _moment_text(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")


def _digest(fields: tuple[Any, ...]) -> str:
    canonical = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class EntryFields(TypedDict):
    """What an entry's hash covers besides its place in a chain, in the order hashed."""

    at: datetime
    username: str
    operator_id: int | None
    point_code: str | None
    action: str
    summary: str
    details: str
    prev_hash: str


def _hashed(fields: EntryFields) -> tuple[Any, ...]:
    return (
        _moment_text(fields["at"]),
        fields["username"],
        fields["operator_id"],
        fields["point_code"],
        fields["action"],
        fields["summary"],
        fields["details"],
        fields["prev_hash"],
    )


def entry_hash(*, entry_id: int, **fields: Unpack[EntryFields]) -> str:
    """The hash of an entry of the old single chain (`#cu`; `entry_id` is its position):
    sha256 over its fields in a canonical JSON form, chained to `prev_hash`."""
    return _digest((entry_id, *_hashed(fields)))


def chain_entry_hash(*, chain: str, seq: int, **fields: Unpack[EntryFields]) -> str:
    """The hash of an entry of a per-point chain: its fields, its chain and position in it,
    chained to `prev_hash`. Moving an entry to another chain or position breaks it too."""
    return _digest((HASH_VERSION, chain, seq, *_hashed(fields)))


def genesis_hash(chain: str, uid: str, seed: str) -> str:
    """The `prev_hash` of a chain's first entry. `seed` is the last hash of the old single
    chain (`#cu`), or the all-zero hash in a database that had none: emptying the old
    entries then breaks the start of every chain."""
    return _digest(("kichhoat-audit-genesis", chain, uid, seed))


def _stored_hash(entry: AuditEntry) -> str:
    """What `entry.hash` should be, recomputed from its fields."""
    fields: EntryFields = {
        "at": entry.at,
        "username": entry.username,
        "operator_id": entry.operator_id,
        "point_code": entry.point_code,
        "action": entry.action,
        "summary": entry.summary,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
    }
    if entry.chain == LEGACY_CHAIN:
        return entry_hash(entry_id=entry.seq, **fields)
    return chain_entry_hash(chain=entry.chain, seq=entry.seq, **fields)


_CHAINS = cast(Table, AuditChain.__table__)
_LOG = cast(Table, AuditEntry.__table__)
_ENTRY_COLUMNS = [column for column in _LOG.columns if column.name != "id"]


# Built once (composing statements cost more than running them, on every desk save).
# Core statements on the session's connection: the ORM's bulk-update machinery cost a
# third of a desk save on the shared server. Every UPDATE names one chain's row.
_BUMP_HEAD = (
    update(_CHAINS)
    .where(_CHAINS.c.chain == bindparam("chain_key"))
    .values(last_seq=_CHAINS.c.last_seq + 1)
    .returning(_CHAINS.c.last_seq, _CHAINS.c.last_hash)
)
_SEED = select(_CHAINS.c.last_hash).where(_CHAINS.c.chain == LEGACY_CHAIN)
_ADD_ENTRY = insert(_LOG)
_MOVE_HEAD = (
    update(_CHAINS)
    .where(_CHAINS.c.chain == bindparam("chain_key"))
    .values(last_hash=bindparam("digest"))
)
# PostgreSQL: the entry and the head's new hash in one round trip while the head is locked.
_ADDED = (
    insert(_LOG)
    .values({column.name: bindparam(f"e_{column.name}") for column in _ENTRY_COLUMNS})
    .returning(_LOG.c.hash)
    .cte("added")
)
_ADD_ENTRY_AND_MOVE_HEAD = (
    update(_CHAINS)
    .where(_CHAINS.c.chain == bindparam("chain_key"))
    .values(last_hash=select(_ADDED.c.hash).scalar_subquery())
)


def _open_chain(connection: Connection, chain: str) -> None:
    """The head row of a chain's first entry. On PostgreSQL two first writers of one chain
    insert at once: the second waits for the first and inserts nothing."""
    seed = connection.execute(_SEED).scalar() or GENESIS_HASH
    uid = secrets.token_hex(16)
    genesis = genesis_hash(chain, uid, str(seed))
    values = {
        "chain": chain,
        "uid": uid,
        "genesis": genesis,
        "last_seq": 0,
        "last_hash": genesis,
        "created_at": now_utc(),
    }
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql.insert(_CHAINS).values(values).on_conflict_do_nothing())
    else:  # SQLite: this transaction holds the write lock, no other writer is here
        connection.execute(insert(_CHAINS).values(values))


def _lock_head(connection: Connection, chain: str) -> tuple[int, str]:
    """Take the chain's row lock (an UPDATE first: on PostgreSQL it waits for any other
    writer of this chain only; on SQLite it takes the write lock) and return the entry's
    position and the previous hash."""
    bumped = connection.execute(_BUMP_HEAD, {"chain_key": chain}).first()
    if bumped is None:
        _open_chain(connection, chain)
        bumped = connection.execute(_BUMP_HEAD, {"chain_key": chain}).first()
        assert bumped is not None
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
    """Append one entry to its point's chain in `session`'s transaction (the caller
    commits with its action).

    `username`, `operator_id`, `point_id` stand in when there is no actor (a failed
    sign-in)."""
    moment = (at or now_utc()).astimezone(UTC)
    who = actor.username if actor is not None else (username or "?")
    operator = actor.operator_id if actor is not None else operator_id
    point = actor.point_id if actor is not None else point_id
    code = _point_code(session, point)
    chain = chain_of(code)
    details_text = json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)
    session.flush()  # the action's own writes first: the head stays locked for less time
    connection = session.connection()
    seq, prev_hash = _lock_head(connection, chain)
    values: dict[str, Any] = {
        "chain": chain,
        "seq": seq,
        "at": moment,
        "username": who[:80],
        "operator_id": operator,
        "point_code": code,
        "action": action.value,
        "summary": summary,
        "details": details_text,
        "prev_hash": prev_hash,
    }
    digest = values["hash"] = chain_entry_hash(**values)
    if connection.dialect.name == "postgresql":
        parameters = {f"e_{k}": v for k, v in values.items()}
        connection.execute(_ADD_ENTRY_AND_MOVE_HEAD, {**parameters, "chain_key": chain})
    else:
        connection.execute(_ADD_ENTRY, values)
        connection.execute(_MOVE_HEAD, {"digest": digest, "chain_key": chain})


# -- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """Where one chain stops matching: its key, the position (1 = first entry), the
    entry's row number when the row is there, and what is wrong, in Vietnamese."""

    chain: str
    position: int
    entry_id: int | None
    problem: str

    def describe(self) -> str:
        where = f"mục thứ {self.position}"
        if self.entry_id is not None:
            where = f"mục số {self.entry_id} ({where} của chuỗi)"
        return f"chuỗi {chain_label(self.chain)} đứt tại {where}: {self.problem}"


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int  # entries that matched, in every chain
    chains: int = 0
    breaks: tuple[ChainBreak, ...] = ()

    @property
    def broken_id(self) -> int | None:
        """The row number of the first broken entry, when its row is there."""
        return self.breaks[0].entry_id if self.breaks else None

    @property
    def problem(self) -> str | None:
        return self.breaks[0].problem if self.breaks else None

    def describe(self) -> str:
        if self.ok:
            return (
                f"Nhật ký nguyên vẹn: {self.count} mục trong {self.chains} chuỗi, "
                "chuỗi mã băm khớp."
            )
        found = "; ".join(b.describe() for b in self.breaks[:10])
        more = f" (và {len(self.breaks) - 10} chuỗi nữa)" if len(self.breaks) > 10 else ""
        return (
            f"Nhật ký đã bị can thiệp: {found}{more}. "
            f"{self.count} mục trước những chỗ đứt vẫn khớp."
        )


def _entries(session: Session) -> Iterator[AuditEntry]:
    """Every entry, chain by chain, each chain in order of position."""
    last: tuple[str, int] | None = None
    while True:
        query = select(AuditEntry)
        if last is not None:
            query = query.where(tuple_(AuditEntry.chain, AuditEntry.seq) > tuple_(*last))
        batch = list(session.scalars(query.order_by(AuditEntry.chain, AuditEntry.seq).limit(2000)))
        if not batch:
            return
        yield from batch
        last = (batch[-1].chain, batch[-1].seq)
        session.expunge_all()


@dataclass
class _Walk:
    """One chain being checked, entry after entry."""

    chain: str
    head: AuditChain | None
    seed: str
    position: int = 0
    prev_hash: str | None = None
    broken: ChainBreak | None = None

    def __post_init__(self) -> None:
        if self.chain == LEGACY_CHAIN:
            self.prev_hash = GENESIS_HASH
        elif self.head is not None:
            expected = genesis_hash(self.chain, self.head.uid, self.seed)
            if self.head.genesis != expected:
                self.broken = ChainBreak(
                    self.chain, 1, None, "điểm khởi đầu của chuỗi không khớp (đã bị tạo lại)"
                )
            self.prev_hash = self.head.genesis

    def _break(self, entry_id: int | None, problem: str) -> None:
        self.broken = ChainBreak(self.chain, self.position + 1, entry_id, problem)

    def step(self, entry: AuditEntry) -> None:
        if self.broken is not None:
            return
        if self.head is None:
            self._break(None, "không còn dòng đầu chuỗi (audit_chains) của chuỗi này")
        elif entry.seq != self.position + 1:
            self._break(None, "thiếu mục (đã bị xóa)")
        elif entry.prev_hash != self.prev_hash:
            self._break(entry.id, "không nối với mục trước")
        elif _stored_hash(entry) != entry.hash:
            self._break(entry.id, "nội dung đã bị sửa")
        else:
            self.position, self.prev_hash = entry.seq, entry.hash

    def finish(self) -> None:
        if self.broken is not None or self.head is None:
            return
        if self.head.last_seq > self.position:
            self._break(None, "các mục cuối đã bị xóa")
        elif self.head.last_seq < self.position or self.head.last_hash != self.prev_hash:
            self._break(None, "dòng đầu chuỗi không khớp với mục cuối")


def verify_chain(session: Session) -> ChainCheck:
    """Walk every chain from its start; the first entry of each that does not match is
    named. (What was printed or sent is checked by `services.security.audit_witness`.)"""
    heads = {head.chain: head for head in session.scalars(select(AuditChain))}
    legacy = heads.get(LEGACY_CHAIN)
    seed = legacy.last_hash if legacy is not None else GENESIS_HASH
    walks: dict[str, _Walk] = {}
    for entry in _entries(session):
        walk = walks.get(entry.chain)
        if walk is None:
            walk = walks[entry.chain] = _Walk(entry.chain, heads.get(entry.chain), seed)
        walk.step(entry)
    for chain, head in heads.items():
        if chain not in walks:
            walks[chain] = _Walk(chain, head, seed)
    for walk in walks.values():
        walk.finish()
    breaks = tuple(w.broken for w in sorted(walks.values(), key=lambda w: w.chain) if w.broken)
    count = sum(w.position for w in walks.values())
    return ChainCheck(not breaks, count, len(walks), breaks)


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
    chain: str = ""
    seq: int = 0

    @property
    def place(self) -> str:
        """Where the entry stands in the log, as a person reads it."""
        return f"Mục thứ {self.seq} của chuỗi {chain_label(self.chain)}"


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


def audit_row(entry: AuditEntry) -> AuditRow:
    """The plain row of one entry, its action named in Vietnamese."""
    return row_from(AuditRow, entry, action_label=ACTION_LABELS.get(entry.action, entry.action))


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
    return [
        audit_row(e) for e in session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    ]


def usernames(session: Session, actor: Actor) -> list[str]:
    require(actor, Action.AUDIT)
    return list(session.scalars(select(AuditEntry.username).distinct().order_by("username")))


EXPORT_HEADER = ["Số", "Thời điểm", "Người thực hiện", "Điểm", "Việc", "Nội dung", "Chi tiết"]


def _write_csv(path: Path, rows: Iterator[list[str]]) -> int:
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = CsvWriter(handle)
        writer.writerow(EXPORT_HEADER)
        for line in rows:
            writer.writerow(line)
            written += 1
    return written


def _write_xlsx(path: Path, rows: Iterator[list[str]]) -> int:
    from openpyxl import Workbook

    written = 0
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Nhật ký")
    sheet.append(EXPORT_HEADER)
    for line in rows:
        sheet.append([text_cell(sheet, value) for value in line])
        written += 1
    workbook.save(path)
    return written


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
    write = _write_csv if suffix == ".csv" else _write_xlsx
    with written_whole(out) as temporary:
        written = write(temporary, rows)
    write_audit(
        session,
        actor,
        AuditAction.AUDIT_EXPORT,
        f"Xuất {written} mục nhật ký ra tệp {out.name}",
        {"count": written, "file": out.name},
    )
    return written
