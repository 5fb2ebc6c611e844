"""First start of a computer: open the database, see what is missing, set it up in one go.

The set-up window only collects answers; everything it writes is written here, in
the caller's transaction, so that it is tested without a window and never half-done.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session

from models.codes import PointKind, Role
from models.entities import IntakePoint
from services.campaigns.campaign import ensure_campaign
from services.campaigns.directory import create_point, find_point_by_code
from services.common.errors import NotFoundError, StorageError
from services.security.accounts import create_operator, has_admin
from services.security.audit import AuditAction, write_audit
from services.upkeep.database import Database, describe_url, open_database

DEFAULT_PRESET = "soc-trang-2023"
SERVER_URL_EXAMPLE = "postgresql+psycopg://tên:mật-khẩu@máy-chủ:5432/kichhoat"


def check_database_url(url: str) -> None:
    """Raise a Vietnamese `StorageError` when `url` cannot even be tried on this computer:
    not a database address, or its driver is not installed."""
    try:
        parsed = make_url(url.strip())
        dialect = parsed.get_dialect()
    except ArgumentError as error:  # NoSuchModuleError (an unknown database kind) is one too
        raise StorageError(
            f"«{url.strip()}» không phải địa chỉ cơ sở dữ liệu hợp lệ. Ví dụ: {SERVER_URL_EXAMPLE}"
        ) from error
    try:
        dialect.import_dbapi()
    except ImportError as error:
        if parsed.get_backend_name() == "postgresql":
            raise StorageError(
                "Máy này thiếu trình điều khiển PostgreSQL (gói psycopg) nên chưa kết nối được "
                "máy chủ: cài lại kichhoat bản đầy đủ, hoặc chọn «Trên máy này»."
            ) from error
        raise StorageError(
            f"Máy này không có trình điều khiển cho cơ sở dữ liệu «{describe_url(url.strip())}». "
            f"Dùng cơ sở dữ liệu trên máy này hoặc PostgreSQL ({SERVER_URL_EXAMPLE})."
        ) from error


def try_connection(url: str) -> None:
    """Connect to `url` and let go again; a `StorageError` says why not."""
    check_database_url(url)
    open_database(url.strip(), migrate=False).dispose()


def open_campaign_database(url: str | None, preset: str = DEFAULT_PRESET) -> Database:
    """Open (create, migrate and, the first time, load `preset` into) the database."""
    database = open_database(url)
    try:
        with database.session() as session:
            if ensure_campaign(session, preset):
                session.commit()
    except BaseException:
        database.dispose()
        raise
    return database


@dataclass(frozen=True)
class SetupState:
    has_admin: bool
    point: IntakePoint | None  # this computer's point, when configured and still there

    @property
    def complete(self) -> bool:
        return self.has_admin and self.point is not None


def setup_state(session: Session, point_code: str | None) -> SetupState:
    point = find_point_by_code(session, point_code) if point_code else None
    return SetupState(has_admin=has_admin(session), point=point)


@dataclass(frozen=True)
class NewPoint:
    name: str
    kind: PointKind
    commune_id: int


@dataclass(frozen=True)
class NewAdmin:
    username: str
    full_name: str
    password: str
    organisation: str = ""


def complete_first_start(
    session: Session, point: int | NewPoint, admin: NewAdmin | None
) -> IntakePoint:
    """Create (or take) this computer's point and, if given, the first administrator.

    Flushes but does not commit: the caller commits once the computer's own settings
    are saved too."""
    if isinstance(point, NewPoint):
        chosen = create_point(session, point.name, point.kind, point.commune_id)
    else:
        found = session.get(IntakePoint, point)
        if found is None:
            raise NotFoundError("Điểm thu nhận đã chọn không còn trong cơ sở dữ liệu: chọn lại.")
        chosen = found
    if admin is not None:
        created = create_operator(
            session,
            username=admin.username,
            full_name=admin.full_name,
            password=admin.password,
            role=Role.ADMIN,
            organisation=admin.organisation,
            home_point_id=chosen.id,
        )
        write_audit(
            session,
            None,
            AuditAction.ACCOUNT_CREATED,
            f"Thiết lập lần đầu: tạo quản trị viên «{created.username}»",
            {"account": created.username, "role": Role.ADMIN.value},
            username="thiết lập lần đầu",
            point_id=chosen.id,
        )
    return chosen
