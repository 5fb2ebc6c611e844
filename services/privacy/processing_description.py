"""The description of the processing, for the impact-assessment dossier (hồ sơ đánh giá tác
động xử lý dữ liệu cá nhân), made from this database's own campaign and settings.

Law 91/2025/QH15, Article 21, and Decree 356/2025/NĐ-CP, Article 19: a controller that is
not a competent state body keeps a dossier from the start of the processing and files it
with the Ministry of Public Security's data-protection unit within 60 days; its report (Form
10) covers the purposes, the kinds of data, the processing and its recipients, how consent
is obtained, retention and deletion, and the security measures. This module writes what
the application itself does and keeps, read from where it is decided (the schema, the
settings, the constants of the services), so that the document follows the program: a
longer retention in the settings, a new column in a table, and the document changes (a
test holds every column of every table to a line below). What only the office can know
(who it is, its data-protection officer, its risk assessment) is left to be filled in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from models.codes import ConsentBasis, RequestStatus, Role
from models.entities import Campaign, Case, CitizenRequest, IntakePoint, Operator
from services.campaigns.campaign import active_campaign
from services.common.vntime import format_date, format_moment, local_day, now_utc
from services.documents.pages import Document, Facts, Paragraph, Section, Table, write_document_pdf
from services.exchange.crypto import SCRYPT_N
from services.privacy.consent import current_notice, legal_basis
from services.privacy.purge import PSEUDONYM_PREFIX, purge_state
from services.privacy.requests import DEADLINES, LAW, REPLY_WORKING_DAYS, REQUEST_KIND_LABELS
from services.security.accounts import LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS, PASSWORD_MIN_LENGTH
from services.security.audit import AuditAction, write_audit
from services.security.permissions import ACTION_LABELS, MINIMUM_ROLE, ROLE_LABELS, Action, require
from services.security.session_context import Actor
from services.upkeep.backup import AUTO_BACKUP_HOURS, KEEP_AUTOMATIC, backups_folder
from services.upkeep.database import Database, sqlite_path

DECREE = "Nghị định 356/2025/NĐ-CP"
TO_FILL = "(đơn vị điền)"

# Every column of every table, and what it keeps. None: not about a person (a code, a row
# number, a count, a time of the system). A table or a column missing here fails a test, so
# that a change of the schema changes this document too.
STORED_DATA: dict[str, tuple[str, dict[str, str | None]]] = {
    "cases": (
        "Hồ sơ của công dân (một hồ sơ cho mỗi người, mỗi mức tài khoản)",
        {
            "id": None,
            "id_number": "số định danh cá nhân",
            "level": "mức tài khoản định danh điện tử (1 hoặc 2)",
            "full_name": "họ và tên",
            "name_folded": "họ và tên viết không dấu (để tìm kiếm)",
            "birth_date": "ngày sinh",
            "sex": "giới tính",
            "phone": "số điện thoại",
            "address": "địa chỉ",
            "residence_commune_id": "xã, phường nơi thường trú",
            "intake_point_id": "điểm thu nhận",
            "operator_id": "cán bộ thu nhận",
            "status": "trạng thái đăng ký, kích hoạt",
            "failure_reason": "lý do thất bại (danh mục)",
            "failure_note": "ghi chú về lý do thất bại",
            "help_reason": "lý do cần hỗ trợ (không có điện thoại thông minh, tuổi cao...)",
            "consent_given": "xác nhận công dân đã đồng ý",
            "notes": "ghi chú của cán bộ",
            "counted_unit_id": None,
            "activated_at": "thời điểm kích hoạt",
            "activated_on": None,
            "has_conflict": None,
            "created_at": "thời điểm ghi nhận",
            "updated_at": "thời điểm cập nhật",
            "version": None,
        },
    ),
    "fact_sets": (
        "Thông tin công dân ghi trong từng lần báo cáo",
        {
            "id": None,
            "digest": None,
            "full_name": "họ và tên",
            "birth_date": "ngày sinh",
            "sex": "giới tính",
            "residence_code": "mã xã nơi thường trú",
            "phone": "số điện thoại",
            "address": "địa chỉ",
            "help_reason": "lý do cần hỗ trợ",
            "notes": "ghi chú",
        },
    ),
    "case_history": (
        "Lịch sử của hồ sơ (mỗi lần báo cáo, sửa, quyết định)",
        {
            "id": None,
            "uid": None,
            "case_id": None,
            "kind": "loại sự kiện",
            "from_status": "trạng thái trước",
            "to_status": "trạng thái sau",
            "changed_at": "thời điểm",
            "operator_id": "cán bộ thực hiện",
            "intake_point_id": "điểm thu nhận",
            "failure_reason": "lý do thất bại (danh mục)",
            "failure_note": "ghi chú về lý do thất bại",
            "reason": "lý do sửa hồ sơ (do cán bộ ghi)",
            "changes": "nội dung đã sửa (giá trị trước và sau)",
            "fact_set_id": "thông tin công dân mà lần báo cáo đó ghi",
            "consent_notice": "phiên bản thông báo đã đọc cho công dân",
            "consent_at": "thời điểm đồng ý",
            "consent_basis": "căn cứ xử lý (đồng ý, nhiệm vụ theo pháp luật, nhập từ danh sách)",
            "consent_legal_reference": "văn bản pháp luật làm căn cứ",
        },
    ),
    "case_contacts": (
        "Các lần liên hệ, gọi điện cho công dân",
        {
            "id": None,
            "case_id": None,
            "contacted_at": "thời điểm liên hệ",
            "operator_id": "cán bộ liên hệ",
            "note": "nội dung liên hệ",
        },
    ),
    "citizen_requests": (
        "Yêu cầu của công dân về dữ liệu của mình",
        {
            "id": None,
            "kind": "loại yêu cầu",
            "id_number": "số định danh (chỉ khi yêu cầu chưa được trả lời)",
            "id_number_masked": "số định danh đã che bớt",
            "received_on": "ngày nhận",
            "reply_due_on": "hạn phản hồi",
            "due_on": "hạn thực hiện",
            "status": "kết quả",
            "received_by": "cán bộ tiếp nhận",
            "handled_by": "cán bộ trả lời",
            "answered_at": "thời điểm trả lời",
            "note": "ghi chú",
            "created_at": None,
        },
    ),
    "erased_marks": (
        "Dấu của công dân đã xóa dữ liệu theo yêu cầu (để gói dữ liệu làm trước khi xóa không "
        "đưa họ trở lại)",
        {
            "mark": "mã băm của mã từng mốc hồ sơ đã xóa (không phải của số định danh)",
            "kind": "loại mốc (hồ sơ, danh sách rà soát)",
            "erased_at": "thời điểm xóa",
        },
    ),
    "outreach_entries": (
        "Danh sách rà soát người dân cần vận động (tổ, đội ở xã lập)",
        {
            "id": None,
            "uid": None,
            "commune_id": "xã, phường",
            "hamlet_id": "khóm, ấp",
            "id_number": "số định danh (nếu biết)",
            "full_name": "họ và tên",
            "name_folded": None,
            "birth_date": "ngày sinh",
            "birth_year": "năm sinh",
            "sex": "giới tính",
            "phone": "số điện thoại",
            "address": "địa chỉ",
            "note": "ghi chú của tổ, đội",
            "source": "danh sách lấy từ đâu",
            "status": "tình trạng vận động",
            "do_not_contact": "không muốn được nhắn tin, gọi điện",
            "listed_at": "thời điểm vào danh sách",
            "facts_at": "thời điểm sửa thông tin",
        },
    ),
    "outreach_events": (
        "Các lần vận động, thông báo, hẹn của một người trong danh sách",
        {
            "id": None,
            "uid": None,
            "entry_id": None,
            "status": "tình trạng sau lần đó",
            "at": "thời điểm",
            "username": "tên đăng nhập của cán bộ",
            "note": "ghi chú",
        },
    ),
    "outreach_appointments": (
        "Lịch hẹn của người trong danh sách",
        {
            "id": None,
            "entry_id": None,
            "slot_id": "điểm hẹn và khung giờ",
            "created_at": "thời điểm hẹn",
            "username": "tên đăng nhập của cán bộ hẹn",
        },
    ),
    "activation_counts_operator": (
        "Số tài khoản mỗi cán bộ đã kích hoạt, theo ngày (chỉ là số đếm)",
        {
            "operator_id": "cán bộ",
            "activated_on": "ngày",
            "level": "mức",
            "n": "số tài khoản",
        },
    ),
    "step_counts_operator": (
        "Số hồ sơ mỗi cán bộ ghi theo từng trạng thái, theo ngày (chỉ là số đếm)",
        {
            "operator_id": "cán bộ",
            "status": "trạng thái",
            "day": "ngày",
            "n": "số hồ sơ",
        },
    ),
    "operators": (
        "Tài khoản cán bộ",
        {
            "id": None,
            "username": "tên đăng nhập",
            "full_name": "họ và tên",
            "organisation": "cơ quan, đơn vị",
            "role": "vai trò",
            "password_hash": "mật khẩu đã băm (argon2id, không lưu mật khẩu)",
            "is_active": "đang hoạt động hay không",
            "home_point_id": "điểm thu nhận",
            "created_at": "ngày tạo",
            "failed_sign_ins": "số lần đăng nhập sai liên tiếp",
            "locked_until": "thời điểm hết khóa tạm thời",
        },
    ),
    "audit_log": (
        "Nhật ký hệ thống (không chứa họ tên, điện thoại, địa chỉ)",
        {
            "id": None,
            "chain": None,
            "seq": None,
            "at": "thời điểm",
            "username": "tên đăng nhập của người thực hiện",
            "operator_id": None,
            "point_code": "mã điểm thu nhận",
            "action": "việc đã làm",
            "summary": "tóm tắt (số định danh đã che bớt)",
            "details": "chi tiết (mã hồ sơ, số định danh đã che bớt)",
            "prev_hash": None,
            "hash": None,
        },
    ),
}
# Tables with nothing about any person: the campaign, its units and targets, the intake
# points, the settings, the heads of the audit chains (this database's, and those received in
# packages), the counts per unit and point, and the places of outreach.
NOT_PERSONAL = frozenset(
    {
        "campaigns",
        "units",
        "targets",
        "intake_points",
        "settings",
        "audit_chains",
        "audit_received_heads",
        "alembic_version",
        # Numbers only, by day, unit and point (kept in step with the cases).
        "activation_counts",
        "activation_counts_point",
        "step_counts_point",
        # Places: hamlet names, the stops of the mobile teams and their time slots.
        "hamlets",
        "outreach_stops",
        "outreach_slots",
    }
)


@dataclass(frozen=True)
class Installation:
    """Where this database is and how this computer is set: the caller knows it."""

    database_url: str
    backups_folder: Path | None  # None: a server, backed up by its administrator
    idle_lock_minutes: int


def installation_for(
    database: Database, folder: Path | None, idle_lock_minutes: int
) -> Installation:
    """This installation: the database, its backups folder (`folder`: the data folder's
    stand-in, as the backups take it), this computer's idle lock."""
    path = sqlite_path(database.url) if database.is_sqlite else None
    backups = backups_folder(folder, path) if path is not None else None
    return Installation(database.url, backups, idle_lock_minutes)


def storage_place(url: str) -> str:
    """Where the data is kept, without any password or user name."""
    path = sqlite_path(url)
    if path is not None:
        return f"Tệp SQLite trên máy tính này: {path}"
    parsed = make_url(url)
    host = parsed.host or "?"
    port = f":{parsed.port}" if parsed.port else ""
    return (
        f"Máy chủ cơ sở dữ liệu {parsed.get_backend_name()} {host}{port}, cơ sở dữ liệu "
        f"«{parsed.database or '?'}» (dùng chung cho các điểm thu nhận)"
    )


def _counts(session: Session) -> dict[str, int]:
    def count(query: Select[int]) -> int:
        return int(session.scalar(query) or 0)

    return {
        "cases": count(select(func.count()).select_from(Case)),
        "personal": count(
            select(func.count())
            .select_from(Case)
            .where(~Case.id_number.startswith(PSEUDONYM_PREFIX))
        ),
        "people": count(
            select(func.count(func.distinct(Case.id_number))).where(
                ~Case.id_number.startswith(PSEUDONYM_PREFIX)
            )
        ),
        "operators": count(select(func.count()).select_from(Operator)),
        "points": count(select(func.count()).select_from(IntakePoint)),
        "open_requests": count(
            select(func.count())
            .select_from(CitizenRequest)
            .where(CitizenRequest.status == RequestStatus.OPEN.value)
        ),
    }


def _data_section() -> Section:
    rows = tuple(
        (title, "; ".join(label for label in columns.values() if label))
        for title, columns in STORED_DATA.values()
    )
    return Section(
        "3. Loại dữ liệu cá nhân được xử lý",
        (
            Table(("Nơi lưu", "Dữ liệu"), rows),
            Paragraph(
                f"Đều là dữ liệu cá nhân cơ bản (Điều 3 {DECREE}). Không xử lý dữ liệu cá nhân "
                "nhạy cảm: không lưu ảnh hay bản quét thẻ căn cước (dữ liệu nhạy cảm theo điểm i "
                f"khoản 1 Điều 4 {DECREE}), ảnh khuôn mặt, vân tay hay mật khẩu tài khoản định "
                "danh điện tử; mã QR trên thẻ chỉ được đọc để điền các trường ở trên."
            ),
        ),
    )


def _retention_section(session: Session, today_text: str) -> Section:
    state = purge_state(session)
    if state.purged_at is not None:
        status = f"Đã xóa dữ liệu cá nhân của đợt lúc {format_moment(state.purged_at)}."
    else:
        status = (
            f"Chưa xóa; {state.cases_with_personal_data} hồ sơ còn dữ liệu cá nhân (ngày lập: "
            f"{today_text})."
        )
    return Section(
        "6. Thời hạn lưu trữ và xóa dữ liệu",
        (
            Facts(
                (
                    ("Ngày cuối của đợt", format_date(state.last_day)),
                    ("Thời gian giữ thêm sau đợt", f"{state.grace_days} ngày"),
                    ("Được xóa từ ngày", format_date(state.allowed_from)),
                    ("Tình trạng", status),
                )
            ),
            Paragraph(
                "Hết thời hạn, quản trị viên xóa dữ liệu cá nhân (Quản trị → Xóa dữ liệu cá nhân "
                "sau đợt): họ tên, điện thoại, địa chỉ, ghi chú và mọi nội dung tự do bị xóa, số "
                "định danh được thay bằng mã ẩn danh, ngày sinh chỉ giữ năm; chỉ còn số liệu "
                f"thống kê (khoản 1 Điều 14 {LAW}: đã hoàn thành mục đích xử lý). Trên máy này, "
                "các bản sao lưu chưa mã hóa bị xóa và tệp cơ sở dữ liệu được ghi lại để không "
                "còn dấu vết. Dữ liệu của một công dân được xóa sớm hơn khi người đó yêu cầu."
            ),
        ),
    )


def _recipients_section(campaign_recipient: str) -> Section:
    return Section(
        "7. Bên nhận dữ liệu",
        (
            Table(
                ("Bên nhận", "Dữ liệu", "Cách chuyển"),
                (
                    (
                        campaign_recipient,
                        "Báo cáo kết quả theo đơn vị hành chính, điểm thu nhận, cán bộ: chỉ có "
                        "số liệu, không có dữ liệu cá nhân",
                        "Tệp Excel (báo cáo PC06)",
                    ),
                    (
                        "Cơ quan công an đối chiếu",
                        "Danh sách chi tiết: mọi hồ sơ kèm dữ liệu cá nhân",
                        "Tệp Excel mã hóa bằng mật khẩu (AES); mật khẩu gửi qua kênh khác",
                    ),
                    (
                        "Điểm tổng hợp của tỉnh, các điểm thu nhận khác",
                        "Gói dữ liệu: hồ sơ và lịch sử, tài khoản cán bộ không kèm mật khẩu",
                        f"Tệp mã hóa AES-256-GCM, khóa từ mật khẩu qua scrypt (N = {SCRYPT_N})",
                    ),
                    (
                        "Chính công dân",
                        "Bản dữ liệu của mình khi yêu cầu",
                        "Tệp PDF in ra hoặc giao trực tiếp",
                    ),
                ),
            ),
        ),
    )


def _roles_table() -> Table:
    rows = tuple(
        (ROLE_LABELS[role].capitalize(), "; ".join(ACTION_LABELS[a] for a in actions))
        for role, actions in (
            (role, [a for a in Action if MINIMUM_ROLE[a] == role]) for role in Role
        )
    )
    return Table(("Vai trò", "Được thêm quyền"), rows)


def _security_section(installation: Installation) -> Section:
    idle = (
        f"sau {installation.idle_lock_minutes} phút không dùng (máy này)"
        if installation.idle_lock_minutes
        else "tắt trên máy này"
    )
    backups = (
        f"Sao lưu tự động khi mở ứng dụng và mỗi {AUTO_BACKUP_HOURS} giờ, giữ {KEEP_AUTOMATIC} "
        f"bản gần nhất, kiểm tra toàn vẹn từng bản (không mã hóa, cùng ổ đĩa với cơ sở dữ "
        "liệu: bảo vệ bằng mã hóa ổ đĩa); khi xóa dữ liệu sau đợt, chỉ giữ một bản mã hóa bằng "
        f"mật khẩu, các bản khác bị xóa; thư mục: {installation.backups_folder}"
        if installation.backups_folder is not None
        else "Máy chủ dùng chung do quản trị viên máy chủ sao lưu (pg_dump)"
    )
    measures = (
        (
            "Tài khoản, mật khẩu",
            f"Mỗi cán bộ một tài khoản; mật khẩu ít nhất {PASSWORD_MIN_LENGTH} ký tự, lưu dạng "
            f"băm argon2id; sai {MAX_FAILED_SIGN_INS} lần liên tiếp thì khóa {LOCKOUT_MINUTES} "
            "phút.",
        ),
        ("Khóa màn hình", f"Tự khóa {idle}, hoặc Ctrl+Shift+L; mở lại cần mật khẩu."),
        (
            "Phân quyền",
            "Ba vai trò, quyền tăng dần (bảng dưới); dịch vụ kiểm tra quyền ở mọi thao tác.",
        ),
        (
            "Che số định danh",
            "Cán bộ thu nhận thấy số định danh đã che bớt trong danh sách; nhật ký chỉ ghi số "
            "đã che bớt và mã hồ sơ.",
        ),
        (
            "Nhật ký hệ thống",
            "Mọi thao tác với dữ liệu được ghi: ai, lúc nào, ở điểm nào, làm gì; mỗi mục nối "
            "với mục trước bằng mã băm SHA-256 nên sửa, xóa, chèn đều bị phát hiện khi kiểm tra.",
        ),
        (
            "Mã hóa khi chuyển đi",
            "Danh sách chi tiết và gói dữ liệu chỉ rời máy ở dạng mã hóa bằng mật khẩu.",
        ),
        ("Sao lưu", backups),
        (
            "Tệp nhật ký kỹ thuật",
            "Che số định danh, số điện thoại; thông báo lỗi cơ sở dữ liệu không kèm giá trị.",
        ),
    )
    return Section("9. Biện pháp bảo vệ dữ liệu đang áp dụng", (Facts(measures), _roles_table()))


def _rights_section(open_requests: int) -> Section:
    return Section(
        "10. Thực hiện quyền của chủ thể dữ liệu",
        (
            Paragraph(
                "Quản lý tiếp nhận, ghi và trả lời yêu cầu của công dân (Quản trị → Yêu cầu của "
                "người dân): xem, nhận bản dữ liệu (tệp PDF), sửa (qua chức năng sửa hồ sơ), xóa "
                "và ẩn danh dữ liệu của riêng người đó mà vẫn giữ số liệu thống kê. Mỗi yêu cầu "
                "được ghi ngày nhận, hạn trả lời, người xử lý; yêu cầu quá hạn hiện trên màn hình "
                f"của quản lý. Đang chờ trả lời: {open_requests} yêu cầu."
            ),
            Table(
                ("Yêu cầu", "Phản hồi", "Thực hiện trong", "Căn cứ"),
                tuple(
                    (
                        REQUEST_KIND_LABELS[kind],
                        f"{REPLY_WORKING_DAYS} ngày làm việc",
                        f"{deadline.days} ngày",
                        deadline.basis,
                    )
                    for kind, deadline in DEADLINES.items()
                ),
            ),
        ),
    )


def _purpose() -> str:
    """The purpose, as the notice read to the citizen says it."""
    paragraphs = current_notice().paragraphs
    return next((p for p in paragraphs if p.startswith("Mục đích")), paragraphs[0])


def _basis_section(session: Session) -> Section:
    """The campaign's legal basis (Quản trị → Cài đặt) and how the notice is given."""
    notice = current_notice()
    basis = legal_basis(session)
    part = notice.part(basis.basis)
    told = (
        f"Trước khi lưu hồ sơ, cán bộ đọc cho công dân thông báo về xử lý dữ liệu cá nhân "
        f"({notice.label}: mục đích, dữ liệu lưu, thời gian lưu); hồ sơ chỉ được lưu khi đã "
        f"đánh dấu «{part.confirmation}». Mỗi hồ sơ ghi phiên bản thông báo, thời điểm, cán "
        "bộ, điểm thu nhận và căn cứ xử lý."
    )
    if basis.basis == ConsentBasis.LEGAL_DUTY:
        ground = (
            f"Cơ quan nhà nước thực hiện nhiệm vụ theo quy định của pháp luật (điểm c khoản 1 "
            f"Điều 19 {LAW}), không cần sự đồng ý: {basis.legal_reference}."
        )
    else:
        ground = f"Sự đồng ý của công dân (Điều 9, Điều 11 {LAW})."
    return Section(
        "5. Cơ sở pháp lý và cách thông báo, lấy sự đồng ý",
        (Facts((("Căn cứ xử lý", ground),)), Paragraph(told)),
    )


def _general_section(campaign: Campaign, moment: datetime) -> Section:
    """The activity, its period, the parties to fill in, and what this description is for."""
    plan = f"Kế hoạch số {campaign.plan_number} ngày {format_date(campaign.plan_date)}"
    return Section(
        "1. Thông tin chung",
        (
            Facts(
                (
                    (
                        "Hoạt động xử lý",
                        f"{campaign.name} ({plan} của {campaign.issuing_body})",
                    ),
                    (
                        "Thời gian của đợt",
                        f"{format_date(campaign.first_day)} – {format_date(campaign.last_day)}",
                    ),
                    ("Phần mềm", "kichhoat: bàn làm việc của điểm thu nhận"),
                    ("Bên kiểm soát dữ liệu cá nhân", TO_FILL),
                    ("Bên xử lý dữ liệu cá nhân (nếu có)", TO_FILL),
                    ("Bộ phận, người phụ trách bảo vệ dữ liệu cá nhân", TO_FILL),
                    ("Lập lúc", format_moment(moment)),
                )
            ),
            Paragraph(
                f"Mô tả này do phần mềm lập từ cài đặt và dữ liệu của đợt, dùng cho báo cáo đánh "
                f"giá tác động (Mẫu số 10, Điều 19 {DECREE}; Điều 21 {LAW}). Hồ sơ gửi cơ quan "
                "chuyên trách bảo vệ dữ liệu cá nhân thuộc Bộ Công an trong 60 ngày kể từ khi "
                "bắt đầu xử lý. Cơ quan nhà nước có thẩm quyền không phải lập hồ sơ này (khoản 6 "
                "Điều 21 của Luật).",
                muted=True,
            ),
        ),
    )


def _purpose_section(campaign: Campaign) -> Section:
    return Section(
        "2. Mục đích xử lý",
        (
            Paragraph(_purpose()),
            Paragraph(
                f"Lập báo cáo tiến độ gửi {campaign.report_recipient} (chỉ số liệu); theo dõi, "
                "liên hệ lại công dân chưa hoàn tất kích hoạt; đối chiếu khi cơ quan công an yêu cầu."
            ),
        ),
    )


def _subjects_section(counts: dict[str, int]) -> Section:
    """Whose data is held, counted in this database."""
    return Section(
        "4. Chủ thể dữ liệu",
        (
            Facts(
                (
                    (
                        "Công dân được hỗ trợ (còn dữ liệu cá nhân)",
                        f"{counts['people']} người, {counts['personal']} hồ sơ",
                    ),
                    ("Hồ sơ trong cơ sở dữ liệu (kể cả đã ẩn danh)", str(counts["cases"])),
                    ("Cán bộ có tài khoản", str(counts["operators"])),
                    ("Điểm thu nhận", str(counts["points"])),
                )
            ),
        ),
    )


def _storage_section(installation: Installation) -> Section:
    return Section(
        "8. Nơi lưu trữ",
        (
            Facts(
                (
                    ("Cơ sở dữ liệu", storage_place(installation.database_url)),
                    (
                        "Bản sao lưu",
                        str(installation.backups_folder)
                        if installation.backups_folder is not None
                        else "Do quản trị viên máy chủ quản lý",
                    ),
                    ("Chuyển ra nước ngoài", "Không"),
                )
            ),
        ),
    )


def _own_part_section() -> Section:
    """What the unit adds itself."""
    return Section(
        "11. Phần đơn vị tự bổ sung",
        (
            Paragraph(
                "Thông tin các bên và người phụ trách bảo vệ dữ liệu; sơ đồ luồng dữ liệu và "
                "thiết kế hệ thống (máy tính tại điểm, máy chủ nếu có); kết quả đánh giá tuân "
                "thủ; đánh giá rủi ro, tác động và biện pháp giảm thiểu; quy định, quy trình "
                "bảo vệ dữ liệu của đơn vị."
            ),
        ),
    )


def processing_description(
    session: Session, actor: Actor, installation: Installation, made_at: datetime | None = None
) -> Document:
    """The description, from this database and this installation (administrators)."""
    require(actor, Action.PROCESSING_DESCRIPTION)
    moment = made_at or now_utc()
    campaign = active_campaign(session)
    counts = _counts(session)
    sections = (
        _general_section(campaign, moment),
        _purpose_section(campaign),
        _data_section(),
        _subjects_section(counts),
        _basis_section(session),
        _retention_section(session, format_date(local_day(moment))),
        _recipients_section(campaign.report_recipient),
        _storage_section(installation),
        _security_section(installation),
        _rights_section(counts["open_requests"]),
        _own_part_section(),
    )
    return Document(
        title="Mô tả hoạt động xử lý dữ liệu cá nhân",
        subtitle=f"{campaign.name} – {campaign.province_name}",
        sections=sections,
        foot=f"kichhoat – mô tả hoạt động xử lý dữ liệu cá nhân – lập lúc {format_moment(moment)}",
    )


def write_processing_description(
    session: Session, actor: Actor, installation: Installation, out: Path
) -> Path:
    """The description as an A4 PDF; audited; the caller commits. Needs a QGuiApplication."""
    path = write_document_pdf(processing_description(session, actor, installation), out)
    write_audit(
        session,
        actor,
        AuditAction.PROCESSING_DESCRIPTION,
        f"Lập mô tả hoạt động xử lý dữ liệu cá nhân: {path.name}",
        {"file": path.name},
    )
    return path
