"""The database a command works on: `--db`, then `KICHHOAT_DB`, then this computer's own."""

from __future__ import annotations

import argparse

from services.common.errors import StorageError
from services.upkeep.database import Database, open_database, resolve_database_url, sqlite_path

# The commands that may make a new SQLite file: a campaign's first start (`init`, `campaign
# new`), the first administrator of a new computer (`account create`) and a backup put back
# in place (`restore`). Every other command works on a database that is already there: a
# file that does not exist is a `--db` typed wrong, refused before anything is created.
CREATES_DATABASE = frozenset({"init", "campaign new", "account create", "restore"})


def command_name(args: argparse.Namespace) -> str:
    """`details`, `account unlock`: the command with its sub-command."""
    action = getattr(args, f"{args.command}_command", None)
    return f"{args.command} {action}" if action else str(args.command)


def open_for_command(args: argparse.Namespace, *, reading: bool = False) -> Database:
    """`reading`: a command that only reads, which also works on a database that cannot be
    written (a read-only folder or medium), opened read-only then.

    Opened once per command: signing in and the command itself share it."""
    opened = getattr(args, "opened_database", None)
    if isinstance(opened, Database) and (reading or not opened.read_only):
        return opened
    url = getattr(args, "db", None)
    _refuse_missing_file(args, url)
    database = open_database(url, read_only=None if reading else False)
    args.opened_database = database
    return database


def _refuse_missing_file(args: argparse.Namespace, url: str | None) -> None:
    path = sqlite_path(resolve_database_url(url))
    if path is None or path.exists() or command_name(args) in CREATES_DATABASE:
        return
    raise StorageError(
        f"Không có cơ sở dữ liệu nào ở «{path}»: kiểm tra lại --db (hoặc biến KICHHOAT_DB); "
        "chưa tạo gì. Cơ sở dữ liệu mới được tạo bằng «python main.py init --preset "
        "soc-trang-2023» hoặc «python main.py campaign new ...»."
    )
