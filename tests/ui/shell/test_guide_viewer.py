"""F1: the user guide at the page of the screen in use; the viewer's pages, pictures and keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from models.codes import Role, Status
from services.common.resources import user_guide_dir
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.ui.screens import lan_context, show_active
from ui.shell import guide_viewer
from ui.shell.guide_viewer import GuideViewer, guide_pages, open_guide
from ui.shell.help_dialog import SHORTCUTS, ShortcutsDialog
from ui.shell.main_window import MainWindow


def make_window(qtbot: QtBot, database: Database, role: Role, folder: Path) -> MainWindow:
    settings = LocalSettings(idle_lock_minutes=0)
    context, _ = lan_context(database, role, settings=settings, settings_folder=folder)
    window = MainWindow(context)
    show_active(qtbot, window)
    return window


def viewer_of(parent: QWidget) -> GuideViewer:
    viewer = parent.findChild(GuideViewer)
    assert viewer is not None, "F1 opened no guide"
    return viewer


def press_f1(qtbot: QtBot, window: QWidget) -> GuideViewer:
    qtbot.keyClick(window, Qt.Key.Key_F1)
    viewer = viewer_of(window)
    assert viewer.isVisible()
    return viewer


def back_to(qtbot: QtBot, window: MainWindow, viewer: GuideViewer) -> None:
    qtbot.keyClick(viewer, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


@pytest.mark.parametrize(
    ("role", "tab", "page"),
    [
        (Role.OPERATOR, "intake", guide_viewer.PAGE_LEVEL1),
        (Role.OPERATOR, "case_list", guide_viewer.PAGE_CASE_LIST),
        (Role.OPERATOR, "follow_up", guide_viewer.PAGE_FOLLOW_UP),
        (Role.OPERATOR, "dashboard", guide_viewer.PAGE_DASHBOARD),
        (Role.MANAGER, "targets", guide_viewer.PAGE_TARGETS),
    ],
)
def test_f1_opens_the_page_of_the_tab_in_view(
    qtbot: QtBot, database: Database, tmp_path: Path, role: Role, tab: str, page: str
) -> None:
    window = make_window(qtbot, database, role, tmp_path)
    index = window.tabs.indexOf(getattr(window, tab))
    qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + index), Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == index
    viewer = press_f1(qtbot, window)
    assert viewer.current_page() == page
    assert viewer.windowTitle() == "Hướng dẫn sử dụng – kichhoat"
    # The list on the left follows the page shown.
    current = viewer.pages.currentItem()
    assert current is not None and current.data(Qt.ItemDataRole.UserRole) == page


def test_f1_at_the_desk_follows_the_case_in_hand(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = make_window(qtbot, database, Role.OPERATOR, tmp_path)
    intake = window.intake
    intake.check_step.set_level(2)
    viewer = press_f1(qtbot, window)
    assert viewer.current_page() == guide_viewer.PAGE_LEVEL2
    back_to(qtbot, window, viewer)

    intake.check_step.set_level(1)
    intake.pages.setCurrentIndex(3)  # step 4, as after Ctrl+Enter three times
    intake.result.offer(1, None, [Status.REGISTERED, Status.FAILED])
    intake.result.choose(Status.FAILED)
    again = press_f1(qtbot, window)
    assert again is viewer  # one viewer, reused
    assert viewer.current_page() == guide_viewer.PAGE_FAILED


def test_f1_in_a_dialog_opens_its_page(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    from ui.exchange.package_dialogs import ExportPackageDialog

    window = make_window(qtbot, database, Role.MANAGER, tmp_path)
    dialog = ExportPackageDialog(window.context, window)
    dialog.open()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_F1)
    viewer = viewer_of(dialog)
    assert viewer.isVisible() and viewer.current_page() == guide_viewer.PAGE_PACKAGES
    assert window.findChild(GuideViewer) is viewer  # in front of the dialog, not the window
    assert viewer.parentWidget() is dialog
    assert dialog.passphrase.text() == ""  # the key was not typed into the form


def test_shift_f1_still_lists_the_shortcuts(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    window = make_window(qtbot, database, Role.OPERATOR, tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    cells = [dialog.table.item(row, 0) for row in range(dialog.table.rowCount())]
    keys = [cell.text() if cell is not None else "" for cell in cells]
    assert keys[:2] == ["F1", "Shift+F1"]
    assert dict(SHORTCUTS)["F1"].startswith("Hướng dẫn sử dụng")
    menu_texts = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert "Trợ giúp" in menu_texts


def test_the_viewer_lists_every_page_and_shows_its_pictures(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    viewer = GuideViewer(parent)
    qtbot.addWidget(viewer)
    viewer.resize(1100, 700)
    folder = user_guide_dir()
    names = [viewer.pages.item(row).data(Qt.ItemDataRole.UserRole) for row in range(3)]
    assert names == guide_pages(folder)[:3]
    assert viewer.pages.count() == len(guide_pages(folder))
    assert viewer.pages.item(0).text() == "Hướng dẫn sử dụng kichhoat"

    viewer.show()
    viewer.show_page(guide_viewer.PAGE_LEVEL1)
    qtbot.waitUntil(lambda: viewer.current_page() == guide_viewer.PAGE_LEVEL1)
    document = viewer.browser.document()
    assert "Bước 1. Nhận diện" in document.toPlainText()
    picture = document.resource(
        QTextDocument.ResourceType.ImageResource.value, "img/muc1-buoc1-quet-the.png"
    )
    assert picture is not None and not picture.isNull()  # found beside the page
    widths = image_widths(viewer)
    assert widths and all(0 < w <= viewer.browser.viewport().width() for w in widths)


def image_widths(viewer: GuideViewer) -> list[float]:
    widths = []
    block = viewer.browser.document().begin()
    while block.isValid():
        fragments = block.begin()
        while not fragments.atEnd():
            char_format = fragments.fragment().charFormat()
            if char_format.isImageFormat():
                widths.append(char_format.toImageFormat().width())
            fragments += 1
        block = block.next()
    return widths


def test_the_viewer_by_keyboard(qtbot: QtBot) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    viewer = open_guide(parent, guide_viewer.INDEX)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is viewer)
    # Down in the list opens the next page; Alt+Left comes back.
    viewer.pages.setFocus()
    viewer.pages.setCurrentRow(0)
    qtbot.keyClick(viewer.pages, Qt.Key.Key_Down)
    assert viewer.current_page() == guide_pages(user_guide_dir())[1]
    qtbot.keyClick(viewer.pages, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert viewer.current_page() == guide_viewer.INDEX
    assert viewer.pages.currentRow() == 0
    # A link on a page opens that page.
    viewer.browser.setSource(viewer.browser.source().resolved(guide_viewer.PAGE_ACCOUNTS))
    assert viewer.current_page() == guide_viewer.PAGE_ACCOUNTS
    qtbot.keyClick(viewer.browser, Qt.Key.Key_Home, Qt.KeyboardModifier.AltModifier)
    assert viewer.current_page() == guide_viewer.INDEX
    # Shift+F1: the shortcut list, over the guide.
    qtbot.keyClick(viewer.browser, Qt.Key.Key_F1, Qt.KeyboardModifier.ShiftModifier)
    shortcuts = viewer.findChild(ShortcutsDialog)
    assert shortcuts is not None and shortcuts.isVisible()
    shortcuts.reject()
    # Esc closes; F1 again opens the same viewer at the page asked for.
    qtbot.keyClick(viewer.browser, Qt.Key.Key_Escape)
    assert not viewer.isVisible()
    assert open_guide(parent, guide_viewer.PAGE_START) is viewer
    assert viewer.current_page() == guide_viewer.PAGE_START


def test_a_missing_guide_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    viewer = GuideViewer(None, folder=tmp_path / "khong-co")
    qtbot.addWidget(viewer)
    viewer.show_page(guide_viewer.INDEX)
    assert viewer.pages.count() == 0
    assert "Không tìm thấy trang hướng dẫn" in viewer.browser.toPlainText()
