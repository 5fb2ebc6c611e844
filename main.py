"""kichhoat: start-up only. Parse arguments, then run one command or open the window."""

from __future__ import annotations

import argparse
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


def _drop_stdout() -> None:
    # What is still buffered for a closed pipe or a full disk would fail again when Python
    # flushes at exit ("Exception ignored ..."): send it nowhere instead.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file behind stdout: nothing will flush there
        pass


def _run(args: argparse.Namespace) -> int:
    """One command; the output it cannot write ends it with a message, never a traceback."""
    from services.common.errors import os_reason
    from ui.shell.cli import run_command

    try:
        status = run_command(args)
        sys.stdout.flush()  # output that cannot be written fails here, not at exit
        return status
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, as command-line tools do.
        _drop_stdout()
        return 1
    except OSError as error:
        import logging

        logging.getLogger("kichhoat").exception("a command stopped on a system error")
        _drop_stdout()
        what = (
            f"Không đọc hoặc ghi được tệp «{error.filename}»"
            if error.filename
            else "Không ghi được kết quả của lệnh"
        )
        print(
            f"Lỗi: {what}: {os_reason(error)}. Kiểm tra ổ đĩa, quyền ghi và nơi nhận kết quả "
            "rồi chạy lại lệnh.",
            file=sys.stderr,
        )
        return 1


def main(argv: list[str] | None = None) -> int:
    _streams_for_windowed_build()
    from ui.shell.cli import parse_args

    args = parse_args(argv)
    if args.self_test:
        from ui.upkeep.selftest import run_self_test

        return run_self_test()
    if args.command:
        from services.upkeep.logging_setup import setup_logging

        setup_logging()
        return _run(args)
    from ui.shell.app import run_gui  # Qt is imported only when a window is wanted

    return run_gui(getattr(args, "db", None))


if __name__ == "__main__":
    # A bundled app starts its helper processes (a big import's row checker) through this
    # same executable: they must run their task, not the app (no-op outside a bundle).
    multiprocessing.freeze_support()
    sys.exit(main())
