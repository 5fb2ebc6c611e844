"""Retention: once the campaign's purpose has ended, erase the citizens' personal data.

After the campaign's last day and a grace period (a setting of the shared database,
`retention_grace_days`, default 30 days), an administrator may purge: names, phone
numbers, addresses, notes and free-text notes in the history and the calls are erased;
each ID number is replaced by a pseudonym made from the case's own row number (`X` and
11 digits: unique, so the "one ID number and level" constraint still holds, and with no
link back to the person); the birth date keeps only its year (1 January). Sex, level,
status, the communes, points, operators and every moment stay: they are the anonymous
counts, so every tally and report for past days is exactly the same after the purge.
The facts each report was given (`fact_sets`) are erased the same way, and every event's
uid (for a spreadsheet row, a hash of what the row said) becomes a number with no meaning.

After the purge no new case data is taken: the desk, `records import` and `package import`
refuse with `refuse_after_purge`. The ID numbers are gone, so a citizen recorded again could
not be recognised and would be counted twice.

The purge backs up the database first (SQLite; on PostgreSQL the server administrator
confirms a `pg_dump` was made), runs in one transaction and is logged in the audit.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from models.codes import EventKind
from models.entities import Case, CaseContact, CaseEvent, FactSet, Setting
from services.audit import AuditAction, write_audit
from services.backup import BEFORE_PURGE_PREFIX, SERVER_BACKUP_ADVICE, backup_before
from services.campaigns import active_campaign
from services.database import Database
from services.errors import ConflictError, UserError, ValidationError
from services.permissions import Action, require
from services.session_context import Actor
from services.vntime import format_date, now_utc, today_vn

GRACE_SETTING = "retention_grace_days"
PURGED_SETTING = "personal_data_purged_at"
DEFAULT_GRACE_DAYS = 30
ERASED = "(đã xóa)"
PSEUDONYM_PREFIX = "X"
# Correction details that hold personal values (`{"field": [before, after]}`).
PERSONAL_CHANGE_FIELDS = ("id_number", "full_name", "birth_date", "phone", "address", "notes")
BATCH = 2000


def pseudonym(case_id: int) -> str:
    return f"{PSEUDONYM_PREFIX}{case_id:011d}"


def purged_at(session: Session) -> datetime | None:
    """When the personal data was erased, or None."""
    setting = session.get(Setting, PURGED_SETTING)
    return datetime.fromisoformat(json.loads(setting.value)) if setting else None


def refuse_after_purge(session: Session, action: str) -> None:
    """New case data after the purge could count a citizen twice: refuse it, saying why."""
    moment = purged_at(session)
    if moment is not None:
        raise ConflictError(
            f"Dữ liệu cá nhân của đợt đã được xóa ngày {format_date(moment)}: không {action} "
            "nữa. Số định danh đã được thay bằng mã ẩn danh, nên một công dân ghi lại sẽ không "
            "được nhận ra và bị đếm hai lần. Số liệu của đợt vẫn giữ nguyên để báo cáo."
        )


def grace_days(session: Session) -> int:
    setting = session.get(Setting, GRACE_SETTING)
    if setting is None:
        return DEFAULT_GRACE_DAYS
    try:
        value = json.loads(setting.value)
    except ValueError:
        return DEFAULT_GRACE_DAYS
    return value if isinstance(value, int) and value >= 0 else DEFAULT_GRACE_DAYS


def set_grace_days(session: Session, actor: Actor, days: int) -> None:
    """Change the grace period (administrators); logged; the caller commits."""
    require(actor, Action.SETTINGS)
    if not 0 <= days <= 3650:
        raise ValidationError("Thời gian chờ trước khi xóa phải từ 0 đến 3650 ngày.", "days")
    before = grace_days(session)
    setting = session.get(Setting, GRACE_SETTING)
    if setting is None:
        session.add(Setting(key=GRACE_SETTING, value=json.dumps(days)))
    else:
        setting.value = json.dumps(days)
    session.flush()
    write_audit(
        session,
        actor,
        AuditAction.SETTINGS,
        f"Thời gian giữ dữ liệu sau đợt: {before} → {days} ngày",
        {"setting": GRACE_SETTING, "before": before, "after": days},
    )


@dataclass(frozen=True)
class PurgeState:
    last_day: date
    grace_days: int
    allowed_from: date
    purged_at: datetime | None
    cases_with_personal_data: int

    def allowed(self, today: date) -> bool:
        return today >= self.allowed_from

    def describe(self, today: date) -> str:
        if self.purged_at is not None and not self.cases_with_personal_data:
            return "Dữ liệu cá nhân đã được xóa; chỉ còn số liệu thống kê."
        if not self.allowed(today):
            return (
                f"Đợt kết thúc ngày {format_date(self.last_day)}; dữ liệu cá nhân được giữ thêm "
                f"{self.grace_days} ngày, có thể xóa từ ngày {format_date(self.allowed_from)}."
            )
        return (
            f"Đã qua thời gian giữ dữ liệu (từ ngày {format_date(self.allowed_from)}): có thể "
            f"xóa dữ liệu cá nhân của {self.cases_with_personal_data} hồ sơ."
        )


def purge_state(session: Session) -> PurgeState:
    campaign = active_campaign(session)
    days = grace_days(session)
    purged = purged_at(session)
    remaining = session.scalar(
        select(func.count()).select_from(Case).where(~Case.id_number.startswith(PSEUDONYM_PREFIX))
    )
    return PurgeState(
        last_day=campaign.last_day,
        grace_days=days,
        allowed_from=campaign.last_day + timedelta(days=days + 1),
        purged_at=purged,
        cases_with_personal_data=int(remaining or 0),
    )


def _scrub_changes(changes: str | None) -> str | None:
    if not changes:
        return changes
    try:
        parsed = json.loads(changes)
    except ValueError:
        return json.dumps({})
    if not isinstance(parsed, dict):
        return json.dumps({})
    for name in PERSONAL_CHANGE_FIELDS:
        if name in parsed:
            parsed[name] = [ERASED, ERASED]
    return json.dumps(parsed, ensure_ascii=False)


@dataclass(frozen=True)
class PurgeResult:
    cases: int
    backup: Path | None


def _purge_rows(session: Session, progress: Callable[[int, int], None] | None) -> int:
    cases = Case.__table__
    assert isinstance(cases, Table)
    total = (
        session.scalar(
            select(func.count())
            .select_from(Case)
            .where(~Case.id_number.startswith(PSEUDONYM_PREFIX))
        )
        or 0
    )
    done, last_id = 0, 0
    statement = (
        update(cases)
        .where(cases.c.id == bindparam("b_id"))
        .values(
            id_number=bindparam("b_id_number"),
            full_name=ERASED,
            name_folded="",
            birth_date=bindparam("b_birth"),
            phone=None,
            address=None,
            notes=None,
            failure_note=None,
            has_conflict=False,  # what the reports disagreed on is erased
            version=cases.c.version + 1,
        )
    )
    while True:
        rows = session.execute(
            select(cases.c.id, cases.c.birth_date)
            .where(cases.c.id > last_id, ~cases.c.id_number.startswith(PSEUDONYM_PREFIX))
            .order_by(cases.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        session.execute(
            statement,
            [
                {
                    "b_id": case_id,
                    "b_id_number": pseudonym(case_id),
                    "b_birth": date(born.year, 1, 1),
                }
                for case_id, born in rows
            ],
        )
        done += len(rows)
        if progress:
            progress(done, total)
    history = CaseEvent.__table__
    assert isinstance(history, Table)
    session.execute(
        update(history).where(history.c.failure_note.is_not(None)).values(failure_note=ERASED)
    )
    corrections = session.execute(
        select(history.c.id, history.c.changes).where(
            history.c.kind == EventKind.CORRECTION.value, history.c.changes.is_not(None)
        )
    ).all()
    if corrections:
        session.execute(
            update(history)
            .where(history.c.id == bindparam("b_id"))
            .values(changes=bindparam("b_changes")),
            [{"b_id": i, "b_changes": _scrub_changes(c)} for i, c in corrections],
        )
    session.execute(update(CaseContact).values(note=ERASED))
    _scrub_fact_sets(session)
    _meaningless_uids(session)
    return done


def _batched_update(session: Session, table: Table, rows: list[dict[str, object]]) -> None:
    if rows:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(**{name[2:]: bindparam(name) for name in rows[0] if name != "b_id"}),
            rows,
        )


def _scrub_fact_sets(session: Session) -> None:
    """What each report said: the name, contacts and notes erased, the birth date kept to
    its year; sex and residence stay (they count)."""
    table = FactSet.__table__
    assert isinstance(table, Table)
    last_id = 0
    while True:
        rows = session.execute(
            select(table.c.id, table.c.birth_date)
            .where(table.c.id > last_id)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        _batched_update(
            session,
            table,
            [
                {
                    "b_id": row_id,
                    "b_digest": f"x{row_id:031d}",
                    "b_full_name": ERASED,
                    "b_birth_date": date(born.year, 1, 1),
                    "b_phone": None,
                    "b_address": None,
                    "b_notes": None,
                }
                for row_id, born in rows
            ],
        )


def _meaningless_uids(session: Session) -> None:
    table = CaseEvent.__table__
    assert isinstance(table, Table)
    last_id = 0
    while True:
        ids = list(
            session.scalars(
                select(table.c.id).where(table.c.id > last_id).order_by(table.c.id).limit(BATCH)
            )
        )
        if not ids:
            break
        last_id = ids[-1]
        _batched_update(session, table, [{"b_id": i, "b_uid": f"p{i:031d}"} for i in ids])


def purge_personal_data(
    database: Database,
    actor: Actor,
    *,
    today: date | None = None,
    backups: Path | None = None,
    server_backup_confirmed: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> PurgeResult:
    """Erase the personal data (administrators, after the grace period), backing up first.

    One transaction: a failure leaves every case as it was."""
    require(actor, Action.PURGE)
    day = today or today_vn()
    with database.session() as session:
        state = purge_state(session)
    if not state.allowed(day):
        raise ConflictError("Chưa được xóa dữ liệu cá nhân. " + state.describe(day))
    backup: Path | None = None
    if database.is_sqlite:
        backup = backup_before(database, BEFORE_PURGE_PREFIX, backups)
    elif not server_backup_confirmed:
        raise UserError(
            "Trước khi xóa dữ liệu cá nhân trên máy chủ, cần một bản sao lưu. "
            + SERVER_BACKUP_ADVICE
            + " Xác nhận đã sao lưu rồi thực hiện lại."
        )
    with database.session() as session:
        count = _purge_rows(session, progress)
        moment = now_utc()
        setting = session.get(Setting, PURGED_SETTING)
        if setting is None:
            session.add(Setting(key=PURGED_SETTING, value=json.dumps(moment.isoformat())))
        else:
            setting.value = json.dumps(moment.isoformat())
        session.flush()
        write_audit(
            session,
            actor,
            AuditAction.PURGE,
            f"Xóa dữ liệu cá nhân của {count} hồ sơ (giữ số liệu thống kê)"
            + (f"; sao lưu trước: {backup.name}" if backup else ""),
            {"cases": count, "backup": backup.name if backup else None},
        )
        session.commit()
    return PurgeResult(count, backup)
