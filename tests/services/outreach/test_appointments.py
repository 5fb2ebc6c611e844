"""Appointments as a commune team books and unbooks them: a person taken off the ladder
frees their place, a stop's slots never overlap, and nobody is invited to a moment already
past (found by the black-box probe of the outreach commands)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import OutreachStatus, StopKind
from models.entities import OutreachEntry
from services.common.errors import ValidationError
from services.common.vntime import set_clock
from services.outreach.lists import add_event, check_in, find_entry, set_status
from services.outreach.schedule import (
    add_slots,
    add_stop,
    appoint,
    day_schedule,
    desk_appointments,
    slots_of,
    sms_rows,
)
from services.outreach.slips import write_invitations
from services.privacy.person_data import erase_person
from services.upkeep.database import Database
from tests.factories import CLI, PHU_TAM, World, vn
from tests.services.outreach.test_outreach import BINH, LINH, listed
from tests.shared_desk import operator_at_phu_tam

S = OutreachStatus
DAY = date(2023, 7, 25)


@pytest.fixture(autouse=True)
def campaign_day() -> object:
    """Today is 24/07/2023, 10:00 in Vietnam (inside the Sóc Trăng campaign)."""
    set_clock(lambda: datetime(2023, 7, 24, 3, 0, tzinfo=UTC))
    yield
    set_clock(None)


def hamlet_stop(session: Session) -> None:
    add_stop(session, CLI, "PT-AP3", "Tổ lưu động Ấp 3", StopKind.HAMLET, PHU_TAM, hamlet="Ấp 3")
    add_slots(session, CLI, "PT-AP3", DAY, time(18, 0), time(20, 0), 1, every_minutes=60)
    session.commit()


@pytest.mark.parametrize("status", [S.NOTIFIED, S.REFUSED, S.UNREACHABLE, S.INELIGIBLE])
def test_taking_a_person_off_their_appointment_frees_the_place(
    session: Session, tmp_path: Path, status: OutreachStatus
) -> None:
    """README: from «Đã hẹn» back to «Đã thông báo» or a side status. The appointment is then
    cancelled: the slot has its place again, and neither the schedule, the SMS file nor the
    invitation slips still invite the person (a refusal was sent a reminder)."""
    listed(session, tmp_path)
    hamlet_stop(session)
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 18:00"), id_number=LINH)
    session.commit()
    set_status(session, CLI, find_entry(session, id_number=LINH).id, status, "không đến được")
    session.commit()
    assert day_schedule(session, DAY) == []
    assert sms_rows(session, DAY) == []
    assert [s.booked for s in slots_of(session, "PT-AP3", DAY)] == [0, 0]
    with pytest.raises(ValidationError, match="Không có ai được hẹn ngày 25/07/2023"):
        write_invitations(session, CLI, DAY, tmp_path / "giay-moi.pdf")
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 18:30"), id_number=BINH)
    session.commit()
    assert [a.full_name for a in day_schedule(session, DAY)] == ["Lê Văn Bình"]


def test_an_appointment_kept_when_the_status_stays_appointed(
    session: Session, tmp_path: Path
) -> None:
    listed(session, tmp_path)
    hamlet_stop(session)
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 19:00"), id_number=LINH)
    session.commit()
    set_status(session, CLI, find_entry(session, id_number=LINH).id, S.APPOINTED, "gọi lại")
    session.commit()
    assert [(a.full_name, a.start) for a in day_schedule(session, DAY)] == [
        ("Trần Thị Mỹ Linh", time(19, 0))
    ]


def test_a_stop_s_slots_never_overlap(session: Session, tmp_path: Path) -> None:
    """18:30–19:30 beside 18:00–19:00 and 19:00–20:00: a booking at 18:30 was refused as
    full (18:00–19:00 held it) while the list of free slots offered 18:30–19:30, and 19:00
    landed in 18:30–19:30. Overlapping slots are refused; the same slots again change nothing."""
    listed(session, tmp_path)
    hamlet_stop(session)
    with pytest.raises(ValidationError, match="18:30–19:30 trùng với khung giờ 18:00–19:00"):
        add_slots(session, CLI, "PT-AP3", DAY, time(18, 30), time(19, 30), 2)
    session.rollback()
    with pytest.raises(ValidationError, match="trùng với khung giờ 19:00–20:00"):
        add_slots(session, CLI, "PT-AP3", DAY, time(19, 45), time(21, 0), 2, every_minutes=15)
    session.rollback()
    assert (
        add_slots(session, CLI, "PT-AP3", DAY, time(18, 0), time(20, 0), 1, every_minutes=60) == []
    )
    assert len(add_slots(session, CLI, "PT-AP3", DAY, time(20, 0), time(21, 0), 2)) == 1
    session.commit()
    assert [(s.start, s.end) for s in slots_of(session, "PT-AP3", DAY)] == [
        (time(18, 0), time(19, 0)),
        (time(19, 0), time(20, 0)),
        (time(20, 0), time(21, 0)),
    ]


def test_nobody_is_invited_to_a_moment_already_past(session: Session, tmp_path: Path) -> None:
    """Today is 24/07/2023 10:00: a slot that ended before now cannot be added nor booked
    (an invitation for yesterday was accepted, «Đã hẹn lúc 01/01/2020 08:00»)."""
    listed(session, tmp_path)
    add_stop(session, CLI, "PT-AP3", "Tổ lưu động Ấp 3", StopKind.HAMLET, PHU_TAM, hamlet="Ấp 3")
    session.commit()
    with pytest.raises(ValidationError, match="đã qua"):
        add_slots(session, CLI, "PT-AP3", date(2023, 7, 23), time(18, 0), time(20, 0), 5)
    session.rollback()
    with pytest.raises(ValidationError, match="đã qua"):
        add_slots(session, CLI, "PT-AP3", date(2023, 7, 24), time(7, 0), time(9, 0), 5)
    session.rollback()
    # A slot running now may still be given (the person comes at once).
    add_slots(session, CLI, "PT-AP3", date(2023, 7, 24), time(9, 0), time(11, 0), 5)
    session.commit()
    appoint(session, CLI, "PT-AP3", vn("2023-07-24 09:30"), id_number=LINH)
    session.commit()
    # One added yesterday for this morning, over by now.
    set_clock(lambda: datetime(2023, 7, 23, 3, 0, tzinfo=UTC))
    add_slots(session, CLI, "PT-AP3", date(2023, 7, 24), time(7, 0), time(8, 0), 5)
    session.commit()
    set_clock(lambda: datetime(2023, 7, 24, 3, 0, tzinfo=UTC))
    with pytest.raises(ValidationError, match=r"07:00–08:00 .* đã qua"):
        appoint(session, CLI, "PT-AP3", vn("2023-07-24 07:30"), id_number=BINH)


def test_no_invitation_is_printed_for_a_citizen_erased_on_request(
    session: Session, database: Database, tmp_path: Path
) -> None:
    """Erased, the person keeps their place in the slot's figures (README), but an
    invitation slip for «(đã xóa)» was printed (found by the black-box probe)."""
    listed(session, tmp_path)
    hamlet_stop(session)
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 18:00"), id_number=LINH)
    session.commit()
    erase_person(database, CLI, LINH)
    session.expire_all()
    with pytest.raises(ValidationError, match="Không có ai được hẹn ngày 25/07/2023"):
        write_invitations(session, CLI, DAY, tmp_path / "giay-moi.pdf")
    assert not (tmp_path / "giay-moi.pdf").exists()


def test_a_refusal_arriving_in_a_package_gets_no_invitation(
    session: Session, tmp_path: Path
) -> None:
    """Appointed here, the person told another point's team they refuse: that event comes in
    a package (appointments stay where they were made). The slot keeps the booking, but no
    slip invites someone no longer «Đã hẹn» (found by the black-box probe)."""
    listed(session, tmp_path)
    hamlet_stop(session)
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 18:00"), id_number=LINH)
    session.commit()
    entry = find_entry(session, id_number=LINH)
    add_event(session, entry, S.REFUSED, "goi:xa-phu-tam.kpkg", at=vn("2023-07-24 11:00"))
    session.commit()
    assert entry.status == S.REFUSED.value
    with pytest.raises(ValidationError, match="Không có ai được hẹn ngày 25/07/2023"):
        write_invitations(session, CLI, DAY, tmp_path / "giay-moi.pdf")


def test_the_desk_expects_only_people_still_appointed_or_come(
    session: Session, database: Database, tmp_path: Path
) -> None:
    """The desk's «Lịch hẹn hôm nay» listed a person whose refusal came in a package and one
    erased on request (found by the black-box probe); someone who came stays, counted."""
    world = World(session)
    session.commit()
    listed(session, tmp_path)
    add_stop(
        session, CLI, "PT-CA", "Công an xã Phú Tâm", StopKind.FIXED, PHU_TAM,
        point_code=world.point_phu_tam.code,
    )  # fmt: skip
    add_slots(session, CLI, "PT-CA", DAY, time(7, 0), time(11, 0), 10)
    for at, number in (("07:30", LINH), ("08:00", BINH)):
        appoint(session, CLI, "PT-CA", vn(f"2023-07-25 {at}"), id_number=number)
    hoa = session.scalars(select(OutreachEntry).where(OutreachEntry.full_name == "Sơn Thị Hoa"))
    appoint(session, CLI, "PT-CA", vn("2023-07-25 09:00"), row_id=hoa.one().uid)
    session.commit()
    clerk = operator_at_phu_tam(world)
    assert len(desk_appointments(session, clerk, DAY)) == 3

    binh = find_entry(session, id_number=BINH)
    add_event(session, binh, S.REFUSED, "goi:b.kpkg", at=vn("2023-07-24 11:00"))
    session.commit()
    check_in(session, clerk, LINH)
    session.commit()
    expected = desk_appointments(session, clerk, DAY)
    assert [(a.full_name, a.status) for a in expected] == [  # one slot: by name
        ("Sơn Thị Hoa", S.APPOINTED),
        ("Trần Thị Mỹ Linh", S.CAME),
    ]
    session.close()
    erase_person(database, CLI, LINH)  # its own transaction: this session looks again
    assert [a.full_name for a in desk_appointments(session, clerk, DAY)] == ["Sơn Thị Hoa"]
