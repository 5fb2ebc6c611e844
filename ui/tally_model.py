"""A table model over one tally: a row per unit (or point, or operator) and a total row."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QLocale, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from services.tally import Tally, TallyRow

Index = QModelIndex | QPersistentModelIndex

COLUMNS = (
    ("Mã", lambda r: r.code or ""),
    ("Đơn vị", lambda r: r.name),
    ("Chỉ tiêu", lambda r: r.target_total),
    ("Chỉ tiêu ngày", lambda r: r.target_daily),
    ("Mức 1", lambda r: r.level1),
    ("Mức 2", lambda r: r.level2),
    ("Cộng dồn", lambda r: r.activated),
    ("Trong ngày", lambda r: r.activated_on_day),
    ("Tỷ lệ", lambda r: (r.activated / r.target_total) if r.target_total else None),
)


class TallyTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self._rows: list[TallyRow] = []
        self._locale = QLocale()

    def set_tally(self, result: Tally | None) -> None:
        self.beginResetModel()
        self._rows = [*result.rows, result.total] if result else []
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if role == Qt.ItemDataRole.DisplayRole and horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        row = self._rows[index.row()]
        value = COLUMNS[index.column()][1](row)
        is_total = index.row() == len(self._rows) - 1
        if role == Qt.ItemDataRole.DisplayRole:
            if value is None:
                return ""
            if isinstance(value, float):
                return self._locale.toString(value * 100, "f", 1) + " %"
            if isinstance(value, int):
                return self._locale.toString(value)
            return f"Tổng: {value}" if is_total and index.column() == 1 else value
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if index.column() >= 2:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and is_total:
            font = QFont()
            font.setBold(True)
            return font
        return None
