"""The printed side of appointments: a day's schedule (A4) and the invitations (A6, QR)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from sqlalchemy.orm import Session

from services.outreach_documents import (
    invitation_sheets,
    invitations,
    schedule_document,
    write_invitations_pdf,
)
from services.outreach_schedule import appoint
from services.vntime import set_clock
from tests.factories import CLI, vn
from tests.pdf_tools import pdf_page_count, pdf_page_size_mm, pdf_qr_codes, pdf_text
from tests.services.test_outreach import BINH, DAY, LINH, evening_stop, listed


@pytest.fixture(autouse=True)
def campaign_day() -> object:
    set_clock(lambda: datetime(2023, 7, 24, 3, 0, tzinfo=UTC))
    yield
    set_clock(None)


def two_appointed(session: Session, tmp_path: Path) -> None:
    listed(session, tmp_path)
    evening_stop(session)
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 19:10"), id_number=BINH)
    appoint(session, CLI, "PT-AP3", vn("2023-07-25 18:30"), id_number=LINH)
    session.commit()


def test_the_schedule_lists_people_by_time_with_numbers_masked(
    session: Session, tmp_path: Path
) -> None:
    two_appointed(session, tmp_path)
    document = schedule_document(session, DAY)
    text = document.text()
    assert document.title == "Danh sách hẹn ngày 25/07/2023"
    assert "Tổ lưu động Ấp 3 (PT-AP3)" in text
    assert text.index("Trần Thị Mỹ Linh") < text.index("Lê Văn Bình")  # 18:00 before 19:00
    assert LINH not in text and BINH not in text
    assert f"{LINH[:3]}******{LINH[-3:]}" in text
    empty = schedule_document(session, DAY, stop_code="KHONG-CO")
    assert "chưa có ai được hẹn" in empty.text()


def test_invitations_print_one_a6_page_each_with_the_place_time_and_qr(
    session: Session, tmp_path: Path, qapp: QGuiApplication
) -> None:
    two_appointed(session, tmp_path)
    found = invitations(session, DAY)
    assert [(i.full_name, i.hours) for i in found] == [
        ("Trần Thị Mỹ Linh", "18:00–19:00"),
        ("Lê Văn Bình", "19:00–20:00"),
    ]
    out = write_invitations_pdf(invitation_sheets(session, DAY), tmp_path / "giay-moi")
    assert out.name == "giay-moi.pdf"
    assert pdf_page_count(out) == 2
    width, height = pdf_page_size_mm(out)
    assert (round(width), round(height)) == (105, 148)
    text = pdf_text(out)
    for words in ("GIẤY MỜI", "Kính gửi: Ông/Bà Trần Thị Mỹ Linh", "25/07/2023", "MANG THEO"):
        assert words in text
    assert LINH not in text
    assert pdf_qr_codes(out)["https://vneid.gov.vn"] == 1  # on the first page, as on each


def test_no_invitations_means_no_file(session: Session, tmp_path: Path) -> None:
    listed(session, tmp_path)
    assert invitation_sheets(session, DAY) == []
    with pytest.raises(ValueError, match="no sheets"):
        write_invitations_pdf([], tmp_path / "trong.pdf")
    assert not (tmp_path / "trong.pdf").exists()
