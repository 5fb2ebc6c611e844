"""Giới thiệu kichhoat: version, data folder, database, log, and the bundled parts' licences."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from services.common.version import APP_TITLE
from services.upkeep.about import Component, Installation, bundled_components
from ui.widgets.forms import stacked

COLUMNS = ("Thành phần", "Phiên bản", "Giấy phép", "Trang chủ")


class AboutDialog(QDialog):
    def __init__(self, facts: Installation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.facts = facts
        self.setWindowTitle(f"Giới thiệu {APP_TITLE}")
        self.resize(820, 620)

        heading = QLabel(
            f"<b>{APP_TITLE} {facts.version}</b><br>"
            "Hỗ trợ đăng ký, kích hoạt tài khoản định danh điện tử tại điểm thu nhận."
        )
        heading.setTextFormat(Qt.TextFormat.RichText)

        form = QFormLayout()
        self.values: dict[str, QLabel] = {}
        for label, value in facts.lines():
            shown = QLabel(value)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shown.setWordWrap(True)
            form.addRow(f"{label}:", shown)
            self.values[label] = shown

        self.components = bundled_components()
        self.table = QTableWidget(len(self.components), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for row, component in enumerate(self.components):
            cells = (component.name, component.version, component.license, component.url)
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.licence = QPlainTextEdit()
        self.licence.setReadOnly(True)
        self.licence.setPlaceholderText("Chọn một thành phần để xem toàn văn giấy phép.")
        self.table.currentCellChanged.connect(lambda row, *_: self.show_licence(row))

        buttons = QDialogButtonBox()
        copy = QPushButton("Chép thông tin")
        copy.setToolTip("Chép phiên bản và các đường dẫn để gửi bộ phận hỗ trợ")
        copy.clicked.connect(self.copy_facts)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton("Đóng", QDialogButtonBox.ButtonRole.RejectRole)
        close.setDefault(True)
        buttons.rejected.connect(self.reject)

        stacked(
            self,
            heading,
            form,
            QLabel("Các thành phần đi kèm và giấy phép của chúng:"),
            (self.table, 2),
            (self.licence, 3),
            buttons,
        )
        if self.components:
            self.table.selectRow(0)

    def show_licence(self, row: int) -> None:
        if not 0 <= row < len(self.components):
            self.licence.clear()
            return
        component: Component = self.components[row]
        text = component.license_text()
        self.licence.setPlainText(
            text or f"{component.name}: {component.license}, xem {component.url}"
        )

    def copy_facts(self) -> None:
        clipboard = QGuiApplication.clipboard()
        clipboard.setText(self.facts.as_text())
