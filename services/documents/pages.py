"""Documents of several pages: built as plain data, shown as HTML, written as a PDF.

A `Document` is a title, sections of paragraphs, label/value lists and tables, and a line
for the foot of each page. `document_html` makes the HTML that the window shows (a
`QTextBrowser`) and that `write_document_pdf` lays out on A4 pages with Qt's text engine
(`QTextDocument`, QtGui only: the command line writes the same file without a window), in
the bundled Be Vietnam Pro, with the foot line and "Trang i/n" on every page.

The data for the citizen (`services.privacy.person_data`) and the processing description
(`services.privacy.processing_description`) are written this way.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from services.common.version import APP_TITLE
from services.documents.pdf_files import write_pdf_file

if TYPE_CHECKING:
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QPagedPaintDevice, QTextDocument

PAGE_MARGINS_MM = (18.0, 16.0, 18.0, 18.0)  # left, top, right, bottom
FOOT_HEIGHT_MM = 8.0
BODY_PT = 10.0


@dataclass(frozen=True)
class Paragraph:
    text: str
    muted: bool = False  # a hint or an explanation, in grey


@dataclass(frozen=True)
class Facts:
    """Label and value pairs, one a line."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    empty: str = "(không có)"  # said instead of an empty table


Block = Paragraph | Facts | Table


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...] = ()
    subsections: tuple[Section, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Document:
    title: str
    subtitle: str
    sections: tuple[Section, ...]
    foot: str  # at the foot of every page, beside the page number

    def text(self) -> str:
        """Every word of the document, for searching and tests."""
        parts = [self.title, self.subtitle]
        for section in self.sections:
            parts.extend(_section_words(section))
        parts.append(self.foot)
        return "\n".join(parts)


def _section_words(section: Section) -> list[str]:
    parts = [section.title]
    for block in section.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Facts):
            parts.extend(f"{label}: {value}" for label, value in block.rows)
        else:
            parts.append(" | ".join(block.headers))
            parts.extend(" | ".join(row) for row in block.rows)
            if not block.rows:
                parts.append(block.empty)
    for subsection in section.subsections:
        parts.extend(_section_words(subsection))
    return parts


STYLE = """
h1 { font-size: 15pt; font-weight: bold; margin-bottom: 2pt; }
h2 { font-size: 12pt; font-weight: bold; margin-top: 12pt; margin-bottom: 4pt; color: #123c69; }
h3 { font-size: 10.5pt; font-weight: bold; margin-top: 8pt; margin-bottom: 3pt; }
p { margin-top: 2pt; margin-bottom: 4pt; }
p.subtitle { color: #444444; margin-bottom: 8pt; }
p.muted { color: #555555; }
td, th { padding: 3px; vertical-align: top; }
th { background-color: #e8eef5; font-weight: bold; text-align: left; }
td.label { color: #444444; }
"""


def _text(value: str) -> str:
    """Escaped, with line breaks kept."""
    return html.escape(value).replace("\n", "<br>")


def _block_html(block: Block) -> str:
    if isinstance(block, Paragraph):
        css = ' class="muted"' if block.muted else ""
        return f"<p{css}>{_text(block.text)}</p>"
    if isinstance(block, Facts):
        rows = "".join(
            f'<tr><td class="label" width="32%">{_text(label)}</td><td>{_text(value)}</td></tr>'
            for label, value in block.rows
        )
        return f'<table width="100%" cellspacing="0" cellpadding="2">{rows}</table>'
    if not block.rows:
        return f'<p class="muted">{_text(block.empty)}</p>'
    head = "".join(f"<th>{_text(h)}</th>" for h in block.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{_text(cell)}</td>" for cell in row) + "</tr>" for row in block.rows
    )
    return (
        '<table width="100%" border="1" cellspacing="0" cellpadding="3" '
        f'style="border-color: #b0b8c0; border-style: solid;"><thead><tr>{head}</tr></thead>{body}</table>'
    )


def _section_html(section: Section, level: int = 2) -> str:
    parts = [f"<h{level}>{_text(section.title)}</h{level}>"]
    parts.extend(_block_html(block) for block in section.blocks)
    parts.extend(_section_html(sub, min(level + 1, 3)) for sub in section.subsections)
    return "".join(parts)


def document_html(document: Document) -> str:
    """The document as HTML (Qt's rich-text subset), its style included."""
    body = "".join(_section_html(section) for section in document.sections)
    return (
        f"<html><head><style>{STYLE}</style></head><body>"
        f"<h1>{_text(document.title)}</h1>"
        f'<p class="subtitle">{_text(document.subtitle)}</p>'
        f"{body}</body></html>"
    )


def write_document_pdf(document: Document, path: Path) -> Path:
    """Write the document as an A4 PDF (fonts embedded); the file appears whole or not at
    all. Needs a QGuiApplication (the command line makes an offscreen one)."""
    return write_pdf_file(path, lambda temporary: _paint_pdf(document, temporary))


def _paint_pdf(document: Document, path: Path) -> bool:
    from PySide6.QtGui import QPdfWriter

    writer = QPdfWriter(str(path))
    writer.setResolution(300)
    writer.setTitle(document.title)
    writer.setCreator(APP_TITLE)
    return paint_document(document, writer)


def paint_document(document: Document, device: QPagedPaintDevice) -> bool:
    """Lay the document out on A4 pages of `device` (a PDF writer, a printer) and paint
    them, with the foot line and the page number; False when the device refused."""
    from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
    from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter

    from services.documents.fonts import print_family

    left, top, right, bottom = PAGE_MARGINS_MM
    device.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(left, top, right, bottom),
            QPageLayout.Unit.Millimeter,
        )
    )
    dpi = device.logicalDpiY()
    area = device.pageLayout().paintRectPixels(dpi)
    foot = FOOT_HEIGHT_MM / 25.4 * dpi
    page = QSizeF(area.width(), area.height() - foot)
    text = _paginated(document_html(document), device, page)
    pages = max(1, text.pageCount())
    foot_font = QFont(print_family())
    foot_font.setPointSizeF(7.5)
    painter = QPainter()
    if not painter.begin(device):
        return False
    try:
        for number in range(pages):
            if number:
                device.newPage()
            painter.save()
            painter.translate(0, -number * page.height())
            text.drawContents(
                painter, QRectF(0, number * page.height(), page.width(), page.height())
            )
            painter.restore()
            painter.setFont(foot_font)
            painter.setPen(QColor("#555555"))
            line = QRectF(0, page.height() + foot * 0.3, page.width(), foot * 0.7)
            painter.drawText(line, int(Qt.AlignmentFlag.AlignLeft), document.foot)
            painter.drawText(line, int(Qt.AlignmentFlag.AlignRight), f"Trang {number + 1}/{pages}")
    finally:
        painter.end()
    return True


def _laid_out(
    markup: str, device: QPagedPaintDevice, page: QSizeF, breaks: set[int]
) -> QTextDocument:
    """The HTML laid out on pages of `page`'s size, the blocks numbered in `breaks` starting
    a new page (set before the paginated layout, which is then made whole at once)."""
    from PySide6.QtGui import QFont, QTextBlockFormat, QTextCursor, QTextDocument

    from services.documents.fonts import print_family

    text = QTextDocument()
    text.documentLayout().setPaintDevice(device)
    font = QFont(print_family())
    font.setPointSizeF(BODY_PT)
    text.setDefaultFont(font)
    text.setHtml(markup)
    for number in breaks:
        block = text.findBlockByNumber(number)
        fmt = block.blockFormat()
        fmt.setPageBreakPolicy(QTextBlockFormat.PageBreakFlag.PageBreak_AlwaysBefore)
        QTextCursor(block).setBlockFormat(fmt)
    text.setPageSize(page)
    return text


def _first_cut_block(text: QTextDocument, page_height: float) -> int | None:
    """The number of the first block outside tables that straddles the foot of a page (Qt's
    paginated layout lets headings do it, and the clip then cuts them in half), or of a
    heading left alone at the foot of a page."""
    from PySide6.QtGui import QTextCursor

    layout = text.documentLayout()
    block = text.begin()
    while block.isValid():
        rect = layout.blockBoundingRect(block)
        page_end = (int(rect.top() // page_height) + 1) * page_height
        heading = block.blockFormat().headingLevel() > 0
        straddles = rect.bottom() > page_end and rect.height() < page_height / 3
        orphan = heading and rect.bottom() > page_end - page_height * 0.06
        if (straddles or orphan) and QTextCursor(block).currentTable() is None:
            return block.blockNumber()
        block = block.next()
    return None


def _paginated(markup: str, device: QPagedPaintDevice, page: QSizeF) -> QTextDocument:
    """The HTML laid out on pages with no block cut at a page's foot: laid out again with
    each such block starting the next page, one at a time (a document has few). A change to
    a laid-out document would be laid out again only bit by bit, from the event loop."""
    breaks: set[int] = set()
    for _attempt in range(100):
        text = _laid_out(markup, device, page, breaks)
        cut = _first_cut_block(text, page.height())
        if cut is None or cut in breaks:
            return text
        breaks.add(cut)
    return text
