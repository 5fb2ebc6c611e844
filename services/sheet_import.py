"""What every spreadsheet import shares: finding the header row, the rows it rejects and the
rejects file written beside the input (`<name>.loi.csv`).

`records import` (services/records.py) and `outreach import` (services/outreach_import.py)
both read through `services.spreadsheet.read_rows` and these helpers, so a team that has
learnt one import knows the other: the same header matching (case, diacritics and spaces
ignored), the same messages, the same rejects file, the same exit codes on the command line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from services.errors import StorageError
from services.export_cells import CsvWriter
from services.spreadsheet import Cell, UnreadableFileError, cell_text, header_map

HEADER_SEARCH_ROWS = 10


@dataclass
class Reject:
    row: int
    reason: str
    cells: list[str]


def reject_of(number: int, reason: str, cells: list[Cell]) -> Reject:
    return Reject(number, reason, [cell_text(c) for c in cells])


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
            f"Không ghi được tệp dòng lỗi «{target}» ({error.strerror}); "
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
            f"Không ghi được tệp dòng lỗi «{target}» ({error.strerror}). Chọn thư mục khác "
            "hoặc đóng tệp nếu đang mở trong Excel."
        ) from error
    return target
