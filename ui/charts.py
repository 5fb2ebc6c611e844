"""Two small charts drawn with QPainter: progress bars per unit and daily activations.

Why QPainter and not a library: QtCharts is deprecated since Qt 6.10; pyqtgraph and
matplotlib would each add a large dependency (matplotlib alone brings numpy, its font
cache and backends that PyInstaller must be told about) for two plain charts. Painting
them ourselves costs about three hundred lines, freezes with nothing extra, renders
Vietnamese text with the application's fonts, and the same `paint_*` functions draw on
any QPaintDevice: the widget on screen, a QImage for a screenshot, a QPdfWriter or a
QPrinter for the printed report.

The data classes here are plain values (labels already in Vietnamese, numbers already
formatted); the widgets only add clicking, keyboard focus and tooltips.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from PySide6.QtCore import QEvent, QLocale, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QToolTip, QWidget

VI = QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam)

INK = QColor("#1f2933")
MUTED = QColor("#616e7c")
GRID = QColor("#d9dee3")
TRACK = QColor("#eef1f4")
ACCENT = QColor("#1565c0")
TARGET = QColor("#c62828")
FOCUS = QColor("#1565c0")


def number(value: int | float) -> str:
    """50802 -> «50.802»."""
    return VI.toString(round(value))


def percent(fraction: float, decimals: int = 1) -> str:
    """0.2431 -> «24,3 %»."""
    return VI.toString(fraction * 100, "f", decimals) + " %"


def day_month(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}"


def _font(base: QFont, pixels: float, bold: bool = False) -> QFont:
    font = QFont(base)
    font.setPixelSize(max(8, round(pixels)))
    font.setBold(bold)
    return font


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `ticks` grid lines."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


# -- the bar chart -------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: float  # on the chart's scale (a share of target, or a count)
    value_text: str
    colour: QColor
    clickable: bool = False
    tooltip: str = ""


@dataclass
class BarChartData:
    title: str
    bars: list[Bar]
    axis_text: Callable[[float], str] = number
    marker: float | None = None  # on the same scale as the bars: the plan's line
    marker_label: str = ""
    legend: list[tuple[QColor, str]] = field(default_factory=list)
    hint: str = ""  # a short line at the right of the legend ("bấm vào… để xem chi tiết")
    empty_text: str = "Không có dữ liệu."


@dataclass(frozen=True)
class BarHit:
    rect: QRectF
    key: str
    index: int


def paint_bar_chart(
    painter: QPainter, area: QRectF, data: BarChartData, focused: int | None = None
) -> list[BarHit]:
    """Paint horizontal bars into `area`; return where each bar's row is, for clicks.

    Rows: the title, the legend (and the hint at its right), the plan's marker label, the
    bars (label | bar | value), the axis.
    """
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    base = painter.font()
    title_font = _font(base, 17, bold=True)
    small = _font(base, 13)
    small_metrics = QFontMetricsF(small)
    painter.setFont(title_font)
    painter.setPen(INK)
    title_height = QFontMetricsF(title_font).height() + 6
    painter.drawText(
        QRectF(area.left(), area.top(), area.width(), title_height),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        QFontMetricsF(title_font).elidedText(data.title, Qt.TextElideMode.ElideRight, area.width()),
    )
    top = area.top() + title_height
    line_height = small_metrics.height() + 6
    painter.setFont(small)
    x = area.left()
    for colour, text in data.legend:
        swatch = QRectF(x, top + (line_height - 12) / 2, 12, 12)
        painter.fillRect(swatch, colour)
        painter.setPen(MUTED)
        width = small_metrics.horizontalAdvance(text) + 4
        painter.drawText(
            QRectF(x + 17, top, width, line_height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        x += 17 + width + 14
    if data.hint and area.right() - x > small_metrics.horizontalAdvance(data.hint) + 8:
        italic = QFont(small)
        italic.setItalic(True)
        painter.setFont(italic)
        painter.setPen(ACCENT)
        painter.drawText(
            QRectF(x, top, area.right() - x, line_height),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            data.hint,
        )
        painter.setFont(small)
    if data.legend or data.hint:
        top += line_height + 2
    marker_top = top
    if data.marker is not None and data.marker_label:
        top += line_height
    axis_height = line_height
    body = QRectF(area.left(), top, area.width(), area.bottom() - top - axis_height)
    hits: list[BarHit] = []
    if not data.bars:
        painter.setFont(_font(base, 15))
        painter.setPen(MUTED)
        painter.drawText(body, Qt.AlignmentFlag.AlignCenter, data.empty_text)
        painter.restore()
        return hits

    row_height = min(body.height() / len(data.bars), 46.0)
    label_font = _font(base, max(12.0, min(row_height * 0.42, 16.0)))
    value_font = _font(base, max(12.0, min(row_height * 0.40, 15.0)), bold=True)
    label_metrics = QFontMetricsF(label_font)
    value_metrics = QFontMetricsF(value_font)
    label_width = min(
        max(label_metrics.horizontalAdvance(b.label) for b in data.bars) + 14, body.width() * 0.42
    )
    value_width = max(value_metrics.horizontalAdvance(b.value_text) for b in data.bars) + 16
    plot = QRectF(
        body.left() + label_width,
        body.top(),
        max(body.width() - label_width - value_width, 40.0),
        row_height * len(data.bars),
    )
    peak = max([b.value for b in data.bars] + [data.marker or 0.0])
    step = nice_step(peak * 1.05 if peak > 0 else 1.0)
    scale = step * max(math.ceil(peak * 1.05 / step), 1) if peak > 0 else step * 5

    def x_of(value: float) -> float:
        return plot.left() + plot.width() * min(max(value / scale, 0.0), 1.0)

    # Grid and axis labels.
    painter.setFont(small)
    tick = 0.0
    while tick <= scale + step / 2:
        x = x_of(tick)
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(x - 50, plot.bottom() + 3, 100, axis_height),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            data.axis_text(tick),
        )
        tick += step

    for index, bar in enumerate(data.bars):
        row = QRectF(body.left(), plot.top() + index * row_height, body.width(), row_height)
        thickness = max(row_height * 0.62, 6.0)
        track = QRectF(plot.left(), row.center().y() - thickness / 2, plot.width(), thickness)
        if index == focused:
            painter.fillRect(row, QColor(21, 101, 192, 28))
        painter.fillRect(track, TRACK)
        filled = QRectF(track.left(), track.top(), x_of(bar.value) - plot.left(), thickness)
        if bar.value > 0:
            filled.setWidth(max(filled.width(), 3.0))
        painter.fillRect(filled, bar.colour)
        painter.setFont(label_font)
        painter.setPen(ACCENT if bar.clickable else INK)
        label_rect = QRectF(row.left(), row.top(), label_width - 10, row_height)
        label = label_metrics.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_rect.width())
        painter.drawText(
            label_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label
        )
        painter.setFont(value_font)
        painter.setPen(INK)
        painter.drawText(
            QRectF(plot.right(), row.top(), value_width, row_height),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            bar.value_text,
        )
        hits.append(BarHit(row, bar.key, index))

    if data.marker is not None and data.marker > 0:
        x = x_of(data.marker)
        painter.setPen(QPen(INK, 2, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, plot.top() - 4), QPointF(x, plot.bottom()))
        if data.marker_label:
            painter.setFont(_font(base, 13, bold=True))
            metrics = QFontMetricsF(painter.font())
            width = metrics.horizontalAdvance(data.marker_label) + 8
            left = min(max(x - width / 2, area.left()), area.right() - width)
            painter.setPen(INK)
            painter.drawText(
                QRectF(left, marker_top, width, line_height),
                Qt.AlignmentFlag.AlignCenter,
                data.marker_label,
            )
    painter.restore()
    return hits


class BarChart(QWidget):
    """The bar chart as a widget: click a clickable bar (or Enter on it) to emit its key."""

    bar_clicked = Signal(str)

    MIN_ROW = 26

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = BarChartData("", [])
        self.hits: list[BarHit] = []
        self.focused: int | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(160)

    def set_data(self, data: BarChartData) -> None:
        self.data = data
        self.focused = None if not data.bars else min(self.focused or 0, len(data.bars) - 1)
        self.setMinimumHeight(max(160, len(data.bars) * self.MIN_ROW + 110))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        focused = self.focused if self.hasFocus() else None
        area = QRectF(self.rect()).adjusted(12, 8, -12, -8)
        self.hits = paint_bar_chart(painter, area, self.data, focused)
        painter.end()

    def hit_at(self, point: QPointF) -> BarHit | None:
        return next((h for h in self.hits if h.rect.contains(point)), None)

    def bar_rect(self, key: str) -> QRectF | None:
        """Where the bar of `key` was last painted (for tests and accessibility)."""
        return next((h.rect for h in self.hits if h.key == key), None)

    def _clickable(self, hit: BarHit | None) -> bool:
        return hit is not None and self.data.bars[hit.index].clickable

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        hit = self.hit_at(event.position())
        if self._clickable(hit):
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            self.unsetCursor()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        hit = self.hit_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and hit is not None:
            self.focused = hit.index
            self.update()
            if self._clickable(hit):
                self.bar_clicked.emit(hit.key)
                return
        super().mousePressEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        count = len(self.data.bars)
        key = event.key()
        if count and key in (Qt.Key.Key_Down, Qt.Key.Key_Up):
            step = 1 if key == Qt.Key.Key_Down else -1
            self.focused = ((self.focused or 0) + step) % count
            self.update()
            return
        if count and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focused is not None:
            bar = self.data.bars[self.focused]
            if bar.clickable:
                self.bar_clicked.emit(bar.key)
                return
        super().keyPressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            hit = self.hit_at(QPointF(event.pos()))
            tip = self.data.bars[hit.index].tooltip if hit is not None else ""
            if tip:
                QToolTip.showText(event.globalPos(), tip, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


# -- the line chart ------------------------------------------------------------------------


@dataclass
class LineChartData:
    title: str
    days: list[date]  # the whole campaign, for the x axis
    values: list[int]  # one per day from the first, up to the chosen day
    target: int | None = None  # the daily target, drawn as a dashed line
    value_label: str = "Kích hoạt trong ngày"
    target_label: str = "Chỉ tiêu ngày"


def paint_line_chart(painter: QPainter, area: QRectF, data: LineChartData) -> None:
    """Daily activations as a line over the campaign's days, against the daily target."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    base = painter.font()
    title_font = _font(base, 17, bold=True)
    small = _font(base, 13)
    small_metrics = QFontMetricsF(small)
    painter.setFont(title_font)
    painter.setPen(INK)
    title_height = QFontMetricsF(title_font).height() + 6
    painter.drawText(
        QRectF(area.left(), area.top(), area.width(), title_height),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        data.title,
    )
    top = area.top() + title_height

    # Legend.
    painter.setFont(small)
    legend_height = small_metrics.height() + 6
    x = area.left()
    legend = [(ACCENT, Qt.PenStyle.SolidLine, data.value_label)]
    if data.target is not None:
        legend.append((TARGET, Qt.PenStyle.DashLine, f"{data.target_label}: {number(data.target)}"))
    for colour, style, text in legend:
        y = top + legend_height / 2
        painter.setPen(QPen(colour, 3, style))
        painter.drawLine(QPointF(x, y), QPointF(x + 24, y))
        painter.setPen(MUTED)
        width = small_metrics.horizontalAdvance(text) + 4
        painter.drawText(
            QRectF(x + 30, top, width, legend_height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        x += 30 + width + 18
    top += legend_height + 4

    if not data.days:
        painter.restore()
        return
    peak = max([*data.values, data.target or 0, 1])
    step = nice_step(peak * 1.1)
    scale = step * math.ceil(peak * 1.1 / step)
    y_label_width = small_metrics.horizontalAdvance(number(scale)) + 10
    axis_height = small_metrics.height() + 6
    plot = QRectF(
        area.left() + y_label_width,
        top + 4,
        area.width() - y_label_width - 10,
        area.bottom() - top - 4 - axis_height,
    )
    if plot.height() < 20 or plot.width() < 40:
        painter.restore()
        return
    count = len(data.days)
    slot = plot.width() / count

    def x_of(index: int) -> float:
        return plot.left() + slot * (index + 0.5)

    def y_of(value: float) -> float:
        return plot.bottom() - plot.height() * min(value / scale, 1.0)

    tick = 0.0
    while tick <= scale + step / 2:
        y = y_of(tick)
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.setPen(MUTED)
        painter.drawText(
            QRectF(area.left(), y - 10, y_label_width - 6, 20),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            number(tick),
        )
        tick += step
    every = max(1, math.ceil(small_metrics.horizontalAdvance("00/00 ") / slot))
    for index, day in enumerate(data.days):
        is_last = index == count - 1
        if (index % every and not is_last) or (not is_last and count - 1 - index < every):
            continue
        painter.drawText(
            QRectF(x_of(index) - 30, plot.bottom() + 3, 60, axis_height),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            day_month(day),
        )

    if data.target is not None:
        painter.setPen(QPen(TARGET, 2.5, Qt.PenStyle.DashLine))
        y = y_of(data.target)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))

    if data.values:
        path = QPainterPath(QPointF(x_of(0), y_of(data.values[0])))
        for index, value in enumerate(data.values[1:], start=1):
            path.lineTo(x_of(index), y_of(value))
        area_path = QPainterPath(path)
        area_path.lineTo(x_of(len(data.values) - 1), plot.bottom())
        area_path.lineTo(x_of(0), plot.bottom())
        area_path.closeSubpath()
        painter.fillPath(area_path, QColor(21, 101, 192, 40))
        painter.setPen(QPen(ACCENT, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setBrush(QBrush(ACCENT))
        radius = min(4.0, slot / 3)
        for index, value in enumerate(data.values):
            painter.drawEllipse(QPointF(x_of(index), y_of(value)), radius, radius)
        last = len(data.values) - 1
        label = number(data.values[last])
        painter.setFont(_font(base, 14, bold=True))
        painter.setPen(ACCENT)
        width = QFontMetricsF(painter.font()).horizontalAdvance(label) + 8
        left = min(x_of(last) - width / 2, plot.right() - width)
        label_rect = QRectF(left, max(y_of(data.values[last]) - 30, plot.top()), width, 20)
        painter.fillRect(label_rect, QColor(255, 255, 255, 220))
        painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, label)
    painter.setPen(QPen(MUTED, 1))
    painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
    painter.restore()


class LineChart(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = LineChartData("", [], [])
        self.setMinimumHeight(200)

    def set_data(self, data: LineChartData) -> None:
        self.data = data
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        paint_line_chart(painter, QRectF(self.rect()).adjusted(12, 8, -12, -8), self.data)
        painter.end()
