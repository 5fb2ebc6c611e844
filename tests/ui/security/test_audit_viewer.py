"""The audit viewer speaks Vietnamese: no internal code in what it shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from models.codes import Role, Status
from services.exchange.conflicts import RESOLUTIONS
from services.security.accounts import SignInError, SignInFailure, authenticate
from services.security.audit import AuditAction, write_audit
from services.upkeep.database import Database
from services.upkeep.local_settings import LocalSettings
from tests.factories import World
from tests.ui.screens import hoa, point_info
from ui.security.audit_viewer import AuditDialog
from ui.shell.context import AppContext

CODES = (
    {f.value for f in SignInFailure}
    | set(RESOLUTIONS)
    | {s.value for s in Status}
    | {r.value for r in Role}
    | {"computer", "retention_grace_days", "case_id", "id_number"}
)


def test_the_viewer_shows_words_not_codes(qtbot: QtBot, database: Database, tmp_path: Path) -> None:
    with database.session() as session:
        world = World(session)
        actor = hoa(session, world, Role.ADMIN)
        session.commit()
        info = point_info(world.point_phu_tam)
        # entries written before the summaries were worded: the code in the summary
        write_audit(
            session, actor, AuditAction.CONFLICT_RESOLVED,
            "Giải quyết mâu thuẫn hồ sơ 079******123: take_incoming",
            {"case_id": 9, "id_number": "079******123", "resolution": "take_incoming",
             "residence_changed": True},
        )  # fmt: skip
        write_audit(
            session, actor, AuditAction.SETTINGS, "Cài đặt của máy này: khổ phiếu a6 → 80mm",
            {"scope": "computer", "changes": {"slip_format": ["a6", "80mm"]}},
        )  # fmt: skip
        write_audit(
            session, actor, AuditAction.CASE_STATUS,
            "Cập nhật hồ sơ 079******123 (mức 1): Đã kích hoạt",
            {"case_id": 9, "id_number": "079******123", "level": 1, "from": "registered",
             "to": "activated"},
        )  # fmt: skip
        session.commit()
    with database.session() as session, pytest.raises(SignInError):
        authenticate(session, "hoa.lt", "sai-mat-khau", info.id)

    context = AppContext(
        database=database, settings=LocalSettings(), actor=actor, point=info,
        settings_folder=tmp_path,
    )  # fmt: skip
    dialog = AuditDialog(context)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 700)
    dialog.show()
    assert dialog.table.rowCount() >= 4
    shown = []
    for row in range(dialog.table.rowCount()):
        for column in range(dialog.table.columnCount()):
            item = dialog.table.item(row, column)
            assert item is not None
            shown.append(item.text())
            shown.append(item.toolTip())
    text = "\n".join(shown)
    words = set(re.findall(r"[a-z0-9_]+", text))
    assert not words & CODES, words & CODES
    assert "{" not in text  # details are lines, not JSON
    assert "Đăng nhập không thành công (sai tên đăng nhập hoặc mật khẩu)" in text
    assert "Lấy thông tin khác" in text and "Cách giải quyết: Lấy thông tin khác" in text
    assert "Đổi nơi thường trú: có" in text
    assert "Khổ phiếu: Khổ A6 (105 × 148 mm) → Giấy in hóa đơn 80 mm" in text
    assert "Trạng thái mới: Đã kích hoạt" in text
    dialog.grab().save(str(tmp_path / "nhat-ky.png"))
