"""Reading tabular files (.xlsx, .csv) row by row, and turning their cells into values.

Files come from many hands: Excel that turned an ID number into a number and
dropped its leading zero, CSV saved with `;` by a Vietnamese-locale Excel, a
BOM or none. Everything here streams: a 600,000-row file is never held whole.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from services.errors import UserError, ValidationError
from services.text import clean, fold_key
from services.vntime import parse_date, parse_moment, vn_to_utc

Cell = Any


class UnreadableFileError(UserError):
    """The file as a whole cannot be read; nothing is written."""


def read_rows(path: Path, preferred_sheet: str | None = None) -> Iterator[tuple[int, list[Cell]]]:
    """(row number as the user sees it, cells) for every row of the first sheet or the CSV."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise UnreadableFileError(f"Không tìm thấy tệp «{path}».")
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path, preferred_sheet)
    if suffix in (".csv", ".txt"):
        return _csv_rows(path)
    raise UnreadableFileError(
        f"Tệp «{path.name}» không phải .xlsx hoặc .csv. Lưu bảng tính dưới dạng Excel (.xlsx) "
        "hoặc CSV UTF-8 rồi nhập lại."
    )


def _xlsx_rows(path: Path, preferred_sheet: str | None) -> Iterator[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook  # imported here: only the import path needs it

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise UnreadableFileError(
            f"Không đọc được tệp Excel «{path.name}»: tệp bị hỏng, bị cắt ngắn hoặc không phải "
            f"tệp .xlsx ({type(error).__name__}). Mở lại bằng Excel, lưu thành .xlsx rồi nhập lại."
        ) from error
    try:
        if preferred_sheet and preferred_sheet in workbook.sheetnames:
            sheet = workbook[preferred_sheet]
        else:
            sheet = workbook.worksheets[0]
        try:
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(row)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as error:
            raise UnreadableFileError(
                f"Tệp Excel «{path.name}» bị hỏng giữa chừng ({type(error).__name__}); không có "
                "dòng nào được lưu. Mở lại bằng Excel, lưu thành .xlsx rồi nhập lại."
            ) from error
    finally:
        workbook.close()


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    try:
        with path.open("rb") as raw:
            head = raw.read(64 * 1024)
        sample = head.decode("utf-8-sig", errors="ignore")
        try:
            delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.reader(handle, delimiter=delimiter), start=1):
                yield number, list(row)
    except UnicodeDecodeError as error:
        raise UnreadableFileError(
            f"Tệp CSV «{path.name}» không phải mã UTF-8 (lỗi ở byte {error.start}); không có dòng "
            "nào được lưu. Trong Excel chọn Lưu thành «CSV UTF-8» rồi nhập lại."
        ) from error
    except (OSError, csv.Error) as error:
        raise UnreadableFileError(f"Không đọc được tệp CSV «{path.name}»: {error}.") from error


def header_map(cells: list[Cell], known: dict[str, str]) -> dict[str, int]:
    """Column index of each known header; matching ignores case, diacritics and spaces."""
    wanted = {fold_key(label): key for key, label in known.items()}
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = wanted.get(fold_key(str(cell))) if cell is not None else None
        if key is not None and key not in found:
            found[key] = index
    return found


def is_blank(cells: list[Cell]) -> bool:
    return all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells)


def cell_text(cell: Cell) -> str:
    """A cell as text: numbers without a trailing `.0`, strings cleaned."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return clean(str(cell))


def digits_cell(cell: Cell, width: int) -> str:
    """ID numbers, phones and codes: Excel stores them as numbers and drops leading zeros."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        if isinstance(cell, float) and not cell.is_integer():
            return cell_text(cell)
        return str(int(cell)).zfill(width)
    return cell_text(cell)


def date_cell(cell: Cell, what: str) -> date:
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = cell_text(cell)
    if not text:
        raise ValidationError(f"Thiếu {what.lower()}.")
    return parse_date(text, what)


def moment_cell(cell: Cell, what: str) -> datetime:
    """A Vietnam wall-clock moment as an aware UTC datetime."""
    if isinstance(cell, datetime):
        return vn_to_utc(cell.replace(tzinfo=None))
    text = cell_text(cell)
    if not text:
        raise ValidationError(f"Thiếu {what.lower()}.")
    return parse_moment(text, what)


def csv_text(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
