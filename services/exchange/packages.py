"""Data packages: how offline intake points meet in one tally.

A package holds cases with their whole histories (each event with its uid and the facts it
was given), and the intake points and operators they refer to (never passwords), as JSON
lines inside the encrypted container of `services.exchange.crypto`. Importing unites the
events of each case by uid (a case is found by any event it shares, else by ID number and
level) and derives the case from the union (`services.cases.fold`), so the result depends
neither on the order of the packages nor on how many times one is imported. Reports that
disagree on who the person is or where they live make the case a conflict for a manager
(`services.exchange.conflicts`); nothing is set aside or overwritten.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, and_, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from models.bulk import in_slices, indexes_set_aside_for_large_load
from models.codes import OUTSIDE_PROVINCE, EventKind, PointKind, Role, Status
from models.entities import Case, CaseEvent, FactSet, IntakePoint, Operator
from models.event_ids import UID_LENGTH, legacy_uid
from services.campaigns.campaign import (
    active_campaign,
    available_presets,
    has_campaign,
    load_preset,
)
from services.campaigns.directory import find_point, next_point_code
from services.campaigns.units import UnitTree
from services.cases.fold import Claim, Event
from services.cases.lifecycle import check_status_for_level
from services.cases.recording import (
    FactSets,
    claim_digest_of,
    claim_values,
    derive,
    derived_values,
    find_cases,
    insert_case_rows,
    insert_event_rows,
)
from services.common.errors import NotFoundError, UserError, ValidationError
from services.common.text import (
    ADDRESS_LENGTH,
    NAME_LENGTH,
    ORGANISATION_LENGTH,
    POINT_CODE_LENGTH,
    USERNAME_LENGTH,
    clean,
    has_hidden,
    quote_value,
    strip_hidden,
)
from services.common.version import APP_VERSION
from services.common.vntime import end_of_day_utc, format_moment, now_utc
from services.exchange.crypto import FORMAT_VERSION, PackageError, PackageWriter, decrypt_lines
from services.outreach.lists import link_cases
from services.outreach.packages import RECORD_TYPE as OUTREACH_RECORD
from services.outreach.packages import merge_outreach, outreach_records
from services.person.id_number import normalise_id_number, parse_sex
from services.privacy.consent import NO_RECORD, ConsentRecord, package_record, record_from_package
from services.privacy.erasure_marks import erased_uids
from services.privacy.purge import refuse_after_purge
from services.security.audit import AuditAction, write_audit
from services.security.audit_witness import (
    PACKAGE_KIND,
    ChainHead,
    Witness,
    current_heads,
    keep_received_heads,
    manifest_audit,
    package_witness,
    record_witness,
)
from services.security.permissions import Action, require
from services.security.session_context import Actor

BATCH = 500
# The shape of the case lines: 2 carries event uids and claims; a package without the
# field was written before events had them (read by `_Merger.legacy_case`).
BODY_VERSION = 2
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
    # Texts stored with their control or invisible characters taken out (see `_tidied`).
    cleaned: list[str] = field(default_factory=list)
    # The sender's audit chains went backwards since an earlier package (see audit_witness).
    audit_warnings: list[str] = field(default_factory=list)
    # People of the review lists: new here, and changed (facts or statuses).
    outreach_new: int = 0
    outreach_changed: int = 0
    # Cases and review-list entries of citizens erased here on request, left out.
    erased: int = 0
    outreach_erased: int = 0

    def describe(self) -> str:
        text = (
            f"{self.path.name} ({self.source}): {self.new} mới, {self.updated} cập nhật, "
            f"{self.unchanged} không đổi, {self.conflicts} mâu thuẫn, {self.refused} bị từ chối."
        )
        if self.outreach_new or self.outreach_changed:
            text += (
                f" Danh sách rà soát: {self.outreach_new} người mới, {self.outreach_changed} "
                "người cập nhật."
            )
        if self.erased or self.outreach_erased:
            text += (
                f" Bỏ qua {self.erased} hồ sơ và {self.outreach_erased} người trong danh sách rà "
                "soát của công dân đã xóa theo yêu cầu tại đây (gói làm trước khi xóa)."
            )
        text += "".join(f"\n  - {reason}" for reason in self.refusals[:20])
        text += "".join(f"\n  - {note}" for note in self.cleaned[:20])
        return text + "".join(
            f"\n  - Nhật ký ở nơi gửi đã bị cắt hoặc viết lại: {problem}"
            for problem in self.audit_warnings[:10]
        )


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
    witness_folder: Path | None = None,
) -> ExportResult:
    """Write the selected cases, their histories, points and operators to `out`.

    The manifest carries the audit chains' heads, also recorded in this database's witness
    file (in `witness_folder`, by default the data folder). The export is logged in the
    audit; the caller commits."""
    require(actor, Action.PACKAGES)
    # After the purge the ID numbers and event uids are pseudonyms: imported elsewhere,
    # every citizen would arrive as someone new.
    refuse_after_purge(session, "xuất gói dữ liệu")
    campaign = active_campaign(session)
    tree = UnitTree.load(session)
    conditions = _filters(session, since, point_code)
    total, events, points, operators = _selection(session, conditions)
    counts = {"points": len(points), "operators": len(operators), "cases": total, "events": events}
    heads = current_heads(session)
    writer = PackageWriter(out, passphrase)
    try:
        writer.write_line(_manifest(session, campaign.code, point_code, since, counts, heads))
        _write_directory(writer, tree, points, operators)
        directory = ({p.id: p.code for p in points}, {o.id: o.username for o in operators})
        # The trailer counts what was written (the same, read in this one transaction); the
        # manifest line is already written.
        counts["events"] = _write_cases(session, writer, conditions, directory, total, progress)
        # The review lists travel whole: few lines beside the cases, and merged idempotently.
        counts["outreach"] = 0
        for line in outreach_records(session, tree):
            writer.write_line(line)
            counts["outreach"] += 1
        writer.close({"type": "end", "counts": counts})
    except BaseException:
        writer.abort()
        raise
    record_witness(session, PACKAGE_KIND, out.name, heads, witness_folder)
    write_audit(
        session,
        actor,
        AuditAction.PACKAGE_EXPORT,
        f"Xuất gói dữ liệu {out.name}: {counts['cases']} hồ sơ",
        {"file": out.name, "since": since, "point": point_code, "counts": counts},
    )
    return ExportResult(out, counts)


def _manifest(
    session: Session,
    campaign_code: str,
    point_code: str | None,
    since: date | None,
    counts: dict[str, int],
    heads: Sequence[ChainHead],
) -> dict[str, Any]:
    """The package's first line: what it holds, from where and when, and the audit's heads."""
    return {
        "type": "manifest",
        "format_version": FORMAT_VERSION,
        "campaign": campaign_code,
        "source_point": point_code,
        "app_version": APP_VERSION,
        "created_at": _iso(now_utc()),
        "since": since.isoformat() if since else None,
        "counts": counts,
        "body_version": BODY_VERSION,
        "audit": manifest_audit(session, heads),
    }


def _selection(
    session: Session, conditions: list[Any]
) -> tuple[int, int, Sequence[IntakePoint], Sequence[Operator]]:
    """How many cases the conditions select and how many events they hold, and the points
    and operators they name (the manifest's counts, written before the cases)."""
    case_ids = select(Case.id).where(*conditions)
    total = session.scalar(select(func.count()).select_from(case_ids.subquery())) or 0
    events = (
        session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id.in_(case_ids))
        )
        or 0
    )
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
    return total, events, points, operators


def _write_directory(
    writer: PackageWriter,
    tree: UnitTree,
    points: Sequence[IntakePoint],
    operators: Sequence[Operator],
) -> None:
    """The points and operators the cases name, before the cases."""
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


def _write_cases(
    session: Session,
    writer: PackageWriter,
    conditions: list[Any],
    directory: tuple[dict[int, str], dict[int, str]],
    total: int,
    progress: Progress | None,
) -> int:
    """The selected cases (`total` of them) with their histories, in batches; returns how
    many events were written."""
    point_codes, usernames = directory
    written = 0
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
        claims = _claims_of(connection, events)
        for case in batch:
            history = sorted(events.get(case.id, []), key=lambda e: (e.changed_at, e.uid))
            written += len(history)
            writer.write_line(_case_record(case, history, claims, point_codes, usernames))
        done += len(batch)
        if progress:
            progress(done, total)
    return written


def _claims_of(
    connection: Any, events: dict[int, list[Any]]
) -> dict[int, tuple[str, dict[str, Any]]]:
    """The fact sets the events refer to: (digest, claim as JSON) by fact-set id."""
    ids = sorted({e.fact_set_id for rows in events.values() for e in rows if e.fact_set_id})
    found: dict[int, tuple[str, dict[str, Any]]] = {}
    for some in in_slices(ids, 1000):
        for row in connection.execute(select(FactSet.__table__).where(FactSet.id.in_(some))):
            found[row.id] = (
                row.digest,
                {
                    "full_name": row.full_name,
                    "birth_date": row.birth_date.isoformat(),
                    "sex": row.sex,
                    "residence": row.residence_code,
                    "phone": row.phone,
                    "address": row.address,
                    "help_reason": row.help_reason,
                    "notes": row.notes,
                },
            )
    return found


def _case_record(
    case: Any,
    history: list[Any],
    claims: dict[int, tuple[str, dict[str, Any]]],
    point_codes: dict[int, str],
    usernames: dict[int, str],
) -> dict[str, Any]:
    used: dict[str, dict[str, Any]] = {}
    events = []
    for e in history:
        digest = None
        if e.fact_set_id is not None:
            digest, claim = claims[e.fact_set_id]
            used[digest] = claim
        events.append(
            {
                "uid": e.uid,
                "kind": e.kind,
                "to": e.to_status,
                "at": _iso(e.changed_at),
                "operator": usernames[e.operator_id],
                "point": point_codes.get(e.intake_point_id) if e.intake_point_id else None,
                "failure_reason": e.failure_reason,
                "failure_note": e.failure_note,
                "reason": e.reason,
                "changes": e.changes,
                "claim": digest,
            }
        )
        consent = package_record(e)
        if consent is not None:
            events[-1]["consent"] = consent
    return {
        "type": "case",
        "id_number": case.id_number,
        "level": case.level,
        "created_at": _iso(case.created_at),
        "claims": used,
        "events": events,
    }


# -- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _In:
    """An incoming event: as the fold reads it, and what is stored beside it."""

    event: Event
    reason: str | None
    changes: str | None  # the JSON text, as stored
    claim_digest: str | None = None  # the digest of `event.claim`, computed once
    consent: ConsentRecord | None = None  # absent from packages written before records

    def row(self) -> dict[str, Any]:
        e = self.event
        return {
            "uid": e.uid,
            "kind": e.kind.value,
            "to_status": e.status.value if e.status else None,
            "changed_at": e.at,
            "operator_id": e.operator_id,
            "intake_point_id": e.point_id,
            "failure_reason": e.failure_reason,
            "failure_note": e.failure_note,
            "reason": self.reason,
            "changes": self.changes,
            **(self.consent.columns() if self.consent is not None else NO_RECORD),
        }


@dataclass
class _Incoming:
    id_number: str
    level: int
    created_at: datetime
    events: list[_In]


Tidy = Callable[[object], Any]


def _tidied(value: str, max_length: int | None, multiline: bool) -> str | None:
    """`value` with what the desk refuses taken out (and cut), or None when it is fine as sent.

    A package is not refused for such text, nor its case: what it carries was accepted where
    it was written (before these rules, say) and its history cannot be fixed there, so
    refusing would lose it for good. Taking out characters no one can see loses nothing."""
    if has_hidden(value) or (max_length is not None and len(clean(value)) > max_length):
        return strip_hidden(value, max_length, multiline=multiline)
    return None


def _claim(raw: dict[str, Any], tree: UnitTree) -> Claim:
    residence = str(raw["residence"])
    if residence != OUTSIDE_PROVINCE:
        tree.commune(residence)  # raises for a code this campaign does not have
    return Claim(
        full_name=clean(str(raw["full_name"])),
        birth_date=date.fromisoformat(raw["birth_date"]),
        sex=parse_sex(raw["sex"]),
        residence=residence,
        phone=raw.get("phone") or None,
        address=raw.get("address") or None,
        help_reason=raw.get("help_reason") or None,
        notes=raw.get("notes") or None,
    )


def _changes(raw: object, tree: UnitTree, tidy: Tidy) -> str | None:
    """A correction's changes, checked: a JSON object whose residence codes exist here."""
    if raw is None:
        return None
    parsed = json.loads(str(raw))
    if not isinstance(parsed, dict):
        raise ValidationError("nội dung sửa không hợp lệ")
    for key, values in parsed.items():
        if isinstance(values, list):
            parsed[key] = [tidy(value) for value in values]
    for code in parsed.get("residence", [])[1:]:
        if code != OUTSIDE_PROVINCE:
            tree.commune(str(code))
    if "birth_date" in parsed:
        date.fromisoformat(parsed["birth_date"][1])
    if "activated_at" in parsed:
        datetime.fromisoformat(parsed["activated_at"][1])
    return json.dumps(parsed, ensure_ascii=False)


class _Merger:
    def __init__(self, session: Session, path: Path, summary: ImportSummary) -> None:
        self.session = session
        self.path = path
        self.summary = summary
        self.tree = UnitTree.load(session)
        self.points: dict[str, int] = {}
        self.operators: dict[str, int] = {}
        self.fact_sets = FactSets(session)
        self.legacy = False
        # Who moves the review lists' people these cases name (`services.outreach.lists.link_cases`).
        self.username = f"goi:{path.name}"[:80]
        # ID numbers of the incoming cases left out as erased here (their list entries too).
        self.erased_numbers: set[str] = set()

    def tidy(
        self, what: str, value: object, max_length: int | None = None, multiline: bool = False
    ) -> Any:
        """`value`, or its text with hidden characters taken out (and cut), noted in the summary."""
        if not isinstance(value, str):
            return value
        tidied = _tidied(value, max_length, multiline)
        if tidied is None:
            return value
        self.summary.cleaned.append(
            f"{what}: {quote_value(value)} có ký tự ẩn, ký tự điều khiển hoặc quá dài; đã lưu "
            f"thành {quote_value(tidied)}."
        )
        return tidied

    def point(self, record: dict[str, Any]) -> None:
        code = str(record["code"])
        what = f"Điểm thu nhận mã {quote_value(code)}"
        commune = self.tree.commune(str(record["commune"]))
        name = clean(self.tidy(what, str(record["name"]), NAME_LENGTH))
        if not name:
            raise PackageError(f"Gói «{self.path.name}»: {what} không có tên; gói bị hỏng.")
        local_code = self.tidy(what, code, POINT_CODE_LENGTH)
        local = find_point(self.session, commune.id, name)
        if local is None:
            same_code = self.session.scalars(
                select(IntakePoint).where(IntakePoint.code == local_code)
            ).first()
            kind = record.get("kind") if record.get("kind") in set(PointKind) else "other"
            local = IntakePoint(
                code=local_code
                if local_code and same_code is None
                else next_point_code(self.session, commune),
                name=name,
                kind=kind,
                commune_id=commune.id,
                address=self.tidy(what, record.get("address"), ADDRESS_LENGTH) or None,
                created_at=now_utc(),
            )
            self.session.add(local)
            self.session.flush()
        self.points[code] = local.id

    def operator(self, record: dict[str, Any]) -> None:
        username = str(record["username"])
        what = f"Cán bộ {quote_value(username)}"
        local_name = self.tidy(what, username, USERNAME_LENGTH)
        if not local_name or any(ch.isspace() for ch in local_name):
            raise PackageError(
                f"Gói «{self.path.name}»: tên đăng nhập cán bộ {quote_value(username)} không "
                "dùng được; gói bị hỏng."
            )
        local = self.session.scalars(
            select(Operator).where(Operator.username == local_name)
        ).first()
        if local is None:
            # No password travels: an imported operator cannot sign in here until an
            # admin sets one, and gets the plain operator role.
            local = Operator(
                username=local_name,
                full_name=clean(self.tidy(what, str(record["full_name"]), NAME_LENGTH))
                or local_name,
                organisation=self.tidy(
                    what, str(record.get("organisation") or ""), ORGANISATION_LENGTH
                ),
                role=Role.OPERATOR.value,
                is_active=True,
                created_at=now_utc(),
            )
            self.session.add(local)
            self.session.flush()
        elif local.full_name == local.username:
            # Made here from a sheet, which names only the username: the full name the
            # operator's own database gives is taken, so that every figure by operator names
            # them the same whichever arrived first.
            full_name = clean(self.tidy(what, str(record["full_name"]), NAME_LENGTH))
            if full_name and full_name != local.username:
                local.full_name = full_name
        self.operators[username] = local.id

    def parse_case(self, record: dict[str, Any]) -> _Incoming:
        id_number = normalise_id_number(str(record["id_number"]))
        level = int(record["level"])
        if level not in (1, 2):
            raise ValidationError(f"mức {level} không hợp lệ")
        if self.legacy:
            record = self.legacy_case(record, id_number, level)
        what = f"Hồ sơ {id_number} mức {level}"

        def tidy(value: object, multiline: bool = False) -> Any:
            return self.tidy(what, value, multiline=multiline)

        claims = {}
        for key, raw in record["claims"].items():
            for field_name, value in raw.items():
                raw[field_name] = tidy(value, multiline=field_name == "notes")
            claim = _claim(raw, self.tree)
            claims[key] = (claim, claim_digest_of(claim))  # never trust the package's key
        events = [self.parse_event(raw, level, claims, tidy) for raw in record["events"]]
        if not any(i.event.kind == EventKind.STATUS for i in events):
            raise ValidationError("hồ sơ không có mốc trạng thái nào")
        return _Incoming(
            id_number=id_number,
            level=level,
            created_at=datetime.fromisoformat(record["created_at"]),
            events=events,
        )

    def parse_event(
        self,
        raw: dict[str, Any],
        level: int,
        claims: dict[str, tuple[Claim, str]],
        tidy: Tidy,
    ) -> _In:
        """One event of a case line, checked; its texts tidied; its claim one of `claims`."""
        kind = EventKind(raw["kind"])
        status = Status(raw["to"]) if raw.get("to") else None
        if status is not None:
            check_status_for_level(status, level)
        elif kind == EventKind.STATUS:
            raise ValidationError("mốc trạng thái không ghi trạng thái")
        uid = str(raw["uid"])
        if not uid or len(uid) > UID_LENGTH:
            raise ValidationError("mã mốc không hợp lệ")
        if kind != EventKind.STATUS and not (raw.get("reason") or "").strip():
            raise ValidationError("lần sửa không ghi lý do")
        for key in ("failure_note", "reason"):
            if key in raw:
                raw[key] = tidy(raw[key])
        at = datetime.fromisoformat(raw["at"])
        if at.tzinfo is None:
            raise ValidationError("thời điểm không ghi múi giờ")
        point = raw.get("point")
        changes = _changes(raw.get("changes"), self.tree, tidy)
        return _In(
            Event(
                uid=uid,
                kind=kind,
                at=at,
                operator_id=self.operators[raw["operator"]],
                point_id=self.points[point] if point else None,
                status=status,
                failure_reason=raw.get("failure_reason"),
                failure_note=raw.get("failure_note"),
                claim=claims[raw["claim"]][0] if raw.get("claim") else None,
                changes=json.loads(changes) if changes else None,
            ),
            raw.get("reason"),
            changes,
            claims[raw["claim"]][1] if raw.get("claim") else None,
            self.consent(raw.get("consent"), tidy),
        )

    @staticmethod
    def consent(raw: object, tidy: Tidy) -> ConsentRecord | None:
        """An event's consent record; its law tidied like any other text a package brings."""
        record = record_from_package(raw)
        if record is not None and record.legal_reference is not None:
            record = replace(record, legal_reference=tidy(record.legal_reference))
        return record

    @staticmethod
    def legacy_case(record: dict[str, Any], id_number: str, level: int) -> dict[str, Any]:
        """A case line written before events had uids and claims: each event gets the uid
        an upgraded database gave it (`legacy_uid`), and the case's facts become the claim
        of its first event. A residence correction named the source's own unit ids, which
        mean nothing here: the case's facts already hold its result."""
        events = sorted(record["events"], key=lambda e: e["at"])
        facts = {
            name: record.get(name)
            for name in (
                "full_name",
                "birth_date",
                "sex",
                "residence",
                "phone",
                "address",
                "help_reason",
                "notes",
            )
        }
        converted = []
        for index, raw in enumerate(events):
            changes = json.loads(raw["changes"]) if raw.get("changes") else None
            if changes is not None:
                changes.pop("residence_commune_id", None)
            to_status = raw["to"]
            if raw["kind"] == EventKind.CORRECTION.value and "status" not in (changes or {}):
                to_status = None
            converted.append(
                {
                    **raw,
                    "to": to_status,
                    "changes": json.dumps(changes, ensure_ascii=False) if changes else None,
                    "uid": legacy_uid(
                        id_number,
                        level,
                        raw["kind"],
                        raw["to"],
                        datetime.fromisoformat(raw["at"]).isoformat(),
                        raw.get("point"),
                        raw["operator"],
                        raw.get("failure_reason"),
                    ),
                    "claim": "facts" if index == 0 else None,
                }
            )
        return {**record, "claims": {"facts": facts}, "events": converted}

    def merge_batch(self, records: list[dict[str, Any]]) -> None:
        incoming: list[_Incoming] = []
        for record in records:
            try:
                incoming.append(self.parse_case(record))
            except (KeyError, ValueError, TypeError, AttributeError, UserError) as error:
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

    def merge_outreach(self, records: list[dict[str, Any]]) -> None:
        """Review-list entries (`services.outreach.packages`); merged after the cases they
        may name, so a listed person whose case came in the same package moves at once."""
        new, changed, refusals, erased = merge_outreach(
            self.session, records, self.tree, self.username, self.erased_numbers
        )
        self.summary.outreach_erased += erased
        self.summary.outreach_new += new
        self.summary.outreach_changed += changed
        self.summary.refused += len(refusals)
        self.summary.refusals += refusals

    def _owners(self, incoming: list[_Incoming]) -> dict[str, int]:
        """The local case of every incoming event uid already here."""
        uids = sorted({i.event.uid for case in incoming for i in case.events})
        owners: dict[str, int] = {}
        for some in in_slices(uids):
            for uid, case_id in self.session.execute(
                select(CaseEvent.uid, CaseEvent.case_id).where(CaseEvent.uid.in_(some))
            ):
                owners[uid] = case_id
        return owners

    def _leave_out_erased(self, incoming: list[_Incoming]) -> list[_Incoming]:
        """The cases but those of citizens erased here on request (`services.privacy.
        erasure_marks`): a package made before the erasure would bring them back."""
        erased = erased_uids(self.session, (i.event.uid for c in incoming for i in c.events))
        if not erased:
            return incoming
        kept = []
        for case in incoming:
            if any(i.event.uid in erased for i in case.events):
                self.summary.erased += 1
                self.erased_numbers.add(case.id_number)
            else:
                kept.append(case)
        return kept

    def _merge_round(self, incoming: list[_Incoming]) -> None:
        incoming = self._leave_out_erased(incoming)
        self.fact_sets.prefetch(
            {
                i.claim_digest: i.event.claim
                for case in incoming
                for i in case.events
                if i.claim_digest and i.event.claim
            }
        )
        owners = self._owners(incoming)
        known = find_cases(self.session, ((c.id_number, c.level) for c in incoming))
        by_id = {case.id: case for case in known.values()}
        missing = set(owners.values()) - set(by_id)
        if missing:
            for found in self.session.scalars(
                select(Case).options(selectinload(Case.history)).where(Case.id.in_(missing))
            ):
                by_id[found.id] = found
        new_cases: list[_Incoming] = []
        for case in incoming:
            matched = {owners[i.event.uid] for i in case.events if i.event.uid in owners}
            if len(matched) > 1:
                self.summary.refused += 1
                self.summary.refusals.append(
                    f"Hồ sơ {case.id_number} mức {case.level}: các mốc của hồ sơ này thuộc "
                    "nhiều hồ sơ khác nhau tại đây; không gộp được, cần kiểm tra số định danh."
                )
                continue
            local = by_id[matched.pop()] if matched else known.get((case.id_number, case.level))
            if local is None:
                new_cases.append(case)
            else:
                self.merge(local, case)
        self.session.flush()
        self.insert_new(new_cases)
        link_cases(self.session, {c.id_number for c in incoming}, self.username)
        self.session.expunge_all()
        self.fact_sets.forget()

    def insert_new(self, cases: list[_Incoming]) -> None:
        """Cases seen here for the first time, derived from their events and written in
        three bulk statements (fact sets, cases, events): no ORM object per row."""
        if not cases:
            return
        claim_ids = self.fact_sets.ids(
            {
                i.claim_digest: claim_values(i.event.claim)
                for case in cases
                for i in case.events
                if i.claim_digest and i.event.claim
            }
        )
        now = now_utc()
        rows: list[dict[str, object]] = []
        folds = []
        for case in cases:
            values, folded = derived_values(
                self.session, case.level, [i.event for i in case.events]
            )
            if "full_name" not in values:
                raise PackageError(
                    f"Gói «{self.path.name}» hỏng: hồ sơ {case.id_number} không có thông tin "
                    "công dân."
                )
            rows.append(
                {
                    "id_number": case.id_number,
                    "level": case.level,
                    **values,
                    "created_at": case.created_at,
                    "updated_at": now,
                    "version": 1,
                }
            )
            folds.append(folded)
        ids = insert_case_rows(self.session, rows)
        event_rows = []
        for case_id, case, folded in zip(ids, cases, folds, strict=True):
            for i in case.events:
                before = folded.from_status.get(i.event.uid)
                event_rows.append(
                    {
                        "case_id": case_id,
                        **i.row(),
                        "from_status": before.value if before else None,
                        "fact_set_id": claim_ids[i.claim_digest] if i.claim_digest else None,
                    }
                )
        insert_event_rows(self.session, event_rows)
        self.summary.new += len(cases)
        self.summary.conflicts += sum(1 for folded in folds if folded.conflict)

    def _orm_event(self, incoming: _In) -> CaseEvent:
        event = CaseEvent(**incoming.row())
        if incoming.event.claim is not None:
            event.fact_set = self.fact_sets.row(incoming.event.claim)
        return event

    def merge(self, local: Case, case: _Incoming) -> None:
        have = {e.uid for e in local.history}
        added = [i for i in case.events if i.event.uid not in have]
        if not added:
            self.summary.unchanged += 1
            return
        key = (local.id_number, local.level)
        local.history.extend(self._orm_event(i) for i in added)
        folded = derive(self.session, local)
        if (local.id_number, local.level) != key:
            self._check_new_number(local)
        local.updated_at = now_utc()
        self.summary.updated += 1
        if folded.conflict:
            self.summary.conflicts += 1

    def _check_new_number(self, local: Case) -> None:
        other = self.session.scalar(
            select(Case.id).where(
                Case.id_number == local.id_number, Case.level == local.level, Case.id != local.id
            )
        )
        if other is not None:
            raise PackageError(
                f"Gói «{self.path.name}» sửa số định danh của một hồ sơ thành "
                f"{local.id_number}, số đã có hồ sơ mức {local.level} khác tại đây: không nhập. "
                "Kiểm tra hai hồ sơ này rồi sửa tại nơi ghi sai."
            )


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
    body_version: int = BODY_VERSION,
) -> ImportSummary:
    """Merge point, operator and case records (a package's body) into `session`."""
    merger = _Merger(session, summary.path, summary)
    merger.legacy = body_version < BODY_VERSION
    batch: list[dict[str, Any]] = []
    listed: list[dict[str, Any]] = []
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
            elif kind == OUTREACH_RECORD:
                listed.append(record)
                if len(listed) >= BATCH:
                    merger.merge_outreach(listed)
                    listed = []
            else:
                raise PackageError(
                    f"Gói «{summary.path.name}» có loại dòng lạ «{kind}»; gói bị hỏng."
                )
        if batch:
            merger.merge_batch(batch)
        if listed:
            merger.merge_outreach(listed)
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
    refuse_after_purge(session, "nhập gói dữ liệu")
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
    _join_campaign(session, manifest, path)
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
    tables = [cast(Table, Case.__table__), cast(Table, CaseEvent.__table__)]
    with indexes_set_aside_for_large_load(session.connection(), tables, total, existing):
        version = int(manifest.get("body_version") or 1)
        merge_records(session, body(), summary, total, progress, version)
    if trailer.get("sha256") != digest.hexdigest():
        raise PackageError(
            f"Gói «{path.name}» sai tổng kiểm tra (checksum): nội dung không trọn vẹn; không nhập gì."
        )
    if progress:
        progress(total, total)
    summary.audit_warnings = keep_received_heads(session, manifest, path.name)
    _audit_import(session, actor, summary)
    return summary


def _join_campaign(session: Session, manifest: dict[str, Any], path: Path) -> None:
    """Refuse a package of another campaign; a database with none takes the package's preset."""
    if not has_campaign(session):
        if manifest.get("campaign") not in available_presets():
            raise PackageError(
                f"Gói «{path.name}» thuộc đợt «{manifest.get('campaign')}», không có sẵn trong "
                "phần mềm, còn cơ sở dữ liệu này chưa có đợt nào: tạo đợt đó trước (lệnh "
                "«campaign new» với cùng tỉnh, bản đồ, tên và ngày, hoặc Tệp → Đợt cao điểm "
                "khác → Tạo đợt mới), rồi nhập lại gói."
            )
        load_preset(session, str(manifest["campaign"]))  # a fresh database at the province
    campaign = active_campaign(session)
    if manifest.get("campaign") != campaign.code:
        raise PackageError(
            f"Gói «{path.name}» thuộc đợt «{manifest.get('campaign')}», không phải đợt "
            f"«{campaign.code}» của cơ sở dữ liệu này: không nhập."
        )


def _audit_import(session: Session, actor: Actor, summary: ImportSummary) -> None:
    path = summary.path
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


def package_audit_witness(path: Path, passphrase: str) -> Witness:
    """The audit heads a package's manifest names, read only once the whole package is
    known intact (its tag and checksum): `audit verify --against PACKAGE`."""
    digest = hashlib.sha256()
    manifest: dict[str, Any] | None = None
    trailer: dict[str, Any] = {}
    for line in decrypt_lines(path, passphrase):
        if line.startswith(b'{"type":"end"'):
            trailer = next(_records(iter([line]), path))
            break
        digest.update(line)
        if manifest is None:
            manifest = next(_records(iter([line]), path))
    if manifest is None or manifest.get("type") != "manifest":
        raise PackageError(f"Gói «{path.name}» thiếu phần mô tả (manifest); gói bị hỏng.")
    if trailer.get("sha256") != digest.hexdigest():
        raise PackageError(
            f"Gói «{path.name}» sai tổng kiểm tra (checksum): nội dung không trọn vẹn."
        )
    return package_witness(manifest, path.name)
