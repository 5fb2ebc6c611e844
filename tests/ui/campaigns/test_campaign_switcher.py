"""Tệp → Đợt cao điểm khác: the recent campaign databases, another file, a new campaign."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from models.codes import Role, UnitLevel
from models.entities import Campaign, Unit
from services.campaigns.builder import CampaignSpec, build_campaign
from services.campaigns.files import (
    describe,
    recent_databases,
    remember_database,
    sqlite_url,
    switch_to,
)
from services.security.session_context import cli_actor
from services.upkeep.database import Database, open_database
from services.upkeep.local_settings import LocalSettings
from tests.ui.hands import type_into
from ui.campaigns.builder_dialog import CampaignBuilderDialog
from ui.campaigns.switcher import CampaignSwitcher
from ui.shell.context import AppContext

ADMIN = cli_actor()


def a_campaign_file(path: Path, name: str) -> str:
    """A database of the 2025 map (Cần Thơ, code 92) made by the builder."""
    from datetime import date

    from services.campaigns.builder import province_unit_rows

    database = open_database(sqlite_url(path))
    spec = CampaignSpec("92", 2025, name, "9/KH-UBND", date(2026, 3, 1), date(2026, 3, 10),
                        date(2026, 4, 10))  # fmt: skip
    with database.session() as session:
        build_campaign(session, ADMIN, spec, province_unit_rows(2025, "92"))
        session.commit()
    database.dispose()
    return sqlite_url(path)


def test_the_recent_list_keeps_eight_addresses_without_passwords() -> None:
    settings = LocalSettings()
    for number in range(10):
        remember_database(settings, f"sqlite:////tmp/dot-{number}.sqlite3")
    remember_database(settings, "postgresql+psycopg://kh:bi-mat@may-chu:5432/dot")
    remember_database(settings, "sqlite:////tmp/dot-5.sqlite3")
    recent = recent_databases(settings)
    assert recent[0] == "sqlite:////tmp/dot-5.sqlite3"
    assert len(recent) == 8 and len(set(recent)) == 8
    assert not any("bi-mat" in url for url in recent)
    assert describe("sqlite:////khong/co/tep.sqlite3").title.endswith("(không tìm thấy tệp)")


def test_enter_opens_the_chosen_campaign(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    other = a_campaign_file(tmp_path / "can-tho.sqlite3", "Đợt thử Cần Thơ")
    settings = LocalSettings()
    remember_database(settings, database.url)
    remember_database(settings, other)
    context = AppContext(database=database, settings=settings, actor=ADMIN)
    dialog = CampaignSwitcher(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    first = dialog.list.item(0)
    assert first is not None and "Thành phố Cần Thơ: Đợt thử Cần Thơ" in first.text()
    second = dialog.list.item(1)
    assert second is not None and "(đang mở)" in second.text()
    qtbot.keyClick(dialog.list, Qt.Key.Key_Return)
    assert dialog.chosen_url == other
    assert dialog.result() == dialog.DialogCode.Accepted


def test_the_window_starts_again_on_the_chosen_database(
    qtbot: QtBot, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui.shell.test_main_window import make_context, make_window

    other = a_campaign_file(tmp_path / "can-tho.sqlite3", "Đợt thử Cần Thơ")
    context, _ = make_context(database, Role.ADMIN, tmp_path)
    window = make_window(qtbot, context)

    def choose(self: CampaignSwitcher) -> int:
        self.chosen_url = other
        return 1

    monkeypatch.setattr(CampaignSwitcher, "exec", choose)
    [switch] = [a for a in window.findChildren(QAction) if a.text() == "Đợt cao điểm &khác…"]
    assert switch.shortcut().toString() == "Ctrl+Shift+O"
    qtbot.keyClick(
        window,
        Qt.Key.Key_O,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.switch_to == other
    assert context.settings.db_url == other
    assert recent_databases(context.settings)[:2] == [other, database.url]
    assert context.settings.point_code is None  # that database's point is chosen at set-up


def test_coming_back_to_a_database_finds_its_intake_point() -> None:
    settings = LocalSettings(point_code="31573-01")
    first, second = "sqlite:////tmp/soc-trang.sqlite3", "sqlite:////tmp/can-tho.sqlite3"
    switch_to(settings, first, second)
    assert (settings.db_url, settings.point_code) == (second, None)
    settings.point_code = "31120-02"  # chosen in the set-up of the second database
    switch_to(settings, second, first)
    assert (settings.db_url, settings.point_code) == (first, "31573-01")
    switch_to(settings, first, second)
    assert settings.point_code == "31120-02"


def fill_builder(qtbot: QtBot, dialog: CampaignBuilderDialog, target: Path) -> None:
    type_into(qtbot, dialog.name, "Cao điểm kích hoạt định danh điện tử (thử)")
    type_into(qtbot, dialog.plan_number, "12/KH-UBND")
    type_into(qtbot, dialog.database.edit, str(target))
    index = dialog.province.findData("92")
    assert index >= 0
    dialog.province.setCurrentIndex(index)


def test_the_builder_makes_a_two_level_campaign_in_a_new_file(qtbot: QtBot, tmp_path: Path) -> None:
    dialog = CampaignBuilderDialog(ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.map.currentData() == 2025 and dialog.province.count() == 34
    target = tmp_path / "dot-moi.sqlite3"
    fill_builder(qtbot, dialog, target)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok is not None
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.created_url is not None)
    assert "Thành phố Cần Thơ" in dialog.result_text
    database = open_database(sqlite_url(target))
    with database.session(read_only=True) as session:
        communes = session.scalar(
            select(func.count()).select_from(Unit).where(Unit.level == UnitLevel.COMMUNE.value)
        )
        districts = session.scalar(
            select(func.count()).select_from(Unit).where(Unit.level == UnitLevel.DISTRICT.value)
        )
        assert (communes, districts) == (103, 0)
    database.dispose()


def test_the_builder_refuses_a_file_in_use_and_keeps_the_form(qtbot: QtBot, tmp_path: Path) -> None:
    used = tmp_path / "da-dung.sqlite3"
    a_campaign_file(used, "Đợt cũ")
    dialog = CampaignBuilderDialog(ADMIN)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    fill_builder(qtbot, dialog, used)
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok is not None
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "đã dùng cho đợt" in dialog.error.text())
    assert dialog.isVisible() and dialog.created_url is None
    assert dialog.name.text() == "Cao điểm kích hoạt định danh điện tử (thử)"
    database = open_database(sqlite_url(used))
    with database.session(read_only=True) as session:
        assert session.scalar(select(func.count()).select_from(Campaign)) == 1
    database.dispose()
