"""Consent at the desk, in the settings and in the case detail, driven by keys."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from models.codes import ConsentBasis, Role, Status
from models.entities import AuditEntry, Case, CaseEvent
from services.common.vntime import set_clock
from services.desk.intake import IntakeResult, save_intake
from services.privacy.consent import (
    BEFORE_VERSIONS,
    LegalBasisSetting,
    legal_basis,
    set_legal_basis,
)
from services.upkeep.database import Database
from tests.factories import CLI, World
from tests.ui import keys
from tests.ui.desk.test_intake_flow import choose, scan_card, type_text
from tests.ui.screens import ALT, show_active
from tests.ui.security.test_security_ui import SHOTS_ENV, context_for, window_for
from tests.ui.upkeep.test_admin_dialogs import while_modal
from ui.cases.detail import CaseDetailDialog
from ui.desk.flow import IntakeFlow
from ui.privacy.notice_dialog import NoticeDialog
from ui.shell.context import AppContext
from ui.upkeep.settings_dialog import SettingsDialog

CTRL = Qt.KeyboardModifier.ControlModifier
LAW = "Kế hoạch số 142/KH-UBND ngày 20/7/2023 của UBND tỉnh Sóc Trăng"
TICKED = datetime(2023, 7, 20, 1, 28, 5, tzinfo=UTC)
SAVED = datetime(2023, 7, 20, 1, 31, 40, tzinfo=UTC)


class Moment:
    """The services' clock, moved by the test."""

    def __init__(self) -> None:
        self.now = TICKED

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def moment() -> Iterator[Moment]:
    clock = Moment()
    set_clock(clock)
    yield clock
    set_clock(None)


def save_shot(widget: QWidget, name: str) -> None:
    folder = os.environ.get(SHOTS_ENV)
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / name))


def to_consent_step(qtbot: QtBot, flow: IntakeFlow) -> None:
    scan_card(qtbot, flow)
    type_text(qtbot, flow.identify.phone, "0912345678")
    qtbot.keyClick(flow, Qt.Key.Key_Return, CTRL)
    assert flow.step() == 1


def tick_consent(qtbot: QtBot, flow: IntakeFlow) -> None:
    """Alt+Y, the box's mnemonic, as the clerk presses it once the citizen agreed."""
    assert not flow.check_step.consent.isChecked()
    qtbot.keyClick(flow, Qt.Key.Key_Y, ALT)
    qtbot.waitUntil(flow.check_step.consent.isChecked)


def save_from_consent_step(qtbot: QtBot, flow: IntakeFlow, status: Status) -> None:
    qtbot.keyClick(flow, Qt.Key.Key_Return, CTRL)
    qtbot.keyClick(flow, Qt.Key.Key_Return, CTRL)
    assert flow.step() == 3
    choose(qtbot, flow, status)
    with qtbot.waitSignal(flow.case_saved):
        qtbot.keyClick(flow, Qt.Key.Key_S, CTRL)


def consent_columns(database: Database) -> list[tuple[object, ...]]:
    with database.session() as session:
        return [
            (
                e.consent_notice,
                e.consent_at,
                e.consent_basis,
                e.consent_legal_reference,
                e.operator_id,
                e.changed_at,
            )
            for e in session.scalars(select(CaseEvent).order_by(CaseEvent.id))
        ]


def test_the_desk_keeps_the_notice_read_when_the_box_was_ticked_and_by_whom(
    qtbot: QtBot, flow: IntakeFlow, database: Database, moment: Moment
) -> None:
    to_consent_step(qtbot, flow)
    check = flow.check_step
    assert "Văn bản phiên bản v1, ngày 02/12/2026" in check.notice_about.text()
    assert "sự đồng ý của công dân" in check.notice_about.text()
    assert "quyền từ chối" in check.notice_text.text()
    assert check.consent.text() == "Công dân đã nghe thông báo và đồng ý (&Y)"
    save_shot(flow, "ban-thu-nhan-thong-bao.png")
    tick_consent(qtbot, flow)
    moment.now = SAVED  # the clerk guides the citizen for a few minutes, then saves
    save_from_consent_step(qtbot, flow, Status.ACTIVATED)
    actor = flow.context.actor
    assert actor is not None
    assert consent_columns(database) == [("v1", TICKED, "consent", None, actor.operator_id, SAVED)]


def test_under_a_state_bodys_duty_the_desk_reads_the_law_and_keeps_it(
    qtbot: QtBot, flow: IntakeFlow, database: Database, moment: Moment
) -> None:
    # Set on another computer after this desk was opened: read again for the next citizen.
    with database.session() as session:
        set_legal_basis(session, CLI, LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW))
        session.commit()
    to_consent_step(qtbot, flow)
    check = flow.check_step
    assert check.consent.text() == "Đã đọc thông báo cho công dân nghe (&Y)"
    assert LAW in check.notice_text.text() and "quyền từ chối" not in check.notice_text.text()
    assert "theo quy định của pháp luật" in check.notice_about.text()
    save_shot(flow, "ban-thu-nhan-thong-bao-nhiem-vu.png")
    qtbot.keyClick(flow, Qt.Key.Key_Return, CTRL)  # not yet confirmed: refused, and why
    assert flow.step() == 1
    assert "đã đọc thông báo" in flow.banner.text()
    tick_consent(qtbot, flow)
    save_from_consent_step(qtbot, flow, Status.REGISTERED)
    [(notice, at, basis, law, _operator, _changed)] = consent_columns(database)
    assert (notice, at, basis, law) == ("v1", TICKED, "legal_duty", LAW)


def test_a_returning_citizen_is_not_recorded_again_and_a_new_level_needs_the_box(
    qtbot: QtBot, flow: IntakeFlow, database: Database, moment: Moment
) -> None:
    to_consent_step(qtbot, flow)
    tick_consent(qtbot, flow)
    save_from_consent_step(qtbot, flow, Status.REGISTERED)

    moment.now = SAVED
    to_consent_step(qtbot, flow)  # the same card, two days later
    check = flow.check_step
    assert check.consent.isChecked()  # on record since the first visit
    qtbot.keyClick(flow, Qt.Key.Key_2, ALT)  # level 2: a new case, its own confirmation
    qtbot.waitUntil(lambda: check.level() == 2)
    assert not check.consent.isChecked()
    qtbot.keyClick(flow, Qt.Key.Key_1, ALT)
    qtbot.waitUntil(lambda: check.level() == 1)
    assert check.consent.isChecked()
    save_from_consent_step(qtbot, flow, Status.ACTIVATED)
    rows = consent_columns(database)
    assert [row[2] for row in rows] == ["consent", None]
    assert rows[0][1] == TICKED


def test_the_whole_notice_opens_large_enough_to_read_aloud(qtbot: QtBot, flow: IntakeFlow) -> None:
    to_consent_step(qtbot, flow)
    qtbot.keyClick(flow, Qt.Key.Key_X, ALT)
    qtbot.waitUntil(lambda: flow.check_step.notice_dialog is not None)
    dialog = flow.check_step.notice_dialog
    assert isinstance(dialog, NoticeDialog)
    qtbot.waitUntil(dialog.isVisible)
    assert "phiên bản v1" in dialog.windowTitle()
    assert "Thời gian lưu" in dialog.text.text() and "quyền từ chối" in dialog.text.text()
    dialog.resize(1366 // 2, 768 - 100)
    save_shot(dialog, "thong-bao-toan-van.png")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_an_administrator_sets_the_legal_basis_in_the_settings(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    context = context_for(database, Role.ADMIN, tmp_path)
    window = window_for(qtbot, context)

    def drive(dialog: QWidget) -> None:
        assert isinstance(dialog, SettingsDialog)
        assert not dialog.legal_reference.isEnabled()  # consent needs no law
        qtbot.keyClick(dialog, Qt.Key.Key_X, ALT)  # Căn cứ &xử lý dữ liệu cá nhân
        assert QApplication.focusWidget() is dialog.basis
        qtbot.keyClick(dialog.basis, Qt.Key.Key_Down)
        assert dialog.legal_reference.isEnabled()
        save_shot(dialog, "cai-dat-can-cu.png")
        assert dialog.height() <= 768
        qtbot.keyClick(dialog, Qt.Key.Key_V, ALT)  # &Văn bản pháp luật làm căn cứ
        assert QApplication.focusWidget() is dialog.legal_reference
        keys.type_text(dialog.legal_reference, LAW)
        qtbot.keyClick(dialog.legal_reference, Qt.Key.Key_Return)  # &Lưu

    errors = while_modal(qtbot, drive)
    window.security.open_settings()
    if errors:
        raise errors[0]
    with database.session() as session:
        assert legal_basis(session) == LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW)
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "settings")).one()
        assert entry.username == "hoa.lt"
        assert json.loads(entry.details)["after"] == {"basis": "legal_duty", "legal_reference": LAW}


def test_a_manager_sees_the_legal_basis_but_cannot_change_it(
    qtbot: QtBot, database: Database, tmp_path: Path
) -> None:
    with database.session() as session:
        set_legal_basis(session, CLI, LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW))
        session.commit()
    context = context_for(database, Role.MANAGER, tmp_path)
    dialog = SettingsDialog(context, printers=[])
    qtbot.addWidget(dialog)
    assert dialog.basis.currentData() == "legal_duty" and dialog.legal_reference.text() == LAW
    assert not dialog.basis.isEnabled() and not dialog.legal_reference.isEnabled()


def open_detail(qtbot: QtBot, context: AppContext, case_id: int) -> CaseDetailDialog:
    dialog = CaseDetailDialog(context, case_id)
    show_active(qtbot, dialog)  # its mnemonics need it
    return dialog


def test_the_case_detail_shows_the_consent_record(
    qtbot: QtBot, flow: IntakeFlow, database: Database, moment: Moment, context: AppContext
) -> None:
    to_consent_step(qtbot, flow)
    tick_consent(qtbot, flow)
    save_from_consent_step(qtbot, flow, Status.REGISTERED)
    with database.session() as session:
        case_id = session.scalars(select(Case.id)).one()
    dialog = open_detail(qtbot, context, case_id)
    shown = dialog.consent.text()
    assert "Thông báo phiên bản v1, ngày 02/12/2026" in shown
    assert "20/07/2023 08:28" in shown  # Vietnam time of the tick
    assert "Nguyễn Thị Lan" in shown and "Công an xã Phú Tâm" in shown
    assert "căn cứ: sự đồng ý của công dân" in shown
    assert (
        "Ghi nhận: thông báo phiên bản v1, ngày 02/12/2026, xác nhận lúc 20/07/2023 08:28; "
        "căn cứ: sự đồng ý của công dân" in dialog.history_text()
    )
    save_shot(dialog, "chi-tiet-ho-so-thong-bao.png")
    assert dialog.notice_button.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_T, ALT)  # Xem &thông báo đã đọc
    qtbot.waitUntil(lambda: dialog.notice_dialog is not None and dialog.notice_dialog.isVisible())
    assert dialog.notice_dialog is not None
    assert "quyền từ chối" in dialog.notice_dialog.text.text()


def test_a_case_saved_before_versions_says_not_known(
    qtbot: QtBot, database: Database, context: AppContext
) -> None:
    with database.session() as session:
        world = World(session)
        actor = context.actor
        assert actor is not None
        saved = save_intake(
            session, actor, world.draft(3), IntakeResult(1, Status.REGISTERED), consent=True
        )
        for event in saved.case.history:  # as the upgrade leaves events saved before
            event.consent_notice = event.consent_basis = event.consent_at = None
        session.commit()
        case_id = saved.case.id
    dialog = open_detail(qtbot, context, case_id)
    assert dialog.consent.text() == BEFORE_VERSIONS
    assert not dialog.notice_button.isVisible()
    assert "Ghi nhận:" not in dialog.history_text()
