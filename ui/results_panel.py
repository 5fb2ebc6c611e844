"""Results so far: the tally by district, commune, point or operator for a chosen day.

The dashboard issue replaces this with charts; the numbers come from the same service.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from services.errors import UserError
from services.tally import TallyBy, tally
from services.vntime import today_vn
from ui.context import AppContext
from ui.messages import messages
from ui.tally_model import TallyTableModel

BY_LABELS = {
    TallyBy.DISTRICT: "Huyện, thị xã, thành phố",
    TallyBy.COMMUNE: "Xã, phường, thị trấn",
    TallyBy.POINT: "Điểm thu nhận",
    TallyBy.OPERATOR: "Cán bộ",
}


class ResultsPanel(QWidget):
    def __init__(self, context: AppContext, last_day: date, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.as_of = QDateEdit()
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("dd/MM/yyyy")
        day = min(today_vn(), last_day)
        self.as_of.setDate(QDate(day.year, day.month, day.day))
        as_of_label = QLabel("Đến hết &ngày:")
        as_of_label.setBuddy(self.as_of)
        self.by = QComboBox()
        for by, label in BY_LABELS.items():
            self.by.addItem(label, by.value)
        by_label = QLabel("&Gộp theo:")
        by_label.setBuddy(self.by)

        controls = QHBoxLayout()
        controls.addWidget(as_of_label)
        controls.addWidget(self.as_of)
        controls.addSpacing(16)
        controls.addWidget(by_label)
        controls.addWidget(self.by)
        controls.addStretch(1)

        self.model = TallyTableModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        self.as_of.dateChanged.connect(self.refresh)
        self.by.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        day = self.as_of.date().toPython()
        assert isinstance(day, date)
        by = TallyBy(self.by.currentData())
        try:
            with self.context.database.session() as session:
                result = tally(session, day, by)
        except UserError as error:
            messages().warning(self, "Không đếm được", str(error))
            return
        self.model.set_tally(result)
