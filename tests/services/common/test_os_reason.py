"""The operating system's reasons reach the user in Vietnamese; an unknown one keeps its own
words and number for support."""

import errno
from pathlib import Path

import pytest

from services.common.errors import os_reason


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (errno.ENOSPC, "ổ đĩa đã đầy"),
        (errno.EACCES, "không có quyền"),
        (errno.EROFS, "chỉ cho đọc"),
        (errno.ENOTDIR, "là tệp, không phải thư mục"),
    ],
)
def test_known_reasons_are_said_in_vietnamese(number: int, words: str) -> None:
    said = os_reason(OSError(number, "English words"))
    assert words in said
    assert "English" not in said


def test_an_unknown_reason_keeps_the_system_words_and_number() -> None:
    assert os_reason(OSError(errno.ECHILD, "No child processes")) == (
        f"lỗi hệ thống: No child processes (mã {errno.ECHILD})"
    )


def test_a_real_refusal_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "tệp"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(OSError) as raised:
        (blocker / "con").write_text("y", encoding="utf-8")
    assert os_reason(raised.value) == "một phần của đường dẫn là tệp, không phải thư mục"
