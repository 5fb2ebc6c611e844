"""Guide sheets: each layout as a real PDF, its QR codes decoded, its Vietnamese text read back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import Role
from models.entities import AuditEntry, Setting
from services.common.errors import NotFoundError, ValidationError
from services.documents.guides import (
    GuideContent,
    GuideLayout,
    check_guide,
    default_guide,
    display_url,
    guide_problems,
    guide_sheet,
    load_guide,
    parse_layout,
    point_defaults,
    printable_guide,
    reset_guide,
    save_guide,
)
from services.documents.qr_links import QR_DOMAINS_SETTING, allow_qr_domain
from services.documents.qr_paint import QUIET_ZONE, paint_qr, qr_matrix
from services.documents.sheets import render_image, write_pdf
from services.security.permissions import PermissionDeniedError
from services.security.session_context import Actor
from tests.factories import World
from tests.pdf_tools import pdf_image_objects, pdf_page_size_mm, pdf_qr_codes, pdf_text

DEFAULT_URLS = {
    "https://vneid.gov.vn",
    "https://tailieuhuongdan.dean06.vn",
    "https://play.google.com/store/apps/details?id=com.vnid",
    "https://apps.apple.com/vn/app/vneid/id1582750311",
}


@pytest.fixture(autouse=True)
def gui(qapp: QGuiApplication) -> Iterator[None]:
    yield


@pytest.fixture
def world(session: Session) -> World:
    w = World(session)
    session.commit()
    return w


def at_point(world: World, role: Role = Role.OPERATOR) -> Actor:
    """Lan, signed in at Phú Tâm."""
    return Actor(world.operator.id, "lan.nt", "Nguyễn Thị Lan", role, world.point_phu_tam.id)


def content_for(world: World) -> GuideContent:
    return load_guide(world.session, world.point_phu_tam.code)


@pytest.mark.parametrize(
    ("layout", "size", "copies"),
    [
        (GuideLayout.A4, (210, 297), 1),
        (GuideLayout.A5, (148, 210), 1),
        (GuideLayout.CARDS, (210, 297), 8),
    ],
)
def test_each_layout_is_a_pdf_whose_qr_codes_all_decode(
    world: World, tmp_path: Path, layout: GuideLayout, size: tuple[int, int], copies: int
) -> None:
    path = write_pdf(guide_sheet(content_for(world), layout), tmp_path / f"{layout}.pdf")
    width, height = pdf_page_size_mm(path)
    assert abs(width - size[0]) < 0.5 and abs(height - size[1]) < 0.5
    codes = pdf_qr_codes(path)
    assert set(codes) == DEFAULT_URLS
    assert all(count == copies for count in codes.values()), codes
    # Drawn from the matrix as shapes: no bitmap anywhere on the page.
    assert pdf_image_objects(path) == 0


def test_cards_are_at_least_eight_to_a_page(world: World, tmp_path: Path) -> None:
    path = write_pdf(guide_sheet(content_for(world), GuideLayout.CARDS), tmp_path / "c.pdf")
    text = pdf_text(path)
    assert text.count("Tài khoản định danh điện tử VNeID") >= 8
    assert text.count("Công an xã Phú Tâm") >= 8
    assert sum(pdf_qr_codes(path).values()) >= 8 * 4


@pytest.mark.parametrize("layout", list(GuideLayout))
def test_vietnamese_text_is_in_the_pdf_with_its_diacritics(
    world: World, tmp_path: Path, layout: GuideLayout
) -> None:
    path = write_pdf(guide_sheet(content_for(world), layout), tmp_path / "g.pdf")
    text = " ".join(pdf_text(path).split())
    for expected in (
        "Công an xã Phú Tâm",
        "Xã Phú Tâm, Huyện Châu Thành",
        "07:00 – 21:00",
        "19000368",
        "Tổng đài hỗ trợ",
    ):
        assert expected in text, expected
    if layout is not GuideLayout.CARDS:
        for expected in (
            "Kích hoạt tài khoản định danh điện tử VNeID",
            "Đăng ký tài khoản mức 1 trên ứng dụng VNeID",
            "Nhập mã OTP nhận qua tin nhắn",
            "mang theo thẻ căn cước",
            "tailieuhuongdan.dean06.vn",
        ):
            assert expected in text, expected


def test_a_changed_store_link_and_texts_are_saved_and_printed(
    world: World, session: Session, tmp_path: Path
) -> None:
    code = world.point_phu_tam.code
    changed = replace(
        content_for(world),
        play_url="https://play.google.com/store/apps/details?id=com.vnid&hl=vi",
        hours="06:30 – 22:00 hằng ngày",
        level1_steps=("Bước thử nghiệm một.", "Bước thử nghiệm hai."),
        point_name="Nhà văn hóa ấp Phú Hòa",
    )
    save_guide(session, at_point(world), code, changed)
    session.commit()
    stored = json.loads(session.get(Setting, f"guide.{code}").value)  # type: ignore[union-attr]
    assert set(stored) == {"play_url", "hours", "level1_steps", "point_name"}  # only the changes

    again = load_guide(session, code)
    assert again == changed
    for layout in GuideLayout:
        path = write_pdf(guide_sheet(again, layout), tmp_path / f"{layout}.pdf")
        codes = pdf_qr_codes(path)
        assert "https://play.google.com/store/apps/details?id=com.vnid&hl=vi" in codes
        assert "https://play.google.com/store/apps/details?id=com.vnid" not in codes
        text = " ".join(pdf_text(path).split())
        assert "06:30 – 22:00 hằng ngày" in text and "Nhà văn hóa ấp Phú Hòa" in text
        if layout is not GuideLayout.CARDS:
            assert "Bước thử nghiệm hai." in text

    # Another point keeps the defaults; a reset brings them back.
    assert load_guide(session, world.point_phuong_5.code).play_url == default_guide().play_url
    assert reset_guide(session, at_point(world), code) == point_defaults(session, code)
    session.commit()
    assert session.get(Setting, f"guide.{code}") is None


def test_saving_the_defaults_stores_nothing(world: World, session: Session) -> None:
    code = world.point_phu_tam.code
    save_guide(session, at_point(world), code, content_for(world))
    assert session.get(Setting, f"guide.{code}") is None


def test_point_defaults_name_and_address_of_the_point(world: World, session: Session) -> None:
    content = point_defaults(session, world.point_phu_tam.code)
    assert content.point_name == "Công an xã Phú Tâm"
    assert content.point_address == "Xã Phú Tâm, Huyện Châu Thành"
    assert content.hours == "07:00 – 21:00 hằng ngày" and content.hotline == "19000368"
    assert point_defaults(session, None).point_name == ""
    with pytest.raises(NotFoundError, match="Không có điểm thu nhận mã «KHONG-CO»"):
        point_defaults(session, "KHONG-CO")


def test_validation_names_every_problem_in_vietnamese(world: World, session: Session) -> None:
    bad = replace(
        content_for(world),
        activation_url="vneid.gov.vn",
        appstore_url="ftp://example.org/app",
        title="  ",
        activation_steps=(),
    )
    problems = guide_problems(GuideContent.from_dict(bad.as_dict()))
    fields = [p.field for p in problems]
    assert fields == ["title", "activation_url", "appstore_url", "activation_steps"]
    assert "phải là địa chỉ web bắt đầu bằng https://" in problems[1].message
    assert "Tiêu đề không được để trống." in problems[0].message
    with pytest.raises(ValidationError, match="cần ít nhất một bước"):
        save_guide(session, at_point(world), world.point_phu_tam.code, bad)
    assert session.get(Setting, f"guide.{world.point_phu_tam.code}") is None
    # Empty point name and address are allowed: the sheet leaves a line to write them in.
    check_guide(replace(content_for(world), point_name="", point_address=""))


def test_a_broken_saved_override_falls_back_to_the_defaults(world: World, session: Session) -> None:
    code = world.point_phu_tam.code
    session.add(Setting(key=f"guide.{code}", value="{not json"))
    session.commit()
    assert load_guide(session, code) == point_defaults(session, code)
    session.get(Setting, f"guide.{code}").value = json.dumps({"docs_url": "khong-phai-url"})  # type: ignore[union-attr]
    session.commit()
    assert load_guide(session, code).docs_url == "https://tailieuhuongdan.dean06.vn"


def test_steps_may_come_as_lines_of_text() -> None:
    data = default_guide().as_dict() | {"level1_steps": "Một\n\n  Hai  \n"}
    assert GuideContent.from_dict(data).level1_steps == ("Một", "Hai")


def test_unknown_layout_is_a_vietnamese_error() -> None:
    assert parse_layout(" CARDS ") is GuideLayout.CARDS
    with pytest.raises(ValidationError, match="Khổ «b5» không có: chọn một trong a4, a5, cards"):
        parse_layout("b5")


def test_display_url() -> None:
    assert display_url("https://vneid.gov.vn/") == "vneid.gov.vn"
    assert display_url("https://tailieuhuongdan.dean06.vn") == "tailieuhuongdan.dean06.vn"
    assert display_url("https://play.google.com/store/apps/details?id=com.vnid") == ""


def test_a_sheet_without_a_point_leaves_lines_to_write_in(tmp_path: Path) -> None:
    path = write_pdf(guide_sheet(default_guide(), GuideLayout.A4), tmp_path / "g.pdf")
    assert "ĐIỂM THU NHẬN" in pdf_text(path)
    assert set(pdf_qr_codes(path)) == DEFAULT_URLS


def test_long_texts_shrink_to_fit_instead_of_running_off(world: World) -> None:
    long = replace(
        content_for(world),
        title="Kích hoạt tài khoản định danh điện tử VNeID " * 3,
        level1_steps=tuple("Một bước rất dài của hướng dẫn đăng ký, " * 4 for _ in range(8)),
    )
    for layout in GuideLayout:
        image = render_image(guide_sheet(long, layout), 60)
        assert not image.isNull()


@pytest.mark.parametrize(
    "url",
    [
        "https://vneid.gov.vn",
        "https://play.google.com/store/apps/details?id=com.vnid",
        "https://apps.apple.com/vn/app/vneid/id1582750311",
    ],
)
def test_qr_code_decodes_and_has_its_quiet_zone(url: str) -> None:
    side = 41 * 8
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("black"))  # the quiet zone must be painted white by paint_qr itself
    painter = QPainter(image)
    paint_qr(painter, QRectF(0, 0, side, side), url)
    painter.end()
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [url]
    module = side / (len(qr_matrix(url)) + 2 * QUIET_ZONE)
    quiet = int(QUIET_ZONE * module) - 1
    assert all(
        image.pixelColor(x, y) == QColor("white")
        for x, y in [(quiet, quiet), (side - quiet, side // 2), (side // 2, quiet)]
    )


def test_qr_error_correction_is_q_or_better() -> None:
    decoded = zxingcpp.read_barcodes(_qr_image("https://vneid.gov.vn"))
    assert decoded and decoded[0].ec_level in ("Q", "H")


def _qr_image(url: str) -> QImage:
    image = QImage(300, 300, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    paint_qr(painter, QRectF(0, 0, 300, 300), url)
    painter.end()
    return image


# ---------------------------------------------------------------- rights, audit, QR allow-list


def audited(session: Session, action: str) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_an_operator_edits_only_their_own_points_guide(world: World, session: Session) -> None:
    own, other = world.point_phu_tam.code, world.point_phuong_5.code
    lan = at_point(world)
    changed = replace(load_guide(session, other), hours="Cả ngày chủ nhật")
    with pytest.raises(PermissionDeniedError, match="sửa tờ hướng dẫn của điểm thu nhận khác"):
        save_guide(session, lan, other, changed)
    with pytest.raises(PermissionDeniedError, match="quản lý"):
        reset_guide(session, lan, other)
    assert session.get(Setting, f"guide.{other}") is None
    assert audited(session, "guide_edit") == []

    # Her own point: saved and logged, with the point and the fields, not the texts.
    save_guide(session, lan, own, replace(content_for(world), hours="Cả ngày chủ nhật"))
    # A manager may edit another point's.
    save_guide(session, at_point(world, Role.MANAGER), other, changed)
    session.commit()
    assert load_guide(session, other).hours == "Cả ngày chủ nhật"
    entries = audited(session, "guide_edit")
    assert [json.loads(e.details) for e in entries] == [
        {"point": own, "fields": ["hours"]},
        {"point": other, "fields": ["hours"]},
    ]
    assert all(e.username == "lan.nt" for e in entries)
    assert own in entries[0].summary and "giờ làm việc" in entries[0].summary
    assert "Cả ngày chủ nhật" not in entries[0].details

    # A reset is an edit too.
    reset_guide(session, lan, own)
    session.commit()
    assert json.loads(audited(session, "guide_edit")[-1].details) == {
        "point": own,
        "fields": ["hours"],
    }


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("https://evil.example/vneid", "tên miền «evil.example», không nằm trong danh sách"),
        ("http://vneid.gov.vn", "phải là địa chỉ web bắt đầu bằng https://"),
        ("https://vneid.gov.vn.evil.example", "tên miền «vneid.gov.vn.evil.example»"),
        ("https://notvneid.gov.vn", "tên miền «notvneid.gov.vn»"),
        ("https://vneid.gov.vn@evil.example", "phải là địa chỉ web bắt đầu bằng https://"),
    ],
)
def test_a_qr_link_off_the_allow_list_is_refused(
    world: World, session: Session, url: str, message: str
) -> None:
    code = world.point_phu_tam.code
    with pytest.raises(ValidationError, match=message) as refused:
        save_guide(session, at_point(world), code, replace(content_for(world), docs_url=url))
    assert refused.value.field == "docs_url"
    if "evil.example" in message:
        assert "quản trị viên" in str(refused.value)
    assert session.get(Setting, f"guide.{code}") is None
    assert audited(session, "guide_edit") == []


def test_a_subdomain_of_an_allowed_domain_is_accepted(world: World, session: Session) -> None:
    code = world.point_phu_tam.code
    url = "https://hotro.vneid.gov.vn/huong-dan"
    save_guide(session, at_point(world), code, replace(content_for(world), activation_url=url))
    session.commit()
    assert load_guide(session, code).activation_url == url


def test_an_admin_extends_the_allow_list(world: World, session: Session) -> None:
    code = world.point_phu_tam.code
    url = "https://congan.soctrang.gov.vn/vneid"
    for role in (Role.OPERATOR, Role.MANAGER):
        with pytest.raises(PermissionDeniedError, match="quản trị viên"):
            allow_qr_domain(session, at_point(world, role), "congan.soctrang.gov.vn")
    assert session.get(Setting, QR_DOMAINS_SETTING) is None
    with pytest.raises(ValidationError, match="không nằm trong danh sách"):
        save_guide(session, at_point(world), code, replace(content_for(world), docs_url=url))

    admin = Actor(None, "cli:admin", "cli:admin", Role.ADMIN)
    assert allow_qr_domain(session, admin, "congan.soctrang.gov.vn") is True
    assert allow_qr_domain(session, admin, "CONGAN.soctrang.gov.vn") is False  # already on it
    session.commit()
    save_guide(session, at_point(world), code, replace(content_for(world), docs_url=url))
    session.commit()
    assert load_guide(session, code).docs_url == url
    (entry,) = audited(session, "settings")
    details = json.loads(entry.details)
    assert details["setting"] == QR_DOMAINS_SETTING and entry.username == "cli:admin"
    assert details["after"][-1] == "congan.soctrang.gov.vn"
    with pytest.raises(ValidationError, match="Tên miền «https://x/y» không hợp lệ"):
        allow_qr_domain(session, admin, "https://x/y")


def test_a_stored_link_off_the_list_is_not_printed(world: World, session: Session) -> None:
    code = world.point_phu_tam.code
    session.add(
        Setting(key=f"guide.{code}", value=json.dumps({"docs_url": "https://evil.example"}))
    )
    session.commit()
    stored = load_guide(session, code)
    assert stored.docs_url == "https://evil.example"  # kept, to be seen and corrected
    with pytest.raises(ValidationError, match=r"evil\.example"):
        printable_guide(session, stored)
    assert printable_guide(session, point_defaults(session, code)) == point_defaults(session, code)
