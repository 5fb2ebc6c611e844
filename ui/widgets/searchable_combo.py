"""An editable combo box searched without diacritics: type "phu tam", pick from the list."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from services.common.text import fold

ID_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1


class SearchableCombo(QComboBox):
    """Items are (id, label); `chosen_id()` is the id of the item picked, or None.
    Enter when the typed text matches a single item picks it."""

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
        line.installEventFilter(self)
        popup = completer.popup()
        if popup is not None:
            popup.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self._pick_single_match()
        ):
            return True
        return super().eventFilter(watched, event)

    def _pick_single_match(self) -> bool:
        """The typed text matches one item and nothing is picked from the list: pick it."""
        completer = self.completer()
        popup = completer.popup() if completer is not None else None
        if popup is not None and popup.isVisible() and popup.currentIndex().isValid():
            return False  # the clerk chose a row: the completer picks that one
        if self.filter.rowCount() != 1 or self.chosen_id() is not None:
            return False
        label = self.filter.index(0, 0).data()
        row = self.findText(str(label))
        if row < 0:
            return False
        if popup is not None:
            popup.hide()
        self.setCurrentIndex(row)
        return True

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
