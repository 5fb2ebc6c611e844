"""A day's schedule (A4, numbers masked) and the SMS template kept with the campaign."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from services.common.errors import StorageError, ValidationError
from services.common.vntime import set_clock
from services.outreach.documents import save_template, saved_template, schedule_document
from services.outreach.schedule import DEFAULT_TEMPLATE, appoint
from services.spreadsheets.export_cells import CsvWriter
from tests.factories import CLI, vn
from tests.services.outreach.test_outreach import BINH, DAY, LINH, evening_stop, listed


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


def test_the_sms_template_is_kept_checked_and_cleaned(session: Session) -> None:
    assert saved_template(session) == DEFAULT_TEMPLATE
    kept = save_template(session, CLI, "Mời {ten} đến {diem} lúc {gio} ngày {ngay}")
    session.commit()
    assert kept == "Moi {ten} den {diem} luc {gio} ngay {ngay}"
    assert saved_template(session) == kept
    with pytest.raises(ValidationError, match="chỗ điền không biết"):
        save_template(session, CLI, "Moi {ho_ten}")
    session.rollback()
    assert saved_template(session) == kept


@pytest.mark.parametrize("name", ["goi-dien.csv", "goi-dien.xlsx", "tin-nhan.csv"])
def test_a_file_the_disk_cannot_hold_leaves_the_old_one(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The SMS file and the call sheet are written whole or not at all: a disk that fills
    up half-way leaves the file that was there, and says so in Vietnamese."""
    import openpyxl.workbook.workbook

    import services.outreach.schedule as schedule

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(CsvWriter, "writerows", full)
    monkeypatch.setattr(openpyxl.workbook.workbook.Workbook, "save", full)
    folder = tmp_path / "xuat"
    folder.mkdir()
    target = folder / name
    target.write_bytes(b"ban cu")
    with pytest.raises(StorageError, match="ổ đĩa đã đầy"):
        if name.startswith("tin-nhan"):
            schedule.write_sms(session, CLI, DAY, target)
        else:
            schedule.write_call_sheet(session, CLI, target)
    assert [p.name for p in folder.iterdir()] == [name]
    assert target.read_bytes() == b"ban cu"
