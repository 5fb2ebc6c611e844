"""The detail list (`services/documents/detail_list.py`) against the counting rules, driven as a
manager does: a sheet through `records import`, corrections through `case correct`, the list
through `details --as-of`, the figures through `tally --json`.

A list "as of a day" shows each case as the figures count it for that day: a correction of the
status or of the activation's moment, made later, is in force on every day it concerns (as in
`tally` and the PC06 report), so the list's activated cases are exactly the ones counted.
"""

from __future__ import annotations

import contextlib
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.factories import id_number_for
from tests.services.privacy.test_data_safety import decrypt
from tests.shared_records import record_row, write_sheet_csv
from tests.test_cli import SIGNED_IN, add_admin
from ui.shell.cli import parse_args, run_command

PASSWORD = "mat-khau-danh-sach"
ACTIVATED = "Đã kích hoạt"
# Three citizens, each registered on 18/07 and activated later (Vietnam time).
PLAIN = id_number_for(date(1985, 4, 2), "Nữ", 301)  # activated 20/07, never corrected
UNDONE = id_number_for(date(1985, 4, 2), "Nữ", 302)  # activated 21/07, status corrected: failed
MOVED = id_number_for(date(1985, 4, 2), "Nữ", 303)  # activated 22/07, moved to 19/07 21:30
# Reported only by its activation on 22/07, moved to 19/07 by a correction.
ALONE = id_number_for(date(1985, 4, 2), "Nữ", 304)
DAYS = [date(2023, 7, 18) + timedelta(days=i) for i in range(6)]


def ok(db: Path, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run_command(parse_args(["--db", f"sqlite:///{db}", *args]), out)
    assert code == 0, err.getvalue()
    return out.getvalue()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in {**SIGNED_IN, "KICHHOAT_PASSPHRASE": PASSWORD}.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "tinh.sqlite3"
    ok(path, "init")
    add_admin(path)
    rows = []
    for number, activated in ((PLAIN, "20/07"), (UNDONE, "21/07"), (MOVED, "22/07")):
        cells = {"id_number": number, "full_name": "Lâm Thị Kiều", "birth_date": "02/04/1985"}
        rows.append(record_row(**cells, moment="18/07/2023 08:00"))
        rows.append(record_row(**cells, status=ACTIVATED, moment=f"{activated}/2023 10:00"))
    cells = {"id_number": ALONE, "full_name": "Lâm Thị Kiều", "birth_date": "02/04/1985"}
    rows.append(record_row(**cells, status=ACTIVATED, moment="22/07/2023 10:00"))
    ok(path, "records", "import", str(write_sheet_csv(tmp_path / "ho-so.csv", rows)))
    ok(path, "case", "correct", "--id-number", ALONE, "--level", "1",
       "--activated-at", "19/07/2023 21:30", "--reason", "Ghi nhầm giờ kích hoạt")  # fmt: skip
    ok(path, "case", "correct", "--id-number", UNDONE, "--level", "1", "--status", "Thất bại",
       "--failure-reason", "Thuê bao không chính chủ", "--reason", "Ghi nhầm kích hoạt")  # fmt: skip
    ok(path, "case", "correct", "--id-number", MOVED, "--level", "1",
       "--activated-at", "19/07/2023 21:30", "--reason", "Ghi nhầm giờ kích hoạt")  # fmt: skip
    return path


def listed(db: Path, day: date, out: Path) -> dict[str, tuple[str, str]]:
    """`details --as-of day`: each ID number's status and activation day."""
    ok(db, "details", "--as-of", day.isoformat(), "--out", str(out))
    sheet = load_workbook(decrypt(out, PASSWORD)).active
    assert sheet is not None
    return {row[1]: (row[9], row[15]) for row in sheet.iter_rows(min_row=3, values_only=True)}


def test_the_list_as_of_a_day_shows_the_activations_that_day_counts(
    db: Path, tmp_path: Path
) -> None:
    for day in DAYS:
        counted = json.loads(ok(db, "tally", "--json", "--as-of", day.isoformat()))["total"]
        shown = listed(db, day, tmp_path / f"ds-{day}.xlsx")
        activated = {number for number, (status, _day) in shown.items() if status == ACTIVATED}
        assert len(activated) == counted["activated"], (day, shown)
    # Each case as the figures count it on the day of each event.
    assert listed(db, date(2023, 7, 19), tmp_path / "19.xlsx") == {
        PLAIN: ("Đã đăng ký", ""),
        UNDONE: ("Đã đăng ký", ""),
        MOVED: (ACTIVATED, "19/07/2023"),  # moved there by its correction
        ALONE: (ACTIVATED, "19/07/2023"),  # listed from the day it counts, before its report
    }
    assert listed(db, date(2023, 7, 21), tmp_path / "21.xlsx") == {
        PLAIN: (ACTIVATED, "20/07/2023"),
        UNDONE: ("Đã đăng ký", ""),  # its activation was a wrong record: never counted
        MOVED: (ACTIVATED, "19/07/2023"),
        ALONE: (ACTIVATED, "19/07/2023"),
    }
