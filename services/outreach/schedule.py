"""Appointments for the people of the review lists, and the reminders that go with them.

A stop (`OutreachStop`) is where people are received: a fixed intake point, or a mobile
team at a hamlet, a market or households. It has time slots per day (evening ones too),
each taking at most `capacity` people. A person has at most one appointment: a new one
replaces the old, and the person moves to "đã hẹn". A day's appointments give the SMS
file for the carriers (`sms_rows`: phone as 84xxxxxxxxx, text without diacritics, at most
160 characters, from an editable template) and the teams' call sheet (`call_sheet_rows`);
both leave out whoever refused, asked not to be contacted or is out of scope.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import OutreachStatus, StopKind
from models.entities import (
    Hamlet,
    IntakePoint,
    OutreachAppointment,
    OutreachEntry,
    OutreachSlot,
    OutreachStop,
    Unit,
)
from services.campaigns.units import UnitTree
from services.common.errors import (
    NotFoundError,
    UserError,
    ValidationError,
    os_reason,
)
from services.common.files import saved_whole, written_whole
from services.common.rows import row_from
from services.common.text import ADDRESS_LENGTH, NAME_LENGTH, POINT_CODE_LENGTH, clean_text, fold
from services.common.vntime import VN_TZ, format_date, now_utc
from services.outreach.lists import (
    NOT_TO_CONTACT,
    STATUS_LABELS,
    add_event,
    check_manual_move,
    clean_hamlet,
    find_entry,
    hamlet_id,
    write_entry_audit,
)
from services.person.id_number import mask_id_number
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.spreadsheets.export_cells import CsvWriter

STOP_KIND_LABELS: dict[StopKind, str] = {
    StopKind.FIXED: "Điểm cố định",
    StopKind.HAMLET: "Tổ lưu động tại khóm/ấp",
    StopKind.MARKET: "Tổ lưu động tại chợ",
    StopKind.HOUSEHOLD: "Tổ lưu động tại nhà dân",
}
SMS_LENGTH = 160
# The reminder as the carriers receive it; {ten} {diem} {dia_chi} {gio} {ngay} are filled in.
DEFAULT_TEMPLATE = (
    "Moi {ten} den {diem} luc {gio} ngay {ngay} de kich hoat tai khoan dinh danh dien tu "
    "VNeID. Mang theo CCCD va dien thoai."
)
PLACEHOLDERS = {
    "ten": "họ và tên người được mời",
    "diem": "tên điểm hẹn",
    "dia_chi": "địa chỉ điểm hẹn",
    "gio": "giờ hẹn (HH:MM)",
    "ngay": "ngày hẹn (dd/mm)",
}


# -- stops and slots ---------------------------------------------------------------------------


def parse_stop_kind(text: str) -> StopKind:
    key = fold(text).replace(" ", "")
    for kind in StopKind:
        if key in (kind.value, fold(STOP_KIND_LABELS[kind]).replace(" ", "")):
            return kind
    raise ValidationError(
        f"Loại điểm hẹn «{text}» không hợp lệ: dùng fixed (điểm cố định), hamlet (khóm/ấp), "
        "market (chợ) hoặc household (nhà dân)."
    )


def add_stop(
    session: Session,
    actor: Actor,
    code: str,
    name: str,
    kind: StopKind,
    commune_code: str,
    *,
    hamlet: str | None = None,
    address: str | None = None,
    point_code: str | None = None,
) -> OutreachStop:
    """A new stop (the caller commits). `point_code`: the intake point whose desk receives
    the people (a fixed stop named like an intake point is linked to it by itself)."""
    require(actor, Action.OUTREACH_MANAGE)
    code = clean_text(code, "Mã điểm hẹn", POINT_CODE_LENGTH)
    if not code or " " in code:
        raise ValidationError("Mã điểm hẹn cần một từ không dấu cách (ví dụ PT-AP3).")
    if session.scalar(select(OutreachStop.id).where(OutreachStop.code == code)) is not None:
        raise ValidationError(f"Đã có điểm hẹn mã «{code}»: chọn mã khác.")
    name = clean_text(name, "Tên điểm hẹn", NAME_LENGTH)
    if not name:
        raise ValidationError("Thiếu tên điểm hẹn.")
    commune = UnitTree.load(session).commune(commune_code)
    hamlet_key = (
        hamlet_id(session, commune.id, clean_hamlet(hamlet), {}) if hamlet is not None else None
    )
    point_id = session.scalar(
        select(IntakePoint.id).where(IntakePoint.code == (point_code or code).strip())
    )
    if point_code and point_id is None:
        raise NotFoundError(f"Không có điểm thu nhận mã «{point_code}».")
    stop = OutreachStop(
        code=code,
        name=name,
        kind=kind.value,
        commune_id=commune.id,
        hamlet_id=hamlet_key,
        intake_point_id=point_id,
        address=clean_text(address or "", "Địa chỉ", ADDRESS_LENGTH) or None,
        created_at=now_utc(),
    )
    session.add(stop)
    session.flush()
    write_audit(
        session,
        actor,
        AuditAction.OUTREACH_STOP,
        f"Lập điểm hẹn {code}: {name}",
        {"stop": code, "stop_kind": kind.value, "commune": commune.code},
    )
    return stop


def get_stop(session: Session, code: str) -> OutreachStop:
    stop = session.scalars(select(OutreachStop).where(OutreachStop.code == code.strip())).first()
    if stop is None:
        raise NotFoundError(
            f"Không có điểm hẹn mã «{code.strip()}»: lập điểm hẹn trước («outreach stop add»)."
        )
    return stop


def add_slots(
    session: Session,
    actor: Actor,
    stop_code: str,
    day: date,
    start: time,
    end: time,
    capacity: int,
    every_minutes: int | None = None,
) -> list[OutreachSlot]:
    """The stop's slots on `day` from `start` to `end` (one, or one every `every_minutes`),
    each for `capacity` people. A slot already there (same start) is kept as it is."""
    require(actor, Action.OUTREACH_MANAGE)
    stop = get_stop(session, stop_code)
    if not start < end:
        raise ValidationError("Giờ bắt đầu phải trước giờ kết thúc (cùng một ngày).")
    if capacity <= 0:
        raise ValidationError("Số người mỗi khung giờ phải lớn hơn 0.")
    if every_minutes is not None and every_minutes <= 0:
        raise ValidationError("Độ dài mỗi khung giờ (phút) phải lớn hơn 0.")
    step = timedelta(minutes=every_minutes) if every_minutes else None
    begin, finish = datetime.combine(day, start), datetime.combine(day, end)
    if _has_ended(day, end):
        raise ValidationError(
            f"Khung giờ {start:%H:%M}–{end:%H:%M} ngày {format_date(day)} đã qua: chỉ thêm "
            "khung giờ từ bây giờ trở đi."
        )
    held = {
        (s.start_time, s.end_time)
        for s in session.scalars(
            select(OutreachSlot).where(OutreachSlot.stop_id == stop.id, OutreachSlot.day == day)
        )
    }
    made: list[OutreachSlot] = []
    moment = begin
    while moment < finish:
        until = min(moment + step, finish) if step else finish
        exists = next((s for s in held if s[0] == moment.time()), None)
        if exists is None:
            _refuse_overlap(stop, held, moment.time(), until.time())
            slot = OutreachSlot(
                stop_id=stop.id,
                day=day,
                start_time=moment.time(),
                end_time=until.time() if until.date() == day else time(23, 59),
                capacity=capacity,
            )
            session.add(slot)
            made.append(slot)
            held.add((slot.start_time, slot.end_time))
        moment = until
    session.flush()
    write_audit(
        session,
        actor,
        AuditAction.OUTREACH_STOP,
        f"Thêm {len(made)} khung giờ cho điểm hẹn {stop.code} ngày {format_date(day)}",
        {"stop": stop.code, "day": day.isoformat(), "slots": len(made), "capacity": capacity},
    )
    return made


def _has_ended(day: date, end: time) -> bool:
    """Whether a slot of `day` ending at `end` (Vietnam time) is over by now."""
    return datetime.combine(day, end, VN_TZ) <= now_utc()


def _refuse_overlap(
    stop: OutreachStop, held: set[tuple[time, time]], start: time, end: time
) -> None:
    """One stop is at one slot at a time: a booking at a moment two slots hold would land in
    whichever came first, full or not."""
    for other_start, other_end in sorted(held):
        if start < other_end and other_start < end:
            raise ValidationError(
                f"Khung giờ {start:%H:%M}–{end:%H:%M} trùng với khung giờ "
                f"{other_start:%H:%M}–{other_end:%H:%M} đã có của điểm hẹn {stop.code}: "
                "chọn giờ không trùng (mỗi lúc một khung giờ); chưa thêm khung giờ nào."
            )


@dataclass(frozen=True)
class SlotView:
    id: int
    stop_code: str
    day: date
    start: time
    end: time
    capacity: int
    booked: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    def label(self) -> str:
        return f"{self.start:%H:%M}–{self.end:%H:%M} ({self.booked}/{self.capacity})"

    def has_ended(self) -> bool:
        """Over by now: nobody is appointed to it any more."""
        return _has_ended(self.day, self.end)


def slots_of(session: Session, stop_code: str, day: date) -> list[SlotView]:
    stop = get_stop(session, stop_code)
    booked = (
        select(OutreachAppointment.slot_id, func.count().label("n"))
        .group_by(OutreachAppointment.slot_id)
        .subquery()
    )
    rows = session.execute(
        select(OutreachSlot, func.coalesce(booked.c.n, 0))
        .outerjoin(booked, booked.c.slot_id == OutreachSlot.id)
        .where(OutreachSlot.stop_id == stop.id, OutreachSlot.day == day)
        .order_by(OutreachSlot.start_time)
    ).all()
    return [
        SlotView(s.id, stop.code, s.day, s.start_time, s.end_time, s.capacity, int(n))
        for s, n in rows
    ]


# -- appointments ------------------------------------------------------------------------------


def appoint(
    session: Session,
    actor: Actor,
    stop_code: str,
    at: datetime,
    *,
    id_number: str | None = None,
    row_id: str | None = None,
) -> OutreachAppointment:
    """Give a listed person the slot of the stop that holds `at` (Vietnam time; the caller
    commits). Refused when the slot is full (the free slots of the day are named), when
    there is no slot then, or when the person's status does not allow an appointment."""
    require(actor, Action.OUTREACH)
    entry = find_entry(session, id_number=id_number, uid=row_id)
    stop = get_stop(session, stop_code)
    local = at.astimezone(VN_TZ)
    slots = slots_of(session, stop.code, local.date())
    slot = _slot_holding(slots, stop, local)
    if slot.has_ended():
        raise ValidationError(
            f"Khung giờ {slot.label()} ngày {format_date(slot.day)} của điểm hẹn {stop.code} "
            "đã qua: hẹn vào một khung giờ chưa hết."
        )
    existing = session.scalars(
        select(OutreachAppointment).where(OutreachAppointment.entry_id == entry.id)
    ).first()
    if existing is not None and existing.slot_id == slot.id:
        return existing
    _refuse_when_full(session, slots, slot, stop, entry)
    current = OutreachStatus(entry.status)
    check_manual_move(current, OutreachStatus.APPOINTED)
    if existing is not None:
        session.delete(existing)
        session.flush()
    appointment = OutreachAppointment(
        entry_id=entry.id, slot_id=slot.id, created_at=now_utc(), username=actor.username
    )
    session.add(appointment)
    session.flush()
    _record_appointment(session, actor, entry, stop, slot, local, current)
    return appointment


def _when(local: datetime) -> str:
    return local.strftime("%H:%M ngày %d/%m/%Y")


def _slot_holding(slots: list[SlotView], stop: OutreachStop, local: datetime) -> SlotView:
    """The slot of the day that holds the moment; refused, naming the day's slots, if none."""
    slot = next((s for s in slots if s.start <= local.time() < s.end), None)
    if slot is None:
        offered = ", ".join(s.label() for s in slots) or "chưa có khung giờ nào"
        raise ValidationError(
            f"Điểm hẹn {stop.code} không có khung giờ lúc {_when(local)} (các khung giờ trong "
            f"ngày: {offered}). Thêm khung giờ bằng «outreach slot add» hoặc chọn giờ khác."
        )
    return slot


def _refuse_when_full(
    session: Session,
    slots: list[SlotView],
    slot: SlotView,
    stop: OutreachStop,
    entry: OutreachEntry,
) -> None:
    """Refuse a slot that others fill already, naming the day's slots with room left."""
    # The slot's row locked (PostgreSQL; SQLite writers queue already) before counting:
    # two clerks booking its last place at once cannot both have it.
    session.execute(select(OutreachSlot.id).where(OutreachSlot.id == slot.id).with_for_update())
    booked = session.scalar(
        select(func.count())
        .select_from(OutreachAppointment)
        .where(OutreachAppointment.slot_id == slot.id, OutreachAppointment.entry_id != entry.id)
    )
    if (booked or 0) >= slot.capacity:
        others = ", ".join(s.label() for s in slots if s.free > 0) or "không còn khung nào trống"
        raise ValidationError(
            f"Khung giờ {slot.label()} của điểm hẹn {stop.code} đã đủ người. Còn chỗ: {others}."
        )


def _record_appointment(
    session: Session,
    actor: Actor,
    entry: OutreachEntry,
    stop: OutreachStop,
    slot: SlotView,
    local: datetime,
    current: OutreachStatus,
) -> None:
    """The person's event and the audit entry of a new appointment."""
    add_event(
        session,
        entry,
        OutreachStatus.APPOINTED,
        actor.username,
        note=f"{stop.code} {local:%d/%m/%Y %H:%M}",
    )
    write_entry_audit(
        session,
        actor,
        AuditAction.OUTREACH_APPOINT,
        f"Hẹn lịch tại {stop.code} lúc {_when(local)}",
        entry,
        stop=stop.code,
        slot=f"{slot.day.isoformat()} {slot.start:%H:%M}",
        outreach_from=current.value,
    )


@dataclass(frozen=True)
class Appointed:
    """One line of a day's schedule: who comes when, where."""

    entry_id: int
    stop_code: str
    stop_name: str
    stop_address: str | None
    day: date
    start: time
    end: time
    full_name: str
    id_number: str | None
    phone: str | None
    hamlet: str
    status: OutreachStatus
    do_not_contact: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


# A day's schedule, each column labelled with its field of `Appointed`.
_APPOINTED_COLUMNS = (
    OutreachEntry.id.label("entry_id"),
    OutreachStop.code.label("stop_code"),
    OutreachStop.name.label("stop_name"),
    OutreachStop.address.label("stop_address"),
    OutreachSlot.day,
    OutreachSlot.start_time.label("start"),
    OutreachSlot.end_time.label("end"),
    OutreachEntry.full_name,
    OutreachEntry.id_number,
    OutreachEntry.phone,
    Hamlet.name.label("hamlet"),
    OutreachEntry.status,
    OutreachEntry.do_not_contact,
)


def day_schedule(
    session: Session,
    day: date,
    *,
    stop_code: str | None = None,
    intake_point_id: int | None = None,
) -> list[Appointed]:
    """A day's appointments, by stop then time then name: every stop, one stop, or the stops
    whose people come to one intake point's desk (the desk's list of the day)."""
    query = (
        select(*_APPOINTED_COLUMNS)
        .select_from(OutreachAppointment)
        .join(OutreachSlot, OutreachSlot.id == OutreachAppointment.slot_id)
        .join(OutreachStop, OutreachStop.id == OutreachSlot.stop_id)
        .join(OutreachEntry, OutreachEntry.id == OutreachAppointment.entry_id)
        .join(Hamlet, Hamlet.id == OutreachEntry.hamlet_id)
        .where(OutreachSlot.day == day)
        .order_by(OutreachStop.code, OutreachSlot.start_time, OutreachEntry.name_folded)
    )
    if stop_code is not None:
        query = query.where(OutreachStop.code == stop_code)
    if intake_point_id is not None:
        query = query.where(OutreachStop.intake_point_id == intake_point_id)
    return [
        row_from(
            Appointed,
            row,
            status=OutreachStatus(row.status),
            do_not_contact=bool(row.do_not_contact),
        )
        for row in session.execute(query)
    ]


# Who the desk expects (still «Đã hẹn») or has seen come, among a day's appointments.
_AT_THE_DESK = frozenset({OutreachStatus.APPOINTED, OutreachStatus.CAME, OutreachStatus.ACTIVATED})


def desk_appointments(session: Session, actor: Actor, day: date) -> list[Appointed]:
    """The appointments of the day at the actor's intake point (the desk's list), ID numbers
    masked for operators as in every list. A booking the slot keeps for someone who refused
    since (a package brings such news; appointments stay where they were made) or who was
    erased on request is not someone to expect."""
    require(actor, Action.OUTREACH)
    if actor.point_id is None:
        return []
    from dataclasses import replace

    from services.outreach.lists import masks_personal_data
    from services.privacy.purge import ERASED

    rows = [
        row
        for row in day_schedule(session, day, intake_point_id=actor.point_id)
        if row.status in _AT_THE_DESK and row.full_name != ERASED
    ]
    if masks_personal_data(actor):
        rows = [
            replace(r, id_number=mask_id_number(r.id_number) if r.id_number else None, phone=None)
            for r in rows
        ]
    return rows


# -- reminders ---------------------------------------------------------------------------------


def ascii_text(text: str) -> str:
    """Vietnamese without diacritics, in plain ASCII (đ -> d, case kept), one space between
    words: what every phone shows in one 160-character SMS."""
    import unicodedata

    mapped = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", mapped)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_only = "".join(ch if 32 <= ord(ch) < 127 else " " for ch in kept)
    return re.sub(r" +", " ", ascii_only).strip()


def check_template(template: str) -> str:
    """The template cleaned (one line, no diacritics); refused with the placeholders it may
    use when it names another or is broken."""
    allowed = ", ".join(f"{{{k}}}" for k in PLACEHOLDERS)
    try:
        parts = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError:
        # Python's own text ("Single '}' encountered...") is English: say it ourselves.
        raise ValidationError(
            "Mẫu tin nhắn hỏng: có dấu ngoặc { hoặc } không thành cặp. Dấu ngoặc chỉ dùng cho "
            f"các chỗ điền {allowed}; muốn in dấu ngoặc thì gõ hai lần ({{{{ hoặc }}}})."
        ) from None
    written = [
        name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
        for name, spec, conversion in parts
        if spec or conversion
    ]
    if written:
        # `{ten!r}` or `{ten:>300}` would print quotes or 300 spaces (or fail): a placeholder
        # is filled as it is written, nothing more.
        raise ValidationError(
            f"Mẫu tin nhắn có chỗ điền viết thêm định dạng: "
            f"{', '.join('{' + w + '}' for w in written)}. Chỉ viết tên chỗ điền trong ngoặc: "
            f"{allowed}."
        )
    fields = [name for name, _, _ in parts]
    unknown = [name for name in fields if name not in PLACEHOLDERS]
    if unknown:
        raise ValidationError(
            f"Mẫu tin nhắn có chỗ điền không biết: {', '.join('{' + n + '}' for n in unknown)}. "
            "Chỉ dùng: " + ", ".join(f"{{{k}}} ({v})" for k, v in PLACEHOLDERS.items()) + "."
        )
    cleaned = ascii_text(template)
    if not cleaned:
        raise ValidationError("Mẫu tin nhắn trống.")
    return cleaned


def sms_message(template: str, values: dict[str, str]) -> str:
    """The reminder for one person: the template filled, without diacritics, at most 160
    characters. Too long, the name is cut to its last word (the given name), then the place
    name shortened, then the text cut."""
    template = check_template(template)
    fill = {key: ascii_text(values.get(key, "")) for key in PLACEHOLDERS}
    message = template.format(**fill)
    if len(message) > SMS_LENGTH and fill["ten"]:
        fill["ten"] = fill["ten"].split(" ")[-1]
        message = template.format(**fill)
    for key in ("dia_chi", "diem"):
        if len(message) > SMS_LENGTH and fill[key]:
            over = len(message) - SMS_LENGTH
            fill[key] = fill[key][: max(len(fill[key]) - over, 8)].rstrip()
            message = template.format(**fill)
    return message[:SMS_LENGTH].rstrip()


def sms_phone(phone: str) -> str:
    """0912345678 -> 84912345678, as the carriers take it."""
    return "84" + phone[1:]


def reachable(row: Appointed) -> bool:
    """Whether a reminder or a call may go to this person."""
    return bool(row.phone) and not row.do_not_contact and row.status not in NOT_TO_CONTACT


def sms_rows(session: Session, day: date, template: str = DEFAULT_TEMPLATE) -> list[list[str]]:
    """[phone, message] for every reachable person appointed on `day`, one per phone."""
    check_template(template)
    rows: list[list[str]] = []
    seen: set[str] = set()
    for row in day_schedule(session, day):
        if not reachable(row) or row.phone in seen:
            continue
        assert row.phone is not None
        seen.add(row.phone)
        values = {
            "ten": row.full_name,
            "diem": row.stop_name,
            "dia_chi": row.stop_address or "",
            "gio": row.start.strftime("%H:%M"),
            "ngay": row.day.strftime("%d/%m"),
        }
        rows.append([sms_phone(row.phone), sms_message(template, values)])
    return rows


def read_template(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig").strip()
    except OSError as error:
        raise UserError(f"Không đọc được mẫu tin nhắn «{path}»: {os_reason(error)}.") from None
    except UnicodeDecodeError:
        raise UserError(f"Mẫu tin nhắn «{path}» không phải văn bản UTF-8.") from None


def write_sms(
    session: Session, actor: Actor, day: date, target: Path, template: str = DEFAULT_TEMPLATE
) -> int:
    """The SMS file (`phone`, `message`) for the carriers; the number of messages. Audited
    (phone numbers leave the application)."""
    require(actor, Action.OUTREACH_MANAGE)
    _refuse_other_kinds(target, "Tệp tin nhắn cho nhà mạng", (".csv",))
    rows = sms_rows(session, day, template)
    _write_csv(target, ["phone", "message"], rows, bom=False)
    write_audit(
        session,
        actor,
        AuditAction.OUTREACH_EXPORT,
        f"Xuất {len(rows)} tin nhắn nhắc lịch hẹn ngày {format_date(day)}",
        {"file": target.name, "day": day.isoformat(), "messages": len(rows)},
    )
    return len(rows)


CALL_SHEET_HEADERS = [
    "Mã dòng",
    "Họ và tên",
    "Năm sinh",
    "Khóm/ấp",
    "Số điện thoại",
    "Tình trạng",
    "Lịch hẹn",
    "Kết quả gọi",
    "Ghi chú",
]


def call_sheet_rows(
    session: Session, commune_code: str | None = None, hamlet: str | None = None
) -> list[list[str]]:
    """The people the teams still have to reach, with a phone, not asked to be left alone:
    by hamlet then name, with their appointment if they have one. Empty columns for the
    result of the call and a note."""
    booked = (
        select(
            OutreachAppointment.entry_id,
            OutreachStop.code,
            OutreachSlot.day,
            OutreachSlot.start_time,
        )
        .join(OutreachSlot, OutreachSlot.id == OutreachAppointment.slot_id)
        .join(OutreachStop, OutreachStop.id == OutreachSlot.stop_id)
        .subquery()
    )
    query = (
        select(
            OutreachEntry.uid,
            OutreachEntry.full_name,
            OutreachEntry.birth_year,
            Hamlet.name,
            OutreachEntry.phone,
            OutreachEntry.status,
            booked.c.code,
            booked.c.day,
            booked.c.start_time,
        )
        .join(Hamlet, Hamlet.id == OutreachEntry.hamlet_id)
        .outerjoin(booked, booked.c.entry_id == OutreachEntry.id)
        .where(
            OutreachEntry.phone.is_not(None),
            OutreachEntry.do_not_contact.is_(False),
            OutreachEntry.status.not_in([s.value for s in NOT_TO_CONTACT]),
        )
        .order_by(Hamlet.name, OutreachEntry.name_folded, OutreachEntry.id)
    )
    if commune_code:
        commune = UnitTree.load(session).commune(commune_code)
        query = query.where(OutreachEntry.commune_id == commune.id)
        if hamlet:
            from services.common.text import fold_key

            query = query.where(Hamlet.name_key == fold_key(hamlet))
    rows: list[list[str]] = []
    for uid, name, year, hamlet_name, phone, status, stop, day, start in session.execute(query):
        when = f"{stop} {start:%H:%M} {day:%d/%m/%Y}" if stop else ""
        label = STATUS_LABELS[OutreachStatus(status)]
        rows.append([uid, name, str(year), hamlet_name, phone, label, when, "", ""])
    return rows


def write_call_sheet(
    session: Session,
    actor: Actor,
    target: Path,
    commune_code: str | None = None,
    hamlet: str | None = None,
) -> int:
    """The call sheet as CSV or, for a `.xlsx` name, a workbook; the number of people."""
    require(actor, Action.OUTREACH_MANAGE)
    _refuse_other_kinds(target, "Danh sách gọi điện", (".csv", ".xlsx"))
    rows = call_sheet_rows(session, commune_code, hamlet)
    if target.suffix.lower() == ".xlsx":
        _write_xlsx(target, CALL_SHEET_HEADERS, rows)
    else:
        _write_csv(target, CALL_SHEET_HEADERS, rows, bom=True)
    write_audit(
        session,
        actor,
        AuditAction.OUTREACH_EXPORT,
        f"Xuất danh sách gọi điện vận động: {len(rows)} người",
        {"file": target.name, "people": len(rows), "commune": commune_code, "hamlet": hamlet},
    )
    return len(rows)


_WRITE_ADVICE = "Chọn thư mục khác hoặc đóng tệp nếu đang mở trong Excel."


def _refuse_other_kinds(target: Path, what: str, suffixes: tuple[str, ...]) -> None:
    """A name the file would not be (`goi-dien.pdf` held a CSV): refused before anything."""
    if target.suffix.lower() not in suffixes:
        kinds = " hoặc ".join(suffixes)
        raise ValidationError(
            f"{what} ghi ra tệp {kinds}: tên «{target.name}» "
            + (f"có đuôi {target.suffix}" if target.suffix else "không có đuôi")
            + f". Đặt tên tệp kết thúc bằng {kinds}; chưa ghi gì."
        )


def _write_csv(target: Path, headers: list[str], rows: list[list[str]], *, bom: bool) -> None:
    encoding = "utf-8-sig" if bom else "ascii"
    with (
        written_whole(target, _WRITE_ADVICE) as temporary,
        temporary.open("w", encoding=encoding, newline="") as handle,
    ):
        writer = CsvWriter(handle)
        writer.writerow(headers)
        writer.writerows(rows)


def _write_xlsx(target: Path, headers: list[str], rows: list[list[str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from services.spreadsheets.export_cells import set_cell

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Gọi điện"
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        set_cell(cell, header)
        cell.font = Font(bold=True)
    for number, row in enumerate(rows, start=2):
        for index, value in enumerate(row, start=1):
            set_cell(sheet.cell(row=number, column=index), value)
    sheet.freeze_panes = "A2"
    saved_whole(workbook, target, _WRITE_ADVICE)


def stops(session: Session) -> list[tuple[str, str, str, str]]:
    """(code, name, kind label, commune name) of every stop, by code."""
    rows = session.execute(
        select(OutreachStop.code, OutreachStop.name, OutreachStop.kind, Unit.name)
        .join(Unit, Unit.id == OutreachStop.commune_id)
        .order_by(OutreachStop.code)
    )
    return [(code, name, STOP_KIND_LABELS[StopKind(kind)], unit) for code, name, kind, unit in rows]
