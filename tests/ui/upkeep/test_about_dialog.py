"""Giới thiệu kichhoat: version, folders, database without password, licences."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QAction, QGuiApplication
from pytestqt.qtbot import QtBot

from services.common.version import APP_VERSION
from services.upkeep.about import bundled_components, installation
from ui.upkeep.about_dialog import AboutDialog


def test_every_bundled_part_has_its_licence_text() -> None:
    components = bundled_components()
    names = {c.name for c in components}
    for expected in ("SQLAlchemy", "Alembic", "openpyxl", "qrcode", "cryptography", "psycopg 3"):
        assert expected in names
    assert any(c.name.startswith("Qt 6") and c.license == "LGPL-3.0" for c in components)
    for component in components:
        assert component.files and all(path.is_file() for path in component.files), component
        assert component.license_text().strip()
        assert component.url.startswith("https://")
    font = next(c for c in components if "Be Vietnam Pro" in c.name)
    assert "SIL OPEN FONT LICENSE" in font.license_text().upper()


def test_the_dialog_shows_version_folders_and_hides_the_password(
    qtbot: QtBot, tmp_path: Path
) -> None:
    facts = installation("postgresql+psycopg://kichhoat:bí-mật@may-chu:5432/kh", tmp_path / "x.log")
    dialog = AboutDialog(facts)
    qtbot.addWidget(dialog)
    dialog.show()
    assert APP_VERSION in dialog.values["Phiên bản"].text()
    assert "bí-mật" not in dialog.values["Cơ sở dữ liệu"].text()
    assert "may-chu" in dialog.values["Cơ sở dữ liệu"].text()
    assert dialog.values["Tệp nhật ký"].text() == str(tmp_path / "x.log")
    assert dialog.values["Thư mục dữ liệu"].text()
    assert dialog.table.rowCount() == len(bundled_components())
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in dialog.licence.toPlainText()
    dialog.table.selectRow(dialog.table.rowCount() - 1)
    assert "OPEN FONT LICENSE" in dialog.licence.toPlainText().upper()
    dialog.copy_facts()
    assert "bí-mật" not in QGuiApplication.clipboard().text()
    assert APP_VERSION in QGuiApplication.clipboard().text()


def test_the_help_menu_opens_it(
    qtbot: QtBot, database: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.codes import Role
    from services.upkeep.database import Database
    from tests.ui.shell.test_main_window import make_context, make_window

    assert isinstance(database, Database)
    context, _ = make_context(database, Role.OPERATOR, tmp_path)
    window = make_window(qtbot, context)
    opened: list[AboutDialog] = []

    def record(self: AboutDialog) -> int:
        opened.append(self)
        return 0

    monkeypatch.setattr(AboutDialog, "exec", record)
    [about] = [a for a in window.findChildren(QAction) if a.text() == "&Giới thiệu kichhoat"]
    about.trigger()
    [dialog] = opened
    assert dialog.values["Cơ sở dữ liệu"].text().startswith("sqlite:")
    assert dialog.parent() is window
