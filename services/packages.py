"""Data packages: how offline intake points meet in one tally.

A package holds cases with their whole histories, and the intake points and operators
they refer to (never passwords), as JSON lines inside the encrypted container of
`services.package_crypto`. Importing merges by ID number and level: events are united
without repeats and the status is folded from the union (`services.cases.fold_events`),
so the result does not depend on the order of the packages or on how many times one is
imported. A case whose facts disagree with the local one is set aside as a conflict.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from models.bulk import indexes_set_aside
from models.codes import EventKind, PointKind, Role, Status
from models.entities import Case, CaseConflict, CaseEvent, IntakePoint, Operator
from services.audit import AuditAction, write_audit
from services.campaigns import active_campaign, available_presets, has_campaign, load_preset
from services.cases import (
    counted_unit_id,
    derive,
    event_order,
    find_cases,
    fold_events,
    insert_case_rows,
    insert_event_rows,
)
from services.directory import find_point, next_point_code
from services.errors import NotFoundError, UserError, ValidationError
from services.id_number import normalise_id_number, parse_sex
from services.lifecycle import check_status_for_level
from services.package_crypto import FORMAT_VERSION, PackageError, PackageWriter, decrypt_lines
from services.permissions import Action, require
from services.session_context import Actor
from services.text import clean, fold
from services.units import UnitTree
from services.version import APP_VERSION
from services.vntime import end_of_day_utc, format_moment, now_utc

BATCH = 500
# From this many incoming cases on, indexes are rebuilt once rather than grown row by row.
LARGE_LOAD = 50_000
Progress = Callable[[int, int], None]


@dataclass
class ExportResult:
    path: Path
    counts: dict[str, int]


@dataclass
class ImportSummary:
    path: Path
    source: str = ""
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    refused: int = 0
    refusals: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = (
            f"{self.path.name} ({self.source}): {self.new} mới, {self.updated} cập nhật, "
            f"{self.unchanged} không đổi, {self.conflicts} mâu thuẫn, {self.refused} bị từ chối."
        )
        return text + "".join(f"\n  - {reason}" for reason in self.refusals[:20])


# -- export ---------------------------------------------------------------------------------


def _filters(session: Session, since: date | None, point_code: str | None) -> list[Any]:
    conditions: list[Any] = []
    if since is not None:
        from datetime import timedelta

        conditions.append(Case.updated_at >= end_of_day_utc(since - timedelta(days=1)))
    if point_code is not None:
        point = session.scalars(select(IntakePoint).where(IntakePoint.code == point_code)).first()
        if point is None:
            raise NotFoundError(f"Không có điểm thu nhận mã «{point_code}» trong cơ sở dữ liệu.")
        conditions.append(
            or_(
                Case.intake_point_id == point.id,
                exists().where(
                    and_(CaseEvent.case_id == Case.id, CaseEvent.intake_point_id == point.id)
                ),
            )
        )
    return conditions


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def export_package(
    session: Session,
    actor: Actor,
    out: Path,
    passphrase: str,
    *,
    since: date | None = None,
    point_code: str | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the selected cases, their histories, points and operators to `out`.

    The export is logged in the audit; the caller commits."""
    require(actor, Action.PACKAGES)
    campaign = active_campaign(session)
    tree = UnitTree.load(session)
    conditions = _filters(session, since, point_code)
    case_ids = select(Case.id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(case_ids.subquery())) or 0
    point_ids = (
        select(Case.intake_point_id)
        .where(*conditions)
        .union(select(CaseEvent.intake_point_id).where(CaseEvent.case_id.in_(case_ids)))
    )
    operator_ids = (
        select(Case.operator_id)
        .where(*conditions)
        .union(select(CaseEvent.operator_id).where(CaseEvent.case_id.in_(case_ids)))
    )
    points = session.scalars(select(IntakePoint).where(IntakePoint.id.in_(point_ids))).all()
    operators = session.scalars(select(Operator).where(Operator.id.in_(operator_ids))).all()
    point_codes = {p.id: p.code for p in points}
    usernames = {o.id: o.username for o in operators}
    counts = {"points": len(points), "operators": len(operators), "cases": total, "events": 0}
    writer = PackageWriter(out, passphrase)
    try:
        writer.write_line(
            {
                "type": "manifest",
                "format_version": FORMAT_VERSION,
                "campaign": campaign.code,
                "source_point": point_code,
                "app_version": APP_VERSION,
                "created_at": _iso(now_utc()),
                "since": since.isoformat() if since else None,
                "counts": counts,
            }
        )
        for point in points:
            writer.write_line(
                {
                    "type": "point",
                    "code": point.code,
                    "name": point.name,
                    "kind": point.kind,
                    "commune": tree.by_id[point.commune_id].code,
                    "address": point.address,
                }
            )
        for operator in operators:
            writer.write_line(
                {
                    "type": "operator",
                    "username": operator.username,
                    "full_name": operator.full_name,
                    "organisation": operator.organisation,
                }
            )
        done = 0
        last_id = 0
        # Plain rows, not ORM objects: building 600,000 instrumented cases and their
        # histories cost more than reading, encoding and encrypting them.
        cases, history_rows = Case.__table__, CaseEvent.__table__
        connection = session.connection()  # Core: the ORM's loading machinery is not needed
        while True:
            batch = connection.execute(
                select(cases).where(*conditions, Case.id > last_id).order_by(Case.id).limit(2000)
            ).all()
            if not batch:
                break
            last_id = batch[-1].id
            events: dict[int, list[Any]] = {}
            for event in connection.execute(
                select(history_rows).where(CaseEvent.case_id.in_([c.id for c in batch]))
            ):
                events.setdefault(event.case_id, []).append(event)
            for case in batch:
                history = sorted(events.get(case.id, []), key=event_order)
                counts["events"] += len(history)
                writer.write_line(_case_record(case, history, tree, point_codes, usernames))
            done += len(batch)
            if progress:
                progress(done, total)
        writer.close({"type": "end", "counts": counts})
    except BaseException:
        writer.abort()
        raise
    write_audit(
        session,
        actor,
        AuditAction.PACKAGE_EXPORT,
        f"Xuất gói dữ liệu {out.name}: {counts['cases']} hồ sơ",
        {"file": out.name, "since": since, "point": point_code, "counts": counts},
    )
    return ExportResult(out, counts)


def _case_record(
    case: Any,
    history: list[Any],
    tree: UnitTree,
    point_codes: dict[int, str],
    usernames: dict[int, str],
) -> dict[str, Any]:
    return {
        "type": "case",
        "id_number": case.id_number,
        "level": case.level,
        "full_name": case.full_name,
        "birth_date": case.birth_date.isoformat(),
        "sex": case.sex,
        "phone": case.phone,
        "address": case.address,
        "residence": tree.by_id[case.residence_commune_id].code,
        "help_reason": case.help_reason,
        "notes": case.notes,
        "created_at": _iso(case.created_at),
        "events": [
            {
                "kind": e.kind,
                "to": e.to_status,
                "at": _iso(e.changed_at),
                "operator": usernames[e.operator_id],
                "point": point_codes.get(e.intake_point_id) if e.intake_point_id else None,
                "failure_reason": e.failure_reason,
                "failure_note": e.failure_note,
                "reason": e.reason,
                "changes": e.changes,
            }
            for e in history
        ],
    }


# -- import ---------------------------------------------------------------------------------


@dataclass
class _Event:
    """An incoming event, shaped for `fold_events`."""

    kind: str
    to_status: str
    changed_at: datetime
    operator_id: int
    intake_point_id: int | None
    failure_reason: str | None
    failure_note: str | None
    reason: str | None
    changes: str | None
    from_status: str | None = None

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.kind, self.to_status, self.changed_at)


@dataclass
class _Incoming:
    id_number: str
    level: int
    full_name: str
    birth_date: date
    sex: str
    phone: str | None
    address: str | None
    residence_id: int
    help_reason: str | None
    notes: str | None
    created_at: datetime
    events: list[_Event]
    raw: dict[str, Any]


class _Merger:
    def __init__(self, session: Session, path: Path, summary: ImportSummary) -> None:
        self.session = session
        self.path = path
        self.summary = summary
        self.tree = UnitTree.load(session)
        self.points: dict[str, int] = {}
        self.operators: dict[str, int] = {}

    def point(self, record: dict[str, Any]) -> None:
        code = str(record["code"])
        commune = self.tree.commune(str(record["commune"]))
        name = clean(str(record["name"]))
        local = find_point(self.session, commune.id, name)
        if local is None:
            same_code = self.session.scalars(
                select(IntakePoint).where(IntakePoint.code == code)
            ).first()
            kind = record.get("kind") if record.get("kind") in set(PointKind) else "other"
            local = IntakePoint(
                code=code if same_code is None else next_point_code(self.session, commune),
                name=name,
                kind=kind,
                commune_id=commune.id,
                address=record.get("address"),
                created_at=now_utc(),
            )
            self.session.add(local)
            self.session.flush()
        self.points[code] = local.id

    def operator(self, record: dict[str, Any]) -> None:
        username = str(record["username"])
        local = self.session.scalars(select(Operator).where(Operator.username == username)).first()
        if local is None:
            # No password travels: an imported operator cannot sign in here until an
            # admin sets one, and gets the plain operator role.
            local = Operator(
                username=username,
                full_name=clean(str(record["full_name"])),
                organisation=str(record.get("organisation") or ""),
                role=Role.OPERATOR.value,
                is_active=True,
                created_at=now_utc(),
            )
            self.session.add(local)
            self.session.flush()
        self.operators[username] = local.id

    def parse_case(self, record: dict[str, Any]) -> _Incoming:
        id_number = normalise_id_number(str(record["id_number"]))
        level = int(record["level"])
        if level not in (1, 2):
            raise ValidationError(f"mức {level} không hợp lệ")
        events = []
        for raw in record["events"]:
            status = Status(raw["to"])
            check_status_for_level(status, level)
            if raw["kind"] not in (EventKind.STATUS.value, EventKind.CORRECTION.value):
                raise ValidationError(f"loại mốc «{raw['kind']}» không hợp lệ")
            point = raw.get("point")
            events.append(
                _Event(
                    kind=raw["kind"],
                    to_status=status.value,
                    changed_at=datetime.fromisoformat(raw["at"]),
                    operator_id=self.operators[raw["operator"]],
                    intake_point_id=self.points[point] if point else None,
                    failure_reason=raw.get("failure_reason"),
                    failure_note=raw.get("failure_note"),
                    reason=raw.get("reason"),
                    changes=raw.get("changes"),
                )
            )
        if not events:
            raise ValidationError("hồ sơ không có mốc trạng thái nào")
        events.sort(key=event_order)
        return _Incoming(
            id_number=id_number,
            level=level,
            full_name=clean(str(record["full_name"])),
            birth_date=date.fromisoformat(record["birth_date"]),
            sex=parse_sex(record["sex"]),
            phone=record.get("phone"),
            address=record.get("address"),
            residence_id=self.tree.commune(str(record["residence"])).id,
            help_reason=record.get("help_reason"),
            notes=record.get("notes"),
            created_at=datetime.fromisoformat(record["created_at"]),
            events=events,
            raw=record,
        )

    def merge_batch(self, records: list[dict[str, Any]]) -> None:
        incoming: list[_Incoming] = []
        for record in records:
            try:
                incoming.append(self.parse_case(record))
            except (KeyError, ValueError, TypeError, UserError) as error:
                self.summary.refused += 1
                self.summary.refusals.append(
                    f"Hồ sơ {record.get('id_number', '?')} mức {record.get('level', '?')}: "
                    f"dữ liệu không hợp lệ ({error})."
                )
        while incoming:
            # A case listed twice in one batch is merged in a second round, once the
            # first copy is in the database.
            seen: set[tuple[str, int]] = set()
            now: list[_Incoming] = []
            later: list[_Incoming] = []
            for case in incoming:
                key = (case.id_number, case.level)
                (later if key in seen else now).append(case)
                seen.add(key)
            self._merge_round(now)
            incoming = later

    def _merge_round(self, incoming: list[_Incoming]) -> None:
        known = find_cases(self.session, ((c.id_number, c.level) for c in incoming))
        new_cases = []
        for case in incoming:
            local = known.get((case.id_number, case.level))
            if local is None:
                new_cases.append(case)
            elif (clean(local.full_name), local.birth_date, local.sex) != (
                case.full_name,
                case.birth_date,
                case.sex,
            ):
                self.conflict(local, case)
            else:
                self.merge(local, case)
        self.insert_new(new_cases)
        self.session.flush()
        self.session.expunge_all()

    def merge(self, local: Case, case: _Incoming) -> None:
        have = {(e.kind, e.to_status, e.changed_at) for e in local.history}
        added = [e for e in case.events if e.key not in have]
        filled = False
        for name in ("phone", "address"):
            if getattr(local, name) is None and getattr(case, name):
                setattr(local, name, getattr(case, name))
                filled = True
        if not added and not filled:
            self.summary.unchanged += 1
            return
        for event in added:
            local.history.append(
                CaseEvent(
                    kind=event.kind,
                    to_status=event.to_status,
                    changed_at=event.changed_at,
                    operator_id=event.operator_id,
                    intake_point_id=event.intake_point_id,
                    failure_reason=event.failure_reason,
                    failure_note=event.failure_note,
                    reason=event.reason,
                    changes=event.changes,
                )
            )
        derive(self.session, local)
        local.updated_at = now_utc()
        self.summary.updated += 1

    def conflict(self, local: Case, case: _Incoming) -> None:
        # Kept with this database's point codes (a package's code may have been renamed here).
        codes = dict(
            self.session.execute(
                select(IntakePoint.id, IntakePoint.code).where(
                    IntakePoint.id.in_(set(self.points.values()))
                )
            ).all()
        )
        raw = {
            **case.raw,
            "events": [
                {
                    **event,
                    "point": codes[self.points[event["point"]]] if event.get("point") else None,
                }
                for event in case.raw["events"]
            ],
        }
        body = json.dumps(raw, ensure_ascii=False, sort_keys=True)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        exists_already = self.session.scalar(
            select(CaseConflict.id).where(
                CaseConflict.id_number == case.id_number,
                CaseConflict.level == case.level,
                CaseConflict.incoming_hash == digest,
            )
        )
        if exists_already is None:
            self.session.add(
                CaseConflict(
                    id_number=case.id_number,
                    level=case.level,
                    case_id=local.id,
                    incoming=body,
                    incoming_hash=digest,
                    source=self.summary.source,
                    created_at=now_utc(),
                )
            )
        self.summary.conflicts += 1

    def insert_new(self, cases: list[_Incoming]) -> None:
        """New cases in two bulk statements (cases, then their events)."""
        if not cases:
            return
        point_communes = dict(
            self.session.execute(
                select(IntakePoint.id, IntakePoint.commune_id).where(
                    IntakePoint.id.in_(
                        {e.intake_point_id for c in cases for e in c.events if e.intake_point_id}
                    )
                )
            ).all()
        )
        now = now_utc()
        rows = []
        for case in cases:
            derived = fold_events(case.level, case.events)
            point_id = derived.first_point_id
            if point_id is None:
                raise PackageError("Gói hỏng: hồ sơ không có điểm thu nhận ở mốc đầu tiên.")
            rows.append(
                {
                    "id_number": case.id_number,
                    "level": case.level,
                    "full_name": case.full_name,
                    "name_folded": fold(case.full_name),
                    "birth_date": case.birth_date,
                    "sex": case.sex,
                    "phone": case.phone,
                    "address": case.address,
                    "residence_commune_id": case.residence_id,
                    "intake_point_id": point_id,
                    "operator_id": derived.first_operator_id,
                    "status": derived.status.value,
                    "failure_reason": derived.failure_reason,
                    "failure_note": derived.failure_note,
                    "help_reason": case.help_reason,
                    "consent_given": True,
                    "notes": case.notes,
                    "counted_unit_id": counted_unit_id(
                        case.level, case.residence_id, point_communes[point_id]
                    ),
                    "activated_at": derived.activated_at,
                    "activated_on": derived.activated_on,
                    "created_at": case.created_at,
                    "updated_at": now,
                    "version": 1,
                }
            )
        ids = insert_case_rows(self.session, rows)
        event_rows = [
            {
                "case_id": case_id,
                "kind": e.kind,
                "from_status": e.from_status,
                "to_status": e.to_status,
                "changed_at": e.changed_at,
                "operator_id": e.operator_id,
                "intake_point_id": e.intake_point_id,
                "failure_reason": e.failure_reason,
                "failure_note": e.failure_note,
                "reason": e.reason,
                "changes": e.changes,
            }
            for case_id, case in zip(ids, cases, strict=True)
            for e in case.events
        ]
        insert_event_rows(self.session, event_rows)
        self.summary.new += len(cases)


def _records(lines: Iterator[bytes], path: Path) -> Iterator[dict[str, Any]]:
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            raise PackageError(f"Gói «{path.name}» có dòng không đọc được; gói bị hỏng.") from None
        if not isinstance(record, dict):
            raise PackageError(f"Gói «{path.name}» có dòng không hợp lệ; gói bị hỏng.")
        yield record


def merge_records(
    session: Session,
    records: Iterable[dict[str, Any]],
    summary: ImportSummary,
    total: int = 0,
    progress: Progress | None = None,
) -> ImportSummary:
    """Merge point, operator and case records (a package's body) into `session`."""
    merger = _Merger(session, summary.path, summary)
    batch: list[dict[str, Any]] = []
    done = 0
    try:
        for record in records:
            kind = record.get("type")
            if kind == "point":
                merger.point(record)
            elif kind == "operator":
                merger.operator(record)
            elif kind == "case":
                batch.append(record)
                if len(batch) >= BATCH:
                    merger.merge_batch(batch)
                    done += len(batch)
                    batch = []
                    if progress:
                        progress(done, total)
            else:
                raise PackageError(
                    f"Gói «{summary.path.name}» có loại dòng lạ «{kind}»; gói bị hỏng."
                )
        if batch:
            merger.merge_batch(batch)
    except (KeyError, NotFoundError) as error:
        raise PackageError(
            f"Gói «{summary.path.name}» tham chiếu dữ liệu không có ({error}); không nhập gì."
        ) from error
    return summary


def import_package(
    session: Session,
    actor: Actor,
    path: Path,
    passphrase: str,
    progress: Progress | None = None,
) -> ImportSummary:
    """Merge one package into `session` (the caller commits; on any error, roll back)."""
    require(actor, Action.PACKAGES)
    lines = decrypt_lines(path, passphrase)
    digest = hashlib.sha256()
    summary = ImportSummary(path=path)

    def hashed() -> Iterator[bytes]:
        for line in lines:
            if line.startswith(b'{"type":"end"'):
                yield line
                return
            digest.update(line)
            yield line

    records = _records(hashed(), path)
    manifest = next(records, None)
    if manifest is None or manifest.get("type") != "manifest":
        raise PackageError(f"Gói «{path.name}» thiếu phần mô tả (manifest); gói bị hỏng.")
    if not has_campaign(session) and manifest.get("campaign") in available_presets():
        load_preset(session, str(manifest["campaign"]))  # a fresh database at the province
    campaign = active_campaign(session)
    if manifest.get("campaign") != campaign.code:
        raise PackageError(
            f"Gói «{path.name}» thuộc đợt «{manifest.get('campaign')}», không phải đợt "
            f"«{campaign.code}» của cơ sở dữ liệu này: không nhập."
        )
    created = manifest.get("created_at")
    summary.source = (
        f"điểm {manifest.get('source_point') or 'tất cả'}, xuất lúc "
        f"{format_moment(datetime.fromisoformat(created)) if created else '?'}"
    )
    total = int(manifest.get("counts", {}).get("cases", 0))
    trailer: dict[str, Any] = {}

    def body() -> Iterator[dict[str, Any]]:
        for record in records:
            if record.get("type") == "end":
                trailer.update(record)
                return
            yield record

    existing = session.scalar(select(func.count()).select_from(Case)) or 0
    with ExitStack() as stack:
        if total >= LARGE_LOAD and total > existing:  # the province merging a district, say
            tables = [cast(Table, Case.__table__), cast(Table, CaseEvent.__table__)]
            stack.enter_context(indexes_set_aside(session.connection(), tables))
        merge_records(session, body(), summary, total, progress)
    if trailer.get("sha256") != digest.hexdigest():
        raise PackageError(
            f"Gói «{path.name}» sai tổng kiểm tra (checksum): nội dung không trọn vẹn; không nhập gì."
        )
    if progress:
        progress(total, total)
    write_audit(
        session,
        actor,
        AuditAction.PACKAGE_IMPORT,
        f"Nhập gói dữ liệu {path.name}: {summary.new} mới, {summary.updated} cập nhật, "
        f"{summary.conflicts} mâu thuẫn, {summary.refused} bị từ chối",
        {
            "file": path.name,
            "new": summary.new,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "conflicts": summary.conflicts,
            "refused": summary.refused,
        },
    )
    return summary
