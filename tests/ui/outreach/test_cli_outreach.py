"""`outreach import|stop|slot|appoint|set|sms|status` as a commune team's script uses them, end
to end: a list imported, appointments made, cases recorded at the desk and by `records
import`, and `outreach status --json` moving as the rules say."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from models.codes import Role, Status
from services.cases.records import COLUMNS as RECORD_COLUMNS
from services.common.vntime import VN_TZ, format_date, now_utc, today_vn
from services.desk.intake import IntakeResult, save_intake
from services.outreach.list_import import COLUMNS
from services.security.session_context import Actor
from services.upkeep.database import open_database
from tests.factories import PHU_TAM, World, id_number_for
from tests.pdf_tools import pdf_text
from tests.shared_sheets import record_row, write_sheet
from tests.test_cli import add_account, run
from tests.test_cli import db as db  # the fixture: preset and administrator

LINH = id_number_for(date(1990, 3, 15), "Nữ", 1)  # World.facts(1)
BINH = id_number_for(date(1985, 1, 2), "Nam", 777)
TAI = id_number_for(date(1970, 6, 1), "Nam", 4242)


def status_json(db: Path, *args: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run("outreach", "status", "--json", *args, db=db).stdout)
    return data


def counts(data: dict[str, Any], *keys: str) -> tuple[int, ...]:
    return tuple(data["total"][key] for key in keys)


def write_list(path: Path, rows: list[list[str]]) -> Path:
    return write_sheet(path, COLUMNS, rows)


def record_at_the_desk(db: Path, status: Status) -> None:
    """Linh comes to the Phú Tâm police desk: the desk's own service saves her case."""
    database = open_database(f"sqlite:///{db}")
    try:
        with database.session() as session:
            world = World(session)
            session.commit()
            clerk = Actor(world.operator.id, "lan.nt", "Lan", Role.OPERATOR, world.point_phu_tam.id)
            save_intake(session, clerk, world.draft(1), IntakeResult(1, status), consent=True)
            session.commit()
    finally:
        database.dispose()


def test_a_review_list_from_import_to_activation(db: Path, tmp_path: Path) -> None:
    today = today_vn()
    day = format_date(today)
    people = [
        [LINH, "Trần Thị Mỹ Linh", "15/03/1990", "Nữ", "0912345678", PHU_TAM, "Ấp 3", "", ""],
        [BINH, "Lê Văn Bình", "02/01/1985", "Nam", "0987654321", PHU_TAM, "Ấp 3", "", ""],
        ["", "Sơn Thị Hoa", "1960", "Nữ", "0911222333", PHU_TAM, "Ấp 3", "", ""],
        [TAI, "Lâm Văn Tài", "01/06/1970", "Nam", "", PHU_TAM, "Ấp Phú Hòa", "", ""],
        ["123", "Số Sai", "1970", "", "", PHU_TAM, "Ấp 3", "", ""],
    ]
    path = write_list(tmp_path / "ra-soat.csv", people)

    # The import: as `records import`, bad rows on stderr and in the rejects file, exit 0.
    first = run("outreach", "import", str(path), "--source", "Đoàn xã Phú Tâm", db=db)
    assert "4 người mới vào danh sách" in first.stdout and "1 dòng lỗi" in first.stdout
    assert "Dòng 6:" in first.stderr and (tmp_path / "ra-soat.loi.csv").is_file()
    again = run("outreach", "import", str(path), db=db)
    assert "0 người mới vào danh sách, 4 người đã có" in again.stdout
    missing = run("outreach", "import", str(tmp_path / "khong-co.csv"), db=db, check=False)
    assert missing.returncode == 2 and "Không tìm thấy tệp" in missing.stderr
    assert counts(status_json(db), "listed", "notified", "appointed") == (4, 0, 0)

    # A mobile team's evening stop, two people an hour.
    run(
        "outreach",
        "stop",
        "add",
        "--code",
        "PT-AP3",
        "--name",
        "Tổ lưu động Ấp 3",
        "--commune",
        PHU_TAM,
        "--hamlet",
        "Ấp 3",
        "--address",
        "Nhà văn hóa Ấp 3",
        db=db,
    )
    run(
        "outreach",
        "slot",
        "add",
        "--point",
        "PT-AP3",
        "--day",
        day,
        "--from",
        "18:00",
        "--to",
        "20:00",
        "--capacity",
        "2",
        "--every",
        "60",
        db=db,
    )
    appoint = ("outreach", "appoint", "--point", "PT-AP3", "--at")
    run(*appoint, f"{day} 18:15", "--id-number", LINH, db=db)
    run(*appoint, f"{day} 18:30", "--id-number", BINH, db=db)
    with sqlite3.connect(db) as connection:
        (hoa,) = connection.execute(
            "SELECT uid FROM outreach_entries WHERE full_name = 'Sơn Thị Hoa'"
        ).fetchone()
    full = run(*appoint, f"{day} 18:45", "--row-id", hoa, db=db, check=False)
    assert full.returncode == 1 and "đã đủ người" in full.stderr and "19:00–20:00" in full.stderr
    run(*appoint, f"{day} 19:10", "--row-id", hoa, db=db)
    assert counts(status_json(db), "notified", "appointed") == (3, 3)

    # The day's invitation slips: one per person, with the place, the time and the QR.
    slips = tmp_path / "giay-moi.pdf"
    printed = run("outreach", "slips", "--day", today.isoformat(), "--out", str(slips), db=db)
    assert "Đã ghi 3 giấy mời" in printed.stdout
    text = " ".join(pdf_text(slips).split())
    assert text.count("GIẤY MỜI") == 3 and "Sơn Thị Hoa" in text and "Nhà văn hóa Ấp 3" in text
    assert "18:00 – 19:00" in text and "vneid.gov.vn" in text

    # Reminders: one per person, then Bình refuses and Hoa asks to be left alone.
    sms = tmp_path / "sms.csv"
    run("outreach", "sms", "--day", today.isoformat(), "--out", str(sms), db=db)
    with sms.open(encoding="ascii") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["phone", "message"]
    assert sorted(line[0] for line in lines[1:]) == ["84911222333", "84912345678", "84987654321"]
    assert all(len(line[1]) <= 160 and "Nha van hoa" not in line[1] for line in lines[1:])
    run("outreach", "set", "--id-number", BINH, "--status", "Từ chối", db=db)
    run("outreach", "set", "--row-id", hoa, "--status", "Đã hẹn", "--do-not-contact", db=db)
    template = tmp_path / "mau.txt"
    template.write_text("Kính mời {ten} đến {diem} lúc {gio} ngày {ngay}.", encoding="utf-8")
    run(
        "outreach",
        "sms",
        "--day",
        today.isoformat(),
        "--out",
        str(sms),
        "--template",
        str(template),
        db=db,
    )
    with sms.open(encoding="ascii") as handle:
        assert list(csv.reader(handle))[1:] == [
            [
                "84912345678",
                f"Kinh moi Tran Thi My Linh den To luu dong Ap 3 luc 18:00 ngay {today:%d/%m}.",
            ]
        ]
    data = status_json(db)
    assert counts(data, "notified", "appointed", "refused", "came") == (2, 2, 1, 0)

    # Linh comes to the desk; Tài is recorded by a spreadsheet import.
    record_at_the_desk(db, Status.REGISTERED)
    assert counts(status_json(db), "came", "activated") == (1, 0)
    record_at_the_desk(db, Status.ACTIVATED)
    moment = (now_utc() - timedelta(minutes=5)).astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")
    tai = record_row(TAI, "Lâm Văn Tài", "01/06/1970", "Nam", 1, "Đã đăng ký", moment)
    records = write_sheet(tmp_path / "ho-so.csv", RECORD_COLUMNS, [tai])
    run("records", "import", str(records), db=db)
    data = status_json(db)
    assert counts(data, "listed", "came", "activated", "refused", "to_reach") == (4, 2, 1, 1, 1)
    assert data["by"] == "commune" and [r["code"] for r in data["rows"]] == [PHU_TAM]
    assert data["total"]["converted"] == 0.25

    # Per hamlet: the commune's code and the hamlet's name, most still to reach first.
    hamlets = status_json(db, "--by", "hamlet")
    assert [(r["code"], r["name"], r["to_reach"]) for r in hamlets["rows"]] == [
        (PHU_TAM, "Ấp 3", 1),
        (PHU_TAM, "Ấp Phú Hòa", 0),
    ]
    assert set(hamlets["rows"][0]) >= {
        "code",
        "name",
        "listed",
        "notified",
        "appointed",
        "came",
        "activated",
        "had_account",
        "refused",
        "unreachable",
        "ineligible",
    }
    # Yesterday nobody was listed; the text table says the same as the JSON.
    yesterday = (today - timedelta(days=1)).isoformat()
    assert status_json(db, "--as-of", yesterday)["total"]["listed"] == 0
    table = run("outreach", "status", db=db).stdout
    assert "Tiến độ vận động" in table and "Tổng:" in table


def test_outreach_commands_keep_their_doors(db: Path, tmp_path: Path) -> None:
    add_account(db, "lan.nt", "mat-khau-can-bo-1", Role.OPERATOR)
    path = write_list(tmp_path / "ds.csv", [["", "A B", "1990", "", "", PHU_TAM, "Ấp 3", "", ""]])
    operator = {"KICHHOAT_USER": "lan.nt", "KICHHOAT_PASSWORD": "mat-khau-can-bo-1"}
    refused = run("outreach", "import", str(path), db=db, env=operator, check=False)
    assert refused.returncode == 4 and "nhập danh sách rà soát" in refused.stderr
    # The stops' codes, which booking needs, are the operator's to read, not to add.
    assert run("outreach", "stop", "list", db=db, env=operator).returncode == 0
    adding = ("outreach", "stop", "add", "--code", "X", "--name", "X", "--commune", PHU_TAM)
    assert run(*adding, db=db, env=operator, check=False).returncode == 4
    nobody = {"KICHHOAT_USER": "", "KICHHOAT_PASSWORD": ""}
    assert run("outreach", "status", db=db, env=nobody).returncode == 0  # counts only
    signed_out = run("outreach", "schedule", "--day", "2023-07-25", db=db, env=nobody, check=False)
    assert signed_out.returncode == 3
    broken = write_list(tmp_path / "thieu.csv", [])
    broken.write_text("Họ và tên,Ngày sinh,Mã xã\nA,1990,31573\n", encoding="utf-8")
    unreadable = run("outreach", "import", str(broken), db=db, check=False)
    assert unreadable.returncode == 2 and "thiếu cột: Khóm/ấp" in unreadable.stderr


def test_an_empty_list_of_stops_says_so(db: Path) -> None:
    """`outreach stop list` printed nothing at all before the first stop (found by the
    black-box probe)."""
    listed = run("outreach", "stop", "list", db=db)
    assert "Chưa có điểm hẹn nào" in listed.stdout and "outreach stop add" in listed.stdout
