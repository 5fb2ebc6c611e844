"""One way to paint a printed sheet onto any device: a PDF file, a printer, a preview image.

A `Sheet` is a page size in millimetres and a function that paints the page into a rectangle
of device pixels. Layouts draw through a `Canvas`, in millimetres of the page, so the guide
sheets and the citizen slip look the same in the preview, on paper and in the PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from services.common.version import APP_TITLE
from services.documents.fonts import print_family
from services.documents.pdf_files import write_pdf_file
from services.documents.qr_paint import paint_qr

MM_PER_POINT = 25.4 / 72
PDF_DPI = 1200

Painter = Callable[[QPainter, QRectF], object]  # what it returns is ignored


@dataclass(frozen=True)
class Sheet:
    title: str
    width_mm: float
    height_mm: float
    paint: Painter

    def page_size(self) -> QPageSize:
        return QPageSize(
            QSizeF(self.width_mm, self.height_mm),
            QPageSize.Unit.Millimeter,
            self.title,
            QPageSize.SizeMatchPolicy.ExactMatch,
        )

    def page_layout(self) -> QPageLayout:
        """Exactly this page (A6 stays A6, the roll 80 mm wide), portrait, no margins: the
        layouts keep their own. The PDF writer and the printer both take it."""
        return QPageLayout(
            self.page_size(),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )


def _largest_size(size_pt: float, min_pt: float, fits: Callable[[float], bool]) -> float:
    """The largest size from `size_pt` down by half points at which `fits`; else `min_pt`."""
    size = size_pt
    while size > min_pt:
        if fits(size):
            return size
        size -= 0.5
    return min_pt


class Canvas:
    """Drawing in millimetres of a `width_mm` x `height_mm` page fitted into `target`.

    With `measure_only` nothing is drawn but every call still returns the height it takes
    (how the receipt slip finds its length).
    """

    def __init__(
        self,
        painter: QPainter,
        target: QRectF,
        width_mm: float,
        height_mm: float,
        *,
        measure_only: bool = False,
    ) -> None:
        self.painter = painter
        self.k = min(target.width() / width_mm, target.height() / height_mm)
        self.ox = target.x() + (target.width() - width_mm * self.k) / 2
        self.oy = target.y() + (target.height() - height_mm * self.k) / 2
        self.measure_only = measure_only
        self.family = print_family()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)

    def rect(self, x: float, y: float, w: float, h: float) -> QRectF:
        return QRectF(self.ox + x * self.k, self.oy + y * self.k, w * self.k, h * self.k)

    def font(self, size_pt: float, bold: bool = False) -> QFont:
        font = QFont(self.family)
        font.setPixelSize(max(1, round(size_pt * MM_PER_POINT * self.k)))
        font.setWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
        font.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        return font

    def text(
        self,
        x: float,
        y: float,
        w: float,
        text: str,
        size_pt: float,
        *,
        bold: bool = False,
        color: str = "#1a1a1a",
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    ) -> float:
        """Wrapped text from (x, y), `w` wide; returns the height it takes in mm."""
        if not text:
            return 0.0
        self.painter.setFont(self.font(size_pt, bold))
        flags = int(align | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap)
        area = self.rect(x, y, w, 10_000)
        used = self.painter.boundingRect(area, flags, text)
        if not self.measure_only:
            self.painter.setPen(QColor(color))
            self.painter.drawText(area, flags, text)
        return used.height() / self.k

    def fitted_text(
        self,
        x: float,
        y: float,
        w: float,
        max_h: float,
        text: str,
        size_pt: float,
        *,
        min_pt: float = 5.0,
        bold: bool = False,
        color: str = "#1a1a1a",
        align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft,
    ) -> float:
        """Like `text`, at the largest size up to `size_pt` that fits in `max_h`."""
        size = self.fit_size(w, max_h, [text], size_pt, min_pt=min_pt, bold=bold)
        return self.text(x, y, w, text, size, bold=bold, color=color, align=align)

    def measure(self, w: float, text: str, size_pt: float, *, bold: bool = False) -> float:
        if not text:
            return 0.0
        self.painter.setFont(self.font(size_pt, bold))
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap)
        return self.painter.boundingRect(self.rect(0, 0, w, 10_000), flags, text).height() / self.k

    def fit_size(
        self,
        w: float,
        max_h: float,
        texts: list[str],
        size_pt: float,
        *,
        min_pt: float = 5.0,
        bold: bool = False,
        gap: float = 0.0,
    ) -> float:
        """The largest size (in half points) at which `texts`, stacked, fit in `max_h`."""

        def fits(size: float) -> bool:
            total = sum(self.measure(w, t, size, bold=bold) for t in texts) + gap * len(texts)
            return total <= max_h

        return _largest_size(size_pt, min_pt, fits)

    def fit_each(
        self,
        w: float,
        max_h: float,
        texts: list[str],
        size_pt: float,
        *,
        min_pt: float = 5.0,
        bold: bool = False,
    ) -> float:
        """The largest size at which each of `texts`, on its own, fits in `max_h`."""
        return min(
            [self.fit_size(w, max_h, [t], size_pt, min_pt=min_pt, bold=bold) for t in texts]
            or [size_pt]
        )

    def fit_line(
        self, w: float, text: str, size_pt: float, *, min_pt: float = 5.0, bold: bool = False
    ) -> float:
        """The largest size at which `text` fits on one line `w` wide."""

        def fits(size: float) -> bool:
            metrics = QFontMetricsF(self.font(size, bold), self.painter.device())
            return metrics.horizontalAdvance(text) / self.k <= w

        return _largest_size(size_pt, min_pt, fits)

    def fill(self, x: float, y: float, w: float, h: float, color: str, radius: float = 0.0) -> None:
        if self.measure_only:
            return
        self.painter.save()
        self.painter.setPen(Qt.PenStyle.NoPen)
        self.painter.setBrush(QColor(color))
        self.painter.drawRoundedRect(self.rect(x, y, w, h), radius * self.k, radius * self.k)
        self.painter.restore()

    def frame(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        color: str,
        width_mm: float = 0.4,
        radius: float = 0.0,
        dashed: bool = False,
    ) -> None:
        if self.measure_only:
            return
        self.painter.save()
        self.painter.setPen(self._pen(color, width_mm, dashed))
        self.painter.setBrush(Qt.BrushStyle.NoBrush)
        self.painter.drawRoundedRect(self.rect(x, y, w, h), radius * self.k, radius * self.k)
        self.painter.restore()

    def _pen(self, color: str, width_mm: float, dashed: bool) -> QPen:
        """A pen `width_mm` wide on the page, solid or dashed."""
        pen = QPen(QColor(color), width_mm * self.k)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        color: str,
        width_mm: float = 0.3,
        dashed: bool = False,
    ) -> None:
        if self.measure_only:
            return
        self.painter.save()
        self.painter.setPen(self._pen(color, width_mm, dashed))
        self.painter.drawLine(
            QPointF(self.ox + x1 * self.k, self.oy + y1 * self.k),
            QPointF(self.ox + x2 * self.k, self.oy + y2 * self.k),
        )
        self.painter.restore()

    def qr(self, x: float, y: float, size: float, data: str) -> None:
        if not self.measure_only:
            paint_qr(self.painter, self.rect(x, y, size, size), data)


def write_pdf(sheet: Sheet, path: Path) -> Path:
    """Write the sheet as a one-page PDF (fonts embedded); the file appears whole or not at all."""
    return write_pdf_file(path, lambda temporary: _paint_pdf(sheet, temporary))


def _paint_pdf(sheet: Sheet, path: Path) -> bool:
    return _paint_pdf_pages([sheet], path)


def write_pdf_pages(sheets: Sequence[Sheet], path: Path) -> Path:
    """Several sheets of one page size as the pages of one PDF, whole or not at all."""
    return write_pdf_file(path, lambda temporary: _paint_pdf_pages(sheets, temporary))


def _paint_pdf_pages(sheets: Sequence[Sheet], path: Path) -> bool:
    first = sheets[0]
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setTitle(first.title)
    writer.setCreator(APP_TITLE)
    if not writer.setPageLayout(first.page_layout()):
        raise AssertionError(f"QPdfWriter refused the page {first.width_mm} x {first.height_mm}")
    painter = QPainter()
    if not painter.begin(writer):
        return False
    try:
        for index, sheet in enumerate(sheets):
            if index:
                writer.newPage()
            sheet.paint(painter, QRectF(0, 0, writer.width(), writer.height()))
    finally:
        painter.end()
    return True


def render_image(sheet: Sheet, dpi: float = 150) -> QImage:
    """The sheet as a white image at `dpi` (previews, screenshots)."""
    width = max(1, round(sheet.width_mm / 25.4 * dpi))
    height = max(1, round(sheet.height_mm / 25.4 * dpi))
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    painter = QPainter(image)
    try:
        sheet.paint(painter, QRectF(0, 0, width, height))
    finally:
        painter.end()
    return image
