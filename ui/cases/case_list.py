"""The case list: search by ID number, phone or name (no diacritics needed), filter, open.

Operators see their point's cases; managers and admins every point's. Rows load a
page at a time as the table scrolls. Enter opens the case; F4 resumes it at the desk.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QLocale, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from models.codes import Status
from services.cases.queries import (
    COUNT_LIMIT,
    CaseFilter,
    count_cases,
    fetch_cases,
    operator_choices,
)
from services.common.errors import UserError
from services.common.labels import LEVEL_LABELS, STATUS_LABELS
from services.common.vntime import today_vn
from ui.cases.case_list_model import POINT_COLUMN, CaseListModel, case_at
from ui.cases.detail import CaseDetailDialog, open_case_detail
from ui.shell.context import AppContext
from ui.widgets.forms import day_edit, qdate, stacked
from ui.widgets.lazy_model import row_table
from ui.widgets.messages import messages
from ui.widgets.shortcuts import action_button, add_shortcuts

SEARCH_DELAY_MS = 250
SEARCH_HINT = "Số định danh, số điện thoại hoặc họ tên (gõ không dấu cũng được)"


class CaseListPanel(QWidget):
    resume_requested = Signal(int)

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, load_now: bool = True
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.detail_dialog: CaseDetailDialog | None = None
        self.total = 0
        self.count_limit = COUNT_LIMIT  # the count says "more than" past this
        self._locale = QLocale()
        search_row = self._build_search_row()
        filters = self._build_filters()
        self._build_table()
        bottom = self._build_bottom_row()

        stacked(self, search_row, filters, (self.table, 1), bottom)
        self._connect_filters()

        self.table.setColumnHidden(POINT_COLUMN, not self._sees_all_points())
        if load_now:  # the main window loads the list when its tab is first shown
            self._load_operators()
            self.apply_filter()
        self._size_columns()

    def _build_search_row(self) -> QHBoxLayout:
        self.search = QLineEdit()
        self.search.setPlaceholderText(SEARCH_HINT)
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip(f"{SEARCH_HINT} – phím tắt: Ctrl+F; Enter hoặc ↓ để xuống bảng")
        search_label = QLabel("&Tìm (Ctrl+F):")
        search_label.setBuddy(self.search)
        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        return search_row

    def _build_filters(self) -> QHBoxLayout:
        """Level, status, the day of the last change, the operator: each narrows the list."""
        self.level = QComboBox()
        self.level.addItem("Tất cả", None)
        for level, label in LEVEL_LABELS.items():
            self.level.addItem(label, level)
        level_label = QLabel("&Mức:")
        level_label.setBuddy(self.level)

        self.status = QComboBox()
        self.status.addItem("Tất cả", None)
        for status in Status:
            self.status.addItem(STATUS_LABELS[status], status.value)
        status_label = QLabel("T&rạng thái:")
        status_label.setBuddy(self.status)

        self.use_day = QCheckBox("Cập nhật &ngày:")
        self.use_day.setToolTip("Chỉ hiện hồ sơ có thay đổi gần nhất trong ngày này (giờ Việt Nam)")
        self.day = day_edit(today_vn())
        self.day.setEnabled(False)

        self.operator = QComboBox()
        self.operator.setMinimumContentsLength(18)
        self.operator.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        operator_label = QLabel("Cán &bộ:")
        operator_label.setBuddy(self.operator)

        filters = QHBoxLayout()
        pairs: tuple[tuple[QLabel | None, QWidget], ...] = (
            (level_label, self.level),
            (status_label, self.status),
            (None, self.use_day),
            (None, self.day),
            (operator_label, self.operator),
        )
        for buddy_label, widget in pairs:
            if buddy_label is not None:
                filters.addWidget(buddy_label)
            filters.addWidget(widget)
            filters.addSpacing(8)
        filters.addStretch(1)
        return filters

    def _build_table(self) -> None:
        self.model = CaseListModel()
        self.model.load_failed.connect(self._load_failed)
        self.table = row_table(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.activated.connect(self._activated)

    def _build_bottom_row(self) -> QHBoxLayout:
        """The count of cases shown, and the buttons that open or resume the chosen one."""
        self.summary = QLabel()
        open_button = action_button(
            self,
            "Mở hồ sơ",
            ["Enter"],
            "Xem chi tiết, lịch sử và sửa hồ sơ đang chọn",
            self.open_current,
            install=False,
        )
        resume_button = action_button(
            self,
            "Tiếp tục hồ sơ",
            ["F4"],
            "Mở hồ sơ đang chọn ở bàn thu nhận để làm tiếp",
            self.resume_current,
        )
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(open_button)
        bottom.addWidget(resume_button)
        return bottom

    def _connect_filters(self) -> None:
        """Typing filters after a pause; a changed choice filters at once."""
        # Ctrl+F works wherever the focus is in the window, while this panel is shown.
        add_shortcuts(self, ["Ctrl+F"], self.focus_search, Qt.ShortcutContext.WindowShortcut)
        self.search.returnPressed.connect(self._to_table)
        self.search.installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _: self._timer.start())
        for combo in (self.level, self.status, self.operator):
            combo.currentIndexChanged.connect(lambda _: self.apply_filter())
        self.use_day.toggled.connect(self.day.setEnabled)
        self.use_day.toggled.connect(lambda _: self.apply_filter())
        self.day.dateChanged.connect(lambda _: self._day_changed())

    # Filters ----------------------------------------------------------------------------

    def _day_changed(self) -> None:
        if self.use_day.isChecked():
            self.apply_filter()

    def _sees_all_points(self) -> bool:
        actor = self.context.actor
        return actor is not None and actor.sees_all_points

    def _load_operators(self) -> None:
        actor = self.context.actor
        choices = []
        if actor is not None:
            try:
                with self.context.database.session(read_only=True) as session:
                    choices = operator_choices(session, actor)
            except UserError as error:
                messages().warning(self, "Không đọc được danh sách cán bộ", str(error))
        current = self.operator.currentData()
        self.operator.blockSignals(True)
        self.operator.clear()
        self.operator.addItem("Tất cả", None)
        for choice in choices:
            self.operator.addItem(choice.label, choice.id)
        found = self.operator.findData(current)
        self.operator.setCurrentIndex(max(found, 0))
        self.operator.blockSignals(False)

    def current_filter(self) -> CaseFilter:
        status = self.status.currentData()
        day = self.day.date().toPython() if self.use_day.isChecked() else None
        assert day is None or isinstance(day, date)
        return CaseFilter(
            text=self.search.text(),
            level=self.level.currentData(),
            status=Status(status) if status else None,
            day=day,
            operator_id=self.operator.currentData(),
        )

    def apply_filter(self) -> None:
        """Show the first page of the cases matching the filters, and how many there are."""
        self._timer.stop()
        actor = self.context.actor
        case_filter = self.current_filter()
        if actor is None:
            self.model.set_loader(None)
            self.summary.setText("Chưa đăng nhập: không có hồ sơ để hiện.")
            return

        total = self.model.load_from(
            self.context.database,
            lambda session: count_cases(session, actor, case_filter, self.count_limit),
            lambda session, after, limit: fetch_cases(session, actor, case_filter, after, limit),
        )
        if total is None:
            return
        self.total = total
        self._show_summary()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def _show_summary(self) -> None:
        if self.total == 0:
            self.summary.setText("Không có hồ sơ nào khớp với điều kiện tìm.")
            return
        # The count stops past count_limit (a city's millions): "more than" is said then.
        how_many = (
            f"Hơn {self._locale.toString(self.count_limit)} hồ sơ"
            if self.total > self.count_limit
            else f"{self._locale.toString(self.total)} hồ sơ"
        )
        self.summary.setText(
            f"{how_many} (mới cập nhật trước; "
            f"đã tải {self._locale.toString(self.model.rowCount())}, cuộn xuống để tải thêm)"
            if self.model.rowCount() < self.total
            else f"{how_many} (mới cập nhật trước)"
        )

    def refresh(self) -> None:
        """Reload after a case was saved elsewhere (the desk, an import)."""
        self._load_operators()
        self.apply_filter()

    def _size_columns(self) -> None:
        widths = (120, 220, 70, 230, 120, 180, 130)
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)

    def _load_failed(self, text: str) -> None:
        messages().warning(self, "Không tải được danh sách hồ sơ", text)

    # Keyboard ---------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _to_table(self) -> None:
        """Enter in the search: one case found opens at once; more go to the table."""
        self.apply_filter()
        if self.total == 1 and self.model.rowCount() == 1:
            self.table.selectRow(0)
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            self.open_current()
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)

    def reset(self) -> None:
        """A clean list for the next citizen or the next operator: no search, no filter,
        no selection (the list loads again when next shown)."""
        self._timer.stop()
        widgets = (self.search, self.level, self.status, self.use_day, self.day, self.operator)
        for widget in widgets:
            widget.blockSignals(True)
        self.search.clear()
        for combo in (self.level, self.status, self.operator):
            combo.setCurrentIndex(0 if combo.count() else -1)
        self.use_day.setChecked(False)
        self.day.setEnabled(False)
        self.day.setDate(qdate(today_vn()))
        for widget in widgets:
            widget.blockSignals(False)
        self.table.clearSelection()
        self.table.setCurrentIndex(QModelIndex())
        self.model.set_loader(None)
        self.summary.clear()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self._to_table()
            return True
        return False

    # Actions ----------------------------------------------------------------------------

    def current_case_id(self) -> int | None:
        return case_at(self.model, self.table.currentIndex())

    def _activated(self, index: QModelIndex) -> None:
        case_id = case_at(self.model, index)
        if case_id is not None:
            self.open_case(case_id)

    def open_current(self) -> None:
        case_id = self.current_case_id()
        if case_id is None:
            messages().info(self, "Chưa chọn hồ sơ", "Chọn một hồ sơ trong bảng rồi nhấn Enter.")
            return
        self.open_case(case_id)

    def open_case(self, case_id: int) -> None:
        """Show the case's details and history (the dialog stays open beside the list)."""
        dialog = open_case_detail(self.context, case_id, self, self.refresh, self.resume_requested)
        if dialog is not None:
            self.detail_dialog = dialog

    def resume_current(self) -> None:
        case_id = self.current_case_id()
        if case_id is None:
            messages().info(self, "Chưa chọn hồ sơ", "Chọn một hồ sơ trong bảng rồi nhấn F4.")
            return
        self.resume_requested.emit(case_id)
