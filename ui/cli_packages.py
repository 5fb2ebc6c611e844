"""`package export` and `package import`: data packages from the command line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TextIO

from services.errors import UserError
from services.vntime import parse_iso_day
from ui.cli_database import open_for_command
from ui.cli_sign_in import acting

PASSPHRASE_ENV = "KICHHOAT_PASSPHRASE"  # noqa: S105 (the name of a variable, not a secret)


def read_passphrase(confirm: bool) -> str:
    """From KICHHOAT_PASSPHRASE when set (scripts), else asked on the terminal."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError(
            f"Cần mật khẩu cho gói dữ liệu: đặt biến môi trường {PASSPHRASE_ENV} hoặc chạy lệnh "
            "trong cửa sổ dòng lệnh để nhập."
        )
    first = getpass.getpass("Mật khẩu của gói: ")
    if confirm and getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise UserError("Hai lần nhập mật khẩu không khớp; chưa xuất gì.")
    return first


def add_package_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    package = commands.add_parser(
        "package", parents=[common], help="gói dữ liệu mã hóa để trao đổi giữa các điểm"
    )
    actions = package.add_subparsers(dest="package_command", metavar="LỆNH", required=True)
    export = actions.add_parser("export", parents=[common], help="xuất hồ sơ ra một gói")
    export.add_argument(
        "--since", metavar="YYYY-MM-DD", help="chỉ hồ sơ có thay đổi từ ngày này (giờ Việt Nam)"
    )
    export.add_argument("--point", metavar="CODE", help="chỉ hồ sơ của điểm thu nhận này")
    export.add_argument("--out", required=True, type=Path, metavar="FILE")
    merge = actions.add_parser("import", parents=[common], help="nhập (gộp) một hay nhiều gói")
    merge.add_argument("files", nargs="+", type=Path, metavar="FILE")


def cmd_package(args: argparse.Namespace, out: TextIO) -> int:
    from services.packages import export_package, import_package

    database = open_for_command(args)
    if args.package_command == "export":
        since = parse_iso_day(args.since) if args.since else None
        passphrase = read_passphrase(confirm=True)
        with database.session() as session:
            result = export_package(
                session, acting(args), args.out, passphrase, since=since, point_code=args.point
            )
            session.commit()
        counts = result.counts
        print(
            f"Đã xuất {counts['cases']} hồ sơ ({counts['events']} mốc trạng thái, "
            f"{counts['points']} điểm thu nhận, {counts['operators']} cán bộ) vào {result.path}.",
            file=out,
        )
        return 0
    passphrase = read_passphrase(confirm=False)
    failed = 0
    for path in args.files:
        try:
            with database.session() as session:
                summary = import_package(session, acting(args), path, passphrase)
                session.commit()
        except UserError as error:
            failed += 1
            print(f"Từ chối {path.name}: {error}", file=sys.stderr)
            continue
        print(summary.describe(), file=out)
    return 1 if failed else 0
