"""The main window: the intake desk, the case list, the follow-up queue and the results."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Callable
from functools import partial
from typing import Protocol, cast

from PySide6.QtCore import QByteArray, QRect, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QMainWindow,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models.codes import Role
from services.campaigns.campaign import active_campaign
from services.common.errors import UserError
from services.common.version import APP_VERSION
from services.common.vntime import format_date, today_vn
from services.desk.intake import point_today
from services.security.permissions import Action, allowed
from services.security.session_context import Actor
from services.upkeep.database import describe_url
from services.upkeep.local_settings import save_local_settings
from ui.counting.dashboard import DashboardPanel
from ui.counting.targets_editor import TargetsPanel
from ui.desk.flow import IntakeFlow
from ui.security.security_menu import SecurityMenu
from ui.shell.context import AppContext
from ui.shell.help_dialog import ShortcutsDialog
from ui.widgets.dialogs import follow_closed_dialogs_with_their_owner, run_dialog
from ui.widgets.forms import wrapping_label
from ui.widgets.shortcuts import ScreenMnemonicsFirst

WINDOW_TITLE = "kichhoat – Hỗ trợ đăng ký, kích hoạt tài khoản định danh điện tử"
GEOMETRY_KEY = "window_geometry"
SPLITTERS_KEY = "splitters"
# A remembered layout is used only when it is usable: no pane narrower than this, and a
# window at least this big on a screen that is still there.
MIN_PANE = 120
MIN_WINDOW = (640, 400)


def usable_sizes(sizes: object) -> bool:
    """Pane sizes in pixels, as `QSplitter.sizes()` gives them, each wide enough to use."""
    return (
        isinstance(sizes, list)
        and len(sizes) >= 2
        and all(isinstance(size, int) and size >= MIN_PANE for size in sizes)
    )


def print_slip(parent: QWidget, context: AppContext, case_id: int) -> None:
    from ui.desk.slip_print import print_slip as print_it

    print_it(parent, context, case_id)


SwitchOperator = Callable[[AppContext, QWidget], Actor | None]


class Refreshable(Protocol):
    def refresh(self) -> object: ...


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def focus_rows(table: QTableView) -> None:
    """The table gets the keys, its cursor on the first row unless one is current."""
    table.setFocus()
    model = table.model()
    if not table.currentIndex().isValid() and model is not None and model.rowCount() > 0:
        table.setCurrentIndex(model.index(0, 0))


class MainWindow(QMainWindow):
    def __init__(self, context: AppContext, switch_operator: SwitchOperator | None = None) -> None:
        super().__init__()
        self.context = context
        self.switch_operator_dialog = switch_operator
        self.switch_to: str | None = None  # another campaign's database, chosen to open next
        self.setWindowTitle(WINDOW_TITLE)
        subtitle = self._subtitle()
        self._add_tabs()
        from ui.privacy.requests import RequestsBanner

        self.requests_banner = RequestsBanner(context)
        layout = QVBoxLayout()
        layout.setContentsMargins(6, 4, 6, 0)
        layout.addWidget(subtitle)
        layout.addWidget(self.requests_banner)
        layout.addWidget(self.tabs, 1)
        central = QWidget()
        central.setLayout(layout)
        self.setCentralWidget(central)

        self._build_menus()
        self._add_security_menu()
        self._build_status_bar()
        self.show_who()
        self.apply_role()
        self.refresh_today()
        self._restore_layout()
        self.intake.identify.scan.setFocus()  # typed 12 digits land there from the start
        follow_closed_dialogs_with_their_owner()
        self.screen_mnemonics = ScreenMnemonicsFirst(self)

    def _subtitle(self) -> QLabel:
        """The campaign's plan, period and daily hours, above the tabs."""
        with self.context.database.session(read_only=True) as session:
            campaign = active_campaign(session)
            self.first_day, self.last_day = campaign.first_day, campaign.last_day
            heading = (
                f"Kế hoạch số {campaign.plan_number} ngày {format_date(campaign.plan_date)} – "
                f"từ {format_date(campaign.first_day)} đến {format_date(campaign.last_day)}, "
                f"{campaign.daily_start:%H:%M}–{campaign.daily_end:%H:%M} hằng ngày"
            )
        subtitle = wrapping_label(heading)
        subtitle.setStyleSheet("color: #555;")
        return subtitle

    def _add_tabs(self) -> None:
        context = self.context
        self.tabs = QTabWidget()
        self.intake = IntakeFlow(context)
        self.panels: list[QWidget] = []  # each has refresh()
        self.last_saved_case: int | None = None
        self.tabs.addTab(self.intake, "Thu nhận")
        self._add_case_panels()
        self.dashboard = DashboardPanel(context, refresh_now=False)
        self.targets = TargetsPanel(context)
        self.tabs.addTab(self.dashboard, "Kết quả")
        self.tabs.addTab(self.targets, "Chỉ tiêu")
        self.panels.append(self.dashboard)
        self._add_outreach_panel()
        # Counting 600,000 cases for a tab nobody looks at would only slow the start.
        self.stale: set[int] = {id(panel) for panel in self.panels}
        self.tabs.currentChanged.connect(self._tab_shown)
        self.targets.targets_changed.connect(self.dashboard.refresh)
        self.intake.case_saved.connect(self.after_save)
        self.intake.scan_arrived.connect(self.show_desk)
        self.intake.started_over.connect(self.clear_lists)

    def _add_security_menu(self) -> None:
        self.security = SecurityMenu(self, self.context, auto_backup=self.context.auto_backup)
        # Unlocking re-reads the actor: a role changed meanwhile applies at once.
        self.security.idle.unlocked.connect(self.show_who)
        self.security.idle.unlocked.connect(self.apply_role)
        self.security.requests_changed.connect(self.requests_banner.refresh)
        self.requests_banner.open_requested.connect(self.security.open_requests)

    def _build_status_bar(self) -> None:
        """Who is signed in on the left, today on the right; the version in its tooltip."""
        self.who = QLabel()
        self.today = QLabel()
        self.statusBar().addWidget(self.who)
        self.statusBar().addPermanentWidget(self.today)
        self.statusBar().setToolTip(
            f"Phiên bản {APP_VERSION} – {describe_url(self.context.database.url)}"
        )

    def _add_case_panels(self) -> None:
        """The case list and the follow-up queue, each able to hand a case back to the desk."""
        from ui.cases.case_list import CaseListPanel
        from ui.desk.follow_up import FollowUpPanel

        self.case_list = CaseListPanel(self.context, load_now=False)
        self.follow_up = FollowUpPanel(self.context, load_now=False)
        for panel, title in ((self.case_list, "Danh sách hồ sơ"), (self.follow_up, "Cần theo dõi")):
            panel.resume_requested.connect(self.resume_case)
            self.tabs.addTab(panel, title)
            self.panels.append(panel)

    def _add_outreach_panel(self) -> None:
        """The review lists (Vận động): loaded when first shown, like the other lists."""
        from ui.outreach.actions import OutreachActions
        from ui.outreach.panel import OutreachPanel

        self.outreach = OutreachPanel(self.context)
        self.outreach_actions = OutreachActions(self.outreach)
        self.tabs.addTab(self.outreach, "Vận động")
        self.panels.append(self.outreach)

    def _build_menus(self) -> None:
        def action(menu_title: str, text: str, keys: str, slot: Callable[[], object]) -> QAction:
            made = QAction(text, self)
            made.setShortcut(QKeySequence(keys))
            made.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            made.triggered.connect(slot)
            menus[menu_title].addAction(made)
            self.addAction(made)  # the keys work wherever the focus is in the window
            return made

        menus = {
            "file": self.menuBar().addMenu("&Tệp"),
            "view": self.menuBar().addMenu("&Xem"),
            "help": self.menuBar().addMenu("Trợ &giúp"),
        }
        self.slip_action = action(
            "file", "In &phiếu cho công dân vừa lưu", "F9", self.print_last_slip
        )
        self.slip_action.setEnabled(False)
        self.intake.new_shortcut.setEnabled(False)  # one Ctrl+N, on every tab
        action("file", "Công dân &mới", "Ctrl+N", self.new_citizen)
        action("file", "Tờ &hướng dẫn mã QR…", "Ctrl+G", self.open_guides)
        menus["file"].addSeparator()
        self.export_action = action(
            "file", "&Xuất gói dữ liệu…", "Ctrl+Shift+E", self.export_package
        )
        self.import_action = action(
            "file", "&Nhập gói dữ liệu…", "Ctrl+Shift+I", self.import_packages
        )
        self.records_action = action("file", "Nhập hồ sơ từ &bảng tính…", "", self.import_records)
        self.conflicts_action = action(
            "file", "&Mâu thuẫn thông tin…", "Ctrl+Shift+M", self.show_conflicts
        )
        menus["file"].addSeparator()
        self.switch_action = action("file", "Đổi &cán bộ…", "Ctrl+Shift+D", self.switch_operator)
        action("file", "Đợt cao điểm &khác…", "Ctrl+Shift+O", self.switch_campaign)
        menus["file"].addSeparator()
        action("file", "&Thoát", "Ctrl+Q", self.close)
        self.tab_actions: list[QAction] = []
        for index in range(self.tabs.count()):
            title = self.tabs.tabText(index)
            shown = action("view", title, f"Ctrl+{index + 1}", partial(self.show_tab, index))
            self.tab_actions.append(shown)
            self.tabs.setTabToolTip(index, f"{title} (Ctrl+{index + 1})")
        menus["view"].addSeparator()
        action("view", "&Làm mới", "F5", self.refresh_all)
        from ui.shell.guide_viewer import install_guide_key

        action("help", "&Hướng dẫn sử dụng", "F1", self.show_guide)
        action("help", "&Phím tắt", "Shift+F1", self.show_shortcuts)
        action("help", "&Giới thiệu kichhoat", "", self.show_about)
        install_guide_key(self)  # F1 in a dialog: that dialog's page

    # -- actions ------------------------------------------------------------------------

    def show_tab(self, index: int) -> None:
        if not self.tabs.isTabVisible(index):
            return
        self.tabs.setCurrentIndex(index)
        widget = self.tabs.widget(index)
        if widget is self.intake:
            self.intake.identify.scan.setFocus()
        elif widget is self.case_list or widget is self.follow_up:
            focus_rows(widget.table)  # Enter, F4, Ctrl+L... act on a row at once
        elif widget is self.dashboard:
            self.dashboard.bars.setFocus()  # arrows and Enter drill down at once
        elif widget is self.targets:
            self.targets.view.setFocus()  # arrows choose the district to split (Alt+C)
        elif widget is self.outreach:
            self.outreach.table.setFocus()  # its keys (Ctrl+F, Alt+1..7, Ctrl+H) work at once

    def new_citizen(self) -> None:
        """Ctrl+N on any tab: the desk, clean, ready for the next citizen."""
        self.intake.start_over()
        self.show_tab(self.tabs.indexOf(self.intake))

    def show_desk(self) -> None:
        """A card was scanned somewhere in the window: the desk comes to the front."""
        if self.tabs.currentWidget() is not self.intake:
            self.tabs.setCurrentWidget(self.intake)

    def clear_lists(self) -> None:
        """A new citizen or a new operator: no search, filter or selection of the previous
        one stays on screen. The lists load again when next shown."""
        self.case_list.reset()
        self.follow_up.reset()
        self.outreach.reset()
        for panel in (self.case_list, self.follow_up, self.outreach):
            self.stale.add(id(panel))
        current = self.tabs.currentWidget()
        if current in (self.case_list, self.follow_up, self.outreach):
            self._tab_shown(self.tabs.currentIndex())

    def show_shortcuts(self) -> None:
        """Shift+F1 (F1 is the user guide, which has a button for this list too)."""
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def show_guide(self) -> None:
        """F1: the user guide, at the page of the tab in view."""
        from ui.shell.guide_viewer import open_guide, page_for_main_window

        open_guide(self, page_for_main_window(self))

    def switch_campaign(self) -> None:
        """Ctrl+Shift+O: another campaign's database; the window starts again on it
        (`run_gui` reads `switch_to` once this window has closed)."""
        from services.campaigns.files import switch_to
        from ui.campaigns.switcher import CampaignSwitcher

        dialog = CampaignSwitcher(self.context, self)
        if not dialog.exec() or dialog.chosen_url is None:
            return
        switch_to(self.context.settings, self.context.database.url, dialog.chosen_url)
        self.switch_to = dialog.chosen_url
        self.close()

    def show_about(self) -> None:
        from services.upkeep.about import installation
        from services.upkeep.logging_setup import current_log_file
        from ui.upkeep.about_dialog import AboutDialog

        facts = installation(self.context.database.url, current_log_file())
        AboutDialog(facts, self).exec()

    def resume_case(self, case_id: int) -> None:
        self.tabs.setCurrentWidget(self.intake)
        self.intake.resume(case_id)

    def after_save(self, case_id: int) -> None:
        self.last_saved_case = case_id
        self.slip_action.setEnabled(True)
        said = self.intake.appointments.offer_matches(case_id)
        self.statusBar().showMessage(
            (f"{said} " if said else "") + "Nhấn F9 để in phiếu cho công dân vừa lưu.", 15000
        )
        self.refresh_all()

    def refresh_all(self) -> None:
        """The status bar and the tab in view now; the other tabs when they are next shown."""
        self.refresh_today()
        current = self.tabs.currentWidget()
        for panel in self.panels:
            if panel is current:
                cast(Refreshable, panel).refresh()
            else:
                self.stale.add(id(panel))

    def _tab_shown(self, index: int) -> None:
        widget = self.tabs.widget(index)
        for panel in self.panels:
            if panel is widget and id(panel) in self.stale:
                self.stale.discard(id(panel))
                cast(Refreshable, panel).refresh()

    # Dialogs used now and then are imported when first opened: the window starts faster.

    def print_last_slip(self) -> None:
        if self.last_saved_case is not None:
            print_slip(self, self.context, self.last_saved_case)

    def open_guides(self) -> None:
        from ui.documents.guide_editor import GuideDialog

        GuideDialog(self.context, self).exec()

    def export_package(self) -> None:
        from ui.exchange.package_dialogs import ExportPackageDialog

        ExportPackageDialog(self.context, self).exec()

    def import_packages(self) -> None:
        from ui.exchange.package_dialogs import ImportPackagesDialog

        dialog = ImportPackagesDialog(self.context, self)
        if dialog.exec():
            self.refresh_all()

    def import_records(self) -> None:
        from ui.cases.records_import import RecordsImportDialog

        dialog = RecordsImportDialog(self.context, self)
        dialog.imported.connect(self.refresh_all)
        run_dialog(dialog)

    def show_conflicts(self) -> None:
        from ui.exchange.conflicts_dialog import ConflictsDialog

        ConflictsDialog(self.context, self).exec()
        self.refresh_all()

    def apply_role(self) -> None:
        """Managers and admins set targets; every role sees the rest."""
        actor = self.context.actor
        manager = actor is not None and actor.role in (Role.MANAGER, Role.ADMIN)
        self.tabs.setTabVisible(self.tabs.indexOf(self.targets), manager)
        self.tabs.setTabVisible(self.tabs.indexOf(self.outreach), allowed(actor, Action.OUTREACH))
        self.outreach_actions.apply_role()
        for manager_action in (self.export_action, self.import_action, self.conflicts_action):
            manager_action.setVisible(manager)
            manager_action.setEnabled(manager)
        self.dashboard.export_button.setVisible(allowed(actor, Action.REPORTS))
        self.records_action.setVisible(allowed(actor, Action.IMPORT_RECORDS))
        self.records_action.setEnabled(allowed(actor, Action.IMPORT_RECORDS))
        for index, tab_action in enumerate(self.tab_actions):
            # A tab the role does not see is not offered in the menu either.
            tab_action.setVisible(self.tabs.isTabVisible(index))
            tab_action.setEnabled(self.tabs.isTabVisible(index))
        self.security.apply_role()
        self.requests_banner.refresh()  # overdue requests, for those who answer them

    def switch_operator(self) -> None:
        if self.switch_operator_dialog is None:
            return
        previous = self.context.actor
        actor = self.switch_operator_dialog(self.context, self)
        if actor is None:
            return
        self.security.sign_out(previous)
        self.context.actor = actor
        self.intake.start_over()
        self.dashboard.unit_code = None  # the province again, as after signing in
        self.statusBar().clearMessage()
        self.last_saved_case = None
        self.slip_action.setEnabled(False)
        self.show_who()
        self.apply_role()
        self.refresh_all()

    # -- the status bar -----------------------------------------------------------------

    def show_who(self) -> None:
        actor, point = self.context.actor, self.context.point
        who = f"{actor.full_name} ({actor.username})" if actor else "chưa đăng nhập"
        where = point.name if point else "chưa chọn điểm thu nhận"
        self.who.setText(f"Cán bộ: {who} – Điểm: {where}")

    def refresh_today(self) -> None:
        point = self.context.point
        if point is None:
            self.today.clear()
            return
        try:
            with self.context.database.session(read_only=True) as session:
                day = point_today(session, point.id, today_vn())
        except UserError as error:
            self.today.setText(f"Không đọc được số liệu hôm nay: {error}")
            return
        text = (
            f"Hôm nay tại điểm: {_number(day.activated)} kích hoạt "
            f"(mức 1: {_number(day.level1)}, mức 2: {_number(day.level2)})"
        )
        if day.target_daily:
            text += f" – chỉ tiêu ngày của {day.target_label}: {_number(day.target_daily)}"
        self.today.setText(text)

    # -- remembered sizes -----------------------------------------------------------------

    def _restore_layout(self) -> None:
        """The window and panes as the user left them, when that is usable; else the
        defaults (a pane saved before its tab was ever shown is zero pixels wide)."""
        extra = self.context.settings.extra
        geometry = extra.get(GEOMETRY_KEY)
        if isinstance(geometry, str):
            before = self.geometry()
            with contextlib.suppress(ValueError):
                self.restoreGeometry(QByteArray(base64.b64decode(geometry)))
            if not self._geometry_usable():
                self.setGeometry(before)
        states = extra.get(SPLITTERS_KEY, {})
        if isinstance(states, dict):
            for splitter in self.findChildren(QSplitter):
                sizes = states.get(splitter.objectName())
                if splitter.objectName() and usable_sizes(sizes):
                    splitter.setSizes(cast(list[int], sizes))

    def _geometry_usable(self) -> bool:
        frame = self.frameGeometry()
        if frame.width() < MIN_WINDOW[0] or frame.height() < MIN_WINDOW[1]:
            return False
        screens = [screen.availableGeometry() for screen in QApplication.screens()]
        return any(QRect(area).intersects(frame) for area in screens) if screens else True

    def save_layout(self) -> None:
        extra = self.context.settings.extra
        extra[GEOMETRY_KEY] = base64.b64encode(bytes(self.saveGeometry().data())).decode()
        splitters = extra.get(SPLITTERS_KEY)
        kept = dict(splitters) if isinstance(splitters, dict) else {}
        for splitter in self.findChildren(QSplitter):
            # A splitter never laid out (its tab not shown) keeps what was saved before.
            if splitter.objectName() and usable_sizes(splitter.sizes()):
                kept[splitter.objectName()] = splitter.sizes()
        extra[SPLITTERS_KEY] = kept
        # Sizes are a comfort, never a reason to block closing.
        with contextlib.suppress(UserError):
            save_local_settings(self.context.settings, self.context.settings_folder)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.save_layout()
        self.security.idle.stop()
        self.security.sign_out()
        super().closeEvent(event)
