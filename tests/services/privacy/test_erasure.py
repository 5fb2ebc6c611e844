"""Erasure that holds: after the purge no name, phone, address, note or ID number of the
campaign is left in the database file, its WAL or any backup file; the encrypted backup made
first opens with its passphrase and with nothing else."""

from __future__ import annotations

import shutil
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, Text, event, select
from sqlalchemy.orm import Session

from models.base import Base
from models.codes import FailureReason, Role, Status
from models.entities import Case, CaseContact, CaseEvent
from services.campaigns.campaign import active_campaign
from services.cases.recording import CaseFacts, correct_activation_moment
from services.common.errors import UserError
from services.common.text import fold
from services.counting.tally import TallyBy, tally
from services.desk.follow_up import add_contact
from services.exchange.crypto import MIN_PASSPHRASE, PackageError
from services.privacy.purge import (
    ERASED,
    FREE_TEXT_COLUMNS,
    KEPT_TEXT_COLUMNS,
    purge_personal_data,
    purge_state,
)
from services.security.session_context import Actor
from services.upkeep.backup import (
    BEFORE_PURGE_PREFIX,
    BEFORE_RESTORE_PREFIX,
    PassphraseNeededError,
    automatic_backup,
    backup_before,
    backups_folder,
    check_backup,
    database_file,
    restore_backup,
    restore_points,
)
from services.upkeep.database import Database
from services.upkeep.encrypted_backup import ENCRYPTED_SUFFIX, is_encrypted_backup
from services.upkeep.upgrade import BACKUP_PREFIX as UPGRADE_PREFIX
from tests.factories import KE_SACH, PHU_TAM, PHUONG_5, World, id_number_for
from tests.shared_corrections import correct
from tests.shared_purge import purge_confirmed

PASSPHRASE = "Sao-luu-truoc-khi-xoa-2023"
# Names, phones, addresses and notes no other test data uses: each must vanish.
NAMES = (
    "Quách Thị Diễm Kiều",
    "Ông Văn Thạch Sanh",
    "Lục Thị Hạnh Nguyên",
    "Thạch Văn Khươl",
    "Diệp Thị Huỳnh Hoa",
    "Tăng Văn Khởi Nghĩa",
)
PHONES = ("0987111201", "0912111302", "0376111403", "0868111504", "0909111605", "0833111706")
ADDRESSES = tuple(f"Ấp Phước Thọ {n}, đường Trần Hưng Đạo số {n}7" for n in range(1, 7))
OTHER_NAME = "Quách Thị Diễm Kiềuu"  # what another report said about the first person
FAILURE_NOTE = "Ông Sanh báo máy hỏng, gọi lại số 0945222801 sau 17 giờ"
CORRECTION_REASON = "Chị Lục Thị Hạnh Nguyên báo SĐT mới 0987333401, ấp Phú Hòa Đông"
CORRECTED_PHONE = "0987333401"
CASE_NOTE = "Con gái Diệp Thị Huỳnh Hoa đi cùng, nhà gần chợ Bưng Cốc"
CONTACT_NOTE = "Gọi 0912444501, hẹn anh Khởi Nghĩa chiều thứ Bảy ở nhà văn hóa ấp"
MOVED_REASON = "Anh Thạch Văn Khươl kích hoạt lúc 9 giờ tại nhà, nhập nhầm giờ"


@dataclass(frozen=True)
class Campaign:
    world: World
    secrets: tuple[str, ...]  # every personal value written, as stored (NFC)


def _six_citizens(world: World) -> list[CaseFacts]:
    communes = (PHU_TAM, KE_SACH, PHUONG_5)
    facts = []
    for index, (name, phone, address) in enumerate(zip(NAMES, PHONES, ADDRESSES, strict=True)):
        born = date(1960 + 7 * index, 1 + index, 3 + index)
        sex = "Nữ" if " Thị " in name else "Nam"
        facts.append(
            CaseFacts(
                id_number=id_number_for(born, sex, 910_000 + index),
                full_name=name,
                birth_date=born,
                sex=sex,
                phone=phone,
                address=address,
                residence_commune_id=world.tree.commune(communes[index % 3]).id,
            )
        )
    return facts


def _write_free_texts_after(session: Session, world: World, facts: list[CaseFacts]) -> None:
    """After the reports: a correction of the third case, a moved activation of the fourth,
    a contact note on the sixth (committed)."""
    admin = Actor(None, "cli:test", "Quản trị", Role.ADMIN, None)
    by_number = {c.id_number: c for c in session.scalars(select(Case))}
    third = by_number[facts[2].id_number]
    values = {"phone": CORRECTED_PHONE, "notes": CASE_NOTE}
    opened = (third.id, third.version)
    correct(session, admin, opened, CORRECTION_REASON, world.operator.id, values=values)
    fourth = by_number[facts[3].id_number]
    assert fourth.activated_at is not None
    correct_activation_moment(
        session,
        fourth,
        fourth.activated_at - timedelta(hours=2),
        MOVED_REASON,
        world.operator.id,
        None,
    )
    operator = Actor(world.operator.id, "lan.nt", "Lan", Role.OPERATOR, world.point_phu_tam.id)
    add_contact(session, operator, by_number[facts[5].id_number].id, CONTACT_NOTE)
    session.commit()


def generate_campaign(session: Session) -> Campaign:
    """Six citizens with every kind of free text: a failure note, a correction with its
    reason (new phone, address, note), a contact note, a moved activation, and a second
    report that disagrees with the first (a conflict)."""
    world = World(session)
    facts = _six_citizens(world)
    for index, person in enumerate(facts):
        world.record(person, world.report(Status.REGISTERED, f"2023-07-2{index} 08:00"))
    world.record(facts[0], world.report(Status.ACTIVATED, "2023-07-25 09:00"))
    other = CaseFacts(**{**facts[0].__dict__, "full_name": OTHER_NAME})
    world.record(other, world.report(Status.ACTIVATED, "2023-07-25 10:00", point="phuong_5"))
    world.record(
        facts[1],
        world.report(
            Status.FAILED, "2023-07-26 08:00", reason=FailureReason.OTHER, note=FAILURE_NOTE
        ),
    )
    world.record(facts[3], world.report(Status.ACTIVATED, "2023-07-26 11:00"))
    session.commit()
    _write_free_texts_after(session, world, facts)
    numbers = tuple(f.id_number for f in facts)
    texts = (
        *NAMES,
        OTHER_NAME,
        *PHONES,
        *ADDRESSES,
        FAILURE_NOTE,
        CORRECTION_REASON,
        CORRECTED_PHONE,
        CASE_NOTE,
        CONTACT_NOTE,
        MOVED_REASON,
    )
    return Campaign(world, (*numbers, *texts, *(fold(name) for name in NAMES)))


def needles(secrets: tuple[str, ...]) -> set[bytes]:
    """Every value as UTF-8 in NFC (as stored) and NFD, and its longest word-free pieces
    (the digits of a phone inside a note)."""
    found: set[bytes] = set()
    for value in secrets:
        for form in ("NFC", "NFD"):
            found.add(unicodedata.normalize(form, value).encode("utf-8"))
    return found


def leaks(path: Path, secrets: set[bytes]) -> list[str]:
    data = path.read_bytes()
    return [s.decode("utf-8") for s in secrets if s in data]


def every_file(folder: Path) -> Iterator[Path]:
    yield from (p for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def sqlite_only(database: Database) -> Database:
    """The SQLite database with `secure_delete` off on every connection, as in the Python
    builds for Windows (Debian's SQLite turns it on by default: deleted content would be
    zeroed here and not at a counter)."""
    if not database.is_sqlite:
        pytest.skip("the files of an SQLite database; a PostgreSQL server is its admin's")

    def insecure(connection: Any, _record: Any) -> None:
        connection.execute("PRAGMA secure_delete=OFF")

    database.engine.dispose()
    event.listen(database.engine, "connect", insecure)
    return database


def _assert_the_encrypted_copy_restores(database: Database, data: Path, backup: Path) -> None:
    """The encrypted copy the purge made: listed, refused without or with a wrong
    passphrase, restored with the right one (and it holds everything as it was)."""
    db_path = database_file(database)
    listed = [p for p in restore_points(data, db_path) if p.encrypted]
    assert [p.path for p in listed] == [backup]
    assert listed[0].kind == "trước khi xóa dữ liệu cá nhân (mã hóa)"
    with pytest.raises(PassphraseNeededError, match="mã hóa"):
        check_backup(backup)
    with pytest.raises(PackageError, match="Sai mật khẩu"):
        check_backup(backup, "mat-khau-khong-dung")
    assert check_backup(backup, PASSPHRASE).cases == 6
    restore_backup(database, campaign_admin(), backup, data, passphrase=PASSPHRASE)
    with database.session() as session:
        names = set(session.scalars(select(Case.full_name)))
        reasons = set(session.scalars(select(CaseEvent.reason)))
    assert names == set(NAMES) and CORRECTION_REASON in reasons


def test_after_the_purge_no_personal_value_is_left_in_any_file(
    sqlite_only: Database, tmp_path: Path
) -> None:
    database = sqlite_only
    data = tmp_path / "du-lieu"
    with database.session() as session:
        campaign = generate_campaign(session)
        before = {by: tally(session, date(2023, 7, 31), by).as_json() for by in TallyBy}
        code = active_campaign(session).code
        conflicted = session.scalar(select(Case.has_conflict).where(Case.full_name == NAMES[0]))
    assert conflicted, "the second report disagreeing with the first is a conflict"
    db_path = database_file(database)
    secrets = needles(campaign.secrets)
    assert leaks(db_path, secrets) or leaks(db_path.with_name(db_path.name + "-wal"), secrets)

    # Copies holding the personal data: automatic, before a restore, a plain one made before
    # a purge by the earlier version, before an upgrade (here and, as earlier versions kept
    # it, in the backups root), and a broken file set aside at start-up.
    automatic = automatic_backup(database, data)
    assert automatic is not None
    restore_backup(database, campaign_admin(), automatic, data)  # makes truoc-khoi-phuc-*
    backup_before(database, BEFORE_PURGE_PREFIX, data)
    own = backups_folder(data, db_path)
    shutil.copyfile(automatic, own / f"{UPGRADE_PREFIX}0006-20230801-101010.sqlite3")
    root = backups_folder(data)
    legacy = root / f"{UPGRADE_PREFIX}0004-20230701-090000.sqlite3"
    shutil.copyfile(automatic, legacy)
    (own / f".{BEFORE_RESTORE_PREFIX}20230801-000000-000000.sqlite3.part").write_bytes(
        automatic.read_bytes()[:50_000]
    )
    broken = db_path.with_name(db_path.name + ".hong-20230802-070000-000000")
    shutil.copyfile(automatic, broken)
    # Another database's copy before an upgrade in the shared root: other people, kept.
    stranger = root / f"{UPGRADE_PREFIX}0004-20230601-090000.sqlite3"
    _stranger_copy(stranger, code)
    assert all(leaks(p, secrets) for p in own.iterdir() if p.suffix == ".sqlite3")

    result = purge_personal_data(
        database, campaign_admin(), today=date(2030, 1, 1), backups=data, passphrase=PASSPHRASE
    )

    assert result.cases == 6 and result.file_rewritten and not result.removal.failed
    assert result.backup is not None and result.backup.name.endswith(ENCRYPTED_SUFFIX)
    assert legacy in result.removal.deleted and broken in result.removal.deleted
    assert stranger.exists() and not broken.exists()
    remaining = sorted(p.name for p in every_file(own))
    assert remaining == [result.backup.name]
    wal = db_path.with_name(db_path.name + "-wal")
    for path in [db_path, wal, *every_file(root), *db_path.parent.glob(db_path.name + "*")]:
        if path.exists():
            assert leaks(path, secrets) == [], path
    assert wal.stat().st_size == 0
    with database.session() as session:
        assert {by: tally(session, date(2023, 7, 31), by).as_json() for by in TallyBy} == before
        assert purge_state(session).cases_with_personal_data == 0

    _assert_the_encrypted_copy_restores(database, data, result.backup)


def campaign_admin() -> Actor:
    return Actor(None, "cli:test", "Quản trị", Role.ADMIN, None)


def _stranger_copy(path: Path, code: str) -> None:
    """A copy of another database of the same campaign: none of these citizens."""
    connection = sqlite3.connect(path)
    try:
        connection.execute("CREATE TABLE campaigns (code TEXT)")
        connection.execute("CREATE TABLE cases (id_number TEXT)")
        connection.execute("INSERT INTO campaigns VALUES (?)", (code,))
        connection.execute("INSERT INTO cases VALUES ('094199000001')")
        connection.commit()
    finally:
        connection.close()


def test_every_free_text_is_erased_and_the_codes_stay(database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        generate_campaign(session)
    purge_confirmed(database, campaign_admin(), date(2030, 1, 1), tmp_path, PASSPHRASE)
    with database.session() as session:
        events = list(session.scalars(select(CaseEvent)))
        reasons = {e.kind: e.reason for e in events if e.reason is not None}
        assert set(reasons.values()) == {ERASED}
        assert {e.failure_note for e in events if e.failure_note} == {ERASED}
        changes = " ".join(e.changes or "" for e in events)
        assert CORRECTED_PHONE not in changes and "Bưng Cốc" not in changes
        assert '"activated_at"' in changes  # a moved activation still counts on its new day
        assert {c.note for c in session.scalars(select(CaseContact))} == {ERASED}
        cases = list(session.scalars(select(Case)))
        assert all(c.notes is None and c.failure_note is None for c in cases)
        assert not any(c.has_conflict for c in cases)
        assert {c.status for c in cases} >= {Status.FAILED.value, Status.ACTIVATED.value}


def test_every_text_column_of_every_table_is_decided() -> None:
    """A new text column must be added to the purge's erased or kept list (with why)."""
    columns = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, String | Text)
    }
    assert columns == set(FREE_TEXT_COLUMNS) | set(KEPT_TEXT_COLUMNS)
    assert not set(FREE_TEXT_COLUMNS) & set(KEPT_TEXT_COLUMNS)
    assert all(why for why in KEPT_TEXT_COLUMNS.values())


def test_the_purge_needs_a_long_enough_passphrase_and_changes_nothing_without(
    sqlite_only: Database, tmp_path: Path
) -> None:
    with sqlite_only.session() as session:
        generate_campaign(session)
    for wrong in (None, "x" * (MIN_PASSPHRASE - 1)):
        with pytest.raises(UserError, match=r"(?i)mật khẩu"):
            purge_personal_data(
                sqlite_only,
                campaign_admin(),
                today=date(2030, 1, 1),
                backups=tmp_path,
                passphrase=wrong,
            )
    with sqlite_only.session() as session:
        assert purge_state(session).cases_with_personal_data == 6
    assert not backups_folder(tmp_path).exists()


def test_an_encrypted_backup_is_not_a_package_and_a_package_not_a_backup(
    sqlite_only: Database, tmp_path: Path
) -> None:
    from services.exchange.packages import export_package, import_package
    from services.upkeep.backup import encrypted_backup_before_purge

    with sqlite_only.session() as session:
        generate_campaign(session)
    backup = encrypted_backup_before_purge(sqlite_only, PASSPHRASE, tmp_path)
    assert is_encrypted_backup(backup)
    with sqlite_only.session() as session, pytest.raises(PackageError, match="bản sao lưu mã hóa"):
        import_package(session, campaign_admin(), backup, PASSPHRASE)
    with sqlite_only.session() as session:
        package = export_package(session, campaign_admin(), tmp_path / "g.kpkg", PASSPHRASE).path
        session.commit()
    with pytest.raises(PackageError, match="là gói dữ liệu"):
        check_backup(package, PASSPHRASE)
