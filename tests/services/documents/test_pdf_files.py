"""`services.documents.pdf_files`: every PDF appears whole at its name or not at all, with a
Vietnamese message saying what went wrong."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from services.common.errors import StorageError
from services.documents.pdf_files import pdf_path, write_pdf_file

WHOLE = b"%PDF-1.4 x\n%%EOF\n"


def _paints(content: bytes) -> Callable[[Path], bool]:
    def paint(temporary: Path) -> bool:
        temporary.write_bytes(content)
        return True

    return paint


def test_the_file_takes_its_name_with_pdf_added(tmp_path: Path) -> None:
    written = write_pdf_file(tmp_path / "to-huong-dan", _paints(WHOLE))
    assert written == tmp_path / "to-huong-dan.pdf" == pdf_path(tmp_path / "to-huong-dan")
    assert written.read_bytes() == WHOLE
    assert pdf_path(tmp_path / "a.PDF") == tmp_path / "a.PDF"
    assert pdf_path(tmp_path / "a.txt") == tmp_path / "a.txt.pdf"
    assert [p.name for p in tmp_path.iterdir()] == ["to-huong-dan.pdf"]


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match=r"Không có thư mục .*Chọn thư mục khác"):
        write_pdf_file(tmp_path / "khong-co" / "a.pdf", _paints(b"x"))


def test_a_pdf_that_cannot_start_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    with pytest.raises(StorageError, match=r"Không tạo được tệp PDF «.*a.pdf»"):
        write_pdf_file(target, lambda temporary: False)
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"] and target.read_bytes() == b"old"


def test_a_failure_while_painting_leaves_nothing(tmp_path: Path) -> None:
    def broken(temporary: Path) -> bool:
        temporary.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(StorageError, match=r"Không lưu được tệp .*đóng nó rồi thử lại"):
        write_pdf_file(tmp_path / "a.pdf", broken)
    assert list(tmp_path.iterdir()) == []

    def bug(temporary: Path) -> bool:
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        write_pdf_file(tmp_path / "a.pdf", bug)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("written", [b"", b"%PDF-1.4\n1 0 obj", WHOLE[:-3]])
def test_a_pdf_the_painter_left_short_is_refused(tmp_path: Path, written: bytes) -> None:
    """Qt's PDF writer says nothing when the disk fills up: it leaves an empty or cut file.
    Such a file is no PDF; it never takes the name, and the old file stays."""
    target = tmp_path / "a.pdf"
    target.write_bytes(b"old")
    with pytest.raises(StorageError, match=r"«.*a\.pdf».*không trọn.*ổ đĩa"):
        write_pdf_file(target, _paints(written))
    assert [p.name for p in tmp_path.iterdir()] == ["a.pdf"] and target.read_bytes() == b"old"
