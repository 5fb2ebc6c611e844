"""Stops and their time slots (managers, Ctrl+K on the outreach tab): where people are given
appointments (a fixed point, or a mobile team at a hamlet, a market, households) and, per
day, the hours with how many people each can take, evening ones included."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time, timedelta

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QWidget,
)

from models.codes import StopKind
from services.campaigns.units import UnitTree
from services.common.errors import UserError
from services.common.vntime import format_date, today_vn
from services.outreach.schedule import STOP_KIND_LABELS, add_slots, add_stop, slots_of, stops
from ui.shell.context import AppContext
from ui.widgets.commune_picker import CommunePicker
from ui.widgets.forms import close_button, day_edit, day_of, stacked, wrapping_label

ERROR_STYLE = "color: #b00020;"


def _time(edit: QTimeEdit) -> time:
    value = edit.time()
    return time(value.hour(), value.minute())


def _time_edit(hour: int) -> QTimeEdit:
    edit = QTimeEdit(QTime(hour, 0))
    edit.setDisplayFormat("HH:mm")
    return edit


def _form_box(title: str, rows: Sequence[tuple[str, QWidget]], button: QPushButton) -> QGroupBox:
    """A titled form: each caption the buddy of its field (Alt+letter), the button last."""
    form = QFormLayout()
    for label, widget in rows:
        caption = QLabel(label)
        caption.setBuddy(widget)
        form.addRow(caption, widget)
    form.addRow(button)
    box = QGroupBox(title)
    box.setLayout(form)
    return box


class StopsDialog(QDialog):
    """The stops (a table) with a form to add one, and a form to add a day's slots to the
    chosen stop. A refused form keeps what was typed and says why."""

    def __init__(self, context: AppContext, parent: QWidget) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Điểm hẹn và khung giờ")
        with context.database.session(read_only=True) as session:
            self.tree = UnitTree.load(session)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Mã", "Tên điểm hẹn", "Loại", "Xã"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(1, 260)
        self.table.setColumnWidth(2, 190)
        self.table.itemSelectionChanged.connect(self.show_slots)
        self.slots = wrapping_label()
        self.message = wrapping_label()
        close = close_button(self, "Đóng")
        forms = QHBoxLayout()
        forms.addWidget(self._build_stop_form(), 1)
        forms.addWidget(self._build_slot_form(), 1)
        stacked(self, (self.table, 1), self.slots, forms, self.message, close)
        self.resize(980, 640)
        self.load()

    # -- building ------------------------------------------------------------------------

    def _build_stop_form(self) -> QGroupBox:
        self.code = QLineEdit()
        self.code.setPlaceholderText("Một từ, ví dụ PT-AP3")
        self.name = QLineEdit()
        self.name.setPlaceholderText("Ví dụ: Tổ lưu động ấp 3")
        self.kind = QComboBox()
        for kind in StopKind:
            self.kind.addItem(STOP_KIND_LABELS[kind], kind)
        self.commune = CommunePicker(self.tree, with_outside=False)
        self.hamlet = QLineEdit()
        self.hamlet.setPlaceholderText("Khóm/ấp (tổ lưu động)")
        self.address = QLineEdit()
        add = QPushButton("&Lập điểm hẹn")
        add.setAutoDefault(False)
        add.clicked.connect(self.add_stop)
        rows = (
            ("&Mã:", self.code),
            ("&Tên:", self.name),
            ("L&oại:", self.kind),
            ("&Xã:", self.commune),
            ("Khóm/&ấp:", self.hamlet),
            ("Đị&a chỉ:", self.address),
        )
        return _form_box("Điểm hẹn mới", rows, add)

    def _build_slot_form(self) -> QGroupBox:
        tomorrow = today_vn() + timedelta(days=1)
        self.day = day_edit(tomorrow)
        self.day.dateChanged.connect(lambda _: self.show_slots())
        self.start = _time_edit(18)
        self.end = _time_edit(20)
        self.every = QSpinBox()
        self.every.setRange(0, 240)
        self.every.setSingleStep(15)
        self.every.setValue(60)
        self.every.setSpecialValueText("một khung liền")
        self.every.setSuffix(" phút")
        self.capacity = QSpinBox()
        self.capacity.setRange(1, 500)
        self.capacity.setValue(10)
        add = QPushButton("T&hêm khung giờ cho điểm đang chọn")
        add.setAutoDefault(False)
        add.clicked.connect(self.add_slots)
        rows = (
            ("&Ngày:", self.day),
            ("Từ &giờ:", self.start),
            ("Đến giờ:", self.end),
            ("Mỗi &khung:", self.every),
            ("&Số người mỗi khung:", self.capacity),
        )
        return _form_box("Khung giờ (kể cả buổi tối)", rows, add)

    # -- loading and saving ----------------------------------------------------------------

    def load(self, chosen: str | None = None) -> None:
        with self.context.database.session(read_only=True) as session:
            rows = stops(session)
        self.table.setRowCount(len(rows))
        for index, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(index, column, QTableWidgetItem(value))
            if values[0] == chosen:
                self.table.selectRow(index)
        if chosen is None and rows:
            self.table.selectRow(0)
        self.show_slots()

    def chosen_code(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else None

    def chosen_day(self) -> date:
        return day_of(self.day)

    def show_slots(self) -> None:
        code = self.chosen_code()
        if code is None:
            self.slots.setText("Chưa có điểm hẹn nào: lập điểm hẹn ở khung bên trái.")
            return
        day = self.chosen_day()
        with self.context.database.session(read_only=True) as session:
            found = slots_of(session, code, day)
        listed = ", ".join(slot.label() for slot in found) or "chưa có khung giờ"
        self.slots.setText(
            f"Khung giờ của {code} ngày {format_date(day)} (đã hẹn/tối đa): {listed}"
        )

    def _say(self, text: str, error: bool) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else "")
        self.message.setText(text)

    def add_stop(self) -> None:
        commune_id = self.commune.commune_id()
        unit = self.tree.by_id.get(commune_id) if commune_id is not None else None
        if unit is None:
            self._say("Chọn xã của điểm hẹn.", error=True)
            return
        code = self.code.text().strip()
        try:
            self.context.in_one_transaction(
                lambda session, actor: add_stop(
                    session,
                    actor,
                    code,
                    self.name.text(),
                    StopKind(self.kind.currentData()),
                    unit.code,
                    hamlet=self.hamlet.text() or None,
                    address=self.address.text() or None,
                )
            )
        except UserError as error:
            self._say(str(error), error=True)
            return
        for field in (self.code, self.name, self.hamlet, self.address):
            field.clear()
        self._say(f"Đã lập điểm hẹn {code}. Thêm khung giờ cho điểm ở khung bên phải.", False)
        self.load(code)

    def add_slots(self) -> None:
        code = self.chosen_code()
        if code is None:
            self._say("Chọn một điểm hẹn trong bảng trước.", error=True)
            return
        day = self.chosen_day()
        try:
            made = self.context.in_one_transaction(
                lambda session, actor: add_slots(
                    session,
                    actor,
                    code,
                    day,
                    _time(self.start),
                    _time(self.end),
                    self.capacity.value(),
                    self.every.value() or None,
                )
            )
        except UserError as error:
            self._say(str(error), error=True)
            return
        self._say(f"Đã thêm {len(made)} khung giờ cho {code} ngày {format_date(day)}.", False)
        self.show_slots()
