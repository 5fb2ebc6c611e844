"""The audit log viewer (managers and administrators): filter, check the chain, export."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from services.common.errors import UserError
from services.common.vntime import format_moment, today_vn
from services.security.audit import (
    ACTION_LABELS,
    AuditFilter,
    AuditRow,
    count_entries,
    export_entries,
    list_entries,
    usernames,
)
from services.security.audit_labels import describe_details, readable_summary
from services.security.audit_witness import current_heads, verify_audit
from ui.shell.context import AppContext
from ui.widgets.file_dialogs import ask_save_path
from ui.widgets.forms import day_edit, stacked, wrapping_label
from ui.widgets.messages import messages
from ui.widgets.transactions import REFUSED, done_or_shown

PAGE = 1000
COLUMNS = ("Số", "Thời điểm", "Người thực hiện", "Điểm", "Việc", "Nội dung")


def ask_export_path(parent: QWidget, suggested: str) -> Path | None:
    return ask_save_path(
        parent, "Xuất nhật ký", suggested, "Bảng tính Excel (*.xlsx);;Tệp CSV (*.csv)"
    )


class AuditDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.ask_export_path = ask_export_path
        self.rows: list[AuditRow] = []
        self.setWindowTitle("Nhật ký hệ thống – kichhoat")
        filters = self._build_filters()
        self._build_table()
        self.summary = QLabel()
        self.chain = wrapping_label()
        self.chain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bottom = self._build_bottom_row()

        stacked(self, filters, (self.table, 1), self.chain, bottom)
        self.resize(1200, 640)

        self._load_users()
        self.use_dates.toggled.connect(lambda _: self.reload())
        for edit in (self.first_day, self.last_day):
            edit.dateChanged.connect(
                lambda _: self.reload() if self.use_dates.isChecked() else None
            )
        self.user.currentIndexChanged.connect(lambda _: self.reload())
        self.action.currentIndexChanged.connect(lambda _: self.reload())
        self.reload()

    def _build_filters(self) -> QHBoxLayout:
        """The period (last week unless chosen), the user, the kind of action."""
        today = today_vn()
        self.use_dates = QCheckBox("Từ &ngày:")
        self.first_day = day_edit(today - timedelta(days=7))
        self.last_day = day_edit(today)
        self.user = QComboBox()
        self.user.setMinimumContentsLength(16)
        self.action = QComboBox()
        self.action.addItem("Tất cả", None)
        for code, label in ACTION_LABELS.items():
            self.action.addItem(label, str(code))
        filters = QHBoxLayout()
        filters.addWidget(self.use_dates)
        filters.addWidget(self.first_day)
        filters.addWidget(QLabel("đến"))
        filters.addWidget(self.last_day)
        filters.addSpacing(12)
        user_label = QLabel("&Người:")
        user_label.setBuddy(self.user)
        filters.addWidget(user_label)
        filters.addWidget(self.user)
        action_label = QLabel("&Việc:")
        action_label.setBuddy(self.action)
        filters.addWidget(action_label)
        filters.addWidget(self.action)
        filters.addStretch(1)
        return filters

    def _build_table(self) -> None:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((60, 130, 150, 90, 170)):
            self.table.setColumnWidth(column, width)

    def _build_bottom_row(self) -> QHBoxLayout:
        """The count of entries shown, then check the chain, export, close."""
        verify = QPushButton("&Kiểm tra tính toàn vẹn")
        verify.setToolTip(
            "Tính lại chuỗi mã băm của từng điểm và đối chiếu với các dấu đã in trên báo cáo, "
            "đã gửi trong gói dữ liệu: phát hiện mục bị sửa, xóa, chèn hay nhật ký bị làm lại"
        )
        verify.clicked.connect(self.verify)
        export = QPushButton("&Xuất…")
        export.clicked.connect(self.export)
        close = QPushButton("Đóng")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(verify)
        bottom.addWidget(export)
        bottom.addWidget(close)
        return bottom

    def _load_users(self) -> None:
        self.user.blockSignals(True)
        self.user.clear()
        self.user.addItem("Tất cả", None)
        try:
            with self.context.database.session(read_only=True) as session:
                for name in usernames(session, self.context.signed_in()):
                    self.user.addItem(name, name)
        except UserError as error:
            messages().error(self, "Không đọc được nhật ký", str(error))
        self.user.blockSignals(False)

    def current_filter(self) -> AuditFilter:
        dated = self.use_dates.isChecked()
        first = self.first_day.date().toPython() if dated else None
        last = self.last_day.date().toPython() if dated else None
        assert first is None or isinstance(first, date)
        assert last is None or isinstance(last, date)
        return AuditFilter(
            first_day=first,
            last_day=last,
            username=self.user.currentData(),
            action=self.action.currentData(),
        )

    def reload(self) -> None:
        audit_filter = self.current_filter()
        try:
            with self.context.database.session(read_only=True) as session:
                actor = self.context.signed_in()
                total = count_entries(session, actor, audit_filter)
                self.rows = list_entries(session, actor, audit_filter, limit=PAGE)
        except UserError as error:
            messages().error(self, "Không đọc được nhật ký", str(error))
            return
        self.table.setRowCount(len(self.rows))
        for row, entry in enumerate(self.rows):
            cells = (
                str(entry.id),
                format_moment(entry.at),
                entry.username,
                entry.point_code or "",
                entry.action_label,
                readable_summary(entry.summary, entry.details),
            )
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 0:
                    item.setToolTip(entry.place)
                if column == 5:
                    item.setToolTip(describe_details(entry.details))
                self.table.setItem(row, column, item)
        shown = f"{len(self.rows)} mục mới nhất trong {total}" if total > len(self.rows) else ""
        self.summary.setText(shown or f"{total} mục")

    def verify(self) -> None:
        """Check every chain, and every head printed on a report or sent in a package."""
        try:
            with self.context.database.session(read_only=True) as session:
                self.context.signed_in()
                check = verify_audit(session)
                heads = current_heads(session)
        except UserError as error:
            messages().error(self, "Không kiểm tra được", str(error))
            return
        colour = "#1b5e20" if check.ok else "#b00020"
        self.chain.setStyleSheet(f"color: {colour}; font-weight: bold;")
        self.chain.setText(check.describe())
        listed = "\n".join(head.short() for head in heads[:40])
        more = f"\n… và {len(heads) - 40} chuỗi nữa" if len(heads) > 40 else ""
        self.chain.setToolTip(
            f"Đầu các chuỗi hiện nay (in ở cuối báo cáo PC06, gửi kèm gói dữ liệu):\n{listed}{more}"
        )
        if not check.ok:
            messages().error(self, "Nhật ký đã bị can thiệp", check.describe())

    def export(self) -> None:
        path = self.ask_export_path(self, f"nhat-ky-{today_vn().isoformat()}.xlsx")
        if path is None:
            return
        count = done_or_shown(
            self,
            self.context,
            "Không xuất được nhật ký",
            export_entries,
            self.current_filter(),
            path,
        )
        if count is REFUSED:
            return
        messages().info(self, "Đã xuất nhật ký", f"Đã ghi {count} mục vào:\n{path}")
        self.reload()
