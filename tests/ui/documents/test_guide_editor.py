"""The guide editor (edit, preview, print preview, PDF) and the citizen slip's print path."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import Status
from models.entities import AuditEntry, Setting
from services.documents.guides import GuideLayout, load_guide
from services.documents.sheets import Sheet, write_pdf
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.factories import World
from tests.pdf_tools import pdf_page_size_mm, pdf_qr_codes, pdf_text
from tests.ui.screens import lan, minh, point_info
from ui.desk.slip_print import print_slip
from ui.documents.guide_editor import GuideDialog
from ui.documents.printing import preview_dialog, set_preview_runner, set_save_path_asker
from ui.shell.context import AppContext
from ui.widgets.messages import RecordingMessages

NEW_PLAY = "https://play.google.com/store/apps/details?id=com.vnid&hl=vi"


@pytest.fixture
def context(database: Database) -> AppContext:
    with database.session() as session:
        world = World(session)
        point, actor = point_info(world.point_phu_tam), lan(world)
        session.commit()
    return AppContext(
        database=database, settings=LocalSettings(slip_format="80mm"), actor=actor, point=point
    )


def open_dialog(qtbot: QtBot, context: AppContext) -> GuideDialog:
    dialog = GuideDialog(context)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def line(dialog: GuideDialog, name: str) -> QLineEdit:
    editor = dialog.editors[name]
    assert isinstance(editor, QLineEdit)
    return editor


def refused_link(
    qtbot: QtBot, context: AppContext, name: str, url: str, previews: list[Sheet]
) -> tuple[GuideDialog, str]:
    """The dialog opened and `url` typed as the `name` link: neither saved nor printed;
    returns the dialog and the error it shows."""
    dialog = open_dialog(qtbot, context)
    line(dialog, name).setText(url)
    assert dialog.save() is False
    error = dialog.error.text()
    dialog.print_preview()
    assert previews == []
    return dialog, error


def test_editing_saves_per_point_and_the_preview_follows(
    qtbot: QtBot, context: AppContext, recorded: RecordingMessages
) -> None:
    dialog = open_dialog(qtbot, context)
    assert dialog.point_code() == context.point.code  # type: ignore[union-attr]
    assert line(dialog, "point_name").text() == "Công an xã Phú Tâm"
    assert dialog.preview.pixmap() is not None and not dialog.preview.pixmap().isNull()
    before = dialog.preview_image.copy()

    line(dialog, "play_url").setText(NEW_PLAY)
    line(dialog, "hours").setText("06:30 – 22:00 hằng ngày")
    steps = dialog.editors["level1_steps"]
    assert isinstance(steps, QPlainTextEdit)
    steps.setPlainText("Bước một.\nBước hai.")
    qtbot.waitUntil(lambda: dialog.preview_image != before, timeout=3000)
    assert dialog.is_dirty()

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert recorded.shown[-1][:2] == ("info", "Đã lưu")
    assert not dialog.is_dirty()
    with context.database.session() as session:
        saved = load_guide(session, context.point.code)  # type: ignore[union-attr]
    assert saved.play_url == NEW_PLAY and saved.level1_steps == ("Bước một.", "Bước hai.")
    dialog.close()


def test_bad_url_is_shown_and_blocks_saving_and_printing(
    qtbot: QtBot, context: AppContext, recorded: RecordingMessages, previews: list[Sheet]
) -> None:
    dialog, error = refused_link(qtbot, context, "docs_url", "tailieuhuongdan.dean06.vn", previews)
    assert "Liên kết tài liệu hướng dẫn «tailieuhuongdan.dean06.vn» không hợp lệ" in error
    with context.database.session() as session:
        assert load_guide(session, context.point.code).docs_url.startswith("https://")  # type: ignore[union-attr]
    recorded.answer = True  # "close and drop the changes?"
    dialog.close()
    assert any(kind == "confirm" for kind, _, _ in recorded.shown)


def test_print_preview_opens_and_the_pdf_is_saved(
    qtbot: QtBot, context: AppContext, recorded: RecordingMessages, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, context)
    dialog.set_layout(GuideLayout.CARDS)
    line(dialog, "play_url").setText(NEW_PLAY)

    # The real print preview, as the button opens it (shown, not exec'd, so the test goes on).
    opened: list[QPrintPreviewDialog] = []

    def run_preview(parent: QWidget | None, sheet: Sheet) -> None:
        preview = preview_dialog(parent, sheet)
        qtbot.addWidget(preview)
        opened.append(preview)
        preview.show()

    previous = set_preview_runner(run_preview)
    try:
        qtbot.mouseClick(dialog.print_button, Qt.MouseButton.LeftButton)
    finally:
        set_preview_runner(previous)
    assert len(opened) == 1
    preview = opened[0]
    qtbot.waitExposed(preview)
    widget = preview.findChild(QPrintPreviewWidget)
    assert widget is not None
    qtbot.waitUntil(lambda: widget.pageCount() == 1, timeout=5000)
    assert preview.windowTitle().startswith("Xem trước khi in")
    printer = preview.printer()
    size = printer.pageLayout().pageSize().size(printer.pageLayout().pageSize().Unit.Millimeter)
    assert (round(size.width()), round(size.height())) == (210, 297)
    assert printer.outputFormat() in (
        QPrinter.OutputFormat.NativeFormat,
        QPrinter.OutputFormat.PdfFormat,
    )
    preview.close()

    # «Lưu PDF…» writes what the form shows.
    target = tmp_path / "the.pdf"
    set_save_path_asker(lambda parent, title, suggested: target)
    try:
        qtbot.mouseClick(dialog.pdf_button, Qt.MouseButton.LeftButton)
    finally:
        from ui.documents.printing import _ask_save_path

        set_save_path_asker(_ask_save_path)
    assert recorded.shown[-1][:2] == ("info", "Đã lưu PDF")
    codes = pdf_qr_codes(target)
    assert codes[NEW_PLAY] == 8 and sum(codes.values()) == 32
    assert "Công an xã Phú Tâm" in pdf_text(target)
    dialog.saved = dialog.form_content()  # nothing to ask on close
    dialog.close()


def test_slip_prints_through_the_preview_in_the_chosen_size(
    context: AppContext, previews: list[Sheet], recorded: RecordingMessages, tmp_path: Path
) -> None:
    with context.database.session() as session:
        world = World(session)
        result = world.record(
            world.facts(tail=5), world.report(Status.APPROVED, "2023-07-22 10:00")
        )
        session.commit()
        case_id = result.case.id
    print_slip(None, context, case_id)
    assert recorded.shown == [] and len(previews) == 1
    sheet = previews[0]
    assert sheet.width_mm == 80
    path = write_pdf(sheet, tmp_path / "slip.pdf")
    assert pdf_page_size_mm(path)[0] == pytest.approx(80, abs=0.5)
    assert "Kích hoạt ngay trên ứng dụng VNeID" in " ".join(pdf_text(path).split())


def test_slip_for_a_missing_case_is_a_message(
    context: AppContext, previews: list[Sheet], recorded: RecordingMessages
) -> None:
    print_slip(None, context, 987_654)
    assert previews == []
    assert recorded.shown[0][:2] == ("error", "Không in được phiếu")
    assert "Không tìm thấy hồ sơ" in recorded.shown[0][2]


def test_another_points_guide_and_links_off_the_allow_list_are_refused(
    qtbot: QtBot, context: AppContext, recorded: RecordingMessages, previews: list[Sheet]
) -> None:
    # A link to a site off the allow-list: named, and who can allow it; nothing saved.
    evil = "https://evil.example/kich-hoat"
    dialog, error = refused_link(qtbot, context, "activation_url", evil, previews)
    assert "tên miền «evil.example», không nằm trong danh sách" in error
    assert "quản trị viên" in error

    # Another point's guide: the operator is refused, in a message box.
    codes = [dialog.point_box.itemData(i) for i in range(dialog.point_box.count())]
    other_code = next(c for c in codes if c != context.point.code)  # type: ignore[union-attr]
    dialog.point_box.setCurrentIndex(codes.index(other_code))
    line(dialog, "hours").setText("Cả ngày chủ nhật")
    assert dialog.save() is False
    assert recorded.shown[-1][:2] == ("error", "Không lưu được")
    assert "sửa tờ hướng dẫn của điểm thu nhận khác" in recorded.shown[-1][2]
    with context.database.session() as session:
        assert session.get(Setting, f"guide.{other_code}") is None
        assert (
            session.scalars(select(AuditEntry).where(AuditEntry.action == "guide_edit")).all() == []
        )

    # Her own point: saved, and the audit log names the point and the field.
    dialog.point_box.setCurrentIndex(dialog.point_box.findData(context.point.code))  # type: ignore[union-attr]
    line(dialog, "hours").setText("Cả ngày chủ nhật")
    assert dialog.save() is True
    with context.database.session() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "guide_edit")).one()
    assert context.point.code in entry.details and "hours" in entry.details  # type: ignore[union-attr]
    dialog.close()


def test_an_operator_sees_another_points_guide_read_only(
    qtbot: QtBot, context: AppContext, database: Database
) -> None:
    """Picking another point's guide in the chooser with the keys: its texts can be read and
    printed, not typed into; the note says why and the save buttons are off. Her own point's
    guide is editable again, and so is any point's for a manager."""
    dialog = open_dialog(qtbot, context)
    own_index = dialog.point_box.currentIndex()
    hours = line(dialog, "hours")
    assert not hours.isReadOnly() and dialog.save_button.isEnabled()
    assert dialog.view_only_note.isHidden()

    dialog.point_box.setFocus()
    other = 1 if own_index == 0 else own_index - 1
    key = Qt.Key.Key_Down if other > own_index else Qt.Key.Key_Up
    qtbot.keyClick(dialog.point_box, key)
    assert dialog.point_box.currentIndex() == other
    before = hours.text()
    hours.setFocus()
    qtbot.keyClicks(hours, "cn")
    assert hours.text() == before and hours.isReadOnly()
    assert not dialog.save_button.isEnabled() and not dialog.reset_button.isEnabled()
    assert dialog.view_only_note.isVisible() and "không sửa được" in dialog.view_only_note.text()
    assert dialog.print_button.isEnabled() and dialog.pdf_button.isEnabled()
    assert not dialog.is_dirty()

    dialog.point_box.setCurrentIndex(own_index)
    assert not hours.isReadOnly() and dialog.save_button.isEnabled()
    dialog.close()

    with database.session() as session:
        manager = minh(World(session))
        session.commit()
    managing = open_dialog(qtbot, replace(context, actor=manager))
    managing.point_box.setCurrentIndex(other)
    assert not line(managing, "hours").isReadOnly() and managing.save_button.isEnabled()
    assert managing.view_only_note.isHidden()
    managing.close()


def test_a_stored_link_off_the_allow_list_is_not_printed(
    qtbot: QtBot, context: AppContext, previews: list[Sheet]
) -> None:
    code = context.point.code  # type: ignore[union-attr]
    with context.database.session() as session:
        session.add(Setting(key=f"guide.{code}", value='{"docs_url": "https://evil.example"}'))
        session.commit()
    dialog = open_dialog(qtbot, context)
    assert line(dialog, "docs_url").text() == "https://evil.example"  # shown, to be corrected
    assert "evil.example" in dialog.error.text()
    dialog.print_preview()
    dialog.save_pdf()
    assert previews == []
    dialog.close()
