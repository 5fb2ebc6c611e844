"""What several commands share: a QGuiApplication to paint PDFs with, a confirmation, and
the table form of their parsers (`Command`, `option`, `OneOf`, `add_commands`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.common.errors import UserError

_keep_alive: list[object] = []


def gui_application() -> None:
    """Painting needs a QGuiApplication (never widgets here); without a display, offscreen."""
    if (
        sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        _keep_alive.append(QGuiApplication(["kichhoat"]))


def confirm(question: str, assume_yes: bool) -> None:
    """Go on only when told so: `--yes`, or «có» typed on a terminal; else `UserError`."""
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise UserError(
            f"{question} Chạy lệnh trong cửa sổ dòng lệnh để xác nhận, hoặc thêm --yes."
        )
    answer = input(f"{question} Gõ «có» để tiếp tục: ").strip().lower()
    if answer not in ("có", "co", "yes", "y"):
        raise UserError("Đã hủy; không thay đổi gì.")


@dataclass(frozen=True)
class Option:
    """One `add_argument` call: its flags (or positional name) and keyword arguments."""

    flags: tuple[str, ...]
    settings: dict[str, Any]


def option(*flags: str, **settings: Any) -> Option:
    return Option(flags, settings)


@dataclass(frozen=True)
class OneOf:
    """Options of which at most one may be given (`required`: exactly one)."""

    options: tuple[Option, ...]
    required: bool = False


# A part of a command: an option, a group of exclusive options, or a function adding its own.
Part = Option | OneOf | Callable[[argparse.ArgumentParser], None]


@dataclass(frozen=True)
class Command:
    """A command of the table: its name, its help, its options in the order `--help` shows
    them, and its subcommands (chosen one named in `args.<dest>`)."""

    name: str
    help: str
    parts: tuple[Part, ...] = ()
    subcommands: tuple[Command, ...] = ()
    dest: str = ""
    required: bool = True


def add_parts(parser: argparse.ArgumentParser, parts: Sequence[Part]) -> None:
    for part in parts:
        if isinstance(part, Option):
            parser.add_argument(*part.flags, **part.settings)
        elif isinstance(part, OneOf):
            group = parser.add_mutually_exclusive_group(required=part.required)
            for choice in part.options:
                group.add_argument(*choice.flags, **choice.settings)
        else:
            part(parser)


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    table: Sequence[Command],
) -> None:
    """Add each command of `table` (and its subcommands), every one taking `common`'s options."""
    for command in table:
        parser = commands.add_parser(command.name, parents=[common], help=command.help)
        add_parts(parser, command.parts)
        if command.subcommands:
            actions = parser.add_subparsers(
                dest=command.dest, metavar="LỆNH", required=command.required
            )
            add_commands(actions, common, command.subcommands)


ASSUME_YES = option("--yes", action="store_true", help="không hỏi xác nhận (cho tập lệnh)")
