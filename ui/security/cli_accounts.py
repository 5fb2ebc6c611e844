"""`account create`, `account unlock` and `account reset-password`.

They need an administrator signed in (ui/security/cli_sign_in.py), except while no active
administrator can sign in: on a new database (`account create NAME --role admin` makes the
first one), or when the only administrator has locked themself out (five wrong passwords),
forgotten the password or been disabled, so that nobody can open *Quản trị → Tài khoản cán
bộ*. Then they run without sign-in and are logged as `cli:<OS user>`.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import TextIO

from models.codes import Role
from services.common.errors import UserError
from services.common.text import clean
from services.security.permissions import ROLE_LABELS
from ui.security.cli_sign_in import PASSWORD_ENV, acting, in_one_transaction
from ui.shell.cli_common import Command, option
from ui.shell.cli_database import open_for_command

EXIT_OK = 0


_ACCOUNT_ACTIONS = (
    Command(
        "create",
        "tạo tài khoản (tài khoản đầu tiên của cơ sở dữ liệu: quản trị viên)",
        (
            option("username", metavar="TÊN_ĐĂNG_NHẬP", help="tên đăng nhập mới"),
            option(
                "--role",
                required=True,
                choices=[role.value for role in Role],
                help="vai trò: operator (cán bộ thu nhận), manager (quản lý), admin (quản trị viên)",
            ),
            option("--name", metavar="HỌ_TÊN", help="họ và tên (mặc định: tên đăng nhập)"),
            option(
                "--point",
                metavar="MÃ_ĐIỂM",
                help="điểm thu nhận của cán bộ (mã điểm, không bắt buộc)",
            ),
            option(
                "--password-stdin",
                action="store_true",
                help="đọc mật khẩu của tài khoản mới từ dòng đầu của đầu vào chuẩn (cho tập lệnh)",
            ),
        ),
    ),
    Command(
        "unlock",
        "mở khóa tài khoản bị tạm khóa vì nhập sai mật khẩu nhiều lần",
        (option("username", metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản cần mở khóa"),),
    ),
    Command(
        "reset-password",
        "đặt mật khẩu mới cho một tài khoản (nhập hai lần; cũng mở khóa tài khoản)",
        (
            option("username", metavar="TÊN_ĐĂNG_NHẬP", help="tài khoản cần đặt mật khẩu"),
            option(
                "--password-stdin",
                action="store_true",
                help="đọc mật khẩu mới từ dòng đầu của đầu vào chuẩn (cho tập lệnh), không hỏi",
            ),
        ),
    ),
)
ACCOUNT_PARSERS = (
    Command(
        "account",
        "tạo tài khoản cán bộ, mở khóa, đặt lại mật khẩu (không cần đăng nhập khi chưa "
        "có quản trị viên nào đăng nhập được)",
        subcommands=_ACCOUNT_ACTIONS,
        dest="account_command",
    ),
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


def new_account_password(args: argparse.Namespace) -> str:
    """`--password-stdin`; else, when nobody signed in for the command (the first account),
    `KICHHOAT_PASSWORD`; else typed twice."""
    if not args.password_stdin and acting(args).is_cli:
        from_environment = os.environ.get(PASSWORD_ENV, "")
        if from_environment:
            return from_environment
    return read_new_password(args.password_stdin)


def cmd_create(args: argparse.Namespace, out: TextIO) -> int:
    from services.campaigns.directory import find_point_by_code, normalise_username
    from services.security.accounts import check_password_rules, create_account

    actor, role = acting(args), Role(args.role)
    if actor.is_cli and role is not Role.ADMIN:
        raise UserError(
            "Chưa có quản trị viên nào đăng nhập được: tài khoản tạo lúc này phải là quản trị "
            "viên (--role admin); quản trị viên tạo các tài khoản khác sau."
        )
    username = normalise_username(args.username)
    database = open_for_command(args)
    point_id = None
    if args.point:
        with database.session(read_only=True) as session:
            point = find_point_by_code(session, clean(args.point))
            if point is None:
                raise UserError(f"Không có điểm thu nhận mã «{clean(args.point)}».")
            point_id = point.id
    password = new_account_password(args)
    check_password_rules(password)
    with database.session() as session:
        create_account(
            session,
            actor,
            username=username,
            full_name=args.name or username,
            password=password,
            role=role,
            home_point_id=point_id,
        )
        session.commit()
    print(f"Đã tạo tài khoản «{username}» ({ROLE_LABELS[role]}).", file=out)
    return EXIT_OK


def cmd_unlock(args: argparse.Namespace, out: TextIO) -> int:
    from services.security.accounts import account_id, list_operators, unlock_account

    database = open_for_command(args)
    with database.session() as session:
        operator_id = account_id(session, args.username)
        changed = unlock_account(session, acting(args), operator_id)
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
    from services.security.accounts import account_id, check_password_rules, reset_password

    database = open_for_command(args)
    with database.session(read_only=True) as session:
        operator_id = account_id(session, args.username)  # an unknown name: before asking
    password = read_new_password(args.password_stdin)
    check_password_rules(password)
    in_one_transaction(
        args, lambda session, actor: reset_password(session, actor, operator_id, password)
    )
    print(
        f"Đã đặt mật khẩu mới cho tài khoản «{clean(args.username).lower()}» và mở khóa nếu "
        "đang bị khóa. Mật khẩu mới có hiệu lực ngay.",
        file=out,
    )
    return EXIT_OK


def cmd_account(args: argparse.Namespace, out: TextIO) -> int:
    if args.account_command == "create":
        return cmd_create(args, out)
    if args.account_command == "unlock":
        return cmd_unlock(args, out)
    return cmd_reset_password(args, out)


ACCOUNT_COMMANDS = {"account": cmd_account}
