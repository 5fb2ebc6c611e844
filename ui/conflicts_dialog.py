"""Conflicts: reports of one case disagree on who the person is or where they live; a
manager compares the versions and decides which stands (a decision event)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from services.conflicts import (
    RESOLUTIONS,
    ClaimView,
    ConflictView,
    open_conflicts,
    resolve_conflict,
)
from services.errors import UserError
from services.vntime import format_date, format_moment
from ui.context import AppContext
from ui.messages import messages

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
        buttons_row = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for number, (code, label) in enumerate(RESOLUTIONS.items(), start=1):
            button = QPushButton(f"&{number}. {label}")
            button.clicked.connect(lambda _checked=False, c=code: self.resolve(c))
            buttons_row.addWidget(button)
            self.buttons[code] = button
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Cùng số định danh và mức nhưng họ tên, ngày sinh, giới tính hoặc nơi thường trú "
                "khác nhau. Cho đến khi quyết định, số liệu theo thông tin ghi trước (theo thời "
                "điểm). Đối chiếu với thẻ căn cước của công dân rồi chọn thông tin đúng."
            )
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        layout.addLayout(buttons_row)
        layout.addWidget(close)
        self.resize(1100, 480)
        self.reload()

    def reload(self) -> None:
        try:
            with self.context.database.session() as session:
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
        try:
            with self.context.database.session() as session:
                resolve_conflict(session, view.id, resolution, actor)
                session.commit()
        except UserError as error:
            messages().error(self, "Không giải quyết được", str(error))
        self.reload()
