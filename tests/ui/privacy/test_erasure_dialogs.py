"""The purge and the restore of its encrypted backup from the window, and the generated
passphrase of a package export."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLineEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from models.codes import Role
from models.entities import Case
from services.security.passphrase_words import fold, passphrase_words
from services.upkeep.backup import automatic_backup, backups_folder, database_file
from services.upkeep.database import Database
from tests.ui.exchange.test_package_dialogs import manager_context
from tests.ui.keys import type_text
from tests.ui.screens import ALT
from tests.ui.security.test_security_ui import context_for, shot, window_for
from tests.ui.upkeep.test_admin_dialogs import while_modal
from ui.exchange.package_dialogs import ExportPackageDialog, ImportPackagesDialog
from ui.privacy.purge_dialog import PurgeDialog
from ui.upkeep.restore_dialog import ENCRYPTED, RestoreDialog
from ui.widgets.messages import RecordingMessages
from ui.widgets.passphrase_fields import BackupPassphraseDialog


def named(database: Database) -> int:
    with database.session() as session:
        count = session.scalar(
            select(func.count()).select_from(Case).where(~Case.id_number.startswith("X"))
        )
    return int(count or 0)


def test_the_purge_asks_a_passphrase_keeps_an_encrypted_copy_that_restores(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    context = context_for(database, Role.ADMIN, tmp_path, cases=True)
    assert automatic_backup(database, tmp_path) is not None
    folder = backups_folder(tmp_path, database_file(database))
    window = window_for(qtbot, context)
    words: list[str] = []

    def purge(dialog: QWidget) -> None:
        assert isinstance(dialog, PurgeDialog)
        qtbot.keyClick(dialog, Qt.Key.Key_X, ALT)  # Xóa, with no passphrase yet
        qtbot.waitUntil(lambda: "ít nhất 12 ký tự" in dialog.error.text())
        assert dialog.isVisible()
        fields = dialog.new_passphrase
        qtbot.keyClick(dialog, Qt.Key.Key_K, ALT)  # Tạo mật khẩu
        qtbot.waitUntil(lambda: fields.generated is not None)
        assert fields.generated is not None
        words.append(fields.generated)
        assert fields.passphrase.text() == fields.again.text() == fields.generated
        assert fields.passphrase.echoMode() == QLineEdit.EchoMode.Normal
        assert fields.generated in fields.shown.text() and fields.shown.isVisible()
        assert set(fields.generated.split("-")) <= set(passphrase_words())
        shot(dialog, "xoa-du-lieu-ca-nhan.png")
        qtbot.keyClick(dialog, Qt.Key.Key_X, ALT)
        qtbot.waitUntil(lambda: not dialog.isVisible())  # the mnemonic's click is animated

    errors = while_modal(qtbot, purge)
    window.security.purge()
    if errors:
        raise errors[0]
    qtbot.waitUntil(
        lambda: any(t == "Đã xóa dữ liệu cá nhân" for _, t, _ in recorded.shown), timeout=30_000
    )
    assert named(database) == 0
    (encrypted,) = folder.iterdir()  # the automatic copy is gone
    assert encrypted.name.endswith(".sqlite3.enc")
    message = next(text for _, title, text in recorded.shown if title == "Đã xóa dữ liệu cá nhân")
    assert str(encrypted) in message and "Đã xóa 1 bản sao lưu cũ chưa mã hóa" in message

    def choose(dialog: QWidget) -> None:
        assert isinstance(dialog, RestoreDialog)
        assert dialog.table.item(0, 3).text() == ENCRYPTED  # type: ignore[union-attr]
        assert "mã hóa" in dialog.table.item(0, 1).text()  # type: ignore[union-attr]
        shot(dialog, "khoi-phuc-ban-ma-hoa.png")
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
        follow.extend(while_modal(qtbot, passphrase))

    def passphrase(dialog: QWidget) -> None:
        assert isinstance(dialog, BackupPassphraseDialog)
        shot(dialog, "mat-khau-ban-sao-luu.png")
        type_text(dialog.field, "khong-phai-mat-khau")
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Sai mật khẩu" in dialog.error.text())
        assert dialog.isVisible()
        dialog.field.clear()
        type_text(dialog.field, fold(words[0].replace("-", " ")))  # heard on the phone
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)

    follow: list[BaseException] = []
    errors = while_modal(qtbot, choose)
    window.security.restore()
    for error in errors + follow:
        raise error
    qtbot.waitUntil(lambda: any(t == "Đã khôi phục" for _, t, _ in recorded.shown), timeout=30_000)
    assert named(database) == 8


@pytest.mark.usefixtures("known_cases")
def test_a_generated_package_passphrase_is_shown_and_imports_typed_plainly(
    qtbot: QtBot, database: Database, other: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    target = tmp_path / "goi.kpkg"
    export = ExportPackageDialog(manager_context(database), ask_save=lambda _p, _s: target)
    qtbot.addWidget(export)
    export.show()
    export.activateWindow()
    qtbot.waitUntil(export.isActiveWindow)
    qtbot.keyClick(export, Qt.Key.Key_K, ALT)  # Tạo mật khẩu
    qtbot.waitUntil(lambda: export.new_passphrase.generated is not None)
    generated = export.new_passphrase.generated
    assert generated is not None and export.again.text() == generated
    shot(export, "xuat-goi-tao-mat-khau.png")
    type_text(export.passphrase, "x")  # typed over: no longer the words shown
    assert export.new_passphrase.shown.isHidden()
    assert export.passphrase.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClick(export, Qt.Key.Key_K, ALT)
    qtbot.waitUntil(lambda: export.new_passphrase.generated is not None)
    generated = export.new_passphrase.generated
    assert generated is not None
    export.start()
    qtbot.waitUntil(lambda: export.result() == QDialog.DialogCode.Accepted, timeout=20_000)

    importer = ImportPackagesDialog(manager_context(other), ask_open=lambda _parent: [target])
    qtbot.addWidget(importer)
    type_text(importer.passphrase, fold(generated).replace("-", " "))
    importer.start()
    qtbot.waitUntil(lambda: importer.result() == QDialog.DialogCode.Accepted, timeout=20_000)
    assert [s.new for s in importer.summaries] == [8]
