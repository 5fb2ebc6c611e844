"""Spreadsheets for tests: CSV files as Excel saves them, and rows of a records import."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import msoffcrypto
from openpyxl import Workbook, load_workbook

from tests.factories import PHU_TAM


def write_sheet(path: Path, columns: Mapping[str, str], rows: Iterable[Sequence[object]]) -> Path:
    """`path` as Excel saves a CSV (UTF-8 with a BOM): the columns' headings, then `rows`."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(list(columns.values()))
        writer.writerows(rows)
    return path


def record_row(
    id_number: str,
    name: str,
    birth: str,
    sex: str,
    level: int,
    status: str,
    moment: str,
    *,
    residence: str = PHU_TAM,
    reason: str = "",
    point: str = "Công an xã Phú Tâm",
    operator: str = "lan.nt",
) -> list[object]:
    """One row of a records import (services.cases.records.COLUMNS), taken at the Phú Tâm
    commune's `point`."""
    return [
        id_number,
        name,
        birth,
        sex,
        "",
        residence,
        level,
        status,
        reason,
        PHU_TAM,
        point,
        moment,
        operator,
    ]


def decrypted_workbook(path: Path, password: str) -> Workbook:
    """An Excel file encrypted with `password`, opened as Excel would after asking for it."""
    with path.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        office.load_key(password=password)
        plain = io.BytesIO()
        office.decrypt(plain)
    return load_workbook(plain)
