"""Operator accounts: passwords (argon2id), the password rules, creating accounts, signing in.

Signing in goes through `authenticate` alone: it counts failed attempts in the database
(five in a row lock the account for fifteen minutes) and writes the audit entries.
Creating accounts, resetting passwords and (de)activating are for administrators.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import NotRequired, TypedDict, Unpack

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import Role
from models.entities import IntakePoint, Operator
from services.campaigns.directory import normalise_username
from services.common.errors import ConflictError, NotFoundError, UserError, ValidationError
from services.common.text import NAME_LENGTH, ORGANISATION_LENGTH, clean, clean_text, quote_value
from services.common.vntime import format_moment, now_utc
from services.security.audit import AuditAction, write_audit
from services.security.permissions import ROLE_LABELS, Action, require
from services.security.session_context import Actor

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
PASSWORD_RULES_TEXT = f"Mật khẩu có ít nhất {PASSWORD_MIN_LENGTH} ký tự, gồm cả chữ cái và chữ số."
BAD_CREDENTIALS = "Sai tên đăng nhập hoặc mật khẩu."
MAX_FAILED_SIGN_INS = 5
LOCKOUT_MINUTES = 15
# How to lift a lock when no administrator can sign in (Windows: the console program of the
# bundle; elsewhere `kichhoat` or `python main.py` takes the same words).
UNLOCK_COMMAND = "kichhoat-cli account unlock {username}"

# PasswordHasher's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


class SignInFailure(StrEnum):
    BAD_CREDENTIALS = "bad_credentials"  # unknown user or wrong password: one message for both
    INACTIVE = "inactive"
    NO_PASSWORD = "no_password"  # noqa: S105 (a reason code, not a password)
    LOCKED = "locked"


SIGN_IN_FAILURE_LABELS: dict[str, str] = {
    SignInFailure.BAD_CREDENTIALS: "sai tên đăng nhập hoặc mật khẩu",
    SignInFailure.INACTIVE: "tài khoản đã ngừng hoạt động",
    SignInFailure.NO_PASSWORD: "tài khoản chưa có mật khẩu",
    SignInFailure.LOCKED: "tài khoản đang tạm khóa",
}


class SignInError(UserError):
    """A refused sign-in; `failure` says why."""

    def __init__(self, message: str, failure: SignInFailure, username: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.username = username


@dataclass(frozen=True)
class OperatorInfo:
    id: int
    username: str
    full_name: str
    organisation: str
    role: Role
    is_active: bool
    has_password: bool
    home_point_id: int | None
    locked_until: datetime | None = None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; a broken or foreign hash is simply no match."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    return _hasher.hash("kichhoat-dummy-password-1")


def check_password_rules(password: str) -> None:
    """Raise a Vietnamese `ValidationError` when `password` breaks the rules."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationError(
            f"Mật khẩu quá ngắn: cần ít nhất {PASSWORD_MIN_LENGTH} ký tự.", "password"
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationError(f"Mật khẩu quá dài: tối đa {PASSWORD_MAX_LENGTH} ký tự.", "password")
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        raise ValidationError("Mật khẩu phải có cả chữ cái và chữ số.", "password")


def _find(session: Session, username: str) -> Operator | None:
    return session.scalars(select(Operator).where(Operator.username == username)).first()


def create_operator(
    session: Session,
    *,
    username: str,
    full_name: str,
    password: str,
    role: Role,
    organisation: str = "",
    home_point_id: int | None = None,
) -> Operator:
    """A new account with a hashed password; the caller commits."""
    name = normalise_username(username)
    full = clean_text(full_name, "Họ và tên cán bộ", NAME_LENGTH, field="full_name")
    if not full:
        raise ValidationError("Chưa ghi họ và tên cán bộ.", "full_name")
    check_password_rules(password)
    if _find(session, name) is not None:
        raise ConflictError(f"Tên đăng nhập {quote_value(name)} đã có người dùng: chọn tên khác.")
    if home_point_id is not None and session.get(IntakePoint, home_point_id) is None:
        raise NotFoundError("Điểm thu nhận của cán bộ không có trong cơ sở dữ liệu.")
    operator = Operator(
        username=name,
        full_name=full,
        organisation=clean_text(
            organisation, "Đơn vị công tác", ORGANISATION_LENGTH, field="organisation"
        ),
        role=role.value,
        password_hash=hash_password(password),
        is_active=True,
        home_point_id=home_point_id,
        created_at=now_utc(),
    )
    session.add(operator)
    session.flush()
    return operator


def set_password(session: Session, operator_id: int, password: str) -> None:
    operator = session.get(Operator, operator_id)
    if operator is None:
        raise NotFoundError("Không tìm thấy tài khoản cán bộ.")
    check_password_rules(password)
    operator.password_hash = hash_password(password)
    session.flush()


def has_admin(session: Session) -> bool:
    """True when someone can sign in as an administrator."""
    found = session.scalars(
        select(Operator.id).where(
            Operator.role == Role.ADMIN.value,
            Operator.is_active.is_(True),
            Operator.password_hash.is_not(None),
        )
    ).first()
    return found is not None


def admin_can_sign_in(session: Session, now: datetime | None = None) -> bool:
    """True when an active administrator with a password is not locked out at `now`: the
    command line's recovery commands are open only while this is False."""
    admins = session.scalars(
        select(Operator).where(
            Operator.role == Role.ADMIN.value,
            Operator.is_active.is_(True),
            Operator.password_hash.is_not(None),
        )
    )
    return any(not is_locked(admin, now) for admin in admins)


def anyone_can_sign_in(session: Session) -> bool:
    """True when some active account has a password (False on a new database)."""
    found = session.scalars(
        select(Operator.id).where(Operator.is_active.is_(True), Operator.password_hash.is_not(None))
    ).first()
    return found is not None


def _locked_message(operator: Operator) -> str:
    assert operator.locked_until is not None
    return (
        f"Tài khoản «{operator.username}» tạm khóa đến {format_moment(operator.locked_until)} "
        f"vì nhập sai mật khẩu {MAX_FAILED_SIGN_INS} lần liên tiếp. Chờ rồi thử lại, hoặc nhờ "
        "quản trị viên mở khóa (Quản trị → Tài khoản cán bộ).\nNếu không còn quản trị viên nào "
        "đăng nhập được, mở cửa sổ dòng lệnh trong thư mục cài đặt kichhoat và chạy:\n"
        f"{UNLOCK_COMMAND.format(username=operator.username)}"
    )


def _refuse(
    session: Session,
    message: str,
    failure: SignInFailure,
    typed: str,
    operator: Operator | None,
    point_id: int | None,
    at: datetime,
) -> SignInError:
    """Log the refused attempt and commit it (so that the count survives the error the
    caller is about to see); the username typed is logged only when it names an account,
    since people type passwords into the wrong box."""
    write_audit(
        session,
        None,
        AuditAction.SIGN_IN_FAILED,
        f"Đăng nhập không thành công ({SIGN_IN_FAILURE_LABELS[failure]})",
        {"reason": failure.value},
        username=operator.username if operator is not None else "?",
        operator_id=operator.id if operator is not None else None,
        point_id=point_id,
        at=at,
    )
    session.commit()
    return SignInError(message, failure, typed)


def authenticate(
    session: Session,
    username: str,
    password: str,
    point_id: int | None,
    *,
    now: datetime | None = None,
    action: AuditAction = AuditAction.SIGN_IN,
    command: str | None = None,
) -> Actor:
    """The signed-in operator at `point_id`, or a `SignInError`.

    On success the caller commits (the audit entry, the reset failure count, a hash
    upgraded to today's parameters). A refusal is committed here, with its audit entry and
    the failure count: five wrong passwords in a row lock the account for fifteen minutes.
    `action` is `UNLOCK` when the idle lock asks for the password again; `command` names
    the command-line command signed in for (logged with the sign-in)."""
    moment = now or now_utc()
    typed = clean(username).lower()
    if not typed:
        raise ValidationError("Chưa ghi tên đăng nhập.", "username")
    if not password:
        raise ValidationError("Chưa ghi mật khẩu.", "password")
    operator = _find(session, typed)
    if operator is None:
        # Spend the same time as a real check, so that timing does not reveal who exists.
        verify_password(_dummy_hash(), password)
        raise _refuse(
            session, BAD_CREDENTIALS, SignInFailure.BAD_CREDENTIALS, typed, None, point_id, moment
        )
    refusal = _refusal(session, operator, password, point_id, moment)
    if refusal is not None:
        message, failure = refusal
        raise _refuse(session, message, failure, typed, operator, point_id, moment)
    operator.failed_sign_ins = 0
    operator.locked_until = None
    # (never None here: `_refusal` refuses an account without a password)
    if operator.password_hash is not None and needs_rehash(operator.password_hash):
        operator.password_hash = hash_password(password)
    actor = _actor_of(operator, point_id)
    if command is None:
        write_audit(session, actor, action, ACTION_SUMMARIES[action], at=moment)
    else:
        write_audit(
            session,
            actor,
            action,
            f"Đăng nhập từ dòng lệnh (lệnh {command})",
            {"command": command},
            at=moment,
        )
    return actor


def _refusal(
    session: Session, operator: Operator, password: str, point_id: int | None, moment: datetime
) -> tuple[str, SignInFailure] | None:
    """Why `operator` may not sign in with `password` (the message and the failure), or None.

    Checked in this order: a lock still running, no password set, a wrong password (counted:
    the fifth in a row locks the account), an account no longer active."""
    if operator.locked_until is not None and moment < operator.locked_until:
        return _locked_message(operator), SignInFailure.LOCKED
    if operator.password_hash is None:
        return (
            f"Tài khoản «{operator.username}» chưa có mật khẩu (được tạo khi nhập dữ liệu): "
            "nhờ quản trị viên đặt mật khẩu rồi đăng nhập lại.",
            SignInFailure.NO_PASSWORD,
        )
    if not verify_password(operator.password_hash, password):
        return _count_wrong_password(session, operator, point_id, moment), (
            SignInFailure.BAD_CREDENTIALS
        )
    if not operator.is_active:
        return (
            f"Tài khoản «{operator.username}» đã ngừng hoạt động: liên hệ quản trị viên.",
            SignInFailure.INACTIVE,
        )
    return None


def _count_wrong_password(
    session: Session, operator: Operator, point_id: int | None, moment: datetime
) -> str:
    """Count a wrong password; the last one allowed locks the account. Return what to say."""
    operator.failed_sign_ins = (operator.failed_sign_ins or 0) + 1
    if operator.failed_sign_ins < MAX_FAILED_SIGN_INS:
        return BAD_CREDENTIALS
    operator.failed_sign_ins = 0
    operator.locked_until = moment + timedelta(minutes=LOCKOUT_MINUTES)
    write_audit(
        session,
        None,
        AuditAction.ACCOUNT_LOCKED,
        f"Tạm khóa tài khoản {LOCKOUT_MINUTES} phút sau {MAX_FAILED_SIGN_INS} lần sai mật khẩu",
        {"minutes": LOCKOUT_MINUTES},
        username=operator.username,
        operator_id=operator.id,
        point_id=point_id,
        at=moment,
    )
    return _locked_message(operator)


def at_home_point(session: Session, actor: Actor) -> Actor:
    """`actor` working at their own intake point (the command line has no point of its own)."""
    if actor.operator_id is None:
        return actor
    return replace(actor, point_id=_operator(session, actor.operator_id).home_point_id)


def _actor_of(operator: Operator, point_id: int | None) -> Actor:
    return Actor(
        operator_id=operator.id,
        username=operator.username,
        full_name=operator.full_name,
        role=Role(operator.role),
        point_id=point_id,
    )


def check_sign_in(
    session: Session, username: str, password: str, *, now: datetime | None = None
) -> Actor:
    """The checks of `authenticate` writing nothing, for a database that cannot be written
    (a copy on a read-only medium): there a wrong password cannot be counted, nor a sign-in
    logged. A `SignInError` says why not."""
    moment = now or now_utc()
    typed = clean(username).lower()
    if not typed or not password:
        raise ValidationError("Chưa ghi tên đăng nhập hoặc mật khẩu.", "username")
    operator = _find(session, typed)
    if operator is None or operator.password_hash is None:
        verify_password(_dummy_hash(), password)
        raise SignInError(BAD_CREDENTIALS, SignInFailure.BAD_CREDENTIALS, typed)
    if operator.locked_until is not None and moment < operator.locked_until:
        raise SignInError(_locked_message(operator), SignInFailure.LOCKED, typed)
    if not verify_password(operator.password_hash, password):
        raise SignInError(BAD_CREDENTIALS, SignInFailure.BAD_CREDENTIALS, typed)
    if not operator.is_active:
        raise SignInError(
            f"Tài khoản «{operator.username}» đã ngừng hoạt động: liên hệ quản trị viên.",
            SignInFailure.INACTIVE,
            typed,
        )
    return _actor_of(operator, None)


ACTION_SUMMARIES = {
    AuditAction.SIGN_IN: "Đăng nhập",
    AuditAction.UNLOCK: "Nhập lại mật khẩu để mở khóa màn hình",
}


def sign_out(session: Session, actor: Actor) -> None:
    """Log the end of a session (closing the window, handing over the desk); the caller
    commits."""
    write_audit(session, actor, AuditAction.SIGN_OUT, "Đăng xuất")


def _operator(session: Session, operator_id: int) -> Operator:
    operator = session.get(Operator, operator_id)
    if operator is None:
        raise NotFoundError("Không tìm thấy tài khoản cán bộ.")
    return operator


def change_own_password(session: Session, actor: Actor, old: str, new: str) -> None:
    """The signed-in person changes their password (the caller commits)."""
    if actor.operator_id is None:
        raise UserError("Dòng lệnh không có mật khẩu riêng để đổi.")
    operator = _operator(session, actor.operator_id)
    if operator.password_hash is None or not verify_password(operator.password_hash, old):
        raise ValidationError("Mật khẩu hiện tại không đúng.", "old_password")
    if old == new:
        raise ValidationError("Mật khẩu mới phải khác mật khẩu hiện tại.", "password")
    set_password(session, operator.id, new)
    write_audit(session, actor, AuditAction.PASSWORD_CHANGED, "Tự đổi mật khẩu")


def reset_password(session: Session, actor: Actor, operator_id: int, new: str) -> None:
    """An administrator sets someone's password and lifts a lockout (the caller commits)."""
    require(actor, Action.ACCOUNTS)
    operator = _operator(session, operator_id)
    set_password(session, operator.id, new)
    operator.failed_sign_ins = 0
    operator.locked_until = None
    write_audit(
        session,
        actor,
        AuditAction.PASSWORD_RESET,
        f"Đặt lại mật khẩu cho tài khoản «{operator.username}»",
        {"account": operator.username},
    )


def account_id(session: Session, username: str) -> int:
    """The id of the account named `username`; a Vietnamese `NotFoundError` when none is."""
    name = clean(username).lower()
    operator = _find(session, name) if name else None
    if operator is None:
        admins = session.scalars(
            select(Operator.username)
            .where(Operator.role == Role.ADMIN.value)
            .order_by(Operator.username)
        ).all()
        known = f" Tài khoản quản trị viên: {', '.join(admins)}." if admins else ""
        raise NotFoundError(f"Không có tài khoản {quote_value(name or username)}.{known}")
    return operator.id


def is_locked(operator: Operator, now: datetime | None = None) -> bool:
    return operator.locked_until is not None and (now or now_utc()) < operator.locked_until


def unlock_account(
    session: Session, actor: Actor, operator_id: int, *, now: datetime | None = None
) -> bool:
    """An administrator lifts a lockout and clears the count of wrong passwords (the caller
    commits). False, and nothing written, when the account was neither locked nor counting."""
    require(actor, Action.ACCOUNTS)
    operator = _operator(session, operator_id)
    locked_until = operator.locked_until if is_locked(operator, now) else None
    if locked_until is None and not operator.failed_sign_ins:
        return False
    failed = operator.failed_sign_ins or 0
    operator.failed_sign_ins = 0
    operator.locked_until = None
    session.flush()
    write_audit(
        session,
        actor,
        AuditAction.ACCOUNT_UNLOCKED,
        f"Mở khóa tài khoản «{operator.username}»",
        {
            "account": operator.username,
            "locked_until": locked_until.isoformat() if locked_until else None,
            "failed_sign_ins": failed,
        },
    )
    return True


class NewAccount(TypedDict):
    """The words of `create_operator`, for `create_account` to pass on as they are."""

    username: str
    full_name: str
    password: str
    role: Role
    organisation: NotRequired[str]
    home_point_id: NotRequired[int | None]


def create_account(session: Session, actor: Actor, **account: Unpack[NewAccount]) -> Operator:
    """An administrator creates an account (`create_operator`'s words; the caller commits)."""
    require(actor, Action.ACCOUNTS)
    operator = create_operator(session, **account)
    role = account["role"]
    write_audit(
        session,
        actor,
        AuditAction.ACCOUNT_CREATED,
        f"Tạo tài khoản «{operator.username}» ({ROLE_LABELS[role]})",
        {"account": operator.username, "role": role.value},
    )
    return operator


def update_account(
    session: Session,
    actor: Actor,
    operator_id: int,
    *,
    role: Role | None = None,
    is_active: bool | None = None,
) -> None:
    """An administrator changes a role or (de)activates an account (the caller commits).

    The last active administrator cannot be demoted or deactivated."""
    require(actor, Action.ACCOUNTS)
    operator = _operator(session, operator_id)
    before = {"role": operator.role, "is_active": operator.is_active}
    if role is not None:
        operator.role = role.value
    if is_active is not None:
        operator.is_active = is_active
        if is_active:
            operator.failed_sign_ins = 0
            operator.locked_until = None
    session.flush()
    if not has_admin(session):
        raise ConflictError(
            "Phải còn ít nhất một quản trị viên đang hoạt động có mật khẩu: không đổi được."
        )
    after = {"role": operator.role, "is_active": operator.is_active}
    write_audit(
        session,
        actor,
        AuditAction.ACCOUNT_CHANGED,
        f"Sửa tài khoản «{operator.username}»",
        {"account": operator.username, "before": before, "after": after},
    )


def list_operators(session: Session) -> list[OperatorInfo]:
    operators = session.scalars(select(Operator).order_by(Operator.username))
    return [
        OperatorInfo(
            id=o.id,
            username=o.username,
            full_name=o.full_name,
            organisation=o.organisation,
            role=Role(o.role),
            is_active=o.is_active,
            has_password=o.password_hash is not None,
            home_point_id=o.home_point_id,
            locked_until=o.locked_until,
        )
        for o in operators
    ]
