"""`audit verify`, `details`, `backup`, `restore` and `purge` from the command line.

`audit verify` is open to anyone; the others need an administrator's sign-in (`details`: a
manager's), see ui/security/cli_sign_in.py, and their audit entries name that person.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from services.common.errors import UserError
from services.common.vntime import format_date, parse_iso_day
from ui.exchange.cli_packages import (
    NEW_PASSPHRASE_OPTIONS,
    PASSPHRASE_OPTIONS,
    generated_passphrase,
    read_passphrase,
)
from ui.security.cli_sign_in import acting, in_one_transaction
from ui.shell.cli_common import ASSUME_YES, Command, option
from ui.shell.cli_common import confirm as _confirm
from ui.shell.cli_database import open_for_command

if TYPE_CHECKING:
    from services.security.audit_witness import Witness

EXIT_OK = 0
EXIT_BROKEN = 1


_VERIFY = option(
    "--against",
    action="append",
    type=Path,
    default=[],
    metavar="FILE",
    help="báo cáo PC06 (.xlsx) hoặc gói dữ liệu: các dấu nhật ký ghi trong đó phải còn "
    "trong nhật ký (lặp lại được)",
)
SECURITY_PARSERS = (
    Command(
        "audit",
        "nhật ký hệ thống",
        subcommands=(
            Command(
                "verify",
                "kiểm tra chuỗi mã băm của nhật ký và đối chiếu với những gì đã in, đã gửi",
                (_VERIFY,),
            ),
        ),
        dest="audit_command",
    ),
    Command(
        "details",
        "xuất danh sách chi tiết (có dữ liệu cá nhân) ra tệp Excel mã hóa bằng mật khẩu",
        (
            option("--as-of", metavar="YYYY-MM-DD", help="hồ sơ và trạng thái đến hết ngày này"),
            option("--out", required=True, type=Path, metavar="FILE.xlsx"),
        ),
    ),
    Command(
        "backup",
        "sao lưu cơ sở dữ liệu SQLite ra một tệp",
        (option("--out", required=True, type=Path, metavar="FILE"),),
    ),
    Command(
        "restore",
        "khôi phục từ một bản sao lưu (sao lưu cơ sở dữ liệu hiện tại trước)",
        (option("file", type=Path, metavar="FILE"), ASSUME_YES, *PASSPHRASE_OPTIONS),
    ),
    Command(
        "purge",
        "xóa dữ liệu cá nhân sau khi hết thời gian giữ (giữ số liệu thống kê)",
        (
            ASSUME_YES,
            option(
                "--server-backup-done",
                action="store_true",
                help="(PostgreSQL) xác nhận máy chủ đã được sao lưu bằng pg_dump",
            ),
            *NEW_PASSPHRASE_OPTIONS,
        ),
    ),
)


def _against(files: list[Path]) -> list[Witness]:
    """The heads named by reports and packages given with --against."""
    from services.exchange.packages import package_audit_witness
    from services.security.audit_witness import report_witness

    witnesses: list[Witness] = []
    passphrase: str | None = None
    for path in files:
        if not path.is_file():
            raise UserError(f"Không tìm thấy tệp «{path}».")
        if path.suffix.lower() == ".xlsx":
            witnesses.append(report_witness(path))
            continue
        if passphrase is None:
            passphrase = read_passphrase(confirm=False)
        witnesses.append(package_audit_witness(path, passphrase))
    return witnesses


def cmd_audit(args: argparse.Namespace, out: TextIO) -> int:
    from services.security.audit_witness import verify_audit

    against = _against(args.against)
    database = open_for_command(args, reading=True)
    with database.session(read_only=True) as session:
        check = verify_audit(session, against)
    if check.ok:
        print(
            f"OK: {check.count} mục nhật ký trong {check.chains.chains} chuỗi, chuỗi mã băm "
            f"khớp; khớp với {check.witnesses} lần in hoặc gửi.",
            file=out,
        )
        if check.lost:
            print(check.describe(), file=out)
        return EXIT_OK
    print(f"Lỗi: {check.describe()}", file=sys.stderr)
    return EXIT_BROKEN


def cmd_details(args: argparse.Namespace, out: TextIO) -> int:
    from services.documents.detail_list import check_password, write_detail_list

    as_of = parse_iso_day(args.as_of) if args.as_of else None
    password = read_passphrase(confirm=True, what="danh sách chi tiết")
    check_password(password)
    result = in_one_transaction(
        args,
        lambda session, actor: write_detail_list(session, actor, args.out, password, as_of=as_of),
    )
    until = f" đến hết ngày {format_date(as_of)}" if as_of else ""
    print(
        f"Đã ghi danh sách chi tiết ({result.cases} hồ sơ{until}), mã hóa bằng mật khẩu: "
        f"{result.path}",
        file=out,
    )
    return EXIT_OK


def cmd_backup(args: argparse.Namespace, out: TextIO) -> int:
    from services.upkeep.backup import create_backup

    database = open_for_command(args, reading=True)
    notes: list[str] = []
    path = create_backup(database, acting(args), args.out, notes)
    print(f"Đã sao lưu và kiểm tra: {path}", file=out)
    for note in notes:
        print(note, file=sys.stderr)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace, out: TextIO) -> int:
    from services.upkeep.backup import check_backup, database_file, restore_backup
    from services.upkeep.encrypted_backup import WHAT, is_encrypted_backup

    passphrase = (
        read_passphrase(confirm=False, file=args.passphrase_file, what=WHAT)
        if is_encrypted_backup(args.file)
        else None
    )
    info = check_backup(args.file, passphrase)
    database = open_for_command(args)
    target = database_file(database)
    _confirm(
        f"Khôi phục «{info.path.name}» ({info.cases} hồ sơ) đè lên «{target}»? Cơ sở dữ liệu "
        "hiện tại sẽ được sao lưu trước.",
        args.yes,
    )
    result = restore_backup(database, acting(args), args.file, passphrase=passphrase)
    print(
        f"Đã khôi phục từ {info.path} ({info.cases} hồ sơ). Bản trước khi khôi phục: "
        f"{result.previous_saved_to}",
        file=out,
    )
    if result.erased_again:
        print(result.erased_note(), file=out)
    return EXIT_OK


def cmd_purge(args: argparse.Namespace, out: TextIO) -> int:
    from services.common.vntime import today_vn
    from services.exchange.crypto import check_passphrase
    from services.privacy.purge import purge_personal_data, purge_state
    from services.upkeep.encrypted_backup import WHAT

    database = open_for_command(args)
    with database.session(read_only=True) as session:
        state = purge_state(session)
    today = today_vn()
    if not state.allowed(today):
        print(f"{state.describe(today)} Chưa xóa gì.", file=sys.stderr)
        return EXIT_BROKEN
    print(state.describe(today), file=out)
    passphrase: str | None = None
    if database.is_sqlite:  # the encrypted backup made first: its passphrase before anything
        if args.generate_passphrase:
            passphrase = generated_passphrase(out)
        else:
            passphrase = read_passphrase(confirm=True, file=args.passphrase_file, what=WHAT)
        check_passphrase(passphrase, WHAT)
    _confirm(f"Xóa vĩnh viễn dữ liệu cá nhân của {state.cases_with_personal_data} hồ sơ?", args.yes)
    result = purge_personal_data(
        database,
        acting(args),
        server_backup_confirmed=args.server_backup_done,
        passphrase=passphrase,
    )
    print(result.describe(), file=out)
    if result.removal.failed or not result.file_rewritten:
        print("Chưa xóa hết dấu vết dữ liệu cá nhân: xem thông báo ở trên.", file=sys.stderr)
        return EXIT_BROKEN
    return EXIT_OK


SECURITY_COMMANDS = {
    "audit": cmd_audit,
    "details": cmd_details,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "purge": cmd_purge,
}
