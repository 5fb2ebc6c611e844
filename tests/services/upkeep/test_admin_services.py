"""The services behind the settings dialog, the restore list and unlocking an account."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.codes import Role
from models.entities import AuditEntry
from services.campaigns.directory import get_or_create_operator
from services.common.errors import NotFoundError
from services.common.vntime import now_utc
from services.privacy.purge import grace_days
from services.security.accounts import account_id, unlock_account
from services.security.permissions import PermissionDeniedError
from services.security.session_context import Actor
from services.upkeep.backup import backups_folder, count_cases, restore_points
from services.upkeep.local_settings import LocalSettings, load_local_settings, settings_path
from services.upkeep.settings import LocalChoice, save_settings
from tests.factories import CLI

OPERATOR = Actor(1, "lan.nt", "Nguyễn Thị Lan", Role.OPERATOR, None)
MANAGER = Actor(1, "lan.nt", "Nguyễn Thị Lan", Role.MANAGER, None)


def _entries(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_settings_need_the_right_role_and_write_nothing_when_refused(
    session: Session, tmp_path: Path
) -> None:
    settings = LocalSettings()
    choice = LocalChoice("80mm", None, 5)
    with pytest.raises(PermissionDeniedError):
        save_settings(session, OPERATOR, settings, choice, folder=tmp_path)
    with pytest.raises(PermissionDeniedError, match="đổi cài đặt chung"):
        save_settings(session, MANAGER, settings, choice, folder=tmp_path, retention_grace_days=5)
    session.rollback()
    assert not settings_path(tmp_path).exists() and _entries(session) == 0
    assert grace_days(session) == 30

    updated = save_settings(session, MANAGER, settings, choice, folder=tmp_path)
    session.commit()
    assert (updated.slip_format, updated.idle_lock_minutes) == ("80mm", 5)
    assert settings.slip_format == "a6"  # the caller's object is left as it was
    assert load_local_settings(tmp_path)[0].slip_format == "80mm"
    entry = session.scalars(select(AuditEntry)).one()
    assert json.loads(entry.details)["changes"] == {
        "slip_format": ["a6", "80mm"],
        "idle_lock_minutes": [10, 5],
    }
    # Saving the same again logs nothing.
    save_settings(session, MANAGER, updated, choice, folder=tmp_path)
    session.commit()
    assert _entries(session) == 1


def test_unlock_is_for_administrators_and_names_unknown_accounts(session: Session) -> None:
    operator, _ = get_or_create_operator(session, "minh.tv", "Trần Văn Minh")
    operator.locked_until = now_utc() + timedelta(minutes=10)
    operator.failed_sign_ins = 0
    session.commit()
    with pytest.raises(PermissionDeniedError):
        unlock_account(session, MANAGER, operator.id)
    with pytest.raises(NotFoundError, match=r"Không có tài khoản «khong\.co»"):
        account_id(session, "khong.co")
    assert account_id(session, " Minh.TV ") == operator.id
    assert unlock_account(session, CLI, operator.id)
    session.commit()
    assert operator.locked_until is None
    assert not unlock_account(session, CLI, operator.id)  # nothing left to lift
    # An expired lock with no wrong passwords counted is no lock.
    operator.locked_until = now_utc() - timedelta(minutes=1)
    session.commit()
    assert not unlock_account(session, CLI, operator.id)


def test_restore_points_newest_first_and_unreadable_counts(tmp_path: Path) -> None:
    db_path = tmp_path / "kichhoat.sqlite3"
    folder = backups_folder(tmp_path, db_path)
    folder.mkdir(parents=True)
    (folder / "tu-dong-20230801-010000-000000.sqlite3").write_bytes(b"x" * 2_000_000)
    (folder / "truoc-khoi-phuc-20230802-010000-500000.sqlite3").write_bytes(b"y")
    (tmp_path / "backups" / "before-upgrade-0004-20230715-020304.sqlite3").write_bytes(b"z")
    points = restore_points(tmp_path, db_path)
    assert [(p.kind, p.moment.isoformat()) for p in points] == [
        ("trước khi khôi phục", "2023-08-02T01:00:00.500000+00:00"),
        ("tự động", "2023-08-01T01:00:00+00:00"),
        ("trước khi nâng cấp", "2023-07-15T02:03:04+00:00"),
    ]
    assert points[1].size == 2_000_000
    assert count_cases(points[0].path) is None  # not a database: "không đọc được"
    assert restore_points(tmp_path / "khong-co", db_path) == []
