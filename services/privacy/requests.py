"""Citizens' requests about their personal data: logged, due by law, answered, overdue.

A citizen may ask to see or get a copy of the data held about them, to correct it, to
erase it, to restrict or object to its processing, or to withdraw their consent (Law
91/2025/QH15, Article 4 clause 1). Decree 356/2025/NĐ-CP, Article 5, sets the time: a reply
within 2 working days (saying the request is being handled and how), and the request done
within 10 days (see, correct, get a copy: clause 3), 15 days (withdraw consent, restrict,
object: clause 2) or 20 days (erase: clause 4), counted from the day it was received.
The periods here are the controller's own (the shorter ones); the decree allows one
extension, with the reasons told to the citizen, which this log does not model.

What is kept (`models.entities.CitizenRequest`): the kind, the days (received, reply due,
done due), the status, who logged and who answered it and when, a note. The full ID number
only while the request is open, since it is what finds the data to answer with; once the
request is answered or refused (or the person's data erased) only the masked number stays,
as in the audit log. The log is the office's proof that it answered within the time the law
sets, so it outlives the data it was about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from models.codes import RequestKind, RequestStatus
from models.entities import CitizenRequest
from services.common.errors import ConflictError, NotFoundError, ValidationError
from services.common.rows import row_from
from services.common.text import NOTE_LENGTH, clean_text, fold_key
from services.common.vntime import format_date, local_day, now_utc, today_vn
from services.desk.follow_up import WorkingCalendar
from services.person.id_number import mask_id_number, normalise_id_number
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor

DECREE = "Nghị định 356/2025/NĐ-CP"
LAW = "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15"
# Decree 356/2025/NĐ-CP, Article 5 clauses 2-4: every request is replied to within 2
# working days.
REPLY_WORKING_DAYS = 2
ERASED_NOTE = "(đã xóa)"  # the purge's word for an erased text
# Requests shown as "due soon" this many days (or fewer) before their last day.
DUE_SOON_DAYS = 3


@dataclass(frozen=True)
class Deadline:
    """How long a kind of request may take, by law (calendar days from its receipt)."""

    days: int
    clause: str  # where the decree sets it

    @property
    def basis(self) -> str:
        return f"{self.clause} Điều 5 {DECREE}"


# Decree 356/2025/NĐ-CP, Article 5: the controller's own periods (a processor or a third
# party involved gives longer ones; the shorter is the safe choice).
DEADLINES: dict[RequestKind, Deadline] = {
    RequestKind.ACCESS: Deadline(10, "khoản 3"),
    RequestKind.CORRECT: Deadline(10, "khoản 3"),
    RequestKind.ERASE: Deadline(20, "khoản 4"),
    RequestKind.RESTRICT: Deadline(15, "khoản 2"),
    RequestKind.OBJECT: Deadline(15, "khoản 2"),
    RequestKind.WITHDRAW: Deadline(15, "khoản 2"),
}

REQUEST_KIND_LABELS: dict[str, str] = {
    RequestKind.ACCESS: "Xem, sao chép dữ liệu",
    RequestKind.CORRECT: "Chỉnh sửa dữ liệu",
    RequestKind.ERASE: "Xóa dữ liệu",
    RequestKind.RESTRICT: "Hạn chế xử lý",
    RequestKind.OBJECT: "Phản đối xử lý",
    RequestKind.WITHDRAW: "Rút lại sự đồng ý",
}

REQUEST_STATUS_LABELS: dict[str, str] = {
    RequestStatus.OPEN: "Chưa trả lời",
    RequestStatus.ANSWERED: "Đã trả lời",
    RequestStatus.REFUSED: "Từ chối (có lý do)",
}

# The word for each kind on the command line (`request new --kind xoa`), without diacritics.
KIND_WORDS: dict[str, RequestKind] = {
    "xem": RequestKind.ACCESS,
    "sua": RequestKind.CORRECT,
    "xoa": RequestKind.ERASE,
    "han-che": RequestKind.RESTRICT,
    "phan-doi": RequestKind.OBJECT,
    "rut-dong-y": RequestKind.WITHDRAW,
}


def parse_request_kind(text: str) -> RequestKind:
    """A kind from its command-line word, its code or its label (diacritics optional)."""
    known = {fold_key(word): kind for word, kind in KIND_WORDS.items()}
    known |= {fold_key(label): RequestKind(code) for code, label in REQUEST_KIND_LABELS.items()}
    known |= {kind.value: kind for kind in RequestKind}
    found = known.get(fold_key(text))
    if found is None:
        words = ", ".join(
            f"{word} ({REQUEST_KIND_LABELS[kind].lower()})" for word, kind in KIND_WORDS.items()
        )
        raise ValidationError(f"Loại yêu cầu «{text}» không có. Chọn một trong: {words}.", "kind")
    return found


def reply_due(received_on: date, calendar: WorkingCalendar | None = None) -> date:
    """The last day to reply: 2 working days after the day it was received."""
    return (calendar or WorkingCalendar()).add_working_days(received_on, REPLY_WORKING_DAYS)


def due_date(received_on: date, kind: RequestKind) -> date:
    """The last day to have done what was asked (calendar days, as the decree counts)."""
    return received_on + timedelta(days=DEADLINES[kind].days)


@dataclass(frozen=True)
class RequestRow:
    """One request as the lists show it (never the full ID number)."""

    id: int
    kind: str
    id_number_masked: str
    received_on: date
    reply_due_on: date
    due_on: date
    status: str
    received_by: str
    handled_by: str | None
    answered_on: date | None
    note: str | None
    has_number: bool  # the full number is still held (open, not erased)

    @property
    def kind_label(self) -> str:
        return REQUEST_KIND_LABELS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return REQUEST_STATUS_LABELS.get(self.status, self.status)

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    def overdue(self, today: date) -> bool:
        return self.is_open and today > self.due_on

    def due_soon(self, today: date) -> bool:
        return (
            self.is_open and not self.overdue(today) and (self.due_on - today).days <= DUE_SOON_DAYS
        )

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days

    def describe_due(self, today: date) -> str:
        """ "quá hạn 2 ngày", "còn 3 ngày", "hạn hôm nay"; "" when answered."""
        if not self.is_open:
            return ""
        left = self.days_left(today)
        if left < 0:
            return f"quá hạn {-left} ngày"
        return "hạn hôm nay" if left == 0 else f"còn {left} ngày"


def _row(request: CitizenRequest) -> RequestRow:
    return row_from(
        RequestRow,
        request,
        answered_on=local_day(request.answered_at) if request.answered_at else None,
        has_number=request.id_number is not None,
    )


def _note(text: str | None) -> str | None:
    cleaned = clean_text(text or "", "Ghi chú", NOTE_LENGTH, multiline=True, field="note")
    return cleaned or None


def log_request(
    session: Session,
    actor: Actor,
    id_number: str,
    kind: RequestKind,
    received_on: date | None = None,
    note: str | None = None,
) -> RequestRow:
    """Log a request received on `received_on` (default today), with its due dates; audited.
    The caller commits."""
    require(actor, Action.CITIZEN_REQUESTS)
    number = normalise_id_number(id_number)
    today = today_vn()
    day = received_on or today
    if day > today:
        raise ValidationError(
            f"Ngày nhận yêu cầu ({format_date(day)}) sau hôm nay: ghi ngày đã nhận được đơn.",
            "received_on",
        )
    request = CitizenRequest(
        kind=kind.value,
        id_number=number,
        id_number_masked=mask_id_number(number),
        received_on=day,
        reply_due_on=reply_due(day),
        due_on=max(due_date(day, kind), reply_due(day)),
        status=RequestStatus.OPEN.value,
        received_by=actor.username[:80],
        note=_note(note),
        created_at=now_utc(),
    )
    session.add(request)
    session.flush()
    write_audit(
        session,
        actor,
        AuditAction.REQUEST_RECEIVED,
        f"Ghi nhận yêu cầu số {request.id} ({REQUEST_KIND_LABELS[kind].lower()}) của "
        f"{request.id_number_masked}, hạn {format_date(request.due_on)}",
        {
            "request_id": request.id,
            "kind": kind.value,
            "id_number": request.id_number_masked,
            "received_on": day.isoformat(),
            "due_on": request.due_on.isoformat(),
        },
    )
    return _row(request)


def _open_request(session: Session, request_id: int) -> CitizenRequest:
    request = session.get(CitizenRequest, request_id)
    if request is None:
        raise NotFoundError(f"Không có yêu cầu số {request_id}.")
    if request.status != RequestStatus.OPEN:
        raise ConflictError(
            f"Yêu cầu số {request_id} đã được trả lời ngày "
            f"{format_date(local_day(request.answered_at)) if request.answered_at else '?'}."
        )
    return request


def close_request(
    session: Session,
    actor: Actor,
    request: CitizenRequest,
    *,
    refused: bool = False,
    note: str | None = None,
) -> RequestRow:
    """Mark `request` answered (or refused), forget its full ID number; audited. The caller
    commits. (The services that answer a request by doing it call this too.)"""
    text = _note(note)
    if refused and not text:
        raise ValidationError("Từ chối yêu cầu cần ghi rõ lý do (ghi chú).", "note")
    request.status = (RequestStatus.REFUSED if refused else RequestStatus.ANSWERED).value
    request.answered_at = now_utc()
    request.handled_by = actor.username[:80]
    request.id_number = None
    if text:
        request.note = f"{request.note}\n{text}" if request.note else text
    session.flush()
    write_audit(
        session,
        actor,
        AuditAction.REQUEST_ANSWERED,
        f"{'Từ chối' if refused else 'Trả lời'} yêu cầu số {request.id} "
        f"({REQUEST_KIND_LABELS[RequestKind(request.kind)].lower()}) của "
        f"{request.id_number_masked}",
        {
            "request_id": request.id,
            "kind": request.kind,
            "id_number": request.id_number_masked,
            "outcome": request.status,
            "late": local_day(request.answered_at) > request.due_on,
        },
    )
    return _row(request)


def answer_request(
    session: Session,
    actor: Actor,
    request_id: int,
    *,
    refused: bool = False,
    note: str | None = None,
) -> RequestRow:
    """Record that request `request_id` was answered (or refused, with the reason in the
    note); audited; the caller commits."""
    require(actor, Action.CITIZEN_REQUESTS)
    return close_request(
        session, actor, _open_request(session, request_id), refused=refused, note=note
    )


def open_requests_of(
    session: Session, id_number: str, kinds: tuple[RequestKind, ...] | None = None
) -> list[CitizenRequest]:
    """The open requests that still hold this full ID number (oldest first)."""
    query = select(CitizenRequest).where(
        CitizenRequest.id_number == id_number, CitizenRequest.status == RequestStatus.OPEN.value
    )
    if kinds is not None:
        query = query.where(CitizenRequest.kind.in_([k.value for k in kinds]))
    return list(session.scalars(query.order_by(CitizenRequest.received_on, CitizenRequest.id)))


def requests_of(session: Session, actor: Actor, id_number: str) -> list[RequestRow]:
    """This person's requests that still name them in full (the open ones)."""
    require(actor, Action.CITIZEN_REQUESTS)
    return [_row(r) for r in open_requests_of(session, normalise_id_number(id_number))]


def request_for_answer(
    session: Session,
    actor: Actor,
    id_number: str,
    kind: RequestKind,
    request_id: int | None = None,
) -> CitizenRequest:
    """The open request a service answers by doing it: `request_id` when given (it must be
    this person's and of this kind), else the oldest open one of this kind for the number,
    else a new one logged as received today (the citizen asked at the counter)."""
    number = normalise_id_number(id_number)
    if request_id is not None:
        request = _open_request(session, request_id)
        if request.id_number != number or request.kind != kind.value:
            raise ConflictError(
                f"Yêu cầu số {request_id} là «{REQUEST_KIND_LABELS[RequestKind(request.kind)]}» "
                f"của {request.id_number_masked}, không phải «{REQUEST_KIND_LABELS[kind]}» của "
                f"{mask_id_number(number)}."
            )
        return request
    found = open_requests_of(session, number, (kind,))
    if found:
        return found[0]
    log_request(session, actor, number, kind)
    return open_requests_of(session, number, (kind,))[-1]


def request_id_number(session: Session, actor: Actor, request_id: int) -> str:
    """The full ID number an open request still holds, to look the person up."""
    require(actor, Action.CITIZEN_REQUESTS)
    request = session.get(CitizenRequest, request_id)
    if request is None:
        raise NotFoundError(f"Không có yêu cầu số {request_id}.")
    if request.id_number is None:
        raise ConflictError(
            f"Yêu cầu số {request_id} chỉ còn số định danh đã che ({request.id_number_masked}): "
            "gõ số đầy đủ để tra cứu."
        )
    return request.id_number


def forget_id_number(session: Session, id_number: str) -> int:
    """The person's data is erased: no request keeps their full number (they stay in the log,
    masked, open ones still to be answered). Returns how many requests held it."""
    result = session.execute(
        update(CitizenRequest)
        .where(CitizenRequest.id_number == id_number)
        .values(id_number=None)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def anonymise_requests(session: Session) -> None:
    """The campaign's purge: no request keeps a full ID number, nor its free-text note (the
    kind, the days, the outcome and who answered stay: they show it was answered in time)."""
    session.execute(
        update(CitizenRequest)
        .where(CitizenRequest.id_number.is_not(None))
        .values(id_number=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(CitizenRequest)
        .where(CitizenRequest.note.is_not(None))
        .values(note=ERASED_NOTE)
        .execution_options(synchronize_session=False)
    )


def list_requests(
    session: Session,
    actor: Actor,
    *,
    open_only: bool = False,
    overdue_only: bool = False,
    today: date | None = None,
) -> list[RequestRow]:
    """The requests, open ones first by due date, then the answered ones, newest first."""
    require(actor, Action.CITIZEN_REQUESTS)
    day = today or today_vn()
    query = select(CitizenRequest)
    if open_only or overdue_only:
        query = query.where(CitizenRequest.status == RequestStatus.OPEN.value)
    if overdue_only:
        query = query.where(CitizenRequest.due_on < day)
    rows = [_row(r) for r in session.scalars(query)]
    open_rows = sorted((r for r in rows if r.is_open), key=lambda r: (r.due_on, r.id))
    closed = sorted(
        (r for r in rows if not r.is_open),
        key=lambda r: (r.answered_on or r.received_on, r.id),
        reverse=True,
    )
    return open_rows + closed


@dataclass(frozen=True)
class RequestAlerts:
    overdue: int
    due_soon: int

    @property
    def any(self) -> bool:
        return bool(self.overdue or self.due_soon)

    def describe(self) -> str:
        parts = []
        if self.overdue:
            parts.append(f"{self.overdue} yêu cầu của người dân đã quá hạn trả lời")
        if self.due_soon:
            parts.append(f"{self.due_soon} yêu cầu sắp đến hạn (trong {DUE_SOON_DAYS} ngày)")
        return "; ".join(parts)


def request_alerts(session: Session, actor: Actor, today: date | None = None) -> RequestAlerts:
    """How many open requests are past their last day, and how many are close to it."""
    require(actor, Action.CITIZEN_REQUESTS)
    day = today or today_vn()
    is_open = CitizenRequest.status == RequestStatus.OPEN.value
    overdue = session.scalar(
        select(func.count()).select_from(CitizenRequest).where(is_open, CitizenRequest.due_on < day)
    )
    soon = session.scalar(
        select(func.count())
        .select_from(CitizenRequest)
        .where(
            is_open,
            CitizenRequest.due_on >= day,
            CitizenRequest.due_on <= day + timedelta(days=DUE_SOON_DAYS),
        )
    )
    return RequestAlerts(int(overdue or 0), int(soon or 0))
