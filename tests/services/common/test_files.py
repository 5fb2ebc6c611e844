"""A file written for a person replaces the old one only once written whole; a disk error
leaves the old file as it was and no temporary file beside it."""

from pathlib import Path

import pytest

from services.common.errors import StorageError
from services.common.files import written_whole


def test_the_file_is_replaced_once_written(tmp_path: Path) -> None:
    out = tmp_path / "thư mục" / "nhật ký.csv"
    with written_whole(out) as temporary:
        temporary.write_text("mới", encoding="utf-8")
        assert not out.exists()
    assert out.read_text(encoding="utf-8") == "mới"
    assert list(out.parent.iterdir()) == [out]


def test_a_disk_error_keeps_the_old_file_and_says_what_to_do(tmp_path: Path) -> None:
    out = tmp_path / "nhật ký.csv"
    out.write_text("cũ", encoding="utf-8")
    with (
        pytest.raises(StorageError) as raised,
        written_whole(out, "Chọn thư mục khác.") as temporary,
    ):
        temporary.write_text("một nửa", encoding="utf-8")
        raise OSError(28, "No space left on device")
    assert "Không ghi được tệp «" in str(raised.value) and "Chọn thư mục khác." in str(raised.value)
    assert "ổ đĩa đã đầy" in str(raised.value)
    assert out.read_text(encoding="utf-8") == "cũ"
    assert list(tmp_path.iterdir()) == [out]


def test_a_folder_that_is_a_file_gets_the_vietnamese_message(tmp_path: Path) -> None:
    """A path whose folder is really a file: the cleanup must not hide the message behind
    its own error."""
    blocker = tmp_path / "báo cáo"
    blocker.write_text("không phải thư mục", encoding="utf-8")
    with (
        pytest.raises(StorageError) as raised,
        written_whole(blocker / "pc06.xlsx", what="tệp báo cáo"),
    ):
        pytest.fail("the block must not run: the folder cannot be made")
    assert "Không ghi được tệp báo cáo «" in str(raised.value)
    assert "trùng tên" in str(raised.value)
    assert blocker.read_text(encoding="utf-8") == "không phải thư mục"


def test_a_failure_that_is_not_the_disks_leaves_nothing_half_written(tmp_path: Path) -> None:
    out = tmp_path / "bao-cao.xlsx"
    out.write_bytes(b"ban cu")
    with pytest.raises(ValueError, match="hỏng giữa chừng"), written_whole(out) as temporary:
        temporary.write_bytes(b"mot nua")
        raise ValueError("hỏng giữa chừng")
    assert [p.name for p in tmp_path.iterdir()] == ["bao-cao.xlsx"]
    assert out.read_bytes() == b"ban cu"
