"""Consent records that stand up: which notice (a version), when, by whom, on what legal
basis; through the desk, spreadsheets and packages, past the purge and the upgrade."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.codes import ConsentBasis, Role, Status
from models.database import sqlite_url
from models.entities import AuditEntry, Case, CaseEvent
from services.cases.detail import case_detail
from services.cases.records import import_records
from services.common.errors import ValidationError
from services.common.resources import resource_path
from services.counting.tally import TallyBy, tally
from services.exchange.packages import ImportSummary, export_package, import_package, merge_records
from services.privacy.consent import (
    BEFORE_VERSIONS,
    NOTICE_FILE,
    LegalBasisSetting,
    NoticeHeard,
    current_notice,
    legal_basis,
    notices,
    set_legal_basis,
)
from services.privacy.purge import set_grace_days
from services.security.accounts import account_id
from services.security.audit_labels import describe_details
from services.security.permissions import PermissionDeniedError
from services.security.session_context import Actor
from services.upkeep.database import Database, open_database
from services.upkeep.local_settings import LocalSettings
from services.upkeep.settings import LocalChoice, save_settings
from tests.factories import CLI, World, known_world, vn
from tests.paths import DATA
from tests.services.cases.test_records_import import BINH, good_rows, write_csv
from tests.shared_desk import operator_at_phu_tam, save_at_desk
from tests.shared_packages import hoa_case, package_head
from tests.shared_purge import purge_after_the_campaign
from tests.shared_records import LINH, record_row

LAW = "Kế hoạch số 142/KH-UBND ngày 20/7/2023 của UBND tỉnh Sóc Trăng"
PASS = "mat-khau-cua-goi"
SHIPPED_0001 = DATA / "kichhoat-0001.sqlite"


def admin(world: World) -> Actor:
    return Actor(world.other_operator.id, "minh.tv", "Trần Văn Minh", Role.ADMIN, None)


def record_of(session: Session, case_id: int) -> list[tuple[Any, ...]]:
    """(notice, at, basis, law, operator) of every event of the case, oldest first."""
    return [
        (e.consent_notice, e.consent_at, e.consent_basis, e.consent_legal_reference, e.operator_id)
        for e in session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.changed_at)
        )
    ]


# -- the notice --------------------------------------------------------------------------


def test_every_notice_file_names_its_own_version_and_the_newest_is_read() -> None:
    files = sorted(p.name for p in resource_path("notices").iterdir() if p.suffix == ".json")
    assert files and all(NOTICE_FILE.match(name) for name in files)
    shipped = notices()
    assert list(shipped) == [f"v{n}" for n in range(1, len(files) + 1)]
    assert current_notice() is list(shipped.values())[-1]
    v1 = shipped["v1"]
    assert v1.issued == date(2026, 12, 2) and v1.label == "phiên bản v1, ngày 02/12/2026"
    assert "quyền từ chối" in " ".join(v1.text(ConsentBasis.CONSENT))
    under_law = " ".join(v1.text(ConsentBasis.LEGAL_DUTY, LAW))
    assert LAW in under_law and "quyền từ chối" not in under_law
    assert v1.part(ConsentBasis.CONSENT).confirmation == "Công dân đã nghe thông báo và đồng ý"


def test_a_notice_version_once_shipped_is_never_edited() -> None:
    """Records name the version the citizen heard: its text must stay what they heard.
    To change the notice, add thong-bao-v2.json (see the file's _comment)."""
    raw = json.loads(resource_path("notices", "thong-bao-v1.json").read_text(encoding="utf-8"))
    raw.pop("_comment")
    digest = hashlib.sha256(
        json.dumps(raw, ensure_ascii=False, sort_keys=True).encode("utf-8")
    ).hexdigest()
    assert digest == "c5df3ebefe401e0aa3a91024b9d4249676dcf60c99690abbe5c2a6319283ef22", digest


# -- the legal basis setting ---------------------------------------------------------------


def test_the_legal_basis_is_an_audited_setting_for_administrators(session: Session) -> None:
    world = World(session)
    session.commit()
    assert legal_basis(session) == LegalBasisSetting(ConsentBasis.CONSENT, None)
    with pytest.raises(PermissionDeniedError):
        set_legal_basis(
            session, operator_at_phu_tam(world), LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW)
        )
    with pytest.raises(ValidationError, match="văn bản pháp luật"):
        set_legal_basis(session, admin(world), LegalBasisSetting(ConsentBasis.LEGAL_DUTY, " "))
    with pytest.raises(ValidationError, match="ký tự"):
        set_legal_basis(
            session, admin(world), LegalBasisSetting(ConsentBasis.LEGAL_DUTY, "Luật\u200b 91")
        )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0

    assert set_legal_basis(
        session, admin(world), LegalBasisSetting(ConsentBasis.LEGAL_DUTY, f"  {LAW} ")
    )
    session.commit()
    assert legal_basis(session) == LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW)
    assert not set_legal_basis(
        session, admin(world), LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW)
    )
    # Back to consent: the law is dropped with it.
    assert set_legal_basis(session, admin(world), LegalBasisSetting(ConsentBasis.CONSENT, "bỏ qua"))
    session.commit()
    assert legal_basis(session) == LegalBasisSetting()
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "settings").order_by(AuditEntry.id)
    ).all()
    assert len(entries) == 2 and entries[0].username == "minh.tv"
    assert json.loads(entries[0].details) == {
        "setting": "legal_basis",
        "before": {"basis": "consent", "legal_reference": None},
        "after": {"basis": "legal_duty", "legal_reference": LAW},
    }
    shown = describe_details(entries[0].details)
    assert "Căn cứ xử lý dữ liệu cá nhân" in shown and "theo quy định của pháp luật" in shown
    assert "legal_duty" not in shown


def test_the_settings_call_saves_the_legal_basis_with_its_audit_entry(
    session: Session, tmp_path: Path
) -> None:
    world = World(session)
    session.commit()
    choice = LocalChoice(slip_format="a6", printer_name=None, idle_lock_minutes=5)
    save_settings(
        session,
        admin(world),
        LocalSettings(),
        choice,
        folder=tmp_path,
        legal_basis=LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW),
    )
    session.commit()
    assert legal_basis(session).legal_reference == LAW


# -- the desk ----------------------------------------------------------------------------


def test_a_new_case_at_the_desk_keeps_which_notice_when_by_whom_and_on_what_basis(
    session: Session,
) -> None:
    world = World(session)
    session.commit()
    heard = NoticeHeard("v1", datetime(2023, 7, 20, 1, 28, tzinfo=UTC))
    saved = save_at_desk(world, 1, Status.REGISTERED, "2023-07-20 08:30", notice=heard)
    session.commit()
    assert record_of(session, saved.case.id) == [
        ("v1", heard.at, "consent", None, world.operator.id)
    ]
    # The citizen comes back: the later report carries no second record.
    save_at_desk(world, 1, Status.ACTIVATED, "2023-07-22 09:00")
    session.commit()
    assert [r[2] for r in record_of(session, saved.case.id)] == ["consent", None]
    detail = case_detail(session, saved.case.id)
    assert len(detail.consent) == 1
    shown = detail.consent[0].describe()
    assert "phiên bản v1, ngày 02/12/2026" in shown and "xác nhận lúc 20/07/2023 08:28" in shown
    assert "Nguyễn Thị Lan" in shown and "Công an xã Phú Tâm" in shown
    assert "sự đồng ý của công dân" in shown
    assert [e.consent is not None for e in detail.history] == [True, False]


def test_without_a_notice_given_a_new_case_records_the_current_one_at_the_save(
    session: Session,
) -> None:
    world = World(session)
    session.commit()
    saved = save_at_desk(world, 2, Status.REGISTERED, "2023-07-20 08:30")
    session.commit()
    assert record_of(session, saved.case.id) == [
        (current_notice().version, vn("2023-07-20 08:30"), "consent", None, world.operator.id)
    ]


def test_an_unknown_notice_version_is_refused(session: Session) -> None:
    world = World(session)
    session.commit()
    with pytest.raises(ValidationError, match="v99"):
        save_at_desk(world, 3, Status.REGISTERED, notice=NoticeHeard("v99", vn("2023-07-20 08:30")))


def test_the_legal_basis_setting_changes_what_is_stored(session: Session) -> None:
    world = World(session)
    set_legal_basis(session, admin(world), LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW))
    session.commit()
    heard = NoticeHeard("v1", vn("2023-07-20 08:29"))
    saved = save_at_desk(world, 4, Status.REGISTERED, "2023-07-20 08:30", heard)
    session.commit()
    [(notice, _at, basis, law, _operator)] = record_of(session, saved.case.id)
    assert (notice, basis, law) == ("v1", "legal_duty", LAW)
    shown = case_detail(session, saved.case.id).consent[0].describe()
    assert "thực hiện nhiệm vụ theo quy định của pháp luật" in shown and LAW in shown


def test_the_schema_refuses_a_half_written_record(session: Session) -> None:
    world = World(session)
    session.commit()
    saved = save_at_desk(world, 5, Status.REGISTERED, "2023-07-20 08:30")
    session.commit()
    event = saved.case.history[0]
    for broken in (
        {"consent_at": None},
        {"consent_basis": "legal_duty"},  # without its law
        {"consent_basis": "something_else"},
    ):
        for name, value in broken.items():
            setattr(event, name, value)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


# -- spreadsheets ------------------------------------------------------------------------


def test_an_imported_row_that_brings_a_case_in_is_recorded_as_from_a_list(
    session: Session, tmp_path: Path
) -> None:
    World(session)
    set_legal_basis(session, CLI, LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW))
    session.commit()
    path = write_csv(tmp_path / "ho-so.csv", good_rows())
    import_records(session, CLI, path, write_rejects=False)
    session.commit()
    for id_number, level, first_at, username in (
        (LINH, 1, "2023-07-20 08:30", "lan.nt"),
        (BINH, 2, "2023-07-21 10:00", "minh.tv"),
    ):
        case = session.scalars(
            select(Case).where(Case.id_number == id_number, Case.level == level)
        ).one()
        rows = record_of(session, case.id)
        assert len(rows) == 2
        notice, at, basis, law, operator = rows[0]
        # Which notice was read is not known; the moment and operator are the row's.
        assert (notice, at, basis, law) == (None, vn(first_at), "imported", LAW)
        assert operator == account_id(session, username)
        assert rows[1][:4] == (None, None, None, None)  # the later row: none
        shown = case_detail(session, case.id).consent[0].describe()
        assert "Thông báo không rõ phiên bản" in shown and "nhập từ danh sách" in shown
        assert f"thời điểm ghi trên dòng {first_at[8:10]}/{first_at[5:7]}/2023" in shown
    again = import_records(session, CLI, path, write_rejects=False)
    session.commit()
    assert again.unchanged == 4
    assert (
        session.scalar(
            select(func.count()).select_from(CaseEvent).where(CaseEvent.consent_basis.is_not(None))
        )
        == 2
    )


def test_a_row_about_a_case_already_here_adds_no_record(session: Session, tmp_path: Path) -> None:
    world = World(session)
    session.commit()
    desk = save_at_desk(world, 9, Status.REGISTERED, "2023-07-19 08:00")
    session.commit()
    facts = world.facts(9)
    row = record_row(
        id_number=facts.id_number,
        full_name=facts.full_name,
        status="Đã kích hoạt",
        moment="22/07/2023 09:15",
    )
    import_records(session, CLI, write_csv(tmp_path / "x.csv", [row]), write_rejects=False)
    session.commit()
    assert [r[2] for r in record_of(session, desk.case.id)] == ["consent", None]


# -- packages ----------------------------------------------------------------------------


def consent_rows(session: Session) -> set[tuple[Any, ...]]:
    return {
        (e.uid, e.consent_notice, e.consent_at, e.consent_basis, e.consent_legal_reference)
        for e in session.scalars(select(CaseEvent))
    }


def test_records_travel_in_packages(session: Session, other: Database, tmp_path: Path) -> None:
    world = World(session)
    set_legal_basis(session, CLI, LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW))
    session.commit()
    for tail in (1, 2):
        heard = NoticeHeard("v1", vn("2023-07-20 08:2" + str(tail)))
        save_at_desk(world, tail, Status.REGISTERED, "2023-07-20 08:30", notice=heard)
    session.commit()
    export_package(session, CLI, tmp_path / "goi.kpkg", PASS)
    session.commit()
    with other.session() as target:
        import_package(target, CLI, tmp_path / "goi.kpkg", PASS)
        target.commit()
        assert consent_rows(target) == consent_rows(session)
        assert {r[3] for r in consent_rows(target)} == {"legal_duty"}


def _old_package_records() -> list[dict[str, Any]]:
    """A package body as versions before consent records wrote it (body version 2)."""
    empty = {"phone": None, "address": None, "help_reason": None, "notes": None}
    return [*package_head(), hoa_case(uid="u-old-1", claim=empty)]


def test_a_package_written_before_consent_records_imports_with_none(session: Session) -> None:
    summary = merge_records(session, _old_package_records(), ImportSummary(path=Path("cu.kpkg")))
    session.commit()
    assert (summary.new, summary.refused) == (1, 0)
    case = session.scalars(select(Case)).one()
    assert record_of(session, case.id)[0][:4] == (None, None, None, None)
    assert case_detail(session, case.id).consent == ()
    assert "Không rõ" in BEFORE_VERSIONS


@pytest.mark.parametrize(
    "consent",
    [
        "v1",
        {"basis": "consent"},  # no moment
        {"basis": "who_knows", "at": "2023-07-20T01:00:00+00:00"},
        {"basis": "legal_duty", "at": "2023-07-20T01:00:00+00:00"},  # no law
        {"basis": "consent", "at": "2023-07-20T01:00:00"},  # no time zone
        {"basis": "consent", "at": "2023-07-20T01:00:00+00:00", "notice": 7},
    ],
)
def test_a_malformed_record_refuses_its_case_only(session: Session, consent: object) -> None:
    records = _old_package_records()
    records[2]["events"][0]["consent"] = consent
    summary = merge_records(session, records, ImportSummary(path=Path("x.kpkg")))
    assert summary.refused == 1 and "đồng ý" in summary.refusals[0]
    session.rollback()


# -- the purge, the tallies, the upgrade ---------------------------------------------------


def test_the_purge_keeps_the_consent_records(
    database: Database, session: Session, tmp_path: Path
) -> None:
    world = World(session)
    set_legal_basis(session, CLI, LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW))
    session.commit()
    save_at_desk(world, 1, Status.ACTIVATED, "2023-07-20 08:30")
    session.commit()
    before = {r[1:] for r in consent_rows(session)}
    set_grace_days(session, CLI, 0)
    purge_after_the_campaign(session, database, tmp_path, days=5)
    assert {r[1:] for r in consent_rows(session)} == before
    case = session.scalars(select(Case)).one()
    assert case.full_name == "(đã xóa)"
    assert len(case_detail(session, case.id).consent) == 1


def test_the_legal_basis_changes_no_figure(session: Session) -> None:
    known_world(session)
    as_of = date(2023, 8, 1)
    before = tally(session, as_of, TallyBy.COMMUNE).as_json()
    set_legal_basis(session, CLI, LegalBasisSetting(ConsentBasis.LEGAL_DUTY, LAW))
    session.commit()
    assert tally(session, as_of, TallyBy.COMMUNE).as_json() == before


def test_cases_saved_before_versions_read_as_not_known_after_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "cu.sqlite3"
    shutil.copyfile(SHIPPED_0001, path)
    database = open_database(sqlite_url(path), backups=tmp_path / "backups")
    try:
        with database.session() as session:
            events = session.scalars(select(CaseEvent)).all()
            assert events
            assert all(
                (e.consent_notice, e.consent_at, e.consent_basis) == (None, None, None)
                for e in events
            )
            first = session.scalars(select(Case.id)).first()
            assert first is not None
            assert case_detail(session, first).consent == ()
    finally:
        database.dispose()
