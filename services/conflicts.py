"""Conflicts between packages and the local database, and how a manager resolves them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.entities import CaseConflict
from services.audit import AuditAction, write_audit
from services.cases import Correction, correct_case, find_case
from services.errors import NotFoundError, UserError
from services.id_number import mask_id_number
from services.packages import ImportSummary, _Merger
from services.permissions import Action, require
from services.session_context import Actor
from services.vntime import now_utc

RESOLUTIONS = {
    "keep_local": "Giữ thông tin tại đây, gộp lịch sử trạng thái",
    "take_incoming": "Lấy thông tin trong gói (ghi là một lần sửa), gộp lịch sử",
    "discard": "Bỏ hồ sơ trong gói (không gộp gì)",
}


@dataclass(frozen=True)
class ConflictView:
    id: int
    id_number: str
    level: int
    local_name: str | None
    local_birth: date | None
    local_sex: str | None
    incoming_name: str
    incoming_birth: date
    incoming_sex: str
    source: str
    created_at: datetime


def open_conflicts(session: Session, actor: Actor) -> list[ConflictView]:
    require(actor, Action.CONFLICTS)
    views = []
    for conflict in session.scalars(
        select(CaseConflict)
        .where(CaseConflict.resolved_at.is_(None))
        .order_by(CaseConflict.created_at, CaseConflict.id)
    ):
        incoming: dict[str, Any] = json.loads(conflict.incoming)
        local = find_case(session, conflict.id_number, conflict.level)
        views.append(
            ConflictView(
                id=conflict.id,
                id_number=conflict.id_number,
                level=conflict.level,
                local_name=local.full_name if local else None,
                local_birth=local.birth_date if local else None,
                local_sex=local.sex if local else None,
                incoming_name=incoming["full_name"],
                incoming_birth=date.fromisoformat(incoming["birth_date"]),
                incoming_sex=incoming["sex"],
                source=conflict.source,
                created_at=conflict.created_at,
            )
        )
    return views


def resolve_conflict(session: Session, conflict_id: int, resolution: str, actor: Actor) -> None:
    """Apply a manager's decision (the caller commits)."""
    require(actor, Action.CONFLICTS)
    if resolution not in RESOLUTIONS:
        raise UserError("Cách giải quyết không hợp lệ.")
    if actor.operator_id is None:
        raise UserError("Cần đăng nhập bằng tài khoản quản lý để giải quyết mâu thuẫn.")
    conflict = session.get(CaseConflict, conflict_id)
    if conflict is None or conflict.resolved_at is not None:
        raise NotFoundError("Mâu thuẫn này không còn (có thể người khác đã giải quyết).")
    local = find_case(session, conflict.id_number, conflict.level)
    if local is None:
        raise NotFoundError("Hồ sơ tại đây không còn; không giải quyết được mâu thuẫn này.")
    if resolution != "discard":
        record: dict[str, Any] = json.loads(conflict.incoming)
        merger = _Merger(session, Path(conflict.source), ImportSummary(path=Path("conflict")))
        for event in record["events"]:
            if event["operator"] not in merger.operators:
                merger.operator({"username": event["operator"], "full_name": event["operator"]})
        merger.points = _point_ids(session, record)
        incoming = merger.parse_case(record)
        if resolution == "take_incoming":
            correct_case(
                session,
                local,
                Correction(
                    reason=f"Lấy thông tin từ gói dữ liệu ({conflict.source})",
                    operator_id=actor.operator_id,
                    intake_point_id=actor.point_id,
                    values={
                        "full_name": incoming.full_name,
                        "birth_date": incoming.birth_date,
                        "sex": incoming.sex,
                    },
                ),
            )
        merger.merge(local, incoming)
    conflict.resolved_at = now_utc()
    conflict.resolved_by = actor.operator_id
    conflict.resolution = resolution
    session.flush()
    write_audit(
        session,
        actor,
        AuditAction.CONFLICT_RESOLVED,
        f"Giải quyết mâu thuẫn hồ sơ {mask_id_number(conflict.id_number)}: {resolution}",
        {
            "conflict_id": conflict.id,
            "case_id": local.id,
            "id_number": mask_id_number(conflict.id_number),
            "resolution": resolution,
        },
    )


def _point_ids(session: Session, record: dict[str, Any]) -> dict[str, int]:
    from models.entities import IntakePoint

    codes = {e["point"] for e in record["events"] if e.get("point")}
    found = {  # noqa: C416 (rows are Row objects; mypy types the pairs only this way)
        code: point_id
        for code, point_id in session.execute(
            select(IntakePoint.code, IntakePoint.id).where(IntakePoint.code.in_(codes))
        )
    }
    missing = codes - set(found)
    if missing:
        raise NotFoundError(f"Không có điểm thu nhận {', '.join(sorted(missing))} tại đây.")
    return found
