"""Signing in at this computer's intake point: username, password, Enter."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from services.campaigns.units import UnitTree
from services.common.errors import UserError
from services.security.accounts import authenticate
from services.security.session_context import Actor
from services.upkeep.database import Database
from ui.shell.context import PointInfo
from ui.widgets.dialogs import run_dialog
from ui.widgets.forms import ERROR_STYLE, error_label, show_error, wait_cursor, wrapping_label


def _heading(current: Actor | None) -> QLabel:
    heading = QLabel("Đổi cán bộ" if current else "Đăng nhập")
    font = heading.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    heading.setFont(font)
    return heading


class SignInDialog(QDialog):
    """`actor` holds the signed-in operator once accepted.

    With `current` (switching operator) the dialog says who is handing over and its
    cancel button keeps that person signed in."""

    def __init__(
        self,
        database: Database,
        point: PointInfo,
        last_username: str | None,
        parent: QWidget | None = None,
        *,
        current: Actor | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.point = point
        self.actor: Actor | None = None
        self.setWindowTitle("Đổi cán bộ – kichhoat" if current else "Đăng nhập – kichhoat")
        heading = _heading(current)
        self._build_where()
        form = self._build_form(last_username)
        buttons = self._build_buttons(current)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        self.handing_over: QLabel | None = None
        if current is not None:
            self.handing_over = handing_over = QLabel(
                f"Đang làm việc: {escape(current.full_name)} ({escape(current.username)}). "
                "Cán bộ nhận ca đăng nhập bằng tài khoản của mình."
            )
            handing_over.setWordWrap(True)
            layout.addWidget(handing_over)
        layout.addWidget(self.where)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        (self.password if self.username.text() else self.username).setFocus()

    def _build_where(self) -> None:
        """The point, and its commune when the map knows it."""
        point = self.point
        try:
            with self.database.session(read_only=True) as session:
                commune = UnitTree.load(session).full_name(point.commune_id)
        except (UserError, KeyError):
            commune = ""
        self.where = wrapping_label(
            f"Điểm thu nhận: <b>{escape(point.name)}</b> ({escape(point.code)})"
            + (f"<br>{escape(commune)}" if commune else "")
        )
        self.where.setTextFormat(Qt.TextFormat.RichText)

    def _build_form(self, last_username: str | None) -> QFormLayout:
        """The username (the last one used, filled in) and the password; the error under them."""
        self.username = QLineEdit(last_username or "")
        self.username.setMaxLength(64)
        self.username.setAccessibleName("Tên đăng nhập")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Mật khẩu")
        self.error = error_label()
        self.error.setStyleSheet(ERROR_STYLE + " font-weight: bold;")
        for field in (self.username, self.password):
            field.textEdited.connect(lambda _: show_error(self.error, None))

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        user_label = QLabel("&Tên đăng nhập:")
        user_label.setBuddy(self.username)
        password_label = QLabel("&Mật khẩu:")
        password_label.setBuddy(self.password)
        form.addRow(user_label, self.username)
        form.addRow(password_label, self.password)
        return form

    def _build_buttons(self, current: Actor | None) -> QDialogButtonBox:
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.sign_in_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert self.sign_in_button is not None and cancel is not None
        self.sign_in_button.setText("Đăng &nhập")
        self.sign_in_button.setDefault(True)
        cancel.setText("Hủy" if current else "Thoát")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        return buttons

    def accept(self) -> None:
        """Sign in; on failure say why and keep the username (the password is cleared)."""
        try:
            with wait_cursor(), self.database.session() as session:
                actor = authenticate(
                    session, self.username.text(), self.password.text(), self.point.id
                )
                session.commit()  # an upgraded password hash
        except UserError as error:
            show_error(self.error, str(error))
            # A lockout's message says how to recover and is long: the dialog grows to show
            # all of it, wrapped, instead of cutting it under the buttons.
            self.adjustSize()
            had_username = bool(self.username.text().strip())
            self.password.clear()
            (self.password if had_username else self.username).setFocus()
            return
        self.actor = actor
        super().accept()


def sign_in(
    database: Database,
    point: PointInfo,
    last_username: str | None,
    parent: QWidget | None = None,
    *,
    current: Actor | None = None,
) -> Actor | None:
    """Show the dialog and wait; the signed-in operator, or None when cancelled."""
    dialog = SignInDialog(database, point, last_username, parent, current=current)
    if run_dialog(dialog) != QDialog.DialogCode.Accepted:
        return None
    return dialog.actor
