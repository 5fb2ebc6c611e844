"""Text in every file we export (workbooks and CSV): never a formula, never a control character.

A database holds whatever an import or an older version let in: a point named `=1+2`,
a user name with a NUL in it. Every export writes its text cells through this module, so
that whatever is stored,

- no text becomes a live formula: openpyxl cells are typed as strings (and get Excel's
  quote prefix when they start like a formula, so editing them keeps them text),
  xlsxwriter writes with `write_string` in a workbook that turns no string into a
  formula, URL or number, and a CSV cell that starts like a formula (`=`, `+`, `-`, `@`,
  tab, CR, LF, or their full-width forms) gets a leading `'` (OWASP's CSV-injection advice);
- no control character reaches the file: NUL, the other C0 and C1 controls, DEL, the
  bidirectional overrides that make text read differently from what it is, and the code
  points XML cannot hold are removed; tab and line feed stay (harmless inside a cell),
  a CR becomes a line feed;
- no cell is longer than Excel can show (32,767 characters).

Numbers and dates are written as they are: only text is untrusted. Loads no spreadsheet
library at import time (the window starts faster): callers pass their own cells.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TextIO

# C0 controls but tab and line feed (CR is turned into a line feed first), DEL and the C1
# controls, the bidi embeddings, overrides and isolates, lone surrogates, and the two
# non-characters XML 1.0 refuses. A superset of openpyxl's ILLEGAL_CHARACTERS_RE.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
)
_CR = re.compile("\r\n?")

# How a spreadsheet recognises a formula (or a DDE payload) at the start of a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CSV_PREFIX = "'"
MAX_CELL_TEXT = 32_767  # Excel's limit for one cell

# xlsxwriter's workbook options: a string is a string (its defaults make `=…` a formula
# and `http://…` a hyperlink).
XLSXWRITER_OPTIONS: dict[str, bool] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}

_PLAIN_VALUES = (int, float, Decimal, date, datetime, time, timedelta)  # bool is an int


def safe_text(value: object) -> str:
    """`value` as text without control characters (tab and line feed kept, CR made LF)."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if "\r" in text:
        text = _CR.sub("\n", text)
    return _UNSAFE.sub("", text)


def starts_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def spreadsheet_text(value: object) -> str:
    """Text for one workbook cell: `safe_text` cut to Excel's 32,767 characters.

    Write it as a string (`set_cell`, `text_cell`, `write_xlsxwriter`), never as a
    plain value: a spreadsheet library would make a formula of `=…`."""
    return safe_text(value)[:MAX_CELL_TEXT]


def set_cell(cell: Any, value: object) -> None:
    """Put `value` into an openpyxl cell (a worksheet's or a write-only one): numbers,
    dates and None as they are, anything else as string-typed text, never a formula."""
    if value is None or isinstance(value, _PLAIN_VALUES):
        cell.value = value
        return
    text = spreadsheet_text(value)
    cell.value = text  # openpyxl types a leading `=` as a formula ...
    cell.data_type = "s"  # ... and this makes it a string again
    if starts_like_formula(text):
        cell.quotePrefix = True  # Excel keeps it text even when the cell is edited


def text_cell(sheet: Any, value: object) -> Any:
    """A cell for `sheet.append` in an openpyxl write-only sheet, written by `set_cell`."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet)
    set_cell(cell, value)
    return cell


def write_xlsxwriter(sheet: Any, row: int, column: int, value: object, style: Any = None) -> None:
    """One cell of an xlsxwriter sheet (made with `XLSXWRITER_OPTIONS`): numbers as
    numbers, dates as given by the caller (text here), None blank, the rest `write_string`."""
    if value is None:
        sheet.write_blank(row, column, None, style)
    elif isinstance(value, int | float | Decimal):
        sheet.write_number(row, column, value, style)
    else:
        sheet.write_string(row, column, spreadsheet_text(value), style)


def write_xlsxwriter_row(
    sheet: Any, row: int, values: Iterable[object], style: Any = None, first_column: int = 0
) -> None:
    for column, value in enumerate(values, start=first_column):
        write_xlsxwriter(sheet, row, column, value, style)


def csv_cell(value: object) -> str:
    """One CSV field: `safe_text`, with `'` in front when it starts like a formula.

    Numbers stay as they are (a negative count is not a formula)."""
    if isinstance(value, int | float | Decimal):
        return str(value)
    text = safe_text(value)
    return CSV_PREFIX + text if starts_like_formula(text) else text


class CsvWriter:
    """`csv.writer` whose every field goes through `csv_cell`: the one way to write CSV."""

    def __init__(self, handle: TextIO, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, values: Iterable[object]) -> None:
        self._writer.writerow([csv_cell(value) for value in values])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for values in rows:
            self.writerow(values)


__all__ = [
    "FORMULA_START",
    "MAX_CELL_TEXT",
    "XLSXWRITER_OPTIONS",
    "CsvWriter",
    "csv_cell",
    "safe_text",
    "set_cell",
    "spreadsheet_text",
    "starts_like_formula",
    "text_cell",
    "write_xlsxwriter",
    "write_xlsxwriter_row",
]
