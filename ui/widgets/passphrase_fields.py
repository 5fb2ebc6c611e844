"""Passphrases in the window: a new one (typed twice, or generated and shown), and the one
an encrypted backup asks for.

`NewPassphrase` is the pair of fields of the package export and the purge, with the button
*Tạo mật khẩu* that fills both with five common Vietnamese words and shows them to read
aloud (`services.security.passphrase_words`). `BackupPassphraseDialog` asks the passphrase of an
encrypted backup before a restore and checks it (the key check only) before it closes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from services.common.errors import UserError
from services.exchange.crypto import MIN_PASSPHRASE
from services.security.passphrase_words import generate_passphrase
from services.upkeep.encrypted_backup import check_encrypted_passphrase
from ui.widgets.dialogs import run_dialog
from ui.widgets.forms import error_label, show_error, stacked, wrapping_label

GENERATE_TEXT = "Tạo mật &khẩu"
TYPED_ANY_WAY = "các từ gõ có dấu hay không dấu, cách nhau bằng dấu cách hay dấu gạch đều được"


def password_field(placeholder: str, name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    field.setAccessibleName(name)
    return field


READ_TO_RECEIVER = f"Đọc cho người nhận từng từ ({TYPED_ANY_WAY}); không gửi cùng đường với tệp."
WRITE_DOWN = (
    "Ghi mật khẩu này ra giấy và cất riêng, xa máy tính: chỉ cần nó khi phải khôi phục bản sao "
    f"lưu ({TYPED_ANY_WAY})."
)


class NewPassphrase:
    """The fields of a new passphrase; `add_rows` puts them in a form. `hint` is said under
    a generated passphrase (what to do with it)."""

    def __init__(self, hint: str = READ_TO_RECEIVER) -> None:
        self.hint = hint
        self.passphrase = password_field(
            f"Ít nhất {MIN_PASSPHRASE} ký tự, hoặc bấm «Tạo mật khẩu»", "Mật khẩu"
        )
        self.again = password_field("Gõ lại mật khẩu", "Nhập lại mật khẩu")
        self.generate = QPushButton(GENERATE_TEXT)
        self.generate.setAutoDefault(False)
        self.generate.setToolTip(
            "Tạo mật khẩu gồm 5 từ tiếng Việt thông dụng, dễ đọc qua điện thoại"
        )
        self.generate.clicked.connect(self.fill_generated)
        self.shown = wrapping_label()
        self.shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shown.hide()
        self.generated: str | None = None
        self.passphrase.textEdited.connect(self._typed)

    def add_rows(self, form: QFormLayout, label: str) -> None:
        row = QHBoxLayout()
        row.addWidget(self.passphrase, 1)
        row.addWidget(self.generate)
        caption = QLabel(label)
        caption.setBuddy(self.passphrase)  # a row of two widgets: the "&" needs its buddy
        form.addRow(caption, row)
        form.addRow("&Nhập lại mật khẩu:", self.again)
        form.addRow("", self.shown)

    def fill_generated(self) -> None:
        """Five words in both fields, shown in clear to be read aloud and written down."""
        self.generated = generate_passphrase()
        for field in (self.passphrase, self.again):
            field.setText(self.generated)
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Normal)
        self.shown.setText(f"Mật khẩu: <b>{self.generated}</b><br>{self.hint}")
        self.shown.show()
        window = self.shown.window()
        layout = window.layout()
        wanted = layout.totalHeightForWidth(window.width()) if layout is not None else 0
        if wanted > window.height():  # room for the words, without narrowing the window
            window.resize(window.width(), wanted)

    def _typed(self, _text: str) -> None:
        if self.generated is not None:  # no longer the words shown: hide them again
            self.generated = None
            self.shown.hide()
            self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)

    def text(self) -> str:
        return self.passphrase.text()

    def problem(self) -> str | None:
        if self.passphrase.text() != self.again.text():
            return "Hai lần nhập mật khẩu không khớp."
        if len(self.passphrase.text()) < MIN_PASSPHRASE:
            return (
                f"Mật khẩu phải có ít nhất {MIN_PASSPHRASE} ký tự (hoặc bấm «Tạo mật khẩu» để "
                "có mật khẩu gồm 5 từ dễ đọc)."
            )
        return None


class BackupPassphraseDialog(QDialog):
    """The passphrase of the encrypted backup at `path`, checked before the dialog closes;
    `passphrase` holds it once accepted."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.passphrase: str | None = None
        self.setWindowTitle("Mật khẩu của bản sao lưu – kichhoat")
        explain = wrapping_label(
            f"«{path.name}» là bản sao lưu mã hóa. Nhập mật khẩu đã đặt khi tạo bản này (khi "
            f"xóa dữ liệu cá nhân); {TYPED_ANY_WAY}."
        )
        self.field = password_field("Mật khẩu của bản sao lưu", "Mật khẩu của bản sao lưu")
        self.error = error_label()
        buttons = QDialogButtonBox()
        ok = buttons.addButton("&Khôi phục", QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        ok.clicked.connect(self.accept)
        cancel.clicked.connect(self.reject)
        ok.setDefault(True)
        form = QFormLayout()
        form.addRow("&Mật khẩu:", self.field)
        stacked(self, explain, form, self.error, buttons)
        self.setMinimumWidth(560)
        self.field.setFocus()

    def accept(self) -> None:
        typed = self.field.text()
        if not typed:
            show_error(self.error, "Nhập mật khẩu của bản sao lưu.")
            return
        try:
            check_encrypted_passphrase(self.path, typed)
        except UserError as error:
            show_error(self.error, str(error))
            self.field.selectAll()
            return
        self.passphrase = typed
        super().accept()


def ask_backup_passphrase(parent: QWidget, path: Path) -> str | None:
    dialog = BackupPassphraseDialog(path, parent)
    return dialog.passphrase if run_dialog(dialog) else None
