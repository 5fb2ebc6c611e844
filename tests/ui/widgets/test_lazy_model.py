"""The lazy table's helpers: the header every table model gives, the row chosen again
after a reload."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from ui.widgets.lazy_model import (
    Column,
    LazyTableModel,
    column_title,
    row_table,
    select_row_where,
)

TITLES = ("Số", "Tên")


def test_the_header_is_the_titles_across_the_top_only() -> None:
    across, down = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
    shown = Qt.ItemDataRole.DisplayRole
    assert [column_title(TITLES, section, across, shown) for section in (0, 1)] == list(TITLES)
    assert column_title(TITLES, 2, across, shown) is None
    assert column_title(TITLES, -1, across, shown) is None
    assert column_title(TITLES, 0, down, shown) is None  # no row numbers
    assert column_title(TITLES, 0, across, Qt.ItemDataRole.ToolTipRole) is None


def test_after_a_reload_the_same_row_is_chosen_else_the_first(qtbot: QtBot) -> None:
    model: LazyTableModel[int] = LazyTableModel([Column("Số", str)])
    table = row_table(model)
    qtbot.addWidget(table)
    model.set_loader(lambda after, limit: [] if after else [10, 20, 30])
    select_row_where(table, model, lambda row: row == 30)
    assert table.currentIndex().row() == 2
    select_row_where(table, model, lambda row: row == 99)  # gone since: the first row
    assert table.currentIndex().row() == 0
    model.set_loader(lambda after, limit: [])
    table.clearSelection()
    select_row_where(table, model, lambda row: True)  # nothing to choose
    assert not table.selectionModel().hasSelection()
