"""Invitation slips (giấy mời) for a day's appointments: eight to an A4 sheet, to cut.

Each slip names the person, the place (stop and address), the time, what to bring and the
QR of vneid.gov.vn, the same link the guide sheets print. The teams hand them out in the
hamlets the day before. Painted with QtGui (never widgets), like the citizen slip.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter
from sqlalchemy.orm import Session

from models.codes import OutreachStatus
from services.common.errors import ValidationError
from services.common.vntime import format_date
from services.documents.guides import default_guide
from services.documents.sheets import Canvas, Sheet, write_pdf_pages
from services.outreach.schedule import Appointed, day_schedule
from services.privacy.purge import ERASED
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor

PER_PAGE = 8
COLUMNS, ROWS = 2, 4
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 8.0
BLUE, RED = "#0b3c8c", "#b3261e"
BRING = "Mang theo: thẻ căn cước (hoặc CCCD gắn chip) và điện thoại thông minh có số điện thoại chính chủ."


def invitation_sheets(invited: Sequence[Appointed]) -> list[Sheet]:
    """The slips, `PER_PAGE` to a page, in the order given (stop, time, name)."""
    url = default_guide().activation_url
    pages = [list(invited[i : i + PER_PAGE]) for i in range(0, len(invited), PER_PAGE)]
    return [
        Sheet(
            f"Giấy mời {index + 1}/{len(pages)}",
            PAGE_W,
            PAGE_H,
            partial(_paint_page, page=page, url=url),
        )
        for index, page in enumerate(pages)
    ]


def _paint_page(painter: QPainter, target: QRectF, *, page: list[Appointed], url: str) -> None:
    c = Canvas(painter, target, PAGE_W, PAGE_H)
    card_w = (PAGE_W - 2 * MARGIN) / COLUMNS
    card_h = (PAGE_H - 2 * MARGIN) / ROWS
    for index, person in enumerate(page):
        row, column = divmod(index, COLUMNS)
        _paint_slip(c, MARGIN + column * card_w, MARGIN + row * card_h, card_w, card_h, person, url)
    for column in range(COLUMNS + 1):
        x = MARGIN + column * card_w
        c.line(x, MARGIN - 4, x, PAGE_H - MARGIN + 4, "#9a9a9a", 0.2, dashed=True)
    for row in range(ROWS + 1):
        y = MARGIN + row * card_h
        c.line(MARGIN - 4, y, PAGE_W - MARGIN + 4, y, "#9a9a9a", 0.2, dashed=True)


def _paint_slip(
    c: Canvas, x: float, y: float, w: float, h: float, person: Appointed, url: str
) -> None:
    centre = Qt.AlignmentFlag.AlignHCenter
    pad = 5.0
    inner = w - 2 * pad
    qr_side = 24.0
    top = y + pad
    c.fill(x + pad, top, inner, 1.2, RED, radius=0.6)
    top += 2.5
    top += c.text(x + pad, top, inner, "GIẤY MỜI", 14, bold=True, color=BLUE, align=centre)
    top += c.text(
        x + pad,
        top,
        inner,
        "Kích hoạt tài khoản định danh điện tử (VNeID)",
        8.5,
        bold=True,
        align=centre,
    )
    top += 1.5
    text_w = inner - qr_side - 3
    lines = [
        (f"Kính mời: {person.full_name}", True),
        (f"Khóm/ấp: {person.hamlet}", False),
        (f"Đến: {person.stop_name}", True),
        *([(person.stop_address, False)] if person.stop_address else []),
        (f"Lúc {person.start:%H:%M} – {person.end:%H:%M}, ngày {format_date(person.day)}", True),
        (BRING, False),
    ]
    space = y + h - pad - top
    size = c.fit_size(text_w, space, [text for text, _ in lines], 9.5, min_pt=6, gap=0.6)
    ty = top
    for text, bold in lines:
        ty += c.text(x + pad, ty, text_w, text, size, bold=bold) + 0.6
    qx = x + w - pad - qr_side
    c.qr(qx, top, qr_side, url)
    c.text(qx - 2, top + qr_side + 0.5, qr_side + 4, "vneid.gov.vn", 7, bold=True, align=centre)


def write_invitations(
    session: Session, actor: Actor, day: date, out: Path, stop_code: str | None = None
) -> int:
    """The invitation slips of `day` (one stop, or all) as a PDF at `out`; how many people.
    Needs a QGuiApplication (the font). Audited: names leave the application on paper."""
    require(actor, Action.OUTREACH)
    # Only people still «Đã hẹn» are invited: the slot keeps the booking of one who came
    # already or refused since (a package brings such events; appointments stay local),
    # and of one erased on request, invited under «(đã xóa)» otherwise.
    invited = [
        r
        for r in day_schedule(session, day, stop_code=stop_code)
        if r.status == OutreachStatus.APPOINTED and r.full_name != ERASED
    ]
    if not invited:
        raise ValidationError(
            f"Không có ai được hẹn ngày {format_date(day)}"
            + (f" tại điểm hẹn {stop_code}" if stop_code else "")
            + ": không có giấy mời nào để in."
        )
    write_pdf_pages(invitation_sheets(invited), out)
    write_audit(
        session,
        actor,
        AuditAction.OUTREACH_EXPORT,
        f"In {len(invited)} giấy mời ngày {format_date(day)}",
        {"file": out.name, "day": day.isoformat(), "people": len(invited), "stop": stop_code},
    )
    return len(invited)
