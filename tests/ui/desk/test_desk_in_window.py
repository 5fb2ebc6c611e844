"""The desk inside the main window: scans from any tab or dialog, a clean start for each
citizen and each operator, a remembered layout only when it is usable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from models.codes import Role, Status
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import load_local_settings
from tests.ui import hands
from tests.ui.screens import minh, one_case
from tests.ui.shell.test_main_window import make_context, make_window
from ui.shell.context import AppContext
from ui.shell.main_window import MIN_PANE, SPLITTERS_KEY, MainWindow
from ui.widgets.messages import RecordingMessages

NEXT = (
    "094090054321|365123457|Nguyễn Văn Duy|02021990|Nam|"
    "Ấp Xuyên Mỹ 1, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng|12122022"
)


def put_focus(qtbot: QtBot, widget: QWidget) -> None:
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def test_a_scan_on_the_case_list_brings_the_desk_and_never_reaches_the_search(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    search = window.case_list.search
    put_focus(qtbot, search)
    seen: list[str] = []
    search.textChanged.connect(seen.append)
    hands.scan(qtbot, NEXT, hands.SLOW_SCANNER_GAP_MS)
    assert window.tabs.currentWidget() is window.intake
    assert window.intake.identify.full_name.text() == "Nguyễn Văn Duy"
    assert not any("0940900" in text or "Duy" in text for text in seen)


def test_a_scan_while_a_dialog_is_open_is_set_aside_with_a_message(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    dialog = QDialog(window)
    dialog.setWindowTitle("Đổi mật khẩu")
    field = QLineEdit(dialog)
    QVBoxLayout(dialog).addWidget(field)
    dialog.open()
    qtbot.waitUntil(dialog.isVisible)
    put_focus(qtbot, field)
    hands.scan(qtbot, NEXT)
    assert field.text() == ""
    assert window.intake.identify.full_name.text() == ""
    assert [kind for kind, _title, _text in recorded.shown] == ["warning"]
    assert "Đổi mật khẩu" in recorded.shown[0][2] and "quét lại" in recorded.shown[0][2]
    dialog.reject()


def test_ctrl_n_leaves_no_banner_and_no_search(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    flow = window.intake
    qtbot.keyClick(window, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert flow.banner.isVisible() and "ô báo đỏ" in flow.banner.text()
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    hands.type_into(qtbot, window.case_list.search, "Tran Thi")
    window.case_list.level.setCurrentIndex(1)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert not flow.banner.isVisible()
    assert window.case_list.search.text() == ""
    assert window.case_list.level.currentIndex() == 0


def test_a_new_operator_starts_clean_everywhere(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, world = make_context(database, Role.OPERATOR, tmp_path)
    case_id = one_case(database, Status.APPROVED, "2023-07-20 08:30")

    def switch(_context: AppContext, _parent: QWidget) -> Actor:
        return minh(world, Role.OPERATOR, at_phu_tam=True)

    window = make_window(qtbot, context, switch_operator=switch)
    window.resume_case(case_id)
    assert window.intake.step() == 3 and "Tiếp tục hồ sơ" in window.intake.banner.text()
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.follow_up.current_case_id() == case_id
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    hands.type_into(qtbot, window.case_list.search, "Tran")
    qtbot.keyClick(
        window,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert "minh.tv" in window.who.text()
    assert window.intake.step() == 0 and not window.intake.banner.isVisible()
    assert window.intake.identify.id_number.text() == ""
    assert window.case_list.search.text() == ""
    assert not window.slip_action.isEnabled()
    assert window.follow_up.current_case_id() is None


def test_a_zero_width_pane_is_not_restored(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    context.settings.extra[SPLITTERS_KEY] = {"dashboardCharts": [0, 760]}
    window = make_window(qtbot, context)
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: sum(window.dashboard.charts.sizes()) > 0)
    assert min(window.dashboard.charts.sizes()) >= MIN_PANE


def test_a_pane_never_shown_is_not_saved_and_a_usable_one_is_restored(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    window.close()  # the dashboard was never shown
    saved, _ = load_local_settings(tmp_path)
    assert "dashboardCharts" not in saved.extra.get(SPLITTERS_KEY, {})

    saved.extra[SPLITTERS_KEY] = {"dashboardCharts": [300, 460]}
    again = make_window(qtbot, replace(context, settings=saved), resize=False)
    qtbot.keyClick(again, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: sum(again.dashboard.charts.sizes()) > 0)
    left, right = again.dashboard.charts.sizes()
    assert left >= MIN_PANE and right >= MIN_PANE and left < right
    again.close()
    kept, _ = load_local_settings(tmp_path)
    assert kept.extra[SPLITTERS_KEY]["dashboardCharts"] == [left, right]


def test_a_tiny_window_is_not_restored(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    window.resize(120, 80)
    window.close()
    saved, _ = load_local_settings(tmp_path)
    again = MainWindow(
        AppContext(database=database, settings=saved, actor=context.actor, point=context.point)
    )
    qtbot.addWidget(again)
    assert again.width() >= 640 and again.height() >= 400
