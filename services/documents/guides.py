"""Guide sheets for the places people gather: an A4 poster, an A5 handout, A4 cards to cut.

Texts and links come from `resources/guides/default.json`; each intake point may change any
of them, saved in the database's `settings` table as `guide.<point code>` (only the fields
that differ from the defaults, so a better default reaches every point that kept it).

An operator edits their own point's guide; another point's needs a manager. Every edit is
logged in the audit log (the point and the fields changed). QR links must be https links
to an allowed domain (`services/documents/qr_links.py`): checked on save, and again before printing,
so a link stored before the rule (or since taken off the list) is never printed.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter
from sqlalchemy.orm import Session

from models.entities import IntakePoint, Setting, Unit
from services.campaigns.directory import find_point_by_code
from services.common.errors import NotFoundError, ValidationError
from services.common.resources import load_json
from services.common.text import clean, clean_text, quote_value
from services.documents.qr_links import allowed_qr_domains, link_problem
from services.documents.sheets import Canvas, Sheet
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor

SETTING_PREFIX = "guide."

INK = "#1a1a1a"
BLUE = "#0d3b82"
RED = "#c62828"
GREY = "#555555"
PALE = "#eef3fb"


class GuideLayout(StrEnum):
    A4 = "a4"
    A5 = "a5"
    CARDS = "cards"


LAYOUT_LABELS: dict[GuideLayout, str] = {
    GuideLayout.A4: "Áp phích A4",
    GuideLayout.A5: "Tờ hướng dẫn A5",
    GuideLayout.CARDS: "Thẻ cắt rời (8 thẻ trên khổ A4)",
}

CARDS_PER_ROW = 2
FOOTER_H = 38.0  # mm: the point block at the foot of the poster
STEP_INDENT = 9.0  # mm: room for the step number
CENTRE = Qt.AlignmentFlag.AlignHCenter
CARD_ROWS = 4


@dataclass(frozen=True)
class GuideContent:
    """Every text and link on a guide sheet."""

    title: str
    subtitle: str
    card_title: str
    activation_url: str
    activation_caption: str
    docs_url: str
    docs_caption: str
    play_url: str
    play_caption: str
    appstore_url: str
    appstore_caption: str
    qr_hint: str
    level1_title: str
    level1_steps: tuple[str, ...]
    activation_title: str
    activation_steps: tuple[str, ...]
    bring_note: str
    point_label: str
    point_name: str
    point_address: str
    hours: str
    hotline_label: str
    hotline: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GuideContent:
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = data.get(f.name, "")
            if f.name.endswith("_steps"):
                if isinstance(value, str):
                    value = value.splitlines()
                values[f.name] = tuple(clean(str(s)) for s in value if clean(str(s)))
            else:
                values[f.name] = clean(str(value))
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, tuple):
                data[key] = list(value)
        return data

    def links(self) -> list[tuple[str, str]]:
        """(caption, URL) of each QR code, in the order printed."""
        return [
            (self.activation_caption, self.activation_url),
            (self.play_caption, self.play_url),
            (self.appstore_caption, self.appstore_url),
            (self.docs_caption, self.docs_url),
        ]


FIELD_LABELS: dict[str, str] = {
    "title": "Tiêu đề",
    "subtitle": "Lời kêu gọi",
    "card_title": "Tiêu đề trên thẻ",
    "activation_url": "Liên kết kích hoạt",
    "activation_caption": "Chú thích mã QR kích hoạt",
    "docs_url": "Liên kết tài liệu hướng dẫn",
    "docs_caption": "Chú thích mã QR tài liệu",
    "play_url": "Liên kết Google Play",
    "play_caption": "Chú thích mã QR Google Play",
    "appstore_url": "Liên kết App Store",
    "appstore_caption": "Chú thích mã QR App Store",
    "qr_hint": "Dòng nhắc quét mã QR",
    "level1_title": "Tiêu đề các bước đăng ký mức 1",
    "level1_steps": "Các bước đăng ký mức 1",
    "activation_title": "Tiêu đề các bước kích hoạt",
    "activation_steps": "Các bước kích hoạt",
    "bring_note": "Lời dặn mang theo giấy tờ",
    "point_label": "Nhãn điểm thu nhận",
    "point_name": "Tên điểm thu nhận",
    "point_address": "Địa chỉ",
    "hours": "Giờ làm việc",
    "hotline_label": "Nhãn tổng đài",
    "hotline": "Số tổng đài hỗ trợ",
}

URL_FIELDS = ("activation_url", "docs_url", "play_url", "appstore_url")
# May be left empty: a sheet printed for no point in particular has a line to write it in.
OPTIONAL_FIELDS = ("point_name", "point_address")
MAX_STEPS = 8
MAX_TEXT = 300


def default_guide() -> GuideContent:
    data = {k: v for k, v in load_json("guides", "default.json").items() if not k.startswith("_")}
    return GuideContent.from_dict(data)


def guide_problems(
    content: GuideContent, domains: tuple[str, ...] | None = None
) -> list[ValidationError]:
    """Every rule the content breaks, each with its field and a Vietnamese message.

    With `domains` (the allow-list, `allowed_qr_domains`), each QR link must be an https
    link to one of them; without, only its form is checked (reading what is stored)."""
    problems: list[ValidationError] = []
    for f in fields(GuideContent):
        value = getattr(content, f.name)
        label = FIELD_LABELS[f.name]
        try:  # hidden and control characters; lengths are checked below, per field
            for text in value if isinstance(value, tuple) else (value,):
                clean_text(text, label, sys.maxsize, field=f.name)
        except ValidationError as error:
            problems.append(error)
            continue
        if f.name in URL_FIELDS and domains is not None:
            message = link_problem(label, value, domains)
            if message is not None:
                problems.append(ValidationError(message, f.name))
        elif f.name in URL_FIELDS:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
                problems.append(
                    ValidationError(
                        f"{label} {quote_value(value)} không hợp lệ: phải là địa chỉ web bắt "
                        "đầu bằng "
                        "https:// (hoặc http://), ví dụ https://vneid.gov.vn.",
                        f.name,
                    )
                )
        elif f.name.endswith("_steps"):
            if not value:
                problems.append(ValidationError(f"{label}: cần ít nhất một bước.", f.name))
            elif len(value) > MAX_STEPS:
                problems.append(
                    ValidationError(
                        f"{label}: tối đa {MAX_STEPS} bước (đang có {len(value)}); gộp bớt "
                        "cho vừa tờ giấy.",
                        f.name,
                    )
                )
            elif any(len(step) > MAX_TEXT for step in value):
                problems.append(
                    ValidationError(f"{label}: mỗi bước tối đa {MAX_TEXT} ký tự.", f.name)
                )
        elif not value and f.name not in OPTIONAL_FIELDS:
            problems.append(ValidationError(f"{label} không được để trống.", f.name))
        elif len(value) > MAX_TEXT:
            problems.append(
                ValidationError(f"{label}: tối đa {MAX_TEXT} ký tự (đang có {len(value)}).", f.name)
            )
    return problems


def check_guide(content: GuideContent, domains: tuple[str, ...] | None = None) -> GuideContent:
    problems = guide_problems(content, domains)
    if problems:
        raise ValidationError(" ".join(p.message for p in problems), problems[0].field)
    return content


def _point(session: Session, point_code: str) -> IntakePoint:
    point = find_point_by_code(session, point_code)
    if point is None:
        raise NotFoundError(
            f"Không có điểm thu nhận mã {quote_value(point_code)}. Xem danh sách điểm trong cửa sổ "
            "ứng dụng hoặc trong báo cáo theo điểm (tally --by point)."
        )
    return point


def _point_address(session: Session, point: IntakePoint) -> str:
    if point.address:
        return point.address
    names = []
    unit = session.get(Unit, point.commune_id)
    while unit is not None and unit.parent_id is not None:
        names.append(unit.name)
        unit = session.get(Unit, unit.parent_id)
    return ", ".join(names)


def point_defaults(session: Session, point_code: str | None) -> GuideContent:
    """The defaults, with the point's own name and address when a point is named."""
    content = default_guide()
    if point_code is None:
        return content
    point = _point(session, point_code)
    return replace(content, point_name=point.name, point_address=_point_address(session, point))


def load_guide(session: Session, point_code: str | None) -> GuideContent:
    """The point's guide texts: its saved changes over the defaults."""
    base = point_defaults(session, point_code)
    if point_code is None:
        return base
    setting = session.get(Setting, SETTING_PREFIX + point_code)
    if setting is None:
        return base
    try:
        saved = json.loads(setting.value)
    except ValueError:
        return base  # an unreadable override is ignored, never fatal for printing
    if not isinstance(saved, dict):
        return base
    data = base.as_dict()
    data.update({k: v for k, v in saved.items() if k in data})
    content = GuideContent.from_dict(data)
    return content if not guide_problems(content) else base


def printable_guide(session: Session, content: GuideContent) -> GuideContent:
    """The content when every QR link is on the allow-list; else a Vietnamese error."""
    return check_guide(content, allowed_qr_domains(session))


def require_guide_edit(session: Session, actor: Actor, point_code: str) -> IntakePoint:
    """The point, when `actor` may edit its guide: their own point, or a manager's right."""
    require(actor, Action.PRINT)
    point = _point(session, point_code)
    if actor.point_id != point.id:
        require(actor, Action.OTHER_POINTS_GUIDES)
    return point


def _audit_edit(
    session: Session,
    actor: Actor,
    point_code: str,
    before: GuideContent,
    after: GuideContent,
    summary: str,
) -> None:
    changed = [
        f.name for f in fields(GuideContent) if getattr(before, f.name) != getattr(after, f.name)
    ]
    if not changed:
        return
    words = ", ".join(FIELD_LABELS[name].lower() for name in changed)
    write_audit(
        session,
        actor,
        AuditAction.GUIDE_EDIT,
        f"{summary} của điểm {point_code}: {words}",
        {"point": point_code, "fields": changed},
    )


def save_guide(session: Session, actor: Actor, point_code: str, content: GuideContent) -> None:
    """Check the right and the content, store the point's changes, log them (the caller
    commits)."""
    require_guide_edit(session, actor, point_code)
    check_guide(content, allowed_qr_domains(session))
    before = load_guide(session, point_code)
    _store(session, point_code, content)
    _audit_edit(session, actor, point_code, before, content, "Sửa tờ hướng dẫn")


def _store(session: Session, point_code: str, content: GuideContent) -> None:
    base = point_defaults(session, point_code).as_dict()
    changed = {k: v for k, v in content.as_dict().items() if base[k] != v}
    key = SETTING_PREFIX + point_code
    setting = session.get(Setting, key)
    if not changed:
        if setting is not None:
            session.delete(setting)
        session.flush()
        return
    value = json.dumps(changed, ensure_ascii=False, sort_keys=True)
    if setting is None:
        session.add(Setting(key=key, value=value))
    else:
        setting.value = value
    session.flush()


def reset_guide(session: Session, actor: Actor, point_code: str) -> GuideContent:
    """Forget the point's changes (logged); returns the defaults it now uses (the caller
    commits)."""
    require_guide_edit(session, actor, point_code)
    before = load_guide(session, point_code)
    setting = session.get(Setting, SETTING_PREFIX + point_code)
    if setting is not None:
        session.delete(setting)
        session.flush()
    after = point_defaults(session, point_code)
    _audit_edit(session, actor, point_code, before, after, "Khôi phục nội dung mặc định")
    return after


def parse_layout(text: str) -> GuideLayout:
    try:
        return GuideLayout(text.strip().lower())
    except ValueError:
        allowed = ", ".join(layout.value for layout in GuideLayout)
        raise ValidationError(
            f"Khổ {quote_value(text)} không có: chọn một trong {allowed}.", "layout"
        ) from None


def display_url(url: str) -> str:
    """The address as people type it: no scheme, no trailing slash; '' when too long to help."""
    parts = urlsplit(url)
    shown = (parts.netloc + parts.path).rstrip("/")
    if parts.query or len(shown) > 34:
        return ""
    return shown.removeprefix("www.")


# ---------------------------------------------------------------------------- painting


def guide_sheet(content: GuideContent, layout: GuideLayout) -> Sheet:
    if layout is GuideLayout.CARDS:
        return Sheet(
            "Thẻ hướng dẫn VNeID",
            210,
            297,
            lambda painter, target: _paint_cards(painter, target, content),
        )
    if layout is GuideLayout.A5:
        return Sheet(
            "Tờ hướng dẫn VNeID A5",
            148,
            210,
            lambda painter, target: _paint_poster(painter, target, content, 148, 210),
        )
    return Sheet(
        "Áp phích hướng dẫn VNeID A4",
        210,
        297,
        lambda painter, target: _paint_poster(painter, target, content, 210, 297),
    )


def _paint_poster(
    painter: QPainter, target: QRectF, content: GuideContent, width: float, height: float
) -> None:
    """The poster, designed on A4; the A5 handout is the same page at A5 size.

    From the top: the title and call to action, the four QR codes, the two step lists side
    by side, what to bring, the point's block."""
    del width, height  # the design is A4: the canvas scales it to the page it is given
    c = Canvas(painter, target, 210, 297)
    margin = 14.0
    inner = 210 - 2 * margin
    y = _paint_poster_title(c, content, margin, inner)
    y = _paint_qr_row(c, content, margin, inner, y)
    footer_top = 297 - 14 - FOOTER_H
    note_h = c.measure(inner - 8, content.bring_note, 11, bold=True) + 5
    _paint_step_columns(c, content, margin, inner, y, footer_top - note_h - 5)
    note_y = footer_top - note_h - 2
    c.fill(margin, note_y, inner, note_h, "#fdecea", radius=2.5)
    c.text(
        margin + 4,
        note_y + 2.5,
        inner - 8,
        content.bring_note,
        11,
        bold=True,
        color=RED,
        align=CENTRE,
    )
    _paint_point_block(c, margin, footer_top, inner, FOOTER_H, content)


def _paint_poster_title(c: Canvas, content: GuideContent, margin: float, inner: float) -> float:
    """The red rule, the title and the subtitle; return where the next part starts."""
    c.fill(margin, 10, inner, 3, RED, radius=1.5)
    y = 17.0
    title_size = c.fit_line(inner, content.title, 26, min_pt=20, bold=True)
    y += c.fitted_text(
        margin,
        y,
        inner,
        26,
        content.title,
        title_size,
        min_pt=14,
        bold=True,
        color=BLUE,
        align=CENTRE,
    )
    y += 2
    y += c.fitted_text(
        margin + 6, y, inner - 12, 14, content.subtitle, 13, min_pt=8, color=INK, align=CENTRE
    )
    return y + 6


def _paint_qr_row(c: Canvas, content: GuideContent, margin: float, inner: float, y: float) -> float:
    """Four QR codes in a row, each with its caption and the address to type, then the hint."""
    gap = 3.0
    cell = (inner - 3 * gap) / 4
    qr_top = y
    links = content.links()
    caption_size = c.fit_each(
        cell - 3, 11, [caption for caption, _ in links], 11.5, min_pt=7, bold=True
    )
    caption_h = max(c.measure(cell - 3, caption, caption_size, bold=True) for caption, _ in links)
    shown = [display_url(url) for _, url in links]
    url_size = min([c.fit_line(cell - 3, s, 9.5, min_pt=6) for s in shown if s] or [9.5])
    frame_h = cell + caption_h + (c.measure(cell, "x", url_size) if any(shown) else 0) + 2
    for index, (caption, url) in enumerate(links):
        x = margin + index * (cell + gap)
        c.frame(x, qr_top, cell, frame_h, "#b9c8e3", width_mm=0.35, radius=3)
        c.qr(x + 0.5, qr_top + 0.5, cell - 1, url)
        text_y = qr_top + cell - 1.5
        text_y += c.text(
            x + 1.5, text_y, cell - 3, caption, caption_size, bold=True, color=BLUE, align=CENTRE
        )
        c.text(x + 1.5, text_y, cell - 3, shown[index], url_size, color=GREY, align=CENTRE)
    y = qr_top + frame_h + 2
    y += c.fitted_text(
        margin, y, inner, 8, content.qr_hint, 10.5, min_pt=7, color=GREY, align=CENTRE
    )
    return y + 6


def _paint_step_columns(
    c: Canvas, content: GuideContent, margin: float, inner: float, y: float, bottom: float
) -> None:
    """The two step lists side by side, between `y` and `bottom`, in one size that fits both."""
    column_gap = 8.0
    column = (inner - column_gap) / 2
    blocks = [
        (content.level1_title, content.level1_steps),
        (content.activation_title, content.activation_steps),
    ]
    heading_size = c.fit_size(column, 12, [title for title, _ in blocks], 13.5, min_pt=9, bold=True)
    heading_h = max(c.measure(column, title, heading_size, bold=True) for title, _ in blocks)
    steps_h = bottom - y - heading_h - 3
    step_size = min(
        c.fit_size(column - STEP_INDENT, steps_h, list(steps), 12.5, min_pt=6, gap=2.2)
        for _, steps in blocks
    )
    for index, (title, steps) in enumerate(blocks):
        x = margin + index * (column + column_gap)
        c.text(x, y, column, title, heading_size, bold=True, color=BLUE)
        c.fill(x, y + heading_h + 0.6, 22, 0.9, RED)
        step_y = y + heading_h + 3
        for number, step in enumerate(steps, start=1):
            _paint_step_badge(c, x, step_y, number, step_size)
            step_y += c.text(x + STEP_INDENT, step_y, column - STEP_INDENT, step, step_size) + 2.2


def _paint_step_badge(c: Canvas, x: float, y: float, number: int, step_size: float) -> None:
    """The step's number, white in a blue disc at the left of its text."""
    badge = step_size * 0.5
    number_h = c.measure(badge, str(number), step_size * 0.75, bold=True)
    c.fill(x, y + 0.2, badge, badge, BLUE, radius=badge / 2)
    c.text(
        x,
        y + 0.2 + (badge - number_h) / 2,
        badge,
        str(number),
        step_size * 0.75,
        bold=True,
        color="white",
        align=CENTRE,
    )


def _paint_point_block(
    c: Canvas, x: float, y: float, w: float, h: float, content: GuideContent
) -> None:
    c.fill(x, y, w, h, PALE, radius=3)
    c.fill(x, y, 2.2, h, BLUE, radius=1)
    left_w = w * 0.62
    ty = y + 4
    ty += c.text(x + 7, ty, left_w, content.point_label.upper(), 9.5, bold=True, color=GREY)
    if content.point_name:
        ty += c.fitted_text(
            x + 7, ty, left_w, 14, content.point_name, 16, min_pt=9, bold=True, color=BLUE
        )
    else:
        ty += 8
        c.line(x + 7, ty, x + 7 + left_w - 4, ty, GREY, 0.3, dashed=True)
        ty += 2
    if content.point_address:
        ty += c.fitted_text(x + 7, ty + 1, left_w, 10, content.point_address, 10.5, min_pt=7)
    else:
        ty += 8
        c.line(x + 7, ty, x + 7 + left_w - 4, ty, GREY, 0.3, dashed=True)
        ty += 2
    c.fitted_text(x + 7, ty + 3, left_w, 7, content.hours, 12, min_pt=7, bold=True, color=INK)
    right_x = x + 7 + left_w + 4
    right_w = w - (right_x - x) - 5
    c.text(
        right_x,
        y + 9,
        right_w,
        content.hotline_label,
        11,
        color=GREY,
        align=Qt.AlignmentFlag.AlignHCenter,
    )
    c.fitted_text(
        right_x,
        y + 16,
        right_w,
        14,
        content.hotline,
        26,
        min_pt=12,
        bold=True,
        color=RED,
        align=Qt.AlignmentFlag.AlignHCenter,
    )


def _paint_cards(painter: QPainter, target: QRectF, content: GuideContent) -> None:
    c = Canvas(painter, target, 210, 297)
    margin = 8.0
    card_w = (210 - 2 * margin) / CARDS_PER_ROW
    card_h = (297 - 2 * margin) / CARD_ROWS
    for row in range(CARD_ROWS):
        for column in range(CARDS_PER_ROW):
            _paint_card(c, margin + column * card_w, margin + row * card_h, card_w, card_h, content)
    # Cut lines between the cards and around them.
    for column in range(CARDS_PER_ROW + 1):
        x = margin + column * card_w
        c.line(x, margin - 4, x, 297 - margin + 4, "#9a9a9a", 0.2, dashed=True)
    for row in range(CARD_ROWS + 1):
        y = margin + row * card_h
        c.line(margin - 4, y, 210 - margin + 4, y, "#9a9a9a", 0.2, dashed=True)


def _paint_card(c: Canvas, x: float, y: float, w: float, h: float, content: GuideContent) -> None:
    centre = Qt.AlignmentFlag.AlignHCenter
    pad = 4.5
    inner = w - 2 * pad
    top = y + pad
    bottom = y + h - pad
    c.fill(x + pad, top, inner, 1.2, RED, radius=0.6)
    ty = top + 2.2
    title_size = c.fit_line(inner, content.card_title, 12, min_pt=7, bold=True)
    ty += c.fitted_text(
        x + pad,
        ty,
        inner,
        10,
        content.card_title,
        title_size,
        min_pt=6,
        bold=True,
        color=BLUE,
        align=centre,
    )

    # The point's lines, anchored at the bottom of the card.
    name = content.point_name or "…………………………………"
    lines = [f"{content.point_label}: {name}"]
    if content.point_address:
        lines.append(content.point_address)
    lines.append(content.hours)
    hotline = f"{content.hotline_label}: {content.hotline}"
    hotline_size = c.fit_line(inner, hotline, 9, min_pt=6, bold=True)
    hotline_h = c.measure(inner, hotline, hotline_size, bold=True)
    size = c.fit_size(inner, 13, lines, 7.5, min_pt=4.5, gap=0.2)
    info_h = sum(c.measure(inner, line, size) + 0.2 for line in lines)
    info_top = bottom - hotline_h - info_h - 0.5
    iy = info_top
    iy += c.text(x + pad, iy, inner, lines[0], size, bold=True, color=BLUE, align=centre) + 0.2
    for line in lines[1:]:
        iy += c.text(x + pad, iy, inner, line, size, align=centre) + 0.2
    c.text(x + pad, iy + 0.5, inner, hotline, hotline_size, bold=True, color=RED, align=centre)

    # The QR codes, centred in the space between.
    gap = 1.5
    cell = (inner - 3 * gap) / 4
    links = content.links()
    caption_size = c.fit_each(
        cell, 6.2, [caption for caption, _ in links], 7, min_pt=4.5, bold=True
    )
    caption_h = max(c.measure(cell, caption, caption_size, bold=True) for caption, _ in links)
    space = info_top - ty - 1
    qr_side = min(cell, space - caption_h - 1)
    qy = ty + (space - qr_side - caption_h) / 2
    for index, (caption, url) in enumerate(links):
        cx = x + pad + index * (cell + gap)
        c.qr(cx + (cell - qr_side) / 2, qy, qr_side, url)
        c.text(cx, qy + qr_side - 0.8, cell, caption, caption_size, bold=True, align=centre)
