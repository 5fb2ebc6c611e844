"""What the window knows about this session: the database, who is signed in, and where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.common.errors import UserError
from services.security.session_context import Actor
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings


@dataclass
class PointInfo:
    id: int
    code: str
    name: str
    commune_id: int


@dataclass
class AppContext:
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
