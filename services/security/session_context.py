"""Who is acting, and where: the signed-in operator at this computer's intake point."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from models.codes import Role


@dataclass(frozen=True)
class Actor:
    """The person behind a service call. The command line acts as `cli:<OS user>`."""

    operator_id: int | None
    username: str
    full_name: str
    role: Role
    point_id: int | None = None

    @property
    def is_cli(self) -> bool:
        return self.operator_id is None

    @property
    def sees_all_points(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN) or self.is_cli


def cli_actor() -> Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(operator_id=None, username=f"cli:{user}", full_name=f"cli:{user}", role=Role.ADMIN)
