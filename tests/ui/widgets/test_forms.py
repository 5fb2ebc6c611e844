"""The parts of a form laid out: a stack of widgets and layouts, in order, with stretches."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from ui.widgets.forms import error_label, stacked, wrapping_label


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


def test_a_wrapping_label_breaks_its_text_and_an_error_label_is_one(qtbot: QtBot) -> None:
    label = wrapping_label("Mỗi đợt cao điểm có tệp cơ sở dữ liệu riêng.")
    error = error_label()
    for widget in (label, error):
        qtbot.addWidget(widget)
    assert label.text() == "Mỗi đợt cao điểm có tệp cơ sở dữ liệu riêng."
    assert label.wordWrap() and error.wordWrap()
    assert wrapping_label().text() == ""
