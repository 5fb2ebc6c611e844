"""The first-start wizard: database, intake point, first administrator, settings saved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog, QWizard
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import PointKind, Role
from models.entities import IntakePoint, Operator
from services.campaigns.directory import create_point
from services.campaigns.units import UnitTree
from services.security.accounts import create_operator, verify_password
from services.upkeep.database import Database
from services.upkeep.first_start import open_campaign_database
from services.upkeep.local_settings import LocalSettings, load_local_settings
from tests.factories import KE_SACH, PHU_TAM
from tests.ui.keys import type_text
from ui.upkeep.setup_wizard import ADMIN_PAGE, DATABASE_PAGE, POINT_PAGE, FirstStartWizard
from ui.widgets.messages import RecordingMessages

PASSWORD = "matkhau123"
Button = QWizard.WizardButton


@pytest.fixture
def settings_folder(tmp_path: Path) -> Path:
    return tmp_path / "cai-dat"


def make_wizard(
    qtbot: QtBot, database: Database | None, settings_folder: Path, local_url: str
) -> FirstStartWizard:
    wizard = FirstStartWizard(
        database, LocalSettings(), settings_folder=settings_folder, local_url=local_url
    )
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def click(wizard: FirstStartWizard, which: QWizard.WizardButton) -> None:
    button = wizard.button(which)
    assert button is not None and button.isVisible() and button.isEnabled()
    button.click()


def commune_id(database: Database, code: str) -> int:
    with database.session() as session:
        return UnitTree.load(session).commune(code).id


def fill_admin(wizard: FirstStartWizard, again: str = PASSWORD) -> None:
    page = wizard.admin_page
    type_text(page.username, "Lan.NT")
    type_text(page.full_name, "Nguyễn Thị Lan")
    type_text(page.organisation, "Công an xã Phú Tâm")
    type_text(page.password, PASSWORD)
    type_text(page.password_again, again)


def test_buttons_speak_vietnamese(
    qtbot: QtBot, database: Database, settings_folder: Path, recorded: RecordingMessages
) -> None:
    wizard = make_wizard(qtbot, database, settings_folder, database.url)
    texts = {wizard.buttonText(b).replace("&", "") for b in (Button.BackButton, Button.NextButton)}
    texts |= {wizard.buttonText(b) for b in (Button.FinishButton, Button.CancelButton)}
    assert texts == {"< Quay lại", "Tiếp tục >", "&Hoàn tất", "Hủy"}
    assert wizard.currentId() == DATABASE_PAGE
    assert wizard.database_page.local.isChecked()
    assert "test.sqlite3" in wizard.database_page.local_path.text()


def test_fresh_database_creates_point_admin_and_settings(
    qtbot: QtBot, database: Database, settings_folder: Path, recorded: RecordingMessages
) -> None:
    wizard = make_wizard(qtbot, database, settings_folder, database.url)
    click(wizard, Button.NextButton)
    assert wizard.currentId() == POINT_PAGE
    page = wizard.point_page
    assert page.new_point.isChecked() and not page.existing.isEnabled()  # no point yet
    type_text(page.name, "Công an xã Phú Tâm")
    page.kind.setCurrentIndex(page.kind.findData(PointKind.POLICE_ID_POINT.value))
    assert page.commune is not None
    page.commune.set_commune(commune_id(database, PHU_TAM))
    click(wizard, Button.NextButton)
    assert wizard.currentId() == ADMIN_PAGE
    fill_admin(wizard)
    click(wizard, Button.FinishButton)

    assert wizard.result() == QDialog.DialogCode.Accepted
    context = wizard.context
    assert context is not None and context.point is not None and context.actor is None
    assert context.database is database and context.settings_folder == settings_folder
    assert (context.point.code, context.point.name) == (f"{PHU_TAM}-01", "Công an xã Phú Tâm")
    with database.session() as session:
        point = session.scalars(select(IntakePoint)).one()
        admin = session.scalars(select(Operator)).one()
    assert point.kind == PointKind.POLICE_ID_POINT.value
    assert (admin.username, admin.full_name, admin.organisation, admin.role) == (
        "lan.nt",
        "Nguyễn Thị Lan",
        "Công an xã Phú Tâm",
        Role.ADMIN.value,
    )
    assert admin.home_point_id == point.id
    assert admin.password_hash is not None and admin.password_hash.startswith("$argon2id$")
    assert PASSWORD not in admin.password_hash
    assert verify_password(admin.password_hash, PASSWORD)

    saved, warning = load_local_settings(settings_folder)
    assert warning is None
    assert (saved.db_url, saved.point_code, saved.last_username) == (
        None,
        f"{PHU_TAM}-01",
        "lan.nt",
    )
    raw = json.loads((settings_folder / "settings.json").read_text(encoding="utf-8"))
    assert PASSWORD not in json.dumps(raw)
    assert recorded.shown == []


def test_admin_page_shows_errors_inline_and_writes_nothing(
    qtbot: QtBot, database: Database, settings_folder: Path, recorded: RecordingMessages
) -> None:
    wizard = make_wizard(qtbot, database, settings_folder, database.url)
    click(wizard, Button.NextButton)
    page = wizard.point_page
    type_text(page.name, "Công an xã Phú Tâm")
    assert page.commune is not None
    page.commune.set_commune(commune_id(database, PHU_TAM))
    click(wizard, Button.NextButton)
    fill_admin(wizard, again="matkhau124")
    wizard.admin_page.password.setText("ngan1")
    click(wizard, Button.FinishButton)

    admin = wizard.admin_page
    assert wizard.isVisible() and wizard.currentId() == ADMIN_PAGE
    assert "quá ngắn" in admin.errors["password"].text()
    assert not admin.errors["password"].isHidden()
    assert "không giống nhau" in admin.errors["password_again"].text()
    assert admin.errors["username"].isHidden()
    assert admin.username.text() == "Lan.NT"  # nothing typed is lost
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(IntakePoint)) == 0
        assert session.scalar(select(func.count()).select_from(Operator)) == 0
    assert not (settings_folder / "settings.json").exists()

    admin.password.setText(PASSWORD)
    admin.password_again.setText(PASSWORD)
    click(wizard, Button.FinishButton)
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert load_local_settings(settings_folder)[0].point_code == f"{PHU_TAM}-01"


def test_point_page_requires_a_name_and_a_commune(
    qtbot: QtBot, database: Database, settings_folder: Path, recorded: RecordingMessages
) -> None:
    with database.session() as session:
        commune = UnitTree.load(session).commune(PHU_TAM)
        create_point(session, "Công an xã Phú Tâm", PointKind.OTHER, commune.id)
        session.commit()
    wizard = make_wizard(qtbot, database, settings_folder, database.url)
    click(wizard, Button.NextButton)
    page = wizard.point_page
    page.new_point.setChecked(True)
    click(wizard, Button.NextButton)
    assert wizard.currentId() == POINT_PAGE
    assert page.name_error.text() == "Chưa ghi tên điểm thu nhận."
    assert "Chọn xã" in page.commune_error.text()
    type_text(page.name, "Công an  xã Phú Tâm")  # cleaned before comparing
    assert page.commune is not None
    page.commune.set_commune(commune.id)
    click(wizard, Button.NextButton)
    assert wizard.currentId() == POINT_PAGE
    assert "đã có điểm tên này" in page.name_error.text()


def test_choosing_an_existing_point(
    qtbot: QtBot, database: Database, settings_folder: Path, recorded: RecordingMessages
) -> None:
    with database.session() as session:
        tree = UnitTree.load(session)
        create_point(session, "Công an xã Phú Tâm", PointKind.OTHER, tree.commune(PHU_TAM).id)
        ke_sach = create_point(
            session, "Bưu điện Kế Sách", PointKind.POST_OFFICE, tree.commune(KE_SACH).id
        )
        session.commit()
    wizard = make_wizard(qtbot, database, settings_folder, database.url)
    click(wizard, Button.NextButton)
    page = wizard.point_page
    assert page.existing.isChecked() and page.picker.count() == 2
    click(wizard, Button.NextButton)  # nothing picked yet
    assert wizard.currentId() == POINT_PAGE
    assert page.picker_error.text() == "Chọn một điểm trong danh sách."
    line = page.picker.lineEdit()
    assert line is not None
    type_text(line, "ke sach")  # no diacritics needed
    assert page.picker.filter.rowCount() == 1
    page.picker.select_point(ke_sach.id)
    click(wizard, Button.NextButton)
    assert wizard.currentId() == ADMIN_PAGE
    fill_admin(wizard)
    click(wizard, Button.FinishButton)
    context = wizard.context
    assert context is not None and context.point is not None
    assert context.point.id == ke_sach.id
    assert load_local_settings(settings_folder)[0].point_code == ke_sach.code
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(IntakePoint)) == 2
        admin = session.scalars(select(Operator)).one()
        assert admin.home_point_id == ke_sach.id


def add_the_admin(session: Session) -> None:
    """Lan's administrator account: the database has its administrator already."""
    create_operator(
        session, username="lan.nt", full_name="Nguyễn Thị Lan", password=PASSWORD, role=Role.ADMIN
    )


def test_second_computer_on_a_shared_database_skips_the_admin_page(
    qtbot: QtBot,
    database: Database,
    tmp_path: Path,
    settings_folder: Path,
    recorded: RecordingMessages,
) -> None:
    # The shared database (here a file standing in for the server) already has an admin.
    with database.session() as session:
        commune = UnitTree.load(session).commune(PHU_TAM)
        add_the_admin(session)
        create_point(session, "Công an xã Phú Tâm", PointKind.OTHER, commune.id)
        session.commit()
    local_url = f"sqlite:///{tmp_path / 'may-nay.sqlite3'}"
    local = open_campaign_database(local_url)
    try:
        wizard = make_wizard(qtbot, local, settings_folder, local_url)
        assert wizard.currentId() == DATABASE_PAGE and wizard.needs_admin
        db_page = wizard.database_page
        db_page.server.setChecked(True)
        type_text(db_page.url, database.url)
        click(wizard, Button.NextButton)
        assert wizard.currentId() == POINT_PAGE
        assert not wizard.needs_admin and not wizard.point_page.joining.isHidden()
        next_button = wizard.button(Button.NextButton)
        assert next_button is not None and not next_button.isVisible()
        page = wizard.point_page
        page.new_point.setChecked(True)
        type_text(page.name, "Bưu điện Phú Tâm")
        assert page.commune is not None
        page.commune.set_commune(commune.id)
        click(wizard, Button.FinishButton)

        context = wizard.context
        assert context is not None and context.point is not None
        assert context.database.url == database.url
        saved = load_local_settings(settings_folder)[0]
        assert (saved.db_url, saved.point_code, saved.last_username) == (
            database.url,
            f"{PHU_TAM}-02",
            None,
        )
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Operator)) == 1
            assert session.scalar(select(func.count()).select_from(IntakePoint)) == 2
        context.database.dispose()
    finally:
        local.dispose()


def test_database_with_an_admin_starts_at_the_point_page(
    qtbot: QtBot, database: Database, settings_folder: Path, recorded: RecordingMessages
) -> None:
    with database.session() as session:
        add_the_admin(session)
        session.commit()
    wizard = make_wizard(qtbot, database, settings_folder, database.url)
    assert wizard.currentId() == POINT_PAGE
    assert wizard.point_page.nextId() == -1


def test_server_without_driver_says_so_and_stays(
    qtbot: QtBot, database: Database, settings_folder: Path, recorded: RecordingMessages
) -> None:
    wizard = make_wizard(qtbot, database, settings_folder, database.url)
    page = wizard.database_page
    page.server.setChecked(True)
    assert page.url.isEnabled() and page.test_button.isEnabled()
    click(wizard, Button.NextButton)
    assert wizard.currentId() == DATABASE_PAGE
    assert page.status.text() == "Chưa ghi địa chỉ máy chủ."
    type_text(page.url, "mysql+pymysql://kichhoat:matkhau@127.0.0.1/kichhoat")
    QTest.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert "trình điều khiển" in page.status.text()
    page.url.clear()
    # A server address where nothing listens: refused at once, with the reason.
    type_text(page.url, "postgresql+psycopg://kichhoat:matkhau@127.0.0.1:1/kichhoat")
    QTest.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    assert "Không kết nối được máy chủ" in page.status.text()
    assert "matkhau" not in page.status.text()  # the password is never shown
    click(wizard, Button.NextButton)
    assert wizard.currentId() == DATABASE_PAGE
    assert wizard.database is database
    page.local.setChecked(True)
    click(wizard, Button.NextButton)
    assert wizard.currentId() == POINT_PAGE
