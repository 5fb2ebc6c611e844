"""Intake points and operators: looked up, or created when an import names a new one."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.codes import PointKind, Role, UnitLevel
from models.entities import IntakePoint, Operator, Unit
from services.campaigns.units import UnitInfo
from services.common.errors import ConflictError, NotFoundError, ValidationError
from services.common.text import NAME_LENGTH, USERNAME_LENGTH, clean_text, quote_value
from services.common.vntime import now_utc


def next_point_code(session: Session, commune: UnitInfo) -> str:
    """`<commune code>-NN`: unique, readable, and says where the point stands."""
    return _next_code(session, commune.code)


def _next_code(session: Session, commune_code: str) -> str:
    prefix = f"{commune_code}-"
    taken = set(
        session.scalars(select(IntakePoint.code).where(IntakePoint.code.like(prefix + "%")))
    )
    number = len(taken) + 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def find_point(session: Session, commune_id: int, name: str) -> IntakePoint | None:
    return session.scalars(
        select(IntakePoint).where(IntakePoint.commune_id == commune_id, IntakePoint.name == name)
    ).first()


def point_name(text: str) -> str:
    """An intake point's name, cleaned; refused when empty, too long or carrying hidden characters."""
    name = clean_text(text, "Tên điểm thu nhận", NAME_LENGTH, field="point")
    if not name:
        raise ValidationError("Chưa ghi tên điểm thu nhận.", "point")
    return name


def get_or_create_point(
    session: Session, commune: UnitInfo, name: str, kind: PointKind = PointKind.OTHER
) -> tuple[IntakePoint, bool]:
    name = point_name(name)
    for _attempt in range(5):
        point = find_point(session, commune.id, name)
        if point is not None:
            return point, False
        point = IntakePoint(
            code=next_point_code(session, commune),
            name=name,
            kind=kind.value,
            commune_id=commune.id,
            created_at=now_utc(),
        )
        try:
            # On a shared server another computer may take the same code (or create the
            # same point) at the same moment: the savepoint lets us look again and retry.
            with session.begin_nested():
                session.add(point)
                session.flush()
        except IntegrityError:
            continue
        return point, True
    raise ConflictError(
        f"Không tạo được điểm thu nhận {quote_value(name)}: máy khác đang tạo điểm cùng lúc. Thử lại."
    )


def normalise_username(text: str) -> str:
    username = clean_text(text, "Tên đăng nhập", USERNAME_LENGTH, field="operator").lower()
    if not username:
        raise ValidationError("Chưa ghi tên đăng nhập của cán bộ.", "operator")
    if any(ch.isspace() for ch in username):
        raise ValidationError(
            f"Tên đăng nhập {quote_value(username)} không hợp lệ: viết liền, không có khoảng "
            f"trắng (tối đa {USERNAME_LENGTH} ký tự).",
            "operator",
        )
    return username


def get_or_create_operator(
    session: Session, username: str, full_name: str | None = None, role: Role = Role.OPERATOR
) -> tuple[Operator, bool]:
    username = normalise_username(username)
    query = select(Operator).where(Operator.username == username)
    operator = session.scalars(query).first()
    if operator is not None:
        return operator, False
    operator = Operator(
        username=username,
        full_name=clean_text(full_name or "", "Họ và tên cán bộ", NAME_LENGTH, field="full_name")
        or username,
        organisation="",
        role=role.value,
        is_active=True,
        created_at=now_utc(),
    )
    try:
        with session.begin_nested():  # another computer may create the same name at once
            session.add(operator)
            session.flush()
    except IntegrityError:
        existing = session.scalars(query).first()
        if existing is None:
            raise
        return existing, False
    return operator, True


def count_points(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(IntakePoint)) or 0


def list_points(session: Session) -> list[IntakePoint]:
    """Every intake point, by code."""
    return list(session.scalars(select(IntakePoint).order_by(IntakePoint.code)))


def find_point_by_code(session: Session, code: str) -> IntakePoint | None:
    return session.scalars(select(IntakePoint).where(IntakePoint.code == code.strip())).first()


def create_point(session: Session, name: str, kind: PointKind, commune_id: int) -> IntakePoint:
    """A new point in `commune_id`; a point of the same name there already is a conflict."""
    name = point_name(name)
    commune = session.get(Unit, commune_id)
    if commune is None or commune.level != UnitLevel.COMMUNE.value:
        raise NotFoundError("Chưa chọn xã/phường/thị trấn của điểm thu nhận.")
    if find_point(session, commune_id, name) is not None:
        raise ConflictError(
            f"{commune.name} đã có điểm thu nhận {quote_value(name)}: chọn điểm đó trong danh sách "
            "hoặc đặt tên khác."
        )
    point = IntakePoint(
        code=_next_code(session, commune.code),
        name=name,
        kind=kind.value,
        commune_id=commune_id,
        created_at=now_utc(),
    )
    session.add(point)
    session.flush()
    return point
