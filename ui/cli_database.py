"""The database a command works on: `--db`, then `KICHHOAT_DB`, then this computer's own."""

from __future__ import annotations

import argparse

from services.database import Database, open_database


def open_for_command(args: argparse.Namespace, *, reading: bool = False) -> Database:
    """`reading`: a command that only reads, which also works on a database that cannot be
    written (a read-only folder or medium), opened read-only then."""
    return open_database(getattr(args, "db", None), read_only=None if reading else False)
