"""Rows and files for `records import` tests: one synthetic row with every column named, and
the CSV file (a header row, then the rows) that holds them or any other sheet's rows.
Every person here is invented."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from services.cases.records import COLUMNS
from tests.factories import PHU_TAM, id_number_for

RECORD_HEADER = list(COLUMNS.values())
LINH = id_number_for(date(1990, 3, 15), "Nữ", 12345)

# Linh registered at level 1 in Phú Tâm, 20/07/2023 08:30, by lan.nt, as a sheet holds it:
# each test names only the cells it changes.
LINH_REGISTERED: list[object] = [
    LINH,
    "Trần Thị Mỹ Linh",
    "15/03/1990",
    "Nữ",
    "",
    PHU_TAM,
    1,
    "Đã đăng ký",
    "",
    PHU_TAM,
    "Công an xã Phú Tâm",
    "20/07/2023 08:30",
    "lan.nt",
]


def record_row(**cells: object) -> list[object]:
    """A row in the columns' order: Linh's registration with `cells` (keys of COLUMNS) changed."""
    unknown = set(cells) - set(COLUMNS)
    assert not unknown, f"no such column: {unknown}"
    values = {**dict(zip(COLUMNS, LINH_REGISTERED, strict=True)), **cells}
    return [values[key] for key in COLUMNS]


def write_sheet_csv(
    path: Path,
    rows: Sequence[Sequence[object]],
    *,
    bom: bool = True,
    delimiter: str = ",",
    header: Sequence[str] = RECORD_HEADER,
) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path
