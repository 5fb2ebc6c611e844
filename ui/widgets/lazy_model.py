"""A table model that loads its rows a page at a time, as the view scrolls (Anki's way).

The rows come from a loader, `load(after, limit)`: the page after the last row held
(None for the first page). Qt asks `canFetchMore`/`fetchMore` when the view nears the
end; a new loader (another filter) resets the model. `data()` never raises: a row that
cannot be shown shows nothing, and a page that cannot be loaded stops loading and is
reported through `load_failed`. `column_title` answers `headerData` for this model and the
app's other table models.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView
from sqlalchemy.orm import Session

from services.cases.queries import PAGE_SIZE
from services.common.errors import UserError
from services.upkeep.database import Database

RowT = TypeVar("RowT")
Index = QModelIndex | QPersistentModelIndex
Loader = Callable[[RowT | None, int], list[RowT]]
ROW_ROLE = Qt.ItemDataRole.UserRole

log = logging.getLogger(__name__)


def column_title(
    titles: Sequence[str], section: int, orientation: Qt.Orientation, role: int
) -> str | None:
    """What a table model's `headerData` gives: the title of column `section` across the
    top, nothing else (no row numbers down the side)."""
    if (
        orientation == Qt.Orientation.Horizontal
        and role == Qt.ItemDataRole.DisplayRole
        and 0 <= section < len(titles)
    ):
        return titles[section]
    return None


@dataclass(frozen=True)
class Column(Generic[RowT]):
    title: str
    text: Callable[[RowT], str]
    tooltip: Callable[[RowT], str] | None = None


class LazyTableModel(QAbstractTableModel, Generic[RowT]):
    load_failed = Signal(str)

    def __init__(self, columns: Sequence[Column[RowT]], page_size: int = PAGE_SIZE) -> None:
        super().__init__()
        self.columns = list(columns)
        self.page_size = page_size
        self._rows: list[RowT] = []
        self._loader: Loader[RowT] | None = None
        self._more = False

    # Loading ----------------------------------------------------------------------------

    def set_loader(self, loader: Loader[RowT] | None) -> None:
        """Show the rows of `loader` from the start (the first page is loaded now)."""
        self.beginResetModel()
        self._loader = loader
        self._rows = []
        self._more = loader is not None
        self.endResetModel()
        if self._more:
            self.fetchMore(QModelIndex())

    def load_from(
        self,
        database: Database,
        count: Callable[[Session], int],
        fetch: Callable[[Session, RowT | None, int], list[RowT]],
    ) -> int | None:
        """How many rows `count` finds, then the rows `fetch` reads a page at a time (each
        from its own read-only session of `database`), from the start. When the count is
        refused (a `UserError`): an empty table, `load_failed` with the reason, and None."""

        def load(after: RowT | None, limit: int) -> list[RowT]:
            with database.session(read_only=True) as session:
                return fetch(session, after, limit)

        try:
            with database.session(read_only=True) as session:
                total = count(session)
        except UserError as error:
            self.set_loader(None)
            self.load_failed.emit(str(error))
            return None
        self.set_loader(load)
        return total

    def reload(self) -> None:
        self.set_loader(self._loader)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008
        if parent.isValid() or not self._more or self._loader is None:
            return
        try:
            page = self._loader(self._rows[-1] if self._rows else None, self.page_size)
        except UserError as error:
            self._more = False
            self.load_failed.emit(str(error))
            return
        self._more = len(page) >= self.page_size
        if not page:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def row_at(self, row: int) -> RowT | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # The Qt model -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title([c.title for c in self.columns], section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        row = self.row_at(index.row())
        if row is None or not 0 <= index.column() < len(self.columns):
            return None
        try:
            return self.row_data(row, self.columns[index.column()], role)
        except Exception:  # a row that cannot be shown must not break the view
            log.exception("cannot show row %d, column %d", index.row(), index.column())
            return None

    def row_data(self, row: RowT, column: Column[RowT], role: int) -> Any:
        """What a cell shows; subclasses add roles (colours, fonts)."""
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return (column.tooltip or column.text)(row)
        if role == ROW_ROLE:
            return row
        return None


def select_row_where(
    table: QTableView, model: LazyTableModel[RowT], matches: Callable[[RowT], bool]
) -> None:
    """After a reload: select the first loaded row that `matches` (the one the person was
    on), else the first row, if there is one."""
    for row in range(model.rowCount()):
        found = model.row_at(row)
        if found is not None and matches(found):
            table.selectRow(row)
            return
    if model.rowCount():
        table.selectRow(0)


def row_table(model: QAbstractItemModel, widths: Sequence[int] = ()) -> QTableView:
    """A read-only table of `model` that chooses one whole row at a time: each row on one
    line, no row numbers, columns as wide as `widths` (the user may widen them), the last
    one stretched."""
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    return table
