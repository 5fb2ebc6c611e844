"""Everything held about one citizen, for their requests: looked up, given to them, erased.

`person_data` gathers, for one ID number, the cases of both levels with their facts, their
whole history (every report, correction, moved activation and decision), what each report
said about the citizen (the fact sets), the calls made, the versions a conflict disagrees
on, the audit entries that name the cases, and the citizen's open requests. `person_document`
puts it in Vietnamese for the citizen (`services.documents.pages`: shown in the window, written
as a PDF by `export_person_pdf`).

Correcting the data goes through the case correction (`services.cases.detail`), as any other
correction: there is no second path.

`erase_person` erases that citizen's personal data and keeps the anonymous counts, with the
purge's own per-case anonymisation (`services.privacy.purge.anonymise_cases`): every tally and
report stays identical. The audit log keeps its entries (it cannot be rewritten): they hold
the case's row number and the masked ID number, never names or phones. On SQLite the
erased values are overwritten in the file (`secure_delete`) and the write-ahead log is
emptied after the commit. Backups made before keep the data until they age out (the
automatic ones within two days); a restore from one needs the erasure again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from models.codes import EventKind, RequestKind
from models.entities import AuditEntry, Case, IntakePoint, OutreachEntry
from services.campaigns.units import UnitTree
from services.cases.detail import EVENT_KIND_LABELS, CaseDetail, HistoryEntry, case_detail
from services.common.errors import NotFoundError
from services.common.labels import HELP_REASON_LABELS
from services.common.vntime import format_date, format_moment, now_utc
from services.documents.pages import Document, Facts, Paragraph, Section, Table, write_document_pdf
from services.exchange.conflicts import ConflictView, conflict_of, residence_label
from services.outreach.lists import PersonEntry, entries_of_person
from services.person.id_number import mask_id_number, normalise_id_number
from services.privacy.erasure_marks import remember_erased
from services.privacy.purge import anonymise_cases, anonymise_outreach
from services.privacy.requests import (
    DEADLINES,
    LAW,
    REPLY_WORKING_DAYS,
    REQUEST_KIND_LABELS,
    RequestRow,
    close_request,
    forget_id_number,
    request_for_answer,
    requests_of,
)
from services.security.audit import AuditAction, AuditRow, audit_row, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.upkeep.database import Database

EMPTY = "–"


@dataclass(frozen=True)
class ReportedFacts:
    """What one report (or decision) said about the citizen: a fact set, where and when."""

    at: datetime
    kind_label: str
    point_name: str
    full_name: str
    birth_date: str
    sex: str
    residence: str
    phone: str
    address: str
    help_reason: str
    notes: str


@dataclass(frozen=True)
class PersonCase:
    detail: CaseDetail
    reports: tuple[ReportedFacts, ...]
    conflict: ConflictView | None

    @property
    def corrections(self) -> tuple[HistoryEntry, ...]:
        return tuple(
            entry
            for entry in self.detail.history
            if entry.kind in (EventKind.CORRECTION, EventKind.MOMENT)
        )


@dataclass(frozen=True)
class PersonData:
    id_number: str
    cases: tuple[PersonCase, ...]
    audit: tuple[AuditRow, ...]
    requests: tuple[RequestRow, ...]
    listed: tuple[PersonEntry, ...] = ()  # the review lists (services.outreach.lists)

    @property
    def masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def case_ids(self) -> tuple[int, ...]:
        return tuple(case.detail.id for case in self.cases)


def _reports(session: Session, case: Case, tree: UnitTree) -> tuple[ReportedFacts, ...]:
    points: dict[int, str] = dict(
        session.execute(
            select(IntakePoint.id, IntakePoint.name).where(
                IntakePoint.id.in_({e.intake_point_id for e in case.history if e.intake_point_id})
            )
        ).all()
    )
    found = []
    for event in case.history:
        facts = event.fact_set
        if facts is None:
            continue
        found.append(
            ReportedFacts(
                at=event.changed_at,
                kind_label=EVENT_KIND_LABELS.get(event.kind, event.kind),
                point_name=points.get(event.intake_point_id or 0, EMPTY),
                full_name=facts.full_name,
                birth_date=format_date(facts.birth_date),
                sex=facts.sex,
                residence=residence_label(tree, facts.residence_code),
                phone=facts.phone or EMPTY,
                address=facts.address or EMPTY,
                help_reason=HELP_REASON_LABELS.get(facts.help_reason or "", EMPTY),
                notes=facts.notes or EMPTY,
            )
        )
    return tuple(found)


def _mentions(session: Session, case_ids: list[int]) -> tuple[AuditRow, ...]:
    """The audit entries that name one of these cases (by the case's row number)."""
    if not case_ids:
        return ()
    # Details are JSON written with sorted keys and the default separators.
    patterns = [
        AuditEntry.details.like(f'%"case_id": {case_id}{end}%')
        for case_id in case_ids
        for end in (",", "}")
    ]
    entries = session.scalars(select(AuditEntry).where(or_(*patterns)).order_by(AuditEntry.id))
    return tuple(audit_row(entry) for entry in entries)


def find_person(session: Session, actor: Actor, id_number: str) -> PersonData:
    """Everything held about one ID number (managers and administrators). Reads only: the
    callers that show or export it write its audit entry."""
    require(actor, Action.CITIZEN_REQUESTS)
    number = normalise_id_number(id_number)
    tree = UnitTree.load(session)
    cases = list(session.scalars(select(Case).where(Case.id_number == number).order_by(Case.level)))
    found = tuple(
        PersonCase(
            detail=case_detail(session, case.id),
            reports=_reports(session, case, tree),
            conflict=conflict_of(session, case, tree),
        )
        for case in cases
    )
    return PersonData(
        id_number=number,
        cases=found,
        audit=_mentions(session, [case.id for case in cases]),
        requests=tuple(requests_of(session, actor, number)),
        listed=tuple(entries_of_person(session, number)),
    )


def look_up_person(session: Session, actor: Actor, id_number: str) -> PersonData:
    """`find_person`, logged (reading one person's whole record is processing it); the
    caller commits."""
    data = find_person(session, actor, id_number)
    write_audit(
        session,
        actor,
        AuditAction.PERSON_LOOKUP,
        f"Tra cứu dữ liệu của {data.masked}: {len(data.cases)} hồ sơ",
        {"id_number": data.masked, "cases": len(data.cases)},
    )
    return data


# -- the document for the citizen ----------------------------------------------------------


def _listed_section(entry: PersonEntry) -> Section:
    """A review list's entry: what the commune team noted, and the outreach so far."""
    history = Table(
        ("Thời điểm", "Tình trạng", "Người ghi", "Ghi chú"),
        tuple(
            (format_moment(at), status, who, note or EMPTY)
            for at, status, who, note in entry.history
        ),
    )
    return Section("Danh sách rà soát (vận động, hẹn lịch)", (Facts(entry.facts), history))


def _case_facts(detail: CaseDetail) -> Facts:
    rows = [
        ("Số định danh", detail.id_number),
        ("Họ và tên", detail.full_name),
        ("Ngày sinh", format_date(detail.birth_date)),
        ("Giới tính", detail.sex),
        ("Số điện thoại", detail.phone or EMPTY),
        ("Địa chỉ", detail.address or EMPTY),
        ("Nơi thường trú", detail.residence_name),
        ("Lý do cần hỗ trợ", detail.help_reason_label or EMPTY),
        ("Ghi chú", detail.notes or EMPTY),
        ("Trạng thái", detail.status_label),
    ]
    if detail.failure_text:
        rows.append(("Lý do thất bại", detail.failure_text))
    rows += [
        ("Điểm thu nhận (lần cập nhật trạng thái cuối)", detail.point_name),
        ("Cán bộ", detail.operator_name),
        ("Ghi nhận lần đầu", format_moment(detail.created_at)),
        ("Cập nhật lần cuối", format_moment(detail.updated_at)),
    ]
    if detail.activated_at is not None:
        rows.append(("Thời điểm kích hoạt", format_moment(detail.activated_at)))
    return Facts(tuple(rows))


def _history_table(detail: CaseDetail) -> Table:
    rows = []
    for entry in detail.history:
        status = f"{entry.from_label or EMPTY} → {entry.to_label}" if entry.to_label else EMPTY
        notes = [entry.failure_text or "", entry.reason or ""]
        notes += [f"{c.label}: {c.before} → {c.after}" for c in entry.changes]
        if entry.kept_as_record:
            notes.append("(lưu làm bản ghi, không đổi hồ sơ)")
        rows.append(
            (
                format_moment(entry.at),
                entry.kind_label,
                status,
                entry.point_name or EMPTY,
                entry.operator_name,
                "\n".join(n for n in notes if n) or EMPTY,
            )
        )
    return Table(("Thời điểm", "Việc", "Trạng thái", "Điểm", "Cán bộ", "Ghi chú"), tuple(rows))


def _reports_table(case: PersonCase) -> Table:
    return Table(
        (
            "Thời điểm",
            "Điểm",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Nơi thường trú",
            "Điện thoại, địa chỉ, ghi chú",
        ),
        tuple(
            (
                format_moment(r.at),
                r.point_name,
                r.full_name,
                r.birth_date,
                r.sex,
                r.residence,
                "\n".join(v for v in (r.phone, r.address, r.help_reason, r.notes) if v != EMPTY)
                or EMPTY,
            )
            for r in case.reports
        ),
    )


def _corrections_table(case: PersonCase) -> Table:
    return Table(
        ("Thời điểm", "Nội dung sửa", "Lý do", "Cán bộ"),
        tuple(
            (
                format_moment(entry.at),
                "\n".join(f"{c.label}: {c.before} → {c.after}" for c in entry.changes)
                or entry.kind_label,
                entry.reason or EMPTY,
                entry.operator_name,
            )
            for entry in case.corrections
        ),
    )


def _conflict_table(conflict: ConflictView) -> Table:
    versions = [("Đang dùng", conflict.in_force)] + [
        (f"Khác {number}", other) for number, other in enumerate(conflict.others, start=1)
    ]
    return Table(
        ("Phiên bản", "Họ và tên", "Ngày sinh", "Giới tính", "Nơi thường trú", "Nơi, lúc ghi"),
        tuple(
            (
                name,
                view.full_name,
                format_date(view.birth_date),
                view.sex,
                view.residence,
                f"{view.point_name}, {format_moment(view.at)}",
            )
            for name, view in versions
        ),
    )


def _case_section(case: PersonCase) -> Section:
    detail = case.detail
    subsections = [
        Section("Lịch sử hồ sơ", (_history_table(detail),)),
        Section("Thông tin ghi nhận ở từng lần báo cáo", (_reports_table(case),)),
        Section("Các lần sửa hồ sơ", (_corrections_table(case),)),
        Section(
            "Các lần liên hệ, gọi điện",
            (
                Table(
                    ("Thời điểm", "Cán bộ", "Nội dung"),
                    tuple((format_moment(c.at), c.operator_name, c.note) for c in detail.contacts),
                ),
            ),
        ),
    ]
    if case.conflict is not None:
        subsections.append(
            Section(
                "Thông tin khác nhau đang chờ quản lý quyết định",
                (
                    Paragraph(
                        "Các lần báo cáo ghi khác nhau về nhân thân hoặc nơi thường trú; thông "
                        "tin ghi trước được dùng cho đến khi quản lý quyết định."
                    ),
                    _conflict_table(case.conflict),
                ),
            )
        )
    return Section(
        f"Hồ sơ {detail.level_label.lower()}", (_case_facts(detail),), tuple(subsections)
    )


def _rights_section() -> Section:
    periods = "; ".join(
        f"{REQUEST_KIND_LABELS[kind].lower()}: {deadline.days} ngày ({deadline.clause})"
        for kind, deadline in DEADLINES.items()
    )
    return Section(
        "Quyền của công dân",
        (
            Paragraph(
                f"Theo Điều 4 {LAW}, công dân có quyền được biết về hoạt động xử lý dữ liệu cá "
                "nhân của mình; đồng ý hoặc không đồng ý, rút lại sự đồng ý; xem, chỉnh sửa hoặc "
                "yêu cầu chỉnh sửa; yêu cầu cung cấp, xóa, hạn chế xử lý dữ liệu; phản đối xử "
                "lý; khiếu nại, tố cáo, khởi kiện theo quy định của pháp luật."
            ),
            Paragraph(
                f"Theo Điều 5 Nghị định 356/2025/NĐ-CP, mỗi yêu cầu được phản hồi trong "
                f"{REPLY_WORKING_DAYS} ngày làm việc và được thực hiện trong thời hạn: {periods}, "
                "kể từ ngày nhận yêu cầu."
            ),
        ),
    )


def person_document(data: PersonData, made_at: datetime | None = None) -> Document:
    """The citizen's copy of what is held about them, in Vietnamese."""
    moment = made_at or now_utc()
    intro = Paragraph(
        "Tài liệu này liệt kê toàn bộ dữ liệu cá nhân của công dân mang số định danh trên đang "
        "được lưu trong phần mềm hỗ trợ đăng ký, kích hoạt tài khoản định danh điện tử tại điểm "
        "thu nhận: thông tin từng hồ sơ, lịch sử xử lý, thông tin ghi nhận ở từng lần báo cáo, "
        "các lần sửa, các lần liên hệ và nhật ký hệ thống có nhắc đến hồ sơ. Không lưu ảnh thẻ "
        "căn cước, ảnh khuôn mặt, vân tay hay mật khẩu."
    )
    sections: list[Section] = [Section("Thông tin chung", (intro,))]
    if not data.cases:
        sections.append(
            Section(
                "Hồ sơ",
                (Paragraph("Không có hồ sơ nào mang số định danh này trong cơ sở dữ liệu."),),
            )
        )
    sections += [_case_section(case) for case in data.cases]
    sections += [_listed_section(entry) for entry in data.listed]
    sections.append(_audit_section(data.audit))
    if data.requests:
        sections.append(_requests_section(data.requests))
    sections.append(_rights_section())
    return Document(
        title="Dữ liệu cá nhân đang được lưu giữ",
        subtitle=f"Số định danh {data.id_number} – lập lúc {format_moment(moment)}",
        sections=tuple(sections),
        foot=f"kichhoat – dữ liệu cá nhân của {data.masked} – lập lúc {format_moment(moment)}",
    )


def _audit_section(mentions: tuple[AuditRow, ...]) -> Section:
    """The audit entries that name the person's cases."""
    return Section(
        "Nhật ký hệ thống có nhắc đến hồ sơ",
        (
            Paragraph(
                "Nhật ký ghi ai đã làm gì với hồ sơ, lúc nào; số định danh trong nhật ký luôn "
                "được che bớt.",
                muted=True,
            ),
            Table(
                ("Thời điểm", "Việc", "Người thực hiện", "Điểm", "Nội dung"),
                tuple(
                    (
                        format_moment(m.at),
                        m.action_label,
                        m.username,
                        m.point_code or EMPTY,
                        m.summary,
                    )
                    for m in mentions
                ),
            ),
        ),
    )


def _requests_section(requests: tuple[RequestRow, ...]) -> Section:
    """The person's requests still being handled."""
    return Section(
        "Yêu cầu của công dân đang xử lý",
        (
            Table(
                ("Số", "Loại yêu cầu", "Ngày nhận", "Hạn phản hồi", "Hạn thực hiện"),
                tuple(
                    (
                        str(r.id),
                        r.kind_label,
                        format_date(r.received_on),
                        format_date(r.reply_due_on),
                        format_date(r.due_on),
                    )
                    for r in requests
                ),
            ),
        ),
    )


@dataclass(frozen=True)
class ExportResult:
    path: Path
    cases: int
    request_id: int


def export_person_pdf(
    session: Session,
    actor: Actor,
    id_number: str,
    out: Path,
    request_id: int | None = None,
) -> ExportResult:
    """Write the citizen's copy as a PDF and answer their request to see it (the open one
    given, else the oldest, else one logged now); audited; the caller commits. Needs a
    QGuiApplication (the font)."""
    require(actor, Action.CITIZEN_REQUESTS)
    number = normalise_id_number(id_number)
    request = request_for_answer(session, actor, number, RequestKind.ACCESS, request_id)
    data = find_person(session, actor, number)
    path = write_document_pdf(person_document(data), out)
    close_request(session, actor, request, note=f"Đã giao bản dữ liệu ({path.name}).")
    write_audit(
        session,
        actor,
        AuditAction.PERSON_EXPORT,
        f"Xuất dữ liệu của {data.masked} cho công dân: {len(data.cases)} hồ sơ, tệp {path.name}",
        {
            "id_number": data.masked,
            "cases": len(data.cases),
            "file": path.name,
            "request_id": request.id,
        },
    )
    return ExportResult(path, len(data.cases), request.id)


# -- erasure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasureResult:
    cases: int
    request_id: int
    masked: str
    listed: int = 0  # entries of the review lists

    def describe(self) -> str:
        """What was erased, said to the manager."""
        listed = f" và {self.listed} người trong danh sách rà soát" if self.listed else ""
        return (
            f"Đã xóa dữ liệu cá nhân của {self.masked}: {self.cases} hồ sơ{listed} được ẩn danh, "
            f"số liệu thống kê giữ nguyên; yêu cầu số {self.request_id} đã được trả lời."
        )


def erase_person(
    database: Database, actor: Actor, id_number: str, request_id: int | None = None
) -> ErasureResult:
    """Erase one citizen's personal data and keep every count (managers), answering their
    request to erase (the one given, else the oldest open one, else one logged now). One
    transaction, audited. On SQLite the erased values are overwritten in the file and the
    write-ahead log is emptied after."""
    require(actor, Action.ERASE_PERSON)
    number = normalise_id_number(id_number)
    with database.session() as session:
        if database.is_sqlite:
            # Freed space is zeroed, so the old values do not linger in the file's pages.
            session.execute(text("PRAGMA secure_delete = ON"))
        case_ids = list(session.scalars(select(Case.id).where(Case.id_number == number)))
        listed = list(
            session.scalars(select(OutreachEntry.id).where(OutreachEntry.id_number == number))
        )
        if not case_ids and not listed:
            raise NotFoundError(
                f"Không có hồ sơ nào mang số định danh {number}: không có dữ liệu để xóa. "
                "Nếu công dân đã gửi yêu cầu, đánh dấu yêu cầu đã trả lời kèm ghi chú."
            )
        request = request_for_answer(session, actor, number, RequestKind.ERASE, request_id)
        answered = request.id
        # Before the uids go: a package made before now must not bring the person back.
        remember_erased(session, case_ids, listed)
        anonymise_cases(session, case_ids)
        anonymise_outreach(session, listed)  # the review lists keep their counts too
        forget_id_number(session, number)
        close_request(session, actor, request, note=f"Đã xóa dữ liệu của {len(case_ids)} hồ sơ.")
        masked = mask_id_number(number)
        write_audit(
            session,
            actor,
            AuditAction.PERSON_ERASED,
            f"Xóa dữ liệu cá nhân của {masked} theo yêu cầu: {len(case_ids)} hồ sơ được ẩn danh "
            "(giữ số liệu thống kê)",
            {"id_number": masked, "cases": len(case_ids), "request_id": answered},
        )
        session.commit()
    if database.is_sqlite:
        empty_write_ahead_log(database)
    return ErasureResult(len(case_ids), answered, masked, len(listed))


def empty_write_ahead_log(database: Database) -> None:
    """Copy the WAL into the database and truncate it, so the pages holding the erased
    values before the erasure are gone from it (best effort: a reader still open elsewhere
    keeps part of it until it closes)."""
    raw = database.engine.raw_connection()  # outside a transaction: SQLite refuses it inside
    try:
        driver = raw.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        raw.close()
