"""The main window. The intake desk, the dashboard and the rest are built out by later issues."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from services.campaigns import active_campaign
from services.database import Database, describe_url
from services.errors import UserError
from services.tally import TallyBy, tally
from services.version import APP_VERSION
from services.vntime import format_date, today_vn
from ui.tally_model import TallyTableModel

WINDOW_TITLE = "kichhoat – Hỗ trợ đăng ký, kích hoạt tài khoản định danh điện tử"
BY_LABELS = {
    TallyBy.DISTRICT: "Huyện, thị xã, thành phố",
    TallyBy.COMMUNE: "Xã, phường, thị trấn",
    TallyBy.POINT: "Điểm thu nhận",
    TallyBy.OPERATOR: "Cán bộ",
}


class MainWindow(QMainWindow):
    def __init__(self, database: Database) -> None:
        super().__init__()
        self.database = database
        self.setWindowTitle(WINDOW_TITLE)
        with database.session() as session:
            campaign = active_campaign(session)
            self.campaign_name = campaign.name
            self.first_day, self.last_day = campaign.first_day, campaign.last_day
            heading = (
                f"Kế hoạch số {campaign.plan_number} ngày {format_date(campaign.plan_date)} – "
                f"từ {format_date(campaign.first_day)} đến {format_date(campaign.last_day)}, "
                f"{campaign.daily_start:%H:%M}–{campaign.daily_end:%H:%M} hằng ngày"
            )

        title = QLabel(self.campaign_name)
        title.setWordWrap(True)
        title.setStyleSheet("font-size: 15pt; font-weight: 600;")
        subtitle = QLabel(heading)
        subtitle.setWordWrap(True)

        self.as_of = QDateEdit()
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("dd/MM/yyyy")
        day = min(today_vn(), self.last_day)
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

        layout = QVBoxLayout()
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addLayout(controls)
        layout.addWidget(self.table, 1)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

        menu = self.menuBar().addMenu("&Tệp")
        refresh = QAction("&Làm mới", self)
        refresh.setShortcut(QKeySequence(Qt.Key.Key_F5))
        refresh.triggered.connect(self.refresh)
        menu.addAction(refresh)
        quit_action = QAction("&Thoát", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        self.addAction(refresh)

        self.statusBar().showMessage(
            f"Phiên bản {APP_VERSION} – Cơ sở dữ liệu: {describe_url(database.url)}"
        )
        self.as_of.dateChanged.connect(self.refresh)
        self.by.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        day = self.as_of.date().toPython()
        by = TallyBy(self.by.currentData())
        try:
            with self.database.session() as session:
                result = tally(session, day, by)  # type: ignore[arg-type]
        except UserError as error:
            QMessageBox.warning(self, "Không đếm được", str(error))
            return
        self.model.set_tally(result)
