"""The citizen slip: what was done today and what to do next, printed when a case is saved.

On an 80 mm receipt roll or an A6 sheet (`LocalSettings.slip_format`). Only the citizen's name
and the ID number masked to its first and last three digits: no birth date, phone or address.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import Status
from models.entities import Case, IntakePoint
from services.cases.fold import fold_case
from services.cases.recording import fold_event
from services.common.errors import NotFoundError, ValidationError
from services.common.labels import FAILURE_LABELS, LEVEL_LABELS, STATUS_LABELS
from services.common.resources import load_json
from services.common.vntime import format_date, local_day
from services.documents.guides import GuideContent, default_guide, display_url, load_guide
from services.documents.qr_links import allowed_qr_domains, link_problem
from services.documents.sheets import Canvas, Sheet
from services.person.id_number import mask_id_number, normalise_id_number

SLIP_FORMATS = ("a6", "80mm")
SLIP_FORMAT_LABELS = {"a6": "Khổ A6 (105 × 148 mm)", "80mm": "Giấy in hóa đơn 80 mm"}
A6 = (105.0, 148.0)
ROLL_WIDTH = 80.0
ROLL_MARGIN = 4.0  # receipt printers print about 72 mm of the 80


@dataclass(frozen=True)
class SlipContent:
    title: str
    full_name: str
    masked_id: str
    level_label: str
    status_label: str
    day: date
    done: str
    next_step: str
    failure_label: str | None
    activation_url: str
    activation_caption: str
    point_name: str
    point_address: str
    hours: str
    hotline_label: str
    hotline: str
    privacy_note: str


def _texts() -> dict[str, object]:
    data: dict[str, object] = load_json("guides", "slip.json")
    return data


def next_step_text(
    level: int, status: Status, failure_reason: str | None, guide: GuideContent
) -> str:
    """What the citizen should do next, for this level and status (and reason, if failed)."""
    texts = _texts()
    next_steps = texts["next"]
    failed_next = texts["failed_next"]
    assert isinstance(next_steps, dict) and isinstance(failed_next, dict)
    if status is Status.FAILED and failure_reason in failed_next:
        template = str(failed_next[failure_reason])
    else:
        template = str(next_steps.get(f"{level}.{status.value}") or next_steps[status.value])
    return template.format(
        hotline=guide.hotline, activation=display_url(guide.activation_url) or guide.activation_url
    )


def done_text(level: int, status: Status) -> str:
    done = _texts()["done"]
    assert isinstance(done, dict)
    return str(done[f"{level}.{status.value}"])


def _reached(case: Case) -> date:
    """The day the case reached its status: its activation (where a correction moved it),
    else the report or correction that set the status. A later report kept only as a record
    (rule 2) changes neither; a late report that did move the case keeps its own day."""
    if case.activated_at is not None and case.status == Status.ACTIVATED:
        return local_day(case.activated_at)
    try:
        folded = fold_case(case.level, [fold_event(event) for event in case.history])
    except ValueError:  # no status report at all: nothing better than the last change
        return local_day(case.updated_at)
    return local_day(folded.status_event.at)


def slip_from_case(session: Session, case: Case) -> SlipContent:
    point = session.get(IntakePoint, case.intake_point_id)
    guide = load_guide(session, point.code if point else None)
    if link_problem("", guide.activation_url, allowed_qr_domains(session)):
        # A link stored off the allow-list never reaches a slip: the official one instead.
        guide = replace(guide, activation_url=default_guide().activation_url)
    status = Status(case.status)
    texts = _texts()
    return SlipContent(
        title=str(texts["title"]),
        full_name=case.full_name,
        masked_id=mask_id_number(case.id_number),
        level_label=LEVEL_LABELS[case.level],
        status_label=STATUS_LABELS[status],
        day=_reached(case),
        done=done_text(case.level, status),
        next_step=next_step_text(case.level, status, case.failure_reason, guide),
        failure_label=FAILURE_LABELS.get(case.failure_reason or "")
        if status is Status.FAILED
        else None,
        activation_url=guide.activation_url,
        activation_caption=guide.activation_caption,
        point_name=guide.point_name,
        point_address=guide.point_address,
        hours=guide.hours,
        hotline_label=guide.hotline_label,
        hotline=guide.hotline,
        privacy_note=str(texts["masked_note"]),
    )


def slip_for_case(session: Session, case_id: int) -> SlipContent:
    """The slip of a saved case (what the desk prints after saving)."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError(
            "Không tìm thấy hồ sơ để in phiếu (có thể đã bị xóa). Làm mới danh sách rồi thử lại."
        )
    return slip_from_case(session, case)


def slip_for_id_number(session: Session, id_number: str, level: int) -> SlipContent:
    number = normalise_id_number(id_number)
    if level not in (1, 2):
        raise ValidationError(f"Mức «{level}» không hợp lệ: ghi 1 hoặc 2.", "level")
    case = session.scalars(
        select(Case).where(Case.id_number == number, Case.level == level)
    ).first()
    if case is None:
        raise NotFoundError(
            f"Chưa có hồ sơ mức {level} của số định danh {mask_id_number(number)}: "
            "kiểm tra lại số và mức, hoặc ghi nhận hồ sơ trước khi in phiếu."
        )
    return slip_from_case(session, case)


def parse_slip_format(text: str) -> str:
    value = text.strip().lower()
    if value not in SLIP_FORMATS:
        raise ValidationError(f"Khổ phiếu «{text}» không có: chọn a6 hoặc 80mm.", "slip_format")
    return value


# ---------------------------------------------------------------------------- painting


def slip_sheet(slip: SlipContent, slip_format: str) -> Sheet:
    slip_format = parse_slip_format(slip_format)
    if slip_format == "a6":
        width, height = A6
        return Sheet(
            "Phiếu hướng dẫn công dân A6",
            width,
            height,
            lambda painter, target: _paint_slip(painter, target, slip, width, height, 8.0),
        )
    height = roll_length(slip)
    return Sheet(
        "Phiếu hướng dẫn công dân 80 mm",
        ROLL_WIDTH,
        height,
        lambda painter, target: _paint_slip(painter, target, slip, ROLL_WIDTH, height, ROLL_MARGIN),
    )


def roll_length(slip: SlipContent) -> float:
    """The length of paper the slip takes on an 80 mm roll, in mm."""
    probe = QImage(320, 320, QImage.Format.Format_RGB32)
    painter = QPainter(probe)
    try:
        # Measured at 4 px/mm on a 80 x 80 mm canvas: text height does not depend on the page.
        used = _paint_slip(
            painter,
            QRectF(0, 0, 320, 320),
            slip,
            ROLL_WIDTH,
            ROLL_WIDTH,
            ROLL_MARGIN,
            measure_only=True,
        )
    finally:
        painter.end()
    return round(used + ROLL_MARGIN + 2, 1)


def _paint_slip(
    painter: QPainter,
    target: QRectF,
    slip: SlipContent,
    width: float,
    height: float,
    margin: float,
    *,
    measure_only: bool = False,
) -> float:
    """Paints the slip top-down; returns the height used (for the receipt roll's length)."""
    c = Canvas(painter, target, width, height, measure_only=measure_only)
    centre = Qt.AlignmentFlag.AlignHCenter
    inner = width - 2 * margin
    y = margin
    y += c.text(margin, y, inner, slip.title.upper(), 12, bold=True, align=centre)
    y += c.text(margin, y, inner, "Tài khoản định danh điện tử VNeID", 8.5, align=centre)
    y += 1.5
    c.line(margin, y, width - margin, y, "#000000", 0.35)
    y += 2
    y = _paint_result(c, slip, margin, inner, y)
    y = _paint_next_step(c, slip, margin, inner, y)
    y = _paint_activation(c, slip, margin, inner, y)
    c.line(margin, y, width - margin, y, "#000000", 0.2, dashed=True)
    y += 1.5
    if slip.point_name:
        y += c.text(margin, y, inner, slip.point_name, 9, bold=True)
    if slip.point_address:
        y += c.text(margin, y, inner, slip.point_address, 8)
    y += c.text(margin, y, inner, slip.hours, 8)
    y += 1
    y += c.text(margin, y, inner, slip.privacy_note, 6.5, color="#444444")
    return y


def _paint_result(c: Canvas, slip: SlipContent, margin: float, inner: float, y: float) -> float:
    """Who, which level, which day, what came of it; returns the next free y."""
    label_w = 22.0
    rows = [
        ("Họ và tên", slip.full_name, True),
        ("Số định danh", slip.masked_id, True),
        ("Mức", slip.level_label, False),
        ("Ngày", format_date(slip.day), False),
        ("Kết quả", slip.status_label, True),
    ]
    if slip.failure_label:
        rows.append(("Lý do", slip.failure_label, False))
    for label, value, bold in rows:
        c.text(margin, y + 0.3, label_w, label + ":", 8.5, color="#333333")
        y += max(c.text(margin + label_w, y, inner - label_w, value, 9.5, bold=bold), 4.2) + 0.6
    y += 0.8
    y += c.text(margin, y, inner, slip.done, 8.5) + 2
    return y


def _paint_next_step(c: Canvas, slip: SlipContent, margin: float, inner: float, y: float) -> float:
    """The next step, in a box: the part the citizen must not miss."""
    heading = "BƯỚC TIẾP THEO"
    box_text_h = c.measure(inner - 5, slip.next_step, 9.5)
    heading_h = c.measure(inner - 5, heading, 9.5, bold=True)
    box_h = heading_h + box_text_h + 5
    c.frame(margin, y, inner, box_h, "#000000", 0.5, radius=1.5)
    c.text(margin + 2.5, y + 2, inner - 5, heading, 9.5, bold=True)
    c.text(margin + 2.5, y + 2.5 + heading_h, inner - 5, slip.next_step, 9.5)
    y += box_h + 3
    return y


def _paint_activation(c: Canvas, slip: SlipContent, margin: float, inner: float, y: float) -> float:
    """The activation link as a QR code, its caption and the hotline beside it."""
    qr_side = min(30.0, inner * 0.45)
    caption = (
        f"{slip.activation_caption}: {display_url(slip.activation_url) or slip.activation_url}"
    )
    text_x = margin + qr_side + 2
    text_w = inner - qr_side - 2
    c.qr(margin - 1, y, qr_side, slip.activation_url)
    caption_h = c.text(text_x, y + 4, text_w, caption, 9, bold=True)
    hotline = f"{slip.hotline_label}: {slip.hotline}"
    c.text(text_x, y + 6 + caption_h, text_w, hotline, 9)
    y += qr_side + 1.5
    return y
