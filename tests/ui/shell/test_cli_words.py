"""The command line's own refusals (argparse's words) are Vietnamese, exit code 2."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from ui.shell.cli import build_parser, parse_args


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


# The placeholders the README's command table uses: the same words in every command's help.
README_PLACEHOLDERS = {
    "URL",
    "FILE",
    "CODE",
    "TEXT",
    "N",
    "ID",
    "S",
    "MINUTES",
    "DOMAIN",
    "USERNAME",
}


def _subparsers(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield name, sub
                for inner, deeper in _subparsers(sub):
                    yield f"{name} {inner}", deeper


def test_no_option_shows_an_english_placeholder_in_the_help() -> None:
    """An option without a metavar is shown by argparse as its English name in capitals
    (`--reason REASON`): each is named in Vietnamese, or by the README's placeholders."""
    english = []
    for command, parser in _subparsers(build_parser()):
        for action in parser._actions:
            if not action.option_strings or action.nargs == 0 or action.choices:
                continue
            if action.metavar is None and action.dest.upper() not in README_PLACEHOLDERS:
                english.append(f"{command} {action.option_strings[-1]} {action.dest.upper()}")
    assert english == []
