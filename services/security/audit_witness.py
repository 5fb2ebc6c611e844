"""Witnesses of the audit chains: what was printed or sent, checked against the log.

A hash chain alone shows an edited entry, but not a log emptied, cut or rewritten from
scratch by someone who can write the database. So every chain's head (its key, entry count
and last hash) leaves the database whenever something else does:

- printed in the footer of every PC06 report (`report_footer`, the first 16 characters of
  the hash) and carried in every package manifest (`manifest_audit`, the whole hash);
- recorded, with what was printed or sent and when, in an append-only witness file in the
  data folder, outside the database (`record_witness`: `<data>/audit-witness/<db>.jsonl`);
- kept by the database that receives a package (`keep_received_heads`).

`verify_audit` then checks the chains (`services.security.audit.verify_chain`) and that every head a
witness names is still in the log: the entry at that position of that chain, with that hash.
Heads received from another database are compared with each other: a later package whose
chain is shorter, different or gone means the sender's log was cut or rewritten. A restore
made through the app is recorded in the witness file too: what was printed or sent before
it and is no longer in the restored log is then named as lost by that restore, not failed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from models.bulk import in_slices
from models.database import READ_ONLY_OPTION
from models.entities import AuditChain, AuditEntry, AuditReceivedHead
from services.common.errors import UserError, os_reason
from services.common.vntime import format_moment, now_utc, parse_moment
from services.security.audit import ChainCheck, chain_label, verify_chain
from services.upkeep.database import data_dir

log = logging.getLogger(__name__)

WITNESS_FOLDER = "audit-witness"
SHORT_HASH = 16  # characters of a head's hash printed on paper
REPORT_TITLE = "Dấu kiểm nhật ký hệ thống"
REPORT_KIND, PACKAGE_KIND, RESTORE_KIND, RECEIVED_KIND = "report", "package", "restore", "received"
_HEAD_CELL = re.compile(r"^(?P<chain>\S.*) · (?P<count>\d+) mục · (?P<hash>[0-9a-f]{16})$")
_TITLE_MOMENT = re.compile(r"lúc (\d{2}/\d{2}/\d{4} \d{2}:\d{2})")


@dataclass(frozen=True)
class ChainHead:
    """A chain's head as printed or sent: `hash` is whole, or its first 16 characters
    when read back from a printed report."""

    chain: str
    count: int
    hash: str
    uid: str | None = None

    def short(self) -> str:
        return f"{self.chain} · {self.count} mục · {self.hash[:SHORT_HASH]}"


# -- where a database is --------------------------------------------------------------------


def _url(bind: Session | Engine | Connection) -> URL:
    if isinstance(bind, Session):
        found = bind.get_bind()
        return found.engine.url if isinstance(found, Connection) else found.url
    return bind.engine.url if isinstance(bind, Connection) else bind.url


def database_place(bind: Session | Engine | Connection) -> str:
    """Where the database is, fit to show: its file, or the server and database name."""
    url = _url(bind)
    if url.get_backend_name() == "sqlite":
        name = url.database or ":memory:"
        return str(Path(name).resolve()) if name != ":memory:" else name
    return f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"


def database_tag(bind: Session | Engine | Connection) -> str:
    """A short name for this database where it is: an SQLite file on this computer, or a
    database on a server. It names the witness file and the source of sent packages; a
    copy elsewhere is another database with its own witnesses."""
    url = _url(bind)
    where = database_place(bind)
    if url.get_backend_name() == "sqlite":
        where = f"{socket.gethostname()}|{where}"
    return hashlib.sha256(where.encode("utf-8")).hexdigest()[:16]


# -- the heads ------------------------------------------------------------------------------


def current_heads(session: Session) -> list[ChainHead]:
    """The committed head of every chain, read on a connection of its own: an entry the
    caller's transaction has written but not yet committed may still be rolled back, and
    must not be printed or sent."""
    found = session.get_bind()
    engine = found.engine if isinstance(found, Connection) else found
    query = select(AuditChain.chain, AuditChain.last_seq, AuditChain.last_hash, AuditChain.uid)
    with engine.execution_options(**{READ_ONLY_OPTION: True}).connect() as connection:
        rows = connection.execute(query.where(AuditChain.last_seq > 0).order_by(AuditChain.chain))
        return [ChainHead(str(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows]


def report_footer(heads: Sequence[ChainHead], at: datetime) -> tuple[str, str, list[str]]:
    """The footer of a report: a title (with the moment), a note, and one cell per chain."""
    title = f"{REPORT_TITLE} lúc {format_moment(at)}"
    if not heads:
        return title + ": nhật ký chưa có mục nào.", "", []
    note = (
        "Mỗi chuỗi: mã chuỗi (mã điểm; ~tên máy: việc không thuộc điểm nào; #cu: nhật ký "
        "trước khi tách chuỗi), số mục, 16 ký tự đầu mã băm của mục cuối. Đối chiếu: "
        "kichhoat-cli audit verify --against <tệp báo cáo>."
    )
    return title + ":", note, [head.short() for head in heads]


# -- witnesses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    """Heads that left the database: printed in a report or sent in a package."""

    kind: str
    file: str
    at: datetime | None
    heads: tuple[ChainHead, ...]

    def describe(self) -> str:
        when = f" lúc {format_moment(self.at)}" if self.at else ""
        if self.kind == REPORT_KIND:
            return f"báo cáo «{self.file}» lập{when}"
        if self.kind == RECEIVED_KIND:
            return f"gói dữ liệu «{self.file}» xuất{when} (đã nhập vào cơ sở dữ liệu này)"
        return f"gói dữ liệu «{self.file}» xuất{when}"


def witness_path(bind: Session | Engine | Connection, folder: Path | None = None) -> Path:
    """The witness file of this database: `<data folder>/audit-witness/<name>-<tag>.jsonl`."""
    url = _url(bind)
    stem = Path(url.database or "db").stem if url.get_backend_name() == "sqlite" else url.database
    safe = re.sub(r"[^\w.-]", "_", stem or "db")[:40]
    return (folder or data_dir()) / WITNESS_FOLDER / f"{safe}-{database_tag(bind)}.jsonl"


def _append(path: Path, record: dict[str, Any]) -> None:
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def record_witness(
    bind: Session | Engine | Connection,
    kind: str,
    file_name: str,
    heads: Sequence[ChainHead],
    folder: Path | None = None,
) -> None:
    """Append what was printed or sent to this database's witness file. A data folder that
    cannot be written does not undo the report or the package: it is logged."""
    record = {
        "kind": kind,
        "at": now_utc().isoformat(),
        "file": file_name,
        "database": database_place(bind),
        "heads": [[h.chain, h.count, h.hash] for h in heads],
    }
    path = witness_path(bind, folder)
    try:
        _append(path, record)
    except OSError as error:
        log.warning("Audit witness not written to %s: %s", path, error.strerror)


def _witness_from_record(record: dict[str, Any]) -> Witness:
    heads = tuple(ChainHead(str(c), int(n), str(h)) for c, n, h in record.get("heads", []))
    at = datetime.fromisoformat(str(record["at"])) if record.get("at") else None
    return Witness(str(record.get("kind")), str(record.get("file", "?")), at, heads)


def read_witness_file(path: Path) -> list[Witness]:
    """The records of a witness file, oldest first (a torn last line is skipped)."""
    if not path.is_file():
        return []
    found: list[Witness] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            found.append(_witness_from_record(json.loads(line)))
        except (ValueError, TypeError, KeyError):
            log.warning("Unreadable line in audit witness file %s", path)
    return found


# -- packages -------------------------------------------------------------------------------


def manifest_audit(session: Session, heads: Sequence[ChainHead]) -> dict[str, Any]:
    """What a package manifest carries of the audit: the source database and its heads."""
    return {
        "source": database_tag(session),
        "heads": [
            {"chain": h.chain, "uid": h.uid, "count": h.count, "hash": h.hash} for h in heads
        ],
    }


def _manifest_heads(audit: Any) -> tuple[ChainHead, ...]:
    if not isinstance(audit, dict) or not isinstance(audit.get("heads"), list):
        return ()
    heads = []
    for item in audit["heads"]:
        try:
            heads.append(
                ChainHead(
                    str(item["chain"])[:48],
                    int(item["count"]),
                    str(item["hash"])[:64],
                    str(item.get("uid") or "")[:32],
                )
            )
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(heads)


def package_witness(manifest: dict[str, Any], file_name: str) -> Witness:
    """The heads a package's manifest names (for `audit verify --against`)."""
    created = manifest.get("created_at")
    at = datetime.fromisoformat(created) if isinstance(created, str) else None
    heads = _manifest_heads(manifest.get("audit"))
    if not heads:
        raise UserError(
            f"Gói «{file_name}» không mang dấu kiểm nhật ký (gói do phiên bản trước xuất): "
            "không có gì để đối chiếu."
        )
    return Witness(PACKAGE_KIND, file_name, at, heads)


def keep_received_heads(session: Session, manifest: dict[str, Any], file_name: str) -> list[str]:
    """Keep the heads a package carries (once per package). Returns what they show of the
    sender's log against its earlier packages (see `sender_problems`), in Vietnamese."""
    audit = manifest.get("audit")
    heads = _manifest_heads(audit)
    created = manifest.get("created_at")
    if not heads or not isinstance(audit, dict) or not isinstance(created, str):
        return []
    source = str(audit.get("source") or "")[:32]
    created_at = datetime.fromisoformat(created).astimezone(UTC)
    known = set(
        session.scalars(
            select(AuditReceivedHead.chain).where(
                AuditReceivedHead.source == source,
                AuditReceivedHead.package_created_at == created_at,
            )
        )
    )
    point = manifest.get("source_point")
    received = now_utc()
    for head in heads:
        if head.chain in known:
            continue
        session.add(
            AuditReceivedHead(
                source=source,
                source_point=str(point)[:32] if point else None,
                package=file_name[:255],
                package_created_at=created_at,
                received_at=received,
                chain=head.chain,
                chain_uid=head.uid or "",
                count=head.count,
                hash=head.hash,
            )
        )
    session.flush()
    if source == database_tag(session):
        return []  # a package of this database, back: checked by `verify_audit`
    return sender_problems(session, source=source)


# -- reports --------------------------------------------------------------------------------


def report_witness(path: Path) -> Witness:
    """The heads printed in a PC06 report's footer (for `audit verify --against`)."""
    from openpyxl import load_workbook

    at: datetime | None = None
    heads: list[ChainHead] = []
    titled = False
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            for row in workbook.worksheets[0].iter_rows(values_only=True):
                for value in row:
                    text = str(value) if value is not None else ""
                    if text.startswith(REPORT_TITLE):
                        titled = True
                        moment = _TITLE_MOMENT.search(text)
                        at = parse_moment(moment.group(1)) if moment else None
                    elif titled and (match := _HEAD_CELL.match(text)):
                        heads.append(ChainHead(match["chain"], int(match["count"]), match["hash"]))
        finally:
            workbook.close()
    except OSError as error:
        raise UserError(f"Không đọc được tệp báo cáo «{path.name}»: {os_reason(error)}.") from error
    except (zipfile.BadZipFile, ValueError, KeyError, IndexError, SyntaxError) as error:
        # Not a zip, cut short, or a part that is not XML (ElementTree's ParseError is a
        # SyntaxError): the library's words mean nothing to the person checking.
        raise UserError(
            f"Không đọc được tệp báo cáo «{path.name}»: tệp bị hỏng, bị cắt ngắn hoặc không phải "
            "tệp Excel (.xlsx). Dùng đúng tệp báo cáo PC06 đã lập."
        ) from error
    if not titled:
        raise UserError(
            f"Tệp «{path.name}» không có {REPORT_TITLE.lower()} (không phải báo cáo PC06 của "
            "phiên bản này): không có gì để đối chiếu."
        )
    return Witness(REPORT_KIND, path.name, at, tuple(heads))


# -- checking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessMiss:
    """A head that left the database and is no longer in its log."""

    witness: Witness
    head: ChainHead
    problem: str
    lost_by: str | None = None  # the restore after which it was gone

    def describe(self) -> str:
        text = (
            f"{self.witness.describe()} ghi chuỗi {chain_label(self.head.chain)} có "
            f"{self.head.count} mục (mục cuối {self.head.hash[:SHORT_HASH]}), {self.problem}"
        )
        return f"{text} (sau lần {self.lost_by})" if self.lost_by else text


@dataclass(frozen=True)
class AuditCheck:
    """The chains, and what was printed or sent, checked against the log."""

    chains: ChainCheck
    witnesses: int = 0
    misses: tuple[WitnessMiss, ...] = ()
    lost: tuple[WitnessMiss, ...] = ()  # gone with a restore made through the app
    senders: tuple[str, ...] = ()  # heads received from another database that disagree

    @property
    def ok(self) -> bool:
        return self.chains.ok and not self.misses and not self.senders

    @property
    def count(self) -> int:
        return self.chains.count

    def describe(self) -> str:
        parts: list[str] = []
        if self.misses:
            found = "; ".join(m.describe() for m in self.misses[:10])
            more = f" (và {len(self.misses) - 10} chỗ nữa)" if len(self.misses) > 10 else ""
            parts.append(
                f"Nhật ký đã bị xóa, cắt hoặc viết lại sau khi đã in hoặc gửi: {found}{more}."
            )
        if not self.chains.ok or not parts:
            parts.append(self.chains.describe())
        if self.ok:
            parts[-1] = parts[-1].rstrip(".") + f"; khớp với {self.witnesses} lần in hoặc gửi."
        if self.senders:
            parts.append(
                "Nhật ký ở nơi gửi gói đã bị cắt, viết lại hoặc khôi phục từ bản sao lưu cũ: "
                + "; ".join(self.senders[:10])
                + "."
            )
        if self.lost:
            parts.append(
                "Lưu ý, mất do khôi phục bản sao lưu: "
                + "; ".join(m.describe() for m in self.lost[:10])
                + "."
            )
        return " ".join(parts)


@dataclass
class _Log:
    """What the log holds at the positions the witnesses name."""

    hashes: dict[tuple[str, int], str] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)
    uids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, witnesses: Iterable[Witness]) -> _Log:
        found = cls()
        wanted: dict[str, set[int]] = {}
        for witness in witnesses:
            for head in witness.heads:
                wanted.setdefault(head.chain, set()).add(head.count)
        for chain, positions in wanted.items():
            ordered = sorted(positions)
            for chunk in in_slices(ordered):
                query = select(AuditEntry.seq, AuditEntry.hash).where(
                    AuditEntry.chain == chain, AuditEntry.seq.in_(chunk)
                )
                for seq, digest in session.execute(query):
                    found.hashes[(chain, int(seq))] = str(digest)
        for chain, last, uid in session.execute(
            select(AuditChain.chain, AuditChain.last_seq, AuditChain.uid)
        ):
            found.lengths[str(chain)] = int(last)
            found.uids[str(chain)] = str(uid)
        return found

    def problem(self, head: ChainHead) -> str | None:
        stored = self.hashes.get((head.chain, head.count))
        if head.uid and self.uids.get(head.chain, head.uid) != head.uid:
            return "nay chuỗi này đã bị tạo lại từ đầu"
        if stored is None:
            if not self.lengths:
                return "nay nhật ký trống (đã bị xóa hết)"
            left = self.lengths.get(head.chain, 0)
            return f"nay chuỗi chỉ còn {left} mục (đã bị xóa hoặc cắt)"
        if len(head.hash) < SHORT_HASH or not stored.startswith(head.hash):
            return f"nay mục thứ {head.count} đã khác (nhật ký đã bị viết lại)"
        return None


def _received_own(session: Session, own: str) -> list[Witness]:
    """Packages this database sent that came back to it."""
    rows = session.scalars(
        select(AuditReceivedHead)
        .where(AuditReceivedHead.source == own)
        .order_by(AuditReceivedHead.package_created_at, AuditReceivedHead.chain)
    )
    packages: dict[tuple[datetime, str], list[ChainHead]] = {}
    for row in rows:
        packages.setdefault((row.package_created_at, row.package), []).append(
            ChainHead(row.chain, row.count, row.hash, row.chain_uid or None)
        )
    return [Witness(RECEIVED_KIND, name, at, tuple(h)) for (at, name), h in packages.items()]


def _sender_problem(before: AuditReceivedHead, now: AuditReceivedHead | None) -> str | None:
    if now is None:
        return "không còn chuỗi này"
    if before.chain_uid and now.chain_uid and before.chain_uid != now.chain_uid:
        return "chuỗi này đã bị tạo lại từ đầu"
    if now.count < before.count:
        return f"chuỗi này chỉ còn {now.count} mục"
    if now.count == before.count and now.hash != before.hash:
        return "mục cuối đã khác"
    return None


def sender_problems(
    session: Session, *, own: str | None = None, source: str | None = None
) -> list[str]:
    """Heads received from each other database (but `own`; only `source` when given), in
    the order its packages were made: a chain never shrinks, changes or disappears from
    one package to the next."""
    query = select(AuditReceivedHead)
    if own is not None:
        query = query.where(AuditReceivedHead.source != own)
    if source is not None:
        query = query.where(AuditReceivedHead.source == source)
    packages: dict[str, dict[tuple[datetime, str], dict[str, AuditReceivedHead]]] = {}
    for row in session.scalars(
        query.order_by(AuditReceivedHead.package_created_at, AuditReceivedHead.id)
    ):
        by_package = packages.setdefault(row.source, {})
        by_package.setdefault((row.package_created_at, row.package), {})[row.chain] = row
    problems: list[str] = []
    for source in sorted(packages):
        latest: dict[str, AuditReceivedHead] = {}
        for (created, name), heads in packages[source].items():
            for chain, before in list(latest.items()):
                problem = _sender_problem(before, heads.get(chain))
                if problem is None:
                    continue
                problems.append(
                    f"gói «{before.package}» từ {before.source_point or 'nơi gửi'} (xuất lúc "
                    f"{format_moment(before.package_created_at)}) ghi chuỗi {chain_label(chain)} "
                    f"có {before.count} mục; gói «{name}» xuất lúc {format_moment(created)}: "
                    f"{problem}"
                )
                del latest[chain]  # named once
            latest.update(heads)
    return problems


def _restore_after(restores: Sequence[Witness], witness: Witness) -> str | None:
    """The last restore made after `witness` left the database, said as a person reads it."""
    later = [r for r in restores if r.at and (witness.at is None or r.at > witness.at)]
    if not later:
        return None
    last = later[-1]
    assert last.at is not None
    return f"khôi phục bản sao lưu «{last.file}» lúc {format_moment(last.at)}"


def _compare(
    witnesses: Sequence[Witness], restores: Sequence[Witness], stored: _Log, *, explained: bool
) -> tuple[list[WitnessMiss], list[WitnessMiss]]:
    """The heads no longer in the log: (failures, those lost by a later restore). With
    `explained` False (a file named on the command line) every one is a failure."""
    misses: list[WitnessMiss] = []
    lost: list[WitnessMiss] = []
    for witness in witnesses:
        restore = _restore_after(restores, witness)
        for head in witness.heads:
            problem = stored.problem(head)
            if problem is not None:
                miss = WitnessMiss(witness, head, problem, restore)
                (lost if restore and explained else misses).append(miss)
    return misses, lost


def verify_audit(
    session: Session, against: Sequence[Witness] = (), folder: Path | None = None
) -> AuditCheck:
    """Check the chains, then every head printed or sent (the witness file, packages of
    this database that came back, and `against`), then the heads received from others."""
    chains = verify_chain(session)
    own = database_tag(session)
    recorded = read_witness_file(witness_path(session, folder))
    restores = [w for w in recorded if w.kind == RESTORE_KIND and w.at is not None]
    kept = [w for w in recorded if w.kind != RESTORE_KIND] + _received_own(session, own)
    stored = _Log.read(session, [*kept, *against])
    misses, lost = _compare(kept, restores, stored, explained=True)
    asked, _ = _compare(against, restores, stored, explained=False)
    return AuditCheck(
        chains,
        witnesses=len(kept) + len(against),
        misses=tuple(misses + asked),
        lost=tuple(lost),
        senders=tuple(sender_problems(session, own=own)),
    )


def record_restore(bind: Engine, file_name: str, folder: Path | None = None) -> None:
    """Note in the witness file that the database was replaced by a backup: what was
    printed or sent before and is not in the restored log was lost by that restore."""
    record_witness(bind, RESTORE_KIND, file_name, [], folder)
