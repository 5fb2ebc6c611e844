"""The citizen slip: masked ID, nothing personal beyond the name, the right next step."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from sqlalchemy.orm import Session

from models.codes import FailureReason, Status
from models.entities import Setting
from services.common.errors import NotFoundError, ValidationError
from services.documents.guides import load_guide, save_guide
from services.documents.sheets import write_pdf
from services.documents.slips import (
    parse_slip_format,
    slip_for_case,
    slip_for_id_number,
    slip_sheet,
)
from services.security.session_context import cli_actor
from tests.factories import World, id_number_for
from tests.pdf_tools import pdf_page_size_mm, pdf_qr_codes, pdf_text


@pytest.fixture(autouse=True)
def gui(qapp: QGuiApplication) -> Iterator[None]:
    yield


@pytest.fixture
def world(session: Session) -> World:
    return World(session)


def flat(path: Path) -> str:
    return " ".join(pdf_text(path).split())


def record(world: World, status: Status, level: int = 1, **kwargs: object) -> int:
    facts = world.facts(tail=42, birth=date(1990, 3, 15), phone="0912345678")
    reason = kwargs.get("reason")
    result = world.record(
        facts,
        world.report(status, "2023-07-20 08:00", level=level, reason=reason),  # type: ignore[arg-type]
    )
    world.session.commit()
    return result.case.id


@pytest.mark.parametrize("slip_format", ["a6", "80mm"])
def test_the_slip_masks_the_id_and_shows_nothing_else_personal(
    world: World, tmp_path: Path, slip_format: str
) -> None:
    case_id = record(world, Status.REGISTERED)
    id_number = id_number_for(date(1990, 3, 15), "Nữ", 42)
    slip = slip_for_case(world.session, case_id)
    path = write_pdf(slip_sheet(slip, slip_format), tmp_path / "slip.pdf")
    text = flat(path)
    assert "Trần Thị Mỹ Linh" in text
    assert id_number[:3] + "******" + id_number[-3:] in text
    assert id_number not in text and id_number[3:9] not in text
    for personal in ("15/03/1990", "1990", "0912345678", "0912", "Nữ"):
        assert personal not in text, personal
    assert "Mức 1" in text and "20/07/2023" in text and "Công an xã Phú Tâm" in text
    assert "Đã đăng ký" in text
    assert pdf_qr_codes(path) == {"https://vneid.gov.vn": 1}


def test_slip_sizes(world: World, tmp_path: Path) -> None:
    slip = slip_for_case(world.session, record(world, Status.REGISTERED))
    a6 = write_pdf(slip_sheet(slip, "a6"), tmp_path / "a6.pdf")
    assert pdf_page_size_mm(a6) == pytest.approx((105, 148), abs=0.5)
    roll = write_pdf(slip_sheet(slip, "80mm"), tmp_path / "roll.pdf")
    width, height = pdf_page_size_mm(roll)
    assert width == pytest.approx(80, abs=0.5)
    assert 90 < height < 220  # as long as its content, not a whole page
    with pytest.raises(ValidationError, match="chọn a6 hoặc 80mm"):
        parse_slip_format("a4")


@pytest.mark.parametrize(
    ("status", "level", "reason", "expected"),
    [
        (Status.REGISTERED, 1, None, "Khi nhận được tin nhắn SMS báo tài khoản đã được phê duyệt"),
        (Status.APPROVED, 1, None, "Kích hoạt ngay trên ứng dụng VNeID hoặc tại vneid.gov.vn"),
        (Status.APPLICATION_TAKEN, 2, None, "(trong 3 ngày làm việc)"),
        (Status.ACTIVATED, 1, None, "Đăng nhập ứng dụng VNeID bằng số định danh"),
        (Status.FAILED, 1, FailureReason.NOT_OWN_NUMBER, "chuyển thuê bao sang tên mình"),
        (Status.FAILED, 1, FailureReason.FACE_CAPTURE, "gọi tổng đài 19000368"),
    ],
)
def test_next_step_per_status(
    world: World,
    status: Status,
    level: int,
    reason: FailureReason | None,
    expected: str,
) -> None:
    slip = slip_for_case(world.session, record(world, status, level=level, reason=reason))
    assert expected in slip.next_step
    if status in (Status.REGISTERED, Status.APPROVED, Status.APPLICATION_TAKEN):
        assert "Mang theo thẻ căn cước" in slip.next_step
        assert "quay lại điểm thu nhận này" in slip.next_step
    if status is Status.FAILED:
        assert slip.failure_label is not None


def test_the_slip_uses_the_points_edited_texts(world: World, session: Session) -> None:
    code = world.point_phu_tam.code
    edited = load_guide(session, code)
    from dataclasses import replace

    save_guide(
        session, cli_actor(), code, replace(edited, hotline="0299 3822 222", hours="Sáng 7 giờ")
    )
    session.commit()
    slip = slip_for_case(session, record(world, Status.FAILED, reason=FailureReason.QR_SCAN))
    assert slip.hotline == "0299 3822 222" and "0299 3822 222" in slip.next_step
    assert slip.hours == "Sáng 7 giờ"


def test_a_stored_activation_link_off_the_allow_list_never_reaches_a_slip(
    world: World, session: Session
) -> None:
    session.add(
        Setting(
            key=f"guide.{world.point_phu_tam.code}",
            value=json.dumps({"activation_url": "https://evil.example", "hotline": "0299 1"}),
        )
    )
    session.commit()
    slip = slip_for_case(session, record(world, Status.FAILED, reason=FailureReason.QR_SCAN))
    assert slip.activation_url == "https://vneid.gov.vn" and slip.hotline == "0299 1"
    assert "evil" not in slip.next_step


def test_unknown_case_and_number(world: World) -> None:
    with pytest.raises(NotFoundError, match="Không tìm thấy hồ sơ để in phiếu"):
        slip_for_case(world.session, 999_999)
    with pytest.raises(NotFoundError, match=r"Chưa có hồ sơ mức 2 của số định danh 094\*"):
        slip_for_id_number(world.session, "094190000042", 2)
    with pytest.raises(ValidationError, match="12 chữ số"):
        slip_for_id_number(world.session, "12345", 1)


def test_the_slip_dates_the_result_not_a_later_report_kept_as_a_record(world: World) -> None:
    """Activated on 20/07; a failure reported for 22/07 arrives later and is kept only as a
    record (rule 2): the slip says «Đã kích hoạt» on the day it was reached, 20/07."""
    facts = world.facts(tail=42, birth=date(1990, 3, 15), phone="0912345678")
    case = world.record(facts, world.report(Status.ACTIVATED, "2023-07-20 08:00")).case
    late = world.report(
        Status.FAILED, "2023-07-22 08:00", reason=FailureReason.FACE_CAPTURE, note=None
    )
    world.record(facts, late)
    world.session.commit()
    slip = slip_for_case(world.session, case.id)
    assert (slip.status_label, slip.day) == ("Đã kích hoạt", date(2023, 7, 20))
