"""Who runs a command: the doors of the command line, and signing in at them.

Every command is listed in `DOORS` with the right it needs (services/security/permissions.py).
A command that reads personal data, erases, restores or changes accounts signs in like
the window: the same checks (`services.security.accounts.authenticate`: argon2, five wrong
passwords lock the account, disabled accounts refused), the same roles, and its audit
entries name the person. The password comes from `KICHHOAT_PASSWORD` (scripts) or is
asked on the terminal without echo. The few commands without personal data stay open
and act as `cli:<OS user>`; so do the commands that get an administrator back in, but
only while no active administrator can sign in.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from services.common.errors import StorageError, UserError
from services.security.accounts import (
    SignInError,
    admin_can_sign_in,
    anyone_can_sign_in,
    at_home_point,
    authenticate,
    check_sign_in,
)
from services.security.permissions import Action, require
from services.security.session_context import Actor, cli_actor
from ui.shell.cli_database import command_name, open_for_command

T = TypeVar("T")
USER_ENV = "KICHHOAT_USER"
PASSWORD_ENV = "KICHHOAT_PASSWORD"  # noqa: S105 (the name of a variable, not a secret)
FIRST_ADMIN_HINT = (
    "Cơ sở dữ liệu này chưa có tài khoản nào đăng nhập được: tạo quản trị viên đầu tiên "
    "bằng lệnh «account create TÊN_ĐĂNG_NHẬP --role admin»."
)


class SignInRequiredError(UserError):
    """A command that needs someone signed in, and no way to ask who."""


@dataclass(frozen=True)
class Door:
    """`action`: the right a command needs (None: open to whoever runs the program).
    `open_while_no_admin`: also open, as `cli:<OS user>`, while no active administrator
    can sign in (a new database, or every administrator locked out or disabled)."""

    action: Action | None = None
    open_while_no_admin: bool = False


OPEN = Door()
# The door of a command missing from the table below: the strictest one.
UNLISTED = Door(Action.SETTINGS)

DOORS: dict[str, Door] = {
    "init": Door(Action.TARGETS, open_while_no_admin=True),
    "campaign new": Door(Action.TARGETS, open_while_no_admin=True),
    "records template": OPEN,
    "records import": Door(Action.IMPORT_RECORDS),
    "tally": OPEN,
    "report": OPEN,
    "guide": OPEN,
    "guide allow-domain": Door(Action.SETTINGS),
    "slip": Door(Action.PRINT),
    "demo": Door(Action.DEMO_DATA),
    "package export": Door(Action.PACKAGES),
    "package import": Door(Action.PACKAGES),
    "case correct": Door(Action.WORK_CASES),
    "conflicts list": Door(Action.CONFLICTS),
    "conflicts decide": Door(Action.CONFLICTS),
    "audit verify": OPEN,
    "details": Door(Action.DETAIL_LIST),
    "backup": Door(Action.BACKUPS),
    "restore": Door(Action.BACKUPS),
    "purge": Door(Action.PURGE),
    "request new": Door(Action.CITIZEN_REQUESTS),
    "request list": Door(Action.CITIZEN_REQUESTS),
    "request answer": Door(Action.CITIZEN_REQUESTS),
    "request export": Door(Action.CITIZEN_REQUESTS),
    "request erase": Door(Action.ERASE_PERSON),
    "privacy description": Door(Action.PROCESSING_DESCRIPTION),
    "account create": Door(Action.ACCOUNTS, open_while_no_admin=True),
    "account unlock": Door(Action.ACCOUNTS, open_while_no_admin=True),
    "account reset-password": Door(Action.ACCOUNTS, open_while_no_admin=True),
    "units find": OPEN,
    "outreach import": Door(Action.OUTREACH_MANAGE),
    "outreach appoint": Door(Action.OUTREACH),
    "outreach set": Door(Action.OUTREACH),
    "outreach check-in": Door(Action.OUTREACH),
    "outreach sms": Door(Action.OUTREACH_MANAGE),
    "outreach calls": Door(Action.OUTREACH_MANAGE),
    "outreach schedule": Door(Action.OUTREACH),
    "outreach slips": Door(Action.OUTREACH),
    # Counts only, no personal data: open like `tally`.
    "outreach status": OPEN,
    "outreach stop": Door(Action.OUTREACH_MANAGE),
    "outreach slot": Door(Action.OUTREACH_MANAGE),
}


# A sub-command with a door of its own (command, its sub-command's name, that name's value):
# the operators who book appointments need the stops' codes, which only managers add.
SUB_DOORS: dict[tuple[str, str, str], Door] = {
    ("outreach stop", "stop_command", "list"): Door(Action.OUTREACH),
}


def door_for(args: argparse.Namespace) -> Door:
    name = command_name(args)
    for (command, attribute, value), door in SUB_DOORS.items():
        if name == command and getattr(args, attribute, None) == value:
            return door
    return DOORS.get(name, UNLISTED)


def admit(args: argparse.Namespace) -> Actor:
    """Who runs this command: `cli:<OS user>` at an open door, else the person who signed in
    with a role allowed through it. Raises `SignInError` or `SignInRequiredError` (exit 3),
    `PermissionDeniedError` (exit 4)."""
    door = door_for(args)
    if door.action is None:
        return cli_actor()
    database = open_for_command(args, reading=True)
    if door.open_while_no_admin:
        with database.session(read_only=True) as session:
            nobody, new_database = not admin_can_sign_in(session), not anyone_can_sign_in(session)
        if nobody:
            if not new_database:  # getting back in: say so, it is logged as such
                print(
                    "Không quản trị viên nào đăng nhập được: lệnh chạy không cần đăng nhập, ghi "
                    f"nhật ký dưới tên {cli_actor().username}.",
                    file=sys.stderr,
                )
            return cli_actor()
    try:
        username, password = read_credentials()
    except SignInRequiredError as error:
        raise SignInRequiredError(_with_hint(args, str(error))) from None
    actor = _sign_in(args, username, password)
    return require(actor, door.action)


def _sign_in(args: argparse.Namespace, username: str, password: str) -> Actor:
    database = open_for_command(args, reading=True)
    if database.read_only:
        with database.session(read_only=True) as session:
            actor = at_home_point(session, check_sign_in(session, username, password))
        print(
            "Cơ sở dữ liệu chỉ đọc: lần đăng nhập này không được ghi vào nhật ký.",
            file=sys.stderr,
        )
        return actor
    try:
        with database.session() as session:
            actor = at_home_point(
                session,
                authenticate(session, username, password, None, command=command_name(args)),
            )
            try:
                session.commit()
            except StorageError as error:  # a full disk: the sign-in stands, unrecorded
                print(f"Lần đăng nhập không ghi được vào nhật ký: {error}", file=sys.stderr)
    except SignInError as error:
        raise SignInError(_with_hint(args, str(error)), error.failure, error.username) from None
    return actor


def _with_hint(args: argparse.Namespace, message: str) -> str:
    """On a database where nobody can sign in yet, say how to make the first account."""
    with open_for_command(args, reading=True).session(read_only=True) as session:
        if anyone_can_sign_in(session):
            return message
    return f"{message}\n{FIRST_ADMIN_HINT}"


def read_credentials() -> tuple[str, str]:
    """The username and password: `KICHHOAT_USER` and `KICHHOAT_PASSWORD`, or asked on the
    terminal (the password without echo)."""
    username = os.environ.get(USER_ENV, "").strip()
    password = os.environ.get(PASSWORD_ENV, "")
    if username and password:
        return username, password
    if not sys.stdin.isatty():
        raise SignInRequiredError(
            f"Lệnh này cần đăng nhập: đặt biến môi trường {USER_ENV} và {PASSWORD_ENV} (tập "
            "lệnh), hoặc chạy lệnh trong cửa sổ dòng lệnh để nhập tên đăng nhập và mật khẩu."
        )
    try:
        if not username:
            username = input("Tên đăng nhập: ").strip()
        if not password:
            password = getpass.getpass(f"Mật khẩu của «{username}»: ")
    except EOFError:  # Ctrl+D (Ctrl+Z on Windows) instead of an answer
        raise SignInRequiredError("Chưa đăng nhập: lệnh không chạy.") from None
    return username, password


def acting(args: argparse.Namespace) -> Actor:
    """The person `admit` let in for this command (`run_command` puts it on `args`)."""
    actor = getattr(args, "actor", None)
    assert isinstance(actor, Actor), "run_command admits the person before the command runs"
    return actor


def in_one_transaction(args: argparse.Namespace, work: Callable[[Session, Actor], T]) -> T:
    """`work` done in one transaction of the command's database by the person signed in,
    then committed; what it returns must not need the session any more."""
    database = open_for_command(args)
    with database.session() as session:
        result = work(session, acting(args))
        session.commit()
    return result
