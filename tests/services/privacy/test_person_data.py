"""Everything held about one citizen: looked up, given to them as a PDF, erased with every
count kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import FailureReason, RequestKind, RequestStatus, Role, Status
from models.entities import AuditEntry, Case, CaseContact, CaseEvent, CitizenRequest, FactSet
from services.cases.detail import correct_opened_case
from services.cases.recording import CaseFacts, Correction
from services.common.errors import ConflictError, NotFoundError
from services.desk.follow_up import add_contact
from services.desk.intake import audit_case_report
from services.privacy.person_data import (
    erase_person,
    export_person_pdf,
    find_person,
    look_up_person,
    person_document,
)
from services.privacy.purge import ERASED, set_grace_days
from services.privacy.requests import log_request
from services.security.audit import verify_chain
from services.security.permissions import PermissionDeniedError
from services.security.session_context import Actor
from services.upkeep.database import Database, sqlite_path
from tests.factories import CLI, KE_SACH, World, id_number_for, known_world
from tests.pdf_tools import pdf_text
from tests.services.privacy.test_data_safety import _everything as every_figure
from tests.shared_corrections import correct
from tests.shared_purge import purge_after_the_campaign

BA = "Huỳnh Thị Bé Ba"
BA_BIRTH = date(1958, 4, 30)
BA_ID = id_number_for(BA_BIRTH, "Nữ", 424242)
BA_PHONE = "0901234567"
NEW_PHONE = "0987000111"
REASON = f"Chị Bé Ba báo SĐT mới {NEW_PHONE}, ấp Phú Hòa"
CALL = f"Gọi {BA_PHONE}, hẹn chị Ba chiều mai"
FAILURE = "Điện thoại của cháu chị Bé Ba hết pin"


@pytest.fixture(autouse=True)
def gui(qapp: QGuiApplication) -> Iterator[None]:
    yield


def ba_facts(world: World, name: str = BA) -> CaseFacts:
    return CaseFacts(
        id_number=BA_ID,
        full_name=name,
        birth_date=BA_BIRTH,
        sex="Nữ",
        phone=BA_PHONE,
        address="Ấp Mỹ Thuận",
        residence_commune_id=world.tree.commune(KE_SACH).id,
    )


def operator_of(world: World) -> Actor:
    return Actor(world.operator.id, "lan.nt", "Lan", Role.OPERATOR, world.point_phu_tam.id)


def with_ba(session: Session) -> World:
    """The known world, and Bé Ba: level 1 failed then activated, level 2 taken with a
    second report giving another name (a conflict), a correction, a call."""
    world = known_world(session)
    actor = operator_of(world)
    facts = ba_facts(world)
    for report in (
        world.report(
            Status.FAILED,
            "2023-07-21 08:00",
            reason=FailureReason.OTHER,
            note=FAILURE,
        ),
        world.report(Status.ACTIVATED, "2023-07-22 09:00"),
        world.report(Status.APPLICATION_TAKEN, "2023-07-22 09:30", level=2),
    ):
        audit_case_report(session, actor, world.record(facts, report))
    other = world.report(Status.APPLICATION_TAKEN, "2023-07-23 10:00", level=2, point="phuong_5")
    world.record(ba_facts(world, name="Huỳnh Thị Ba"), other)  # another point wrote it so
    level1 = session.scalars(select(Case).where(Case.id_number == BA_ID, Case.level == 1)).one()
    by, at_point = world.operator.id, world.point_phu_tam.id
    opened = (level1.id, level1.version)
    correct(session, CLI, opened, REASON, by, at_point, values={"phone": NEW_PHONE})
    level2 = session.scalars(select(Case).where(Case.id_number == BA_ID, Case.level == 2)).one()
    add_contact(session, actor, level2.id, CALL)
    session.commit()
    return world


def test_the_lookup_gathers_every_trace_of_the_person(session: Session) -> None:
    with_ba(session)
    data = find_person(session, CLI, BA_ID)
    assert [case.detail.level for case in data.cases] == [1, 2]
    level1, level2 = data.cases
    assert level1.detail.phone == NEW_PHONE and level1.detail.full_name == BA
    assert len(level1.detail.history) == 3  # failed, activated, the correction
    assert any(FAILURE in (entry.failure_text or "") for entry in level1.detail.history)
    assert [c.reason for c in level1.corrections] == [REASON]
    assert [line.after for line in level1.corrections[0].changes] == [NEW_PHONE]
    assert {r.full_name for r in level2.reports} == {BA, "Huỳnh Thị Ba"}
    assert level2.conflict is not None
    assert [o.full_name for o in level2.conflict.others] == ["Huỳnh Thị Ba"]
    assert [c.note for c in level2.detail.contacts] == [CALL]
    assert level1.conflict is None
    # The audit entries naming either case (reports and the correction), nobody else's.
    assert {m.action_label for m in data.audit} == {"Tạo hồ sơ", "Cập nhật trạng thái", "Sửa hồ sơ"}
    assert len(data.audit) == 4
    assert all("094******" not in m.summary or "242" in m.summary for m in data.audit)
    empty = find_person(session, CLI, id_number_for(date(1970, 1, 1), "Nam", 1))
    assert empty.cases == () and empty.audit == ()


def test_the_lookup_is_for_managers_and_is_logged(session: Session, tmp_path: Path) -> None:
    world = with_ba(session)
    with pytest.raises(PermissionDeniedError):
        find_person(session, operator_of(world), BA_ID)
    with pytest.raises(PermissionDeniedError):
        export_person_pdf(session, operator_of(world), BA_ID, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    manager = replace(operator_of(world), role=Role.MANAGER)
    look_up_person(session, manager, BA_ID)
    session.commit()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "person_lookup")).one()
    assert entry.username == "lan.nt" and BA not in entry.summary and BA_ID not in entry.details
    assert json.loads(entry.details) == {"cases": 2, "id_number": "094******242"}


def test_the_citizens_copy_is_a_vietnamese_pdf_and_answers_the_request(
    session: Session, tmp_path: Path
) -> None:
    with_ba(session)
    request = log_request(session, CLI, BA_ID, RequestKind.ACCESS)
    session.commit()
    result = export_person_pdf(session, CLI, BA_ID, tmp_path / "du-lieu-be-ba")
    session.commit()
    assert result.path == tmp_path / "du-lieu-be-ba.pdf" and result.cases == 2
    assert result.request_id == request.id
    text = " ".join(pdf_text(result.path).split())
    for expected in (
        "Dữ liệu cá nhân đang được lưu giữ",
        f"Số định danh {BA_ID}",
        BA,
        "Huỳnh Thị Ba",  # what the other report said
        NEW_PHONE,
        "Ấp Mỹ Thuận",
        "Thị trấn Kế Sách",
        REASON,
        CALL,
        FAILURE,
        "Hồ sơ mức 1",
        "Hồ sơ mức 2",
        "Thông tin khác nhau đang chờ quản lý quyết định",
        "Nhật ký hệ thống có nhắc đến hồ sơ",
        "Quyền của công dân",
        "Nghị định 356/2025/NĐ-CP",
        "Trang 1/",
    ):
        assert expected in text, expected
    assert "Trần Thị Mỹ Linh" not in text  # nobody else's data
    stored = session.get(CitizenRequest, request.id)
    assert stored is not None and stored.status == RequestStatus.ANSWERED
    assert stored.id_number is None
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "person_export")).one()
    assert json.loads(entry.details)["request_id"] == request.id and BA not in entry.summary


def test_a_copy_for_a_number_with_no_data_says_so(session: Session, tmp_path: Path) -> None:
    unknown = id_number_for(date(1970, 1, 1), "Nam", 1)
    result = export_person_pdf(session, CLI, unknown, tmp_path / "khong-co.pdf")
    session.commit()
    assert result.cases == 0
    assert "Không có hồ sơ nào mang số định danh này" in " ".join(pdf_text(result.path).split())
    # The request was logged as received today and answered at once.
    stored = session.get(CitizenRequest, result.request_id)
    assert stored is not None and stored.status == RequestStatus.ANSWERED


def test_the_document_shows_what_the_erasure_left(session: Session, database: Database) -> None:
    with_ba(session)
    session.commit()
    erase_person(database, CLI, BA_ID)
    session.expire_all()
    assert find_person(session, CLI, BA_ID).cases == ()
    assert "Không có hồ sơ nào" in person_document(find_person(session, CLI, BA_ID)).text()


def _every_value(session: Session, case_ids: list[int]) -> str:
    """Every stored text of these cases, their events, fact sets and calls, as one string."""
    parts: list[str] = []
    for case in session.scalars(select(Case).where(Case.id.in_(case_ids))):
        parts += [case.id_number, case.full_name, case.name_folded, str(case.phone)]
        parts += [str(case.address), str(case.notes), str(case.failure_note)]
        for event in case.history:
            parts += [event.uid, str(event.reason), str(event.changes), str(event.failure_note)]
            if event.fact_set is not None:
                fact_set = event.fact_set
                parts += [fact_set.full_name, str(fact_set.phone), str(fact_set.address)]
                parts.append(fact_set.birth_date.isoformat())
    for contact in session.scalars(select(CaseContact).where(CaseContact.case_id.in_(case_ids))):
        parts.append(contact.note)
    return "\n".join(parts)


def test_erasing_one_person_keeps_every_tally_and_report_identical(
    session: Session, database: Database
) -> None:
    world = with_ba(session)
    # Someone else whose report said exactly what one of Bé Ba's said, but another number:
    # the fact set is shared, and must stay theirs.
    twin = replace(ba_facts(world), id_number=id_number_for(BA_BIRTH, "Nữ", 515151))
    world.record(twin, world.report(Status.ACTIVATED, "2023-07-24 11:00"))
    request = log_request(session, CLI, BA_ID, RequestKind.ERASE, date(2023, 8, 1))
    session.commit()
    ba_cases = list(session.scalars(select(Case.id).where(Case.id_number == BA_ID)))
    operator_id = world.operator.id
    before = every_figure(session)
    cases_before = session.scalar(select(func.count()).select_from(Case))
    session.commit()

    result = erase_person(database, CLI, BA_ID)

    assert (result.cases, result.request_id, result.masked) == (2, request.id, "094******242")
    session.expire_all()
    assert every_figure(session) == before
    assert session.scalar(select(func.count()).select_from(Case)) == cases_before
    stored = _every_value(session, ba_cases)
    for trace in (
        BA,
        "Huỳnh Thị Ba",
        "huynh thi",
        BA_ID,
        BA_PHONE,
        NEW_PHONE,
        "Phú Hòa",
        "Mỹ Thuận",
    ):
        assert trace not in stored, trace
    assert FAILURE not in stored and CALL not in stored and "1958-04-30" not in stored
    for case in session.scalars(select(Case).where(Case.id.in_(ba_cases))):
        assert case.full_name == ERASED and case.id_number.startswith("X")
        assert case.birth_date == date(1958, 1, 1) and not case.has_conflict
        assert case.sex == "Nữ"
    # The twin keeps their own facts, though they shared a fact set with Bé Ba.
    twin_case = session.scalars(select(Case).where(Case.id_number == twin.id_number)).one()
    assert twin_case.full_name == BA and twin_case.phone == BA_PHONE
    twin_facts = {e.fact_set.full_name for e in twin_case.history if e.fact_set is not None}
    assert twin_facts == {BA}
    # The request is answered and keeps only the masked number; the audit says what was done.
    answered = session.get(CitizenRequest, request.id)
    assert answered is not None and answered.status == RequestStatus.ANSWERED
    assert answered.id_number is None and answered.id_number_masked == "094******242"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "person_erased")).one()
    assert BA not in entry.summary + entry.details and BA_ID not in entry.details
    assert verify_chain(session).ok
    # What was erased cannot be corrected back in.
    erased = session.get(Case, ba_cases[0])
    assert erased is not None
    fix = Correction("Công dân quay lại", operator_id, None, {"full_name": BA})
    with pytest.raises(ConflictError, match="đã được xóa"):
        correct_opened_case(session, CLI, erased.id, erased.version, fix)


def test_erased_values_are_gone_from_the_sqlite_file(session: Session, database: Database) -> None:
    path = sqlite_path(database.url)
    if path is None:
        pytest.skip("the file test is for SQLite")
    with_ba(session)
    session.commit()
    session.close()
    erase_person(database, CLI, BA_ID)
    files = [path, path.with_name(path.name + "-wal")]
    stored = b"".join(f.read_bytes() for f in files if f.exists())
    for trace in (BA, "huynh thi be ba", BA_ID, BA_PHONE, NEW_PHONE, "Phú Hòa", CALL, FAILURE):
        assert trace.encode() not in stored, trace
    assert "Trần Thị Mỹ Linh".encode() in stored  # the others are still there


def test_erasure_is_refused_to_operators_and_for_unknown_numbers(
    session: Session, database: Database
) -> None:
    world = with_ba(session)
    session.commit()
    with pytest.raises(PermissionDeniedError, match="xóa dữ liệu cá nhân của một công dân"):
        erase_person(database, operator_of(world), BA_ID)
    with pytest.raises(NotFoundError, match="không có dữ liệu để xóa"):
        erase_person(database, CLI, id_number_for(date(1970, 1, 1), "Nam", 1))
    session.expire_all()
    assert (
        session.scalar(select(func.count()).select_from(Case).where(Case.id_number == BA_ID)) == 2
    )
    assert session.scalars(select(CitizenRequest)).all() == []


def test_the_purge_still_erases_everyone_and_forgets_open_requests(
    session: Session, database: Database, tmp_path: Path
) -> None:
    with_ba(session)
    log_request(session, CLI, BA_ID, RequestKind.ACCESS, date(2023, 8, 1), f"Chị Ba, {BA_PHONE}")
    set_grace_days(session, CLI, 0)
    session.commit()
    before = every_figure(session)
    purge_after_the_campaign(session, database, tmp_path, 1, "mot cau dai du muoi hai")
    assert every_figure(session) == before
    request = session.scalars(select(CitizenRequest)).one()
    assert (request.id_number, request.note) == (None, ERASED)
    assert request.id_number_masked == "094******242"  # the log of requests stays
    names = set(session.scalars(select(FactSet.full_name)))
    assert names == {ERASED}
    reasons = {e.reason for e in session.scalars(select(CaseEvent)) if e.reason is not None}
    assert reasons == {ERASED}
