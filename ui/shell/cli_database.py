"""The database a command works on: `--db`, then `KICHHOAT_DB`, then this computer's own."""

from __future__ import annotations

import argparse

from services.upkeep.database import Database, open_database


def open_for_command(args: argparse.Namespace, *, reading: bool = False) -> Database:
    """`reading`: a command that only reads, which also works on a database that cannot be
    written (a read-only folder or medium), opened read-only then.

    Opened once per command: signing in and the command itself share it."""
    opened = getattr(args, "opened_database", None)
    if isinstance(opened, Database) and (reading or not opened.read_only):
        return opened
    database = open_database(getattr(args, "db", None), read_only=None if reading else False)
    args.opened_database = database
    return database
