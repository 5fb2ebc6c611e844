"""Confirming the purge on SQLite, with the passphrase of the backup made first.

The dialog says what is erased and what is kept, that an encrypted backup is written first
and every older plain backup deleted, and takes the passphrase (typed twice, or generated
with *Tạo mật khẩu* and shown). `passphrase` holds it once accepted; the caller purges in
the background (`SecurityMenu.purge`).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QWidget,
)

from ui.widgets.forms import error_label, show_error, stacked, wrapping_label
from ui.widgets.passphrase_fields import WRITE_DOWN, NewPassphrase

PURGE_TEXT = "&Xóa dữ liệu cá nhân"


class PurgeDialog(QDialog):
    def __init__(self, question: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.passphrase: str | None = None
        self.setWindowTitle("Xóa dữ liệu cá nhân – kichhoat")
        explain = wrapping_label(question)
        backup = wrapping_label(
            "Trước khi xóa, ứng dụng lưu một bản sao lưu <b>mã hóa</b> bằng mật khẩu dưới đây, "
            "rồi xóa mọi bản sao lưu cũ chưa mã hóa của cơ sở dữ liệu này (tự động, trước khi "
            "khôi phục, trước khi nâng cấp) và dọn tệp cơ sở dữ liệu. Ghi lại mật khẩu ở nơi an "
            "toàn: không có nó, không ai mở được bản sao lưu này."
        )
        self.new_passphrase = NewPassphrase(WRITE_DOWN)
        self.error = error_label()
        self.new_passphrase.generate.clicked.connect(lambda: show_error(self.error, None))
        form = QFormLayout()
        self.new_passphrase.add_rows(form, "&Mật khẩu bản sao lưu:")
        buttons = QDialogButtonBox()
        self.purge_button = buttons.addButton(PURGE_TEXT, QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton("Hủy", QDialogButtonBox.ButtonRole.RejectRole)
        self.purge_button.clicked.connect(self.accept)
        cancel.clicked.connect(self.reject)
        stacked(self, explain, backup, form, self.error, buttons)
        self.setMinimumWidth(640)
        self.new_passphrase.passphrase.setFocus()

    def accept(self) -> None:
        problem = self.new_passphrase.problem()
        if problem is not None:
            show_error(self.error, problem)
            return
        self.passphrase = self.new_passphrase.text()
        super().accept()
