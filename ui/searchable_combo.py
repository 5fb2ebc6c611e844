"""An editable combo box searched without diacritics: type "phu tam", pick from the list."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from services.text import fold

ID_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1


class SearchableCombo(QComboBox):
    """Items are (id, label); `chosen_id()` is the id of the item picked, or None."""

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.source = QStandardItemModel(self)
        self.setModel(self.source)
        self.filter = QSortFilterProxyModel(self)
        self.filter.setSourceModel(self.source)
        self.filter.setFilterRole(SEARCH_ROLE)
        completer = QCompleter(self.filter, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setCompleter(completer)
        line = self.lineEdit()
        assert line is not None
        line.setPlaceholderText(placeholder)
        line.textEdited.connect(lambda text: self.filter.setFilterFixedString(fold(text)))
        completer.activated.connect(self._picked)

    def set_items(self, items: list[tuple[int, str]]) -> None:
        self.source.clear()
        for item_id, label in items:
            item = QStandardItem(label)
            item.setData(item_id, ID_ROLE)
            item.setData(fold(label), SEARCH_ROLE)
            self.source.appendRow(item)
        self.setCurrentIndex(-1)

    def _picked(self, text: str) -> None:
        row = self.findText(text)
        if row >= 0:
            self.setCurrentIndex(row)

    def chosen_id(self) -> int | None:
        """The picked item's id; None when nothing is picked or the text was edited since."""
        if self.currentIndex() < 0 or self.currentText() != self.itemText(self.currentIndex()):
            return None
        value = self.itemData(self.currentIndex(), ID_ROLE)
        return int(value) if value is not None else None

    def choose(self, item_id: int | None) -> None:
        if item_id is None:
            self.setCurrentIndex(-1)
            line = self.lineEdit()
            if line is not None:
                line.clear()
            return
        for row in range(self.source.rowCount()):
            if self.source.item(row).data(ID_ROLE) == item_id:
                self.setCurrentIndex(row)
                return
