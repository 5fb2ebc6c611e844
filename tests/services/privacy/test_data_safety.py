"""The encrypted detail list, the retention purge, backups and restores."""

from __future__ import annotations

import io
import sqlite3
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import msoffcrypto
import pytest
from msoffcrypto.exceptions import InvalidKeyError
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.codes import Role, Status
from models.entities import AuditEntry, Case, CaseContact, CaseEvent
from services.campaigns.campaign import active_campaign
from services.common.errors import ConflictError, StorageError, UserError
from services.counting.tally import TallyBy, tally
from services.desk.follow_up import add_contact
from services.documents.detail_list import write_detail_list
from services.documents.report import build_report
from services.privacy.purge import ERASED, purge_personal_data, purge_state, set_grace_days
from services.security.audit import verify_chain
from services.security.audit_witness import REPORT_TITLE
from services.security.session_context import Actor
from services.upkeep.backup import (
    BackupCheckError,
    automatic_backup,
    backups_folder,
    check_backup,
    create_backup,
    database_file,
    integrity_problem,
    newest_good_backup,
    restore_backup,
    rotate,
)
from services.upkeep.database import Database
from tests.factories import CLI, World, known_world
from tests.shared_corrections import correct
from tests.shared_purge import purge_confirmed

PASSWORD = "mat-khau-PC06"
BACKUP_PASSPHRASE = "mat-khau-sao-luu-2023"


def decrypt(path: Path, password: str) -> io.BytesIO:
    with path.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        assert office.is_encrypted()
        office.load_key(password=password)
        plain = io.BytesIO()
        office.decrypt(plain)
    plain.seek(0)
    return plain


# -- the detail list -----------------------------------------------------------------------


def test_the_detail_list_opens_with_its_password_and_not_without(
    session: Session, tmp_path: Path
) -> None:
    world = known_world(session)
    out = tmp_path / "danh-sach.xlsx"
    result = write_detail_list(session, CLI, out, PASSWORD)
    session.commit()
    assert result.cases == 8
    raw = out.read_bytes()
    assert not raw.startswith(b"PK")  # not a plain workbook
    assert "Trần Thị Mỹ Linh".encode() not in raw
    with pytest.raises(Exception):  # noqa: B017 (openpyxl's own error for a non-zip file)
        load_workbook(out)
    with out.open("rb") as handle, pytest.raises(InvalidKeyError):
        office = msoffcrypto.OfficeFile(handle)
        office.load_key(password="sai-mat-khau")
        office.decrypt(io.BytesIO())
    sheet = load_workbook(decrypt(out, PASSWORD)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("STT", "Số định danh", "Họ và tên")
    names = {row[2] for row in rows[2:]}
    assert "Trần Thị Mỹ Linh" in names and len(rows) == 2 + 8
    assert world.facts(tail=1).id_number in {row[1] for row in rows[2:]}
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "detail_export")).one()
    assert "8 hồ sơ" in entry.summary and "Trần" not in entry.details


def test_the_detail_list_as_of_a_day_shows_the_status_then(
    session: Session, tmp_path: Path
) -> None:
    known_world(session)
    out = tmp_path / "ds.xlsx"
    result = write_detail_list(session, CLI, out, PASSWORD, as_of=date(2023, 7, 20))
    assert result.cases == 2  # case 1 (level 1 and 2) were the only ones by 20/07
    sheet = load_workbook(decrypt(out, PASSWORD)).active
    assert sheet is not None
    statuses = [row[9] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert sorted(statuses) == sorted(["Đã đăng ký", "Đã thu nhận hồ sơ"])


def test_the_detail_list_as_of_a_day_credits_the_point_and_operator_of_then(
    session: Session, tmp_path: Path
) -> None:
    """Registered at Phường 5 on 20/07, activated at Phú Tâm by the other operator on 22/07:
    the list as of 20/07 names Phường 5 and the first operator, today's names Phú Tâm."""
    world = World(session)
    facts = world.facts(tail=9)
    world.record(facts, world.report(Status.REGISTERED, "2023-07-20 08:00", point="phuong_5"))
    later = world.report(Status.ACTIVATED, "2023-07-22 09:00")
    world.record(facts, replace(later, operator_id=world.other_operator.id))
    session.commit()

    def point_and_operator(as_of: date | None) -> tuple[object, object]:
        out = tmp_path / f"ds-{as_of}.xlsx"
        write_detail_list(session, CLI, out, PASSWORD, as_of=as_of)
        sheet = load_workbook(decrypt(out, PASSWORD)).active
        assert sheet is not None
        (row,) = list(sheet.iter_rows(min_row=3, values_only=True))
        return row[12], row[13]

    assert point_and_operator(date(2023, 7, 20)) == (
        world.point_phuong_5.name,
        world.operator.full_name,
    )
    assert point_and_operator(None) == (world.point_phu_tam.name, world.other_operator.full_name)


def test_a_short_password_is_refused(session: Session, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="ít nhất 8"):
        write_detail_list(session, CLI, tmp_path / "x.xlsx", "ngan")
    assert not (tmp_path / "x.xlsx").exists()


def test_a_detail_list_that_cannot_be_written_says_where_and_leaves_nothing(
    session: Session, tmp_path: Path
) -> None:
    known_world(session)
    folder = tmp_path / "xuat"
    folder.mkdir()
    blocker = folder / "khong-phai-thu-muc"
    blocker.write_text("một tệp, không phải thư mục")
    with pytest.raises(StorageError, match=r"Không ghi được tệp «.*ds\.xlsx».*quyền ghi"):
        write_detail_list(session, CLI, blocker / "ds.xlsx", PASSWORD)
    assert [path.name for path in folder.iterdir()] == ["khong-phai-thu-muc"]
    assert not session.scalars(select(AuditEntry).where(AuditEntry.action == "detail_export")).all()


# -- the purge ---------------------------------------------------------------------------


def _everything(session: Session) -> dict[str, object]:
    """Every tally and the report's cells for a few past days."""
    found: dict[str, object] = {}
    for day in (date(2023, 7, 21), date(2023, 7, 25), date(2023, 7, 26)):
        for by in TallyBy:
            found[f"{day}-{by}"] = tally(session, day, by).as_json()
        workbook = build_report(session, day)
        for sheet in workbook.worksheets:
            rows = [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]
            found[f"{day}-{sheet.title}"] = without_audit_footer(rows)
    return found


def without_audit_footer(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The rows above the audit footer: the purge's own audit entries move the chains'
    heads printed there (and its moment), never a figure."""
    for number, row in enumerate(rows):
        if str(row[0] or "").startswith(REPORT_TITLE):
            assert all(not str(r[0] or "").startswith("Tổng cộng") for r in rows[number:])
            return rows[:number]
    return rows


def test_the_purge_keeps_every_tally_and_report_identical(
    database: Database, session: Session, tmp_path: Path
) -> None:
    world = known_world(session)
    case = session.scalars(select(Case).order_by(Case.id)).first()
    assert case is not None
    values = {"phone": "0987654321", "address": "Ấp Phú Hòa"}
    opened = (case.id, case.version)
    correct(session, CLI, opened, "Sai số điện thoại", world.operator.id, values=values)
    operator = Actor(world.operator.id, "lan.nt", "Lan", Role.OPERATOR, world.point_phu_tam.id)
    waiting = session.scalars(select(Case).where(Case.status == Status.APPROVED.value)).one()
    add_contact(session, operator, waiting.id, "Gọi 0912345678, hẹn chị Hoa chiều mai")
    session.commit()
    before = _everything(session)
    campaign = active_campaign(session)
    too_early = campaign.last_day + timedelta(days=10)
    with pytest.raises(ConflictError, match="Chưa được xóa"):
        purge_personal_data(database, CLI, today=too_early, backups=tmp_path)
    set_grace_days(session, CLI, 5)
    session.commit()
    result = purge_confirmed(database, CLI, too_early, tmp_path, BACKUP_PASSPHRASE)
    assert result.cases == 8
    assert (result.backup is not None) == database.is_sqlite
    session.expire_all()
    assert _everything(session) == before
    for purged in session.scalars(select(Case)):
        assert purged.full_name == ERASED and purged.phone is None and purged.address is None
        assert purged.id_number.startswith("X") and len(purged.id_number) == 12
        assert (purged.birth_date.month, purged.birth_date.day) == (1, 1)
    history = " ".join(e.changes or "" for e in session.scalars(select(CaseEvent)))
    assert "0987654321" not in history and "Phú Hòa" not in history
    assert {c.note for c in session.scalars(select(CaseContact))} == {ERASED}
    assert purge_state(session).cases_with_personal_data == 0
    assert verify_chain(session).ok
    assert (
        session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() == "purge"
    )
    if database.is_sqlite:
        assert result.backup is not None
        assert check_backup(result.backup, BACKUP_PASSPHRASE).cases == 8


def test_the_purge_on_a_server_needs_the_backup_confirmed(
    database: Database, session: Session
) -> None:
    known_world(session)
    if database.is_sqlite:
        pytest.skip("SQLite is backed up by the purge itself")
    with pytest.raises(UserError, match="pg_dump"):
        purge_personal_data(database, CLI, today=date(2030, 1, 1))
    assert (
        session.scalar(select(func.count()).select_from(Case).where(Case.full_name == ERASED)) == 0
    )


# -- backups and restores ------------------------------------------------------------------


def test_backup_and_restore(database: Database, session: Session, tmp_path: Path) -> None:
    known_world(session)
    if not database.is_sqlite:
        with pytest.raises(UserError, match="pg_dump"):
            create_backup(database, CLI, tmp_path / "x.sqlite3")
        with pytest.raises(UserError, match="pg_dump"):
            restore_backup(database, CLI, tmp_path / "x.sqlite3", tmp_path)
        return
    saved = create_backup(database, CLI, tmp_path / "sao-luu.sqlite3")
    assert integrity_problem(saved) is None and check_backup(saved).cases == 8
    # After the backup: a case deleted by mistake.
    session.execute(text("DELETE FROM case_history"))
    session.execute(text("DELETE FROM case_contacts"))
    session.execute(text("DELETE FROM cases"))
    session.commit()
    result = restore_backup(database, CLI, saved, tmp_path)
    assert check_backup(result.previous_saved_to).cases == 0  # the state before, kept
    with database.session() as fresh:
        assert fresh.scalar(select(func.count()).select_from(Case)) == 8
        assert verify_chain(fresh).ok
        actions = list(fresh.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-1] == "restore"


def test_restore_refuses_a_bad_file_and_changes_nothing(
    database: Database, session: Session, tmp_path: Path
) -> None:
    if not database.is_sqlite:
        pytest.skip("SQLite only")
    known_world(session)
    garbage = tmp_path / "rac.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupCheckError, match="không phải tệp cơ sở dữ liệu"):
        restore_backup(database, CLI, garbage, tmp_path)
    foreign = tmp_path / "khac.sqlite3"
    with sqlite3.connect(foreign) as other:
        other.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupCheckError, match="thiếu bảng"):
        restore_backup(database, CLI, foreign, tmp_path)
    with pytest.raises(BackupCheckError, match="Không tìm thấy"):
        restore_backup(database, CLI, tmp_path / "khong-co.sqlite3", tmp_path)
    assert session.scalar(select(func.count()).select_from(Case)) == 8
    assert not list(tmp_path.glob("backups/*/*"))  # nothing backed up: nothing was replaced


def test_automatic_backups_rotate(database: Database, tmp_path: Path) -> None:
    if not database.is_sqlite:
        assert automatic_backup(database, tmp_path) is None
        return
    made = [automatic_backup(database, tmp_path) for _ in range(4)]
    assert all(p is not None for p in made)
    db_path = database_file(database)
    folder = backups_folder(tmp_path, db_path)
    assert len(rotate(folder, keep=2)) == 2
    assert sorted(folder.glob("*.sqlite3")) == sorted(p for p in made[2:] if p)
    newest = newest_good_backup(tmp_path, db_path)
    assert newest is not None and newest.path == made[-1]
    assert made[-1] is not None
    made[-1].write_bytes(b"broken")
    newest = newest_good_backup(tmp_path, db_path)
    assert newest is not None and newest.path == made[-2]
    assert newest_good_backup(tmp_path, tmp_path / "another.sqlite3") is None
