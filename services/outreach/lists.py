"""Outreach (vận động): the review lists of the commune teams and where each person stands.

A review list (danh sách rà soát) names the people of a commune's hamlets who have not come
yet. Each entry has an outreach status; its moves are the table `MANUAL_MOVES` (by hand:
a team member, an appointment) and `automatic_target` (by the desk: a case saved for the
person means they came, an activated case that they are activated). The status history
is kept as events (`OutreachEvent`): the entry's status is the last one by (moment, uid),
which is what makes packages merge in any order to the same result.

This module holds the statuses and their rules, the entries (listing for the window, one
change, check-in at the desk), the link to cases (`link_cases`, called by every path that
saves cases: the desk, `records import`, package merges) and the progress per commune and
hamlet (`progress`). The import lives in `services.outreach.list_import`, appointments, SMS and
call sheets in `services.outreach.schedule`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from models.bulk import in_slices
from models.codes import OutreachStatus, Role
from models.codes import Status as CaseStatus
from models.entities import (
    Case,
    CaseEvent,
    Hamlet,
    OutreachAppointment,
    OutreachEntry,
    OutreachEvent,
)
from models.event_ids import content_uid, new_uid
from services.campaigns.units import UnitTree
from services.common.errors import NotFoundError, ValidationError
from services.common.text import NAME_LENGTH, NOTE_LENGTH, clean_text, fold, fold_key
from services.common.vntime import end_of_day_utc, now_utc, parse_date, today_vn
from services.person.id_number import mask_id_number, normalise_id_number
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor

S = OutreachStatus
FIRST_BIRTH_YEAR = 1880  # the schema's lower bound of a birth year

STATUS_LABELS: dict[OutreachStatus, str] = {
    S.NOT_CONTACTED: "Chưa liên hệ",
    S.NOTIFIED: "Đã thông báo",
    S.APPOINTED: "Đã hẹn",
    S.CAME: "Đã đến",
    S.ACTIVATED: "Đã kích hoạt",
    S.HAD_ACCOUNT: "Đã có tài khoản",
    S.REFUSED: "Từ chối",
    S.UNREACHABLE: "Không liên lạc được",
    S.INELIGIBLE: "Không đủ điều kiện",
}
# The order a list shows them in (and the window's filter).
STATUS_ORDER: tuple[OutreachStatus, ...] = tuple(STATUS_LABELS)

# Moves a person may make by hand (a team member, the window, the command line). `came` and
# `activated` are never set by hand: they come from the desk (a case saved, a check-in), so
# that the progress shows what the intake log shows. A mistaken side status (refused,
# unreachable, ineligible, had an account) may be taken back to "not contacted".
_SIDE = {S.HAD_ACCOUNT, S.REFUSED, S.UNREACHABLE, S.INELIGIBLE}
MANUAL_MOVES: dict[OutreachStatus, frozenset[OutreachStatus]] = {
    S.NOT_CONTACTED: frozenset({S.NOTIFIED, S.APPOINTED, *_SIDE}),
    S.NOTIFIED: frozenset({S.APPOINTED, *_SIDE}),
    S.APPOINTED: frozenset({S.APPOINTED, S.NOTIFIED, *_SIDE}),
    S.UNREACHABLE: frozenset(
        {S.NOT_CONTACTED, S.NOTIFIED, S.APPOINTED, *(_SIDE - {S.UNREACHABLE})}
    ),
    S.REFUSED: frozenset({S.NOT_CONTACTED, S.NOTIFIED, S.APPOINTED, S.INELIGIBLE, S.HAD_ACCOUNT}),
    S.INELIGIBLE: frozenset({S.NOT_CONTACTED}),
    S.HAD_ACCOUNT: frozenset({S.NOT_CONTACTED}),
    S.CAME: frozenset(),
    S.ACTIVATED: frozenset(),
}

# Counted in the progress: each column counts the people whose status is one of these, so
# that the first five are a funnel (a person who came was also notified and appointed).
PROGRESS_COLUMNS: dict[str, frozenset[OutreachStatus]] = {
    "notified": frozenset({S.NOTIFIED, S.APPOINTED, S.CAME, S.ACTIVATED}),
    "appointed": frozenset({S.APPOINTED, S.CAME, S.ACTIVATED}),
    "came": frozenset({S.CAME, S.ACTIVATED}),
    "activated": frozenset({S.ACTIVATED}),
    "had_account": frozenset({S.HAD_ACCOUNT}),
    "refused": frozenset({S.REFUSED}),
    "unreachable": frozenset({S.UNREACHABLE}),
    "ineligible": frozenset({S.INELIGIBLE}),
}
# People the teams still have to bring in: not come, not refused, not out of scope.
TO_REACH = frozenset({S.NOT_CONTACTED, S.NOTIFIED, S.APPOINTED, S.UNREACHABLE})
# Whom reminders and call sheets leave out: they refused, are out of scope or already came.
NOT_TO_CONTACT = frozenset({S.REFUSED, S.INELIGIBLE, S.HAD_ACCOUNT, S.CAME, S.ACTIVATED})


def parse_outreach_status(text: str) -> OutreachStatus:
    """A status from its label or code, diacritics and case ignored."""
    key = fold_key(text)
    for status, label in STATUS_LABELS.items():
        if key in (fold_key(label), fold_key(status.value)):
            return status
    raise ValidationError(
        f"Tình trạng «{text.strip()}» không hợp lệ: ghi một trong "
        f"{', '.join(STATUS_LABELS.values())}."
    )


def automatic_target(current: OutreachStatus, case_activated: bool) -> OutreachStatus | None:
    """Where a case saved at the desk (or imported, or merged) moves a listed person: to
    "activated" when one of their cases is activated, else to "came"; None when it moves
    nothing (already there, or they had an account before: a case then is another story)."""
    if current in (S.ACTIVATED, S.HAD_ACCOUNT):
        return None
    if case_activated:
        return S.ACTIVATED
    return None if current == S.CAME else S.CAME


def check_manual_move(current: OutreachStatus, target: OutreachStatus) -> None:
    if target in MANUAL_MOVES[current]:
        return
    if target in (S.CAME, S.ACTIVATED):
        raise ValidationError(
            f"Không ghi tay «{STATUS_LABELS[target]}»: tình trạng này tự cập nhật khi điểm thu "
            "nhận lưu hồ sơ của người này (hoặc điểm danh người đến theo lịch hẹn)."
        )
    if current in (S.CAME, S.ACTIVATED):
        raise ValidationError(
            f"Người này đã «{STATUS_LABELS[current]}» (theo hồ sơ ở điểm thu nhận): không cần "
            "vận động hay hẹn lịch nữa."
        )
    raise ValidationError(
        f"Người này đang «{STATUS_LABELS[current]}»: không chuyển sang "
        f"«{STATUS_LABELS[target]}» được. Nếu ghi nhầm, chuyển về «Chưa liên hệ» trước."
    )


# -- events and the fold ---------------------------------------------------------------------


def fold_status(events: Iterable[tuple[datetime, str, str]]) -> OutreachStatus:
    """The status a history of (moment, uid, status) ends at: the last by moment then uid
    (NOT_CONTACTED when there is none). Any order in, the same answer out."""
    last = max(events, default=None)
    return S(last[2]) if last is not None else S.NOT_CONTACTED


def refold(session: Session, entry_ids: Iterable[int]) -> None:
    """Store on each entry the status its events end at."""
    ids = sorted(set(entry_ids))
    for chunk in in_slices(ids):
        histories: dict[int, list[tuple[datetime, str, str]]] = defaultdict(list)
        for entry_id, at, uid, status in session.execute(
            select(
                OutreachEvent.entry_id, OutreachEvent.at, OutreachEvent.uid, OutreachEvent.status
            ).where(OutreachEvent.entry_id.in_(chunk))
        ):
            histories[entry_id].append((at, uid, status))
        for entry_id in chunk:
            session.execute(
                update(OutreachEntry)
                .where(OutreachEntry.id == entry_id)
                .values(status=fold_status(histories[entry_id]).value)
            )


def write_entry_audit(
    session: Session,
    actor: Actor,
    action: AuditAction,
    summary: str,
    entry: OutreachEntry,
    **details: object,
) -> None:
    """Audit a change to one listed person: the entry and its ID number masked, then
    `details`."""
    masked = mask_id_number(entry.id_number) if entry.id_number else None
    write_audit(
        session, actor, action, summary, {"entry": entry.id, "id_number": masked, **details}
    )


def _audit_hand_change(
    session: Session, actor: Actor, summary: str, entry: OutreachEntry, **details: object
) -> None:
    """A change a clerk made to one listed person: written, then audited as such."""
    session.flush()
    write_entry_audit(session, actor, AuditAction.OUTREACH_STATUS, summary, entry, **details)


def add_event(
    session: Session,
    entry: OutreachEntry,
    status: OutreachStatus,
    username: str,
    *,
    at: datetime | None = None,
    uid: str | None = None,
    note: str | None = None,
) -> bool:
    """Append one status event to `entry` and fold it in; False when an event with that uid
    is already here (the same automatic move made twice, or arrived twice)."""
    uid = uid or new_uid()
    if session.scalar(select(OutreachEvent.id).where(OutreachEvent.uid == uid)) is not None:
        return False
    moment = at or now_utc()
    # A change made here follows the status it was made from, even within one clock tick
    # (or after an event a package dated later): it is placed just after the last one.
    last = session.scalar(
        select(func.max(OutreachEvent.at)).where(OutreachEvent.entry_id == entry.id)
    )
    if at is None and last is not None and moment <= last:
        moment = last + timedelta(microseconds=1)
    session.add(
        OutreachEvent(
            uid=uid,
            entry_id=entry.id,
            status=status.value,
            at=moment,
            username=username,
            note=note,
        )
    )
    session.flush()
    refold(session, [entry.id])
    session.refresh(entry)
    return True


# -- hamlets ---------------------------------------------------------------------------------


def hamlet_id(
    session: Session,
    commune_id: int,
    name: str,
    cache: dict[tuple[int, str], int],
    name_key: str | None = None,
) -> int:
    """The hamlet of that name in the commune, created the first time it is named.
    `name_key`: the name's `fold_key`, when the caller has it."""
    key = (commune_id, name_key or fold_key(name))
    found = cache.get(key)
    if found is None:
        found = session.scalar(
            select(Hamlet.id).where(Hamlet.commune_id == commune_id, Hamlet.name_key == key[1])
        )
        if found is None:
            hamlet = Hamlet(commune_id=commune_id, name=name, name_key=key[1])
            session.add(hamlet)
            session.flush()
            found = hamlet.id
        cache[key] = found
    return found


def hamlets_of(session: Session, commune_id: int) -> list[tuple[int, str]]:
    """The commune's hamlets to pick from, by name."""
    rows = session.execute(
        select(Hamlet.id, Hamlet.name).where(Hamlet.commune_id == commune_id).order_by(Hamlet.name)
    )
    return [(hamlet, name) for hamlet, name in rows]


def clean_hamlet(text: str) -> str:
    name = clean_text(text, "Khóm/ấp", NAME_LENGTH)
    if not name:
        raise ValidationError("Thiếu tên khóm/ấp.")
    return name


# -- entries -----------------------------------------------------------------------------------


def entry_uid(
    id_number: str | None,
    commune_code: str,
    hamlet: str,
    name: str,
    birth: date | int,
    *,
    folded: tuple[str, str] | None = None,
) -> str:
    """An entry's identity: its ID number when known (one person, one entry, whatever list
    names them), else where it lives and who (the same row imported twice is one entry).
    `folded`: the hamlet's `fold_key` and the name's `fold`, when the caller has them."""
    if id_number:
        return content_uid("outreach", id_number)
    hamlet_key, name_folded = folded or (fold_key(hamlet), fold(name))
    return content_uid("outreach", commune_code, hamlet_key, name_folded, str(birth))


@dataclass(frozen=True)
class EntryRow:
    """One line of a review list, as the window and the desk show it."""

    id: int
    uid: str
    commune_id: int
    hamlet: str
    id_number: str | None
    full_name: str
    birth: str  # dd/mm/yyyy, or the year alone
    sex: str | None
    phone: str | None
    address: str | None
    note: str | None
    status: OutreachStatus
    do_not_contact: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _birth_text(birth_date: date | None, birth_year: int) -> str:
    return birth_date.strftime("%d/%m/%Y") if birth_date else str(birth_year)


def masks_personal_data(actor: Actor) -> bool:
    """Operators see ID numbers and phones masked in lists, like the case list."""
    return actor.role == Role.OPERATOR and not actor.is_cli


def _mask_phone(phone: str | None) -> str | None:
    return None if phone is None else phone[:3] + "****" + phone[-3:]


_ROW_COLUMNS = (
    OutreachEntry.id,
    OutreachEntry.uid,
    OutreachEntry.commune_id,
    Hamlet.name,
    OutreachEntry.id_number,
    OutreachEntry.full_name,
    OutreachEntry.birth_date,
    OutreachEntry.birth_year,
    OutreachEntry.sex,
    OutreachEntry.phone,
    OutreachEntry.address,
    OutreachEntry.note,
    OutreachEntry.status,
    OutreachEntry.do_not_contact,
)


def _row(values: Sequence[object], masked: bool) -> EntryRow:
    (
        id_,
        uid,
        commune,
        hamlet,
        number,
        name,
        born,
        year,
        sex,
        phone,
        address,
        note,
        status,
        dnc,
    ) = values
    row = EntryRow(
        id=int(id_),  # type: ignore[call-overload]
        uid=str(uid),
        commune_id=int(commune),  # type: ignore[call-overload]
        hamlet=str(hamlet),
        id_number=number,  # type: ignore[arg-type]
        full_name=str(name),
        birth=_birth_text(born, int(year)),  # type: ignore[arg-type, call-overload]
        sex=sex,  # type: ignore[arg-type]
        phone=phone,  # type: ignore[arg-type]
        address=address,  # type: ignore[arg-type]
        note=note,  # type: ignore[arg-type]
        status=S(str(status)),
        do_not_contact=bool(dnc),
    )
    if masked:
        row = replace(
            row,
            id_number=mask_id_number(row.id_number) if row.id_number else None,
            phone=_mask_phone(row.phone),
        )
    return row


@dataclass(frozen=True)
class EntryFilter:
    commune_id: int | None = None
    hamlet_id: int | None = None
    status: OutreachStatus | None = None
    search: str = ""  # part of the folded name, or the ID number


def _filtered(query, flt: EntryFilter):  # type: ignore[no-untyped-def]
    if flt.commune_id is not None:
        query = query.where(OutreachEntry.commune_id == flt.commune_id)
    if flt.hamlet_id is not None:
        query = query.where(OutreachEntry.hamlet_id == flt.hamlet_id)
    if flt.status is not None:
        query = query.where(OutreachEntry.status == flt.status.value)
    text = flt.search.strip()
    if text.isdigit() and len(text) == 12:
        query = query.where(OutreachEntry.id_number == text)
    elif text:
        query = query.where(OutreachEntry.name_folded.contains(fold(text), autoescape=True))
    return query


def list_entries(
    session: Session,
    actor: Actor,
    flt: EntryFilter = EntryFilter(),
    *,
    after: tuple[str, int] | None = None,
    limit: int = 200,
) -> list[EntryRow]:
    """One page of a review list, by folded name then id; `after` is the (folded name, id)
    of the last row of the previous page (keyset paging: a window fetching lazily)."""
    require(actor, Action.OUTREACH)
    query = _filtered(
        select(*_ROW_COLUMNS, OutreachEntry.name_folded).join(
            Hamlet, Hamlet.id == OutreachEntry.hamlet_id
        ),
        flt,
    )
    if after is not None:
        query = query.where(
            or_(
                OutreachEntry.name_folded > after[0],
                and_(OutreachEntry.name_folded == after[0], OutreachEntry.id > after[1]),
            )
        )
    query = query.order_by(OutreachEntry.name_folded, OutreachEntry.id).limit(limit)
    masked = masks_personal_data(actor)
    return [_row(tuple(values)[:-1], masked) for values in session.execute(query)]


def page_key(session: Session, entry_id: int) -> tuple[str, int]:
    """The keyset of a listed row, for `list_entries(after=...)`."""
    name = session.scalar(select(OutreachEntry.name_folded).where(OutreachEntry.id == entry_id))
    if name is None:
        raise NotFoundError("Không còn người này trong danh sách rà soát.")
    return name, entry_id


def count_entries(session: Session, actor: Actor, flt: EntryFilter = EntryFilter()) -> int:
    require(actor, Action.OUTREACH)
    return int(session.scalar(_filtered(select(func.count(OutreachEntry.id)), flt)) or 0)


def get_entry(session: Session, entry_id: int) -> OutreachEntry:
    entry = session.get(OutreachEntry, entry_id)
    if entry is None:
        raise NotFoundError("Không còn người này trong danh sách rà soát.")
    return entry


def find_entry(
    session: Session, *, id_number: str | None = None, uid: str | None = None
) -> OutreachEntry:
    """The entry of an ID number, or of a row id (`uid`) for people listed without one."""
    if id_number:
        number = normalise_id_number(id_number)
        entry = session.scalars(
            select(OutreachEntry)
            .where(OutreachEntry.id_number == number)
            .order_by(OutreachEntry.id)
        ).first()
        if entry is None:
            raise NotFoundError(f"Số định danh {number} không có trong danh sách rà soát.")
        return entry
    if uid:
        entry = session.scalars(
            select(OutreachEntry).where(OutreachEntry.uid == uid.strip())
        ).first()
        if entry is None:
            raise NotFoundError(f"Không có dòng mã «{uid.strip()}» trong danh sách rà soát.")
        return entry
    raise ValidationError("Cần số định danh (--id-number) hoặc mã dòng (--row-id).")


def set_status(
    session: Session,
    actor: Actor,
    entry_id: int,
    status: OutreachStatus,
    note: str | None = None,
    *,
    do_not_contact: bool | None = None,
) -> OutreachEntry:
    """One change by hand (the caller commits): checked against `MANUAL_MOVES`, audited.
    `do_not_contact` sets or lifts the person's wish not to be contacted."""
    require(actor, Action.OUTREACH)
    entry = get_entry(session, entry_id)
    cleaned = clean_text(note or "", "Ghi chú", NOTE_LENGTH) or None
    current = S(entry.status)
    cancelled = False
    if status != current:
        check_manual_move(current, status)
        add_event(session, entry, status, actor.username, note=cleaned)
        cancelled = _cancel_appointment(session, entry.id)
    if do_not_contact is not None and do_not_contact != entry.do_not_contact:
        entry.do_not_contact = do_not_contact
        entry.facts_at = now_utc()
    _audit_hand_change(
        session,
        actor,
        f"Tình trạng vận động: {STATUS_LABELS[current]} → {STATUS_LABELS[status]}",
        entry,
        outreach_from=current.value,
        outreach_to=status.value,
        do_not_contact=entry.do_not_contact,
        **({"appointment_cancelled": True} if cancelled else {}),
    )
    return entry


def _cancel_appointment(session: Session, entry_id: int) -> bool:
    """A person moved by hand off «Đã hẹn» (back to «Đã thông báo», a refusal, unreachable...)
    no longer comes: their appointment goes, its slot has the place again, and the schedule,
    the slips and the SMS file no longer invite them. Whether there was one."""
    gone = session.execute(
        delete(OutreachAppointment)
        .where(OutreachAppointment.entry_id == entry_id)
        .execution_options(synchronize_session=False)
    )
    return bool(gone.rowcount)  # type: ignore[attr-defined]


def parse_birth(typed: str) -> tuple[date | None, int]:
    """A birth as typed: `dd/mm/yyyy`, or a year alone; (the date if given, the year)."""
    text = typed.strip()
    if not text:
        raise ValidationError("Thiếu ngày sinh (ngày/tháng/năm, hoặc chỉ năm sinh).")
    if text.isdigit() and len(text) == 4:
        born, year = None, int(text)
    else:
        born = parse_date(text, "Ngày sinh")
        year = born.year
    if not FIRST_BIRTH_YEAR <= year <= today_vn().year or (born is not None and born > today_vn()):
        raise ValidationError(f"Ngày sinh «{text}» không hợp lý (năm {year}).")
    return born, year


@dataclass(frozen=True)
class EntryEdit:
    """What the window's form holds for one listed person (texts as typed)."""

    full_name: str
    birth: str  # dd/mm/yyyy or a year
    hamlet: str
    sex: str = ""
    phone: str = ""
    address: str = ""
    note: str = ""


def edit_entry(session: Session, actor: Actor, entry_id: int, edit: EntryEdit) -> OutreachEntry:
    """Correct what is known of a listed person (the caller commits): checked like an
    imported row, every problem said at once; the facts' moment moves (the newest facts win
    when packages merge); audited without the personal data."""
    from services.common.text import ADDRESS_LENGTH
    from services.person.id_number import parse_sex
    from services.person.phone import normalise_phone

    require(actor, Action.OUTREACH)
    entry = get_entry(session, entry_id)
    problems: list[str] = []
    values: dict[str, object] = {}
    checks = (
        ("full_name", lambda: clean_text(edit.full_name, "Họ và tên", NAME_LENGTH)),
        ("birth", lambda: parse_birth(edit.birth)),
        ("hamlet", lambda: clean_hamlet(edit.hamlet)),
        ("sex", lambda: parse_sex(edit.sex) if edit.sex.strip() else None),
        ("phone", lambda: normalise_phone(edit.phone) if edit.phone.strip() else None),
        ("address", lambda: clean_text(edit.address, "Địa chỉ", ADDRESS_LENGTH) or None),
        ("note", lambda: clean_text(edit.note, "Ghi chú", NOTE_LENGTH, multiline=True) or None),
    )
    for name, check in checks:
        try:
            values[name] = check()
        except ValidationError as error:
            problems.append(error.message)
    if not values.get("full_name") and "full_name" in values:
        problems.append("Thiếu họ và tên.")
    if problems:
        raise ValidationError(" ".join(dict.fromkeys(problems)))
    born, year = cast(tuple[date | None, int], values.pop("birth"))
    entry.hamlet_id = hamlet_id(session, entry.commune_id, str(values.pop("hamlet")), {})
    for name, value in values.items():
        setattr(entry, name, value)
    entry.name_folded = fold(entry.full_name)
    entry.birth_date, entry.birth_year = born, year
    entry.facts_at = now_utc()
    _audit_hand_change(session, actor, "Sửa thông tin người trong danh sách rà soát", entry)
    return entry


@dataclass(frozen=True)
class PersonEntry:
    """What a review list holds about one citizen, for their copy of their data."""

    facts: tuple[tuple[str, str], ...]  # label, value
    history: tuple[tuple[datetime, str, str, str], ...]  # moment, status, who, note


def entries_of_person(session: Session, id_number: str) -> list[PersonEntry]:
    """Every review-list entry of this ID number, with its status history."""
    tree = UnitTree.load(session)
    found: list[PersonEntry] = []
    for entry, hamlet in session.execute(
        select(OutreachEntry, Hamlet.name)
        .join(Hamlet, Hamlet.id == OutreachEntry.hamlet_id)
        .where(OutreachEntry.id_number == id_number)
        .order_by(OutreachEntry.id)
    ):
        facts = (
            ("Họ và tên", entry.full_name),
            ("Ngày sinh", _birth_text(entry.birth_date, entry.birth_year)),
            ("Giới tính", entry.sex or "–"),
            ("Số điện thoại", entry.phone or "–"),
            ("Xã", tree.full_name(entry.commune_id)),
            ("Khóm/ấp", hamlet),
            ("Địa chỉ", entry.address or "–"),
            ("Ghi chú", entry.note or "–"),
            ("Nguồn danh sách", entry.source),
            ("Tình trạng vận động", STATUS_LABELS[S(entry.status)]),
            ("Không muốn được liên hệ", "Có" if entry.do_not_contact else "Không"),
        )
        events = session.execute(
            select(
                OutreachEvent.at, OutreachEvent.status, OutreachEvent.username, OutreachEvent.note
            )
            .where(OutreachEvent.entry_id == entry.id)
            .order_by(OutreachEvent.at, OutreachEvent.uid)
        )
        history = tuple(
            (at, STATUS_LABELS[S(status)], username, note or "")
            for at, status, username, note in events
        )
        found.append(PersonEntry(facts, history))
    return found


# -- the link to cases -----------------------------------------------------------------------


@dataclass
class LinkResult:
    moved: int = 0  # entries moved to came / activated by an ID number


def link_cases(session: Session, id_numbers: Iterable[str], username: str) -> LinkResult:
    """Move the listed people whose ID numbers had cases saved to "came" or "activated"
    (`automatic_target`). Called by every path that saves cases, after it flushed them.

    The event's uid and moment come from the entry and the cases (the first report for
    "came", the activation for "activated"), so two databases linking the same case make
    the same event, and a package carrying it merges as one."""
    result = LinkResult()
    numbers = sorted(set(id_numbers))
    for chunk in in_slices(numbers, 900):
        result.moved += _link_chunk(session, chunk, username)
    return result


def _link_chunk(session: Session, chunk: Sequence[str], username: str) -> int:
    """`link_cases` for up to 900 ID numbers; how many entries moved."""
    # One question, led by the entries' index: a campaign without review lists (most
    # imports, most desk saves) answers it at once.
    has_case = select(Case.id).where(Case.id_number == OutreachEntry.id_number).exists()
    entries = session.execute(
        select(
            OutreachEntry.id, OutreachEntry.uid, OutreachEntry.id_number, OutreachEntry.status
        ).where(OutreachEntry.id_number.in_(chunk), has_case)
    ).all()
    if not entries:
        return 0
    activated_at, first_at = _case_moments(
        session, sorted({str(number) for *_, number, _ in entries})
    )
    moved: list[int] = []
    for entry_id, uid, entry_number, status in entries:
        number = str(entry_number)
        if number not in first_at:
            continue
        target = automatic_target(S(status), number in activated_at)
        if target is None:
            continue
        at = activated_at[number] if target == S.ACTIVATED else None
        at = at or first_at[number]
        # The same in every database that links these cases: merged, they are one event.
        event_uid = content_uid("outreach-case", uid, target.value, at.isoformat())
        if session.scalar(select(OutreachEvent.id).where(OutreachEvent.uid == event_uid)):
            continue
        session.add(
            OutreachEvent(
                uid=event_uid, entry_id=entry_id, status=target.value, at=at, username=username
            )
        )
        moved.append(entry_id)
    if moved:
        session.flush()
        refold(session, moved)
    return len(moved)


def _case_moments(
    session: Session, numbers: list[str]
) -> tuple[dict[str, datetime | None], dict[str, datetime]]:
    """For these ID numbers: the first activation among their activated cases, and the
    first moment any of their cases was reported."""
    activated_at: dict[str, datetime | None] = {}
    first_at: dict[str, datetime] = {}
    for number, at in session.execute(
        select(Case.id_number, func.min(Case.activated_at))
        .where(Case.id_number.in_(numbers), Case.status == CaseStatus.ACTIVATED.value)
        .group_by(Case.id_number)
    ):
        activated_at[number] = at
    for number, at in session.execute(
        select(Case.id_number, func.min(CaseEvent.changed_at))
        .join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(Case.id_number.in_(numbers))
        .group_by(Case.id_number)
    ):
        first_at[number] = at
    return activated_at, first_at


@dataclass(frozen=True)
class MatchCandidate:
    """A listed person without an ID number who may be the citizen of a saved case: same
    folded name, birth year and commune. Shown to the clerk to confirm, never linked alone."""

    entry_id: int
    full_name: str
    hamlet: str
    birth: str
    status: OutreachStatus


def match_candidates(
    session: Session, full_name: str, birth_year: int, commune_id: int | None
) -> list[MatchCandidate]:
    """The entries without an ID number that name this person (see `MatchCandidate`)."""
    if commune_id is None:
        return []
    rows = session.execute(
        select(
            OutreachEntry.id,
            OutreachEntry.full_name,
            Hamlet.name,
            OutreachEntry.birth_date,
            OutreachEntry.birth_year,
            OutreachEntry.status,
        )
        .join(Hamlet, Hamlet.id == OutreachEntry.hamlet_id)
        .where(
            OutreachEntry.name_folded == fold(full_name),
            OutreachEntry.birth_year == birth_year,
            OutreachEntry.commune_id == commune_id,
            OutreachEntry.id_number.is_(None),
        )
        .order_by(OutreachEntry.id)
    )
    return [
        MatchCandidate(entry_id, name, hamlet, _birth_text(born, year), S(status))
        for entry_id, name, hamlet, born, year, status in rows
    ]


def candidates_for_case(session: Session, case_id: int) -> list[MatchCandidate]:
    """After the desk saved a case: the listed people it may be, to confirm (see above)."""
    case = session.get(Case, case_id)
    if case is None:
        return []
    return match_candidates(
        session, case.full_name, case.birth_date.year, case.residence_commune_id
    )


def confirm_match(session: Session, actor: Actor, entry_id: int, id_number: str) -> OutreachEntry:
    """The clerk confirmed that a listed person (without an ID number) is the citizen of
    this ID number: the entry takes the number and moves as the person's cases say."""
    require(actor, Action.OUTREACH)
    number = normalise_id_number(id_number)
    entry = get_entry(session, entry_id)
    if entry.id_number not in (None, number):
        raise ValidationError(
            f"Người này đã có số định danh {mask_id_number(entry.id_number)} trong danh sách."
        )
    clash = session.scalar(
        select(OutreachEntry.id).where(
            OutreachEntry.id_number == number, OutreachEntry.id != entry_id
        )
    )
    if clash is not None:
        raise ValidationError(
            f"Số định danh {mask_id_number(number)} đã thuộc một người khác trong danh sách rà "
            "soát: kiểm tra lại trước khi xác nhận."
        )
    entry.id_number = number
    entry.facts_at = now_utc()
    session.flush()
    link_cases(session, [number], actor.username)
    session.refresh(entry)
    _audit_hand_change(
        session,
        actor,
        "Xác nhận người trong danh sách rà soát là công dân của hồ sơ",
        entry,
        outreach_to=entry.status,
    )
    return entry


def check_in(session: Session, actor: Actor, id_number: str) -> OutreachEntry:
    """The desk scanned a person who came (by appointment or not): "came", audited. A
    person already further (activated, had an account) stays where they are."""
    require(actor, Action.OUTREACH)
    entry = find_entry(session, id_number=id_number)
    current = S(entry.status)
    target = automatic_target(current, case_activated=False)
    if target is not None:
        add_event(
            session,
            entry,
            target,
            actor.username,
            uid=content_uid("outreach-check-in", entry.uid),
        )
        _audit_hand_change(
            session,
            actor,
            f"Điểm danh người đến: {STATUS_LABELS[current]} → {STATUS_LABELS[target]}",
            entry,
            outreach_to="came",
        )
    return entry


# -- progress ----------------------------------------------------------------------------------


@dataclass
class ProgressRow:
    code: str  # the commune's code (also for a hamlet's row)
    name: str  # the commune's name, or the hamlet's
    counts: dict[str, int]

    @property
    def listed(self) -> int:
        return self.counts["listed"]

    @property
    def to_reach(self) -> int:
        return self.counts["to_reach"]

    @property
    def converted(self) -> float:
        """The share of the people to bring in who are activated: activated over listed less
        those out of scope (ineligible) and those who had an account already."""
        base = self.listed - self.counts["ineligible"] - self.counts["had_account"]
        return round(self.counts["activated"] / base, 4) if base > 0 else 0.0

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            **{key: self.counts[key] for key in COUNT_KEYS},
            "to_reach": self.to_reach,
            "converted": self.converted,
        }


COUNT_KEYS = ("listed", *PROGRESS_COLUMNS)


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys((*COUNT_KEYS, "to_reach"), 0)


def _add(counts: dict[str, int], status: OutreachStatus, number: int) -> None:
    counts["listed"] += number
    for key, statuses in PROGRESS_COLUMNS.items():
        if status in statuses:
            counts[key] += number
    if status in TO_REACH:
        counts["to_reach"] += number


@dataclass
class Progress:
    by: str  # "commune" or "hamlet"
    as_of: date
    rows: list[ProgressRow]
    total: ProgressRow

    def as_json(self) -> dict[str, object]:
        return {
            "by": self.by,
            "as_of": self.as_of.isoformat(),
            "rows": [row.as_json() for row in self.rows],
            "total": self.total.as_json(),
        }


def _status_counts(session: Session, as_of: date) -> list[tuple[int, int, str, int]]:
    """(commune id, hamlet id, status, people) as things stood at the end of `as_of`."""
    if as_of >= today_vn():  # today: the stored status, one index-only GROUP BY
        return [
            (c, h, s, n)
            for c, h, s, n in session.execute(
                select(
                    OutreachEntry.commune_id,
                    OutreachEntry.hamlet_id,
                    OutreachEntry.status,
                    func.count(),
                ).group_by(OutreachEntry.commune_id, OutreachEntry.hamlet_id, OutreachEntry.status)
            )
        ]
    end = end_of_day_utc(as_of)
    ranked = (
        select(
            OutreachEvent.entry_id,
            OutreachEvent.status,
            func.row_number()
            .over(
                partition_by=OutreachEvent.entry_id,
                order_by=(OutreachEvent.at.desc(), OutreachEvent.uid.desc()),
            )
            .label("rank"),
        )
        .where(OutreachEvent.at < end)
        .subquery()
    )
    status = func.coalesce(ranked.c.status, S.NOT_CONTACTED.value)
    query = (
        select(OutreachEntry.commune_id, OutreachEntry.hamlet_id, status, func.count())
        .outerjoin(ranked, and_(ranked.c.entry_id == OutreachEntry.id, ranked.c.rank == 1))
        .where(OutreachEntry.listed_at < end)
        .group_by(OutreachEntry.commune_id, OutreachEntry.hamlet_id, status)
    )
    return [(c, h, s, n) for c, h, s, n in session.execute(query)]


def progress(
    session: Session, by: str = "commune", as_of: date | None = None, tree: UnitTree | None = None
) -> Progress:
    """Listed, notified, appointed, came, activated... per commune (in the unit tree's order)
    or per hamlet (most people still to reach first), and the total. Counts only: no
    personal data, like the tally."""
    if by not in ("commune", "hamlet"):
        raise ValidationError(
            f"Gộp theo «{by}» không hợp lệ: dùng commune (xã) hoặc hamlet (khóm/ấp)."
        )
    day = as_of or today_vn()
    tree = tree or UnitTree.load(session)
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(_empty_counts)
    total = _empty_counts()
    for commune_id, hamlet, status, number in _status_counts(session, day):
        key = (commune_id, hamlet if by == "hamlet" else 0)
        _add(counts[key], S(status), number)
        _add(total, S(status), number)
    rows: list[ProgressRow] = []
    if by == "commune":
        order = {unit.id: index for index, unit in enumerate(tree.units)}
        for (commune_id, _), values in sorted(
            counts.items(), key=lambda kv: order.get(kv[0][0], 0)
        ):
            unit = tree.by_id.get(commune_id)
            rows.append(ProgressRow(unit.code if unit else "?", unit.name if unit else "?", values))
    else:
        names = dict(
            session.execute(
                select(Hamlet.id, Hamlet.name).where(Hamlet.id.in_({h for _, h in counts}))
            ).all()
        )
        for (commune_id, hamlet), values in counts.items():
            unit = tree.by_id.get(commune_id)
            rows.append(ProgressRow(unit.code if unit else "?", names.get(hamlet, "?"), values))
        rows.sort(key=lambda r: (-r.to_reach, r.code, fold(r.name)))
    return Progress(by, day, rows, ProgressRow("", tree.province.name, total))
