"""Accounts: argon2id hashes, the password rules, creating accounts, signing in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import PointKind, Role
from models.entities import AuditEntry, Operator
from services.campaigns.directory import (
    create_point,
    find_point_by_code,
    get_or_create_operator,
    list_points,
)
from services.campaigns.units import UnitTree
from services.common.errors import ConflictError, NotFoundError, UserError, ValidationError
from services.common.vntime import now_utc
from services.security import accounts
from services.security.accounts import (
    BAD_CREDENTIALS,
    SignInError,
    SignInFailure,
    admin_can_sign_in,
    anyone_can_sign_in,
    authenticate,
    check_password_rules,
    check_sign_in,
    create_operator,
    has_admin,
    hash_password,
    list_operators,
    set_password,
    verify_password,
)
from tests.factories import KE_SACH, PHU_TAM

PASSWORD = "matkhau123"


def new_operator(
    session: Session,
    username: str = "minh",
    full_name: str = "Trần Văn Minh",
    role: Role = Role.OPERATOR,
    password: str = PASSWORD,
    home_point_id: int | None = None,
    organisation: str = "",
) -> Operator:
    """`create_operator` with a good password: Minh, an operator, unless told otherwise."""
    return create_operator(
        session,
        username=username,
        full_name=full_name,
        password=password,
        role=role,
        home_point_id=home_point_id,
        organisation=organisation,
    )


def lan(session: Session, role: Role = Role.ADMIN) -> Operator:
    return new_operator(session, "lan.nt", "Nguyễn Thị Lan", role)


def test_hashes_are_argon2id_and_verify() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, "matkhau124")
    assert not verify_password("not a hash", PASSWORD)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("abc123", "quá ngắn"),
        ("abcdefghij", "chữ cái và chữ số"),
        ("1234567890", "chữ cái và chữ số"),
        ("a1" * 70, "quá dài"),
    ],
)
def test_password_rules_refuse_in_vietnamese(password: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem) as caught:
        check_password_rules(password)
    assert caught.value.field == "password"


def test_password_rules_accept_vietnamese_letters() -> None:
    check_password_rules("mậtkhẩu9")
    check_password_rules(PASSWORD)


def test_create_operator_normalises_and_hashes(session: Session) -> None:
    operator = new_operator(
        session, "  Lan.NT ", " Nguyễn  Thị Lan ", Role.ADMIN, organisation="Công an xã Phú Tâm"
    )
    assert (operator.username, operator.full_name) == ("lan.nt", "Nguyễn Thị Lan")
    assert operator.password_hash is not None and operator.password_hash != PASSWORD
    assert verify_password(operator.password_hash, PASSWORD)
    assert has_admin(session)


def test_create_operator_refuses_duplicates_and_bad_input(session: Session) -> None:
    lan(session)
    with pytest.raises(ConflictError, match="đã có người dùng"):
        new_operator(session, "LAN.NT", "Người khác")
    with pytest.raises(ValidationError, match="họ và tên"):
        new_operator(session, full_name=" ")
    with pytest.raises(ValidationError, match="quá ngắn"):
        new_operator(session, password="a1")
    with pytest.raises(NotFoundError):
        new_operator(session, home_point_id=999_999)
    assert [o.username for o in list_operators(session)] == ["lan.nt"]


def test_has_admin_needs_an_active_admin_with_a_password(session: Session) -> None:
    assert not has_admin(session)
    get_or_create_operator(session, "imported", role=Role.ADMIN)  # from an import: no password
    assert not has_admin(session)
    admin = lan(session)
    admin.is_active = False
    session.flush()
    assert not has_admin(session)
    admin.is_active = True
    session.flush()
    assert has_admin(session)


def test_an_admin_can_sign_in_when_active_with_a_password_and_not_locked(
    session: Session,
) -> None:
    assert not admin_can_sign_in(session) and not anyone_can_sign_in(session)
    get_or_create_operator(session, "imported", role=Role.ADMIN)  # no password
    assert not admin_can_sign_in(session) and not anyone_can_sign_in(session)
    new_operator(session, "quan.ly", "Quản Lý", Role.MANAGER)
    assert anyone_can_sign_in(session) and not admin_can_sign_in(session)
    admin = lan(session)
    assert admin_can_sign_in(session)
    admin.locked_until = now_utc() + timedelta(minutes=5)
    session.flush()
    assert not admin_can_sign_in(session)  # locked out: the recovery commands open
    assert admin_can_sign_in(session, now=now_utc() + timedelta(minutes=10))  # lock over
    admin.locked_until = None
    admin.is_active = False
    session.flush()
    assert not admin_can_sign_in(session)


def test_check_sign_in_refuses_like_authenticate_and_writes_nothing(session: Session) -> None:
    def written() -> tuple[int, int]:
        entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return entries, operator.failed_sign_ins or 0

    operator = lan(session)
    before = written()
    for username, password in (("lan.nt", "matkhau999"), ("khong.co", PASSWORD)):
        with pytest.raises(SignInError, match="Sai tên đăng nhập") as refused:
            check_sign_in(session, username, password)
        assert refused.value.failure == SignInFailure.BAD_CREDENTIALS
    assert written() == before  # a wrong password cannot be counted on a read-only copy
    actor = check_sign_in(session, " LAN.nt ", PASSWORD)
    assert (actor.operator_id, actor.username, actor.role) == (operator.id, "lan.nt", Role.ADMIN)
    operator.locked_until = now_utc() + timedelta(minutes=5)
    session.flush()
    with pytest.raises(SignInError, match="tạm khóa"):
        check_sign_in(session, "lan.nt", PASSWORD)
    operator.locked_until = None
    operator.is_active = False
    session.flush()
    with pytest.raises(SignInError, match="ngừng hoạt động"):
        check_sign_in(session, "lan.nt", PASSWORD)
    assert written() == before


def test_authenticate_returns_the_actor_at_the_point(session: Session) -> None:
    tree = UnitTree.load(session)
    point = create_point(
        session, "Công an xã Phú Tâm", PointKind.POLICE_ID_POINT, tree.commune(PHU_TAM).id
    )
    operator = lan(session, Role.OPERATOR)
    actor = authenticate(session, " LAN.nt ", PASSWORD, point.id)
    assert (actor.operator_id, actor.username, actor.full_name) == (
        operator.id,
        "lan.nt",
        "Nguyễn Thị Lan",
    )
    assert (actor.role, actor.point_id) == (Role.OPERATOR, point.id)
    assert not actor.sees_all_points


def test_unknown_user_and_wrong_password_say_the_same(session: Session) -> None:
    lan(session)
    with pytest.raises(SignInError) as wrong:
        authenticate(session, "lan.nt", "matkhau999", None)
    with pytest.raises(SignInError) as unknown:
        authenticate(session, "khong.co", PASSWORD, None)
    assert (
        str(wrong.value)
        == str(unknown.value)
        == BAD_CREDENTIALS
        == ("Sai tên đăng nhập hoặc mật khẩu.")
    )
    assert wrong.value.failure == unknown.value.failure == SignInFailure.BAD_CREDENTIALS
    assert unknown.value.username == "khong.co"


def test_inactive_and_passwordless_accounts_are_refused_clearly(session: Session) -> None:
    get_or_create_operator(session, "nhap.tu.file", "Người Nhập")
    with pytest.raises(SignInError, match="chưa có mật khẩu") as no_password:
        authenticate(session, "nhap.tu.file", PASSWORD, None)
    assert no_password.value.failure == SignInFailure.NO_PASSWORD
    operator = lan(session, Role.OPERATOR)
    operator.is_active = False
    session.flush()
    with pytest.raises(SignInError, match="ngừng hoạt động") as inactive:
        authenticate(session, "lan.nt", PASSWORD, None)
    assert inactive.value.failure == SignInFailure.INACTIVE
    # Whoever does not know the password learns nothing about the account.
    with pytest.raises(SignInError, match="Sai tên đăng nhập"):
        authenticate(session, "lan.nt", "matkhau999", None)


def test_empty_fields_are_named(session: Session) -> None:
    with pytest.raises(ValidationError, match="tên đăng nhập"):
        authenticate(session, "  ", PASSWORD, None)
    with pytest.raises(ValidationError, match="mật khẩu"):
        authenticate(session, "lan.nt", "", None)


def test_old_hashes_are_upgraded_on_sign_in(session: Session) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    operator = lan(session)
    operator.password_hash = weak.hash(PASSWORD)
    session.flush()
    assert accounts.needs_rehash(operator.password_hash)
    authenticate(session, "lan.nt", PASSWORD, None)
    session.commit()
    stored = session.scalars(select(Operator.password_hash).where(Operator.id == operator.id)).one()
    assert stored is not None and not accounts.needs_rehash(stored)
    assert verify_password(stored, PASSWORD)


def test_set_password_checks_the_rules(session: Session) -> None:
    operator, _ = get_or_create_operator(session, "nhap.tu.file", "Người Nhập")
    with pytest.raises(ValidationError):
        set_password(session, operator.id, "ngan1")
    set_password(session, operator.id, PASSWORD)
    assert authenticate(session, "nhap.tu.file", PASSWORD, None).operator_id == operator.id
    with pytest.raises(UserError):
        set_password(session, 999_999, PASSWORD)
    info = next(o for o in list_operators(session) if o.username == "nhap.tu.file")
    assert info.has_password and info.is_active and info.role == Role.OPERATOR


def test_points_are_listed_found_and_created(session: Session) -> None:
    tree = UnitTree.load(session)
    phu_tam = tree.commune(PHU_TAM).id
    first = create_point(session, " Công an  xã Phú Tâm ", PointKind.POLICE_ID_POINT, phu_tam)
    second = create_point(session, "Bưu điện Phú Tâm", PointKind.POST_OFFICE, phu_tam)
    other = create_point(
        session, "Bưu điện Kế Sách", PointKind.POST_OFFICE, tree.commune(KE_SACH).id
    )
    assert (first.code, second.code, first.name) == (
        f"{PHU_TAM}-01",
        f"{PHU_TAM}-02",
        "Công an xã Phú Tâm",
    )
    assert second.kind == PointKind.POST_OFFICE.value
    assert [p.code for p in list_points(session)] == sorted([first.code, second.code, other.code])
    assert find_point_by_code(session, f" {PHU_TAM}-02 ") is second
    assert find_point_by_code(session, "00000-01") is None
    with pytest.raises(ConflictError, match="đã có điểm thu nhận"):
        create_point(session, "Công an xã Phú Tâm", PointKind.OTHER, phu_tam)
    with pytest.raises(ValidationError, match="tên điểm"):
        create_point(session, "  ", PointKind.OTHER, phu_tam)
    with pytest.raises(NotFoundError):
        create_point(session, "Điểm lạ", PointKind.OTHER, tree.province.id)
