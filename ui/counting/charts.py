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
from collections.abc import Callable, Iterable, Iterator
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
    """Where one bar's row was painted, what a click or a hover there finds: its key and its
    place among the chart's bars."""

    rect: QRectF
    key: str
    index: int


@dataclass(frozen=True)
class _Frame:
    """What both charts share once the title is painted: the fonts and where to go on."""

    base: QFont
    small: QFont
    small_metrics: QFontMetricsF
    top: float  # just below the title


def _begin_chart(painter: QPainter, area: QRectF, title: str, *, elide: bool) -> _Frame:
    """Save the painter, then paint the title on the first row of `area`."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    base = painter.font()
    title_font = _font(base, 17, bold=True)
    small = _font(base, 13)
    title_metrics = QFontMetricsF(title_font)
    painter.setFont(title_font)
    painter.setPen(INK)
    title_height = title_metrics.height() + 6
    painter.drawText(
        QRectF(area.left(), area.top(), area.width(), title_height),
        Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
        title_metrics.elidedText(title, Qt.TextElideMode.ElideRight, area.width())
        if elide
        else title,
    )
    return _Frame(base, small, QFontMetricsF(small), area.top() + title_height)


# Paints a legend key at (x, top) on a row `height` high.
_LegendKey = Callable[[QPainter, float, float, float], None]


def _square_key(colour: QColor) -> _LegendKey:
    def paint(painter: QPainter, x: float, top: float, height: float) -> None:
        painter.fillRect(QRectF(x, top + (height - 12) / 2, 12, 12), colour)

    return paint


def _line_key(colour: QColor, style: Qt.PenStyle) -> _LegendKey:
    def paint(painter: QPainter, x: float, top: float, height: float) -> None:
        y = top + height / 2
        painter.setPen(QPen(colour, 3, style))
        painter.drawLine(QPointF(x, y), QPointF(x + 24, y))

    return paint


def _paint_legend(
    painter: QPainter,
    frame: _Frame,
    x: float,
    height: float,
    entries: list[tuple[_LegendKey, str]],
    key_width: float,
    gap: float,
) -> float:
    """Paint each key and its text in a row below the title; return where the row ends."""
    for paint_key, text in entries:
        paint_key(painter, x, frame.top, height)
        painter.setPen(MUTED)
        width = frame.small_metrics.horizontalAdvance(text) + 4
        painter.drawText(
            QRectF(x + key_width, frame.top, width, height),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            text,
        )
        x += key_width + width + gap
    return x


def _ticks(scale: float, step: float) -> Iterator[float]:
    """0, step, 2·step… up to `scale` (summed, not multiplied, as the grid always was)."""
    tick = 0.0
    while tick <= scale + step / 2:
        yield tick
        tick += step


def _paint_grid(
    painter: QPainter,
    ticks: Iterable[float],
    line_at: Callable[[float], tuple[QPointF, QPointF]],
    label_at: Callable[[float], QRectF],
    alignment: Qt.AlignmentFlag,
    text_of: Callable[[float], str],
) -> None:
    """A grid line and its axis label for each tick; leaves the pen on the label colour."""
    for tick in ticks:
        painter.setPen(QPen(GRID, 1))
        painter.drawLine(*line_at(tick))
        painter.setPen(MUTED)
        painter.drawText(label_at(tick), alignment, text_of(tick))


def paint_bar_chart(
    painter: QPainter, area: QRectF, data: BarChartData, focused: int | None = None
) -> list[BarHit]:
    """Paint horizontal bars into `area`; return where each bar's row is, for clicks.

    Rows: the title, the legend (and the hint at its right), the plan's marker label, the
    bars (label | bar | value), the axis.
    """
    frame = _begin_chart(painter, area, data.title, elide=True)
    line_height = frame.small_metrics.height() + 6
    painter.setFont(frame.small)
    keys = [(_square_key(colour), text) for colour, text in data.legend]
    x = _paint_legend(painter, frame, area.left(), line_height, keys, key_width=17, gap=14)
    hint_room = QRectF(x, frame.top, area.right() - x, line_height)
    if data.hint and hint_room.width() > frame.small_metrics.horizontalAdvance(data.hint) + 8:
        _paint_hint(painter, frame.small, hint_room, data.hint)
    top = frame.top
    if data.legend or data.hint:
        top += line_height + 2
    marker_top = top
    if data.marker is not None and data.marker_label:
        top += line_height
    body = QRectF(area.left(), top, area.width(), area.bottom() - top - line_height)
    if not data.bars:
        painter.setFont(_font(frame.base, 15))
        painter.setPen(MUTED)
        painter.drawText(body, Qt.AlignmentFlag.AlignCenter, data.empty_text)
        painter.restore()
        return []

    layout = _BarLayout.of(frame.base, body, data)
    plot = layout.plot
    painter.setFont(frame.small)
    _paint_grid(
        painter,
        _ticks(layout.scale, layout.step),
        lambda tick: (
            QPointF(layout.x_of(tick), plot.top()),
            QPointF(layout.x_of(tick), plot.bottom()),
        ),
        lambda tick: QRectF(layout.x_of(tick) - 50, plot.bottom() + 3, 100, line_height),
        Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
        data.axis_text,
    )
    hits = [
        _paint_bar_row(painter, layout, body, index, bar, focused)
        for index, bar in enumerate(data.bars)
    ]
    if data.marker is not None and data.marker > 0:
        marker_row = QRectF(area.left(), marker_top, area.width(), line_height)
        _paint_marker(painter, frame.base, layout, marker_row, data.marker, data.marker_label)
    painter.restore()
    return hits


def _paint_hint(painter: QPainter, small: QFont, room: QRectF, hint: str) -> None:
    """The hint in italics at the right of the legend's row."""
    italic = QFont(small)
    italic.setItalic(True)
    painter.setFont(italic)
    painter.setPen(ACCENT)
    painter.drawText(room, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, hint)
    painter.setFont(small)


@dataclass(frozen=True)
class _BarLayout:
    """Where the bars go: row height, fonts, the label and value columns, the plot and scale."""

    row_height: float
    label_font: QFont
    value_font: QFont
    label_metrics: QFontMetricsF
    label_width: float
    value_width: float
    plot: QRectF
    step: float
    scale: float

    @classmethod
    def of(cls, base: QFont, body: QRectF, data: BarChartData) -> _BarLayout:
        row_height = min(body.height() / len(data.bars), 46.0)
        label_font = _font(base, max(12.0, min(row_height * 0.42, 16.0)))
        value_font = _font(base, max(12.0, min(row_height * 0.40, 15.0)), bold=True)
        label_metrics = QFontMetricsF(label_font)
        value_metrics = QFontMetricsF(value_font)
        label_width = min(
            max(label_metrics.horizontalAdvance(b.label) for b in data.bars) + 14,
            body.width() * 0.42,
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
        return cls(
            row_height,
            label_font,
            value_font,
            label_metrics,
            label_width,
            value_width,
            plot,
            step,
            scale,
        )

    def x_of(self, value: float) -> float:
        return self.plot.left() + self.plot.width() * min(max(value / self.scale, 0.0), 1.0)


def _paint_bar_row(
    painter: QPainter, layout: _BarLayout, body: QRectF, index: int, bar: Bar, focused: int | None
) -> BarHit:
    """One row: the label at the right of its column, the track and its filled part, the value."""
    plot, row_height = layout.plot, layout.row_height
    row = QRectF(body.left(), plot.top() + index * row_height, body.width(), row_height)
    thickness = max(row_height * 0.62, 6.0)
    track = QRectF(plot.left(), row.center().y() - thickness / 2, plot.width(), thickness)
    if index == focused:
        painter.fillRect(row, QColor(21, 101, 192, 28))
    painter.fillRect(track, TRACK)
    filled = QRectF(track.left(), track.top(), layout.x_of(bar.value) - plot.left(), thickness)
    if bar.value > 0:
        filled.setWidth(max(filled.width(), 3.0))
    painter.fillRect(filled, bar.colour)
    painter.setFont(layout.label_font)
    painter.setPen(ACCENT if bar.clickable else INK)
    label_rect = QRectF(row.left(), row.top(), layout.label_width - 10, row_height)
    label = layout.label_metrics.elidedText(
        bar.label, Qt.TextElideMode.ElideRight, label_rect.width()
    )
    painter.drawText(label_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
    painter.setFont(layout.value_font)
    painter.setPen(INK)
    painter.drawText(
        QRectF(plot.right(), row.top(), layout.value_width, row_height),
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        bar.value_text,
    )
    return BarHit(row, bar.key, index)


def _paint_marker(
    painter: QPainter, base: QFont, layout: _BarLayout, row: QRectF, marker: float, label: str
) -> None:
    """The plan's dashed line across the bars, its label centred above it on `row`."""
    x = layout.x_of(marker)
    painter.setPen(QPen(INK, 2, Qt.PenStyle.DashLine))
    painter.drawLine(QPointF(x, layout.plot.top() - 4), QPointF(x, layout.plot.bottom()))
    if label:
        painter.setFont(_font(base, 13, bold=True))
        metrics = QFontMetricsF(painter.font())
        width = metrics.horizontalAdvance(label) + 8
        left = min(max(x - width / 2, row.left()), row.right() - width)
        painter.setPen(INK)
        painter.drawText(
            QRectF(left, row.top(), width, row.height()), Qt.AlignmentFlag.AlignCenter, label
        )


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
    frame = _begin_chart(painter, area, data.title, elide=False)
    painter.setFont(frame.small)
    legend_height = frame.small_metrics.height() + 6
    keys = [(_line_key(ACCENT, Qt.PenStyle.SolidLine), data.value_label)]
    if data.target is not None:
        keys.append(
            (
                _line_key(TARGET, Qt.PenStyle.DashLine),
                f"{data.target_label}: {number(data.target)}",
            )
        )
    _paint_legend(painter, frame, area.left(), legend_height, keys, key_width=30, gap=18)
    top = frame.top + legend_height + 4
    layout = _LineLayout.of(frame.small_metrics, area, top, data) if data.days else None
    if layout is None:
        painter.restore()
        return
    plot = layout.plot
    _paint_grid(
        painter,
        _ticks(layout.scale, layout.step),
        lambda tick: (
            QPointF(plot.left(), layout.y_of(tick)),
            QPointF(plot.right(), layout.y_of(tick)),
        ),
        lambda tick: QRectF(area.left(), layout.y_of(tick) - 10, layout.y_label_width - 6, 20),
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
        number,
    )
    _paint_day_labels(painter, frame.small_metrics, layout, data.days)
    if data.target is not None:
        painter.setPen(QPen(TARGET, 2.5, Qt.PenStyle.DashLine))
        y = layout.y_of(data.target)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
    if data.values:
        _paint_values(painter, frame.base, layout, data.values)
    painter.setPen(QPen(MUTED, 1))
    painter.drawLine(QPointF(plot.left(), plot.bottom()), QPointF(plot.right(), plot.bottom()))
    painter.restore()


@dataclass(frozen=True)
class _LineLayout:
    """The plot below the legend, one slot a day across, the count scale up."""

    plot: QRectF
    y_label_width: float
    axis_height: float
    slot: float
    step: float
    scale: float

    @classmethod
    def of(
        cls, metrics: QFontMetricsF, area: QRectF, top: float, data: LineChartData
    ) -> _LineLayout | None:
        """None when `area` leaves too little room to draw anything readable."""
        peak = max([*data.values, data.target or 0, 1])
        step = nice_step(peak * 1.1)
        scale = step * math.ceil(peak * 1.1 / step)
        y_label_width = metrics.horizontalAdvance(number(scale)) + 10
        axis_height = metrics.height() + 6
        plot = QRectF(
            area.left() + y_label_width,
            top + 4,
            area.width() - y_label_width - 10,
            area.bottom() - top - 4 - axis_height,
        )
        if plot.height() < 20 or plot.width() < 40:
            return None
        return cls(plot, y_label_width, axis_height, plot.width() / len(data.days), step, scale)

    def x_of(self, index: int) -> float:
        return self.plot.left() + self.slot * (index + 0.5)

    def y_of(self, value: float) -> float:
        return self.plot.bottom() - self.plot.height() * min(value / self.scale, 1.0)


def _paint_day_labels(
    painter: QPainter, metrics: QFontMetricsF, layout: _LineLayout, days: list[date]
) -> None:
    """«dd/mm» under every few days (as many as fit), always under the last day."""
    count = len(days)
    every = max(1, math.ceil(metrics.horizontalAdvance("00/00 ") / layout.slot))
    for index, day in enumerate(days):
        is_last = index == count - 1
        if (index % every and not is_last) or (not is_last and count - 1 - index < every):
            continue
        painter.drawText(
            QRectF(layout.x_of(index) - 30, layout.plot.bottom() + 3, 60, layout.axis_height),
            Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
            day_month(day),
        )


def _paint_values(painter: QPainter, base: QFont, layout: _LineLayout, values: list[int]) -> None:
    """The shaded line through each day's value, a dot on each, the last value written."""
    x_of, y_of, plot = layout.x_of, layout.y_of, layout.plot
    path = QPainterPath(QPointF(x_of(0), y_of(values[0])))
    for index, value in enumerate(values[1:], start=1):
        path.lineTo(x_of(index), y_of(value))
    area_path = QPainterPath(path)
    area_path.lineTo(x_of(len(values) - 1), plot.bottom())
    area_path.lineTo(x_of(0), plot.bottom())
    area_path.closeSubpath()
    painter.fillPath(area_path, QColor(21, 101, 192, 40))
    painter.setPen(QPen(ACCENT, 3))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawPath(path)
    painter.setBrush(QBrush(ACCENT))
    radius = min(4.0, layout.slot / 3)
    for index, value in enumerate(values):
        painter.drawEllipse(QPointF(x_of(index), y_of(value)), radius, radius)
    last = len(values) - 1
    label = number(values[last])
    painter.setFont(_font(base, 14, bold=True))
    painter.setPen(ACCENT)
    width = QFontMetricsF(painter.font()).horizontalAdvance(label) + 8
    left = min(x_of(last) - width / 2, plot.right() - width)
    label_rect = QRectF(left, max(y_of(values[last]) - 30, plot.top()), width, 20)
    painter.fillRect(label_rect, QColor(255, 255, 255, 220))
    painter.drawText(label_rect, Qt.AlignmentFlag.AlignCenter, label)


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
