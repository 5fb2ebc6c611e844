"""The processing description for the impact-assessment dossier follows the program."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import Base
from models.codes import ConsentBasis, RequestKind, Role
from models.entities import AuditEntry
from services.privacy.consent import LegalBasisSetting, set_legal_basis
from services.privacy.processing_description import (
    NOT_PERSONAL,
    STORED_DATA,
    Installation,
    processing_description,
    storage_place,
    write_processing_description,
)
from services.privacy.purge import set_grace_days
from services.privacy.requests import log_request
from services.security.permissions import PermissionDeniedError
from services.security.session_context import Actor
from tests.factories import CLI, id_number_for, known_world
from tests.pdf_tools import pdf_text

HERE = Installation("sqlite:////data/kichhoat/kichhoat.sqlite3", Path("/data/kichhoat/backups"), 10)


@pytest.fixture(autouse=True)
def gui(qapp: QGuiApplication) -> Iterator[None]:
    yield


def text_of(session: Session, installation: Installation = HERE) -> str:
    return processing_description(session, CLI, installation).text()


def test_every_column_of_every_table_is_described_or_said_not_personal() -> None:
    tables = {table.name: table for table in Base.metadata.sorted_tables}
    assert set(STORED_DATA) | (NOT_PERSONAL - {"alembic_version"}) == set(tables), (
        "a new table: say in services/privacy/processing_description.py what it keeps"
    )
    for name, (_title, columns) in STORED_DATA.items():
        assert set(columns) == {c.name for c in tables[name].columns}, name


def test_the_retention_follows_the_setting(session: Session) -> None:
    known_world(session)
    before = text_of(session)
    assert "Thời gian giữ thêm sau đợt: 30 ngày" in before
    assert "Được xóa từ ngày: 18/09/2023" in before  # last day 18/08/2023 + 30 + 1
    set_grace_days(session, CLI, 45)
    session.commit()
    after = text_of(session)
    assert "Thời gian giữ thêm sau đợt: 45 ngày" in after
    assert "Được xóa từ ngày: 03/10/2023" in after
    assert "30 ngày" not in after.split("6. Thời hạn lưu trữ")[1].split("7. Bên nhận")[0]


def test_it_says_what_is_kept_where_and_how_it_is_protected(session: Session) -> None:
    known_world(session)
    log_request(session, CLI, id_number_for(date(1990, 3, 15), "Nữ", 1), RequestKind.ACCESS)
    session.commit()
    text = text_of(session)
    for expected in (
        "Mô tả hoạt động xử lý dữ liệu cá nhân",
        "số định danh cá nhân; mức tài khoản định danh điện tử (1 hoặc 2); họ và tên",
        "Tài khoản cán bộ",
        "Tệp SQLite trên máy tính này: /data/kichhoat/kichhoat.sqlite3",
        "giữ 12 bản gần nhất",
        "argon2id",
        "sai 5 lần liên tiếp thì khóa 15 phút",
        "Tự khóa sau 10 phút không dùng",
        "SHA-256",
        "AES-256-GCM",
        "(PC06), Công an tỉnh Sóc Trăng",  # the campaign's report recipient
        "Kế hoạch số 142/KH-UBND",
        "hỗ trợ ông/bà đăng ký, kích hoạt",  # the purpose read to the citizen
        "Đang chờ trả lời: 1 yêu cầu",
        "Xóa dữ liệu | 2 ngày làm việc | 20 ngày | khoản 4 Điều 5 Nghị định 356/2025/NĐ-CP",
        "Công dân được hỗ trợ (còn dữ liệu cá nhân): 7 người, 8 hồ sơ",
        "(đơn vị điền)",
    ):
        assert expected in text, expected
    # Vietnamese throughout: no code, no English word of the program leaks into it.
    for leak in ("None", "True", "False", "retention", "sqlite3://", "_id", "case_"):
        assert leak not in text, leak


def test_the_legal_basis_follows_the_setting(session: Session) -> None:
    assert "Căn cứ xử lý: Sự đồng ý của công dân (Điều 9, Điều 11" in text_of(session)
    assert "«Công dân đã nghe thông báo và đồng ý»" in text_of(session)
    law = "Kế hoạch số 142/KH-UBND ngày 14/7/2023 của UBND tỉnh Sóc Trăng"
    set_legal_basis(session, CLI, LegalBasisSetting(ConsentBasis.LEGAL_DUTY, law))
    session.commit()
    text = text_of(session)
    assert "(điểm c khoản 1 Điều 19 Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15" in text
    assert law in text and "«Đã đọc thông báo cho công dân nghe»" in text
    assert "phiên bản v1" in text


def test_a_shared_servers_password_and_user_never_appear() -> None:
    url = "postgresql+psycopg://kichhoat:mat-khau-bi-mat@10.0.0.5:5432/kichhoat"
    place = storage_place(url)
    assert "10.0.0.5:5432" in place and "«kichhoat»" in place
    assert "mat-khau-bi-mat" not in place and "kichhoat:" not in place


def test_on_a_server_the_backups_are_the_servers(session: Session) -> None:
    installation = Installation("postgresql+psycopg://u:p@db.tinh.vn/kh", None, 0)
    text = text_of(session, installation)
    assert "quản trị viên máy chủ sao lưu (pg_dump)" in text
    assert "Tự khóa tắt trên máy này" in text and ":p@" not in text


def test_only_administrators_make_it(session: Session) -> None:
    manager = Actor(1, "quan.ly", "Quản lý", Role.MANAGER, None)
    with pytest.raises(PermissionDeniedError, match="mô tả hoạt động xử lý"):
        processing_description(session, manager, HERE)


def test_the_pdf_is_written_and_logged(session: Session, tmp_path: Path) -> None:
    known_world(session)
    path = write_processing_description(session, CLI, HERE, tmp_path / "mo-ta.pdf")
    session.commit()
    text = " ".join(pdf_text(path).split())
    assert "Mô tả hoạt động xử lý dữ liệu cá nhân" in text
    assert "9. Biện pháp bảo vệ dữ liệu đang áp dụng" in text
    assert re.search(r"Trang 1/\d", text)
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "processing_description")
    ).one()
    assert entry.summary.endswith("mo-ta.pdf")
