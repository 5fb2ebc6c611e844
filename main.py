"""kichhoat: start-up only. Parse arguments, then run one command or open the window."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from ui.cli import parse_args, run_command

    args = parse_args(argv)
    if args.command:
        return run_command(args)
    from ui.app import run_gui  # Qt is imported only when a window is wanted

    return run_gui(getattr(args, "db", None))


if __name__ == "__main__":
    sys.exit(main())
