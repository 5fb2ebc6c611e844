"""Operator accounts: passwords (argon2id), the password rules, creating accounts, signing in.

Signing in goes through `authenticate` alone, so that the security issue can add
lockout after failed attempts and an audit entry in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.codes import Role
from models.entities import IntakePoint, Operator
from services.directory import normalise_username
from services.errors import ConflictError, NotFoundError, UserError, ValidationError
from services.session_context import Actor
from services.text import clean
from services.vntime import now_utc

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128
PASSWORD_RULES_TEXT = f"Mật khẩu có ít nhất {PASSWORD_MIN_LENGTH} ký tự, gồm cả chữ cái và chữ số."
BAD_CREDENTIALS = "Sai tên đăng nhập hoặc mật khẩu."

# PasswordHasher's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()


class SignInFailure(StrEnum):
    BAD_CREDENTIALS = "bad_credentials"  # unknown user or wrong password: one message for both
    INACTIVE = "inactive"
    NO_PASSWORD = "no_password"  # noqa: S105 (a reason code, not a password)


class SignInError(UserError):
    """A refused sign-in; `failure` says why, for the lockout and audit to come."""

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
    full = clean(full_name)
    if not full:
        raise ValidationError("Chưa ghi họ và tên cán bộ.", "full_name")
    check_password_rules(password)
    if _find(session, name) is not None:
        raise ConflictError(f"Tên đăng nhập «{name}» đã có người dùng: chọn tên khác.")
    if home_point_id is not None and session.get(IntakePoint, home_point_id) is None:
        raise NotFoundError("Điểm thu nhận của cán bộ không có trong cơ sở dữ liệu.")
    operator = Operator(
        username=name,
        full_name=full,
        organisation=clean(organisation),
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


def authenticate(session: Session, username: str, password: str, point_id: int | None) -> Actor:
    """The signed-in operator at `point_id`, or a `SignInError`. The caller commits (a
    hash made with old parameters is upgraded here)."""
    typed = clean(username).lower()
    if not typed:
        raise ValidationError("Chưa ghi tên đăng nhập.", "username")
    if not password:
        raise ValidationError("Chưa ghi mật khẩu.", "password")
    operator = _find(session, typed)
    if operator is None:
        # Spend the same time as a real check, so that timing does not reveal who exists.
        verify_password(_dummy_hash(), password)
        raise SignInError(BAD_CREDENTIALS, SignInFailure.BAD_CREDENTIALS, typed)
    if operator.password_hash is None:
        raise SignInError(
            f"Tài khoản «{operator.username}» chưa có mật khẩu (được tạo khi nhập dữ liệu): "
            "nhờ quản trị viên đặt mật khẩu rồi đăng nhập lại.",
            SignInFailure.NO_PASSWORD,
            typed,
        )
    if not verify_password(operator.password_hash, password):
        raise SignInError(BAD_CREDENTIALS, SignInFailure.BAD_CREDENTIALS, typed)
    if not operator.is_active:
        raise SignInError(
            f"Tài khoản «{operator.username}» đã ngừng hoạt động: liên hệ quản trị viên.",
            SignInFailure.INACTIVE,
            typed,
        )
    if needs_rehash(operator.password_hash):
        operator.password_hash = hash_password(password)
        session.flush()
    return Actor(
        operator_id=operator.id,
        username=operator.username,
        full_name=operator.full_name,
        role=Role(operator.role),
        point_id=point_id,
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
        )
        for o in operators
    ]
