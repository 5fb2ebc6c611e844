"""What every spreadsheet import shares: finding the header row, the rows it rejects and the
rejects file written beside the input (`<name>.loi.csv`).

`records import` (services/cases/records.py) and `outreach import` (services/outreach/list_import.py)
both read through `services.spreadsheets.reader.read_rows` and these helpers, so a team that has
learnt one import knows the other: the same header matching (case, diacritics and spaces
ignored), the same messages, the same rejects file, the same exit codes on the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from services.common.errors import StorageError, ValidationError, os_reason
from services.spreadsheets.export_cells import CsvWriter
from services.spreadsheets.reader import Cell, UnreadableFileError, cell_text, header_map, is_blank

HEADER_SEARCH_ROWS = 10


_T = TypeVar("_T")


class CellMemo:
    """Parsed cells remembered per column and raw value, a `ValidationError` too: codes,
    labels, hamlets repeat on every row of a big file. Bounded to `limit` values, so that
    a file of unique values stays flat in memory."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.found: dict[tuple[str, type, Cell], tuple[bool, object]] = {}

    def get(self, column: str, cell: Cell, parse: Callable[[Cell], _T]) -> _T:
        key = (column, type(cell), cell)
        found = self.found.get(key)
        if found is None:
            try:
                found = (True, parse(cell))
            except ValidationError as error:
                found = (False, error)
            if len(self.found) < self.limit:
                self.found[key] = found
        ok, value = found
        if not ok:
            raise cast(ValidationError, value)
        return cast(_T, value)


@dataclass
class Reject:
    row: int
    reason: str
    cells: list[str]


def reject_of(
    number: int,
    reason: str,
    cells: list[Cell],
    found: Mapping[str, int] | None = None,
    keys: Iterable[str] = (),
) -> Reject:
    """The row rejected with its reason. With `found` (the header's column of each key, as
    `find_header` gives it) the cells are put under the rejects file's headers, one per key
    of `keys` in that order, wherever the file had them; without it, as the file has them."""
    if found is not None:
        width = len(cells)
        cells = [cells[i] if (i := found.get(key, width)) < width else None for key in keys]
    return Reject(number, reason, [cell_text(c) for c in cells])


_R = TypeVar("_R")


def read_in_batches(
    rows: Iterator[tuple[int, list[Cell]]],
    parse: Callable[[int, list[Cell]], _R],
    save: Callable[[list[_R]], None],
    reject: Callable[[int, str, list[Cell]], None],
    batch_rows: int,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Every non-blank row after the header parsed, the good ones saved `batch_rows` at a
    time, the bad ones rejected with their reason; how many rows were read."""
    read = 0
    batch: list[_R] = []
    for number, cells in rows:
        if is_blank(cells):
            continue
        read += 1
        try:
            batch.append(parse(number, cells))
        except ValidationError as error:
            reject(number, error.message, cells)
        if len(batch) >= batch_rows:
            save(batch)
            batch = []
            if progress:
                progress(read)
    if batch:
        save(batch)
    if progress:
        progress(read)
    return read


def rejects_path(source: Path) -> Path:
    return source.with_name(f"{source.stem}.loi.csv")


def find_header(
    rows: Iterator[tuple[int, list[Cell]]],
    columns: dict[str, str],
    required: list[str],
    path: Path,
    template_hint: str,
) -> tuple[int, dict[str, int]]:
    """The header row's number and the column index of each key found in it, read from the
    first `HEADER_SEARCH_ROWS` rows of `rows` (consumed up to the header). A row naming at
    least half the required columns is the header; one missing a required column raises
    `UnreadableFileError` naming them, and so does a file with no header at all."""
    for number, cells in rows:
        found = header_map(cells, columns)
        if len(found) >= max(len(required) // 2, 1):
            missing = [columns[key] for key in required if key not in found]
            if missing:
                raise UnreadableFileError(
                    f"Tệp «{path.name}» thiếu cột: {', '.join(missing)}. {template_hint}"
                )
            return number, found
        if number >= HEADER_SEARCH_ROWS:
            break
    raise UnreadableFileError(
        f"Không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu của «{path.name}». "
        f"Cần các cột: {', '.join(columns[k] for k in required)}."
    )


def write_rejects_beside(
    source: Path, rejects: list[Reject], headers: list[str]
) -> tuple[Path | None, str | None]:
    """The rejects file beside `source` (removed when nothing was rejected): its path, or the
    Vietnamese reason it could not be written (the rejects are then only on the terminal)."""
    target = rejects_path(source)
    try:
        if not rejects:
            target.unlink(missing_ok=True)
            return None, None
        write_rejects_csv(target, rejects, headers)
    except OSError as error:
        return None, (
            f"Không ghi được tệp dòng lỗi «{target}» ({os_reason(error)}); "
            "danh sách lỗi chỉ in ra màn hình."
        )
    return target, None


def rejects_note(rejects_file: Path | None, rejects_file_error: str | None) -> str:
    """What an import's summary says of its rejects file ("" when there is none)."""
    if rejects_file is not None:
        return f" Danh sách dòng lỗi: {rejects_file}"
    return f" {rejects_file_error}" if rejects_file_error else ""


def write_rejects_csv(target: Path, rejects: list[Reject], headers: list[str]) -> None:
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = CsvWriter(handle)
        writer.writerow(["Dòng", "Lý do", *headers])
        for reject in rejects:
            writer.writerow([reject.row, reject.reason, *reject.cells])


def save_rejects_to(target: Path, rejects: list[Reject], headers: list[str]) -> Path:
    """The rejected rows to `target`, in the CSV the command line writes beside its input;
    a Vietnamese `StorageError` when it cannot."""
    try:
        write_rejects_csv(target, rejects, headers)
    except OSError as error:
        raise StorageError(
            f"Không ghi được tệp dòng lỗi «{target}» ({os_reason(error)}). Chọn thư mục khác "
            "hoặc đóng tệp nếu đang mở trong Excel."
        ) from error
    return target


def estimate_sheet_rows(path: Path, sheet_name: str) -> int:
    """About how many rows `path` holds (for a progress bar): lines of a CSV, the sheet's
    stated size for Excel; 0 when unknown. Never raises."""
    try:
        if path.suffix.lower() in (".csv", ".txt"):
            lines = 0
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    lines += chunk.count(b"\n")
            return max(lines - 1, 0)
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            sheet = workbook[sheet_name] if sheet_name in workbook.sheetnames else None
            sheet = sheet or workbook.worksheets[0]
            return max((sheet.max_row or 0) - 1, 0)
        finally:
            workbook.close()
    except Exception:  # an estimate: the import itself reports what is wrong
        return 0
