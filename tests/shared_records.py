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

# Linh registered at level 1 in Phú Tâm, 20/07/2023 08:30, by lan.nt: each test names only
# the cells it changes.
LINH_REGISTERED: dict[str, object] = {
    "id_number": LINH,
    "full_name": "Trần Thị Mỹ Linh",
    "birth_date": "15/03/1990",
    "sex": "Nữ",
    "phone": "",
    "residence_code": PHU_TAM,
    "level": 1,
    "status": "Đã đăng ký",
    "failure_reason": "",
    "point_commune_code": PHU_TAM,
    "point_name": "Công an xã Phú Tâm",
    "moment": "20/07/2023 08:30",
    "operator": "lan.nt",
}


def record_row(**cells: object) -> list[object]:
    """A row in the columns' order: Linh's registration with `cells` (keys of COLUMNS) changed."""
    unknown = set(cells) - set(COLUMNS)
    assert not unknown, f"no such column: {unknown}"
    values = {**LINH_REGISTERED, **cells}
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
