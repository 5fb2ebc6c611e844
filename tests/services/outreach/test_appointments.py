"""Appointments as a commune team books and unbooks them: a person taken off the ladder
frees their place, a stop's slots never overlap, and nobody is invited to a moment already
past (found by the black-box probe of the outreach commands)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from models.codes import OutreachStatus, StopKind
from services.common.errors import ValidationError
from services.common.vntime import set_clock
from services.outreach.lists import find_entry, set_status
from services.outreach.schedule import (
    add_slots,
    add_stop,
    appoint,
    day_schedule,
    slots_of,
    sms_rows,
)
from services.outreach.slips import write_invitations
from tests.factories import CLI, PHU_TAM, vn
from tests.services.outreach.test_outreach import BINH, LINH, listed

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
