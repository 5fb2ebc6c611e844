"""What the window knows about this session: the database, who is signed in, and where."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from services.common.errors import UserError
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings

T = TypeVar("T")


@dataclass
class PointInfo:
    id: int
    code: str
    name: str
    commune_id: int


@dataclass
class AppContext:
    """Handed to every screen: the database, this computer's settings, who is signed in and
    at which intake point (`signed_in()` refuses while nobody is)."""

    database: Database
    settings: LocalSettings
    actor: Actor | None = None
    point: PointInfo | None = None
    settings_folder: Path | None = None  # None: the per-user data folder
    auto_backup: bool = False  # automatic backups at start-up and every few hours (run_gui)

    def signed_in(self) -> Actor:
        """The signed-in person, for a service call that checks their rights."""
        if self.actor is None:
            raise UserError("Chưa đăng nhập: đăng nhập rồi thử lại.")
        return self.actor

    def in_one_transaction(self, work: Callable[[Session, Actor], T]) -> T:
        """`work` done by the signed-in person in one transaction, committed; what it returns
        (nothing that needs the session any more). A refusal is raised, nothing written."""
        with self.database.session() as session:
            result = work(session, self.signed_in())
            session.commit()
        return result
