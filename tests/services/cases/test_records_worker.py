"""A big file is read and checked in a second process (`services.cases.records`, see
`WORKER_FILE_BYTES`) while the importing one saves: the same rows, the same rejects and
the same refusals as when one process does everything, and the second process never
outlives the import (an error, a cancel)."""

from __future__ import annotations

import multiprocessing
import pickle
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import models.bulk
import services.cases.records
from models.codes import ConsentBasis
from services.campaigns.units import UnitTree
from services.cases.records import import_records
from services.privacy.consent import ConsentRecord
from services.spreadsheets.reader import UnreadableFileError, header_map, read_rows
from services.upkeep.database import open_database
from tests.factories import CLI, id_number_for
from tests.services.cases.test_records_fast_path import dump, write_sheet


def row(tail: int, status: str = "Đã kích hoạt", name: str = "Lê Thị Hoa") -> list[object]:
    birth = date(1980, 1, 5)
    return [
        id_number_for(birth, "Nữ", tail),
        name,
        birth.strftime("%d/%m/%Y"),
        "Nữ",
        "",
        "31501",
        1,
        status,
        "",
        "31501",
        "Điểm Phường 7",
        "20/07/2023 08:00",
        "a.nv",
    ]


def sheet_rows() -> list[list[object]]:
    rows = [row(tail) for tail in range(1, 40)]
    rows[5] = row(6, status="Đã bay")  # refused: no such status
    rows[17] = row(18, name="Lê Thị 9")  # refused: a digit in the name
    rows.append(row(3))  # the same row again: unchanged
    failed = row(40, status="Thất bại")
    failed[8] = "Máy lỗi giữa chừng"  # not in the list: "other", the text kept as the note
    failed[4] = "0912345678"
    failed[5] = "Ngoài tỉnh"
    rows.append(failed)
    rows.append([*row(41)[:6], 2, "Đã thu nhận hồ sơ", *row(41)[8:]])
    return rows


def test_a_checked_row_travels_whole(sqlite_template: Path, tmp_path: Path) -> None:
    """What the second process sends is the row it checked, field for field."""
    database = open_database(f"sqlite:///{sqlite_template}", migrate=False)
    with database.session() as session:
        tree = UnitTree.load(session)
    database.dispose()
    consent = ConsentRecord(None, datetime(2023, 8, 20, 3, tzinfo=UTC), ConsentBasis.IMPORTED)
    parser = services.cases.records._RowParser(
        tree, date(2023, 8, 20), consent, (date(2023, 7, 18), date(2023, 8, 31)), "sqlite"
    )
    sheet = write_sheet(tmp_path / "sheet.csv", sheet_rows())
    rows = read_rows(sheet, None)
    parser.columns = header_map(next(rows)[1], services.cases.records.COLUMNS)
    checked = list(services.cases.records._checked_rows(parser, rows))
    assert pickle.loads(pickle.dumps(checked)) == checked  # noqa: S301 - our own bytes
    assert {type(item).__name__ for item in checked} == {"_Row", "Reject"}


def test_a_new_case_is_the_same_whichever_process_builds_it(
    sqlite_template: Path, tmp_path: Path
) -> None:
    """The second process builds the rows' new cases only while the importing process is
    behind; the importing process builds the others from the row: the same rows, and the
    same refusal for a report that cannot make a case."""
    database = open_database(f"sqlite:///{sqlite_template}", migrate=False)
    with database.session() as session:
        tree = UnitTree.load(session)
    database.dispose()
    consent = ConsentRecord(None, datetime(2023, 8, 20, 3, tzinfo=UTC), ConsentBasis.IMPORTED)
    refused = [*row(50)[:6], 2, "Đã đăng ký", *row(50)[8:]]  # level 2 has no registration
    sheet = write_sheet(tmp_path / "sheet.csv", [*sheet_rows(), refused])
    checked = []
    for build in (True, False):
        parser = services.cases.records._RowParser(
            tree, date(2023, 8, 20), consent, (date(2023, 7, 18), date(2023, 8, 31)), "sqlite"
        )
        parser.build_fresh = build
        rows = read_rows(sheet, None)
        parser.columns = header_map(next(rows)[1], services.cases.records.COLUMNS)
        items = list(services.cases.records._checked_rows(parser, rows))
        services.cases.records._shelve(items)
        travelled = pickle.loads(pickle.dumps(items))  # noqa: S301 - our own bytes
        checked.append([(item, parser) for item in travelled if hasattr(item, "fresh")])
    built_there, built_here = checked
    assert len(built_there) == len(built_here) == len(sheet_rows()) - 1
    for (there, _), (here, parser) in zip(built_there, built_here, strict=True):
        assert there.fresh is not None and here.fresh is None
        assert parser.fresh_of(here) == there.fresh
    refusals = [item.fresh for item, _ in built_there if isinstance(item.fresh, str)]
    assert len(refusals) == 1
    assert refusals[0].startswith("Trạng thái «Đã đăng ký» không dùng cho mức 2")


def imported(
    template: Path, folder: Path, sheet: Path, in_worker: bool
) -> tuple[dict[str, list[tuple[object, ...]]], str, list[tuple[int, str]]]:
    folder.mkdir()
    path = folder / "db.sqlite3"
    path.write_bytes(template.read_bytes())
    url = f"sqlite:///{path}"
    database = open_database(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services.cases.records, "WORKER_FILE_BYTES", 0 if in_worker else 1 << 40)
        # ... and as a large load: the indexes of `cases` are set aside and built again.
        patch.setattr(models.bulk, "LARGE_LOAD", 1)
        patch.setattr(services.cases.records, "BATCH_ROWS", 7)
        patch.setattr(services.cases.records, "_WORKER_CHUNK", 5)
        with database.session() as session:
            summary = import_records(session, CLI, sheet, write_rejects=False)
            session.commit()
    database.dispose()
    tables = dump(url)
    for table in ("cases", "case_history", "intake_points", "operators"):
        tables.pop(table)  # moments of making differ; compared below without them
    database = open_database(url, migrate=False)
    with database.engine.connect() as connection:
        tables["cases"] = [
            tuple(r)
            for r in connection.execute(
                text("SELECT id, id_number, level, status, full_name FROM cases ORDER BY id")
            )
        ]
        tables["case_history"] = [
            tuple(r)
            for r in connection.execute(
                text("SELECT id, case_id, uid, to_status FROM case_history ORDER BY id")
            )
        ]
        indexes = {str(i["name"]) for i in inspect(connection).get_indexes("cases")}
    database.dispose()
    assert "ix_cases_tally" in indexes and "ix_cases_name_folded" in indexes
    return tables, summary.describe(), [(r.row, r.reason) for r in summary.rejects]


def test_the_second_process_gives_what_one_process_gives(
    sqlite_template: Path, tmp_path: Path
) -> None:
    sheet = write_sheet(tmp_path / "sheet.csv", sheet_rows())
    alone = imported(sqlite_template, tmp_path / "alone", sheet, in_worker=False)
    helped = imported(sqlite_template, tmp_path / "helped", sheet, in_worker=True)
    assert helped == alone
    assert len(alone[0]["cases"]) == 39
    assert [number for number, _reason in alone[2]] == [7, 19]
    assert multiprocessing.active_children() == []


def test_a_file_refused_midway_is_refused_the_same(sqlite_template: Path, tmp_path: Path) -> None:
    sheet = write_sheet(tmp_path / "sheet.csv", sheet_rows())
    lines = sheet.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    lines[30] = lines[30].replace(",Lê Thị Hoa,", ',"Lê Thị Hoa,', 1)  # a quote left open
    sheet.write_text("".join(lines), encoding="utf-8-sig")
    messages = []
    for in_worker in (False, True):
        with pytest.raises(UnreadableFileError) as refused:
            imported(sqlite_template, tmp_path / f"w{in_worker}", sheet, in_worker)
        messages.append(str(refused.value))
    assert messages[0] == messages[1]
    assert "dòng 31" in messages[0]
    assert multiprocessing.active_children() == []


def test_a_cancel_stops_the_second_process(
    database_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    sheet = write_sheet(tmp_path / "sheet.csv", sheet_rows())
    monkeypatch.setattr(services.cases.records, "WORKER_FILE_BYTES", 0)
    monkeypatch.setattr(services.cases.records, "BATCH_ROWS", 7)
    monkeypatch.setattr(services.cases.records, "_WORKER_CHUNK", 5)

    class CancelledByUserError(Exception):
        pass

    def cancel(done: int) -> None:
        raise CancelledByUserError

    database = open_database(f"sqlite:///{database_path}")
    with database.session() as session, pytest.raises(CancelledByUserError):
        import_records(session, CLI, sheet, progress=cancel, write_rejects=False)
    database.dispose()
    assert multiprocessing.active_children() == []


@pytest.fixture
def database_path(sqlite_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    return path
