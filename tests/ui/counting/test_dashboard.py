"""The dashboard: its numbers against the service, drilling down and back up, the export."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from pytestqt.qtbot import QtBot

from services.counting.dashboard import dashboard
from services.documents.report import SUMMARY
from services.upkeep.database import Database
from tests.factories import CLI, PHU_TAM, known_world
from tests.ui.screens import context_of, show_exposed
from ui.counting.charts import number, paint_bar_chart, paint_line_chart
from ui.counting.dashboard import DashboardPanel
from ui.widgets.messages import RecordingMessages

AS_OF = date(2023, 7, 25)


@pytest.fixture
def panel(qtbot: QtBot, database: Database, recorded: RecordingMessages) -> DashboardPanel:
    with database.session() as session:
        known_world(session)
    made = DashboardPanel(context_of(database, CLI))
    made.set_day(AS_OF)
    show_exposed(qtbot, made, 1366, 700)
    return made


def click_bar(qtbot: QtBot, panel: DashboardPanel, key: str) -> None:
    panel.bars.repaint()
    rect = panel.bars.bar_rect(key)
    assert rect is not None, f"no bar for {key}"
    qtbot.mouseClick(panel.bars, Qt.MouseButton.LeftButton, pos=rect.center().toPoint())


def test_the_tiles_show_the_services_numbers(panel: DashboardPanel, database: Database) -> None:
    with database.session() as session:
        expected = dashboard(session, AS_OF)
    assert panel.day() == AS_OF
    assert panel.board == expected
    assert panel.tile_day.value.text() == "3"
    assert "Chỉ tiêu ngày 17.482" in panel.tile_day.detail.text()
    assert panel.tile_total.value.text() == "0,0 %"
    assert "5 / 576.903" in panel.tile_total.detail.text()
    assert "25,0 %" in panel.tile_total.detail.text()  # 8 of 32 days
    assert panel.tile_days.value.text() == "24"
    assert panel.tile_needed.value.text() == "24.038"  # ceil(576.898 / 24)
    assert "576.898" in panel.tile_needed.detail.text()
    assert panel.tile_levels.value.text() == "3 / 2"
    assert "mức 1 2, mức 2 1" in panel.tile_levels.detail.text()
    assert not panel.timer.isActive()  # SQLite: this computer's saves refresh it


def test_a_bar_per_district_with_its_numbers(panel: DashboardPanel) -> None:
    bars = panel.bars.data.bars
    assert [b.key for b in bars][:4] == ["941", "950", "948", "942"]
    city = next(b for b in bars if b.key == "941")
    assert city.label == "Thành phố Sóc Trăng"
    assert city.value_text == "0,0 %  (2/50.802)"
    assert city.clickable
    assert panel.bars.data.marker == pytest.approx(0.25)
    line = panel.line.data
    assert line.target == 17482
    assert len(line.days) == 32 and len(line.values) == 8
    assert line.values[-1] == 3 and sum(line.values) == 5


def test_drill_down_to_a_commune_and_back_up(
    qtbot: QtBot, panel: DashboardPanel, database: Database
) -> None:
    click_bar(qtbot, panel, "942")
    assert panel.board is not None
    assert [c.name for c in panel.board.path] == ["Tỉnh Sóc Trăng", "Huyện Châu Thành"]
    assert panel.tile_total.detail.text().startswith("2 / 46.680")
    assert [b.text() for b in panel.path_buttons] == ["Tỉnh Sóc Trăng", "Huyện Châu Thành"]
    phu_tam = next(b for b in panel.bars.data.bars if b.key == PHU_TAM)
    assert phu_tam.label == "Xã Phú Tâm" and phu_tam.value_text.startswith("2")

    click_bar(qtbot, panel, PHU_TAM)
    assert panel.board.unit.name == "Xã Phú Tâm"
    assert panel.tile_total.value.text() == "2"  # no commune target: the count
    assert [b.label for b in panel.bars.data.bars] == ["Công an xã Phú Tâm"]
    assert not panel.bars.data.bars[0].clickable
    with database.session() as session:
        assert panel.board == dashboard(session, AS_OF, PHU_TAM)

    qtbot.keyClick(panel.bars, Qt.Key.Key_Backspace)
    assert panel.board.unit.name == "Huyện Châu Thành"
    qtbot.mouseClick(panel.path_buttons[0], Qt.MouseButton.LeftButton)
    assert panel.board.unit.name == "Tỉnh Sóc Trăng"
    assert len(panel.bars.data.bars) == 11
    qtbot.keyClick(panel.bars, Qt.Key.Key_Backspace)  # already at the top: stays
    assert panel.board.unit.name == "Tỉnh Sóc Trăng"


def test_the_keyboard_drills_too(qtbot: QtBot, panel: DashboardPanel) -> None:
    panel.bars.setFocus()
    for _ in range(3):
        qtbot.keyClick(panel.bars, Qt.Key.Key_Down)
    qtbot.keyClick(panel.bars, Qt.Key.Key_Return)
    assert panel.board is not None and panel.board.unit.code == "942"


def test_the_day_is_kept_within_the_campaign(panel: DashboardPanel) -> None:
    panel.set_day(date(2023, 12, 1))
    assert panel.day() == date(2023, 8, 18)
    assert panel.tile_days.value.text() == "0"
    panel.set_day(date(2023, 7, 1))
    assert panel.day() == date(2023, 7, 18)


def test_the_last_day_needs_all_that_is_left_then_the_shortfall_shows(
    panel: DashboardPanel, monkeypatch: pytest.MonkeyPatch
) -> None:
    last_day = date(2023, 8, 18)
    monkeypatch.setattr("ui.counting.dashboard.today_vn", lambda: last_day)
    panel.set_day(last_day)
    panel.refresh()
    assert panel.tile_days.value.text() == "0"
    assert "ngày cuối" in panel.tile_days.detail.text()
    assert panel.board is not None
    unit = panel.board.unit
    assert unit.target_total is not None and unit.remaining == unit.target_total - unit.activated
    left = number(unit.remaining)
    assert panel.tile_needed.caption.text() == "Cần đạt trong ngày cuối"
    assert panel.tile_needed.value.text() == left  # the whole remainder, today

    monkeypatch.setattr("ui.counting.dashboard.today_vn", lambda: date(2023, 8, 19))
    panel.refresh()
    assert panel.board is not None and panel.board.clock.ended
    assert panel.tile_needed.caption.text() == "Còn thiếu so với chỉ tiêu"
    assert panel.tile_needed.value.text() == left
    assert "Đợt đã kết thúc" in panel.tile_needed.detail.text()
    assert "đã kết thúc" in panel.tile_days.detail.text()
    assert "mỗi ngày" not in panel.tile_needed.caption.text()

    # Looking back at a day inside the campaign: the rate that day asked for.
    panel.set_day(AS_OF)
    panel.refresh()
    assert panel.tile_needed.caption.text() == "Cần đạt mỗi ngày"
    assert panel.tile_needed.value.text() == "24.038"


def test_refresh_picks_up_a_new_case(panel: DashboardPanel, database: Database) -> None:
    from models.codes import Status
    from tests.factories import World

    with database.session() as session:
        world = World(session)
        world.record(world.facts(tail=42), world.report(Status.ACTIVATED, "2023-07-25 10:00"))
        session.commit()
    with_signal = []
    panel.refreshed.connect(lambda: with_signal.append(True))
    panel.refresh()
    assert panel.tile_day.value.text() == "4" and with_signal


def test_export_writes_the_workbook_in_the_background(
    qtbot: QtBot, panel: DashboardPanel, recorded: RecordingMessages, tmp_path: Path
) -> None:
    out = tmp_path / "bao-cao.xlsx"
    asked: list[str] = []

    def ask(parent: object, suggested: str) -> Path:
        asked.append(suggested)
        return out

    panel.ask_save_path = ask
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(recorded.shown), timeout=20_000)
    assert asked == ["bao-cao-PC06-2023-07-25.xlsx"]
    kind, title, text = recorded.shown[-1]
    assert (kind, title) == ("info", "Đã xuất báo cáo")
    assert "25/07/2023" in text and str(out) in text
    sheet = load_workbook(out)[SUMMARY]
    names = [row[1] for row in sheet.iter_rows(values_only=True)]
    assert "Thành phố Sóc Trăng" in names


def test_cancelling_the_file_dialog_writes_nothing(
    qtbot: QtBot, panel: DashboardPanel, recorded: RecordingMessages
) -> None:
    panel.ask_save_path = lambda parent, suggested: None
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert panel.last_export is None and recorded.shown == []


def test_the_charts_paint_on_any_device(panel: DashboardPanel) -> None:
    """The print/PDF path: the same painters on a QImage."""
    assert panel.board is not None
    image = QImage(1200, 800, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    hits = paint_bar_chart(painter, image.rect().toRectF(), panel.bar_data(panel.board))
    paint_line_chart(painter, image.rect().toRectF(), panel.line_data(panel.board))
    painter.end()
    assert len(hits) == 11


def test_a_moved_activation_and_the_outside_row_are_shown(
    panel: DashboardPanel, database: Database, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from models.codes import Status
    from models.entities import Case
    from services.cases.recording import correct_activation_moment
    from tests.factories import World, vn

    assert not panel.moved_note.isVisible()
    with database.session() as session:
        world = World(session)
        outside = world.facts(tail=43)
        outside = outside.__class__(**{**outside.__dict__, "residence_commune_id": None})
        world.record(outside, world.report(Status.ACTIVATED, "2023-07-24 10:00"))
        case = session.scalars(select(Case).where(Case.activated_on == AS_OF)).first()
        assert case is not None
        correct_activation_moment(
            session, case, vn("2023-07-24 09:00"), "Ghi nhầm ngày", world.operator.id, None
        )
        session.commit()
    panel.refresh()
    assert panel.moved_note.isVisible()
    assert "ngày 25/07/2023 → ngày 24/07/2023" in panel.moved_note.text()
    assert "Ngoài tỉnh" in panel.note.text() and "không tính vào tỉnh): 1" in panel.note.text()
    assert panel.grab().save(str(tmp_path / "ket-qua.png"))
