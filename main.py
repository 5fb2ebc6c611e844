"""kichhoat: start-up only. Parse arguments, then run one command or open the window."""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path


def _streams_for_windowed_build() -> None:
    # A windowed Windows executable has no console: sys.stdout and sys.stderr are None, and
    # the first print of a command would crash. Send them nowhere instead (kichhoat-cli.exe
    # is the console executable for commands; the log keeps what matters).
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, Path(os.devnull).open("w", encoding="utf-8"))  # noqa: SIM115


def main(argv: list[str] | None = None) -> int:
    _streams_for_windowed_build()
    from ui.shell.cli import parse_args, run_command

    args = parse_args(argv)
    if args.self_test:
        from ui.upkeep.selftest import run_self_test

        return run_self_test()
    if args.command:
        from services.upkeep.logging_setup import setup_logging

        setup_logging()
        return run_command(args)
    from ui.shell.app import run_gui  # Qt is imported only when a window is wanted

    return run_gui(getattr(args, "db", None))


if __name__ == "__main__":
    # A bundled app starts its helper processes (a big import's row checker) through this
    # same executable: they must run their task, not the app (no-op outside a bundle).
    multiprocessing.freeze_support()
    sys.exit(main())
