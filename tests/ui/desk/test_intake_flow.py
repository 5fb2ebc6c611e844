"""The guided case flow, driven as an operator with a USB QR scanner would drive it."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from models.codes import Status
from models.entities import Case, CaseEvent
from services.common.errors import StorageError
from services.common.vntime import format_date, today_vn
from services.upkeep.database import Database, sqlite_path
from tests.factories import PHU_TAM, id_number_for
from tests.ui import hands
from ui.desk.flow import IntakeFlow
from ui.widgets.messages import RecordingMessages

CARD = (
    "094190012345|365123456|Trần Thị Mỹ Linh|15031990|Nữ|"
    "Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng|20052021"
)


def type_text(qtbot: QtBot, target: QWidget, text: str) -> None:
    """Typed into `target` with the focus there, as a person would."""
    hands.type_into(qtbot, target, text)


def type_like_a_scanner(qtbot: QtBot, target: QWidget, text: str) -> None:
    """A USB scanner: the QR text typed fast into the focused widget, then Enter."""
    target.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is target)
    hands.scan(qtbot, text)


def cases(database: Database) -> list[Case]:
    with database.session() as session:
        return list(session.scalars(select(Case)))


def events(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(CaseEvent)) or 0


def scan_card(qtbot: QtBot, flow: IntakeFlow, text: str = CARD) -> None:
    type_like_a_scanner(qtbot, flow.identify.scan, text)
    qtbot.waitUntil(lambda: flow.identify.scan_message.isVisible())


def go_to_result(qtbot: QtBot, flow: IntakeFlow, returning: bool = False) -> None:
    """Steps 2 to 4 by keyboard; a returning citizen's consent is already recorded."""
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 1
    assert flow.check_step.consent.isChecked() == returning
    if not returning:
        flow.check_step.consent.setFocus()
        qtbot.keyClick(flow.check_step.consent, Qt.Key.Key_Space)
    assert flow.check_step.consent.isChecked()
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 2
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 3


def choose(qtbot: QtBot, flow: IntakeFlow, status: Status) -> None:
    flow.result.choose(status)
    assert flow.result.chosen() == status


def scan_through_to(qtbot: QtBot, flow: IntakeFlow, status: Status, phone: str = "") -> None:
    """The card scanned, `phone` typed (if any), steps 2 to 4 gone through, `status` chosen."""
    scan_card(qtbot, flow)
    if phone:
        type_text(qtbot, flow.identify.phone, phone)
    go_to_result(qtbot, flow)
    choose(qtbot, flow, status)


def test_a_scan_fills_the_form_and_the_case_is_saved(
    qtbot: QtBot, flow: IntakeFlow, database: Database
) -> None:
    assert flow.step() == 0 and QApplication.focusWidget() is flow.identify.scan
    scan_card(qtbot, flow)
    identify = flow.identify
    assert identify.id_number.text() == "094190012345"
    assert identify.full_name.text() == "Trần Thị Mỹ Linh"
    assert identify.birth_date.text() == "15/03/1990"
    assert identify.sex.currentText() == "Nữ"
    assert identify.address.text().startswith("Ấp Phú Hòa")
    assert identify.commune.commune_id() == flow.tree.commune(PHU_TAM).id
    type_text(qtbot, identify.phone, "0912 345 678")
    go_to_result(qtbot, flow)
    choose(qtbot, flow, Status.ACTIVATED)
    with qtbot.waitSignal(flow.case_saved) as saved:
        qtbot.keyClick(flow, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    stored = cases(database)
    assert len(stored) == 1
    case = stored[0]
    assert saved.args == [case.id]
    assert (case.id_number, case.level, case.status) == ("094190012345", 1, "activated")
    assert case.phone == "0912345678"
    assert case.consent_given
    with database.session() as session:
        history = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
        assert [(e.from_status, e.to_status) for e in history] == [(None, "activated")]
        assert history[0].operator_id == flow.context.actor.operator_id  # type: ignore[union-attr]
    # Ready for the next citizen: back at step 1, empty, focus in the scan field.
    assert flow.step() == 0
    assert identify.id_number.text() == "" and identify.full_name.text() == ""
    assert QApplication.focusWidget() is identify.scan
    assert "Đã lưu" in flow.banner.text()


def test_a_second_scan_continues_the_existing_case(
    qtbot: QtBot, flow: IntakeFlow, database: Database
) -> None:
    scan_through_to(qtbot, flow, Status.REGISTERED, phone="0912345678")
    flow.save()
    first = cases(database)[0]

    scan_card(qtbot, flow)  # two days later, the approval SMS arrived
    assert "Mức 1" in flow.identify.existing.text()
    assert "Đã đăng ký, chờ duyệt" in flow.identify.existing.text()
    assert flow.identify.phone.text() == "0912345678"  # filled from the saved case
    go_to_result(qtbot, flow, returning=True)
    offered = [b.property("status") for b in flow.result.statuses.buttons()]
    assert offered == ["approved", "activated", "failed"]
    choose(qtbot, flow, Status.ACTIVATED)
    flow.save()
    stored = cases(database)
    assert len(stored) == 1 and stored[0].id == first.id
    assert stored[0].status == "activated"
    assert events(database) == 2


def test_a_scan_while_typing_elsewhere_on_the_step(
    qtbot: QtBot, flow: IntakeFlow, recorded: RecordingMessages
) -> None:
    type_text(qtbot, flow.identify.phone, "0912345678")
    type_like_a_scanner(qtbot, flow.identify.phone, CARD)
    # Something was typed: the clerk is asked first, and going back changes nothing.
    assert [kind for kind, _title, _text in recorded.shown] == ["choose"]
    assert flow.identify.phone.text() == "0912345678"  # the QR did not land in the phone field
    assert flow.identify.id_number.text() == ""
    recorded.choice = "discard"
    type_like_a_scanner(qtbot, flow.identify.phone, CARD)
    assert flow.identify.id_number.text() == "094190012345"
    assert flow.identify.full_name.text() == "Trần Thị Mỹ Linh"
    assert flow.identify.phone.text() == ""


def test_scanner_garbage_gets_a_clear_message(qtbot: QtBot, flow: IntakeFlow) -> None:
    scan_card(qtbot, flow, "094190012345|365123456|Trần Thị Mỹ Linh|15031991|Nữ|Ấp X|20052021")
    message = flow.identify.scan_message.text()
    assert "1990" in message and "1991" in message
    assert "Unikey" in message
    assert flow.identify.id_number.text() == ""


@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("id_number", "09419001234", "12 chữ số"),
        ("phone", "0123456789", "đầu số"),
    ],
)
def test_inline_validation_as_the_operator_types(
    qtbot: QtBot, flow: IntakeFlow, field: str, text: str, expected: str
) -> None:
    type_text(qtbot, getattr(flow.identify, field), text)
    label = flow.identify.errors[field]
    assert label.isVisible() and expected in label.text()


def test_hidden_characters_in_a_name_or_an_address_are_shown_under_the_field(
    flow: IntakeFlow,
) -> None:
    identify = flow.identify
    identify.full_name.setText("Trần\u200b Thị Lan")
    identify.address.setText("Ấp 3\u202e")
    assert not identify.check()
    for field, code in (("full_name", "U+200B"), ("address", "U+202E")):
        label = identify.errors[field]
        assert label.isVisible() and code in label.text(), label.text()


def test_birth_date_that_disagrees_with_the_number(qtbot: QtBot, flow: IntakeFlow) -> None:
    identify = flow.identify
    type_text(qtbot, identify.id_number, "094190012345")
    type_text(qtbot, identify.birth_date, "15/03/1991")
    identify.sex.setCurrentText("Nữ")
    identify.sex.activated.emit(2)
    text = identify.errors["id_number"].text()
    assert identify.errors["id_number"].isVisible()
    assert "1990" in text and "1991" in text


def test_under_fourteen_and_next_is_refused(qtbot: QtBot, flow: IntakeFlow) -> None:
    identify = flow.identify
    birth = date(today_vn().year - 10, 1, 1)  # ten years old, whatever the day the test runs
    type_text(qtbot, identify.id_number, id_number_for(birth, "Nam", 12345))
    type_text(qtbot, identify.full_name, "Lê Văn Nhỏ")
    type_text(qtbot, identify.birth_date, format_date(birth))
    identify.sex.setCurrentText("Nam")
    identify.commune.set_commune(flow.tree.commune(PHU_TAM).id)
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 0
    assert "14 tuổi" in identify.errors["birth_date"].text()
    assert "ô báo đỏ" in flow.banner.text()


def test_a_refused_step_one_takes_the_focus_to_the_first_red_field(
    qtbot: QtBot, flow: IntakeFlow
) -> None:
    """By keyboard only, the clerk lands on what to fix, its text selected: typing the right
    number replaces the wrong one, and Ctrl+Enter goes on; nothing else typed is lost."""
    scan_card(qtbot, flow)
    type_text(qtbot, flow.identify.phone, "0123456789")  # 012: not a mobile prefix
    flow.identify.address.setFocus()  # the clerk moved on
    hands.press_key(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 0 and "ô báo đỏ" in flow.banner.text()
    assert QApplication.focusWidget() is flow.identify.phone
    assert flow.identify.phone.selectedText() == "0123456789"
    hands.type_keys(qtbot, "0912345678")
    assert flow.identify.phone.text() == "0912345678"
    assert flow.identify.full_name.text() == "Trần Thị Mỹ Linh"
    hands.press_key(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 1


def test_no_consent_no_next_step(qtbot: QtBot, flow: IntakeFlow) -> None:
    scan_card(qtbot, flow)
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 1
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.step() == 1
    assert flow.check_step.consent_error.isVisible()
    assert "đồng ý" in flow.banner.text() and flow.banner.isVisible()
    qtbot.keyClick(flow, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)  # the box, by its key
    qtbot.waitUntil(flow.check_step.consent.isChecked)
    assert not flow.check_step.consent_error.isVisible()
    assert not flow.banner.isVisible()  # the message goes as soon as its problem is fixed


def test_a_number_typed_right_after_a_wrong_one_leaves_no_old_message(
    qtbot: QtBot, flow: IntakeFlow
) -> None:
    assert QApplication.focusWidget() is flow.identify.scan
    hands.type_keys(qtbot, "09419001234")
    hands.press_key(Qt.Key.Key_Return)
    assert "12 chữ số" in flow.identify.scan_message.text()
    assert flow.identify.scan.text() == "09419001234"  # kept, to be corrected
    hands.type_keys(qtbot, "5")
    hands.press_key(Qt.Key.Key_Return)
    assert flow.identify.id_number.text() == "094190012345"
    assert not flow.identify.scan_message.isVisible()
    assert QApplication.focusWidget() is flow.identify.full_name


def test_a_refused_save_keeps_everything_typed(
    qtbot: QtBot, flow: IntakeFlow, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(*_args: object, **_kwargs: object) -> None:
        raise StorageError("Ổ đĩa đã đầy: giải phóng dung lượng rồi thử lại.")

    scan_through_to(qtbot, flow, Status.ACTIVATED, phone="0912345678")
    type_text(qtbot, flow.result.notes, "Bà cụ 80 tuổi")
    monkeypatch.setattr("ui.desk.flow.save_intake", full_disk)
    flow.save()
    assert cases(database) == []
    assert flow.step() == 3
    assert "Ổ đĩa đã đầy" in flow.banner.text()
    assert flow.identify.full_name.text() == "Trần Thị Mỹ Linh"
    assert flow.identify.phone.text() == "0912345678"
    assert flow.result.chosen() == Status.ACTIVATED
    assert flow.result.notes.toPlainText() == "Bà cụ 80 tuổi"
    monkeypatch.undo()
    flow.save()  # the disk was freed: the same form saves
    assert len(cases(database)) == 1


def test_a_conflicting_card_is_refused_with_the_reason(
    qtbot: QtBot, flow: IntakeFlow, database: Database
) -> None:
    scan_through_to(qtbot, flow, Status.REGISTERED)
    flow.save()
    flow.start_over()
    identify = flow.identify
    type_text(qtbot, identify.id_number, "094190012345")
    identify.full_name.setText("Trần Thị Mỹ Lan")  # someone typed a different name
    go_to_result(qtbot, flow, returning=True)
    choose(qtbot, flow, Status.APPROVED)
    flow.save()
    assert "Mỹ Lan" in flow.banner.text() and "Chưa lưu" in flow.banner.text()
    assert flow.step() == 3
    assert cases(database)[0].full_name == "Trần Thị Mỹ Linh"


def test_resume_opens_the_result_step(
    qtbot: QtBot, flow: IntakeFlow, database: Database, opened: list[QUrl]
) -> None:
    scan_through_to(qtbot, flow, Status.APPROVED)
    flow.save()
    case_id = cases(database)[0].id
    flow.resume(case_id)
    assert flow.step() == 3
    offered = [b.property("status") for b in flow.result.statuses.buttons()]
    assert offered == ["activated", "failed"]
    assert flow.guide.current() == "activation_web"
    flow.back()
    qtbot.keyClick(flow, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert opened == [QUrl("https://vneid.gov.vn")]


def test_level_two_at_a_point_that_does_not_take_it(qtbot: QtBot, flow: IntakeFlow) -> None:
    scan_card(qtbot, flow)
    qtbot.keyClick(flow, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    flow.check_step.set_level(2)
    assert flow.check_step.referral.isVisible()
    assert "điểm cấp căn cước" in flow.check_step.referral.text()
    flow.check_step.consent.setChecked(True)
    flow.forward()
    assert flow.guide.current() == "level2_referral"
    flow.forward()
    offered = [b.property("status") for b in flow.result.statuses.buttons()]
    assert "application_taken" not in offered


def test_a_residence_outside_the_province_is_chosen_by_keyboard(
    qtbot: QtBot, flow: IntakeFlow, database: Database
) -> None:
    """The commune list offers "Ngoài tỉnh": typed without diacritics, picked from the list."""
    scan_card(qtbot, flow)
    picker = flow.identify.commune
    line = picker.lineEdit()
    assert line is not None
    line.setFocus()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Backspace)
    type_text(qtbot, line, "ngoai tinh")
    completer = picker.completer()
    assert completer is not None
    popup = completer.popup()
    assert popup is not None
    qtbot.waitUntil(popup.isVisible)
    assert popup.model().rowCount() == 1
    qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert picker.is_outside() and picker.commune_id() is None
    go_to_result(qtbot, flow)
    choose(qtbot, flow, Status.ACTIVATED)
    flow.save()
    (case,) = cases(database)
    assert (case.residence_commune_id, case.counted_unit_id, case.status) == (
        None,
        None,
        Status.ACTIVATED.value,
    )


# -- keyboard-first: manual entry and step 4 ----------------------------------------------


def test_typed_by_hand_dates_without_slashes_and_sex_from_the_number(
    qtbot: QtBot, flow: IntakeFlow
) -> None:
    identify = flow.identify
    type_text(qtbot, identify.id_number, "094190012399")
    assert identify.sex.currentText() == "Nữ"  # digit 4 is odd: a woman born in the 1900s
    assert "1990" in identify.birth_date.placeholderText()
    type_text(qtbot, identify.birth_date, "05051990")
    qtbot.keyClick(identify.birth_date, Qt.Key.Key_Tab)
    assert identify.birth_date.text() == "05/05/1990"
    assert not identify.errors["birth_date"].isVisible()
    identify.birth_date.clear()
    type_text(qtbot, identify.birth_date, "1503")  # day and month: the year is the number's
    qtbot.keyClick(identify.birth_date, Qt.Key.Key_Tab)
    assert identify.birth_date.text() == "15/03/1990"
    assert identify.draft().birth_date == date(1990, 3, 15)


def test_enter_picks_the_single_commune_that_matches(qtbot: QtBot, flow: IntakeFlow) -> None:
    picker = flow.identify.commune
    line = picker.lineEdit()
    assert line is not None
    type_text(qtbot, line, "phu tam")
    hands.press_key(Qt.Key.Key_Return)
    assert picker.commune_id() == flow.tree.commune(PHU_TAM).id


def test_a_filled_in_phone_is_replaced_by_typing(
    qtbot: QtBot, flow: IntakeFlow, database: Database
) -> None:
    scan_through_to(qtbot, flow, Status.REGISTERED, phone="0912345678")
    assert flow.save()
    scan_card(qtbot, flow)  # the same citizen comes back with a new number
    phone = flow.identify.phone
    assert QApplication.focusWidget() is phone and phone.text() == "0912345678"
    hands.type_keys(qtbot, "0987654321")
    assert phone.text() == "0987654321"


def test_step_four_by_keyboard(qtbot: QtBot, flow: IntakeFlow, database: Database) -> None:
    scan_card(qtbot, flow)
    type_text(qtbot, flow.identify.phone, "0912345678")
    go_to_result(qtbot, flow)
    result = flow.result
    buttons = result.statuses.buttons()
    assert QApplication.focusWidget() is buttons[0]  # the focus is on the results
    assert result.chosen() is None
    qtbot.keyClick(flow, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert result.status_error.isVisible() and cases(database) == []
    hands.type_keys(qtbot, "2")  # a plain digit picks the result of that number
    assert result.chosen() == Status(buttons[1].property("status"))
    assert not result.status_error.isVisible()  # gone as soon as a result is chosen
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)  # arrows move and pick
    assert result.chosen() == Status(buttons[2].property("status"))
    failed = next(i for i, b in enumerate(buttons, 1) if b.property("status") == "failed")
    hands.type_keys(qtbot, str(failed))
    assert result.chosen() == Status.FAILED
    assert result.failure.isEnabled() and result.failure.currentIndex() == -1  # no reason yet
    qtbot.keyClick(flow, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert cases(database) == [] and result.failure_error.isVisible()
    assert QApplication.focusWidget() is result.failure
    qtbot.keyClick(result.failure, Qt.Key.Key_Down)
    assert result.failure.currentIndex() == 0 and not result.failure_error.isVisible()
    qtbot.keyClick(flow, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # "Nội dung lý do"
    assert QApplication.focusWidget() is result.failure_note
    hands.type_keys(qtbot, "Mat song")
    qtbot.keyClick(flow, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    saved = cases(database)
    assert [(c.status, c.failure_note) for c in saved] == [("failed", "Mat song")]


def test_a_day_outside_the_campaign_is_said_on_the_desk(
    qtbot: QtBot, flow: IntakeFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The preset's campaign ran in 2023: a desk opened later says so and saves all the same.
    assert flow.period_note.isVisible()
    assert "đã kết thúc" in flow.period_note.text()
    monkeypatch.setattr("ui.desk.flow.today_vn", lambda: date(2023, 7, 25))
    flow.start_over()
    assert not flow.period_note.isVisible()
    monkeypatch.setattr("ui.desk.flow.today_vn", lambda: date(2023, 6, 1))
    flow.start_over()
    assert flow.period_note.isVisible() and "chưa đến" in flow.period_note.text()


# -- a save while a long import holds the SQLite file ---------------------------------------


def hold_write_lock(database: Database) -> sqlite3.Connection:
    """Another connection (an import in another window or process) takes the write lock."""
    path = sqlite_path(database.url)
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None, timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def stored_names(database: Database) -> list[str]:
    with database.session(read_only=True) as session:  # reads do not queue for the lock
        return [c.full_name for c in session.scalars(select(Case))]


def test_a_save_while_the_database_is_held_waits_then_saves(
    qtbot: QtBot, flow: IntakeFlow, database: Database
) -> None:
    scan_through_to(qtbot, flow, Status.ACTIVATED, phone="0912345678")
    holder = hold_write_lock(database)
    try:
        assert flow.save() is False  # not yet: it waits, the window does not freeze
        assert flow.waiting_to_save and not flow.isEnabled()
        assert "Đang chờ cơ sở dữ liệu" in flow.banner.text()
        assert flow.identify.full_name.text() == "Trần Thị Mỹ Linh"
        assert stored_names(database) == []
    finally:
        holder.execute("ROLLBACK")  # the import is over
        holder.close()
    with qtbot.waitSignal(flow.case_saved, timeout=15000):
        pass
    assert not flow.waiting_to_save and flow.isEnabled()
    assert "Đã lưu" in flow.banner.text()
    assert stored_names(database) == ["Trần Thị Mỹ Linh"]


def test_giving_up_the_wait_keeps_the_case_on_screen(
    qtbot: QtBot, flow: IntakeFlow, database: Database
) -> None:
    scan_through_to(qtbot, flow, Status.REGISTERED)
    holder = hold_write_lock(database)
    try:
        flow.save()
        assert flow.waiting is not None
        flow.waiting.cancel.set()  # Hủy on the waiting dialog
        qtbot.waitUntil(lambda: not flow.waiting_to_save, timeout=15000)
        assert "đã thôi chờ" in flow.banner.text()
        assert flow.step() == 3 and flow.result.chosen() == Status.REGISTERED
        assert flow.identify.full_name.text() == "Trần Thị Mỹ Linh"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert flow.save() is True  # the import is over: Ctrl+S saves the same form
    assert stored_names(database) == ["Trần Thị Mỹ Linh"]
