"""A searchable commune field: type "phu tam" (no diacritics needed), pick from the list."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from models.codes import UnitLevel
from services.text import fold
from services.units import UnitTree

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole


class CommunePicker(QComboBox):
    """An editable combo box over every commune of the campaign; `commune_id()` is the choice."""

    commune_changed = Signal(object)  # int | None

    def __init__(self, tree: UnitTree, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = tree
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.source = QStandardItemModel(self)
        for unit in tree.at_level(UnitLevel.COMMUNE):
            label = f"{tree.full_name(unit.id)} ({unit.code})"
            item = QStandardItem(label)
            item.setData(unit.id, ID_ROLE)
            item.setData(fold(label), SEARCH_ROLE)
            self.source.appendRow(item)
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
        line.setPlaceholderText("Gõ tên xã/phường (không cần dấu) hoặc mã xã")
        line.textEdited.connect(self._filter)
        completer.activated.connect(self._picked)
        self.setCurrentIndex(-1)
        self.currentIndexChanged.connect(lambda _: self.commune_changed.emit(self.commune_id()))

    def _filter(self, text: str) -> None:
        self.filter.setFilterFixedString(fold(text))

    def _picked(self, text: str) -> None:
        row = self.findText(text)
        if row >= 0:
            self.setCurrentIndex(row)

    def commune_id(self) -> int | None:
        if self.currentIndex() < 0:
            return None
        value = self.itemData(self.currentIndex(), ID_ROLE)
        return int(value) if value is not None else None

    def set_commune(self, commune_id: int | None) -> None:
        if commune_id is None:
            self.setCurrentIndex(-1)
            line = self.lineEdit()
            if line is not None:
                line.clear()
            return
        for row in range(self.source.rowCount()):
            if self.source.item(row).data(ID_ROLE) == commune_id:
                self.setCurrentIndex(row)
                return
