"""`guide` and `slip` as scripts run them: `main.py` as a process, no window, no display."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from models.codes import Status
from models.entities import AuditEntry, Setting
from services.campaigns.campaign import load_preset
from services.upkeep.database import open_database
from tests.factories import World, id_number_for
from tests.pdf_tools import pdf_page_size_mm, pdf_qr_codes, pdf_text
from tests.test_cli import ADMIN, add_admin, run

NO_DISPLAY = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "QT_QPA_PLATFORM": ""}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A database file with the preset, one level 1 case, registered at Phú Tâm, and the
    administrator `run` signs in as."""
    path = tmp_path / "kichhoat.sqlite3"
    database = open_database(f"sqlite:///{path}")
    with database.session() as session:
        load_preset(session, "soc-trang-2023")
        world = World(session)
        world.record(world.facts(tail=77), world.report(Status.REGISTERED, "2023-07-21 09:15"))
        session.commit()
    database.dispose()
    return add_admin(path)


def without_display() -> dict[str, str]:
    """As on a server: no display and no platform chosen (`run` lays these over the env)."""
    return dict(NO_DISPLAY)


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["a4", "a5", "cards"])
def test_guide_writes_the_pdf_without_a_window(db: Path, tmp_path: Path, layout: str) -> None:
    out = tmp_path / f"huong-dan-{layout}.pdf"
    result = run("guide", "--layout", layout, "--out", str(out), db=db, env=without_display())
    assert "Đã ghi tờ hướng dẫn" in result.stdout
    codes = pdf_qr_codes(out)
    assert "https://vneid.gov.vn" in codes and "https://tailieuhuongdan.dean06.vn" in codes
    assert sum(codes.values()) == (32 if layout == "cards" else 4)


@pytest.mark.slow
def test_guide_for_a_point_carries_its_name(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "p.pdf"
    run("guide", "--layout", "a4", "--point", "31573-01", "--out", str(out), db=db)
    assert "Công an xã Phú Tâm" in pdf_text(out)


@pytest.mark.slow
def test_slip_writes_the_pdf_for_a_case(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "phieu.pdf"
    number = id_number_for(date(1990, 3, 15), "Nữ", 77)
    result = run(
        "slip",
        "--id-number",
        number,
        "--level",
        "1",
        "--format",
        "80mm",
        "--out",
        str(out),
        db=db,
        env=without_display(),
    )
    assert "Đã ghi phiếu cho công dân" in result.stdout
    text = " ".join(pdf_text(out).split())
    assert number[:3] + "******" + number[-3:] in text and number not in text
    assert "Trần Thị Mỹ Linh" in text and "21/07/2023" in text
    assert pdf_qr_codes(out) == {"https://vneid.gov.vn": 1}
    assert pdf_page_size_mm(out)[0] == pytest.approx(80, abs=0.5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["guide", "--layout", "b5", "--out", "x.pdf"], "Khổ «b5» không có"),
        (
            ["guide", "--layout", "a4", "--point", "KHONG-CO", "--out", "x.pdf"],
            "Không có điểm thu nhận mã «KHONG-CO»",
        ),
        (
            ["slip", "--id-number", "094190099999", "--level", "1", "--out", "x.pdf"],
            "Chưa có hồ sơ mức 1",
        ),
        (
            ["slip", "--id-number", "094190000077", "--level", "3", "--out", "x.pdf"],
            "Mức «3» không hợp lệ",
        ),
        (
            [
                "slip",
                "--id-number",
                "094190000077",
                "--level",
                "1",
                "--format",
                "a4",
                "--out",
                "x.pdf",
            ],
            "chọn a6 hoặc 80mm",
        ),
        (
            ["guide", "--layout", "a4", "--out", "khong-co-thu-muc/x.pdf"],
            "Không có thư mục «khong-co-thu-muc»",
        ),
    ],
)
def test_bad_input_is_a_vietnamese_error(
    db: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [str(tmp_path / a) if a.endswith(".pdf") and "/" not in a else a for a in args]
    if args[-1].startswith("khong-co-thu-muc"):
        args[-1] = str(tmp_path / args[-1])
        message = f"Không có thư mục «{tmp_path / 'khong-co-thu-muc'}»"
    result = run(*args, db=db, check=False)
    assert result.returncode == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.pdf"))


def _store_docs_url(db: Path, url: str) -> None:
    database = open_database(f"sqlite:///{db}")
    with database.session() as session:
        session.add(Setting(key="guide.31573-01", value=json.dumps({"docs_url": url})))
        session.commit()
    database.dispose()


@pytest.mark.slow
def test_a_stored_link_off_the_allow_list_is_printed_only_once_allowed(
    db: Path, tmp_path: Path
) -> None:
    url = "https://congan.soctrang.gov.vn/vneid"
    _store_docs_url(db, url)
    out = tmp_path / "p.pdf"
    args = ("guide", "--layout", "a4", "--point", "31573-01", "--out", str(out))
    refused = run(*args, db=db, check=False)
    assert refused.returncode == 1 and not out.exists()
    assert "tên miền «congan.soctrang.gov.vn», không nằm trong danh sách" in refused.stderr
    assert "guide allow-domain congan.soctrang.gov.vn" in refused.stderr

    allowed = run("guide", "allow-domain", "soctrang.gov.vn", db=db)
    assert "Đã cho phép in mã QR trỏ tới soctrang.gov.vn" in allowed.stdout
    assert "vneid.gov.vn" in allowed.stdout
    again = run("guide", "allow-domain", "soctrang.gov.vn", db=db)
    assert "đã có trong danh sách" in again.stdout
    run(*args, db=db)
    assert url in pdf_qr_codes(out)

    database = open_database(f"sqlite:///{db}")
    with database.session() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.action == "settings")).all()
        assert len(entries) == 1 and "soctrang.gov.vn" in entries[0].summary
        assert entries[0].username == ADMIN  # who signed in, not `cli:<OS user>`
    database.dispose()


def test_allow_domain_refuses_a_path_and_print_needs_its_options(db: Path) -> None:
    bad = run("guide", "allow-domain", "https://evil.example/x", db=db, check=False)
    assert bad.returncode == 1 and "không hợp lệ" in bad.stderr
    missing = run("guide", "--layout", "a4", db=db, check=False)
    assert missing.returncode == 1 and "cần --layout và --out" in missing.stderr
