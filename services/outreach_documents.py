"""What the teams print for a day of appointments: the schedule list and the invitations.

The schedule (`schedule_document`) is an A4 document per day, stop by stop, hour by hour:
the team ticks people off as they come. The invitation (giấy mời, `invitation_sheets`) is
one A6 sheet per person: where, when, what to bring, and the QR code to vneid.gov.vn (the
guide's activation link, checked against the allowed domains as on every slip). Only the
name and the hamlet name the person; the ID number is masked to its first and last three
digits, no birth date, no phone.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter
from sqlalchemy.orm import Session

from models.entities import Setting
from services.documents import Document, Facts, Paragraph, Section, Table
from services.guides import GuideContent, default_guide, display_url, load_guide
from services.id_number import mask_id_number
from services.outreach_schedule import DEFAULT_TEMPLATE, Appointed, check_template, day_schedule
from services.permissions import Action, require
from services.qr_links import allowed_qr_domains, link_problem
from services.session_context import Actor
from services.sheets import Canvas, Sheet, write_pages_pdf
from services.vntime import format_date

A6 = (105.0, 148.0)
MARGIN = 8.0
BRING = (
    "Thẻ căn cước (hoặc căn cước công dân gắn chip).",
    "Điện thoại và số thuê bao đứng tên mình (nếu có).",
    "Giấy mời này.",
)
WHY = (
    "để được hỗ trợ đăng ký, kích hoạt tài khoản định danh điện tử (VNeID) mức 1 và mức 2, "
    "miễn phí."
)


def _time_range(row: Appointed) -> str:
    return f"{row.start:%H:%M}–{row.end:%H:%M}"


def schedule_document(session: Session, day: date, stop_code: str | None = None) -> Document:
    """The day's appointments as a document: a section a stop, a line a person (by time)."""
    rows = day_schedule(session, day, stop_code=stop_code)
    by_stop: dict[str, list[Appointed]] = {}
    for row in rows:
        by_stop.setdefault(row.stop_code, []).append(row)
    sections = []
    for code, people in by_stop.items():
        first = people[0]
        place = f"{first.stop_name} ({code})"
        facts = Facts(
            (
                ("Địa điểm", first.stop_address or first.stop_name),
                ("Số người hẹn", str(len(people))),
            )
        )
        table = Table(
            ("Giờ", "Họ và tên", "Khóm/ấp", "Số định danh", "Tình trạng", "Đã đến"),
            tuple(
                (
                    _time_range(r),
                    r.full_name,
                    r.hamlet,
                    mask_id_number(r.id_number) if r.id_number else "(chưa có)",
                    r.status_label,
                    "☐",
                )
                for r in people
            ),
        )
        sections.append(Section(place, (facts, table)))
    if not sections:
        sections.append(
            Section(
                "Không có lịch hẹn",
                (Paragraph("Ngày này chưa có ai được hẹn ở điểm đã chọn.", muted=True),),
            )
        )
    return Document(
        title=f"Danh sách hẹn ngày {format_date(day)}",
        subtitle=(
            f"{len(rows)} người hẹn; số định danh đã che bớt. Đánh dấu cột «Đã đến» khi người "
            "dân có mặt; quét thẻ ở bàn thu nhận để ghi nhận vào phần mềm."
        ),
        sections=tuple(sections),
        foot=f"Danh sách hẹn ngày {format_date(day)}",
    )


@dataclass(frozen=True)
class Invitation:
    full_name: str
    hamlet: str
    masked_id: str
    place: str
    address: str
    day: date
    hours: str
    activation_url: str
    activation_caption: str
    hotline_label: str
    hotline: str


def _guide(session: Session) -> GuideContent:
    guide = load_guide(session, None)
    if link_problem("", guide.activation_url, allowed_qr_domains(session)):
        guide = replace(guide, activation_url=default_guide().activation_url)
    return guide


def invitations(session: Session, day: date, stop_code: str | None = None) -> list[Invitation]:
    guide = _guide(session)
    return [
        Invitation(
            full_name=row.full_name,
            hamlet=row.hamlet,
            masked_id=mask_id_number(row.id_number) if row.id_number else "",
            place=row.stop_name,
            address=row.stop_address or "",
            day=row.day,
            hours=_time_range(row),
            activation_url=guide.activation_url,
            activation_caption=guide.activation_caption,
            hotline_label=guide.hotline_label,
            hotline=guide.hotline,
        )
        for row in day_schedule(session, day, stop_code=stop_code)
    ]


def invitation_sheet(invitation: Invitation) -> Sheet:
    width, height = A6
    return Sheet(
        "Giấy mời A6",
        width,
        height,
        lambda painter, target: _paint_invitation(painter, target, invitation),
    )


def invitation_sheets(session: Session, day: date, stop_code: str | None = None) -> list[Sheet]:
    return [invitation_sheet(i) for i in invitations(session, day, stop_code)]


def write_invitations_pdf(sheets: Sequence[Sheet], path: Path) -> Path:
    """One A6 page per invitation, in one PDF; the file appears whole or not at all."""
    return write_pages_pdf(sheets, path)


def _paint_invitation(painter: QPainter, target: QRectF, invitation: Invitation) -> None:
    width, height = A6
    c = Canvas(painter, target, width, height)
    centre = Qt.AlignmentFlag.AlignHCenter
    inner = width - 2 * MARGIN
    y = MARGIN
    y += c.text(MARGIN, y, inner, "GIẤY MỜI", 15, bold=True, align=centre)
    y += c.text(MARGIN, y, inner, "Đăng ký, kích hoạt tài khoản định danh điện tử", 9, align=centre)
    y += 2
    c.line(MARGIN, y, width - MARGIN, y, "#000000", 0.35)
    y += 3
    addressee = f"Kính gửi: Ông/Bà {invitation.full_name}"
    y += c.text(MARGIN, y, inner, addressee, 10.5, bold=True)
    who = f"Khóm/ấp: {invitation.hamlet}"
    if invitation.masked_id:
        who += f" – Số định danh: {invitation.masked_id}"
    y += c.text(MARGIN, y, inner, who, 8.5, color="#333333") + 2
    y += c.text(MARGIN, y, inner, f"Mời Ông/Bà đến {invitation.place} {WHY}", 9.5) + 1.5
    label_w = 20.0
    for label, value in (
        ("Thời gian", f"{invitation.hours} ngày {format_date(invitation.day)}"),
        ("Địa điểm", invitation.address or invitation.place),
    ):
        c.text(MARGIN, y + 0.3, label_w, label + ":", 9, color="#333333")
        y += max(c.text(MARGIN + label_w, y, inner - label_w, value, 9.5, bold=True), 4.4) + 0.8
    y += 1
    box_lines = "\n".join(f"• {line}" for line in BRING)
    heading_h = c.measure(inner - 5, "MANG THEO", 9, bold=True)
    box_h = heading_h + c.measure(inner - 5, box_lines, 9) + 5
    c.frame(MARGIN, y, inner, box_h, "#000000", 0.5, radius=1.5)
    c.text(MARGIN + 2.5, y + 2, inner - 5, "MANG THEO", 9, bold=True)
    c.text(MARGIN + 2.5, y + 2.5 + heading_h, inner - 5, box_lines, 9)
    y += box_h + 3
    qr_side = 28.0
    c.qr(MARGIN - 1, y, qr_side, invitation.activation_url)
    caption = (
        f"{invitation.activation_caption}: "
        f"{display_url(invitation.activation_url) or invitation.activation_url}"
    )
    text_x = MARGIN + qr_side + 2
    caption_h = c.text(text_x, y + 4, inner - qr_side - 2, caption, 8.5, bold=True)
    hotline = f"{invitation.hotline_label}: {invitation.hotline}"
    c.text(text_x, y + 6 + caption_h, inner - qr_side - 2, hotline, 8.5)


# -- the reminder's template, kept with the campaign ------------------------------------------

TEMPLATE_SETTING = "outreach_sms_template"


def saved_template(session: Session) -> str:
    """The SMS template the managers last saved for this campaign, or the default one."""
    stored = session.get(Setting, TEMPLATE_SETTING)
    return str(json.loads(stored.value)) if stored is not None else DEFAULT_TEMPLATE


def save_template(session: Session, actor: Actor, template: str) -> str:
    """Check and keep the template (the caller commits); the cleaned text kept."""
    require(actor, Action.OUTREACH_MANAGE)
    cleaned = check_template(template)
    stored = session.get(Setting, TEMPLATE_SETTING)
    if stored is None:
        session.add(Setting(key=TEMPLATE_SETTING, value=json.dumps(cleaned)))
    else:
        stored.value = json.dumps(cleaned)
    session.flush()
    return cleaned
