"""The dashboard: the chosen day at a glance, progress per unit with drill-down, the daily line.

Every number comes from `services.counting.dashboard`, which counts with `services.counting.tally` (the
same as `tally` on the command line and the PC06 workbook). The window calls `refresh()`
after a case is saved here; on a shared database (not SQLite) a timer refreshes every
minute so that other points' work shows up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from services.campaigns.campaign import active_campaign
from services.common.errors import UserError
from services.common.vntime import format_date, format_moment, today_vn
from services.counting.dashboard import (
    CHILD_LABELS,
    CampaignClock,
    ChildKind,
    Dashboard,
    Pace,
    Progress,
    dashboard,
)
from ui.counting.charts import (
    Bar,
    BarChart,
    BarChartData,
    LineChart,
    LineChartData,
    number,
    percent,
)
from ui.shell.context import AppContext
from ui.widgets.background import BackgroundOp, Report
from ui.widgets.file_dialogs import ask_save_path
from ui.widgets.forms import clear_layout, qdate, wrapping_label
from ui.widgets.messages import messages

REFRESH_MS = 60_000

PACE_COLOURS = {
    Pace.ON_PLAN: "#2e7d32",
    Pace.CLOSE: "#ef8f00",
    Pace.BEHIND: "#c62828",
    Pace.NONE: "#78909c",
}
PACE_LEGEND = [
    (Pace.ON_PLAN, "Đạt tiến độ (≥ 100 % kế hoạch)"),
    (Pace.CLOSE, "Gần đạt (80–100 %)"),
    (Pace.BEHIND, "Chậm (< 80 %)"),
]
CHILD_TITLES = {
    ChildKind.DISTRICT: "Tỷ lệ đạt chỉ tiêu theo huyện, thị xã, thành phố",
    ChildKind.COMMUNE: "Tỷ lệ đạt chỉ tiêu theo đơn vị cấp xã",
    ChildKind.POINT: "Số kích hoạt theo điểm thu nhận (lũy kế)",
}

# (parent, suggested file name) -> the chosen path, or None when cancelled.
AskSavePath = Callable[[QWidget, str], Path | None]


def ask_report_path(parent: QWidget, suggested: str) -> Path | None:
    path = ask_save_path(parent, "Lưu báo cáo PC06", suggested, "Bảng tính Excel (*.xlsx)")
    if path is None:
        return None
    return path if path.suffix.lower() == ".xlsx" else path.with_name(path.name + ".xlsx")


class Tile(QFrame):
    """One big number with a caption above and a line of detail below."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.caption = QLabel(caption)
        self.caption.setObjectName("tileCaption")
        self.value = QLabel("–")
        self.value.setObjectName("tileValue")
        self.detail = QLabel("")
        self.detail.setObjectName("tileDetail")
        self.detail.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.set_colour(None)

    def set(self, caption: str, value: str, detail: str, colour: str | None = None) -> None:
        self.caption.setText(caption)
        self.value.setText(value)
        self.detail.setText(detail)
        self.set_colour(colour)

    def set_colour(self, colour: str | None) -> None:
        accent = colour or "#1565c0"
        self.setStyleSheet(
            f"#tile {{ background: white; border: 1px solid #d9dee3; "
            f"border-left: 6px solid {accent}; border-radius: 4px; }}"
            "#tileCaption { color: #52606d; font-size: 14px; font-weight: bold; }"
            f"#tileValue {{ color: {colour or '#1f2933'}; font-size: 34px; font-weight: bold; }}"
            "#tileDetail { color: #3e4c59; font-size: 13px; }"
        )


def _ratio(fraction: float | None) -> str:
    return percent(fraction) if fraction is not None else "–"


class DashboardPanel(QWidget):
    """The manager's dashboard. `refresh()` recounts; `go_to(code)` drills (None: province)."""

    refreshed = Signal()

    def __init__(
        self,
        context: AppContext,
        ask_save_path: AskSavePath = ask_report_path,
        parent: QWidget | None = None,
        refresh_now: bool = True,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.ask_save_path = ask_save_path
        self.unit_code: str | None = None
        self.board: Dashboard | None = None
        self.last_export: BackgroundOp[Path] | None = None
        with context.database.session(read_only=True) as session:
            campaign = active_campaign(session)
            self.first_day, self.last_day = campaign.first_day, campaign.last_day
        self.campaign_days = [
            self.first_day + timedelta(days=i)
            for i in range((self.last_day - self.first_day).days + 1)
        ]

        self.setObjectName("dashboard")
        self.setStyleSheet("#dashboard { background: #f3f5f7; }")
        top = self._build_top_row()
        tiles = self._build_tiles()
        self._build_charts()
        self._build_notes()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 6)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(tiles)
        layout.addWidget(self.charts, 1)
        layout.addWidget(self.moved_note)
        layout.addWidget(self.note)

        self.up_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Backspace), self)
        self.up_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.up_shortcut.activated.connect(self.go_up)
        self.as_of.dateChanged.connect(self.refresh)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        if not context.database.is_sqlite:
            self.timer.start()
        if refresh_now:  # the main window counts when the tab is first shown instead
            self.refresh()

    def _build_top_row(self) -> QHBoxLayout:
        """The path (breadcrumb), the day, the actions."""
        self.path_bar = QHBoxLayout()
        self.path_bar.setSpacing(2)
        path_holder = QWidget()
        path_holder.setLayout(self.path_bar)
        self.path_buttons: list[QPushButton] = []
        self.as_of = QDateEdit()
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("dd/MM/yyyy")
        self.as_of.setMinimumDate(qdate(self.first_day))
        self.as_of.setMaximumDate(qdate(self.last_day))
        self.set_day(today_vn())
        self.as_of.setStyleSheet("font-size: 15px; padding: 3px;")
        day_label = QLabel("&Ngày:")
        day_label.setBuddy(self.as_of)
        day_label.setStyleSheet("font-size: 15px;")
        self.refresh_button = QPushButton("&Làm mới")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("&Xuất báo cáo PC06…")
        self.export_button.clicked.connect(self.export_report)
        for button in (self.refresh_button, self.export_button):
            button.setStyleSheet("font-size: 14px; padding: 5px 12px;")
        top = QHBoxLayout()
        top.addWidget(path_holder, 1)
        top.addWidget(day_label)
        top.addWidget(self.as_of)
        top.addSpacing(8)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_button)
        return top

    def _build_tiles(self) -> QHBoxLayout:
        self.tile_day = Tile("Trong ngày")
        self.tile_total = Tile("Lũy kế")
        self.tile_days = Tile("Số ngày còn lại")
        self.tile_needed = Tile("Cần đạt mỗi ngày")
        self.tile_levels = Tile("Mức 1 / Mức 2")
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        for tile in (self.tile_day, self.tile_total, self.tile_days, self.tile_needed):
            tiles.addWidget(tile, 3)
        tiles.addWidget(self.tile_levels, 3)
        return tiles

    def _build_charts(self) -> None:
        """The bars per unit (scrolling when many) beside the daily line, in a splitter."""
        self.bars = BarChart()
        self.bars.bar_clicked.connect(self.go_to)
        self.bar_scroll = QScrollArea()
        self.bar_scroll.setWidget(self.bars)
        self.bar_scroll.setWidgetResizable(True)
        self.bar_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.line = LineChart()
        self.charts = QSplitter(Qt.Orientation.Horizontal)
        self.charts.setObjectName("dashboardCharts")
        self.charts.addWidget(self.bar_scroll)
        self.charts.addWidget(self.line)
        self.charts.setStretchFactor(0, 11)
        self.charts.setStretchFactor(1, 9)
        self.charts.setChildrenCollapsible(False)

    def _build_notes(self) -> None:
        self.note = QLabel()
        self.note.setStyleSheet("color: #52606d; font-size: 12px;")
        self.note.setWordWrap(True)
        self.moved_note = wrapping_label()
        self.moved_note.setStyleSheet(
            "background: #fff4e5; color: #8a4b00; padding: 4px 6px; border-radius: 3px;"
        )
        self.moved_note.setVisible(False)

    # -- navigation ---------------------------------------------------------------------

    def day(self) -> date:
        chosen = self.as_of.date().toPython()
        assert isinstance(chosen, date)
        return chosen

    def set_day(self, day: date) -> None:
        clamped = min(max(day, self.first_day), self.last_day)
        self.as_of.setDate(qdate(clamped))

    def go_to(self, unit_code: str | None) -> None:
        """Show a unit (None: the province): its own numbers and its parts."""
        previous = self.unit_code
        self.unit_code = unit_code or None
        if not self.refresh():
            self.unit_code = previous
            self.refresh()

    def go_up(self) -> None:
        if self.board is not None and len(self.board.path) > 1:
            self.go_to(self.board.path[-2].code)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Backspace:
            self.go_up()
            return
        super().keyPressEvent(event)

    # -- numbers ------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Recount and redraw; False (and a message) when the database cannot be read."""
        try:
            with self.context.database.session(read_only=True) as session:
                board = dashboard(session, self.day(), self.unit_code, today=today_vn())
        except UserError as error:
            messages().warning(self, "Không đếm được", str(error))
            return False
        self.board = board
        self._show_path(board)
        self._show_tiles(board)
        self._show_bars(board)
        self._show_line(board)
        self.refreshed.emit()
        return True

    def _show_path(self, board: Dashboard) -> None:
        clear_layout(self.path_bar)
        self.path_buttons = []
        for index, crumb in enumerate(board.path):
            last = index == len(board.path) - 1
            button = QPushButton(crumb.name)
            button.setFlat(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            button.setToolTip("Đang xem" if last else f"Quay lên {crumb.name} (phím Backspace)")
            button.setEnabled(not last)
            style = "font-size: 19px; font-weight: bold; padding: 2px 4px; border: none;"
            button.setStyleSheet(
                style
                + ("color: #1f2933;" if last else "color: #1565c0; text-decoration: underline;")
            )
            button.clicked.connect(lambda _=False, code=crumb.code: self.go_to(code))
            self.path_bar.addWidget(button)
            self.path_buttons.append(button)
            if not last:
                arrow = QLabel("›")
                arrow.setStyleSheet("font-size: 19px; color: #7b8794;")
                self.path_bar.addWidget(arrow)
        self.path_bar.addStretch(1)

    def _show_tiles(self, board: Dashboard) -> None:
        unit, clock = board.unit, board.clock
        day = format_date(clock.as_of)
        daily = (
            f"Chỉ tiêu ngày {number(unit.target_daily)} · đạt {_ratio(unit.share_of_daily)}"
            if unit.target_daily is not None
            else "Chưa có chỉ tiêu ngày"
        )
        self.tile_day.set(
            f"Trong ngày {day}",
            number(unit.on_day),
            daily,
            PACE_COLOURS[Pace.ON_PLAN]
            if unit.target_daily and unit.on_day >= unit.target_daily
            else None,
        )
        if unit.target_total is not None:
            planned = clock.elapsed_days / clock.campaign_days
            detail = (
                f"{number(unit.activated)} / {number(unit.target_total)} · "
                f"kế hoạch đến nay {percent(planned)}"
            )
            self.tile_total.set(
                f"Lũy kế đến {day}",
                _ratio(unit.share_of_target),
                detail,
                PACE_COLOURS[unit.pace],
            )
        else:
            self.tile_total.set(f"Lũy kế đến {day}", number(unit.activated), "Chưa có chỉ tiêu")
        period = f"từ {format_date(clock.first_day)} đến hết {format_date(clock.last_day)}"
        if clock.ended:
            days_detail = f"Đợt {period} đã kết thúc"
        elif clock.last_day_now:
            days_detail = f"Ngày {format_date(clock.last_day)} là ngày cuối của đợt"
        else:
            days_detail = f"Đợt {period}"
        self.tile_days.set("Số ngày còn lại", number(clock.days_left), days_detail)
        self._show_needed(unit, clock)
        self.tile_levels.set(
            "Mức 1 / Mức 2 (lũy kế)",
            f"{number(unit.level1)} / {number(unit.level2)}",
            f"Trong ngày: mức 1 {number(unit.level1_on_day)}, mức 2 {number(unit.level2_on_day)}",
        )

    def _show_needed(self, unit: Progress, clock: CampaignClock) -> None:
        """The daily rate still needed; on the last day, all that is left; once the
        campaign has ended, no rate (no day is left) but the shortfall."""
        if unit.remaining is None:
            self.tile_needed.set("Cần đạt mỗi ngày", "–", "Chưa có chỉ tiêu")
            return
        if unit.needed_per_day is None:  # the campaign has ended
            if unit.remaining:
                detail = "Đợt đã kết thúc: số còn thiếu để đạt chỉ tiêu"
                colour = PACE_COLOURS[Pace.BEHIND]
            else:
                detail = "Đợt đã kết thúc: đã đạt chỉ tiêu"
                colour = PACE_COLOURS[Pace.ON_PLAN]
            self.tile_needed.set(
                "Còn thiếu so với chỉ tiêu", number(unit.remaining), detail, colour
            )
            return
        behind = bool(unit.target_daily) and unit.needed_per_day > (unit.target_daily or 0)
        if clock.last_day_now:
            caption = "Cần đạt trong ngày cuối"
            detail = f"Còn thiếu {number(unit.remaining)}: cần đạt hết trong ngày cuối của đợt"
        else:
            caption = "Cần đạt mỗi ngày"
            detail = f"Còn thiếu {number(unit.remaining)} để đạt chỉ tiêu đúng hạn"
        self.tile_needed.set(
            caption,
            number(unit.needed_per_day),
            detail,
            PACE_COLOURS[Pace.BEHIND] if behind else None,
        )

    def bar_data(self, board: Dashboard) -> BarChartData:
        """The bars for the children of the chosen unit (public for printing and tests)."""
        clock = board.clock
        with_targets = board.child_kind != ChildKind.POINT and any(
            c.target_total for c in board.children
        )
        bars = [self._bar(child, with_targets) for child in board.children]
        hint = "Bấm vào tên để xem chi tiết" if any(b.clickable for b in bars) else ""
        if with_targets:
            planned = clock.elapsed_days / clock.campaign_days
            return BarChartData(
                title=CHILD_TITLES[board.child_kind],
                hint=hint,
                bars=bars,
                axis_text=lambda v: percent(v, 0),
                marker=planned if planned > 0 else None,
                marker_label=f"Kế hoạch đến {format_date(clock.as_of)}: {percent(planned)}",
                legend=[(QColor(PACE_COLOURS[p]), text) for p, text in PACE_LEGEND]
                + (
                    [(QColor(PACE_COLOURS[Pace.NONE]), "Chưa có chỉ tiêu")]
                    if any(c.target_total is None for c in board.children)
                    else []
                ),
                empty_text="Không có đơn vị nào.",
            )
        if board.child_kind == ChildKind.POINT:
            title = CHILD_TITLES[ChildKind.POINT]
        else:
            title = f"Số kích hoạt theo {CHILD_LABELS[board.child_kind].lower()} (chưa có chỉ tiêu)"
        return BarChartData(
            title=title,
            hint=hint,
            bars=bars,
            axis_text=number,
            empty_text="Chưa có điểm thu nhận nào đặt tại đây."
            if board.child_kind == ChildKind.POINT
            else "Không có đơn vị nào.",
        )

    def _bar(self, child: Progress, with_targets: bool) -> Bar:
        tooltip = (
            f"{child.name}\nLũy kế: {number(child.activated)} (mức 1 {number(child.level1)}, "
            f"mức 2 {number(child.level2)})\nTrong ngày: {number(child.on_day)}"
        )
        if child.target_total is not None:
            tooltip += (
                f"\nChỉ tiêu: {number(child.target_total)} · đạt {_ratio(child.share_of_target)}"
                f"\nSo với kế hoạch đến nay: {_ratio(child.pace_ratio)}"
            )
        if with_targets and child.target_total:
            value = child.share_of_target or 0.0
            text = f"{percent(value)}  ({number(child.activated)}/{number(child.target_total)})"
        elif with_targets:
            value = 0.0
            text = f"{number(child.activated)} (chưa có chỉ tiêu)"
        else:
            value = float(child.activated)
            text = number(child.activated)
        return Bar(
            key=child.code or "",
            label=child.name,
            value=value,
            value_text=text,
            colour=QColor(PACE_COLOURS[child.pace] if with_targets else "#1565c0"),
            clickable=child.drillable,
            tooltip=tooltip,
        )

    def _show_bars(self, board: Dashboard) -> None:
        self.bars.set_data(self.bar_data(board))

    def line_data(self, board: Dashboard) -> LineChartData:
        place = board.path[-1].name
        return LineChartData(
            title=f"Kích hoạt mỗi ngày – {place}",
            days=self.campaign_days,
            values=[d.activated for d in board.series],
            target=board.series_target,
        )

    def _show_line(self, board: Dashboard) -> None:
        self.line.set_data(self.line_data(board))
        points = (
            " Số của điểm thu nhận là số hồ sơ điểm đó nhận."
            if board.child_kind == ChildKind.POINT
            else ""
        )
        outside = (
            f" Ngoài tỉnh (mức 1 của công dân thường trú ở tỉnh khác, không tính vào tỉnh): "
            f"{number(board.outside_level1)}."
            if board.outside_level1
            else ""
        )
        self.note.setText(
            "Chỉ tính tài khoản đã kích hoạt thành công; mức 1 tính theo nơi thường trú, mức 2 "
            "theo nơi thu nhận hồ sơ. Kế hoạch đến nay = chỉ tiêu × số ngày đã qua ÷ "
            f"{board.clock.campaign_days} ngày của đợt.{points}{outside}"
        )
        self.moved_note.setVisible(bool(board.moved))
        self.moved_note.setText(
            "Số liệu đã báo cáo thay đổi do sửa thời điểm kích hoạt: "
            + "; ".join(
                f"ngày {format_date(m.from_day)} → ngày {format_date(m.to_day)} "
                f"(sửa lúc {format_moment(m.corrected_at)})"
                for m in board.moved
            )
            + ". Lập và gửi lại báo cáo của các ngày đó."
        )

    # -- the report ---------------------------------------------------------------------

    def export_report(self) -> None:
        day = self.day()
        path = self.ask_save_path(self, f"bao-cao-PC06-{day.isoformat()}.xlsx")
        if path is None:
            return
        database = self.context.database
        context = self.context

        def work(report: Report) -> Path:
            from services.documents.report import write_report  # openpyxl loads only when needed

            with database.session() as session:
                written = write_report(session, context.signed_in(), day, path, report)
                session.commit()  # the audit entry of the export
                return written

        def done(written: Path) -> None:
            messages().info(
                self,
                "Đã xuất báo cáo",
                f"Đã lưu báo cáo PC06 (số liệu đến hết ngày {format_date(day)}) vào:\n{written}",
            )

        self.last_export = (
            BackgroundOp(self, work, done).with_progress("Đang lập báo cáo PC06…").run()
        )
