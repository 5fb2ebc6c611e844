"""What the window knows about this session: the database, who is signed in, and where."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from services.database import Database
from services.local_settings import LocalSettings
from services.session_context import Actor


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
