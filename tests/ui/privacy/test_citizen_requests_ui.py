"""Citizens' requests in the window: the banner at sign-in, the list and a new request, one
person's data, their copy, a correction through the case's form, the erasure; and the
processing description (Quản trị menu)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from models.codes import RequestKind, RequestStatus, Role
from models.entities import AuditEntry, Case, CitizenRequest, OutreachEntry
from services.common.vntime import today_vn
from services.documents.pages import Document
from services.privacy.requests import log_request
from services.security.session_context import Actor
from services.upkeep.database import DB_ENV, Database
from tests.factories import id_number_for
from tests.pdf_tools import pdf_text
from tests.ui.keys import type_text
from tests.ui.screens import alt, show_active
from tests.ui.security.test_security_ui import context_for, shot, window_for
from tests.ui.upkeep.test_admin_dialogs import saving, while_modal
from ui.cases.correction import CorrectionDialog
from ui.documents import printing
from ui.privacy.processing_description import ProcessingDescriptionDialog
from ui.privacy.requests import OVERDUE_COLOUR, PersonDataDialog, RequestsDialog
from ui.shell.context import AppContext
from ui.widgets.messages import RecordingMessages

LINH = id_number_for(date(1990, 3, 15), "Nữ", 1)  # known_world's case 1 (levels 1 and 2)
LINH_NAME = "Trần Thị Mỹ Linh"


@pytest.fixture(autouse=True)
def no_env_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DB_ENV, raising=False)


def log(context: AppContext, kind: RequestKind, days_ago: int, number: str = LINH) -> int:
    with context.database.session() as session:
        row = log_request(
            session, context.signed_in(), number, kind, today_vn() - timedelta(days=days_ago)
        )
        session.commit()
    return row.id


def test_managers_see_overdue_requests_when_they_sign_in(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context = context_for(database, Role.MANAGER, tmp_path, cases=True)
    log(context, RequestKind.ACCESS, 30)  # due 20 days ago
    log(context, RequestKind.CORRECT, 8, id_number_for(date(1985, 1, 2), "Nam", 2))  # due in 2
    log(context, RequestKind.ERASE, 1, id_number_for(date(1985, 1, 2), "Nam", 3))  # due in 19
    window = window_for(qtbot, context)
    banner = window.requests_banner
    assert banner.isVisible()
    text = banner.text.text()
    assert "1 yêu cầu của người dân đã quá hạn trả lời" in text
    assert "1 yêu cầu sắp đến hạn (trong 3 ngày)" in text
    shot(window, "yeu-cau-nguoi-dan-bang-bao.png")

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, RequestsDialog)
        assert dialog.table.rowCount() == 3
        first = dialog.table.item(0, 6)
        assert first is not None and "quá hạn 20 ngày" in first.text()
        assert first.background().color() == QColor(OVERDUE_COLOUR)
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    errors = while_modal(qtbot, drive)
    qtbot.mouseClick(banner.button, Qt.MouseButton.LeftButton)
    assert errors == []
    # An operator does not answer requests: no banner for them.
    context.actor = Actor(context.signed_in().operator_id, "hoa.lt", "Hoa", Role.OPERATOR, None)
    window.apply_role()
    assert not banner.isVisible()


def test_no_banner_when_nothing_is_due(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    context = context_for(database, Role.ADMIN, tmp_path)
    log(context, RequestKind.ERASE, 0)
    window = window_for(qtbot, context)
    assert not window.requests_banner.isVisible()


def test_a_request_is_logged_and_answered_from_the_list(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    context = context_for(database, Role.MANAGER, tmp_path, cases=True)
    dialog = RequestsDialog(context)
    show_active(qtbot, dialog)
    alt(qtbot, dialog, Qt.Key.Key_D)  # Số định danh
    assert dialog.id_number.hasFocus()
    qtbot.keyClicks(dialog.id_number, LINH)
    alt(qtbot, dialog, Qt.Key.Key_L)  # Loại yêu cầu
    qtbot.keyClick(dialog.kind, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.kind, Qt.Key.Key_Down)
    assert dialog.kind.currentText() == "Xóa dữ liệu"
    alt(qtbot, dialog, Qt.Key.Key_U)  # Ghi chú
    type_text(dialog.note, "Đơn viết tay, nhận tại quầy")
    alt(qtbot, dialog, Qt.Key.Key_G)  # Ghi nhận yêu cầu
    assert recorded.shown[-1][1] == "Đã ghi nhận yêu cầu"
    assert dialog.id_number.text() == ""  # no full number left on screen
    assert dialog.table.rowCount() == 1
    due = (today_vn() + timedelta(days=20)).strftime("%d/%m/%Y")
    cell = dialog.table.item(0, 5)
    assert cell is not None and cell.text() == due
    shot(dialog, "yeu-cau-nguoi-dan.png")
    # A refusal needs its reason; then it is recorded.
    alt(qtbot, dialog, Qt.Key.Key_I)  # Từ chối, without a note
    assert "lý do" in dialog.error.text()
    dialog.answer_note.setFocus()
    type_text(dialog.answer_note, "Dữ liệu đang phục vụ quản lý nhà nước")
    alt(qtbot, dialog, Qt.Key.Key_I)
    with database.session() as session:
        stored = session.scalars(select(CitizenRequest)).one()
        assert stored.status == RequestStatus.REFUSED and stored.id_number is None
    assert "Từ chối" in (dialog.table.item(0, 6) or QWidget()).text()  # type: ignore[union-attr]


def test_a_bad_number_keeps_the_form(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    context = context_for(database, Role.MANAGER, tmp_path)
    dialog = RequestsDialog(context)
    show_active(qtbot, dialog)
    dialog.id_number.setFocus()
    qtbot.keyClicks(dialog.id_number, "09412")
    alt(qtbot, dialog, Qt.Key.Key_G)
    assert "12 chữ số" in dialog.new_error.text() and dialog.id_number.text() == "09412"
    assert dialog.table.rowCount() == 0


def test_looking_up_a_request_opens_the_persons_data(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context = context_for(database, Role.MANAGER, tmp_path, cases=True)
    log(context, RequestKind.ACCESS, 2)
    dialog = RequestsDialog(context)
    show_active(qtbot, dialog)
    seen: list[str] = []

    def drive(person: QWidget) -> None:
        assert isinstance(person, PersonDataDialog)
        person.resize(1366, 768)
        shot(person, "du-lieu-cong-dan.png")
        seen.append(person.view.toPlainText())
        qtbot.keyClick(person, Qt.Key.Key_Escape)

    errors = while_modal(qtbot, drive)
    dialog.table.setFocus()
    alt(qtbot, dialog, Qt.Key.Key_T)  # Tra cứu dữ liệu
    qtbot.waitUntil(lambda: bool(seen) or bool(errors), timeout=10_000)
    assert errors == []
    assert LINH_NAME in seen[0] and "Hồ sơ mức 1" in seen[0] and "Hồ sơ mức 2" in seen[0]
    with database.session() as session:
        lookups = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "person_lookup")
        )
    assert lookups == 1


def _person_dialog(
    qtbot: QtBot, database: Database, tmp_path: Path, request: RequestKind | None, days_ago: int = 0
) -> tuple[PersonDataDialog, int | None]:
    """Linh's data on a manager's screen, for her `request` logged `days_ago` days ago (if
    any); returns the dialog and the request's id."""
    from services.privacy.person_data import find_person

    context = context_for(database, Role.MANAGER, tmp_path, cases=True)
    request_id = log(context, request, days_ago) if request else None
    with context.database.session(read_only=True) as session:
        data = find_person(session, context.signed_in(), LINH)
    dialog = PersonDataDialog(context, data, request_id)
    show_active(qtbot, dialog)
    return dialog, request_id


def test_the_citizens_copy_is_saved_as_a_pdf(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    dialog, request_id = _person_dialog(qtbot, database, tmp_path, RequestKind.ACCESS, 1)
    out = tmp_path / "cong-dan.pdf"
    saving(out)
    alt(qtbot, dialog, Qt.Key.Key_X)  # Xuất PDF cho công dân
    assert recorded.shown[-1][1] == "Đã xuất dữ liệu cho công dân"
    text = " ".join(pdf_text(out).split())
    assert LINH_NAME in text and LINH in text
    with database.session() as session:
        stored = session.get(CitizenRequest, request_id)
        assert stored is not None and stored.status == RequestStatus.ANSWERED


def test_a_correction_goes_through_the_cases_own_form(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    dialog, _ = _person_dialog(qtbot, database, tmp_path, None)
    assert dialog.cases.count() == 2

    def drive(form: QWidget) -> None:
        assert isinstance(form, CorrectionDialog)
        form.phone.selectAll()
        qtbot.keyClicks(form.phone, "0987654321")
        form.reason.setFocus()
        type_text(form.reason, "Công dân yêu cầu sửa số điện thoại")
        qtbot.keyClick(form, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)

    errors = while_modal(qtbot, drive)
    alt(qtbot, dialog, Qt.Key.Key_S)  # Sửa hồ sơ (level 1, the first)
    assert errors == []
    assert "0987654321" in dialog.view.toPlainText()
    assert "Công dân yêu cầu sửa số điện thoại" in dialog.view.toPlainText()


def test_erasing_the_person_from_the_window(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    dialog, request_id = _person_dialog(qtbot, database, tmp_path, RequestKind.ERASE, 3)
    recorded.answer = False
    alt(qtbot, dialog, Qt.Key.Key_A)  # Xóa dữ liệu của người này: asked, and refused
    with database.session() as session:
        assert session.scalar(select(func.count()).where(Case.id_number == LINH)) == 2
    recorded.answer = True
    alt(qtbot, dialog, Qt.Key.Key_A)
    assert recorded.shown[-1][1] == "Đã xóa dữ liệu của công dân"
    assert "Không có hồ sơ nào mang số định danh này" in dialog.view.toPlainText()
    assert not dialog.erase_button.isEnabled()
    with database.session() as session:
        assert session.scalar(select(func.count()).where(Case.id_number == LINH)) == 0
        stored = session.get(CitizenRequest, request_id)
        assert stored is not None and stored.status == RequestStatus.ANSWERED


def test_the_processing_description_from_the_menu(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    context = context_for(database, Role.ADMIN, tmp_path, cases=True)
    window = window_for(qtbot, context)
    action = next(
        a for a in window.security.menu.actions() if a.text() == "Mô tả hoạt động xử lý &dữ liệu…"
    )
    previewed: list[Document] = []
    previous = printing.set_document_preview_runner(lambda _p, document: previewed.append(document))
    out = tmp_path / "mo-ta.pdf"

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, ProcessingDescriptionDialog)
        dialog.resize(1366, 768)
        shot(dialog, "mo-ta-xu-ly-du-lieu.png")
        assert "Thời gian giữ thêm sau đợt" in dialog.view.toPlainText()
        saving(out)
        alt(qtbot, dialog, Qt.Key.Key_L)  # Lưu PDF
        alt(qtbot, dialog, Qt.Key.Key_I)  # In
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    try:
        errors = while_modal(qtbot, drive)
        action.trigger()
    finally:
        printing.set_document_preview_runner(previous)
    assert errors == []
    assert "Mô tả hoạt động xử lý dữ liệu cá nhân" in " ".join(pdf_text(out).split())
    assert [d.title for d in previewed] == ["Mô tả hoạt động xử lý dữ liệu cá nhân"]
    assert recorded.shown[-1][:2] == ("info", "Đã lưu")
    # A manager has no such entry.
    context.actor = Actor(context.signed_in().operator_id, "hoa.lt", "Hoa", Role.MANAGER, None)
    window.apply_role()
    assert not action.isVisible()


def test_a_person_only_on_a_review_list_is_erased_from_the_window(
    qtbot: QtBot, database: Database, tmp_path: Path, recorded: RecordingMessages
) -> None:
    """The erase button was greyed out for a citizen with no case, though the review list
    held their name, phone and address (found by the black-box probe)."""
    from services.outreach.list_import import COLUMNS, import_outreach
    from services.privacy.person_data import find_person
    from tests.factories import CLI, PHU_TAM
    from tests.shared_sheets import write_sheet

    binh = id_number_for(date(1985, 1, 2), "Nam", 777)
    context = context_for(database, Role.MANAGER, tmp_path, cases=False)
    people = [[binh, "Lê Văn Bình", "02/01/1985", "Nam", "0987654321", PHU_TAM, "Ấp 3", "", ""]]
    with database.session() as session:
        import_outreach(session, CLI, write_sheet(tmp_path / "ra-soat.csv", COLUMNS, people))
        session.commit()
    with database.session(read_only=True) as session:
        data = find_person(session, context.signed_in(), binh)
    dialog = PersonDataDialog(context, data, None)
    show_active(qtbot, dialog)
    assert dialog.erase_button.isEnabled() and not dialog.correct_button.isEnabled()
    recorded.answer = True
    alt(qtbot, dialog, Qt.Key.Key_A)
    assert recorded.shown[-1][1] == "Đã xóa dữ liệu của công dân"
    assert "1 người trong danh sách rà soát" in recorded.shown[-1][2]
    assert not dialog.erase_button.isEnabled()
    with database.session() as session:
        assert session.scalar(select(func.count()).where(OutreachEntry.id_number == binh)) == 0
