"""The "Quản trị" menu: password, accounts, audit log, detail list, citizens' requests, the
processing description, backups, the purge, the screen lock. Entries show by role; the
services check the rights again on every call.

`SecurityMenu(window, context)` adds the menu and the idle lock and the automatic backups
to a main window; `apply_role()` follows a change of operator; `sign_out()` logs the end
of a session.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from models.codes import Role
from services.common.errors import UserError
from services.common.text import fold
from services.common.vntime import format_date, format_moment, today_vn
from services.documents.detail_list import DetailListResult, check_password, write_detail_list
from services.privacy.purge import PurgeResult, purge_personal_data, purge_state
from services.security.accounts import (
    change_own_password,
    create_account,
    list_operators,
    reset_password,
    sign_out,
    unlock_account,
    update_account,
)
from services.security.permissions import ROLE_LABELS, Action, allowed
from services.security.session_context import Actor
from services.upkeep.backup import (
    AUTO_BACKUP_HOURS,
    RestoreResult,
    automatic_backup,
    backups_folder,
    create_backup,
    database_file,
    restore_backup,
    restore_points,
)
from services.upkeep.encrypted_backup import is_encrypted_backup
from ui.privacy.purge_dialog import PurgeDialog
from ui.security.audit_viewer import AuditDialog
from ui.security.idle_lock import IdleLock
from ui.shell.context import AppContext
from ui.upkeep.restore_dialog import RestoreDialog
from ui.widgets.background import BackgroundOp, Report
from ui.widgets.dialogs import exposed, run_dialog
from ui.widgets.forms import (
    accept_buttons,
    button_row,
    day_edit,
    error_label,
    show_error,
    stacked,
    wrapping_label,
)
from ui.widgets.messages import messages
from ui.widgets.passphrase_fields import ask_backup_passphrase
from ui.widgets.transactions import REFUSED, done_or_shown

BACKUP_FILTER = "Bản sao lưu kichhoat (*.sqlite3);;Mọi tệp (*)"


def _password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(name)
    return field


class PasswordDialog(QDialog):
    """Change one's own password (with the current one), or set someone's (an admin)."""

    def __init__(
        self, context: AppContext, parent: QWidget | None = None, *, for_account: int | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.for_account = for_account
        self.setWindowTitle("Đặt lại mật khẩu" if for_account else "Đổi mật khẩu")
        self.current = _password_field("Mật khẩu hiện tại")
        self.new = _password_field("Mật khẩu mới")
        self.again = _password_field("Nhập lại mật khẩu mới")
        self.error = error_label()
        form = QFormLayout()
        if for_account is None:
            form.addRow("Mật khẩu &hiện tại:", self.current)
        form.addRow("Mật khẩu &mới:", self.new)
        form.addRow("&Nhập lại:", self.again)
        hint = QLabel("Ít nhất 8 ký tự, gồm cả chữ cái và chữ số.")
        hint.setEnabled(False)
        buttons = accept_buttons(self, "Lưu mật khẩu", self.accept, cancel_text="Hủy")
        stacked(self, form, hint, self.error, buttons)
        self.setMinimumWidth(420)

    def accept(self) -> None:
        if self.new.text() != self.again.text():
            show_error(self.error, "Hai lần nhập mật khẩu mới không khớp.")
            return
        try:
            actor = self.context.signed_in()
            with self.context.database.session() as session:
                if self.for_account is None:
                    change_own_password(session, actor, self.current.text(), self.new.text())
                else:
                    reset_password(session, actor, self.for_account, self.new.text())
                session.commit()
        except UserError as error:
            show_error(self.error, str(error))
            return
        super().accept()


class AccountsDialog(QDialog):
    """Administrators: the accounts, a new one, a password reset, (de)activation."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Tài khoản cán bộ – kichhoat")
        self._build_table()
        search_row = self._build_search_row()
        row = self._build_account_actions()
        form = self._build_new_account_form()
        self.error = error_label()
        buttons = self._build_buttons()
        stacked(
            self,
            search_row,
            (self.table, 1),
            row,
            QLabel("<b>Thêm tài khoản</b>"),
            form,
            self.error,
            buttons,
        )
        self.resize(820, 600)
        self.ids: list[int] = []
        self.folded: list[str] = []  # username and full name, folded, for the search
        self.reload()
        self.search.setFocus()

    def _build_table(self) -> None:
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            ["Tên đăng nhập", "Họ và tên", "Vai trò", "Trạng thái", "Khóa đến"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((150, 220, 130, 210)):
            self.table.setColumnWidth(column, width)

    def _build_search_row(self) -> QHBoxLayout:
        """The search as one types, and how many accounts it shows."""
        self.search = QLineEdit()
        self.search.setPlaceholderText("Tên đăng nhập hoặc họ tên; gõ không dấu cũng được")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Tìm tài khoản")
        self.search.textChanged.connect(self.apply_filter)
        self.search.installEventFilter(self)  # Enter or Down: on to the accounts found
        search_label = QLabel("Tìm &kiếm:")
        search_label.setBuddy(self.search)
        self.shown = QLabel()
        self.shown.setStyleSheet("color: #555;")
        self.shown.setMinimumWidth(
            self.shown.fontMetrics().horizontalAdvance("0000/0000 tài khoản")
        )
        search_row = QHBoxLayout()
        search_row.addWidget(search_label)
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.shown)
        return search_row

    def _build_account_actions(self) -> QHBoxLayout:
        """What an administrator does to the chosen account."""
        reset = QPushButton("Đặt lại &mật khẩu…")
        reset.clicked.connect(self.reset_selected)
        unlock = QPushButton("Mở khó&a")
        unlock.setToolTip("Bỏ khóa tạm thời sau nhiều lần nhập sai mật khẩu")
        unlock.clicked.connect(self.unlock_selected)
        toggle = QPushButton("Ngừng / cho &hoạt động lại")
        toggle.clicked.connect(self.toggle_selected)
        return button_row([reset, unlock, toggle])

    def _build_new_account_form(self) -> QFormLayout:
        self.username = QLineEdit()
        self.full_name = QLineEdit()
        self.role = QComboBox()
        for role in Role:
            self.role.addItem(ROLE_LABELS[role].capitalize(), role.value)
        self.password = _password_field("Mật khẩu")
        form = QFormLayout()
        form.addRow("Tên đăng nhập:", self.username)
        form.addRow("Họ và tên:", self.full_name)
        form.addRow("Vai trò:", self.role)
        form.addRow("Mật khẩu ban đầu:", self.password)
        return form

    def _build_buttons(self) -> QHBoxLayout:
        create = QPushButton("&Tạo tài khoản")
        create.clicked.connect(self.create_account)
        close = QPushButton("Đóng")
        close.clicked.connect(self.accept)
        return button_row([create], [close])

    def reload(self) -> None:
        try:
            with self.context.database.session(read_only=True) as session:
                accounts = list_operators(session)
        except UserError as error:
            messages().error(self, "Không đọc được tài khoản", str(error))
            return
        self.ids = [a.id for a in accounts]
        self.table.setRowCount(len(accounts))
        for row, account in enumerate(accounts):
            locked = account.locked_until
            cells = (
                account.username,
                account.full_name,
                ROLE_LABELS[account.role],
                ("hoạt động" if account.is_active else "ngừng")
                + ("" if account.has_password else ", chưa có mật khẩu"),
                format_moment(locked) if locked else "",
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.folded = [fold(f"{a.username} {a.full_name}") for a in accounts]
        self.apply_filter()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        """Enter or Down in the search box moves to the list; Enter must not reach the
        dialog's default button (it would reset the first account's password)."""
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Down)
        ):
            self.table.setFocus()
            return True
        return super().eventFilter(watched, event)

    def apply_filter(self) -> None:
        """Show the accounts whose username or full name contains what is typed, compared
        without diacritics ("tuan" finds "Tuấn", "duc" finds "Đức")."""
        key = fold(self.search.text())
        visible = 0
        for row, text in enumerate(self.folded):
            hidden = bool(key) and key not in text
            self.table.setRowHidden(row, hidden)
            visible += not hidden
        total = len(self.folded)
        self.shown.setText(f"{visible}/{total} tài khoản" if key else f"{total} tài khoản")
        current = self.table.currentRow()
        if visible and (current < 0 or self.table.isRowHidden(current)):
            first = next(r for r in range(total) if not self.table.isRowHidden(r))
            self.table.selectRow(first)
        elif not visible:
            self.table.clearSelection()
            self.table.setCurrentCell(-1, -1)

    def selected(self) -> int | None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.ids) or self.table.isRowHidden(row):
            return None
        return self.ids[row]

    def unlock_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            messages().info(self, "Chưa chọn tài khoản", "Chọn một tài khoản trong bảng.")
            return
        changed = done_or_shown(self, self.context, "Không mở khóa được", unlock_account, chosen)
        if changed is REFUSED:
            return
        if changed:
            messages().info(self, "Đã mở khóa", "Tài khoản đăng nhập lại được ngay.")
        else:
            messages().info(self, "Không bị khóa", "Tài khoản này không bị khóa.")
        self.reload()

    def reset_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            messages().info(self, "Chưa chọn tài khoản", "Chọn một tài khoản trong bảng.")
            return
        if PasswordDialog(self.context, self, for_account=chosen).exec():
            messages().info(self, "Đã đặt lại mật khẩu", "Mật khẩu mới có hiệu lực ngay.")
            self.reload()

    def toggle_selected(self) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        active = self.table.item(self.table.currentRow(), 3)
        now_active = active is not None and active.text().startswith("hoạt động")
        # Done or refused, the table shows what is saved now.
        done_or_shown(
            self, self.context, "Không đổi được", update_account, chosen, is_active=not now_active
        )
        self.reload()

    def create_account(self) -> None:
        try:
            self.context.in_one_transaction(
                lambda session, actor: create_account(
                    session,
                    actor,
                    username=self.username.text(),
                    full_name=self.full_name.text(),
                    password=self.password.text(),
                    role=Role(self.role.currentData()),
                    home_point_id=self.context.point.id if self.context.point else None,
                )
            )
        except UserError as error:
            show_error(self.error, str(error))
            return
        show_error(self.error, None)
        for field in (self.username, self.full_name, self.password):
            field.clear()
        self.reload()


def ask_save(parent: QWidget, title: str, suggested: str, filters: str) -> Path | None:
    from ui.widgets.file_dialogs import ask_save_path

    return ask_save_path(parent, title, suggested, filters)


def ask_open(parent: QWidget, title: str, filters: str) -> Path | None:
    from ui.widgets.file_dialogs import ask_open_path

    return ask_open_path(parent, title, filters)


class DetailListDialog(QDialog):
    """The encrypted detail list for the police (managers), made in the background."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.result_: DetailListResult | None = None
        self.setWindowTitle("Xuất danh sách chi tiết – kichhoat")
        explain = wrapping_label(
            "Danh sách mọi hồ sơ kèm dữ liệu cá nhân (họ tên, ngày sinh, số định danh, điện "
            "thoại, địa chỉ) để cơ quan công an đối chiếu. Tệp Excel được <b>mã hóa bằng mật "
            "khẩu</b>; gửi mật khẩu qua kênh khác với tệp. Việc xuất được ghi vào nhật ký."
        )
        self.use_day = QCheckBox("Chỉ đến hết &ngày:")
        today = today_vn()
        self.day = day_edit(today)
        self.day.setEnabled(False)
        self.use_day.toggled.connect(self.day.setEnabled)
        from ui.widgets.file_dialogs import start_folder

        # Where every save starts (the folder last used, else Documents/kichhoat): pressing
        # *Xuất* at once must not leave the list in the home folder, where nobody looks.
        self.path = QLineEdit(str(start_folder() / f"danh-sach-chi-tiet-{today.isoformat()}.xlsx"))
        choose = QPushButton("Chọn…")
        choose.clicked.connect(self.choose)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(choose)
        self.password = _password_field("Mật khẩu của tệp")
        self.again = _password_field("Nhập lại mật khẩu")
        self.error = error_label()
        form = QFormLayout()
        day_row = QHBoxLayout()
        day_row.addWidget(self.use_day)
        day_row.addWidget(self.day)
        day_row.addStretch(1)
        form.addRow("Số liệu:", day_row)
        form.addRow("Lưu vào:", where)
        form.addRow("&Mật khẩu:", self.password)
        form.addRow("&Nhập lại:", self.again)
        buttons = accept_buttons(self, "&Xuất tệp mã hóa", self.accept, cancel_text="Hủy")
        stacked(self, explain, form, self.error, buttons)
        self.setMinimumWidth(620)

    def choose(self) -> None:
        path = ask_save(self, "Lưu danh sách chi tiết", self.path.text(), "Excel (*.xlsx)")
        if path is not None:
            self.path.setText(str(path))

    def accept(self) -> None:
        password = self.password.text()
        if password != self.again.text():
            show_error(self.error, "Hai lần nhập mật khẩu không khớp.")
            return
        try:
            check_password(password)
        except UserError as error:
            show_error(self.error, str(error))
            return
        if not self.path.text().strip():
            show_error(self.error, "Chọn nơi lưu tệp.")
            return
        show_error(self.error, None)
        out = Path(self.path.text().strip())
        picked = self.day.date().toPython() if self.use_day.isChecked() else None
        as_of = picked if isinstance(picked, date) else None
        context = self.context

        def work(report: Report) -> DetailListResult:
            with context.database.session() as session:
                result = write_detail_list(
                    session, context.signed_in(), out, password, as_of=as_of, progress=report
                )
                session.commit()
                return result

        def done(result: DetailListResult) -> None:
            self.result_ = result
            messages().info(
                self,
                "Đã xuất danh sách chi tiết",
                f"Đã ghi {result.cases} hồ sơ vào tệp mã hóa:\n{result.path}",
            )
            super(DetailListDialog, self).accept()

        self.op = BackgroundOp(self, work, done).with_progress("Đang lập danh sách…").run()


class SecurityMenu(QObject):
    requests_changed = Signal()  # a citizen's request logged, answered or done

    def __init__(
        self,
        window: QMainWindow,
        context: AppContext,
        *,
        idle_clock: Callable[[], float] | None = None,
        auto_backup: bool = True,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self.ask_save = ask_save
        self.ask_open = ask_open
        bar = window.menuBar()
        menu = QMenu("&Quản trị", bar)
        existing = bar.actions()
        if existing:  # before "Trợ giúp", which stays last
            bar.insertMenu(existing[-1], menu)
        else:
            bar.addMenu(menu)
        self.menu = menu
        self.actions: dict[Action | None, list[QAction]] = {}
        self._fill_menu()
        self._start_idle_lock_and_backups(idle_clock, auto_backup)
        self.apply_role()

    def _add(
        self, text: str, slot: Callable[[], object], need: Action | None, keys: str = ""
    ) -> QAction:
        """An entry of the menu, shown to those allowed `need` (everyone when None)."""
        made = QAction(text, self.window)
        if keys:
            made.setShortcut(QKeySequence(keys))
            made.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.window.addAction(made)
        made.triggered.connect(slot)
        self.menu.addAction(made)
        self.actions.setdefault(need, []).append(made)
        return made

    def _fill_menu(self) -> None:
        add, menu = self._add, self.menu
        self.lock_action = add("&Khóa màn hình", self.lock_now, None, "Ctrl+Shift+L")
        self.password_action = add("Đổi &mật khẩu…", self.change_password, None)
        menu.addSeparator()
        add("&Nhật ký hệ thống…", self.open_audit, Action.AUDIT)
        add("Xuất danh sách &chi tiết (mã hóa)…", self.export_details, Action.DETAIL_LIST)
        add("&Yêu cầu của người dân…", self.open_requests, Action.CITIZEN_REQUESTS)
        add(
            "Mô tả hoạt động xử lý &dữ liệu…",
            self.open_processing_description,
            Action.PROCESSING_DESCRIPTION,
        )
        menu.addSeparator()
        add("&Tài khoản cán bộ…", self.open_accounts, Action.ACCOUNTS)
        add("Cà&i đặt…", self.open_settings, Action.LOCAL_SETTINGS)
        add("&Sao lưu dữ liệu…", self.backup_now, Action.BACKUPS)
        add("&Khôi phục từ bản sao lưu…", self.restore, Action.BACKUPS)
        add("&Xóa dữ liệu cá nhân sau đợt…", self.purge, Action.PURGE)

    def _start_idle_lock_and_backups(
        self, idle_clock: Callable[[], float] | None, auto_backup: bool
    ) -> None:
        """The idle lock, and on SQLite a backup soon after start and every few hours."""
        window, context = self.window, self.context
        minutes = max(0, context.settings.idle_lock_minutes)
        self.idle = (
            IdleLock(window, context, minutes, clock=idle_clock)
            if idle_clock is not None
            else IdleLock(window, context, minutes)
        )
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(AUTO_BACKUP_HOURS * 3600 * 1000)
        self.backup_timer.timeout.connect(self.automatic_backup)
        self.last_backup: Path | None = None
        self.restore_dialog: RestoreDialog | None = None
        self.requests_dialog: QDialog | None = None
        self.purge_dialog: PurgeDialog | None = None
        if auto_backup and context.database.is_sqlite:
            self.backup_timer.start()
            QTimer.singleShot(2000, self.automatic_backup)

    # -- roles --------------------------------------------------------------------------

    def apply_role(self) -> None:
        actor = self.context.actor
        for need, actions in self.actions.items():
            for action in actions:
                action.setVisible(need is None or allowed(actor, need))
        self.password_action.setVisible(actor is not None and actor.operator_id is not None)
        sqlite = self.context.database.is_sqlite
        for action in self.actions.get(Action.BACKUPS, []):
            action.setEnabled(sqlite)
            action.setToolTip(
                "" if sqlite else "Máy chủ PostgreSQL do quản trị viên máy chủ sao lưu"
            )

    def sign_out(self, actor: Actor | None = None) -> None:
        """Log the end of `actor`'s session (default: the one signed in); never blocks."""
        who = actor or self.context.actor
        if who is None or who.operator_id is None:
            return
        try:
            with self.context.database.session() as session:
                sign_out(session, who)
                session.commit()
        except UserError:
            pass  # closing must never be blocked by the log

    # -- actions ------------------------------------------------------------------------

    def lock_now(self) -> None:
        if self.context.actor is not None:
            self.idle.lock()

    def change_password(self) -> None:
        if PasswordDialog(self.context, self.window).exec():
            messages().info(self.window, "Đã đổi mật khẩu", "Lần đăng nhập sau dùng mật khẩu mới.")

    def open_audit(self) -> None:
        AuditDialog(self.context, self.window).exec()

    def open_accounts(self) -> None:
        AccountsDialog(self.context, self.window).exec()

    def export_details(self) -> None:
        DetailListDialog(self.context, self.window).exec()

    def open_requests(self) -> None:
        from ui.privacy.requests import RequestsDialog

        with exposed(self, "requests_dialog", RequestsDialog(self.context, self.window)) as dialog:
            dialog.exec()
        self.requests_changed.emit()
        refresh = getattr(self.window, "refresh_all", None)
        if callable(refresh):
            refresh()  # an erasure or a correction changes lists (never the figures)

    def open_processing_description(self) -> None:
        from ui.privacy.processing_description import ProcessingDescriptionDialog

        run_dialog(ProcessingDescriptionDialog(self.context, self.window))

    def open_settings(self) -> None:
        from ui.upkeep.settings_dialog import SettingsDialog

        if run_dialog(SettingsDialog(self.context, self.window)):
            self.idle.set_minutes(self.context.settings.idle_lock_minutes)
            self.window.statusBar().showMessage("Đã lưu cài đặt.", 10000)

    def automatic_backup(self) -> None:
        database, context = self.context.database, self.context

        def work(_report: Report) -> Path | None:
            return automatic_backup(database, context.settings_folder, context.actor)

        def done(path: Path | None) -> None:
            self.last_backup = path

        def failed(error: BaseException) -> None:
            self.window.statusBar().showMessage(f"Sao lưu tự động không thành công: {error}", 60000)

        BackgroundOp(self.window, work, done).failure(failed).run()

    def backup_now(self) -> None:
        path = self.ask_save(
            self.window,
            "Lưu bản sao lưu",
            f"kichhoat-sao-luu-{today_vn().isoformat()}.sqlite3",  # in the folder last used
            BACKUP_FILTER,
        )
        if path is None:
            return
        context = self.context

        def work(_report: Report) -> Path:
            return create_backup(context.database, context.signed_in(), path)

        def done(written: Path) -> None:
            messages().info(self.window, "Đã sao lưu", f"Đã sao lưu và kiểm tra:\n{written}")

        BackgroundOp(self.window, work, done).with_progress("Đang sao lưu…").run()

    def choose_backup(self) -> Path | None:
        """The backup to restore, confirmed, from the list of the app's own copies (or any
        file); None when the admin changed their mind."""
        try:
            db_path = database_file(self.context.database)
        except UserError as error:
            messages().error(self.window, "Không khôi phục được", str(error))
            return None
        folder = self.context.settings_folder
        dialog = RestoreDialog(
            restore_points(folder, db_path), backups_folder(folder, db_path), self.window
        )
        with exposed(self, "restore_dialog", dialog):
            dialog.exec()
            return dialog.chosen

    def restore(self) -> None:
        path = self.choose_backup()
        if path is None:
            return
        passphrase: str | None = None
        if is_encrypted_backup(path):
            passphrase = ask_backup_passphrase(self.window, path)
            if passphrase is None:
                return
        context = self.context

        def work(_report: Report) -> RestoreResult:
            return restore_backup(
                context.database,
                context.signed_in(),
                path,
                context.settings_folder,
                passphrase=passphrase,
            )

        def done(result: RestoreResult) -> None:
            note = result.erased_note()
            messages().info(
                self.window,
                "Đã khôi phục",
                f"Đã khôi phục từ «{path.name}». Dữ liệu trước khi khôi phục được lưu ở:\n"
                f"{result.previous_saved_to}" + (f"\n\n{note}" if note else ""),
            )
            refresh = getattr(self.window, "refresh_all", None)
            if callable(refresh):
                refresh()

        BackgroundOp(self.window, work, done).with_progress("Đang khôi phục…").run()

    def purge(self) -> None:
        try:
            with self.context.database.session(read_only=True) as session:
                state = purge_state(session)
        except UserError as error:
            messages().error(self.window, "Xóa dữ liệu cá nhân", str(error))
            return
        today = today_vn()
        if not state.allowed(today) or not state.cases_with_personal_data:
            messages().info(self.window, "Xóa dữ liệu cá nhân", state.describe(today))
            return
        server = not self.context.database.is_sqlite
        question = (
            f"{state.describe(today)}\n\nXóa vĩnh viễn họ tên, ngày sinh (chỉ giữ năm), số định "
            "danh, điện thoại, địa chỉ, ghi chú và mọi nội dung tự do (lý do sửa, ghi chú liên "
            "hệ, ghi chú thất bại, báo cáo mâu thuẫn) của mọi hồ sơ? Số liệu thống kê và báo "
            f"cáo giữ nguyên. Đợt kết thúc ngày {format_date(state.last_day)}."
        )
        confirmed, passphrase = self._confirm_purge(question, server)
        if not confirmed:
            return
        context = self.context

        def work(report: Report) -> PurgeResult:
            return purge_personal_data(
                context.database,
                context.signed_in(),
                backups=context.settings_folder,
                server_backup_confirmed=server,
                progress=report,
                passphrase=passphrase,
            )

        def done(result: PurgeResult) -> None:
            show = messages().warning if result.removal.failed else messages().info
            show(self.window, "Đã xóa dữ liệu cá nhân", result.describe())
            refresh = getattr(self.window, "refresh_all", None)
            if callable(refresh):
                refresh()

        BackgroundOp(self.window, work, done).with_progress("Đang xóa dữ liệu cá nhân…").run()

    def _confirm_purge(self, question: str, server: bool) -> tuple[bool, str | None]:
        """Whether the admin confirmed, and (SQLite) the passphrase of the encrypted backup
        typed in the purge dialog; on PostgreSQL, a confirmation that the server is backed
        up."""
        if server:
            question += (
                "\n\nMáy chủ PostgreSQL: chỉ tiếp tục khi quản trị viên máy chủ đã sao lưu "
                "(pg_dump)."
            )
            return messages().confirm(self.window, "Xóa dữ liệu cá nhân", question), None
        with exposed(self, "purge_dialog", PurgeDialog(question, self.window)) as dialog:
            accepted = bool(dialog.exec())
            return accepted and dialog.passphrase is not None, dialog.passphrase
