"""The parts of a form laid out: a stack of widgets and layouts, in order, with stretches."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from ui.widgets.forms import stacked


def test_stacked_lays_the_parts_one_under_another_in_order_with_their_stretch(
    qtbot: QtBot,
) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    title, table, row = QLabel("Tiêu đề"), QTableWidget(), QHBoxLayout()
    layout = stacked(owner, title, (table, 1), row)
    assert owner.layout() is layout
    items = [layout.itemAt(index) for index in range(layout.count())]
    assert [item and (item.widget() or item.layout()) for item in items] == [title, table, row]
    assert [layout.stretch(index) for index in range(layout.count())] == [0, 1, 0]
