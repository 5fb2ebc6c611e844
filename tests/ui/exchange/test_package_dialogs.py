"""Package export and import from the window, and the conflicts dialog."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from models.codes import Role, Status
from models.entities import Case
from services.exchange.packages import export_package
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.factories import CLI, World
from tests.shared_packages import PASS, lynh_package
from tests.ui.keys import type_text
from tests.ui.screens import one_case
from ui.exchange.conflicts_dialog import ConflictsDialog
from ui.exchange.package_dialogs import ExportPackageDialog, ImportPackagesDialog
from ui.shell.context import AppContext
from ui.widgets.messages import RecordingMessages


def manager_context(database: Database) -> AppContext:
    with database.session() as session:
        world = World(session)
        session.commit()
        actor = Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", Role.MANAGER, None)
    return AppContext(database=database, settings=LocalSettings(), actor=actor)


@pytest.mark.usefixtures("known_cases")
def test_export_then_import_through_the_dialogs(
    qtbot: QtBot, database: Database, other: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    target = tmp_path / "goi.kpkg"

    def ask_save(_parent: QWidget, _suggested: str) -> Path:
        return target

    export = ExportPackageDialog(manager_context(database), ask_save=ask_save)
    qtbot.addWidget(export)
    type_text(export.passphrase, PASS)
    type_text(export.again, "khac-hoan-toan")
    export.start()
    assert "không khớp" in export.error.text() and not target.exists()
    export.again.clear()
    type_text(export.again, PASS)
    export.start()
    qtbot.waitUntil(lambda: export.result() == QDialog.DialogCode.Accepted, timeout=20000)
    assert target.is_file() and export.result_ is not None
    assert export.result_.counts["cases"] == 8
    assert recorded.shown[-1][1] == "Đã xuất gói dữ liệu"

    importer = ImportPackagesDialog(manager_context(other), ask_open=lambda _parent: [target])
    qtbot.addWidget(importer)
    type_text(importer.passphrase, PASS)
    importer.start()
    qtbot.waitUntil(lambda: importer.result() == QDialog.DialogCode.Accepted, timeout=20000)
    assert [s.new for s in importer.summaries] == [8]
    assert "8 mới" in recorded.shown[-1][2]
    with other.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 8


@pytest.mark.usefixtures("known_cases")
def test_a_wrong_passphrase_is_reported_and_nothing_written(
    qtbot: QtBot, database: Database, other: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    with database.session() as session:
        export_package(session, CLI, tmp_path / "goi.kpkg", PASS)
    importer = ImportPackagesDialog(
        manager_context(other), ask_open=lambda _parent: [tmp_path / "goi.kpkg"]
    )
    qtbot.addWidget(importer)
    type_text(importer.passphrase, "sai-mat-khau")
    importer.start()
    qtbot.waitUntil(lambda: importer.result() == QDialog.DialogCode.Accepted, timeout=20000)
    assert importer.refusals and "Sai mật khẩu" in importer.refusals[0]
    assert recorded.shown[-1][0] == "warning"
    with other.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_conflicts_dialog_resolves(
    qtbot: QtBot, database: Database, other: Database, tmp_path: Path
) -> None:
    one_case(database, Status.REGISTERED, "2023-07-20 08:00")
    package = lynh_package(other, tmp_path / "b.kpkg", Status.ACTIVATED, "2023-07-22 08:00")
    importer = ImportPackagesDialog(manager_context(database), ask_open=lambda _parent: [package])
    qtbot.addWidget(importer)
    type_text(importer.passphrase, PASS)
    importer.start()
    qtbot.waitUntil(lambda: importer.result() == QDialog.DialogCode.Accepted, timeout=20000)
    dialog = ConflictsDialog(manager_context(database))
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1
    local, incoming = dialog.table.item(0, 2), dialog.table.item(0, 3)
    assert local is not None and incoming is not None
    assert "Mỹ Linh" in local.text() and "Mỹ Lynh" in incoming.text()
    dialog.buttons["keep_local"].click()
    assert dialog.table.rowCount() == 0
    with database.session() as session:
        case = session.scalars(select(Case)).one()
        assert (case.full_name, case.status) == ("Trần Thị Mỹ Linh", "activated")
