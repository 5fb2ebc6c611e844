"""The user guide (docs/guide/*.md, with its screenshots) in a window: F1 opens the page of
the screen in use.

The pages are Markdown read from the guide folder (`services.common.resources.user_guide_dir`:
beside the code in a checkout, inside the bundle once frozen); the list on the left is
the index page followed by the numbered pages, titled by their first heading. Pictures
are shrunk to the width of the window, never enlarged. Keys: Alt+← and Alt+→ go back and
forward, Alt+Home to the index, Shift+F1 lists the shortcuts, Esc closes.

`page_for_main_window(window)` says which page belongs to the tab in view; dialogs get
theirs from `DIALOG_PAGES` through the F1 filter that `install_guide_key` puts on the
application (a modal dialog's keys never reach the main window's actions).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl
from PySide6.QtGui import (
    QImageReader,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QTextCharFormat,
    QTextCursor,
    QTextImageFormat,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStyle,
    QTextBrowser,
    QWidget,
)

from models.codes import Status
from services.common.resources import user_guide_dir
from ui.widgets.forms import button_row, stacked

INDEX = "index.md"
PAGE_START = "01-bat-dau.md"
PAGE_LEVEL1 = "02-ho-so-muc-1.md"
PAGE_LEVEL2 = "03-ho-so-muc-2.md"
PAGE_FAILED = "04-ho-so-that-bai.md"
PAGE_CASE_LIST = "05-danh-sach-ho-so.md"
PAGE_FOLLOW_UP = "06-can-theo-doi.md"
PAGE_DASHBOARD = "07-ket-qua.md"
PAGE_TARGETS = "08-chi-tieu.md"
PAGE_REPORT = "09-bao-cao-pc06.md"
PAGE_SHEETS = "10-to-huong-dan-va-phieu.md"
PAGE_PACKAGES = "11-goi-du-lieu.md"
PAGE_ACCOUNTS = "12-tai-khoan-va-sao-luu.md"
PAGE_OUTREACH = "13-van-dong.md"

# The main window's tabs, by the attribute that holds each panel (the desk is decided apart).
TAB_PAGES = {
    "case_list": PAGE_CASE_LIST,
    "follow_up": PAGE_FOLLOW_UP,
    "dashboard": PAGE_DASHBOARD,
    "targets": PAGE_TARGETS,
    "outreach": PAGE_OUTREACH,
}

# Dialogs, by "module.Class" (matched along the class's bases): F1 in one opens its page.
DIALOG_PAGES = {
    "ui.cases.detail.CaseDetailDialog": PAGE_CASE_LIST,
    "ui.cases.correction.CorrectionDialog": PAGE_CASE_LIST,
    "ui.documents.guide_editor.GuideDialog": PAGE_SHEETS,
    "PySide6.QtPrintSupport.QPrintPreviewDialog": PAGE_SHEETS,
    "ui.exchange.package_dialogs.ExportPackageDialog": PAGE_PACKAGES,
    "ui.exchange.package_dialogs.ImportPackagesDialog": PAGE_PACKAGES,
    "ui.exchange.conflicts_dialog.ConflictsDialog": PAGE_PACKAGES,
    "ui.security.security_menu.AccountsDialog": PAGE_ACCOUNTS,
    "ui.security.security_menu.PasswordDialog": PAGE_ACCOUNTS,
    "ui.security.security_menu.DetailListDialog": PAGE_ACCOUNTS,
    "ui.security.audit_viewer.AuditDialog": PAGE_ACCOUNTS,
    "ui.outreach.actions.AppointDialog": PAGE_OUTREACH,
    "ui.outreach.actions.DayDialog": PAGE_OUTREACH,
    "ui.outreach.actions.EditDialog": PAGE_OUTREACH,
    "ui.outreach.stops.StopsDialog": PAGE_OUTREACH,
}

WINDOW_TITLE = "Hướng dẫn sử dụng – kichhoat"
IMAGE_MARGIN = 12  # room left beside a shrunk picture, besides the document's margins


def page_title(path: Path) -> str:
    """A page's first heading, or its file name when it has none."""
    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("# "):
                    return line[2:].strip()
    except OSError:
        pass
    return path.stem


def guide_pages(folder: Path) -> list[str]:
    """The index, then the numbered pages in their order."""
    numbered = sorted(p.name for p in folder.glob("[0-9]*.md"))
    return ([INDEX] if (folder / INDEX).is_file() else []) + numbered


def page_for_desk(intake: object) -> str:
    """The desk's page: a level-2 case, a failure being recorded, else a level-1 case."""
    check = getattr(intake, "check_step", None)
    result = getattr(intake, "result", None)
    step = getattr(intake, "step", None)
    if result is not None and callable(step) and step() == 3 and result.chosen() == Status.FAILED:
        return PAGE_FAILED
    if check is not None and check.level() == 2:
        return PAGE_LEVEL2
    return PAGE_LEVEL1


def page_for_main_window(window: QWidget) -> str:
    """The page of the tab in view in the main window."""
    tabs = getattr(window, "tabs", None)
    current = tabs.currentWidget() if tabs is not None else None
    intake = getattr(window, "intake", None)
    if current is not None and current is intake:
        return page_for_desk(intake)
    for name, page in TAB_PAGES.items():
        if current is not None and current is getattr(window, name, None):
            return page
    return INDEX


def page_for_dialog(dialog: QWidget) -> str | None:
    for cls in type(dialog).__mro__:
        page = DIALOG_PAGES.get(f"{cls.__module__}.{cls.__qualname__}")
        if page is not None:
            return page
    return None


class GuideBrowser(QTextBrowser):
    """Markdown pages whose pictures fit the width of the view."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(True)
        self.setOpenExternalLinks(True)  # vneid.gov.vn and the like: the web browser
        self.setTabChangesFocus(True)  # Tab moves on to the buttons; the list navigates
        self.document().setUndoRedoEnabled(False)
        self.document().setDocumentMargin(14)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() + 1.5)
        self.setFont(font)
        # The new address comes with the signal: source() is still empty at the first page.
        self.sourceChanged.connect(self.fit_images)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.fit_images()

    def fit_images(self, page: QUrl | None = None) -> None:
        """Shrink every picture wider than the view (keeping its proportions)."""
        margins = 2 * self.document().documentMargin() + IMAGE_MARGIN
        if not self.verticalScrollBar().isVisible():  # it appears once the pictures are in
            margins += self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        room = max(200, int(self.viewport().width() - margins))
        base = Path((page or self.source()).toLocalFile()).parent
        found: list[tuple[int, int, QTextImageFormat]] = []
        block = self.document().begin()
        while block.isValid():
            fragments = block.begin()
            while not fragments.atEnd():
                fragment = fragments.fragment()
                char_format = fragment.charFormat()
                if fragment.isValid() and char_format.isImageFormat():
                    found.append(
                        (fragment.position(), fragment.length(), char_format.toImageFormat())
                    )
                fragments += 1
            block = block.next()
        for position, length, image in found:
            size = QImageReader(str(base / image.name())).size()
            if not size.isValid() or size.width() <= 0:
                continue
            width = min(size.width(), room)
            if abs(image.width() - width) < 1:
                continue
            image.setWidth(width)
            image.setHeight(size.height() * width / size.width())
            cursor = QTextCursor(self.document())
            cursor.setPosition(position)
            cursor.setPosition(position + length, QTextCursor.MoveMode.KeepAnchor)
            cursor.setCharFormat(QTextCharFormat(image))

    def current_page(self) -> str:
        return Path(self.source().toLocalFile()).name


class GuideViewer(QDialog):
    def __init__(self, parent: QWidget | None = None, folder: Path | None = None) -> None:
        super().__init__(parent)
        self.folder = folder or user_guide_dir()
        self.setWindowTitle(WINDOW_TITLE)

        self._make_page_list()
        self.browser = GuideBrowser()
        self.browser.setAccessibleName("Nội dung hướng dẫn")
        self.browser.setSearchPaths([str(self.folder)])
        splitter = self._splitter()
        buttons = self._button_row()

        stacked(self, (splitter, 1), buttons)

        for keys, slot in (
            ("Alt+Left", self.browser.backward),
            ("Alt+Right", self.browser.forward),
            ("Alt+Home", lambda: self.show_page(INDEX)),
            ("Shift+F1", self.show_shortcuts),
        ):
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
        self.browser.backwardAvailable.connect(self.back_button.setEnabled)
        self.browser.sourceChanged.connect(self._follow_source)
        self.pages.currentRowChanged.connect(self._row_chosen)
        self._fit_to_screen()

    def _make_page_list(self) -> None:
        """The pages on the left, by title; long titles wrap."""
        self.pages = QListWidget()
        self.pages.setAccessibleName("Các trang hướng dẫn")
        self.pages.setWordWrap(True)
        self.pages.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.pages.setTextElideMode(Qt.TextElideMode.ElideNone)  # long titles wrap
        self.pages.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.pages.setStyleSheet("QListWidget::item { padding-top: 5px; padding-bottom: 5px; }")
        for name in guide_pages(self.folder):
            item = QListWidgetItem(page_title(self.folder / name))
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.pages.addItem(item)

    def _splitter(self) -> QSplitter:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.pages)
        splitter.addWidget(self.browser)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 1000])
        splitter.setChildrenCollapsible(False)
        return splitter

    def _button_row(self) -> QHBoxLayout:
        self.back_button = QPushButton("← Trang trước (Alt+←)")
        self.back_button.setEnabled(False)
        self.back_button.clicked.connect(self.browser.backward)
        index_button = QPushButton("Mục lục (Alt+Home)")
        index_button.clicked.connect(lambda: self.show_page(INDEX))
        self.shortcuts_button = QPushButton("Danh sách phím tắt (Shift+F1)")
        self.shortcuts_button.clicked.connect(self.show_shortcuts)
        close = QPushButton("Đóng (Esc)")
        close.clicked.connect(self.reject)
        for button in (self.back_button, index_button, self.shortcuts_button, close):
            button.setAutoDefault(False)
        return button_row([self.back_button, index_button], [self.shortcuts_button, close])

    def _fit_to_screen(self) -> None:
        width, height = 1320, 760  # nearly the whole of a 1366x768 screen: bigger pictures
        screen = (self.parentWidget() or self).screen()
        if screen is not None:
            room = screen.availableGeometry()
            width, height = min(width, room.width() - 40), min(height, room.height() - 40)
        self.resize(max(width, 640), max(height, 480))

    def show_page(self, name: str) -> None:
        """Open a page of the guide (a file name in the guide folder)."""
        path = self.folder / name
        if not path.is_file():
            self.browser.setHtml(
                "<h2>Không tìm thấy trang hướng dẫn</h2>"
                f"<p>Không có tệp <code>{path}</code>. Hướng dẫn sử dụng đi kèm ứng dụng, "
                "trong thư mục <code>docs/guide</code>: cài lại ứng dụng hoặc báo cán bộ kỹ "
                "thuật.</p>"
            )
            return
        self.browser.setSource(QUrl.fromLocalFile(str(path)))
        self.browser.setFocus()

    def current_page(self) -> str:
        return self.browser.current_page()

    def _row_chosen(self, row: int) -> None:
        item = self.pages.item(row)
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        if name != self.current_page():
            self.browser.setSource(QUrl.fromLocalFile(str(self.folder / name)))

    def _follow_source(self, page: QUrl) -> None:
        """Keep the list on the page shown (a link followed, back, forward)."""
        name = Path(page.toLocalFile()).name
        for row in range(self.pages.count()):
            item = self.pages.item(row)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == name:
                self.pages.blockSignals(True)
                self.pages.setCurrentRow(row)
                self.pages.blockSignals(False)
                return

    def show_shortcuts(self) -> None:
        from ui.shell.help_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()


def open_guide(parent: QWidget, page: str) -> GuideViewer:
    """Show the guide at `page` in front of `parent`: beside the main window (the desk stays
    usable), or over a dialog. One viewer per parent, reused."""
    viewer = parent.findChild(GuideViewer, "", Qt.FindChildOption.FindDirectChildrenOnly)
    if viewer is None:
        viewer = GuideViewer(parent)
    viewer.show_page(page)
    if isinstance(parent, QMainWindow):
        viewer.show()
    else:
        viewer.open()
    viewer.raise_()
    viewer.activateWindow()
    return viewer


class GuideKey(QObject):
    """F1 in a dialog: that dialog's page of the guide."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() != Qt.Key.Key_F1 or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        window = QApplication.activeWindow()
        if window is None or isinstance(window, GuideViewer):
            return False
        page = page_for_dialog(window)
        if page is None:
            return False
        open_guide(window, page)
        return True


def install_guide_key(window: QWidget) -> GuideKey:
    """F1 in the dialogs of `window` (the filter goes with the window)."""
    key = GuideKey(window)
    app = QApplication.instance()
    if app is not None:
        app.installEventFilter(key)
    return key
