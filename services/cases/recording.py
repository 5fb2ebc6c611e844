"""The intake lifecycle: recording reports, corrections and decisions as events of a case.

A case is the fold of its events (`services.cases.fold`): every report is kept as an event
with the facts it was given, and the case's columns (facts, status, activation, the commune
it counts for) are derived from the whole history by `derive`, whatever order the events
arrived in. A late report (yesterday's sheet, a mobile team's package) simply joins the
history at its moment. Every caller (the desk, imports, packages, corrections) goes through
this module, so the rules hold the same way everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import ParamSpec, TypeVar, cast

from sqlalchemy import Table, bindparam, func, select
from sqlalchemy.orm import Session, selectinload

from models.bulk import bulk_insert, driver_value, in_slices, timed_columns
from models.codes import OUTSIDE_PROVINCE, EventKind, FailureReason, HelpReason, Status
from models.entities import Case, CaseEvent, FactSet
from models.event_ids import claim_digest, new_uid
from services.campaigns.campaign import active_campaign
from services.cases.fold import (
    SEEN,
    Claim,
    Event,
    Folded,
    Record,
    StatementValues,
    fold_case,
    identity_key,
)
from services.cases.lifecycle import check_status_for_level
from services.common.errors import ConflictError, ValidationError
from services.common.labels import LEVEL_LABELS, STATUS_LABELS
from services.common.stable_lookups import point_facts, unit_code, unit_id_of
from services.common.text import (
    ADDRESS_LENGTH,
    NAME_LENGTH,
    NOTE_LENGTH,
    clean,
    clean_text,
    fold,
    quote_value,
)
from services.common.vntime import format_date, format_moment, local_day, now_utc
from services.person.eligibility import MIN_AGE, check_eligible
from services.person.id_number import check_id_agrees, normalise_id_number, parse_sex
from services.person.phone import normalise_phone
from services.privacy.consent import NO_RECORD, ConsentRecord

CONSENT_MISSING = (
    "Chưa có xác nhận đồng ý của công dân: đọc thông báo về mục đích và dữ liệu lưu trữ, "
    "rồi đánh dấu ô đồng ý trước khi lưu."
)


@dataclass(frozen=True)
class CaseFacts:
    """Who the citizen is, as validated and normalised."""

    id_number: str
    full_name: str
    birth_date: date
    sex: str
    phone: str | None
    address: str | None
    # None: the citizen's permanent residence is outside the province (an explicit choice).
    residence_commune_id: int | None


@dataclass(frozen=True)
class StatusReport:
    """What happened, when, where and by whom."""

    level: int
    status: Status
    at: datetime
    operator_id: int
    intake_point_id: int
    failure_reason: FailureReason | None = None
    failure_note: str | None = None


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass
class RecordResult:
    outcome: Outcome
    case: Case
    event: CaseEvent | None = None
    # Events of this case that the fold now keeps as records (they contradict where the
    # case stands) and did not before this report: the report itself, or older ones.
    new_records: list[Record] = field(default_factory=list)


@dataclass
class FactsDraft:
    """Raw input from a form or a spreadsheet row, before validation."""

    id_number: str = ""
    full_name: str = ""
    birth_date: date | None = None
    sex: str = ""
    phone: str = ""
    address: str = ""
    residence_commune_id: int | None = None
    # The citizen lives in another province: an explicit answer, not a missing commune.
    residence_outside: bool = False
    errors: list[ValidationError] = field(default_factory=list)


_P = ParamSpec("_P")
_T = TypeVar("_T")


def _collect(
    errors: list[ValidationError], check: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T | None:
    """`check(*args, **kwargs)`, or None with its `ValidationError` added to `errors`."""
    try:
        return check(*args, **kwargs)
    except ValidationError as error:
        errors.append(error)
        return None


def check_facts(
    draft: FactsDraft, on_day: date, min_age: int = MIN_AGE
) -> tuple[CaseFacts | None, list[ValidationError]]:
    """Validate every field; returns the facts, or None with every problem found."""
    errors: list[ValidationError] = list(draft.errors)
    id_number = _collect(errors, normalise_id_number, draft.id_number)
    full_name = (
        _collect(errors, clean_text, draft.full_name, "Họ và tên", NAME_LENGTH, field="full_name")
        or ""
    )
    address = (
        _collect(errors, clean_text, draft.address, "Địa chỉ", ADDRESS_LENGTH, field="address")
        or ""
    )
    _check_full_name(full_name, errors)
    if draft.birth_date is None:
        if not any(e.field == "birth_date" for e in errors):
            errors.append(ValidationError("Chưa nhập ngày sinh.", "birth_date"))
    else:
        _collect(errors, check_eligible, draft.birth_date, on_day, min_age)
    sex = None
    if draft.sex.strip():
        sex = _collect(errors, parse_sex, draft.sex)
    else:
        errors.append(ValidationError("Chưa chọn giới tính.", "sex"))
    if id_number and draft.birth_date and sex:
        _collect(errors, check_id_agrees, id_number, draft.birth_date, sex)
    phone = _collect(errors, normalise_phone, draft.phone) if draft.phone.strip() else None
    if (
        draft.residence_commune_id is None
        and not draft.residence_outside
        and not any(e.field == "residence" for e in errors)
    ):
        errors.append(ValidationError("Chưa chọn xã/phường nơi thường trú.", "residence"))
    if errors:
        return None, errors
    assert id_number and sex and draft.birth_date
    return (
        CaseFacts(
            id_number=id_number,
            full_name=full_name,
            birth_date=draft.birth_date,
            sex=sex,
            phone=phone,
            address=address or None,
            residence_commune_id=None if draft.residence_outside else draft.residence_commune_id,
        ),
        [],
    )


def _check_full_name(full_name: str, errors: list[ValidationError]) -> None:
    """A name is required (unless already refused) and holds no digits."""
    if not full_name:
        if not any(e.field == "full_name" for e in errors):
            errors.append(ValidationError("Chưa nhập họ và tên.", "full_name"))
    elif any(map(str.isdigit, full_name)):
        errors.append(
            ValidationError(
                f"Họ và tên {quote_value(full_name)} có chữ số: ghi họ tên như trên thẻ căn cước.",
                "full_name",
            )
        )


def check_report(report: StatusReport) -> None:
    check_status_for_level(report.status, report.level)
    if report.status == Status.FAILED:
        if report.failure_reason is None:
            raise ValidationError("Trạng thái Thất bại cần ghi lý do thất bại.", "failure_reason")
        if report.failure_reason == FailureReason.OTHER and not (report.failure_note or "").strip():
            raise ValidationError("Lý do «Khác» cần ghi rõ nội dung.", "failure_note")
        if report.failure_note:
            clean_text(report.failure_note, "Lý do thất bại", NOTE_LENGTH, field="failure_note")
    elif report.failure_reason is not None:
        raise ValidationError(
            f"Chỉ ghi lý do thất bại khi trạng thái là Thất bại (đang là "
            f"{STATUS_LABELS[report.status]}).",
            "failure_reason",
        )


# Built once: composing a statement costs more than SQLite takes to run it (desk saves).
_FIND_CASE = (
    select(Case)
    .options(selectinload(Case.history))
    .where(Case.id_number == bindparam("id_number"), Case.level == bindparam("level"))
)


def find_case(session: Session, id_number: str, level: int) -> Case | None:
    return session.scalars(_FIND_CASE, {"id_number": id_number, "level": level}).first()


def find_cases_of_person(session: Session, id_number: str) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .options(selectinload(Case.history))
            .where(Case.id_number == id_number)
            .order_by(Case.level)
        )
    )


# Built once, the list bound as one expanding parameter: `in_(list)` makes an object of
# every value, every time (an import asks for 1,000 keys and digests a batch).
_CASE_KEYS = select(Case.id, Case.id_number, Case.level).where(
    Case.id_number.in_(bindparam("numbers", expanding=True))
)
_FACT_SETS = select(FactSet).where(FactSet.digest.in_(bindparam("digests", expanding=True)))


def find_cases(session: Session, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Case]:
    """Many cases at once, with their histories: one query per batch, for imports.

    Looked up by ID number alone and matched on the level here: SQLite scans the whole
    index for a `(id_number, level) IN (...)` row-value list, but seeks it for `IN`. The
    keys are matched on plain rows first: only the cases asked for are loaded as objects
    (most keys of a big import are new, or name the person's case at the other level).
    """
    wanted = set(keys)
    numbers = sorted({number for number, _level in wanted})
    ids = [
        case_id
        for some in in_slices(numbers)
        for case_id, id_number, level in session.execute(_CASE_KEYS, {"numbers": list(some)})
        if (id_number, level) in wanted
    ]
    found: dict[tuple[str, int], Case] = {}
    for some in in_slices(sorted(ids)):
        for case in session.scalars(
            select(Case).options(selectinload(Case.history)).where(Case.id.in_(some))
        ):
            found[(case.id_number, case.level)] = case
    return found


def residence_code(session: Session, residence_commune_id: int | None) -> str:
    """The code a claim uses for a residence: the commune's, or `OUTSIDE_PROVINCE`."""
    if residence_commune_id is None:
        return OUTSIDE_PROVINCE
    return unit_code(session, residence_commune_id)


def residence_id(session: Session, code: str) -> int | None:
    """The commune id of a claim's residence code; None outside the province."""
    if code == OUTSIDE_PROVINCE:
        return None
    unit_id = unit_id_of(session, code)
    if unit_id is None:
        raise ValidationError(
            f"Mã xã thường trú {quote_value(code)} không có trong đợt này.", "residence"
        )
    return unit_id


def claim_of(
    session: Session,
    facts: CaseFacts,
    help_reason: HelpReason | str | None = None,
    notes: str | None = None,
) -> Claim:
    """What a report says about the citizen, as the fold reads it."""
    return claim_at(facts, residence_code(session, facts.residence_commune_id), help_reason, notes)


def claim_at(
    facts: CaseFacts,
    residence: str,
    help_reason: HelpReason | str | None = None,
    notes: str | None = None,
) -> Claim:
    """`claim_of` with the residence's code already known (no session: an import's second
    process builds its rows' claims from the unit tree)."""
    return Claim(
        full_name=facts.full_name,
        birth_date=facts.birth_date,
        sex=facts.sex,
        residence=residence,
        phone=facts.phone,
        address=facts.address,
        help_reason=str(help_reason) if help_reason else None,
        notes=(notes or "").strip() or None,
    )


def claim_values(claim: Claim) -> StatementValues:
    """A claim's values in the order of `FACT_SET_COLUMNS` after the digest."""
    return claim.values()


def claim_digest_of(claim: Claim) -> str:
    return claim_digest(*claim_values(claim))


class FactSets:
    """The fact-set rows of one operation: one row per distinct claim, found or added.

    Callers that expunge their session between batches call `forget` at the same time."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.known: dict[str, FactSet] = {}
        # Looked up by `prefetch` and not in the database: no need to ask again.
        self.absent: set[str] = set()

    def prefetch(self, claims: Iterable[Claim] | Mapping[str, Claim]) -> None:
        """Read the rows of these claims (or of a map from digest to claim)."""
        self.prefetch_digests(
            set(claims)
            if isinstance(claims, Mapping)
            else {claim_digest_of(claim) for claim in claims}
        )

    def prefetch_digests(self, digests: Iterable[str]) -> None:
        """Read the rows of the claims with these digests."""
        wanted = set(digests) - set(self.known) - self.absent
        digests = sorted(wanted)
        with self.session.no_autoflush:
            for some in in_slices(digests):
                for fact_set in self.session.scalars(_FACT_SETS, {"digests": list(some)}):
                    self.known[fact_set.digest] = fact_set
        self.absent |= wanted - set(self.known)

    def row(self, claim: Claim) -> FactSet:
        digest = claim_digest_of(claim)
        found = self.known.get(digest)
        if found is None and digest not in self.absent:
            with self.session.no_autoflush:
                found = self.session.scalars(
                    select(FactSet).where(FactSet.digest == digest)
                ).first()
        if found is None:
            found = FactSet(
                **dict(zip(FACT_SET_COLUMNS, _fact_set_row(digest, claim), strict=True))
            )
            self.session.add(found)
        self.known[digest] = found
        self.absent.discard(digest)
        return found

    def ids(self, by_digest: Mapping[str, Sequence[object]]) -> dict[str, int]:
        """The ids of many claims' rows (given by digest, with their values: `claim_values`,
        date values as they are or in the driver's form, see `models.bulk.driver_value`),
        the missing ones inserted in one bulk statement (imports of many new cases: no ORM
        object per claim)."""
        self.prefetch_digests(by_digest)
        missing = [digest for digest in by_digest if digest not in self.known]
        found: dict[str, int] = {}
        if missing:
            connection = self.session.connection()
            table = cast(Table, FactSet.__table__)
            columns = list(FACT_SET_COLUMNS)
            rows = [[digest, *by_digest[digest]] for digest in missing]
            if connection.dialect.name == "sqlite":  # given, not read back: `insert_case_rows`
                first = int(connection.execute(select(func.max(FactSet.id))).scalar() or 0) + 1
                bulk_insert(
                    connection,
                    table,
                    ["id", *columns],
                    [[first + index, *row] for index, row in enumerate(rows)],
                )
                found.update((digest, first + index) for index, digest in enumerate(missing))
            else:
                bulk_insert(connection, table, columns, rows)
            self.absent -= set(missing)
        pending = [d for d in by_digest if d in self.known and self.known[d].id is None]
        if pending:
            self.session.flush()
        for digest in by_digest:
            if digest in self.known:
                found[digest] = self.known[digest].id
        rest = sorted(set(by_digest) - set(found))  # inserted above, not on SQLite
        for some in in_slices(rest):
            for fact_set_id, digest in self.session.execute(
                select(FactSet.id, FactSet.digest).where(FactSet.digest.in_(some))
            ):
                found[digest] = fact_set_id
        return found

    def forget(self) -> None:
        self.known.clear()
        self.absent.clear()


FACT_SET_COLUMNS = (
    "digest",
    "full_name",
    "birth_date",
    "sex",
    "residence_code",
    "phone",
    "address",
    "help_reason",
    "notes",
)


def _fact_set_row(digest: str, claim: Claim) -> list[object]:
    return [digest, *claim_values(claim)]


def claim_from_row(fact_set: FactSet) -> Claim:
    return Claim(
        full_name=fact_set.full_name,
        birth_date=fact_set.birth_date,
        sex=fact_set.sex,
        residence=fact_set.residence_code,
        phone=fact_set.phone,
        address=fact_set.address,
        help_reason=fact_set.help_reason,
        notes=fact_set.notes,
    )


def fold_event(event: CaseEvent) -> Event:
    """A history row as the fold reads it."""
    return Event(
        uid=event.uid,
        kind=EventKind(event.kind),
        at=event.changed_at,
        operator_id=event.operator_id,
        point_id=event.intake_point_id,
        status=Status(event.to_status) if event.to_status else None,
        failure_reason=event.failure_reason,
        failure_note=event.failure_note,
        claim=claim_from_row(event.fact_set) if event.fact_set is not None else None,
        changes=json.loads(event.changes) if event.changes else None,
    )


def point_commune_id(session: Session, point_id: int) -> int:
    """The commune an intake point stands in (see `services.common.stable_lookups`)."""
    facts = point_facts(session, point_id)
    assert facts is not None, f"intake point {point_id} does not exist"
    return facts[1]


@dataclass(frozen=True)
class Places:
    """Where the codes and points of a fold are: a residence code's commune id (None outside
    the province) and an intake point's commune id. From the session's lookups
    (`Places.of`), or from the unit tree in an import's second process."""

    residence_id: Callable[[str], int | None]
    point_commune_id: Callable[[int], int]

    @staticmethod
    def of(session: Session) -> Places:
        return Places(
            lambda code: residence_id(session, code),
            lambda point_id: point_commune_id(session, point_id),
        )


def counted_unit(session: Session, level: int, folded: Folded, residence: int | None) -> int | None:
    """Level 1 counts where the citizen lives (None: outside the province); level 2 where
    the application leading to the activation was taken."""
    return _counted_unit(Places.of(session), level, folded, residence)


def _counted_unit(places: Places, level: int, folded: Folded, residence: int | None) -> int | None:
    if level == 1:
        return residence
    point_id = folded.counted_point_id or folded.credited_point_id
    return places.point_commune_id(point_id) if point_id is not None else None


def derived_values(
    session: Session, level: int, events: Sequence[Event], residence: int | None = None
) -> tuple[dict[str, object], Folded]:
    """Every derived column of a case with these events (see `services.cases.fold`), and the
    fold itself. `residence` stands for the facts when no event carries any."""
    return derived_values_at(Places.of(session), level, events, residence)


def derived_values_at(
    places: Places, level: int, events: Sequence[Event], residence: int | None = None
) -> tuple[dict[str, object], Folded]:
    """`derived_values` with the places looked up by `places` (no session needed)."""
    folded = fold_case(level, events)
    values: dict[str, object] = {}
    facts = folded.facts
    if facts is not None:
        if facts.id_number:
            values["id_number"] = facts.id_number
        residence = places.residence_id(facts.residence)
        values.update(
            full_name=facts.full_name,
            name_folded=fold(facts.full_name),
            birth_date=facts.birth_date,
            sex=facts.sex,
            phone=facts.phone,
            address=facts.address,
            help_reason=facts.help_reason,
            notes=facts.notes,
            residence_commune_id=residence,
        )
    assert folded.credited_point_id is not None, "a status report names its intake point"
    values.update(
        status=folded.status.value,
        failure_reason=folded.failure_reason,
        failure_note=folded.failure_note,
        activated_at=folded.activated_at,
        activated_on=local_day(folded.activated_at) if folded.activated_at else None,
        intake_point_id=folded.credited_point_id,
        operator_id=folded.credited_operator_id,
        has_conflict=folded.conflict,
        consent_given=True,
        counted_unit_id=_counted_unit(places, level, folded, residence),
    )
    return values, folded


def derive(session: Session, case: Case) -> Folded:
    """Set every derived column of `case` from its history (see `services.cases.fold`)."""
    values, folded = derived_values(
        session, case.level, [fold_event(e) for e in case.history], case.residence_commune_id
    )
    for name, value in values.items():
        setattr(case, name, value)
    for event in case.history:
        before = folded.from_status.get(event.uid)
        event.from_status = before.value if before else None
    return folded


def check_same_person(case: Case, facts: CaseFacts) -> None:
    """The desk: a report on a known case must name the same person living in the same
    place; a change is a correction (with a reason), never a silent second version."""
    differences = []
    if clean(case.full_name).casefold() != facts.full_name.casefold():
        differences.append(f"họ tên {quote_value(case.full_name)} / {quote_value(facts.full_name)}")
    if case.birth_date != facts.birth_date:
        differences.append(
            f"ngày sinh {format_date(case.birth_date)} / {format_date(facts.birth_date)}"
        )
    if case.sex != facts.sex:
        differences.append(f"giới tính {case.sex} / {facts.sex}")
    if case.residence_commune_id != facts.residence_commune_id:
        differences.append("nơi thường trú")
    if differences:
        raise ConflictError(
            f"Số định danh {case.id_number} đã có hồ sơ {LEVEL_LABELS[case.level].lower()} với "
            f"thông tin khác (đã lưu / mới nhập): "
            + "; ".join(differences)
            + ". Kiểm tra lại thẻ; nếu hồ sơ đã lưu ghi sai, hãy sửa hồ sơ (Ctrl+E, có ghi lý do)."
        )


def record_report(
    session: Session,
    facts: CaseFacts,
    report: StatusReport,
    *,
    consent: bool,
    help_reason: HelpReason | None = None,
    notes: str | None = None,
    known: dict[tuple[str, int], Case] | None = None,
    min_age: int = MIN_AGE,
    attach: bool = True,
    uid: str | None = None,
    fact_sets: FactSets | None = None,
    consent_record: ConsentRecord | None = None,
) -> RecordResult:
    """Add one report to its case (created if new) as an event with the facts it was given.

    The report is never refused for where it falls in the history: one that contradicts
    the case's status is kept as a record (`RecordResult.new_records`). `uid` identifies
    the event (a spreadsheet row's content hash; default a fresh one): the same uid again
    changes nothing. `known` is a prefetched map from `find_cases` (for imports); with
    `attach=False` a new case is not added to the session (`insert_new_cases` does it).
    `consent_record` is kept with the event (`services.privacy.consent`: the caller decides which
    report carries one, the one that brings the case in).
    Raises `ValidationError` and changes nothing when the report itself breaks a rule.
    """
    _check_report_input(facts, report, consent=consent, notes=notes, min_age=min_age)
    key = (facts.id_number, report.level)
    case = known.get(key) if known is not None else find_case(session, *key)
    uid = uid or new_uid()
    if case is not None and any(e.uid == uid for e in case.history):
        return RecordResult(Outcome.UNCHANGED, case)
    fact_sets = fact_sets or FactSets(session)
    fact_set = fact_sets.row(claim_of(session, facts, help_reason, notes))
    event = _status_event(uid, report, fact_set, consent_record)
    now = now_utc()
    if case is None:
        case = Case(id_number=facts.id_number, level=report.level, created_at=now, updated_at=now)
        case.history.append(event)
        folded = derive(session, case)
        if attach:
            session.add(case)
        if known is not None:
            known[key] = case
        return RecordResult(Outcome.CREATED, case, event, folded.records)
    before = {r.event.uid for r in fold_case(case.level, map(fold_event, case.history)).records}
    case.history.append(event)
    folded = derive(session, case)
    case.updated_at = now
    new_records = [r for r in folded.records if r.event.uid not in before]
    return RecordResult(Outcome.UPDATED, case, event, new_records)


def _check_report_input(
    facts: CaseFacts, report: StatusReport, *, consent: bool, notes: str | None, min_age: int
) -> None:
    """The rules a report must keep whatever the case's history: consent, its status and
    failure, its notes, the citizen's age on the report's day."""
    if not consent:
        raise ValidationError(CONSENT_MISSING, "consent")
    check_report(report)
    if notes:
        clean_text(notes, "Ghi chú", NOTE_LENGTH, multiline=True, field="notes")
    check_eligible(facts.birth_date, local_day(report.at), min_age)


def _status_event(
    uid: str, report: StatusReport, fact_set: FactSet, consent_record: ConsentRecord | None
) -> CaseEvent:
    """The history row of one status report, with its claim and consent record."""
    return CaseEvent(
        uid=uid,
        kind=EventKind.STATUS.value,
        to_status=report.status.value,
        changed_at=report.at,
        operator_id=report.operator_id,
        intake_point_id=report.intake_point_id,
        failure_reason=report.failure_reason.value if report.failure_reason else None,
        failure_note=(report.failure_note or "").strip() or None,
        fact_set=fact_set,
        **(consent_record.columns() if consent_record is not None else NO_RECORD),
    )


# The ids a `FreshCase` built away from the database (an import's second process) carries
# for its intake point and operator until `FreshCase.place` gives the real ones: negative,
# never a row's id.
POINT_STAND_IN = -1
OPERATOR_STAND_IN = -2


@dataclass
class FreshCase:
    """What `record_report` makes of the first report of a case nobody holds yet, as plain
    rows for a bulk insert (imports of many new cases: no ORM object per row)."""

    # The case's values in `CASE_COLUMNS` order; its history row's in `FRESH_EVENT_COLUMNS`
    # order (`case_id` and `fact_set_id` are known once inserted).
    case_values: list[object]
    event_values: list[object]
    # The claim's fact set: its digest, and its values (`claim_values`).
    digest: str
    fact_set_values: list[object]
    # What the fold keeps as records, and whether the claims disagree.
    records: list[Record]
    conflict: bool
    # The form its date and time values are in (`for_driver`); None: as they are.
    driver: Callable[[object], object] | None = None

    def __reduce__(self) -> tuple[type[FreshCase], tuple[object, ...]]:
        """Pickled as its values (an import's second process sends many)."""
        return (
            FreshCase,
            (
                self.case_values,
                self.event_values,
                self.digest,
                self.fact_set_values,
                self.records,
                self.conflict,
                self.driver,
            ),
        )

    def place(self, point_id: int, operator_id: int) -> None:
        """Give the real ids of the point and the operator where it carries their stand-ins
        (`POINT_STAND_IN`, `OPERATOR_STAND_IN`), and the moment of making: now."""
        for values, point_at, operator_at in (
            (self.case_values, _CASE_POINT, _CASE_OPERATOR),
            (self.event_values, _EVENT_POINT, _EVENT_OPERATOR),
        ):
            if values[point_at] == POINT_STAND_IN:
                values[point_at] = point_id
            if values[operator_at] == OPERATOR_STAND_IN:
                values[operator_at] = operator_id
        now = now_utc()
        made = now if self.driver is None else self.driver(now)
        self.case_values[_CASE_CREATED] = self.case_values[_CASE_UPDATED] = made

    def for_driver(self, convert: Callable[[object], object]) -> None:
        """Its date and time values in the form `bulk_insert` gives the driver
        (`models.bulk.driver_value`): converted once, where it was built."""
        assert self.driver is None, "converted already"
        self.driver = convert
        # By identity (the report's moment is the value of three columns), the value kept
        # alive beside its conversion so that its identity stays its own.
        converted: dict[int, tuple[object, object]] = {}
        for values, timed in (
            (self.case_values, _CASE_TIMED),
            (self.event_values, _EVENT_TIMED),
            (self.fact_set_values, _FACT_SET_TIMED),
        ):
            for index in timed:
                value = values[index]
                key = id(value)
                if key not in converted:
                    converted[key] = (value, convert(value))
                values[index] = converted[key][1]


def fresh_case(
    places: Places,
    facts: CaseFacts,
    report: StatusReport,
    uid: str,
    claim: Claim,
    digest: str,
    consent_record: ConsentRecord | None = None,
) -> FreshCase:
    """`record_report(..., consent=True, attach=False)` for a key absent from the database
    and from the operation so far, without ORM objects or a session; the same checks and
    the same rows (tests compare both paths column by column) once `FreshCase.place` has
    given it its moment of making (and its point and operator, when `report` names them by
    their stand-ins). `digest` is `claim_digest_of(claim)`. Raises `ValidationError` like
    `record_report`."""
    check_report(report)
    check_eligible(facts.birth_date, local_day(report.at), MIN_AGE)
    failure_reason = report.failure_reason.value if report.failure_reason else None
    failure_note = (report.failure_note or "").strip() or None
    event = Event(
        uid=uid,
        kind=EventKind.STATUS,
        at=report.at,
        operator_id=report.operator_id,
        point_id=report.intake_point_id,
        status=report.status,
        failure_reason=failure_reason,
        failure_note=failure_note,
        claim=claim,
    )
    values, folded = derived_values_at(places, report.level, [event])
    case_row: dict[str, object] = dict.fromkeys(CASE_COLUMNS)
    case_row.update(values)
    case_row.update(id_number=facts.id_number, level=report.level, version=1)
    before = folded.from_status.get(uid)
    event_row: dict[str, object] = dict.fromkeys(FRESH_EVENT_COLUMNS)
    event_row.update(
        uid=uid,
        kind=EventKind.STATUS.value,
        from_status=before.value if before else None,
        to_status=report.status.value,
        changed_at=report.at,
        operator_id=report.operator_id,
        intake_point_id=report.intake_point_id,
        failure_reason=failure_reason,
        failure_note=failure_note,
        **(consent_record.columns() if consent_record is not None else NO_RECORD),
    )
    assert len(case_row) == len(CASE_COLUMNS) and len(event_row) == len(FRESH_EVENT_COLUMNS)
    return FreshCase(
        list(case_row.values()),
        list(event_row.values()),
        digest,
        list(claim_values(claim)),
        folded.records,
        folded.conflict,
    )


CORRECTABLE_FIELDS = (
    "id_number",
    "full_name",
    "birth_date",
    "sex",
    "phone",
    "address",
    "residence_commune_id",
    "help_reason",
    "notes",
)


@dataclass(frozen=True)
class Correction:
    """An explicit fix of a case: new values for some facts and/or a new status, with a reason.

    In `values`, `residence_commune_id: OUTSIDE_PROVINCE` means the citizen lives in another
    province (None: no commune chosen, refused)."""

    reason: str
    operator_id: int
    intake_point_id: int | None
    values: dict[str, object] = field(default_factory=dict)
    status: Status | None = None
    failure_reason: FailureReason | None = None
    failure_note: str | None = None
    at: datetime | None = None  # when the corrected status was reached; default now


def _json_value(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _reason(text: str) -> str:
    reason = clean(text)
    if len(reason) < 5:
        raise ValidationError("Ghi rõ lý do sửa (ít nhất 5 ký tự).", "reason")
    return reason


def _corrected_facts(
    session: Session, case: Case, values: Mapping[str, object], min_age: int
) -> dict[str, object]:
    """The facts after the correction, validated as on a new case."""
    unknown = set(values) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")
    current = {name: getattr(case, name) for name in CORRECTABLE_FIELDS}
    if case.residence_commune_id is None:
        current["residence_commune_id"] = OUTSIDE_PROVINCE
    wanted = {**current, **values}
    outside = wanted["residence_commune_id"] == OUTSIDE_PROVINCE
    if outside:
        wanted["residence_commune_id"] = None
    draft = FactsDraft(
        id_number=str(wanted["id_number"] or ""),
        full_name=str(wanted["full_name"] or ""),
        birth_date=cast(date | None, wanted["birth_date"]),
        sex=str(wanted["sex"] or ""),
        phone=str(wanted["phone"] or ""),
        address=str(wanted["address"] or ""),
        residence_commune_id=cast(int | None, wanted["residence_commune_id"]),
        residence_outside=outside,
    )
    facts, errors = check_facts(draft, local_day(case.created_at), min_age)
    if facts is None:
        raise ValidationError(" ".join(e.message for e in errors), errors[0].field)
    return {
        "id_number": facts.id_number,
        "full_name": facts.full_name,
        "birth_date": facts.birth_date,
        "sex": facts.sex,
        "phone": facts.phone,
        "address": facts.address,
        "residence_commune_id": facts.residence_commune_id,
        "help_reason": wanted["help_reason"] or None,
        "notes": clean_text(str(wanted["notes"] or ""), "Ghi chú", NOTE_LENGTH, field="notes")
        or None,
    }


def correct_case(
    session: Session, case: Case, correction: Correction, min_age: int = MIN_AGE
) -> CaseEvent:
    """Record a correction of facts and/or of the status; the history keeps what changed
    (before, after) and why.

    A correction of facts never moves the activation; a correction of the status may move
    it backwards (that is its purpose). Raises and changes nothing when a rule is broken.
    """
    reason = _reason(correction.reason)
    current = {name: getattr(case, name) for name in CORRECTABLE_FIELDS}
    normalised = _corrected_facts(session, case, correction.values, min_age)
    changes = _fact_changes(session, current, normalised)
    new_status, status_changed = _corrected_status(case, correction)
    if not changes and not status_changed:
        raise ValidationError("Không có gì thay đổi để sửa.", "reason")
    new_number = str(normalised["id_number"])
    if new_number != case.id_number and find_case(session, new_number, case.level):
        raise ConflictError(
            f"Số định danh {new_number} đã có hồ sơ {LEVEL_LABELS[case.level].lower()} "
            "khác; không thể sửa thành số này."
        )
    at = (correction.at if status_changed else None) or now_utc()
    last = max(e.changed_at for e in case.history)
    if status_changed and at < last:
        raise ValidationError(
            f"Thời điểm sửa phải sau mốc cuối cùng của hồ sơ ({format_moment(last)}).", "at"
        )
    if status_changed:
        changes["status"] = [case.status, new_status.value]
    failed = status_changed and new_status == Status.FAILED
    event = CaseEvent(
        uid=new_uid(),
        kind=EventKind.CORRECTION.value,
        to_status=new_status.value if status_changed else None,
        changed_at=at,
        operator_id=correction.operator_id,
        intake_point_id=correction.intake_point_id,
        failure_reason=correction.failure_reason.value
        if failed and correction.failure_reason
        else None,
        failure_note=correction.failure_note if failed else None,
        reason=reason,
        changes=json.dumps(changes, ensure_ascii=False),
    )
    return _append(session, case, event)


def _fact_changes(
    session: Session, current: dict[str, object], normalised: dict[str, object]
) -> dict[str, object]:
    """What a correction changes: [before, after] by field, the residence as unit codes."""
    changes: dict[str, object] = {}
    for name, value in normalised.items():
        if value == current[name]:
            continue
        if name == "residence_commune_id":
            changes["residence"] = [
                residence_code(session, cast(int | None, current[name])),
                residence_code(session, cast(int | None, value)),
            ]
        else:
            changes[name] = [_json_value(current[name]), _json_value(value)]
    return changes


def _corrected_status(case: Case, correction: Correction) -> tuple[Status, bool]:
    """The status after the correction, and whether it (or its failure) changes; a changed
    status is checked like a report."""
    new_status = correction.status or Status(case.status)
    check_status_for_level(new_status, case.level)
    status_changed = new_status != case.status or (
        new_status == Status.FAILED
        and correction.status is not None
        and (correction.failure_reason, correction.failure_note)
        != (case.failure_reason, case.failure_note)
    )
    if status_changed:
        check_report(
            StatusReport(
                level=case.level,
                status=new_status,
                at=now_utc(),
                operator_id=correction.operator_id,
                intake_point_id=correction.intake_point_id or case.intake_point_id,
                failure_reason=correction.failure_reason if new_status == Status.FAILED else None,
                failure_note=correction.failure_note,
            )
        )
    return new_status, status_changed


def _append(session: Session, case: Case, event: CaseEvent) -> CaseEvent:
    case.history.append(event)
    derive(session, case)
    case.updated_at = now_utc()
    session.flush()
    return event


def correct_activation_moment(
    session: Session,
    case: Case,
    moment: datetime,
    reason: str,
    operator_id: int,
    intake_point_id: int | None,
) -> CaseEvent:
    """Move the activation to `moment` (a wrong time was recorded): its own kind of
    correction, with a required reason; the days before and after change their figures."""
    text = _reason(reason)
    if case.status != Status.ACTIVATED or case.activated_at is None:
        raise ValidationError("Chỉ sửa thời điểm kích hoạt cho hồ sơ đã kích hoạt.", "activated_at")
    if moment.tzinfo is None:
        raise ValueError("an aware moment is needed")
    if moment > now_utc():
        raise ValidationError("Thời điểm kích hoạt không thể ở tương lai.", "activated_at")
    first_day = active_campaign(session).first_day
    if local_day(moment) < first_day:
        raise ValidationError(
            f"Thời điểm kích hoạt không thể trước ngày đầu của đợt ({format_date(first_day)}).",
            "activated_at",
        )
    if moment == case.activated_at:
        raise ValidationError("Thời điểm mới trùng thời điểm đang ghi.", "activated_at")
    event = CaseEvent(
        uid=new_uid(),
        kind=EventKind.MOMENT.value,
        to_status=None,
        changed_at=max(now_utc(), max(e.changed_at for e in case.history)),
        operator_id=operator_id,
        intake_point_id=intake_point_id,
        reason=text,
        changes=json.dumps(
            {"activated_at": [case.activated_at.isoformat(), moment.isoformat()]},
            ensure_ascii=False,
        ),
    )
    return _append(session, case, event)


def decide_facts(
    session: Session,
    case: Case,
    claim: Claim,
    reason: str,
    operator_id: int,
    intake_point_id: int | None,
) -> CaseEvent:
    """A manager's decision between disagreeing reports: `claim`'s identity and residence
    stand from now on (an event, so it travels in packages like any other). It keeps the
    versions it was taken over (`fold.SEEN`): one that arrives later still makes a conflict.

    It is strictly later than every event of the case, so a decision taken again (the
    other way, to undo one) always follows the one it replaces, even within one tick of
    the clock: equal moments would be ordered by their random uids."""
    latest = max(e.changed_at for e in case.history) + timedelta(microseconds=1)
    folded = fold_case(case.level, [fold_event(e) for e in case.history])
    seen = sorted({identity_key(known) for known, _event in folded.claims} | {identity_key(claim)})
    event = CaseEvent(
        uid=new_uid(),
        kind=EventKind.DECISION.value,
        changes=json.dumps({SEEN: seen}),
        to_status=None,
        changed_at=max(now_utc(), latest),
        operator_id=operator_id,
        intake_point_id=intake_point_id,
        reason=_reason(reason),
        fact_set=FactSets(session).row(claim),
    )
    return _append(session, case, event)


CASE_COLUMNS = [c.key for c in Case.__table__.columns if c.key != "id"]
_EVENT_COLUMNS = [c.key for c in CaseEvent.__table__.columns if c.key not in ("id", "case_id")]
FRESH_EVENT_COLUMNS = [name for name in _EVENT_COLUMNS if name != "fact_set_id"]
_CASE_POINT = CASE_COLUMNS.index("intake_point_id")
_CASE_OPERATOR = CASE_COLUMNS.index("operator_id")
_CASE_CREATED = CASE_COLUMNS.index("created_at")
_CASE_UPDATED = CASE_COLUMNS.index("updated_at")
_CASE_VERSION = CASE_COLUMNS.index("version")
_EVENT_POINT = FRESH_EVENT_COLUMNS.index("intake_point_id")
_CASE_TIMED = timed_columns(cast(Table, Case.__table__), CASE_COLUMNS)
_EVENT_TIMED = timed_columns(cast(Table, CaseEvent.__table__), FRESH_EVENT_COLUMNS)
_FACT_SET_TIMED = timed_columns(cast(Table, FactSet.__table__), FACT_SET_COLUMNS[1:])
_EVENT_OPERATOR = FRESH_EVENT_COLUMNS.index("operator_id")


def insert_case_rows(session: Session, rows: list[dict[str, object]]) -> list[int]:
    """Insert new case rows in one executemany; their ids, in the rows' order.

    SQLite: the transaction holds the write lock (it began IMMEDIATE), so the ids SQLite
    would give, max(id) + 1 onwards, are given explicitly and nothing is read back.
    Elsewhere the ids are read back by ID number and level (one query) rather than with
    RETURNING, which SQLAlchemy would send as one statement per row.
    """
    if not rows:
        return []
    columns = list(rows[0])
    return _insert_case_values(session, columns, [[row[name] for name in columns] for row in rows])


def _insert_case_values(
    session: Session, columns: list[str], rows: list[list[object]], *, converted: bool = False
) -> list[int]:
    """`insert_case_rows` of rows given as values in `columns` order (`converted`: dates and
    times in the driver's form already, see `models.bulk.bulk_insert`)."""
    if not rows:
        return []
    connection = session.connection()
    table = cast(Table, Case.__table__)
    if connection.dialect.name == "sqlite":
        first = int(connection.execute(select(func.max(Case.id))).scalar() or 0) + 1
        ids = list(range(first, first + len(rows)))
        bulk_insert(
            connection,
            table,
            ["id", *columns],
            [[case_id, *row] for case_id, row in zip(ids, rows, strict=True)],
            converted=converted,
        )
        return ids
    bulk_insert(connection, table, columns, rows, converted=converted)
    number_at, level_at = columns.index("id_number"), columns.index("level")
    keys = [(str(row[number_at]), int(str(row[level_at]))) for row in rows]
    numbers = sorted({number for number, _level in keys})
    found: dict[tuple[str, int], int] = {}
    for some in in_slices(numbers):  # by ID number: see `find_cases`
        for case_id, id_number, level in session.execute(
            select(Case.id, Case.id_number, Case.level).where(Case.id_number.in_(some))
        ):
            found[(id_number, level)] = case_id
    return [found[key] for key in keys]


def insert_new_cases(
    session: Session, cases: Sequence[Case | FreshCase], fact_sets: FactSets | None = None
) -> None:
    """Insert new cases and their histories in bulk statements, in the given order: unattached
    `Case`s built by `record_report(..., attach=False)` and `FreshCase` rows (placed, see
    `FreshCase.place`; their fact sets are found or inserted through `fact_sets`).

    The ORM's unit of work costs more than the rules themselves on a large import; the
    cases were built and checked by the same rules all the same.
    """
    # Every date and time value in the driver's form here, once: `FreshCase`s built by an
    # import come so already (`FreshCase.for_driver`).
    convert = driver_value(session.get_bind().dialect.name)
    rows: list[list[object]] = []
    fresh: dict[str, list[object]] = {}
    for entry in cases:
        if isinstance(entry, FreshCase):
            if entry.driver is not convert:
                entry.for_driver(convert)  # refuses one converted for another database
            rows.append(entry.case_values)
            fresh[entry.digest] = entry.fact_set_values
        else:
            values = [getattr(entry, name) for name in CASE_COLUMNS]
            values[_CASE_VERSION] = 1
            for index in _CASE_TIMED:
                values[index] = convert(values[index])
            rows.append(values)
    fact_set_ids = (fact_sets or FactSets(session)).ids(fresh) if fresh else {}
    ids = _insert_case_values(session, CASE_COLUMNS, rows, converted=True)
    events: list[list[object]] = []
    for case_id, entry in zip(ids, cases, strict=True):
        if isinstance(entry, FreshCase):
            events.append([case_id, *entry.event_values, fact_set_ids[entry.digest]])
            continue
        for event in entry.history:
            values = [getattr(event, name) for name in FRESH_EVENT_COLUMNS]
            for index in _EVENT_TIMED:
                values[index] = convert(values[index])
            # The fact set was flushed before (it is in the session); the event is not.
            values.append(event.fact_set.id if event.fact_set is not None else None)
            events.append([case_id, *values])
    if events:
        bulk_insert(
            session.connection(),
            cast(Table, CaseEvent.__table__),
            ["case_id", *FRESH_EVENT_COLUMNS, "fact_set_id"],
            events,
            converted=True,
        )


def insert_event_rows(session: Session, events: Sequence[Mapping[str, object]]) -> None:
    """History rows in one driver executemany (see `models.bulk`)."""
    if not events:
        return
    columns = list(events[0])
    bulk_insert(
        session.connection(),
        cast(Table, CaseEvent.__table__),
        columns,
        [[event[name] for name in columns] for event in events],
    )
