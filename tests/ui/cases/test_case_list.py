"""The case list panel, the case detail and the correction form."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from models.codes import Role, Status
from services.cases.demo import generate_demo
from services.cases.queries import CaseFilter, CaseRow, fetch_cases
from services.common.errors import StorageError
from services.security.session_context import Actor
from services.upkeep.database import Database
from tests.factories import World
from tests.ui.keys import type_text
from tests.ui.screens import (
    activate,
    approved_at_phuong_5,
    context_of,
    minh,
    one_case,
    pick_row,
    resumed_by,
    staff,
)
from ui.cases.case_list import CaseListPanel
from ui.cases.case_list_model import CaseListModel
from ui.cases.correction import CorrectionDialog
from ui.cases.detail import CaseDetailDialog
from ui.widgets.lazy_model import Column, LazyTableModel
from ui.widgets.messages import RecordingMessages


def admin() -> Actor:
    return Actor(None, "cli:test", "cli:test", Role.ADMIN)


def people(database: Database) -> tuple[Actor, Actor]:
    """Four cases at Phú Tâm, one at Phường 5; a manager and an operator at Phú Tâm."""
    with database.session() as session:
        world = World(session)
        for tail, name in enumerate(
            ["Nguyễn Thị Ánh", "Nguyễn Thị Anh Thư", "Trần Thị Mỹ Linh", "Lê Thị Hoa"], 1
        ):
            world.record(
                world.facts(tail=tail, name=name),
                world.report(Status.REGISTERED, "2023-07-20 08:00"),
            )
        approved_at_phuong_5(world, "Phạm Thị Ánh", "2023-07-20 09:00")
        return staff(world)


def demo_cases(database: Database, count: int) -> None:
    """`count` synthetic cases (seeded: the same ones every run)."""
    with database.session() as session:
        generate_demo(session, count, seed=1)
        session.commit()


def panel_for(qtbot: QtBot, database: Database, actor: Actor) -> CaseListPanel:
    panel = CaseListPanel(context_of(database, actor))
    qtbot.addWidget(panel)
    return panel


def shown_names(panel: CaseListPanel) -> list[str]:
    model = panel.model
    return sorted(str(model.index(row, 1).data()) for row in range(model.rowCount()))


def test_the_case_model_passes_the_model_tester(
    qtmodeltester: ModelTester, database: Database
) -> None:
    demo_cases(database, 450)
    model = CaseListModel()

    def load(after: CaseRow | None, limit: int) -> list[CaseRow]:
        with database.session() as session:
            return fetch_cases(session, admin(), CaseFilter(), after, limit)

    model.set_loader(load)
    qtmodeltester.check(model)
    assert model.rowCount() == 450  # the tester fetched every page
    model.set_loader(None)
    qtmodeltester.check(model)


def test_search_without_diacritics(qtbot: QtBot, database: Database) -> None:
    boss, _ = people(database)
    panel = panel_for(qtbot, database, boss)
    panel.search.setText("nguyen thi anh")
    panel.apply_filter()
    # "Anh Thư" starts with the typed words too; diacritics are ignored (see case_queries).
    assert shown_names(panel) == ["Nguyễn Thị Anh Thư", "Nguyễn Thị Ánh"]
    panel.search.setText("my linh")
    panel.apply_filter()
    assert shown_names(panel) == ["Trần Thị Mỹ Linh"]
    assert "1 hồ sơ" in panel.summary.text()


def test_typing_searches_after_a_pause(qtbot: QtBot, database: Database) -> None:
    boss, _ = people(database)
    panel = panel_for(qtbot, database, boss)
    qtbot.keyClicks(panel.search, "hoa")
    qtbot.waitUntil(lambda: shown_names(panel) == ["Lê Thị Hoa"])


def test_rows_load_lazily(qtbot: QtBot, database: Database) -> None:
    demo_cases(database, 3000)
    panel = panel_for(qtbot, database, admin())
    model = panel.model
    assert panel.total == 3000
    assert 0 < model.rowCount() < 3000
    first = model.rowCount()
    assert model.canFetchMore()
    model.fetchMore()
    assert first < model.rowCount() < 3000
    assert "3.000 hồ sơ" in panel.summary.text()  # Vietnamese digit grouping


def test_past_its_limit_the_list_says_more_than_and_still_scrolls(
    qtbot: QtBot, database: Database
) -> None:
    demo_cases(database, 700)
    panel = panel_for(qtbot, database, admin())
    panel.count_limit = 500  # a city's millions, in small
    panel.apply_filter()
    assert panel.summary.text().startswith("Hơn 500 hồ sơ")
    while panel.model.canFetchMore():
        panel.model.fetchMore()
    assert panel.model.rowCount() == 700  # every case can still be reached


def test_filters(qtbot: QtBot, database: Database) -> None:
    boss, _ = people(database)
    panel = panel_for(qtbot, database, boss)
    assert panel.model.rowCount() == 5
    panel.status.setCurrentIndex(panel.status.findData(Status.APPROVED.value))
    assert shown_names(panel) == ["Phạm Thị Ánh"]
    panel.status.setCurrentIndex(0)
    panel.level.setCurrentIndex(panel.level.findData(2))
    assert shown_names(panel) == []
    assert "Không có hồ sơ" in panel.summary.text()
    panel.level.setCurrentIndex(0)
    panel.operator.setCurrentIndex(panel.operator.findText("Trần Văn Minh (minh.tv)"))
    assert shown_names(panel) == []
    panel.operator.setCurrentIndex(panel.operator.findText("Nguyễn Thị Lan (lan.nt)"))
    assert panel.model.rowCount() == 5
    panel.use_day.setChecked(True)  # today: every case here was saved today
    assert panel.model.rowCount() == 5


def test_an_operator_sees_only_their_point(qtbot: QtBot, database: Database) -> None:
    _, operator = people(database)
    panel = panel_for(qtbot, database, operator)
    assert panel.model.rowCount() == 4
    panel.search.setText("pham thi anh")
    panel.apply_filter()
    assert shown_names(panel) == []
    assert panel.table.isColumnHidden(7)  # the point column: always their own


def test_enter_opens_the_case_with_its_history(qtbot: QtBot, database: Database) -> None:
    boss, _ = people(database)
    panel = panel_for(qtbot, database, boss)
    panel.search.setText("my linh")
    panel.apply_filter()
    panel.table.setCurrentIndex(panel.model.index(0, 0))
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    dialog = panel.detail_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == "Trần Thị Mỹ Linh – Mức 1 – Đã đăng ký"
    assert "Cập nhật trạng thái: Đã đăng ký | Nguyễn Thị Lan | Công an xã Phú Tâm" in (
        dialog.history_text()
    )


def open_linh(
    qtbot: QtBot, database: Database, actor: Actor
) -> tuple[CaseListPanel, CaseDetailDialog, CorrectionDialog]:
    """Linh's case found in the list and opened, and its correction form (not shown yet)."""
    panel = panel_for(qtbot, database, actor)
    panel.search.setText("my linh")
    panel.apply_filter()
    case_id = panel.model.case_id(0)
    assert case_id is not None
    panel.open_case(case_id)
    detail = panel.detail_dialog
    assert detail is not None
    qtbot.addWidget(detail)
    detail.edit()
    form = detail.correction_dialog
    assert form is not None
    return panel, detail, form


def test_a_correction_is_recorded_with_its_reason(
    qtbot: QtBot, database: Database, recorded: RecordingMessages
) -> None:
    boss, _ = people(database)
    panel, detail, form = open_linh(qtbot, database, boss)
    assert form.kind == "facts" and "Không làm đổi ngày kích hoạt" in form.kind_text.text()
    form.full_name.setText("Trần Thị Mỹ Lình")
    form.reason.setText("Nhập sai dấu tên theo thẻ")
    assert form.save()
    assert recorded.shown == []
    detail.edit()
    again = detail.correction_dialog
    assert again is not None
    again.set_kind("status")
    again.status.setCurrentIndex(again.status.findData(Status.APPROVED.value))
    again.reason.setText("Công an đã duyệt")
    assert again.save()
    history = detail.history_text()
    assert "Sửa hồ sơ: Đã đăng ký → Đã duyệt | Trần Văn Minh" in history
    assert "Lý do sửa: Nhập sai dấu tên theo thẻ" in history
    assert "Họ và tên: Trần Thị Mỹ Linh → Trần Thị Mỹ Lình" in history
    assert "Trạng thái: Đã đăng ký → Đã duyệt" in history
    assert detail.heading.text() == "Trần Thị Mỹ Lình – Mức 1 – Đã duyệt"
    panel.search.setText("my linh")
    panel.apply_filter()
    assert shown_names(panel) == ["Trần Thị Mỹ Lình"]  # the list was refreshed


def test_the_form_shows_the_kind_of_correction_chosen_by_key(
    qtbot: QtBot, database: Database, recorded: RecordingMessages
) -> None:
    boss, _ = people(database)
    _, _, form = open_linh(qtbot, database, boss)
    activate(qtbot, form)
    assert form.full_name.isVisible() and not form.status.isVisible()
    qtbot.keyClick(form.reason, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert form.kind == "status" and form.status.hasFocus()
    assert form.status.isVisible() and not form.full_name.isVisible()
    assert "trạng thái đã ghi sai" in form.kind_text.text()
    # Not activated: the moment cannot be corrected.
    assert not form.kind_buttons["moment"].isEnabled()
    qtbot.keyClick(form.status, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert form.kind == "status"
    qtbot.keyClick(form.status, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert form.kind == "facts" and form.full_name.isVisible() and form.full_name.hasFocus()


def test_moving_the_activation_says_which_days_changed(
    qtbot: QtBot, database: Database, recorded: RecordingMessages
) -> None:
    from datetime import date

    from PySide6.QtCore import QDate, QDateTime, QTime

    from services.counting.tally import TallyBy, tally

    one_case(database, Status.ACTIVATED, "2023-07-20 10:00")
    with database.session() as session:
        boss = minh(World(session))
    _, detail, form = open_linh(qtbot, database, boss)
    activate(qtbot, form)
    qtbot.keyClick(form.reason, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert form.kind == "moment" and form.activated_at.hasFocus()
    assert form.activated_at.dateTime().toString("dd/MM/yyyy HH:mm") == "20/07/2023 10:00"
    form.activated_at.setDateTime(QDateTime(QDate(2023, 7, 19), QTime(21, 30)))
    type_text(form.reason, "Ghi nhầm giờ kích hoạt")
    qtbot.keyClick(form.reason, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert form.error.text() == "" and not form.isVisible(), (form.error.text(), recorded.shown)
    (kind, title, text), *_ = recorded.shown
    assert (kind, title) == ("info", "Số liệu đã thay đổi")
    assert "20/07/2023" in text and "19/07/2023" in text
    assert "Sửa thời điểm kích hoạt" in detail.history_text()
    with database.session() as session:
        assert tally(session, date(2023, 7, 19), TallyBy.DISTRICT).total.activated_on_day == 1
        assert tally(session, date(2023, 7, 20), TallyBy.DISTRICT).total.activated_on_day == 0


def test_a_refused_correction_keeps_the_form(
    qtbot: QtBot, database: Database, recorded: RecordingMessages
) -> None:
    boss, _ = people(database)
    _, detail, form = open_linh(qtbot, database, boss)
    form.full_name.setText("Trần Thị Mỹ Lình")
    form.phone.setText("0123")
    form.reason.setText("Sửa tên")
    assert not form.save()
    assert form.isVisible()
    assert form.full_name.text() == "Trần Thị Mỹ Lình"
    assert form.reason.text() == "Sửa tên"
    (kind, title, text), *_ = recorded.shown
    assert (kind, title) == ("error", "Chưa sửa được hồ sơ")
    assert "0123" in text
    assert form.error.text() == text
    form.phone.setText("0912345678")
    form.reason.setText("")
    assert not form.save()
    assert "lý do" in recorded.shown[-1][2]
    assert "Sửa hồ sơ" not in detail.history_text()


def test_keyboard_f4_resumes_and_ctrl_f_searches(qtbot: QtBot, database: Database) -> None:
    boss, _ = people(database)
    panel = panel_for(qtbot, database, boss)
    expected = pick_row(qtbot, panel, 2)
    assert resumed_by(qtbot, panel, Qt.Key.Key_F4) == [expected]
    qtbot.keyClick(panel.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    qtbot.keyClicks(panel.search, "hoa")
    qtbot.keyClick(panel.search, Qt.Key.Key_Down)  # to the table, first row chosen
    assert panel.table.hasFocus()
    assert panel.model.index(panel.table.currentIndex().row(), 1).data() == "Lê Thị Hoa"


def test_the_lazy_model_never_raises(qtbot: QtBot) -> None:
    def broken(row: int) -> str:
        raise ZeroDivisionError

    model: LazyTableModel[int] = LazyTableModel([Column("Số", str), Column("Hỏng", broken)])
    model.set_loader(lambda after, limit: [] if after else [1, 2])
    assert model.index(0, 0).data() == "1"
    assert model.index(0, 1).data() is None  # a cell that cannot be shown shows nothing
    assert not model.canFetchMore()  # the page was short: nothing more

    def unreachable(after: int | None, limit: int) -> list[int]:
        raise StorageError("Không kết nối được máy chủ.")

    with qtbot.waitSignal(model.load_failed) as blocker:
        model.set_loader(unreachable)
    assert blocker.args == ["Không kết nối được máy chủ."]
    assert model.rowCount() == 0
    assert not model.canFetchMore()


def test_the_correction_form_fits_a_counter_laptop(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    """Each kind of correction at 1366x768: the window fits, no choice is cut off; the
    screenshots are kept for a person to look at."""
    boss, _ = people(database)
    _, _, form = open_linh(qtbot, database, boss)
    form.show()
    for kind in ("facts", "status", "moment"):
        form.set_kind(kind)
        QApplication.processEvents()
        assert form.width() <= 1366 and form.height() <= 768, (kind, form.size())
        for button in form.kind_buttons.values():
            assert button.width() >= button.sizeHint().width(), (kind, button.text())
        assert form.kind_text.isVisible() and form.reason.isVisible()
        assert form.grab().save(str(tmp_path / f"sua-ho-so-{kind}.png"))


def test_enter_in_the_search_opens_a_single_result(qtbot: QtBot, database: Database) -> None:
    boss, _ = people(database)
    panel = panel_for(qtbot, database, boss)
    panel.focus_search()
    qtbot.keyClicks(panel.search, "my linh")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    dialog = panel.detail_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.addWidget(dialog)
    assert dialog.heading.text().startswith("Trần Thị Mỹ Linh")


def test_enter_in_the_search_with_several_results_goes_to_the_table(
    qtbot: QtBot, database: Database
) -> None:
    boss, _ = people(database)
    panel = panel_for(qtbot, database, boss)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel)
    panel.focus_search()
    qtbot.keyClicks(panel.search, "nguyen thi")
    qtbot.keyClick(panel.search, Qt.Key.Key_Return)
    assert panel.detail_dialog is None
    assert QApplication.focusWidget() is panel.table
