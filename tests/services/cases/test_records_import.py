"""`records import`: good rows saved, bad rows reported, idempotent, unreadable files refused."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.entities import Case, CaseEvent, IntakePoint, Operator
from services.campaigns.units import UnitTree
from services.cases.records import import_records, rejects_path, write_template
from services.counting.tally import TallyBy, tally
from services.spreadsheets.reader import UnreadableFileError
from tests.factories import CLI, KE_SACH, PHU_TAM, PHUONG_5, id_number_for
from tests.shared_records import LINH, RECORD_HEADER, record_row, write_sheet_csv

HEADER = RECORD_HEADER
BINH = id_number_for(date(1985, 1, 2), "Nam", 777)


def binh_row(**cells: object) -> list[object]:
    """Bình's row at level 2 in Phường 5 (he lives in Kế Sách), with `cells` set."""
    return record_row(
        id_number=BINH,
        full_name="Lê Văn Bình",
        birth_date="02/01/1985",
        sex="Nam",
        residence_code=KE_SACH,
        level=2,
        point_commune_code=PHUONG_5,
        point_name="Điểm cấp căn cước TP",
        operator="minh.tv",
        **cells,
    )


def good_rows() -> list[list[object]]:
    return [
        record_row(phone="0912 345 678"),
        record_row(level="1", status="Đã kích hoạt", moment="22/07/2023 09:15"),
        binh_row(phone="+84 386 123 456", status="Đã thu nhận hồ sơ", moment="21/07/2023 10:00"),
        binh_row(status="Đã kích hoạt", moment="24/07/2023 10:00"),
    ]


def born_1970(tail: int, name: str) -> dict[str, object]:
    return {
        "id_number": id_number_for(date(1970, 1, 1), "Nam", tail),
        "full_name": name,
        "birth_date": "01/01/1970",
        "sex": "Nam",
    }


def bad_rows() -> list[tuple[list[object], str]]:
    """Each bad row with a word its reason must contain."""
    bad: list[tuple[dict[str, object], str]] = [
        ({"id_number": LINH[:11], "full_name": "Ngắn Số"}, "12 chữ số"),
        (
            {
                "id_number": id_number_for(date(1990, 3, 15), "Nữ", 9),
                "full_name": "Sai Năm",
                "birth_date": "15/03/1991",
            },
            "1991",
        ),
        (
            {
                "id_number": id_number_for(date(2012, 5, 5), "Nam", 1),
                "full_name": "Còn Nhỏ",
                "birth_date": "05/05/2012",
                "sex": "Nam",
            },
            "14 tuổi",
        ),
        ({**born_1970(5, "Sai Mã Xã"), "residence_code": "99999"}, "99999"),
        (
            {
                **born_1970(6, "Sai Mức"),
                "level": 2,
                "point_name": "Cửa hàng mới chỉ có dòng lỗi",
                "operator": "ma.moi",
            },
            "mức 2",
        ),
        ({**born_1970(7, "Thất Bại"), "status": "Thất bại"}, "lý do"),
        ({**born_1970(8, "Sai Điện Thoại"), "phone": "0123"}, "điện thoại"),
        ({**born_1970(9, "Sai Giờ"), "moment": "32/07/2023 08:30"}, "Thời điểm"),
    ]
    return [(record_row(**cells), word) for cells, word in bad]


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(header)
    for cells in rows:
        sheet.append(cells)
    workbook.save(path)
    return path


def write_csv(path: Path, rows: list[list[object]], bom: bool = True, delimiter: str = ",") -> Path:
    return write_sheet_csv(path, rows, bom=bom, delimiter=delimiter)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_mixed_file_saves_exactly_the_good_rows(session: Session, tmp_path: Path) -> None:
    bad = bad_rows()
    path = write_xlsx(tmp_path / "ho-so.xlsx", good_rows() + [cells for cells, _ in bad])
    summary = import_records(session, CLI, path)
    session.commit()
    assert (summary.rows_read, summary.created, summary.updated) == (12, 2, 2)
    assert [r.row for r in summary.rejects] == list(range(6, 6 + len(bad)))
    for reject, (_, word) in zip(summary.rejects, bad, strict=True):
        assert word.lower() in reject.reason.lower(), reject.reason
    assert count(session, Case) == 2
    assert count(session, CaseEvent) == 4
    # The point and the operator named only by a rejected row were not kept.
    assert session.scalar(select(IntakePoint).where(IntakePoint.name.like("Cửa hàng mới%"))) is None
    assert session.scalar(select(Operator).where(Operator.username == "ma.moi")) is None
    assert {o.username for o in session.scalars(select(Operator))} == {"lan.nt", "minh.tv"}
    # The rejects file lists every bad row with its reason.
    assert summary.rejects_file == rejects_path(path)
    with rejects_path(path).open(encoding="utf-8-sig") as handle:
        listed = list(csv.reader(handle))
    assert listed[0][:2] == ["Dòng", "Lý do"]
    assert [int(r[0]) for r in listed[1:]] == [r.row for r in summary.rejects]


def test_importing_twice_changes_nothing(session: Session, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "ho-so.xlsx", good_rows() + [c for c, _ in bad_rows()])
    import_records(session, CLI, path)
    session.commit()
    first = tally(session, date(2023, 7, 31), TallyBy.DISTRICT).as_json()
    events = count(session, CaseEvent)
    again = import_records(session, CLI, path)
    session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert len(again.rejects) == len(bad_rows())
    assert count(session, CaseEvent) == events
    assert tally(session, date(2023, 7, 31), TallyBy.DISTRICT).as_json() == first
    assert first["total"]["level1"] == 1 and first["total"]["level2"] == 1


def test_counts_follow_the_plan_rules(session: Session, tmp_path: Path) -> None:
    import_records(session, CLI, write_xlsx(tmp_path / "a.xlsx", good_rows()))
    session.commit()
    result = tally(session, date(2023, 7, 31), TallyBy.COMMUNE)
    by_code = {r.code: r for r in result.rows}
    assert by_code[PHU_TAM].level1 == 1  # Linh lives in Phú Tâm
    assert by_code[PHUONG_5].level2 == 1  # Bình's level 2 was taken in Phường 5
    assert by_code[KE_SACH].activated == 0  # though Bình lives in Kế Sách


def test_rows_out_of_order_still_move_the_case_forward(session: Session, tmp_path: Path) -> None:
    rows = good_rows()
    import_records(session, CLI, write_xlsx(tmp_path / "a.xlsx", [rows[1], rows[0]]))
    session.commit()
    case = session.scalars(select(Case).where(Case.id_number == LINH)).one()
    assert case.status == "activated"
    assert [e.to_status for e in case.history] == ["registered", "activated"]


@pytest.mark.parametrize(("bom", "delimiter"), [(True, ","), (False, ","), (True, ";")])
def test_csv_with_or_without_bom(
    session: Session, tmp_path: Path, bom: bool, delimiter: str
) -> None:
    path = write_csv(tmp_path / "ho-so.csv", good_rows(), bom=bom, delimiter=delimiter)
    summary = import_records(session, CLI, path)
    assert (summary.created, summary.updated, len(summary.rejects)) == (2, 2, 0)
    assert not rejects_path(path).exists()


def test_headers_match_without_case_diacritics_or_spaces(session: Session, tmp_path: Path) -> None:
    header = [
        "SO DINH DANH",
        "ho va ten",
        "NgaySinh",
        "GIỚI TÍNH",
        "so dien thoai",
        "Ma xa thuong tru",
        "MUC",
        "trang thai",
        "ly do that bai",
        "MA XA THU NHAN",
        "diem thu nhan",
        "THOI DIEM",
        "can bo",
    ]
    summary = import_records(session, CLI, write_xlsx(tmp_path / "a.xlsx", good_rows(), header))
    assert summary.created == 2 and not summary.rejects


def test_excel_numbers_and_dates_are_understood(session: Session, tmp_path: Path) -> None:
    # Excel turned the ID number and the phone into numbers (leading zeros gone),
    # and the dates into real dates.
    rows = [
        record_row(
            id_number=int(LINH),
            birth_date=datetime(1990, 3, 15),
            sex="Nu",
            phone=912345678,
            residence_code=int(PHU_TAM),
            status="da kich hoat",
            failure_reason=None,
            point_commune_code=int(PHU_TAM),
            moment=datetime(2023, 7, 22, 9, 15),
        )
    ]
    summary = import_records(session, CLI, write_xlsx(tmp_path / "a.xlsx", rows))
    assert summary.created == 1, summary.rejects
    case = session.scalars(select(Case)).one()
    assert (case.id_number, case.phone, case.sex) == (LINH, "0912345678", "Nữ")
    assert case.activated_on == date(2023, 7, 22)


def test_missing_column_is_refused_and_nothing_written(session: Session, tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "Mức"]
    rows = [[c for i, c in enumerate(r) if HEADER[i] != "Mức"] for r in good_rows()]
    with pytest.raises(UnreadableFileError, match="Mức"):
        import_records(session, CLI, write_xlsx(tmp_path / "a.xlsx", rows, header))
    session.rollback()
    assert count(session, Case) == 0


def test_truncated_workbook_is_refused(session: Session, tmp_path: Path) -> None:
    full = write_xlsx(tmp_path / "full.xlsx", good_rows())
    truncated = tmp_path / "cut.xlsx"
    truncated.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with pytest.raises(UnreadableFileError, match="hỏng"):
        import_records(session, CLI, truncated)


def test_csv_broken_midway_writes_nothing(session: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", good_rows())
    with path.open("ab") as handle:
        handle.write(b"\xff\xfe broken bytes," * 5000)
    with pytest.raises(UnreadableFileError, match="UTF-8"):
        import_records(session, CLI, path)
    session.rollback()
    assert count(session, Case) == 0


def test_other_formats_are_refused(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "a.ods"
    path.write_bytes(b"not really")
    with pytest.raises(UnreadableFileError, match=r"\.xlsx"):
        import_records(session, CLI, path)


def test_template_has_the_columns_and_imports_empty(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "mau.xlsx"
    write_template(path, UnitTree.load(session))
    workbook = load_workbook(path)
    sheet = workbook["Hồ sơ"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["A2"].number_format == "@"  # leading zeros survive
    codes = {row[0].value for row in workbook["Hướng dẫn"].iter_rows() if row[0].value}
    assert PHU_TAM in codes
    summary = import_records(session, CLI, path)
    assert summary.rows_read == 0 and not summary.rejects


def test_a_row_that_contradicts_an_activation_is_kept_and_listed(
    session: Session, tmp_path: Path
) -> None:
    """Linh is activated on 22/07 (good rows); "registered" on 23/07 is a record, not a move."""
    backwards = record_row(moment="23/07/2023 08:00")
    path = write_xlsx(tmp_path / "ho-so.xlsx", [*good_rows(), backwards])
    summary = import_records(session, CLI, path)
    session.commit()
    assert summary.rejects == []
    assert len(summary.records) == 1 and summary.records[0].startswith("Dòng 6:")
    assert "Đã kích hoạt" in summary.records[0]
    linh = session.scalars(select(Case).where(Case.id_number == LINH, Case.level == 1)).one()
    assert linh.status == "activated" and linh.activated_on == date(2023, 7, 22)


def test_the_same_step_reported_again_is_a_repeat_not_a_contradiction(
    session: Session, tmp_path: Path
) -> None:
    """Linh's registration at 08:30, then the same step from another operator at the same
    moment in a second file: kept in the history, named a repeat; the case is unchanged."""
    import_records(session, CLI, write_csv(tmp_path / "a.csv", [record_row()]))
    session.commit()
    again = record_row(operator="minh.tv")
    summary = import_records(session, CLI, write_csv(tmp_path / "b.csv", [again]))
    session.commit()
    # Which of the two is the record follows the events' order (a tie at one moment is
    # broken by their uids), not the files' order; either way it is a repeat.
    assert len(summary.records) == 1 and "mâu thuẫn" not in summary.records[0]
    assert summary.records[0].endswith(
        f"hồ sơ {LINH} (mức 1), «Đã đăng ký» lúc 20/07/2023 08:30 lặp lại «Đã đăng ký» "
        "lúc 20/07/2023 08:30: giữ trong lịch sử, không đổi hồ sơ."
    )
    linh = session.scalars(select(Case).where(Case.id_number == LINH, Case.level == 1)).one()
    assert linh.status == "registered" and count(session, CaseEvent) == 2


def test_rows_outside_the_campaign_period_are_saved_and_named(
    session: Session, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[1][11] = "20/08/2023 09:15"  # two days after the campaign's last day (18/08/2023)
    summary = import_records(session, CLI, write_xlsx(tmp_path / "a.xlsx", rows))
    session.commit()
    assert summary.outside_period == [
        "Dòng 3: ngày 20/08/2023 ngoài thời gian kế hoạch (từ 18/07/2023 đến 18/08/2023): "
        "vẫn lưu theo ngày đó."
    ]
    assert "1 dòng ghi ngày ngoài thời gian kế hoạch" in summary.describe()
    assert summary.created == 2 and not summary.rejects
    case = session.scalars(select(Case).where(Case.id_number == LINH)).one()
    assert case.status == "activated"


def test_a_failure_reason_is_judged_with_the_status_of_its_own_row(
    session: Session, tmp_path: Path
) -> None:
    """The same reason cell is right after «Thất bại» and wrong after any other status,
    however often it repeats in the file (parsed cells are remembered per column)."""
    failed, registered = good_rows()[0], good_rows()[2]
    failed = [*failed[:7], "Thất bại", "Không nhận được OTP", *failed[9:]]
    registered = [*registered[:8], "Không nhận được OTP", *registered[9:]]
    path = write_csv(tmp_path / "ho-so.csv", [failed, registered, failed])
    summary = import_records(session, CLI, path)
    assert [r.row for r in summary.rejects] == [3]
    assert "chỉ ghi lý do khi trạng thái là Thất bại" in summary.rejects[0].reason
    assert summary.created == 1 and summary.unchanged == 1


def test_rejected_cells_stand_under_their_own_headers_and_import_again(
    session: Session, tmp_path: Path
) -> None:
    """A sheet with its columns in another order and one the import does not know (STT):
    each rejected cell is written under the header that names it, whether the row was
    refused while checked (a short ID number) or while saved (a step of the other level),
    so that the rejects file, corrected, imports again."""
    header = ["STT", *reversed(HEADER)]
    short = record_row(id_number=LINH[:11])
    other_level = binh_row(status="Đã thu nhận hồ sơ")
    other_level[HEADER.index("Mức")] = 1
    rows = [["1", *reversed(short)], ["2", *reversed(other_level)]]
    path = write_sheet_csv(tmp_path / "dao-cot.csv", rows, header=header)
    summary = import_records(session, CLI, path)
    session.commit()
    assert ([r.row for r in summary.rejects], summary.created) == ([2, 3], 0)
    with rejects_path(path).open(encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["Dòng", "Lý do", *HEADER]
    assert [line[2:] for line in lines[1:]] == [
        [str(cell) for cell in short],
        [str(cell) for cell in other_level],
    ]
    # Corrected where the reasons point, the rejects file is a sheet the import reads.
    lines[1][2] = LINH
    lines[2][2 + HEADER.index("Mức")] = "2"
    fixed = tmp_path / "sua.csv"
    with fixed.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(lines)
    again = import_records(session, CLI, fixed)
    session.commit()
    assert (again.created, again.rejects) == (2, [])
    assert {(c.id_number, c.level) for c in session.scalars(select(Case))} == {
        (LINH, 1),
        (BINH, 2),
    }
