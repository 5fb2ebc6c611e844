"""Conflicts: reports of one case disagree on who the person is or where they live; a
manager compares the versions and decides which stands (a decision event).

Each decision is confirmed first (Enter confirms, Esc cancels). The last one can be undone
while the dialog is open (Ctrl+Z): the case is decided again the other way, by a new
decision event, since events are never taken back."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from services.common.errors import UserError
from services.common.vntime import format_date, format_moment
from services.exchange.conflicts import (
    RESOLUTIONS,
    ClaimView,
    ConflictView,
    Decision,
    open_conflicts,
    resolve_conflict,
    undo_decision,
)
from ui.shell.context import AppContext
from ui.widgets.forms import button_row, close_button, stacked, wrapping_label
from ui.widgets.messages import messages

HEADERS = ["Số định danh", "Mức", "Đang dùng (ghi trước)", "Thông tin khác", "Ghi tại", "Lúc ghi"]


def _facts(claim: ClaimView | None) -> str:
    if claim is None:
        return "(không còn)"
    return f"{claim.full_name} – {format_date(claim.birth_date)} – {claim.sex} – {claim.residence}"


class ConflictsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Mâu thuẫn thông tin giữa các báo cáo")
        self.views: list[ConflictView] = []
        # The last decision taken here, with the texts of its two versions (undo swaps them).
        self.last_decision: Decision | None = None
        self.last_texts: tuple[str, str, str] = ("", "", "")  # ID number, chosen, other
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.summary = QLabel()
        self.buttons: dict[str, QPushButton] = {}
        for number, (code, label) in enumerate(RESOLUTIONS.items(), start=1):
            button = QPushButton(f"&{number}. {label}")
            button.clicked.connect(lambda _checked=False, c=code: self.resolve(c))
            self.buttons[code] = button
        self.undo_button = QPushButton("&Hoàn tác quyết định vừa rồi")
        self.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_button.setToolTip(
            "Quyết định lại theo hướng ngược lại cho hồ sơ vừa quyết định (Ctrl+Z)"
        )
        self.undo_button.setEnabled(False)
        self.undo_button.clicked.connect(self.undo)
        buttons_row = button_row(list(self.buttons.values()), [self.undo_button])
        self.last_label = wrapping_label()
        close = close_button(self)
        explanation = QLabel(
            "Cùng số định danh và mức nhưng họ tên, ngày sinh, giới tính hoặc nơi thường trú "
            "khác nhau. Cho đến khi quyết định, số liệu theo thông tin ghi trước (theo thời "
            "điểm). Đối chiếu với thẻ căn cước của công dân rồi chọn thông tin đúng."
        )
        explanation.setWordWrap(True)  # a 1366-pixel screen holds the dialog
        stacked(
            self, explanation, (self.table, 1), self.summary, buttons_row, self.last_label, close
        )
        self.resize(1100, 480)
        self.reload()

    def reload(self) -> None:
        try:
            with self.context.database.session(read_only=True) as session:
                self.views = open_conflicts(session, self.context.signed_in())
        except UserError as error:
            messages().error(self, "Không đọc được mâu thuẫn", str(error))
            return
        self.table.setRowCount(len(self.views))
        for row, view in enumerate(self.views):
            other = view.others[0] if view.others else None
            cells = [
                view.id_number,
                str(view.level),
                _facts(view.in_force),
                _facts(other),
                other.point_name if other else "",
                format_moment(other.at) if other else "",
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if self.views:
            self.table.selectRow(0)
        self.summary.setText(f"Còn {len(self.views)} hồ sơ có thông tin khác nhau chưa quyết định.")
        for button in self.buttons.values():
            button.setEnabled(bool(self.views))

    def resolve(self, resolution: str) -> None:
        row = self.table.currentRow()
        actor = self.context.actor
        if not (0 <= row < len(self.views)) or actor is None:
            return
        view = self.views[row]
        other = view.others[0] if view.others else None
        keep = resolution == "keep_local" or other is None
        chosen_text = _facts(view.in_force if keep else other)
        other_text = _facts(other if keep else view.in_force)
        if not messages().confirm_action(
            self,
            "Xác nhận quyết định",
            f"Hồ sơ {view.id_number} (mức {view.level}): {RESOLUTIONS[resolution].lower()}.\n\n"
            f"Thông tin sẽ dùng: {chosen_text}\n\nCó thể hoàn tác ngay sau đó (Ctrl+Z).",
            f"&Đồng ý: {RESOLUTIONS[resolution].lower()}",
        ):
            return
        try:
            with self.context.database.session() as session:
                decision = resolve_conflict(session, view.id, resolution, actor)
                session.commit()
        except UserError as error:
            messages().error(self, "Không giải quyết được", str(error))
        else:
            self.last_decision = decision
            self.last_texts = (view.id_number, chosen_text, other_text)
            self._show_last(undone=False)
        self.reload()

    def undo(self) -> None:
        """Decide the last case again the other way (a new decision; undo again to redo)."""
        actor = self.context.actor
        if self.last_decision is None or actor is None:
            return
        try:
            with self.context.database.session() as session:
                decision = undo_decision(session, self.last_decision, actor)
                session.commit()
        except UserError as error:
            messages().error(self, "Không hoàn tác được", str(error))
            return
        id_number, chosen_text, other_text = self.last_texts
        self.last_decision = decision
        self.last_texts = (id_number, other_text, chosen_text)
        self._show_last(undone=True)
        self.reload()

    def _show_last(self, *, undone: bool) -> None:
        id_number, chosen_text, _other = self.last_texts
        what = "Đã hoàn tác" if undone else "Vừa quyết định"
        self.last_label.setText(
            f"{what}: hồ sơ {id_number} dùng thông tin {chosen_text}. Bấm «Hoàn tác» (Ctrl+Z) "
            "để chọn thông tin kia."
        )
        self.undo_button.setEnabled(self.last_decision is not None)
