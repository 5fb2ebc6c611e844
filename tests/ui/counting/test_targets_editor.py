"""The targets editor: editing in place, the proportional split, the mismatch warning, import."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from services.campaigns.units import UnitTree
from services.upkeep.database import Database
from tests.factories import CLI, PHU_TAM
from tests.services.counting.test_targets import PLAN_ROWS
from tests.ui.screens import context_of, show_exposed
from ui.counting.targets_editor import CHECK, DAILY, SUM, TOTAL, TargetsModel, TargetsPanel
from ui.widgets.messages import RecordingMessages

CHAU_THANH = "942"


@pytest.fixture
def panel(qtbot: QtBot, database: Database, recorded: RecordingMessages) -> TargetsPanel:
    made = TargetsPanel(context_of(database, CLI))
    show_exposed(qtbot, made, 1200, 700)
    return made


def index_of(panel: TargetsPanel, code: str, column: int) -> QModelIndex:
    node = panel.model.by_code[code]
    return panel.model.createIndex(node.row, column, node)


def stored(database: Database, code: str) -> tuple[int | None, int | None]:
    with database.session() as session:
        unit = UnitTree.load(session).by_code[code]
    return unit.target_total, unit.target_daily


def test_the_model_passes_the_model_tester(qtmodeltester: ModelTester, database: Database) -> None:
    with database.session() as session:
        model = TargetsModel(UnitTree.load(session))
    qtmodeltester.check(model)


def test_the_panels_model_passes_after_edits(
    qtmodeltester: ModelTester, panel: TargetsPanel
) -> None:
    panel.model.setData(index_of(panel, PHU_TAM, TOTAL), "1.000")
    qtmodeltester.check(panel.model)


def test_the_plans_numbers_are_shown_the_vietnamese_way(panel: TargetsPanel) -> None:
    assert index_of(panel, "941", TOTAL).data() == "50.802"
    assert index_of(panel, "941", DAILY).data() == "1.539"
    assert index_of(panel, "94", TOTAL).data() == "576.903"
    assert index_of(panel, "94", SUM).data() == "576.903 · ngày 17.480"
    assert index_of(panel, CHAU_THANH, CHECK).data() == "Chưa giao cho xã"
    assert panel.banner.isHidden()


def test_edit_a_commune_through_the_delegate_and_see_the_mismatch(
    qtbot: QtBot, panel: TargetsPanel, database: Database
) -> None:
    panel.select(PHU_TAM)
    index = index_of(panel, PHU_TAM, TOTAL)
    panel.view.setCurrentIndex(index)
    panel.view.edit(index)
    editor = panel.view.viewport().findChild(QLineEdit)
    assert editor is not None
    editor.setText("6.000")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on a queued call
    qtbot.waitUntil(lambda: stored(database, PHU_TAM) == (6000, None))
    assert index.data() == "6.000"

    assert panel.model.setData(index_of(panel, PHU_TAM, DAILY), "182")
    assert stored(database, PHU_TAM) == (6000, 182)
    check = index_of(panel, CHAU_THANH, CHECK)
    assert str(check.data()).startswith("⚠ Lệch")
    assert check.data(Qt.ItemDataRole.BackgroundRole) is not None
    assert not panel.banner.isHidden()
    assert "Huyện Châu Thành" in panel.banner.text()
    assert "Lệch" in panel.selected_status.text()


def test_a_bad_number_is_refused_with_a_message(
    panel: TargetsPanel, recorded: RecordingMessages, database: Database
) -> None:
    assert not panel.model.setData(index_of(panel, "941", TOTAL), "50,8")
    assert recorded.shown[-1][0] == "error"
    assert "không phải số nguyên" in recorded.shown[-1][2]
    assert not panel.model.setData(index_of(panel, "941", DAILY), "60.000")
    assert "lớn hơn chỉ tiêu cả đợt" in recorded.shown[-1][2]
    assert not panel.model.setData(index_of(panel, PHU_TAM, DAILY), "30")
    assert "chưa có chỉ tiêu cả đợt" in recorded.shown[-1][2]
    assert stored(database, "941") == (50802, 1539)


def test_clearing_a_total_removes_the_target(panel: TargetsPanel, database: Database) -> None:
    assert panel.model.setData(index_of(panel, PHU_TAM, TOTAL), "1.000")
    assert panel.model.setData(index_of(panel, PHU_TAM, TOTAL), "")
    assert stored(database, PHU_TAM) == (None, None)


def test_proportional_split_sums_exactly(
    qtbot: QtBot, panel: TargetsPanel, recorded: RecordingMessages, database: Database
) -> None:
    panel.model.setData(index_of(panel, PHU_TAM, TOTAL), "100")  # a mismatch to fix
    panel.select(PHU_TAM)  # a commune selected: its district is shared
    assert panel.share_button.text() == "&Chia theo tỉ lệ: Huyện Châu Thành"
    qtbot.mouseClick(panel.share_button, Qt.MouseButton.LeftButton)
    assert recorded.shown[0][0] == "confirm"  # it would overwrite Phú Tâm's target
    assert recorded.shown[-1][1] == "Đã chia chỉ tiêu"
    with database.session() as session:
        tree = UnitTree.load(session)
    communes = tree.children[tree.by_code[CHAU_THANH].id]
    assert sum(c.target_total or 0 for c in communes) == 46680
    assert sum(c.target_daily or 0 for c in communes) == 1415
    assert index_of(panel, CHAU_THANH, CHECK).data() == "Khớp"
    assert index_of(panel, CHAU_THANH, SUM).data() == "46.680 · ngày 1.415"
    assert panel.banner.isHidden()


def test_the_split_can_be_declined(
    qtbot: QtBot, panel: TargetsPanel, recorded: RecordingMessages, database: Database
) -> None:
    panel.model.setData(index_of(panel, PHU_TAM, TOTAL), "100")
    recorded.answer = False
    panel.select(CHAU_THANH)
    qtbot.mouseClick(panel.share_button, Qt.MouseButton.LeftButton)
    assert stored(database, PHU_TAM) == (100, None)


def test_import_from_a_plan_like_sheet(
    qtbot: QtBot,
    panel: TargetsPanel,
    recorded: RecordingMessages,
    database: Database,
    tmp_path: Path,
) -> None:
    rows = [list(r) for r in PLAN_ROWS]
    rows[4][2] = "50.900"  # TP Sóc Trăng, changed from the preset's 50.802
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "chi-tieu.xlsx"
    workbook.save(path)
    panel.ask_open_path = lambda parent: path
    qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    kind, title, text = recorded.shown[-1]
    assert (kind, title) == ("warning", "Đã nhập chỉ tiêu, có dòng không ghi")
    assert "Dòng 9: «Huyện Không Có»" in text
    assert "Đã ghi chỉ tiêu cho 5 đơn vị." in text
    assert stored(database, "941") == (50900, 1539)
    assert index_of(panel, "941", TOTAL).data() == "50.900"


def test_an_unreadable_file_says_so(
    qtbot: QtBot, panel: TargetsPanel, recorded: RecordingMessages, tmp_path: Path
) -> None:
    path = tmp_path / "chi-tieu.pdf"
    path.write_text("not a sheet")
    panel.ask_open_path = lambda parent: path
    qtbot.mouseClick(panel.import_button, Qt.MouseButton.LeftButton)
    assert recorded.shown[-1][:2] == ("error", "Không nhập được chỉ tiêu")
