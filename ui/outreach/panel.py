"""The outreach tab (Vận động): the review lists, what was done with each person, and the
progress per commune and hamlet.

Keys: Ctrl+F searches; Alt+1..6 set the chosen person's status (Đã thông báo, Từ chối,
Không liên lạc được, Không đủ điều kiện, Đã có tài khoản, Chưa liên hệ), Alt+7 turns the
"do not contact" wish on or off; Ctrl+H gives an appointment. Managers also import a
list (Ctrl+Shift+R) and print a day's schedule, invitations, SMS and call sheets (Ctrl+P).
"Đã đến" and "Đã kích hoạt" are never set by hand: the desk sets them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QLocale, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from models.codes import OutreachStatus
from services.campaigns.units import UnitTree
from services.common.errors import UserError
from services.outreach.lists import (
    COUNT_KEYS,
    STATUS_LABELS,
    STATUS_ORDER,
    EntryFilter,
    EntryRow,
    Progress,
    count_entries,
    hamlets_of,
    list_entries,
    page_key,
    progress,
    set_status,
)
from services.security.permissions import Action, allowed
from ui.cases.case_list_model import format_phone
from ui.shell.context import AppContext
from ui.widgets.commune_picker import CommunePicker
from ui.widgets.forms import wrapping_label
from ui.widgets.lazy_model import Column, LazyTableModel, row_table, select_row_where
from ui.widgets.messages import messages
from ui.widgets.shortcuts import action_button, add_shortcuts
from ui.widgets.transactions import REFUSED, done_or_shown

S = OutreachStatus
# The moves a clerk makes by hand, in the order of their keys (Alt+1..6).
HAND_MOVES: tuple[tuple[OutreachStatus, str], ...] = (
    (S.NOTIFIED, "Alt+1"),
    (S.REFUSED, "Alt+2"),
    (S.UNREACHABLE, "Alt+3"),
    (S.INELIGIBLE, "Alt+4"),
    (S.HAD_ACCOUNT, "Alt+5"),
    (S.NOT_CONTACTED, "Alt+6"),
)
DONE_BACKGROUND = QColor("#e3f4e1")
SIDE_BACKGROUND = QColor("#eeeeee")

ENTRY_COLUMNS: tuple[Column[EntryRow], ...] = (
    Column("Họ và tên", lambda r: r.full_name),
    Column("Ngày sinh", lambda r: r.birth),
    Column("Số định danh", lambda r: r.id_number or "(chưa có)"),
    Column("Khóm/ấp", lambda r: r.hamlet),
    Column("Số điện thoại", lambda r: format_phone(r.phone) or "(không có)"),
    Column(
        "Tình trạng",
        lambda r: r.status_label + (" – không muốn được liên lạc" if r.do_not_contact else ""),
    ),
    Column("Ghi chú", lambda r: r.note or ""),
)
PROGRESS_HEADERS = (
    "Mã xã",
    "Xã / khóm, ấp",
    "Trong\ndanh sách",
    "Đã\nthông báo",
    "Đã\nhẹn",
    "Đã\nđến",
    "Đã\nkích hoạt",
    "Đã có\ntài khoản",
    "Từ\nchối",
    "Không liên\nlạc được",
    "Không đủ\nđiều kiện",
    "Còn phải\nvận động",
    "Tỷ lệ\nchuyển đổi",
)
PROGRESS_KEYS = (*COUNT_KEYS, "to_reach")


def _number(value: int) -> str:
    return QLocale().toString(value)


class EntryModel(LazyTableModel[EntryRow]):
    """Came or activated rows tinted green, side outcomes grey; the status is also in words."""

    def __init__(self) -> None:
        super().__init__(ENTRY_COLUMNS)

    def row_data(self, row: EntryRow, column: Column[EntryRow], role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            if row.status in (S.CAME, S.ACTIVATED):
                return QBrush(DONE_BACKGROUND)
            if row.status in (S.REFUSED, S.INELIGIBLE, S.HAD_ACCOUNT):
                return QBrush(SIDE_BACKGROUND)
        return super().row_data(row, column, role)


class OutreachPanel(QWidget):
    """The review lists of the campaign; `appoint_requested` and the manager's actions are
    wired by the main window's outreach actions (ui.outreach.actions)."""

    changed = Signal()

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.total = 0
        with context.database.session(read_only=True) as session:
            self.tree = UnitTree.load(session)
        self.inner = QTabWidget()
        self.inner.addTab(self._build_list_page(), "Danh sách rà soát")
        self.inner.addTab(self._build_progress_page(), "Tiến độ vận động")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.inner)
        add_shortcuts(self, ["Ctrl+F"], self.focus_search)

    # -- building ------------------------------------------------------------------------

    def _build_filters(self) -> QHBoxLayout:
        self.commune = CommunePicker(self.tree, with_outside=False)
        self.commune.setToolTip("Chỉ người của một xã (để trống: mọi xã)")
        self.commune.commune_changed.connect(self._commune_changed)
        self.hamlet = QComboBox()
        self.hamlet.setMinimumWidth(140)
        self.hamlet.addItem("Mọi khóm, ấp", None)
        self.hamlet.currentIndexChanged.connect(lambda _: self.refresh())
        self.status = QComboBox()
        self.status.addItem("Mọi tình trạng", None)
        for status in STATUS_ORDER:
            self.status.addItem(STATUS_LABELS[status], status)
        self.status.currentIndexChanged.connect(lambda _: self.refresh())
        self.search = QLineEdit()
        self.search.setPlaceholderText("Tên (không cần dấu) hoặc số định danh – Ctrl+F")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.refresh)
        row = QHBoxLayout()
        for text, widget, stretch in (
            ("&Xã:", self.commune, 3),
            ("&Khóm/ấp:", self.hamlet, 1),
            ("Tình t&rạng:", self.status, 1),
            ("Tì&m:", self.search, 2),
        ):
            label = QLabel(text)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget, stretch)
        return row

    def _build_table(self) -> QTableView:
        self.model = EntryModel()
        self.model.load_failed.connect(self._load_failed)
        return row_table(self.model, (190, 90, 120, 110, 120, 230))

    def _build_actions(self) -> QHBoxLayout:
        self.note = QLineEdit()
        self.note.setPlaceholderText("Ghi chú kèm lần cập nhật (không bắt buộc)")
        self.move_buttons = []
        row = QHBoxLayout()
        for status, key in HAND_MOVES:
            button = action_button(
                self,
                STATUS_LABELS[status],
                [key],
                f"Ghi người đang chọn là «{STATUS_LABELS[status]}»",
                self._mover(status),
            )
            self.move_buttons.append(button)
            row.addWidget(button)
        self.no_contact_button = action_button(
            self,
            "Không muốn liên lạc",
            ["Alt+7"],
            "Bật/tắt ý muốn không được nhắn tin, gọi điện (bỏ khỏi tin nhắn nhắc lịch)",
            self.toggle_no_contact,
        )
        row.addWidget(self.no_contact_button)
        row.addStretch(1)
        return row

    def _build_list_page(self) -> QWidget:
        page = QWidget()
        self.summary = QLabel()
        self.table = self._build_table()
        self.manager_row = QHBoxLayout()  # filled by ui.outreach.actions
        note_row = QHBoxLayout()
        note_label = QLabel("&Ghi chú:")
        actions = self._build_actions()
        note_label.setBuddy(self.note)
        note_row.addWidget(note_label)
        note_row.addWidget(self.note, 1)
        note_row.addLayout(self.manager_row)
        layout = QVBoxLayout(page)
        layout.addLayout(self._build_filters())
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(actions)
        layout.addLayout(note_row)
        return page

    def _build_progress_page(self) -> QWidget:
        page = QWidget()
        self.by = QComboBox()
        self.by.addItem("Theo khóm, ấp (nơi còn nhiều người phải vận động ở trên)", "hamlet")
        self.by.addItem("Theo xã", "commune")
        self.by.currentIndexChanged.connect(lambda _: self.refresh_progress())
        by_label = QLabel("&Gộp:")
        by_label.setBuddy(self.by)
        self.progress_note = wrapping_label()
        self.progress_table = QTableWidget(0, len(PROGRESS_HEADERS))
        self.progress_table.setHorizontalHeaderLabels(list(PROGRESS_HEADERS))
        self.progress_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.progress_table.verticalHeader().setVisible(False)
        self.progress_table.setWordWrap(True)
        self.progress_table.setColumnWidth(1, 200)
        top = QHBoxLayout()
        top.addWidget(by_label)
        top.addWidget(self.by)
        top.addStretch(1)
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addWidget(self.progress_note)
        layout.addWidget(self.progress_table, 1)
        return page

    # -- loading -------------------------------------------------------------------------

    def current_filter(self) -> EntryFilter:
        return EntryFilter(
            commune_id=self.commune.commune_id(),
            hamlet_id=self.hamlet.currentData(),
            status=self.status.currentData(),
            search=self.search.text(),
        )

    def refresh(self) -> None:
        """Load the list (and the progress) again, keeping the chosen person if still shown."""
        actor = self.context.actor
        if actor is None or not allowed(actor, Action.OUTREACH):
            self.model.set_loader(None)
            self.summary.setText("Tài khoản này không xem được danh sách rà soát.")
            return
        flt = self.current_filter()

        def fetch(session: Session, after: EntryRow | None, limit: int) -> list[EntryRow]:
            key = page_key(session, after.id) if after is not None else None
            return list_entries(session, actor, flt, after=key, limit=limit)

        current = self.current_entry()
        total = self.model.load_from(
            self.context.database, lambda session: count_entries(session, actor, flt), fetch
        )
        if total is None:
            return
        self.total = total
        self.summary.setText(
            f"<b>{_number(self.total)}</b> người trong danh sách rà soát"
            + (" (theo bộ lọc)" if flt != EntryFilter() else "")
            if self.total
            else "Chưa có ai trong danh sách (hoặc không ai khớp bộ lọc). Quản lý nhập danh "
            "sách rà soát bằng nút «Nhập danh sách» (Ctrl+Shift+R)."
        )
        chosen = current.id if current else None
        select_row_where(self.table, self.model, lambda row: row.id == chosen)
        self.refresh_progress()

    def refresh_progress(self) -> None:
        by = str(self.by.currentData())
        try:
            with self.context.database.session(read_only=True) as session:
                found = progress(session, by, tree=self.tree)
        except UserError as error:
            self._load_failed(str(error))
            return
        self.show_progress(found)

    def show_progress(self, found: Progress) -> None:
        rows = [*found.rows, found.total]
        self.progress_table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            values = [row.code, row.name if row is not found.total else f"Cộng: {row.name}"]
            values += [_number(row.counts[key]) for key in PROGRESS_KEYS]
            values.append(f"{row.converted:.1%}".replace(".", ","))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column >= 2:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if row is found.total:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.progress_table.setItem(index, column, item)
        self.progress_table.resizeColumnsToContents()
        self.progress_table.setColumnWidth(1, max(self.progress_table.columnWidth(1), 220))
        self.progress_note.setText(
            "Số người theo tình trạng hiện tại; «Đã thông báo» gồm cả người đã hẹn, đã đến, đã "
            "kích hoạt. Tỷ lệ chuyển đổi: đã kích hoạt trên số người trong danh sách trừ người "
            "không đủ điều kiện và người đã có tài khoản."
        )

    def reset(self) -> None:
        """Clean for the next operator: no search, no selection (loads again when shown)."""
        self.search.clear()
        self.note.clear()
        self.table.clearSelection()
        self.model.set_loader(None)
        self.summary.clear()

    def _commune_changed(self, commune_id: int | None) -> None:
        self.hamlet.blockSignals(True)
        self.hamlet.clear()
        self.hamlet.addItem("Mọi khóm, ấp", None)
        if commune_id is not None:
            with self.context.database.session(read_only=True) as session:
                for hamlet_id, name in hamlets_of(session, commune_id):
                    self.hamlet.addItem(name, hamlet_id)
        self.hamlet.blockSignals(False)
        self.refresh()

    def _load_failed(self, text: str) -> None:
        messages().warning(self, "Không tải được danh sách rà soát", text)

    def focus_search(self) -> None:
        self.inner.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    # -- acting on the chosen person -----------------------------------------------------

    def current_entry(self) -> EntryRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def chosen_entry(self) -> EntryRow | None:
        entry = self.current_entry()
        if entry is None:
            messages().info(self, "Chưa chọn người", "Chọn một người trong danh sách trước.")
        return entry

    def move_current(self, status: OutreachStatus, *, no_contact: bool | None = None) -> None:
        entry = self.chosen_entry()
        if entry is None:
            return
        moved = done_or_shown(
            self,
            self.context,
            "Chưa cập nhật được",
            set_status,
            entry.id,
            status,
            self.note.text(),
            do_not_contact=no_contact,
        )
        if moved is REFUSED:
            return
        self.note.clear()
        self.refresh()
        self.changed.emit()

    def _mover(self, status: OutreachStatus) -> Callable[[], None]:
        return lambda: self.move_current(status)

    def toggle_no_contact(self) -> None:
        entry = self.current_entry()
        if entry is not None:
            self.move_current(entry.status, no_contact=not entry.do_not_contact)
        else:
            self.chosen_entry()

    def select_index(self, index: QModelIndex) -> None:
        self.table.setCurrentIndex(index)
