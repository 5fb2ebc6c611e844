"""The command line's own refusals (argparse's words) are Vietnamese, exit code 2."""

from __future__ import annotations

import pytest

from ui.shell.cli import parse_args


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["tally", "--verify", "--rebuild"], "không dùng cùng lúc với --verify"),
        (["package", "export", "--p", "x"], "tùy chọn --p chưa rõ: có thể là"),
        (["tally", "--khong-co"], "tham số không hiểu được: --khong-co"),
        (["khong-co-lenh"], "lựa chọn 'khong-co-lenh' không hợp lệ"),
        (["records", "import"], "thiếu tham số bắt buộc"),
    ],
)
def test_a_wrong_command_line_is_refused_in_vietnamese(
    argv: list[str], words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert words in err, err
    assert "lỗi:" in err and "Cách dùng:" in err
    for english in ("error:", "usage:", "not allowed", "ambiguous", "unrecognized", "required"):
        assert english not in err, err
