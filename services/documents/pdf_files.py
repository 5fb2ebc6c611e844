"""A PDF file written whole or not at all: painted into a temporary file in the target's
folder, which then takes the file's name. Every PDF the app writes goes through here."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from services.common.errors import StorageError, os_reason


def pdf_path(path: Path) -> Path:
    """`path`, with `.pdf` added when it has another ending (or none)."""
    path = Path(path)
    if path.suffix.lower() != ".pdf":
        return path.with_suffix(path.suffix + ".pdf") if path.suffix else path.with_suffix(".pdf")
    return path


def write_pdf_file(path: Path, paint: Callable[[Path], bool]) -> Path:
    """Write a PDF at `path` (`.pdf` added if missing) with `paint(temporary)`, which returns
    False when the PDF could not be started; the path written. Raises `StorageError` with a
    Vietnamese message; nothing is left behind on failure."""
    path = pdf_path(path)
    folder = path.parent if str(path.parent) else Path()
    if not folder.is_dir():
        raise StorageError(f"Không có thư mục «{folder}» để lưu tệp PDF. Chọn thư mục khác.")
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".kichhoat-", suffix=".pdf")
        os.close(handle)
    except OSError as error:
        raise StorageError(
            f"Không ghi được vào thư mục «{folder}»: {os_reason(error)}. Kiểm tra quyền ghi "
            "và dung lượng ổ đĩa."
        ) from error
    temporary = Path(name)
    try:
        if not paint(temporary):
            raise StorageError(f"Không tạo được tệp PDF «{path}».")
        if not _whole(temporary):
            # Qt's PDF writer reports no write error (a full disk): the file it left is short.
            raise StorageError(
                f"Không ghi được tệp PDF «{path}»: tệp viết ra không trọn (ổ đĩa có thể đã đầy). "
                "Giải phóng dung lượng hoặc chọn ổ đĩa khác rồi thử lại."
            )
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise StorageError(
            f"Không lưu được tệp «{path}»: {os_reason(error)}. Tệp có thể đang mở trong chương "
            "trình khác; đóng nó rồi thử lại."
        ) from error
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path


def _whole(pdf: Path) -> bool:
    """Whether the file ends as every PDF does, with its end-of-file marker."""
    with pdf.open("rb") as handle:
        handle.seek(max(pdf.stat().st_size - 1024, 0))
        return b"%%EOF" in handle.read()
