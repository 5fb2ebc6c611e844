"""A scanner's burst on every step and every focusable widget of the desk, fast and slow.

The clerk has a citizen's case open when the next citizen's card is scanned, with the
focus wherever it happens to be. Nothing of the open case may change until the clerk
chooses; then the new citizen comes only if the clerk let the open case go.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import Status
from models.entities import Case
from services.upkeep.database import Database
from tests.ui import hands
from ui.desk.flow import IntakeFlow
from ui.widgets.messages import RecordingMessages

FIRST = (
    "094190012345|365123456|Trần Thị Mỹ Linh|15031990|Nữ|"
    "Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng|20052021"
)
# The next citizen: letters that are mnemonics and answers on the desk (y, 1, 2, space).
NEXT = (
    "094090054321|365123457|Nguyễn Văn Duy|02021990|Nam|"
    "Ấp Xuyên Mỹ 1, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng|12122022"
)
SPEEDS = {"fast": hands.FAST_SCANNER_GAP_MS, "slow": hands.SLOW_SCANNER_GAP_MS}


def controls(flow: IntakeFlow) -> dict[str, Any]:
    """Every value a clerk can see or set on the desk, by widget."""
    state: dict[str, Any] = {"step": flow.step()}
    for index, widget in enumerate(flow.findChildren(QWidget)):
        name = f"{type(widget).__name__}#{index}"
        if isinstance(widget, QLineEdit):
            state[name] = widget.text()
        elif isinstance(widget, QPlainTextEdit):
            state[name] = widget.toPlainText()
        elif isinstance(widget, QComboBox):
            state[name] = (widget.currentIndex(), widget.currentText())
        elif isinstance(widget, QAbstractButton) and widget.isCheckable():
            state[name] = widget.isChecked()
        elif isinstance(widget, QListWidget):
            state[name] = [
                (widget.item(row).text(), widget.item(row).checkState())
                for row in range(widget.count())
            ] + [widget.currentRow()]
    return state


def focusable(flow: IntakeFlow) -> list[QWidget]:
    """What the clerk can put the focus on now: the open step's widgets and the buttons."""
    page = flow.pages.currentWidget()
    assert page is not None
    found = [
        widget
        for widget in flow.findChildren(QWidget)
        if widget.isVisible()
        and widget.isEnabled()
        and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        and (page.isAncestorOf(widget) or widget.parentWidget() is flow)
        and widget.focusProxy() is None
    ]
    assert found, "no focusable widget on this step"
    return found


def open_case_at(qtbot: QtBot, flow: IntakeFlow, step: int) -> None:
    """The first citizen's case, open at `step` with something typed and chosen."""
    flow.identify.scan.setFocus()
    hands.scan(qtbot, FIRST)
    hands.type_into(qtbot, flow.identify.phone, "0912345678")
    if step == 0:
        return
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    flow.check_step.consent.setFocus()
    qtbot.keyClick(flow.check_step.consent, Qt.Key.Key_Space)
    if step == 1:
        return
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    if step == 2:
        return
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 3
    hands.press("2")  # a digit picks the second result
    hands.settle(qtbot)
    assert flow.result.chosen() is not None
    hands.type_into(qtbot, flow.result.notes, "Cụ bà 80 tuổi")


def put_focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


@pytest.mark.parametrize("speed", sorted(SPEEDS))
@pytest.mark.parametrize("step", [0, 1, 2, 3])
def test_a_burst_anywhere_changes_nothing_until_the_clerk_chooses(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages, step: int, speed: str
) -> None:
    open_case_at(qtbot, flow, step)
    assert flow.step() == step
    before = controls(flow)
    widgets = focusable(flow)
    for widget in widgets:
        put_focus(qtbot, widget)
        asked = len(recorded.shown)
        hands.scan(qtbot, NEXT, SPEEDS[speed])
        # The clerk was asked (and went back to the open case): nothing changed.
        assert recorded.shown[asked:] == [
            ("choose", "Ca đang làm chưa lưu", recorded.shown[asked][2])
        ], widget
        assert "Nguyễn Văn Duy" in recorded.shown[asked][2]
        assert controls(flow) == before, f"{type(widget).__name__} {widget.objectName()}"
    assert len(widgets) >= 3


@pytest.mark.parametrize("speed", sorted(SPEEDS))
def test_the_new_citizen_comes_after_the_clerk_drops_the_open_case(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages, database: Database, speed: str
) -> None:
    open_case_at(qtbot, flow, 3)
    put_focus(qtbot, flow.result.statuses.buttons()[0])
    recorded.choice = "discard"
    hands.scan(qtbot, NEXT, SPEEDS[speed])
    assert flow.step() == 0
    assert flow.identify.id_number.text() == "094090054321"
    assert flow.identify.full_name.text() == "Nguyễn Văn Duy"
    assert flow.identify.phone.text() == ""  # nothing of the dropped case
    with database.session() as session:
        assert session.scalars(select(Case)).all() == []


def test_saving_the_open_case_first_then_the_new_citizen(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages, database: Database
) -> None:
    open_case_at(qtbot, flow, 3)
    chosen = flow.result.chosen()
    put_focus(qtbot, flow.result.notes)
    recorded.choice = "save"
    hands.scan(qtbot, NEXT)
    with database.session() as session:
        saved = session.scalars(select(Case)).all()
        assert [(c.full_name, c.status, c.notes) for c in saved] == [
            ("Trần Thị Mỹ Linh", str(chosen), "Cụ bà 80 tuổi")
        ]
    assert flow.identify.full_name.text() == "Nguyễn Văn Duy"
    assert flow.step() == 0


def test_save_is_not_offered_before_a_result_is_chosen(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages
) -> None:
    open_case_at(qtbot, flow, 1)
    recorded.choice = "save"  # not among the choices: the safe one is taken
    hands.scan(qtbot, NEXT)
    assert flow.identify.full_name.text() == "Trần Thị Mỹ Linh"
    assert flow.step() == 1
    assert "giữ nguyên" in flow.banner.text()


def test_the_same_card_again_keeps_the_case(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages
) -> None:
    open_case_at(qtbot, flow, 2)
    before = controls(flow)
    hands.scan(qtbot, FIRST)
    assert [kind for kind, _title, _text in recorded.shown] == []
    assert controls(flow) == before
    assert "công dân đang làm" in flow.banner.text()


def test_a_scan_on_an_empty_desk_needs_no_question(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages
) -> None:
    put_focus(qtbot, flow.new_button)  # a space would click it: the scan's spaces do not
    hands.scan(qtbot, NEXT, hands.SLOW_SCANNER_GAP_MS)
    assert recorded.shown == []
    assert flow.identify.full_name.text() == "Nguyễn Văn Duy"
    assert flow.identify.sex.currentText() == "Nam"


def test_a_typist_is_not_a_scanner(qtbot: QtBot, flow: IntakeFlow) -> None:
    """Digits typed by hand land where they were typed, even typed quickly, and the text
    that follows them too."""
    identify = flow.identify
    put_focus(qtbot, identify.id_number)
    clock = hands.hand_clock()
    clock.gap = 40.0  # a very fast typist: within a scanner's rhythm
    for char in "094190012345":
        hands.press(char)
    hands.press_key(Qt.Key.Key_Tab)  # a scan never has a Tab: what was held lands first
    assert identify.id_number.text() == "094190012345"
    assert QApplication.focusWidget() is identify.full_name
    hands.type_keys(qtbot, "Tran Thi Linh")
    assert identify.full_name.text() == "Tran Thi Linh"


def test_a_digit_typed_then_a_shortcut(qtbot: QtBot, flow: IntakeFlow, database: Database) -> None:
    """Ctrl+S right after a digit: the digit's result is picked before the save."""
    open_case_at(qtbot, flow, 3)
    assert flow.result.chosen() == Status(flow.result.statuses.button(2).property("status"))
    put_focus(qtbot, flow.result.statuses.buttons()[0])
    hands.press("1")
    first = Status(flow.result.statuses.button(1).property("status"))
    qtbot.keyClick(flow, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert "Đã lưu" in flow.banner.text()
    with database.session() as session:
        assert [c.status for c in session.scalars(select(Case))] == [first.value]


def test_scanner_garbage_with_a_case_open_changes_nothing(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages
) -> None:
    open_case_at(qtbot, flow, 2)
    before = controls(flow)
    hands.scan(qtbot, "094190012345|365123456|Trần Thị Mỹ Linh|15031991|Nữ|Ấp X|20052021")
    assert controls(flow) == before
    assert "không đọc được" in flow.banner.text()
    assert recorded.shown == []


@pytest.mark.parametrize("field", ["full_name", "phone"])
def test_a_qr_cut_short_lands_in_no_field_and_says_why(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages, field: str
) -> None:
    """A smudged card: the scanner sends the number, a few fields and Enter. It is a scan
    all the same, refused with a message, and what the clerk typed stays as it was."""
    identify = flow.identify
    hands.type_into(qtbot, identify.full_name, "Nguyễn Văn An")
    hands.type_into(qtbot, identify.phone, "0912345678")
    put_focus(qtbot, getattr(identify, field))
    before = controls(flow)
    hands.scan(qtbot, FIRST[:40])
    assert controls(flow) == before
    assert "cần ít nhất 7 trường" in flow.banner.text() and "Quét lại" in flow.banner.text()
    assert recorded.shown == []


def test_a_qr_cut_short_on_an_empty_desk_is_said_at_the_scan_field(
    qtbot: QtBot, flow: IntakeFlow
) -> None:
    put_focus(qtbot, flow.identify.full_name)
    hands.scan(qtbot, FIRST[:30], hands.SLOW_SCANNER_GAP_MS)
    assert flow.identify.full_name.text() == ""
    assert "cần ít nhất 7 trường" in flow.identify.scan_message.text()
    assert QApplication.focusWidget() is flow.identify.scan


@pytest.mark.parametrize(
    ("garbled", "said"),
    [
        (FIRST.replace("094190012345", "09419001245"), "12 chữ số"),  # a digit lost
        (FIRST.replace("094190012345", "0941900123345"), "12 chữ số"),  # a digit doubled
    ],
)
def test_a_number_garbled_by_the_scanner_lands_in_no_field(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages, garbled: str, said: str
) -> None:
    identify = flow.identify
    hands.type_into(qtbot, identify.address, "Ấp Phú Hòa")
    before = controls(flow)
    hands.scan(qtbot, garbled)
    assert controls(flow) == before
    assert said in flow.banner.text() and "không đọc được" in flow.banner.text()


def test_a_scan_right_after_a_typed_digit_keeps_the_digit(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages
) -> None:
    """The clerk types a phone number; the scanner fires before the next key: the digit
    typed last stays in the field, the card is a scan like any other."""
    put_focus(qtbot, flow.identify.phone)
    for char in "091":
        hands.press(char)  # a person's keys, the last one still held back
    hands.scan(qtbot, FIRST)  # its first key within a scanner's gap of that digit
    assert flow.identify.phone.text() == "091"
    assert [kind for kind, _title, _text in recorded.shown] == ["choose"]
    assert flow.identify.id_number.text() == ""  # the clerk went back to the open case
