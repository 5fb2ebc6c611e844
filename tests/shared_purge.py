"""The purge as tests run it: with the server's backup confirmed, and the local one written
under a passphrase."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from services.campaigns.campaign import active_campaign
from services.privacy.purge import PurgeResult, purge_personal_data
from services.security.session_context import Actor
from services.upkeep.database import Database
from tests.factories import CLI

PURGE_PASSPHRASE = "mat-khau-sao-luu-truoc-khi-xoa"


def purge_confirmed(
    database: Database,
    actor: Actor,
    today: date,
    backups: Path,
    passphrase: str = PURGE_PASSPHRASE,
) -> PurgeResult:
    """Purge as of `today`, the server's backup confirmed, the local one in `backups`."""
    return purge_personal_data(
        database,
        actor,
        today=today,
        backups=backups,
        server_backup_confirmed=True,
        passphrase=passphrase,
    )


def purge_after_the_campaign(
    session: Session,
    database: Database,
    backups: Path,
    days: int,
    passphrase: str = PURGE_PASSPHRASE,
) -> PurgeResult:
    """The CLI purges `days` days after the campaign's last day; `session` sees the result."""
    today = active_campaign(session).last_day + timedelta(days=days)
    session.commit()  # no read transaction left open: it would keep seeing the old rows
    result = purge_confirmed(database, CLI, today, backups, passphrase)
    session.expire_all()
    return result
