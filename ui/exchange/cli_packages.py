"""`package export` and `package import`: data packages from the command line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TextIO

from services.common.errors import UserError, os_reason
from services.common.vntime import parse_iso_day
from ui.security.cli_sign_in import acting
from ui.shell.cli_common import Command, option
from ui.shell.cli_database import open_for_command

PASSPHRASE_ENV = "KICHHOAT_PASSPHRASE"  # noqa: S105 (the name of a variable, not a secret)
PACKAGE = "gói dữ liệu"


def read_passphrase(confirm: bool, file: Path | None = None, what: str = PACKAGE) -> str:
    """From `file` (its first line: `--passphrase-file`), else KICHHOAT_PASSPHRASE when set
    (scripts), else asked on the terminal (twice when `confirm`)."""
    if file is not None:
        return _passphrase_from(file)
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        raise UserError(
            f"Cần mật khẩu cho {what}: dùng --passphrase-file TỆP, đặt biến môi trường "
            f"{PASSPHRASE_ENV} hoặc chạy lệnh trong cửa sổ dòng lệnh để nhập."
        )
    first = getpass.getpass(f"Mật khẩu của {what}: ")
    if confirm and getpass.getpass("Nhập lại mật khẩu: ") != first:
        raise UserError("Hai lần nhập mật khẩu không khớp; chưa làm gì.")
    return first


def _passphrase_from(file: Path) -> str:
    try:
        lines = file.read_text(encoding="utf-8-sig").splitlines()
    except OSError as error:
        raise UserError(f"Không đọc được tệp mật khẩu «{file}»: {os_reason(error)}.") from error
    except UnicodeDecodeError as error:
        raise UserError(
            f"Tệp mật khẩu «{file}» không phải văn bản UTF-8: lưu lại bằng Notepad (UTF-8) rồi "
            "chạy lại."
        ) from error
    if not lines or not lines[0]:
        raise UserError(f"Tệp mật khẩu «{file}» trống: dòng đầu tiên phải là mật khẩu.")
    return lines[0]


def generated_passphrase(out: TextIO) -> str:
    """A new passphrase of common words (`--generate-passphrase`), printed to be read aloud
    and written down."""
    from services.security.passphrase_words import entropy_bits, generate_passphrase

    passphrase = generate_passphrase()
    print(
        # Rounded down: a passphrase is never said to be stronger than it is.
        f"Mật khẩu tạo sẵn ({int(entropy_bits())} bit): {passphrase}\nĐọc cho người nhận từng "
        "từ (gõ có dấu hay không dấu đều được); ghi lại ở nơi an toàn, không gửi cùng đường "
        "với tệp.",
        file=out,
    )
    return passphrase


PASSPHRASE_OPTIONS = (
    option(
        "--passphrase-file",
        type=Path,
        metavar="FILE",
        help="đọc mật khẩu từ dòng đầu của tệp này (thay vì hỏi hoặc KICHHOAT_PASSPHRASE)",
    ),
)
# A new package or backup: also the choice of a generated passphrase.
NEW_PASSPHRASE_OPTIONS = (
    *PASSPHRASE_OPTIONS,
    option(
        "--generate-passphrase",
        action="store_true",
        help="tạo mật khẩu gồm 5 từ tiếng Việt dễ đọc qua điện thoại, in ra và dùng nó",
    ),
)
_EXPORT = (
    option(
        "--since", metavar="YYYY-MM-DD", help="chỉ hồ sơ có thay đổi từ ngày này (giờ Việt Nam)"
    ),
    option("--point", metavar="CODE", help="chỉ hồ sơ của điểm thu nhận này"),
    option("--out", required=True, type=Path, metavar="FILE"),
    *NEW_PASSPHRASE_OPTIONS,
)
PACKAGE_PARSERS = (
    Command(
        "package",
        "gói dữ liệu mã hóa để trao đổi giữa các điểm",
        subcommands=(
            Command("export", "xuất hồ sơ ra một gói", _EXPORT),
            Command(
                "import",
                "nhập (gộp) một hay nhiều gói",
                (option("files", nargs="+", type=Path, metavar="FILE"), *PASSPHRASE_OPTIONS),
            ),
        ),
        dest="package_command",
    ),
)


def cmd_package(args: argparse.Namespace, out: TextIO) -> int:
    from services.exchange.packages import export_package, import_package

    database = open_for_command(args)
    if args.package_command == "export":
        since = parse_iso_day(args.since) if args.since else None
        passphrase = (
            generated_passphrase(out)
            if args.generate_passphrase
            else read_passphrase(confirm=True, file=args.passphrase_file)
        )
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
    passphrase = read_passphrase(confirm=False, file=args.passphrase_file)
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
