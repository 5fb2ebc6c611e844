"""The campaign databases this computer has opened: one database serves one campaign, and
the window switches between them from a short list of recent ones (kept in this
computer's settings, never with a server's password)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from services.security.server_passwords import split_password
from services.upkeep.local_settings import LocalSettings

RECENT_KEY = "recent_databases"
POINTS_KEY = "point_of_database"  # this computer's intake point in each campaign database
RECENT_LIMIT = 8


@dataclass(frozen=True)
class RecentDatabase:
    url: str
    title: str  # the campaign and its province, or the file when it cannot be read
    where: str  # the file, or the server and database


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite address (`sqlite:///path`), None for a server."""
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def recent_databases(settings: LocalSettings) -> list[str]:
    stored = settings.extra.get(RECENT_KEY)
    if not isinstance(stored, list):
        return []
    return [url for url in stored if isinstance(url, str) and url.strip()][:RECENT_LIMIT]


def remember_database(settings: LocalSettings, url: str) -> None:
    """Put `url` first in the recent list (without any password), and keep this computer's
    intake point in it, so that coming back to it needs no set-up."""
    bare = split_password(url)[0]
    kept = [u for u in recent_databases(settings) if u != bare]
    settings.extra[RECENT_KEY] = [bare, *kept][:RECENT_LIMIT]
    points = _points(settings)
    if settings.point_code:
        points[bare] = settings.point_code
    settings.extra[POINTS_KEY] = {
        u: c for u, c in points.items() if u in settings.extra[RECENT_KEY]
    }


def switch_to(settings: LocalSettings, current: str, chosen: str) -> None:
    """The settings that open `chosen` next, leaving `current`: its address, and this
    computer's intake point there when it had one (else the set-up asks for it)."""
    remember_database(settings, current)
    settings.db_url = chosen
    settings.point_code = _points(settings).get(split_password(chosen)[0])
    remember_database(settings, chosen)


def _points(settings: LocalSettings) -> dict[str, str]:
    stored = settings.extra.get(POINTS_KEY)
    if not isinstance(stored, dict):
        return {}
    return {u: c for u, c in stored.items() if isinstance(u, str) and isinstance(c, str)}


def describe(url: str) -> RecentDatabase:
    """What the list shows: an SQLite file's campaign, read without opening it for writing;
    a server's address as it is (its campaign is read once connected)."""
    path = sqlite_file(url)
    if path is None:
        return RecentDatabase(url, "Máy chủ PostgreSQL", split_password(url)[0])
    if not path.is_file():
        return RecentDatabase(url, f"{path.name} (không tìm thấy tệp)", str(path))
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            row = connection.execute(
                "SELECT name, province_name, first_day, last_day FROM campaigns ORDER BY id"
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return RecentDatabase(url, f"{path.name} (chưa đọc được đợt)", str(path))
    if row is None:
        return RecentDatabase(url, f"{path.name} (chưa có đợt)", str(path))
    name, province, first_day, last_day = (str(value) for value in row)
    period = f"{_vn_day(first_day)} – {_vn_day(last_day)}"
    return RecentDatabase(url, f"{province}: {name} ({period})", str(path))


def _vn_day(iso: str) -> str:
    parts = iso[:10].split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else iso
