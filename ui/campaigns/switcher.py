"""Tệp → Đợt cao điểm khác… (Ctrl+Shift+O): the campaign databases this computer opened,
another file, or a new campaign (administrators). The window then starts again on the
chosen database: its intake point and sign-in are those of that database."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from services.campaigns.files import describe, recent_databases, sqlite_url
from services.security.permissions import Action, allowed
from ui.shell.context import AppContext
from ui.widgets.file_dialogs import ask_open_path
from ui.widgets.forms import button_row, stacked, wrapping_label
from ui.widgets.messages import messages

URL_ROLE = Qt.ItemDataRole.UserRole


class CampaignSwitcher(QDialog):
    """`chosen_url`: the database to open next (None: stay)."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.chosen_url: str | None = None
        self.setWindowTitle("Đợt cao điểm khác – kichhoat")
        self.resize(900, 420)
        explain = wrapping_label(
            "Mỗi đợt cao điểm có tệp cơ sở dữ liệu riêng. Chọn đợt rồi nhấn Enter: cửa sổ mở "
            "lại trên đợt đó (chọn điểm thu nhận và đăng nhập như lần đầu)."
        )
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        current = context.database.url
        for url in recent_databases(context.settings):
            shown = describe(url)
            item = QListWidgetItem(f"{shown.title}\n    {shown.where}")
            item.setData(URL_ROLE, url)
            if url == current or url == current.split("?")[0]:
                item.setText(f"{shown.title} (đang mở)\n    {shown.where}")
            self.list.addItem(item)
        self.list.itemActivated.connect(self.open_item)
        open_button = QPushButton("&Mở đợt đã chọn")
        open_button.setDefault(True)
        open_button.clicked.connect(self.open_selected)
        other = QPushButton("Mở &tệp khác…")
        other.clicked.connect(self.open_file)
        self.new_button = QPushButton("Tạo đợt &mới…")
        self.new_button.clicked.connect(self.new_campaign)
        actor = context.actor
        self.new_button.setVisible(actor is not None and allowed(actor, Action.TARGETS))
        close = QPushButton("Đóng")
        close.setAutoDefault(False)
        close.clicked.connect(self.reject)
        buttons = button_row([open_button, other, self.new_button], [close])
        stacked(self, explain, (self.list, 1), buttons)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.list.setFocus()

    def choose(self, url: str) -> None:
        if url == self.context.database.url:
            messages().info(self, "Đợt cao điểm", "Đợt này đang mở.")
            return
        self.chosen_url = url
        self.accept()

    def open_item(self, item: QListWidgetItem) -> None:
        self.choose(str(item.data(URL_ROLE)))

    def open_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.open_item(item)

    def open_file(self) -> None:
        path = ask_open_path(self, "Mở cơ sở dữ liệu của đợt", "SQLite (*.sqlite3 *.db)")
        if path is not None:
            self.choose(sqlite_url(path))

    def new_campaign(self) -> None:
        from ui.campaigns.builder_dialog import CampaignBuilderDialog

        actor = self.context.signed_in()
        dialog = CampaignBuilderDialog(actor, self)
        if dialog.exec() and dialog.created_url is not None:
            messages().info(self, "Đã tạo đợt mới", dialog.result_text)
            self.choose(dialog.created_url)
