"""`account unlock` and `account reset-password`: getting back in when no administrator can.

When the only administrator has locked themself out (five wrong passwords) or forgotten
the password, nobody can open *Quản trị → Tài khoản cán bộ*. Whoever can open the database
on this computer owns it (see `services/permissions.py`), so the command line may lift the
lock or set a new password; both are logged as `cli:<OS user>`.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import TextIO

from services.errors import UserError
from services.session_context import cli_actor
from services.text import clean
from ui.cli_database import open_for_command

EXIT_OK = 0


def add_account_parsers(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    account = commands.add_parser(
        "account",
        parents=[common],
        help="mở khóa, đặt lại mật khẩu tài khoản cán bộ (khi không quản trị viên nào đăng "
        "nhập được)",
    )
    actions = account.add_subparsers(dest="account_command", metavar="LỆNH", required=True)
    unlock = actions.add_parser(
        "unlock",
        parents=[common],
        help="mở khóa tài khoản bị tạm khóa vì nhập sai mật khẩu nhiều lần",
    )
    unlock.add_argument("username", metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản cần mở khóa")
    reset = actions.add_parser(
        "reset-password",
        parents=[common],
        help="đặt mật khẩu mới cho một tài khoản (nhập hai lần; cũng mở khóa tài khoản)",
    )
    reset.add_argument("username", metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản cần đặt mật khẩu")
    reset.add_argument(
        "--password-stdin",
        action="store_true",
        help="đọc mật khẩu mới từ dòng đầu của đầu vào chuẩn (cho tập lệnh), không hỏi",
    )


def read_new_password(from_stdin: bool) -> str:
    """The new password: one line of stdin for scripts, else typed twice without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise UserError("Không đọc được mật khẩu mới từ đầu vào chuẩn (dòng đầu trống).")
        return password
    if not sys.stdin.isatty():
        raise UserError(
            "Cần mật khẩu mới: chạy lệnh trong cửa sổ dòng lệnh để nhập, hoặc thêm "
            "--password-stdin và đưa mật khẩu vào đầu vào chuẩn."
        )
    first = getpass.getpass("Mật khẩu mới: ")
    if getpass.getpass("Nhập lại mật khẩu mới: ") != first:
        raise UserError("Hai lần nhập mật khẩu không khớp; chưa đổi gì.")
    return first


def cmd_unlock(args: argparse.Namespace, out: TextIO) -> int:
    from services.accounts import account_id, list_operators, unlock_account

    database = open_for_command(args)
    with database.session() as session:
        operator_id = account_id(session, args.username)
        changed = unlock_account(session, cli_actor(), operator_id)
        session.commit()
        info = next(o for o in list_operators(session) if o.id == operator_id)
    if changed:
        print(
            f"Đã mở khóa tài khoản «{info.username}» ({info.full_name}): có thể đăng nhập lại "
            "ngay.",
            file=out,
        )
    else:
        print(f"Tài khoản «{info.username}» không bị khóa: không có gì thay đổi.", file=out)
    if not info.is_active:
        print(
            f"Lưu ý: tài khoản «{info.username}» đang ngừng hoạt động; quản trị viên cho hoạt "
            "động lại trong Quản trị → Tài khoản cán bộ.",
            file=out,
        )
    return EXIT_OK


def cmd_reset_password(args: argparse.Namespace, out: TextIO) -> int:
    from services.accounts import account_id, check_password_rules, reset_password

    database = open_for_command(args)
    with database.session(read_only=True) as session:
        operator_id = account_id(session, args.username)  # an unknown name: before asking
    password = read_new_password(args.password_stdin)
    check_password_rules(password)
    with database.session() as session:
        reset_password(session, cli_actor(), operator_id, password)
        session.commit()
    print(
        f"Đã đặt mật khẩu mới cho tài khoản «{clean(args.username).lower()}» và mở khóa nếu "
        "đang bị khóa. Mật khẩu mới có hiệu lực ngay.",
        file=out,
    )
    return EXIT_OK


def cmd_account(args: argparse.Namespace, out: TextIO) -> int:
    if args.account_command == "unlock":
        return cmd_unlock(args, out)
    return cmd_reset_password(args, out)


ACCOUNT_COMMANDS = {"account": cmd_account}
