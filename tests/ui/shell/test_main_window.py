"""The main window: tabs by role, refresh after a save, the slip key, resume, remembered sizes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMenu, QWidget
from pytestqt.qtbot import QtBot

from models.codes import Role, Status
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import load_local_settings
from tests.factories import PHU_TAM, World
from tests.ui import hands
from tests.ui.counting.test_targets_editor import index_of, stored
from tests.ui.screens import lan_context, minh, one_case
from ui.counting.targets_editor import TOTAL
from ui.shell.context import AppContext
from ui.shell.main_window import GEOMETRY_KEY, MainWindow
from ui.widgets.qt_vietnamese import JsonTranslator, install_vietnamese

SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier
CARD = (
    "094190012345|365123456|Trần Thị Mỹ Linh|15031990|Nữ|"
    "Ấp Phú Hòa, Xã Phú Tâm, Huyện Châu Thành, Sóc Trăng|20052021"
)


def make_context(database: Database, role: Role, folder: Path) -> tuple[AppContext, World]:
    return lan_context(database, role, settings_folder=folder)


def make_window(
    qtbot: QtBot, context: AppContext, resize: bool = True, **kwargs: object
) -> MainWindow:
    window = MainWindow(context, **kwargs)  # type: ignore[arg-type]
    qtbot.addWidget(window)
    if resize:
        window.resize(1366, 768)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # window keys need it
    return window


def tab_titles(window: MainWindow) -> list[str]:
    return [
        window.tabs.tabText(i) for i in range(window.tabs.count()) if window.tabs.isTabVisible(i)
    ]


def test_an_operator_sees_the_desk_tabs_and_who_is_signed_in(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    assert "định danh điện tử" in window.windowTitle()
    assert tab_titles(window) == [
        "Thu nhận",
        "Danh sách hồ sơ",
        "Cần theo dõi",
        "Kết quả",
        "Vận động",
    ]
    assert "Nguyễn Thị Lan (lan.nt)" in window.who.text()
    assert "Công an xã Phú Tâm" in window.who.text()
    assert window.today.text().startswith("Hôm nay tại điểm: 0 kích hoạt")
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.case_list
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.case_list  # hidden tab: no change


def test_the_dashboard_counts_when_first_shown(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    assert window.dashboard.board is None  # nothing counted at start
    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.dashboard.board is not None


def view_menu_entries(window: MainWindow) -> list[str]:
    """The entries of *Xem* a person sees (a hidden entry is not offered)."""
    view = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Xem")
    assert isinstance(view, QMenu)
    return [a.text() for a in view.actions() if a.text() and a.isVisible()]


def test_a_manager_also_sets_targets(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    context, _ = make_context(database, Role.MANAGER, tmp_path)
    window = make_window(qtbot, context)
    assert "Chỉ tiêu" in tab_titles(window)
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.targets
    assert QApplication.focusWidget() is window.targets.view  # the arrows choose a unit


def test_a_save_refreshes_the_lists_and_offers_the_slip(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    printed: list[int] = []
    monkeypatch.setattr(
        "ui.shell.main_window.print_slip",
        lambda _parent, _context, case_id: printed.append(case_id),
    )
    context, world = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    assert not window.slip_action.isEnabled()
    rows_before = window.case_list.model.rowCount()
    with database.session() as session:
        # Saved the way the desk saves (through the same flow signal path).
        w = World(session)
        facts = w.facts()
        result = w.record(facts, w.report(Status.ACTIVATED, "2023-07-20 08:30"))
        session.commit()
        case_id = result.case.id
    window.intake.case_saved.emit(case_id)
    # The list is brought up to date when it is looked at, not behind the desk's back.
    assert window.case_list.model.rowCount() == rows_before
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.case_list.model.rowCount() == rows_before + 1
    assert window.slip_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_F9)
    assert printed == [case_id]
    assert world.operator.id == context.actor.operator_id  # type: ignore[union-attr]


def test_switch_operator_changes_who_and_the_tabs(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, world = make_context(database, Role.OPERATOR, tmp_path)

    def switch(_context: AppContext, _parent: QWidget) -> Actor:
        return minh(world, Role.MANAGER, at_phu_tam=True)

    window = make_window(qtbot, context, switch_operator=switch)
    assert "Chỉ tiêu" not in view_menu_entries(window)  # nor in the menu
    assert view_menu_entries(window)[:-1] == tab_titles(window)
    qtbot.keyClick(
        window,
        Qt.Key.Key_D,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert "Trần Văn Minh (minh.tv)" in window.who.text()
    assert "Chỉ tiêu" in tab_titles(window)
    assert view_menu_entries(window)[:-1] == tab_titles(window)


def test_window_size_is_remembered(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    window.resize(800, 570)  # within the offscreen platform's 800x600 screen
    window.close()
    saved, warning = load_local_settings(tmp_path)
    assert warning is None and isinstance(saved.extra.get(GEOMETRY_KEY), str)
    again = MainWindow(replace(context, settings=saved))
    qtbot.addWidget(again)
    assert again.height() == 570  # the offscreen screen leaves no room to vary the width


def test_standard_buttons_speak_vietnamese(qtbot: QtBot) -> None:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    assert ok is not None and cancel is not None
    assert (ok.text(), cancel.text()) == ("Đồng ý", "Hủy")


def test_the_translator_outlives_garbage_collection(
    qtbot: QtBot, vietnamese: JsonTranslator
) -> None:
    import gc

    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance()
    assert app is not None
    app.removeTranslator(vietnamese)  # only the one installed below is left
    install_vietnamese(app)  # the return value dropped, as the app does
    gc.collect()
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    assert cancel is not None and cancel.text() == "Hủy"


def test_the_window_opens_ready_for_typed_digits(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    assert QApplication.focusWidget() is window.intake.identify.scan
    hands.type_keys(qtbot, "094190012345")
    hands.press_key(Qt.Key.Key_Return)
    assert window.intake.identify.id_number.text() == "094190012345"


def test_each_tab_takes_its_keys_as_soon_as_its_ctrl_digit_shows_it(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    """Ctrl+3 then F4, Ctrl+2 then Enter, Ctrl+4 then Enter: no Tab or mouse first."""
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    case_id = one_case(database, Status.APPROVED, "2023-07-20 08:30")
    window = make_window(qtbot, context)
    qtbot.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    hands.press_key(Qt.Key.Key_F4)  # the oldest case in the queue, at step 4
    assert window.tabs.currentWidget() is window.intake and window.intake.step() == 3
    assert window.intake.identify.full_name.text() == "Trần Thị Mỹ Linh"

    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    hands.press_key(Qt.Key.Key_Return)  # the case under the cursor opens
    detail = window.case_list.detail_dialog
    assert detail is not None and detail.case_id == case_id
    detail.close()

    qtbot.keyClick(window, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.dashboard.board is not None)
    hands.press_key(Qt.Key.Key_Return)  # the first district's communes
    board = window.dashboard.board
    assert board is not None and board.unit.code is not None


def test_closing_a_dialog_by_key_gives_the_keys_back_to_the_window_under_it(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    """As a desktop does: Esc on a dialog, and the next key goes to the window it was
    opened from (with no window active, Ctrl+2 or Ctrl+E did nothing at all)."""
    context, _ = make_context(database, Role.MANAGER, tmp_path)
    one_case(database, Status.APPROVED, "2023-07-20 08:30")
    window = make_window(qtbot, context)

    def close_conflicts() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None or QApplication.activeWindow() is not dialog:
            QTimer.singleShot(50, close_conflicts)  # not up yet
            return
        hands.press_key(Qt.Key.Key_Escape)

    QTimer.singleShot(50, close_conflicts)
    hands.press_key(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | SHIFT)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    hands.press_key(Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.case_list
    hands.press_key(Qt.Key.Key_Return)  # the case under the cursor opens
    detail = window.case_list.detail_dialog
    assert detail is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is detail)
    hands.press_key(Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    form = detail.correction_dialog
    assert form is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is form)
    hands.press_key(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is detail)
    hands.press_key(Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # again, by key
    assert detail.correction_dialog is not form and detail.correction_dialog is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is detail.correction_dialog)
    hands.press_key(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is detail)
    hands.press_key(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    focus = QApplication.focusWidget()
    assert focus is not None and window.case_list.isAncestorOf(focus)


def test_the_desks_alt_keys_win_over_the_menu_bar(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    """Alt+X (*Xem nội dung thông báo…*) opens the notice in the window too, though the menu
    *Xem* shares the letter; likewise Alt+T (*Tiếp*) and Alt+G (*Giới tính*). Before, the
    key was ambiguous: Qt only moved the focus to the button, or opened the menu."""
    context, _ = make_context(database, Role.MANAGER, tmp_path)
    window = make_window(qtbot, context)
    flow = window.intake
    hands.scan(qtbot, CARD)
    hands.press_key(Qt.Key.Key_G, ALT)
    assert QApplication.focusWidget() is flow.identify.sex
    hands.press_key(Qt.Key.Key_T, ALT)  # Tiếp
    qtbot.waitUntil(lambda: flow.step() == 1)
    assert QApplication.activePopupWidget() is None
    hands.press_key(Qt.Key.Key_X, ALT)
    qtbot.waitUntil(lambda: flow.check_step.notice_dialog is not None)
    dialog = flow.check_step.notice_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    hands.press_key(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    hands.press_key(Qt.Key.Key_Y, ALT)
    qtbot.waitUntil(flow.check_step.consent.isChecked)
    hands.press_key(Qt.Key.Key_Q, ALT)  # Quay lại, though a manager has *Quản trị*
    qtbot.waitUntil(lambda: flow.step() == 0)
    assert QApplication.activePopupWidget() is None


def test_a_target_typed_into_its_cell_keeps_its_first_digit(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    """The scan detector holds a first digit back; let go, it opens the cell's editor, and
    the next digits go there too (the first digit was lost: 6000 was saved as 600)."""
    context, _ = make_context(database, Role.MANAGER, tmp_path)
    window = make_window(qtbot, context)
    qtbot.keyClick(window, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    panel = window.targets
    panel.select(PHU_TAM)
    panel.view.setCurrentIndex(index_of(panel, PHU_TAM, TOTAL))
    hands.type_keys(qtbot, "6000")
    hands.press_key(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: stored(database, PHU_TAM) == (6000, None))
