"""The follow-up queue: cases waiting for someone, oldest first, with the number to call.

Enter or F4 resumes the chosen case at the desk (`resume_requested`); Ctrl+L records
that the citizen was contacted, with the note typed below the table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QLocale, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from services.common.errors import UserError
from services.common.vntime import format_date, format_moment, today_vn
from services.desk.follow_up import (
    LEVEL1_APPROVAL_WORKING_DAYS,
    LEVEL2_APPROVAL_WORKING_DAYS,
    FollowUpRow,
    add_contact,
    count_follow_up,
    follow_up_cases,
)
from ui.cases.case_list_model import case_at, format_phone
from ui.cases.detail import CaseDetailDialog, open_case_detail
from ui.shell.context import AppContext
from ui.widgets.forms import stacked, wrapping_label
from ui.widgets.lazy_model import Column, LazyTableModel, row_table, select_row_where
from ui.widgets.messages import messages
from ui.widgets.shortcuts import action_button

OVERDUE_BACKGROUND = QColor("#fde2e1")
DEFAULT_NOTE = "Đã gọi điện nhắc công dân"


def _due_text(row: FollowUpRow) -> str:
    if row.due_on is None:
        return ""
    return f"Quá hạn (hạn {format_date(row.due_on)})" if row.overdue else format_date(row.due_on)


def _contact_text(row: FollowUpRow) -> str:
    contact = row.last_contact
    if contact is None:
        return "Chưa liên hệ"
    text = f"Đã liên hệ {format_moment(contact.at)}: {contact.note}"
    return f"{text} ({row.contacts} lần)" if row.contacts > 1 else text


FOLLOW_UP_COLUMNS: tuple[Column[FollowUpRow], ...] = (
    Column("Chờ từ", lambda r: format_moment(r.since)),
    Column("Việc cần làm", lambda r: r.kind_label),
    Column("Hạn", _due_text),
    Column("Họ và tên", lambda r: r.full_name),
    Column("Số điện thoại", lambda r: format_phone(r.phone) or "(không có)"),
    Column("Số định danh", lambda r: r.id_number),
    Column("Liên hệ", _contact_text),
    Column("Điểm thu nhận", lambda r: r.point_name),
)
POINT_COLUMN = len(FOLLOW_UP_COLUMNS) - 1


class FollowUpModel(LazyTableModel[FollowUpRow]):
    """Overdue rows are marked by the words «Quá hạn», a tint and bold: not colour alone."""

    def __init__(self) -> None:
        super().__init__(FOLLOW_UP_COLUMNS)

    def row_data(self, row: FollowUpRow, column: Column[FollowUpRow], role: int) -> Any:
        if row.overdue and role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(OVERDUE_BACKGROUND)
        if row.overdue and role == Qt.ItemDataRole.FontRole and column.title == "Hạn":
            font = QFont()
            font.setBold(True)
            return font
        return super().row_data(row, column, role)

    def case_id(self, row: int) -> int | None:
        found = self.row_at(row)
        return found.case_id if found is not None else None


def _legend() -> QLabel:
    """Which cases are in the queue, and how their wait is counted."""
    legend = wrapping_label(
        f"Mức 1 chờ duyệt quá {LEVEL1_APPROVAL_WORKING_DAYS} ngày làm việc; mức 1 đã duyệt "
        f"chưa kích hoạt; mức 2 chưa kích hoạt (quá hạn sau {LEVEL2_APPROVAL_WORKING_DAYS} "
        "ngày làm việc). Thứ Bảy, Chủ nhật không tính. Hồ sơ chờ lâu nhất ở trên."
    )
    return legend


class FollowUpPanel(QWidget):
    resume_requested = Signal(int)

    def __init__(
        self,
        context: AppContext,
        parent: QWidget | None = None,
        today: Callable[[], date] = today_vn,
        load_now: bool = True,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.today = today
        self.total = 0
        self.detail_dialog: CaseDetailDialog | None = None
        self._locale = QLocale()
        self.summary = wrapping_label()
        legend = _legend()
        self._build_table()
        bottom = self._build_bottom_row()

        stacked(self, self.summary, legend, (self.table, 1), bottom)

        actor = context.actor
        self.table.setColumnHidden(POINT_COLUMN, not (actor and actor.sees_all_points))
        if load_now:  # the main window loads the queue when its tab is first shown
            self.refresh()

    def _build_table(self) -> None:
        """The queue, longest waiting first."""
        self.model = FollowUpModel()
        self.model.load_failed.connect(self._load_failed)
        self.table = row_table(self.model, (120, 200, 215, 190, 110, 110, 240))
        self.table.activated.connect(self._activated)

    def _build_bottom_row(self) -> QHBoxLayout:
        """The note of a contact, and the buttons that record it, open or resume the case."""
        self.note = QLineEdit(DEFAULT_NOTE)
        self.note.setToolTip("Nội dung lần liên hệ; Enter để ghi – phím tắt: Ctrl+L")
        note_label = QLabel("&Ghi chú liên hệ:")
        note_label.setBuddy(self.note)
        self.note.returnPressed.connect(self.record_contact)
        contact = action_button(
            self,
            "Đã liên hệ",
            ["Ctrl+L"],
            "Ghi lại lần liên hệ với công dân của hồ sơ đang chọn",
            self.record_contact,
        )
        details = action_button(
            self,
            "Xem hồ sơ",
            ["Ctrl+I"],
            "Xem chi tiết, lịch sử và các lần liên hệ",
            self.open_current,
        )
        resume = action_button(
            self,
            "Tiếp tục hồ sơ",
            ["F4"],
            "Mở hồ sơ đang chọn ở bàn thu nhận để làm tiếp (Enter trong bảng cũng được)",
            self.resume_current,
        )
        bottom = QHBoxLayout()
        bottom.addWidget(note_label)
        bottom.addWidget(self.note, 1)
        bottom.addWidget(contact)
        bottom.addSpacing(16)
        bottom.addWidget(details)
        bottom.addWidget(resume)
        return bottom

    def refresh(self) -> None:
        """Reload the queue (after a case was saved, or a contact recorded)."""
        actor = self.context.actor
        if actor is None:
            self.model.set_loader(None)
            self.summary.setText("Chưa đăng nhập: không có hồ sơ để hiện.")
            return
        today = self.today()

        current = self.current_case_id()
        total = self.model.load_from(
            self.context.database,
            lambda session: count_follow_up(session, actor, today),
            lambda session, after, limit: follow_up_cases(session, actor, today, after, limit),
        )
        if total is None:
            return
        self.total = total
        self.summary.setText(
            f"<b>{self._locale.toString(self.total)}</b> hồ sơ đang chờ liên hệ, xử lý"
            if self.total
            else "Không có hồ sơ nào đang chờ."
        )
        select_row_where(self.table, self.model, lambda row: row.case_id == current)

    def reset(self) -> None:
        """Clean for the next operator: no selection, the note as it starts (the queue
        loads again when next shown)."""
        self.note.setText(DEFAULT_NOTE)
        self.table.clearSelection()
        self.table.setCurrentIndex(QModelIndex())
        self.model.set_loader(None)
        self.summary.clear()

    def _load_failed(self, text: str) -> None:
        messages().warning(self, "Không tải được danh sách chờ", text)

    def current_case_id(self) -> int | None:
        return case_at(self.model, self.table.currentIndex())

    def _activated(self, index: QModelIndex) -> None:
        case_id = case_at(self.model, index)
        if case_id is not None:
            self.resume_requested.emit(case_id)

    def _chosen(self, key: str) -> int | None:
        case_id = self.current_case_id()
        if case_id is None:
            messages().info(self, "Chưa chọn hồ sơ", f"Chọn một hồ sơ trong bảng rồi nhấn {key}.")
        return case_id

    def resume_current(self) -> None:
        case_id = self._chosen("F4")
        if case_id is not None:
            self.resume_requested.emit(case_id)

    def open_current(self) -> None:
        case_id = self._chosen("Ctrl+I")
        if case_id is None:
            return
        dialog = open_case_detail(self.context, case_id, self, self.refresh, self.resume_requested)
        if dialog is not None:
            self.detail_dialog = dialog

    def record_contact(self) -> None:
        """Note that the citizen of the chosen case was contacted; one transaction."""
        case_id = self._chosen("Ctrl+L")
        actor = self.context.actor
        if case_id is None or actor is None:
            return
        try:
            with self.context.database.session() as session:
                add_contact(session, actor, case_id, self.note.text())
                session.commit()
        except UserError as error:
            messages().error(self, "Chưa ghi được lần liên hệ", str(error))
            return
        self.note.setText(DEFAULT_NOTE)
        self.refresh()
