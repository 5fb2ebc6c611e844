"""The main window: the intake desk, the case list, the follow-up queue and the results."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from services.campaigns import active_campaign
from services.database import describe_url
from services.version import APP_VERSION
from services.vntime import format_date
from ui.context import AppContext
from ui.results_panel import ResultsPanel

WINDOW_TITLE = "kichhoat – Hỗ trợ đăng ký, kích hoạt tài khoản định danh điện tử"


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.setWindowTitle(WINDOW_TITLE)
        with context.database.session() as session:
            campaign = active_campaign(session)
            self.campaign_name = campaign.name
            self.first_day, self.last_day = campaign.first_day, campaign.last_day
            heading = (
                f"Kế hoạch số {campaign.plan_number} ngày {format_date(campaign.plan_date)} – "
                f"từ {format_date(campaign.first_day)} đến {format_date(campaign.last_day)}, "
                f"{campaign.daily_start:%H:%M}–{campaign.daily_end:%H:%M} hằng ngày"
            )
        subtitle = QLabel(heading)
        subtitle.setWordWrap(True)

        self.tabs = QTabWidget()
        self.results = ResultsPanel(context, self.last_day)
        self.tabs.addTab(self.results, "&Kết quả")

        layout = QVBoxLayout()
        layout.addWidget(subtitle)
        layout.addWidget(self.tabs, 1)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

        menu = self.menuBar().addMenu("&Tệp")
        refresh = QAction("&Làm mới", self)
        refresh.setShortcut(QKeySequence(Qt.Key.Key_F5))
        refresh.triggered.connect(self.results.refresh)
        menu.addAction(refresh)
        quit_action = QAction("&Thoát", self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)

        self.statusBar().showMessage(
            f"Phiên bản {APP_VERSION} – Cơ sở dữ liệu: {describe_url(context.database.url)}"
        )
