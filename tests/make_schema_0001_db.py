"""Build tests/data/kichhoat-0001.sqlite: a database as the first released schema (Alembic
revision 0001) left it, with a few synthetic cases and their histories.

The file is committed; tests/models/test_upgrade_from_0001.py upgrades a copy to the newest
schema and checks that every case and history entry survived. Run this again only if the
file must be rebuilt (`.venv/bin/python -m tests.make_schema_0001_db`): the rows are written
with plain SQL in 0001's columns, so later model changes cannot alter what it produces.
All people, ID numbers and phone numbers are invented.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from models.database import make_engine, sqlite_url
from models.migrate import upgrade

TARGET = Path(__file__).resolve().parent / "data" / "kichhoat-0001.sqlite"
NOW = "2023-07-18 00:30:00.000000"

CAMPAIGN = (
    1, "soc-trang-2023", "Chiến dịch thử nâng cấp", "142/KH-UBND", "2023-07-14",
    "ỦY BAN NHÂN DÂN TỈNH SÓC TRĂNG", "Tỉnh Sóc Trăng", "2023-07-18", "2023-08-18",
    "07:00:00.000000", "21:00:00.000000", "2023-08-19", "PC06", 14,
)  # fmt: skip
UNITS = [  # id, campaign, code, name, kind, level, parent, order
    (1, 1, "94", "Tỉnh Sóc Trăng", "tỉnh", "province", None, 0),
    (2, 1, "941", "Thành phố Sóc Trăng", "thành phố", "district", 1, 1),
    (3, 1, "31498", "Phường 5", "phường", "commune", 2, 2),
    (4, 1, "31501", "Phường 7", "phường", "commune", 2, 3),
]
TARGETS = [(1, 1, 576903, 17482), (2, 2, 50802, 1539), (3, 3, 4000, 120), (4, 4, 3500, 100)]
POINTS = [(1, "P001", "Công an Phường 5", "police_id_point", 3, "Số 1 đường Thử", NOW)]
OPERATORS = [
    (1, "lan.nt", "Nguyễn Thị Lan", "Công an Phường 5", "operator", None, 1, 1, NOW),
    (2, "admin", "Trần Văn Quản", "Công an tỉnh", "admin", None, 1, 1, NOW),
]
# id, id_number, level, full_name, name_folded, birth_date, sex, phone, residence, status,
# failure_reason, counted_unit, activated_at, activated_on, created_at, updated_at, version
CASES = [
    (1, "094085000101", 1, "Lê Văn An", "le van an", "1985-03-02", "Nam", "0912000101", 3,
     "activated", None, 3, "2023-07-18 02:10:00.000000", "2023-07-18",
     "2023-07-18 01:00:00.000000", "2023-07-18 02:10:00.000000", 3),
    (2, "094190000202", 1, "Thạch Thị Bích", "thach thi bich", "1990-11-20", "Nữ", None, 4,
     "activated", None, 4, "2023-07-19 18:30:00.000000", "2023-07-20",
     "2023-07-19 03:00:00.000000", "2023-07-19 18:30:00.000000", 3),
    (3, "094060000303", 2, "Sơn Văn Cường", "son van cuong", "1960-01-15", "Nam", "0387000303", 4,
     "activated", None, 3, "2023-07-20 04:00:00.000000", "2023-07-20",
     "2023-07-18 04:00:00.000000", "2023-07-20 04:00:00.000000", 2),
    (4, "094075000404", 1, "Đặng Thị Dung", "dang thi dung", "1975-06-30", "Nữ", "0707000404", 3,
     "failed", "face_capture", 3, None, None,
     "2023-07-21 02:00:00.000000", "2023-07-21 02:20:00.000000", 2),
    (5, "094001000505", 1, "Ngô Văn Em", "ngo van em", "2001-09-09", "Nam", None, 4,
     "registered", None, 4, None, None,
     "2023-07-22 05:00:00.000000", "2023-07-22 05:00:00.000000", 1),
    (6, "094098000606", 1, "Huỳnh Thị Giang", "huynh thi giang", "1998-12-12", "Nữ", None, 3,
     "approved", None, 3, None, None,
     "2023-07-22 06:00:00.000000", "2023-07-23 01:00:00.000000", 2),
    # Activated on 21/07; its phone corrected on 28/07. The rules of that time moved the
    # activation to the correction's moment (28/07): the columns below are what they derived.
    (7, "094187000707", 1, "Lý Thị Hạnh", "ly thi hanh", "1987-04-04", "Nữ", "0912000777", 4,
     "activated", None, 4, "2023-07-28 03:00:00.000000", "2023-07-28",
     "2023-07-20 02:00:00.000000", "2023-07-28 03:00:00.000000", 3),
]  # fmt: skip
# id, case, kind, from, to, changed_at, operator, point, failure_reason, reason, changes
HISTORY = [
    (1, 1, "status", None, "registered", "2023-07-18 01:00:00.000000", 1, 1, None, None, None),
    (2, 1, "status", "registered", "approved", "2023-07-18 01:40:00.000000", 1, 1, None, None, None),
    (3, 1, "status", "approved", "activated", "2023-07-18 02:10:00.000000", 1, 1, None, None, None),
    (4, 2, "status", None, "registered", "2023-07-19 03:00:00.000000", 1, 1, None, None, None),
    (5, 2, "status", "registered", "approved", "2023-07-19 09:00:00.000000", 1, 1, None, None, None),
    (6, 2, "status", "approved", "activated", "2023-07-19 18:30:00.000000", 1, 1, None, None, None),
    (7, 3, "status", None, "application_taken", "2023-07-18 04:00:00.000000", 1, 1, None, None, None),
    (8, 3, "status", "application_taken", "activated", "2023-07-20 04:00:00.000000", 1, 1, None, None, None),
    (9, 4, "status", None, "registered", "2023-07-21 02:00:00.000000", 1, 1, None, None, None),
    (10, 4, "status", "registered", "failed", "2023-07-21 02:20:00.000000", 1, 1, "face_capture", None, None),
    (11, 5, "status", None, "registered", "2023-07-22 05:00:00.000000", 1, 1, None, None, None),
    (12, 6, "status", None, "registered", "2023-07-22 06:00:00.000000", 1, 1, None, None, None),
    (13, 6, "correction", "registered", "registered", "2023-07-22 07:00:00.000000", 2, 1, None,
     "Sửa ngày sinh theo thẻ", '{"birth_date": ["1989-12-12", "1998-12-12"]}'),
    (14, 6, "status", "registered", "approved", "2023-07-23 01:00:00.000000", 1, 1, None, None, None),
    (15, 7, "status", None, "registered", "2023-07-20 02:00:00.000000", 1, 1, None, None, None),
    (16, 7, "status", "registered", "activated", "2023-07-21 03:00:00.000000", 1, 1, None, None, None),
    (17, 7, "correction", "activated", "activated", "2023-07-28 03:00:00.000000", 2, 1, None,
     "Sửa số điện thoại", '{"phone": ["0912000707", "0912000777"]}'),
]  # fmt: skip


def build(target: Path = TARGET) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    engine = make_engine(sqlite_url(target))
    upgrade(engine, "0001")
    engine.dispose()
    db = sqlite3.connect(target)
    try:
        db.execute("PRAGMA foreign_keys=ON")
        with db:  # one transaction
            db.execute("INSERT INTO campaigns VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", CAMPAIGN)
            db.executemany("INSERT INTO units VALUES (?,?,?,?,?,?,?,?)", UNITS)
            db.executemany("INSERT INTO targets VALUES (?,?,?,?)", TARGETS)
            db.executemany("INSERT INTO intake_points VALUES (?,?,?,?,?,?,?)", POINTS)
            db.executemany("INSERT INTO operators VALUES (?,?,?,?,?,?,?,?,?)", OPERATORS)
            db.executemany(
                "INSERT INTO cases (id, id_number, level, full_name, name_folded, birth_date, "
                "sex, phone, residence_commune_id, status, failure_reason, counted_unit_id, "
                "activated_at, activated_on, created_at, updated_at, version, intake_point_id, "
                "operator_id, consent_given, help_reason) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1,1,1,'no_smartphone')",
                CASES,
            )
            db.executemany("INSERT INTO case_history VALUES (?,?,?,?,?,?,?,?,?,NULL,?,?)", HISTORY)
        db.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        db.execute("PRAGMA page_size=1024")  # a few KB in the repository, not 120
        db.execute("VACUUM")
    finally:
        db.close()
    return target


if __name__ == "__main__":
    print(build())
