"""Outreach: review lists imported like `records import`, status moves, the link to the cases
saved at the desk / by import, appointments with capacity, SMS reminders and progress."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from models.codes import OutreachStatus, Status, StopKind
from models.entities import AuditEntry, Hamlet, OutreachEntry, OutreachEvent
from services.campaigns.units import UnitTree
from services.cases.detail import correct_opened_case
from services.cases.recording import Correction
from services.cases.records import import_records
from services.common.errors import UserError, ValidationError
from services.common.vntime import set_clock
from services.documents.report import OUTREACH as OUTREACH_SHEET
from services.documents.report import build_report
from services.outreach.list_import import COLUMNS, import_outreach
from services.outreach.lists import (
    EntryEdit,
    EntryFilter,
    candidates_for_case,
    check_in,
    confirm_match,
    count_entries,
    edit_entry,
    entry_uid,
    find_entry,
    hamlets_of,
    list_entries,
    page_key,
    progress,
    set_status,
)
from services.outreach.packages import merge_outreach, outreach_records
from services.outreach.schedule import (
    add_slots,
    add_stop,
    appoint,
    call_sheet_rows,
    day_schedule,
    desk_appointments,
    sms_rows,
)
from services.person.id_number import mask_id_number
from services.privacy.person_data import erase_person, find_person, person_document
from services.privacy.purge import set_grace_days
from services.security.permissions import PermissionDeniedError
from services.spreadsheets.reader import UnreadableFileError
from services.spreadsheets.sheet_import import rejects_path
from services.upkeep.database import Database, open_database
from tests.factories import CLI, KE_SACH, PHU_TAM, World, id_number_for, vn
from tests.shared_desk import operator_at_phu_tam, save_at_desk
from tests.shared_purge import purge_after_the_campaign
from tests.shared_records import record_row, write_sheet_csv

S = OutreachStatus
LINH = id_number_for(date(1990, 3, 15), "Nữ", 1)  # the World's facts(1)
BINH = id_number_for(date(1985, 1, 2), "Nam", 777)
DAY = date(2023, 7, 25)
HEADER = list(COLUMNS.values())


@pytest.fixture(autouse=True)
def campaign_day() -> object:
    """Today is 24/07/2023, 10:00 in Vietnam (inside the Sóc Trăng campaign)."""
    set_clock(lambda: datetime(2023, 7, 24, 3, 0, tzinfo=UTC))
    yield
    set_clock(None)


def write_list(path: Path, rows: Sequence[Sequence[object]], header: list[str] = HEADER) -> Path:
    return write_sheet_csv(path, rows, header=header)


def review_rows() -> list[list[object]]:
    return [
        [LINH, "Trần Thị Mỹ Linh", "15/03/1990", "Nữ", "0912345678", PHU_TAM, "Ấp 3", "", ""],
        [BINH, "Lê Văn Bình", "02/01/1985", "Nam", "0987654321", PHU_TAM, "Ấp 3", "", ""],
        ["", "Sơn Thị Hoa", "1960", "", "0911222333", PHU_TAM, "ap 3", "", "Đi làm xa"],
        ["", "Danh Văn Tư", "1950", "Nam", "", PHU_TAM, "Ấp Phú Hòa", "Nhà số 5", ""],
        ["", "Kim Thị Yến", "1999", "Nữ", "0933444555", KE_SACH, "Khóm 1", "", ""],
    ]


def statuses(session: Session) -> dict[str, str]:
    return dict(session.execute(select(OutreachEntry.full_name, OutreachEntry.status)).all())


def listed(session: Session, tmp_path: Path) -> Path:
    path = write_list(tmp_path / "ra-soat.csv", review_rows())
    import_outreach(session, CLI, path, source="Đoàn thanh niên xã Phú Tâm")
    session.commit()
    return path


# -- import ------------------------------------------------------------------------------------


def test_a_list_is_imported_once_however_often_it_is_read(session: Session, tmp_path: Path) -> None:
    path = write_list(tmp_path / "ra-soat.csv", review_rows())
    first = import_outreach(session, CLI, path, source="Đoàn thanh niên")
    session.commit()
    assert (first.rows_read, first.added, first.already_listed, first.rejects) == (5, 5, 0, [])
    # Hamlets are kept per commune, "ap 3" being "Ấp 3".
    hamlets = session.scalars(select(Hamlet.name).order_by(Hamlet.name)).all()
    assert hamlets == ["Khóm 1", "Ấp 3", "Ấp Phú Hòa"]
    phu_tam = UnitTree.load(session).commune(PHU_TAM).id
    assert [name for _, name in hamlets_of(session, phu_tam)] == ["Ấp 3", "Ấp Phú Hòa"]
    second = import_outreach(session, CLI, path)
    session.commit()
    assert (second.added, second.already_listed) == (0, 5)
    assert session.scalar(select(func.count()).select_from(OutreachEntry)) == 5
    assert set(statuses(session).values()) == {"not_contacted"}
    hoa = session.scalars(select(OutreachEntry).where(OutreachEntry.full_name == "Sơn Thị Hoa"))
    entry = hoa.one()
    assert (entry.birth_date, entry.birth_year, entry.note, entry.source) == (
        None,
        1960,
        "Đi làm xa",
        "Đoàn thanh niên",
    )


def test_bad_rows_go_to_the_same_rejects_file_as_records_import(
    session: Session, tmp_path: Path
) -> None:
    rows: list[list[object]] = [
        *review_rows()[:1],
        ["12345", "Người Sai Số", "1990", "", "", PHU_TAM, "Ấp 3", "", ""],
        ["", "", "1990", "", "", PHU_TAM, "Ấp 3", "", ""],
        ["", "Người Không Xã", "1990", "", "", "99999", "Ấp 3", "", ""],
        ["", "Người Sinh Lạ", "2090", "", "", PHU_TAM, "Ấp 3", "", ""],
        ["", "Người\u200bẨn", "1990", "", "", PHU_TAM, "Ấp 3", "", ""],
    ]
    path = write_list(tmp_path / "ds.csv", rows)
    summary = import_outreach(session, CLI, path)
    session.commit()
    assert summary.added == 1
    assert [r.row for r in summary.rejects] == [3, 4, 5, 6, 7]
    assert "12 chữ số" in summary.rejects[0].reason
    assert "Thiếu họ và tên" in summary.rejects[1].reason
    assert "Mã xã" in summary.rejects[2].reason
    assert summary.rejects_file == rejects_path(path)
    with rejects_path(path).open(encoding="utf-8-sig") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["Dòng", "Lý do", *HEADER]
    assert [line[0] for line in written[1:]] == ["3", "4", "5", "6", "7"]


def test_rejected_cells_stand_under_their_own_headers(session: Session, tmp_path: Path) -> None:
    """A list with its columns in another order, and one the import does not know (STT):
    each rejected cell is written under the header that names it."""
    header = ["STT", "Khóm/ấp", "Mã xã", "Họ và tên", "Ngày sinh", "Số định danh"]
    rows: list[list[object]] = [
        ["1", "Ấp 3", PHU_TAM, "Người Sai Số", "1990", "12345"],
        ["2", "Ấp 3", "99999", "Người Không Xã", "1990"],  # a short row: the last cell empty
    ]
    path = write_list(tmp_path / "dao-cot.csv", rows, header)
    summary = import_outreach(session, CLI, path)
    session.commit()
    assert [r.row for r in summary.rejects] == [2, 3]
    with rejects_path(path).open(encoding="utf-8-sig") as handle:
        written = [
            dict(zip(["Dòng", "Lý do", *HEADER], line, strict=True)) for line in csv.reader(handle)
        ]
    first, second = written[1], written[2]
    assert (first["Số định danh"], first["Họ và tên"], first["Mã xã"]) == (
        "12345",
        "Người Sai Số",
        PHU_TAM,
    )
    assert (first["Khóm/ấp"], first["Ngày sinh"], first["Giới tính"]) == ("Ấp 3", "1990", "")
    assert (second["Số định danh"], second["Mã xã"], second["Họ và tên"]) == (
        "",
        "99999",
        "Người Không Xã",
    )


def test_a_file_without_a_required_column_is_refused_whole(
    session: Session, tmp_path: Path
) -> None:
    header = [h for h in HEADER if h != "Khóm/ấp"]
    path = write_list(tmp_path / "ds.csv", [r[:6] + r[7:] for r in review_rows()], header)
    with pytest.raises(UnreadableFileError, match="thiếu cột: Khóm/ấp"):
        import_outreach(session, CLI, path)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OutreachEntry)) == 0


def test_operators_may_not_import_lists(session: Session, tmp_path: Path) -> None:
    world = World(session)
    path = write_list(tmp_path / "ds.csv", review_rows())
    with pytest.raises(PermissionDeniedError):
        import_outreach(session, operator_at_phu_tam(world), path)


# -- moves by hand -----------------------------------------------------------------------------


def assert_hand_change_audited(
    session: Session, entry: OutreachEntry, id_number: str, moved_to: str
) -> None:
    """The last hand change to a listed person is audited with the entry, the ID number
    masked and where the person moved, nothing more."""
    details = session.scalars(
        select(AuditEntry.details)
        .where(AuditEntry.action == "outreach_status")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert details is not None
    assert json.loads(details) == {
        "entry": entry.id,
        "id_number": mask_id_number(id_number),
        "outreach_to": moved_to,
    }


def test_moves_by_hand_follow_the_table_and_are_audited(session: Session, tmp_path: Path) -> None:
    listed(session, tmp_path)
    entry = find_entry(session, id_number=BINH)
    set_status(session, CLI, entry.id, S.NOTIFIED)
    set_status(session, CLI, entry.id, S.UNREACHABLE, "Không nghe máy")
    session.commit()
    assert entry.status == "unreachable"
    with pytest.raises(ValidationError, match="tự cập nhật"):
        set_status(session, CLI, entry.id, S.CAME)
    set_status(session, CLI, entry.id, S.REFUSED, do_not_contact=True)
    session.commit()
    events = session.scalars(
        select(OutreachEvent.status).where(OutreachEvent.entry_id == entry.id)
    ).all()
    assert sorted(events) == ["notified", "refused", "unreachable"]
    assert entry.do_not_contact
    audited = session.scalars(
        select(AuditEntry.details).where(AuditEntry.action == "outreach_status")
    ).all()
    assert len(audited) == 3
    assert all("Lê Văn Bình" not in details and BINH not in details for details in audited)


def test_operators_see_numbers_and_phones_masked_in_the_list(
    session: Session, tmp_path: Path
) -> None:
    world = World(session)
    listed(session, tmp_path)
    clerk = operator_at_phu_tam(world)
    rows = list_entries(session, clerk, EntryFilter(search="binh"))
    assert [(r.full_name, r.id_number, r.phone) for r in rows] == [
        ("Lê Văn Bình", BINH[:3] + "******" + BINH[-3:], "098****321")
    ]
    assert list_entries(session, CLI, EntryFilter(search="binh"))[0].id_number == BINH
    # Paged lazily: two at a time, by name, nothing missed or repeated.
    names: list[str] = []
    after = None
    while page := list_entries(session, clerk, after=after, limit=2):
        names += [r.full_name for r in page]
        after = page_key(session, page[-1].id)
    assert len(names) == 5 == len(set(names)) == count_entries(session, clerk)


# -- the link to cases -------------------------------------------------------------------------


def test_a_case_saved_at_the_desk_moves_the_listed_person(session: Session, tmp_path: Path) -> None:
    world = World(session)
    session.commit()
    listed(session, tmp_path)
    save_at_desk(world, 1, Status.REGISTERED, "2023-07-22 08:30")
    session.commit()
    assert statuses(session)["Trần Thị Mỹ Linh"] == "came"
    saved = save_at_desk(world, 1, Status.ACTIVATED, "2023-07-23 09:00")
    session.commit()
    assert statuses(session)["Trần Thị Mỹ Linh"] == "activated"
    # A person listed without a number is offered to the clerk, never linked alone.
    assert candidates_for_case(session, saved.case.id) == []


def test_a_name_birth_year_and_commune_match_waits_for_the_clerk(
    session: Session, tmp_path: Path
) -> None:
    world = World(session)
    session.commit()
    rows = [["", "TRẦN THỊ MỸ LINH", "1990", "", "", PHU_TAM, "Ấp 3", "", ""]]
    import_outreach(session, CLI, write_list(tmp_path / "ds.csv", rows))
    session.commit()
    saved = save_at_desk(world, 1, Status.ACTIVATED, "2023-07-22 08:30")
    session.commit()
    assert statuses(session)["TRẦN THỊ MỸ LINH"] == "not_contacted"
    candidates = candidates_for_case(session, saved.case.id)
    assert [c.full_name for c in candidates] == ["TRẦN THỊ MỸ LINH"]
    entry = confirm_match(session, CLI, candidates[0].entry_id, LINH)
    session.commit()
    assert statuses(session)["TRẦN THỊ MỸ LINH"] == "activated"
    assert_hand_change_audited(session, entry, LINH, "activated")


def test_records_import_moves_the_listed_people_too(session: Session, tmp_path: Path) -> None:
    listed(session, tmp_path)
    binh = {"full_name": "Lê Văn Bình", "birth_date": "02/01/1985", "sex": "Nam"}
    rows = [
        record_row(id_number=BINH, **binh, moment="21/07/2023 08:00"),
        record_row(id_number=LINH, status="Đã kích hoạt", moment="21/07/2023 09:00"),
    ]
    path = write_sheet_csv(tmp_path / "ho-so.csv", rows)
    import_records(session, CLI, path)
    session.commit()
    found = statuses(session)
    assert (found["Lê Văn Bình"], found["Trần Thị Mỹ Linh"]) == ("came", "activated")
    # Importing the list again, or the cases again, changes nothing more.
    import_records(session, CLI, path)
    session.commit()
    assert session.scalar(select(func.count()).select_from(OutreachEvent)) == 2


def test_a_list_imported_after_the_cases_starts_where_the_cases_are(
    session: Session, tmp_path: Path
) -> None:
    world = World(session)
    world.record(world.facts(1), world.report(Status.ACTIVATED, "2023-07-21 08:00"))
    session.commit()
    summary = import_outreach(session, CLI, write_list(tmp_path / "ds.csv", review_rows()))
    session.commit()
    assert summary.moved_by_cases == 1
    assert statuses(session)["Trần Thị Mỹ Linh"] == "activated"


# -- appointments, check-in, reminders ---------------------------------------------------------


def evening_stop(session: Session) -> None:
    add_stop(session, CLI, "PT-AP3", "Tổ lưu động Ấp 3", StopKind.HAMLET, PHU_TAM, hamlet="Ấp 3")
    add_slots(session, CLI, "PT-AP3", DAY, time(18, 0), time(20, 0), 1, every_minutes=60)
    session.commit()


def test_appointments_fill_slots_up_to_their_capacity(session: Session, tmp_path: Path) -> None:
    listed(session, tmp_path)
    evening_stop(session)
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 18:30"), id_number=LINH)
    session.commit()
    with pytest.raises(ValidationError, match=r"đã đủ người\. Còn chỗ: 19:00–20:00"):
        appoint(session, CLI, "PT-AP3", vn("2023-07-25 18:10"), id_number=BINH)
    session.rollback()
    with pytest.raises(ValidationError, match="không có khung giờ lúc 21:00"):
        appoint(session, CLI, "PT-AP3", vn("2023-07-25 21:00"), id_number=BINH)
    session.rollback()
    hoa = find_entry(
        session, id_number=None, uid=list_entries(session, CLI, EntryFilter(search="hoa"))[0].uid
    )
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 19:00"), row_id=hoa.uid)
    session.commit()
    schedule = day_schedule(session, DAY)
    assert [(a.full_name, a.start) for a in schedule] == [
        ("Trần Thị Mỹ Linh", time(18, 0)),
        ("Sơn Thị Hoa", time(19, 0)),
    ]
    assert statuses(session)["Sơn Thị Hoa"] == "appointed"


def test_sms_leaves_out_opt_outs_and_refusals(session: Session, tmp_path: Path) -> None:
    listed(session, tmp_path)
    evening_stop(session)
    add_slots(session, CLI, "PT-AP3", DAY, time(7, 0), time(8, 0), 5)
    for number in (LINH, BINH):
        appoint(session, CLI, "PT-AP3", vn("2023-07-25 07:15"), id_number=number)
    hoa = list_entries(session, CLI, EntryFilter(search="hoa"))[0]
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 07:30"), row_id=hoa.uid)
    session.commit()
    set_status(session, CLI, find_entry(session, id_number=BINH).id, S.REFUSED)
    set_status(session, CLI, hoa.id, S.APPOINTED, do_not_contact=True)
    session.commit()
    rows = sms_rows(session, DAY)
    assert [phone for phone, _ in rows] == ["84912345678"]
    message = rows[0][1]
    assert message.isascii() and len(message) <= 160
    assert "Tran Thi My Linh" in message and "07:00" in message and "25/07" in message
    assert [r[1] for r in call_sheet_rows(session)] == ["Kim Thị Yến", "Trần Thị Mỹ Linh"]


def test_the_desk_lists_its_appointments_and_checks_people_in(
    session: Session, tmp_path: Path
) -> None:
    world = World(session)
    session.commit()
    listed(session, tmp_path)
    add_stop(
        session,
        CLI,
        "PT-CA",
        "Công an xã Phú Tâm",
        StopKind.FIXED,
        PHU_TAM,
        point_code=world.point_phu_tam.code,
    )
    add_slots(session, CLI, "PT-CA", date(2023, 7, 24), time(7, 0), time(11, 0), 10)
    appoint(session, CLI, "PT-CA", vn("2023-07-24 08:00"), id_number=BINH)
    session.commit()
    clerk = operator_at_phu_tam(world)
    today = desk_appointments(session, clerk, date(2023, 7, 24))
    assert [(a.full_name, a.id_number) for a in today] == [
        ("Lê Văn Bình", BINH[:3] + "******" + BINH[-3:])
    ]
    entry = check_in(session, clerk, BINH)
    session.commit()
    assert statuses(session)["Lê Văn Bình"] == "came"
    assert_hand_change_audited(session, entry, BINH, "came")


# -- progress ----------------------------------------------------------------------------------


def test_progress_per_commune_and_hamlet(session: Session, tmp_path: Path) -> None:
    world = World(session)
    session.commit()
    listed(session, tmp_path)
    tu = list_entries(session, CLI, EntryFilter(search="danh van tu"))[0]
    set_status(session, CLI, tu.id, S.INELIGIBLE)
    set_status(session, CLI, find_entry(session, id_number=BINH).id, S.NOTIFIED)
    save_at_desk(world, 1, Status.ACTIVATED, "2023-07-24 08:00")
    session.commit()
    by_commune = progress(session, "commune")
    assert sorted((r.code, r.listed) for r in by_commune.rows) == [(KE_SACH, 1), (PHU_TAM, 4)]
    total = by_commune.total.as_json()
    assert {k: total[k] for k in ("listed", "notified", "came", "activated", "ineligible")} == {
        "listed": 5,
        "notified": 2,
        "came": 1,
        "activated": 1,
        "ineligible": 1,
    }
    # Activated over the people to bring in (listed less the ineligible): 1 of 4.
    assert total["converted"] == 0.25
    hamlets = progress(session, "hamlet").rows
    # Most people still to reach first: Ấp 3 has Bình and Hoa, the others one or none.
    assert [(r.name, r.to_reach) for r in hamlets] == [
        ("Ấp 3", 2),
        ("Khóm 1", 1),
        ("Ấp Phú Hòa", 0),
    ]
    # As of the day before, nobody was listed yet.
    assert progress(session, "commune", date(2023, 7, 23)).total.listed == 0


# -- packages, purge, erasure ------------------------------------------------------------------

PHONES = ["0912345678", "0987654321", None]
POOL = [  # status events two databases may have made for the people below
    (f"{n:032x}", status, datetime(2023, 7, 20 + n % 5, 8, n, tzinfo=UTC))
    for n, status in enumerate([S.NOTIFIED, S.APPOINTED, S.REFUSED, S.UNREACHABLE, S.NOTIFIED])
]


def _line(uid: str, number: str | None, version: int, chosen: list[int]) -> dict[str, object]:
    return {
        "type": "outreach",
        "uid": uid,
        "commune": PHU_TAM,
        "hamlet": "Ấp 3",
        "id_number": number,
        "full_name": "Người Thử",
        "birth_date": None,
        "birth_year": 1980,
        "sex": None,
        "phone": PHONES[version % 3],
        "address": None,
        "note": f"bản {version}",
        "source": "Đoàn xã",
        "do_not_contact": version % 2 == 1,
        "listed_at": datetime(2023, 7, 10 + version % 4, tzinfo=UTC).isoformat(),
        "facts_at": datetime(2023, 7, 15, version % 3, tzinfo=UTC).isoformat(),
        "events": [
            # An event belongs to one person: its uid says whose.
            {
                "uid": uid[:8] + POOL[i][0][8:],
                "status": POOL[i][1].value,
                "at": POOL[i][2].isoformat(),
            }
            for i in chosen
        ],
    }


def _snapshot(session: Session) -> set[tuple[object, ...]]:
    entries = session.scalars(select(OutreachEntry)).all()
    return {
        (
            e.uid,
            e.status,
            e.phone,
            e.note,
            e.do_not_contact,
            e.listed_at,
            frozenset(
                session.scalars(select(OutreachEvent.uid).where(OutreachEvent.entry_id == e.id))
            ),
        )
        for e in entries
    }


packages = st.lists(
    st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 5), st.lists(st.integers(0, 4), max_size=3)),
        min_size=1,
        max_size=3,
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=20, deadline=None)
@given(sent=packages, order=st.randoms())
def test_review_lists_merge_the_same_whatever_the_order_and_repeats(
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    sent: list[list[tuple[int, int, list[int]]]],
    order: object,
) -> None:
    people = [("a" * 32, None), (entry_uid(BINH, "", "", "", 0), BINH)]
    made = [
        [_line(people[who][0], people[who][1], version, chosen) for who, version, chosen in package]
        for package in sent
    ]
    replayed = [*made, *made[:1]]  # one package imported twice
    order.shuffle(replayed)  # type: ignore[attr-defined]
    results = []
    for sequence in (made, replayed):
        path = tmp_path_factory.mktemp("merge") / "db.sqlite3"
        shutil.copyfile(sqlite_template, path)
        database = open_database(f"sqlite:///{path}")
        try:
            with database.session() as session:
                tree = UnitTree.load(session)
                for package in sequence:
                    merge_outreach(session, [dict(line) for line in package], tree, "goi:thu")
                    session.commit()
                results.append(_snapshot(session))
        finally:
            database.dispose()
    assert results[0] == results[1]


def test_a_package_carries_the_review_lists_to_another_database(
    session: Session, tmp_path: Path
) -> None:
    listed(session, tmp_path)
    entry = find_entry(session, id_number=BINH)
    set_status(session, CLI, entry.id, S.REFUSED, do_not_contact=True)
    session.commit()
    lines = list(outreach_records(session, UnitTree.load(session)))
    assert len(lines) == 5 and {line["type"] for line in lines} == {"outreach"}
    before = _snapshot(session)
    # Merged back into the database it came from: nothing changes.
    new, changed, refused, _ = merge_outreach(session, lines, UnitTree.load(session), "goi:thu")
    session.commit()
    assert (new, changed, refused) == (0, 0, [])
    assert _snapshot(session) == before
    broken = {**lines[0], "uid": "b" * 32, "phone": "12"}
    assert merge_outreach(session, [broken], UnitTree.load(session), "goi:thu")[2]


def test_the_purge_and_an_erasure_keep_the_progress_and_erase_the_people(
    database: Database, session: Session, tmp_path: Path
) -> None:
    listed(session, tmp_path)
    set_status(session, CLI, find_entry(session, id_number=BINH).id, S.REFUSED)
    session.commit()
    before = progress(session, "hamlet").as_json()
    session.commit()  # no read transaction left open: it would keep seeing the old rows
    erase_person(database, CLI, BINH)
    session.expire_all()
    assert session.scalars(select(OutreachEntry).where(OutreachEntry.id_number == BINH)).all() == []
    assert "Lê Văn Bình" not in statuses(session)
    assert progress(session, "hamlet").as_json() == before
    set_grace_days(session, CLI, 0)
    purge_after_the_campaign(session, database, tmp_path, days=5)
    entries = session.scalars(select(OutreachEntry)).all()
    assert {e.full_name for e in entries} == {"(đã xóa)"}
    assert all(e.phone is None and e.id_number is None and e.uid.startswith("X") for e in entries)
    uids = session.scalars(select(OutreachEvent.uid)).all()
    assert uids and all(uid.startswith("X") for uid in uids)
    with pytest.raises(UserError):
        import_outreach(session, CLI, write_list(tmp_path / "lai.csv", review_rows()))


def test_the_window_corrects_a_listed_person_like_an_imported_row(
    session: Session, tmp_path: Path
) -> None:
    listed(session, tmp_path)
    hoa = list_entries(session, CLI, EntryFilter(search="hoa"))[0]
    with pytest.raises(ValidationError) as refused:
        edit_entry(session, CLI, hoa.id, EntryEdit("", "32/13/1960", "Ấp 3", phone="12"))
    assert all(
        part in str(refused.value) for part in ("Thiếu họ và tên", "Ngày sinh", "Số điện thoại")
    )
    session.rollback()
    edit_entry(
        session,
        CLI,
        hoa.id,
        EntryEdit("Sơn Thị Hoa", "05/05/1960", "Ấp Mới", "Nữ", "0911 222 444", note="Ở chợ"),
    )
    session.commit()
    entry = find_entry(session, uid=hoa.uid)
    assert (entry.birth_date, entry.phone, entry.sex, entry.note) == (
        date(1960, 5, 5),
        "0911222444",
        "Nữ",
        "Ở chợ",
    )
    assert "Ấp Mới" in session.scalars(select(Hamlet.name)).all()


def test_the_pc06_workbook_gains_the_outreach_sheet_where_lists_are_kept(
    session: Session, tmp_path: Path
) -> None:
    assert OUTREACH_SHEET not in build_report(session, date(2023, 7, 24)).sheetnames
    listed(session, tmp_path)
    set_status(session, CLI, find_entry(session, id_number=BINH).id, S.REFUSED)
    session.commit()
    sheet = build_report(session, date(2023, 7, 24))[OUTREACH_SHEET]
    rows = [list(r) for r in sheet.iter_rows(min_row=5, values_only=True)]
    # Hamlets, most still to reach first, then the total.
    assert [r[:3] for r in rows] == [
        [PHU_TAM, "Xã Phú Tâm", "Ấp 3"],
        [KE_SACH, "Thị trấn Kế Sách", "Khóm 1"],
        [PHU_TAM, "Xã Phú Tâm", "Ấp Phú Hòa"],
        ["Tổng cộng", None, None],
    ]
    assert rows[-1][3:13] == [5, 0, 0, 0, 0, 0, 1, 0, 0, 4]


def test_a_status_corrected_to_activated_moves_the_listed_person(
    session: Session, tmp_path: Path
) -> None:
    world = World(session)
    registered = world.record(world.facts(1), world.report(Status.REGISTERED, "2023-07-21 08:00"))
    session.commit()
    listed(session, tmp_path)
    assert statuses(session)["Trần Thị Mỹ Linh"] == "came"
    case = registered.case
    correction = Correction(
        "Đã kích hoạt nhưng quên ghi",
        world.operator.id,
        world.point_phu_tam.id,
        status=Status.ACTIVATED,
        at=vn("2023-07-22 09:00"),
    )
    correct_opened_case(session, operator_at_phu_tam(world), case.id, case.version, correction)
    session.commit()
    assert statuses(session)["Trần Thị Mỹ Linh"] == "activated"


def test_a_citizens_copy_of_their_data_shows_the_review_lists(
    session: Session, tmp_path: Path
) -> None:
    listed(session, tmp_path)
    set_status(session, CLI, find_entry(session, id_number=BINH).id, S.REFUSED, "Không muốn")
    session.commit()
    data = find_person(session, CLI, BINH)
    assert data.cases == () and len(data.listed) == 1
    facts = dict(data.listed[0].facts)
    assert (facts["Họ và tên"], facts["Khóm/ấp"], facts["Tình trạng vận động"]) == (
        "Lê Văn Bình",
        "Ấp 3",
        "Từ chối",
    )
    assert [(status, note) for _, status, _, note in data.listed[0].history] == [
        ("Từ chối", "Không muốn")
    ]
    titles = [section.title for section in person_document(data).sections]
    assert "Danh sách rà soát (vận động, hẹn lịch)" in titles


def test_two_clerks_booking_the_last_place_at_once_cannot_both_have_it(
    database: Database, backend: str, tmp_path: Path
) -> None:
    """While a first booking of a slot's last place is not yet committed, a second clerk's
    booking of it waits (here: gives up after a short lock timeout) instead of counting the
    place as free; once the first commits, the second is refused with the free slots."""
    if backend != "postgresql":
        pytest.skip("SQLite writers queue one behind the other: a second booking waits whole")
    with database.session() as session:
        world = World(session)
        session.commit()
        listed(session, tmp_path)
        evening_stop(session)  # slots of one place each
        # Another point's clerk: its audit chain is its own, so only the slot is shared.
        clerk = operator_at_phu_tam(world)

    def second_clerk() -> None:
        with database.session() as session:
            session.execute(text("SET LOCAL lock_timeout = '300ms'"))
            appoint(session, clerk, "PT-AP3", vn("2023-07-25 18:10"), id_number=BINH)
            session.commit()

    with database.session() as first:
        appoint(first, CLI, "PT-AP3", vn("2023-07-25 18:30"), id_number=LINH)
        first.flush()  # the first booking holds the slot, not yet committed
        with pytest.raises(Exception, match="lock") as waited:
            second_clerk()
        assert not isinstance(waited.value, ValidationError)
        first.commit()
    with pytest.raises(ValidationError, match="đã đủ người"):
        second_clerk()
    with database.session(read_only=True) as session:
        assert [a.full_name for a in day_schedule(session, DAY)] == ["Trần Thị Mỹ Linh"]
