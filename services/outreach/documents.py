"""What the teams print for a day of appointments besides the invitations
(`services.outreach.slips`): the schedule, an A4 document per day, stop by stop, hour by
hour, which the team ticks off as people come (ID numbers masked to their first and last
three digits, no birth date, no phone); and the SMS template the managers keep with the
campaign.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.orm import Session

from models.entities import Setting
from services.common.stored_settings import store_setting
from services.common.vntime import format_date
from services.documents.pages import Document, Facts, Paragraph, Section, Table
from services.outreach.schedule import DEFAULT_TEMPLATE, Appointed, check_template, day_schedule
from services.person.id_number import mask_id_number
from services.security.permissions import Action, require
from services.security.session_context import Actor


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
    store_setting(session, TEMPLATE_SETTING, json.dumps(cleaned))
    return cleaned
