"""`records import` builds cases new to the database as plain rows (`fresh_case`) instead of
going through `record_report` and the ORM. Both paths must write the same rows: the same
files imported with the fast path and without it leave identical tables and summaries.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

import services.cases.recording
import services.cases.records
from services.cases.records import COLUMNS, import_records
from services.upkeep.database import open_database
from tests.factories import CLI, id_number_for

TABLES = ("cases", "case_history", "fact_sets", "intake_points", "operators")
FIXED_NOW = datetime(2023, 8, 20, 3, 0, tzinfo=UTC)
PEOPLE = [
    (date(1980, 1, 5), "Nữ", 1, "Lê Thị Hoa"),
    (date(1975, 6, 1), "Nam", 2, "Trần Văn Bình"),
    (date(1990, 3, 9), "Nữ", 3, "Thạch Thị Sa"),
    (date(2001, 12, 30), "Nam", 4, "Danh Sơn"),
    (date(2015, 2, 1), "Nữ", 5, "Quá Nhỏ Tuổi"),  # under 14 in 2023: refused
]
STATUS_LABELS = {
    "registered": "Đã đăng ký",
    "approved": "Đã duyệt",
    "application_taken": "Đã thu nhận hồ sơ",
    "activated": "Đã kích hoạt",
    "failed": "Thất bại",
}
POINTS = [("31501", "Điểm Phường 7"), ("31528", "Điểm Kế Sách"), ("99999", "Điểm không có")]


@st.composite
def sheet_rows(draw: st.DrawFn) -> list[object]:
    birth, sex, tail, name = draw(st.sampled_from(PEOPLE))
    status = draw(st.sampled_from(sorted(STATUS_LABELS)))
    commune, point = draw(st.sampled_from(POINTS))
    moment = datetime(2023, 7, 18, 8, 0) + timedelta(minutes=draw(st.integers(0, 30 * 24 * 60)))
    return [
        id_number_for(birth, sex, tail),
        draw(st.sampled_from([name, name.upper(), name + " Bé"])),
        birth.strftime("%d/%m/%Y"),
        sex,
        draw(st.sampled_from(["", "0912345678", "0386 123 456"])),
        draw(st.sampled_from(["31501", "31528", "Ngoài tỉnh", "00000"])),
        draw(st.sampled_from([1, 2])),
        STATUS_LABELS[status],
        draw(st.sampled_from(["", "Không nhận được OTP", "Máy lỗi giữa chừng"]))
        if status == "failed" or draw(st.integers(0, 9)) == 0
        else "",
        commune,
        point,
        moment.strftime("%d/%m/%Y %H:%M"),
        draw(st.sampled_from(["a.nv", "b.nv", "c nv"])),
    ]


def write_sheet(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS.values())
        writer.writerows(rows)
    return path


def dump(url: str) -> dict[str, list[tuple[object, ...]]]:
    database = open_database(url, migrate=False)
    try:
        with database.engine.connect() as connection:
            found = {}
            for table in TABLES:
                result = connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
                # Points and operators carry the moment they were made: not the paths' doing.
                kept = [i for i, name in enumerate(result.keys()) if name != "created_at"]
                if table == "cases":
                    kept = list(range(len(result.keys())))
                names = [name for i, name in enumerate(result.keys()) if i in kept]
                found[table] = [tuple(row[i] for i in kept) for row in result]
                if table == "case_history":
                    fact_set_column = names.index("fact_set_id")
            # Fact sets are compared by content: the paths may number them differently.
            digests: dict[object, object] = dict(
                connection.execute(text("SELECT id, digest FROM fact_sets")).all()
            )
            found["fact_sets"] = sorted(row[1:] for row in found["fact_sets"])
            found["case_history"] = [
                (
                    *row[:fact_set_column],
                    digests.get(row[fact_set_column]),
                    *row[fact_set_column + 1 :],
                )
                for row in found["case_history"]
            ]
            return found
    finally:
        database.dispose()


def run_imports(
    template: Path, folder: Path, sheets: list[list[list[object]]], fast: bool
) -> tuple[dict[str, list[tuple[object, ...]]], list[str]]:
    folder.mkdir()
    path = folder / "db.sqlite3"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    database = open_database(url)
    described = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services.cases.records, "FAST_PATH", fast)
        patch.setattr(services.cases.records, "BATCH_ROWS", 3)  # rows of one case across batches
        patch.setattr(services.cases.recording, "now_utc", lambda: FIXED_NOW)
        for index, rows in enumerate(sheets):
            sheet = write_sheet(folder / f"sheet{index}.csv", rows)
            with database.session() as session:
                summary = import_records(session, CLI, sheet, write_rejects=False)
                session.commit()
            described.append(summary.describe())
    database.dispose()
    return dump(url), described


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sheets=st.lists(st.lists(sheet_rows(), min_size=1, max_size=12), min_size=1, max_size=3))
def test_both_paths_write_the_same_rows(
    sheets: list[list[list[object]]],
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    base = tmp_path_factory.mktemp("paths")
    fast_tables, fast_summaries = run_imports(sqlite_template, base / "fast", sheets, fast=True)
    slow_tables, slow_summaries = run_imports(sqlite_template, base / "slow", sheets, fast=False)
    assert fast_summaries == slow_summaries
    for table in TABLES:
        assert fast_tables[table] == slow_tables[table], table


def test_the_fast_path_is_taken(
    sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guard for the test above: a new case of a one-row key goes through `fresh_case`."""
    calls: list[str] = []
    original = services.cases.recording.fresh_case

    def counting(*args: object, **kwargs: object) -> object:
        calls.append("fresh")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(services.cases.records, "fresh_case", counting)
    birth, sex, tail, name = PEOPLE[0]
    row: list[object] = [
        id_number_for(birth, sex, tail),
        name,
        birth.strftime("%d/%m/%Y"),
        sex,
        "",
        "31501",
        1,
        "Đã kích hoạt",
        "",
        "31501",
        "Điểm Phường 7",
        "20/07/2023 08:00",
        "a.nv",
    ]
    tables, summaries = run_imports(sqlite_template, tmp_path / "one", [[row]], fast=True)
    assert calls == ["fresh"]
    assert len(tables["cases"]) == 1 and len(tables["case_history"]) == 1
    assert summaries[0].startswith("Đã đọc 1 dòng: 1 hồ sơ mới")
