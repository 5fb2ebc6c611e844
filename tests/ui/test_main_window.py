"""The main window: opens on a fresh database, in Vietnamese, with the tally."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from models.codes import Status
from services.database import Database
from services.local_settings import LocalSettings
from services.tally import TallyBy, tally
from tests.factories import World
from ui.context import AppContext
from ui.main_window import MainWindow
from ui.tally_model import TallyTableModel


def test_window_shows_the_campaign_and_its_tally(qtbot: QtBot, database: Database) -> None:
    with database.session() as session:
        world = World(session)
        facts = world.facts()
        world.record(facts, world.report(Status.ACTIVATED, "2023-07-20 08:30"))
        session.commit()
    window = MainWindow(AppContext(database=database, settings=LocalSettings()))
    qtbot.addWidget(window)
    results = window.results
    results.as_of.setDate(QDate(2023, 8, 1))
    assert "định danh điện tử" in window.windowTitle()
    model = results.model
    assert model.rowCount() == 12  # 11 districts and the total
    total_row = model.rowCount() - 1
    assert model.index(total_row, 1).data() == "Tổng: Tỉnh Sóc Trăng"
    assert model.index(total_row, 2).data() == "576.903"  # Vietnamese digit grouping
    assert model.index(total_row, 6).data() == "1"
    results.by.setCurrentIndex(results.by.findData(TallyBy.COMMUNE.value))
    assert model.rowCount() == 110


def test_tally_model_passes_the_model_tester(
    qtmodeltester: ModelTester, database: Database
) -> None:
    model = TallyTableModel()
    with database.session() as session:
        model.set_tally(tally(session, date(2023, 8, 1), TallyBy.DISTRICT))
    qtmodeltester.check(model)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Mã"


def test_standard_buttons_speak_vietnamese(qtbot: QtBot) -> None:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    qtbot.addWidget(box)
    ok = box.button(QDialogButtonBox.StandardButton.Ok)
    cancel = box.button(QDialogButtonBox.StandardButton.Cancel)
    assert ok is not None and cancel is not None
    assert (ok.text(), cancel.text()) == ("Đồng ý", "Hủy")
