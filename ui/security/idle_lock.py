"""The idle lock: after some minutes with no key or mouse input, the window hides its
content behind a dialog that needs the signed-in person's password.

Nothing is closed or reset: the open form keeps what was typed and comes back as it was.
The clock is injectable and `check()` is public, so tests never sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)

from services.common.errors import UserError
from services.security.accounts import SignInError, SignInFailure, authenticate
from services.security.audit import AuditAction
from ui.shell.context import AppContext
from ui.widgets.forms import ERROR_STYLE, error_label, show_error, wait_cursor

CHECK_INTERVAL_MS = 15_000
Clock = Callable[[], float]

_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


MANUAL_REASON = "Đã khóa màn hình theo yêu cầu của cán bộ để bảo vệ dữ liệu cá nhân."


def lock_reason(minutes: int, *, manual: bool) -> str:
    """Why the screen is locked: locked by hand (Ctrl+Shift+L), or after `minutes` idle."""
    if manual:
        return MANUAL_REASON
    if not minutes:
        return "Màn hình đã khóa để bảo vệ dữ liệu cá nhân."
    return f"Không có thao tác trong {minutes} phút nên màn hình đã khóa để bảo vệ dữ liệu cá nhân."


class LockDialog(QDialog):
    """Asks for the password of the person who is signed in; cannot be dismissed.

    `manual`: locked by hand (Ctrl+Shift+L), not after `minutes` without input."""

    def __init__(
        self,
        context: AppContext,
        minutes: int,
        parent: QWidget | None = None,
        *,
        manual: bool = False,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.quit_requested = False
        self.setWindowTitle("Màn hình đã khóa – kichhoat")
        actor = context.actor
        who = f"{escape(actor.full_name)} ({escape(actor.username)})" if actor else "?"
        heading = QLabel("Màn hình đã khóa")
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        reason = lock_reason(minutes, manual=manual)
        self.explain = explain = QLabel(
            f"{reason}<br>Cán bộ đang làm việc: <b>{who}</b>.<br>Nhập mật khẩu để tiếp tục: "
            "hồ sơ đang nhập dở vẫn được giữ nguyên."
        )
        explain.setWordWrap(True)
        explain.setTextFormat(Qt.TextFormat.RichText)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Mật khẩu")
        self.error = error_label()
        self.error.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        self.password.textEdited.connect(lambda _: show_error(self.error, None))
        form = QFormLayout()
        label = QLabel("&Mật khẩu:")
        label.setBuddy(self.password)
        form.addRow(label, self.password)
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton("&Mở khóa", QDialogButtonBox.ButtonRole.AcceptRole)
        self.quit_button = buttons.addButton(
            "&Thoát ứng dụng", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.quit_button.clicked.connect(self.quit)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(explain)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.password.setFocus()

    def try_unlock(self) -> None:
        actor = self.context.actor
        if actor is None:
            self.done(QDialog.DialogCode.Accepted)
            return
        try:
            with wait_cursor(), self.context.database.session() as session:
                # Re-read from the database: an administrator may have changed the role
                # (or disabled the account) while the screen was locked.
                fresh = authenticate(
                    session,
                    actor.username,
                    self.password.text(),
                    actor.point_id,
                    action=AuditAction.UNLOCK,
                )
                session.commit()
        except UserError as error:
            message = str(error)
            if isinstance(error, SignInError) and error.failure is SignInFailure.INACTIVE:
                message = (
                    f"Tài khoản «{actor.username}» đã bị ngừng hoạt động trong lúc khóa màn "
                    "hình nên không mở khóa được. Bấm «Thoát ứng dụng» rồi đăng nhập bằng "
                    "tài khoản khác, hoặc liên hệ quản trị viên."
                )
            show_error(self.error, message)
            self.adjustSize()  # a lockout's message is long: grow to show all of it
            self.password.clear()
            self.password.setFocus()
            return
        self.context.actor = fresh
        self.done(QDialog.DialogCode.Accepted)

    def quit(self) -> None:
        self.quit_requested = True
        self.done(QDialog.DialogCode.Rejected)

    def reject(self) -> None:
        """Escape does not unlock."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.try_unlock()
            return
        if event.key() == Qt.Key.Key_Escape:
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if not self.quit_requested and self.result() != QDialog.DialogCode.Accepted:
            event.ignore()
            return
        super().closeEvent(event)


class IdleLock(QObject):
    """Watches the whole application's input; locks `window` after `minutes` without any.

    `minutes` 0 turns the lock off (LocalSettings.idle_lock_minutes). `unlocked` is
    emitted after the password was accepted: the actor was re-read from the database, so
    the window applies the (possibly changed) role."""

    unlocked = Signal()

    def __init__(
        self,
        window: QMainWindow,
        context: AppContext,
        minutes: int,
        *,
        clock: Clock = time.monotonic,
        on_quit: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.context = context
        self.minutes = minutes
        self.clock = clock
        self.on_quit = on_quit or window.close
        self.last_input = clock()
        self.dialog: LockDialog | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_INTERVAL_MS)
        self.timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if minutes > 0:
            self.timer.start()

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in _INPUT_EVENTS and not self.locked:
            self.last_input = self.clock()
        return False

    def check(self) -> None:
        """Lock when the idle time has run out (the timer calls this; tests too)."""
        if self.minutes <= 0 or self.locked or self.context.actor is None:
            return
        if self.clock() - self.last_input >= self.minutes * 60:
            self.lock(manual=False)

    def lock(self, *, manual: bool = True) -> LockDialog:
        """Hide the window's content and ask for the password (window-modal, not blocking).

        By hand (the menu, Ctrl+Shift+L) unless `manual` is False (the idle timer): the
        dialog says which, so nobody reads "10 phút không thao tác" after locking it."""
        if self.dialog is not None:
            return self.dialog
        central = self.window.centralWidget()
        if central is not None:
            central.setVisible(False)
        dialog = LockDialog(self.context, self.minutes, self.window, manual=manual)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.finished.connect(self._finished)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _finished(self, _result: int) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is None:
            return
        dialog.deleteLater()
        if dialog.quit_requested:
            self.on_quit()
            return
        central = self.window.centralWidget()
        if central is not None:
            central.setVisible(True)
        self.last_input = self.clock()
        self.unlocked.emit()

    def set_minutes(self, minutes: int) -> None:
        """A new idle time, from now on (the settings dialog); 0 turns the lock off."""
        self.minutes = max(0, minutes)
        self.last_input = self.clock()
        if self.minutes > 0:
            self.timer.start()
        else:
            self.timer.stop()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
