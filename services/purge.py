"""Retention: once the campaign's purpose has ended, erase the citizens' personal data.

After the campaign's last day and a grace period (a setting of the shared database,
`retention_grace_days`, default 30 days), an administrator may purge: names, phone
numbers, addresses, notes and the free text in the history (failure notes, the reasons
given for corrections) and the calls are erased;
each ID number is replaced by a pseudonym made from the case's own row number (`X` and
11 digits: unique, so the "one ID number and level" constraint still holds, and with no
link back to the person); the birth date keeps only its year (1 January). Sex, level,
status, the communes, points, operators and every moment stay: they are the anonymous
counts, so every tally and report for past days is exactly the same after the purge.
The facts each report was given (`fact_sets`) are erased the same way, and every event's
uid (for a spreadsheet row, a hash of what the row said) becomes a number with no meaning.
`anonymise_cases` does this for some cases: the purge for every case, a citizen's erasure
request (`services.person_data.erase_person`) for that citizen's. Requests from citizens
keep only their masked ID number afterwards.

After the purge no new case data is taken: the desk, `records import` and `package import`
refuse with `refuse_after_purge`. The ID numbers are gone, so a citizen recorded again could
not be recognised and would be counted twice.

The purge backs up the database first (SQLite; on PostgreSQL the server administrator
confirms a `pg_dump` was made), runs in one transaction and is logged in the audit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from models.entities import Case, CaseContact, CaseEvent, FactSet, Setting
from models.event_ids import new_uid
from services.audit import AuditAction, write_audit
from services.backup import BEFORE_PURGE_PREFIX, SERVER_BACKUP_ADVICE, backup_before
from services.campaigns import active_campaign
from services.citizen_requests import forget_every_id_number
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
    while True:
        ids = list(
            session.scalars(
                select(cases.c.id)
                .where(cases.c.id > last_id, ~cases.c.id_number.startswith(PSEUDONYM_PREFIX))
                .order_by(cases.c.id)
                .limit(BATCH)
            )
        )
        if not ids:
            break
        last_id = ids[-1]
        anonymise_cases(session, ids, fact_sets=False)  # every one is erased below
        done += len(ids)
        if progress:
            progress(done, total)
    _scrub_fact_sets(session)  # the claims no event refers to any more, too
    forget_every_id_number(session)
    return done


def anonymise_cases(session: Session, case_ids: Sequence[int], *, fact_sets: bool = True) -> None:
    """Erase the personal data of these cases and keep what counts (the purge does it for
    every case; a citizen's erasure request for theirs). In the session's transaction.

    Names, phones, addresses, notes and the free text of failures, corrections and calls
    are erased; the ID number becomes a pseudonym made from the case's row number; the birth
    date keeps its year; the facts each report was given are erased the same way (a fact set
    another case shares is copied first, so that case keeps its own); every event's uid
    becomes a number with no meaning; a conflict waiting for a decision is dropped. Sex,
    level, status, communes, points, operators and moments stay: every tally is unchanged.

    `fact_sets=False` leaves the fact sets to the caller: the purge erases all of them in
    one pass, cheaper than finding, case by case, which ones other cases share."""
    ids = list(case_ids)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        _anonymise_case_rows(session, chunk)
        _scrub_history(session, chunk)
        session.execute(
            update(CaseContact)
            .where(CaseContact.case_id.in_(chunk))
            .values(note=ERASED)
            .execution_options(synchronize_session=False)
        )
        if fact_sets:
            _scrub_fact_sets_of(session, chunk)


def _anonymise_case_rows(session: Session, case_ids: list[int]) -> None:
    cases = Case.__table__
    assert isinstance(cases, Table)
    rows = session.execute(
        select(cases.c.id, cases.c.birth_date).where(cases.c.id.in_(case_ids))
    ).all()
    if not rows:
        return
    session.execute(
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
        ),
        [
            {"b_id": case_id, "b_id_number": pseudonym(case_id), "b_birth": date(born.year, 1, 1)}
            for case_id, born in rows
        ],
    )


def _scrub_history(session: Session, case_ids: list[int]) -> None:
    """The cases' events: free texts erased, personal values in corrections erased, uids
    made meaningless (a spreadsheet row's uid is a hash of what the row said)."""
    history = CaseEvent.__table__
    assert isinstance(history, Table)
    events = session.execute(
        select(history.c.id, history.c.failure_note, history.c.reason, history.c.changes).where(
            history.c.case_id.in_(case_ids)
        )
    ).all()
    _batched_update(
        session,
        history,
        [
            {
                "b_id": event_id,
                "b_uid": f"p{event_id:031d}",
                "b_failure_note": ERASED if note is not None else None,
                "b_reason": ERASED if reason is not None else None,
                "b_changes": _scrub_changes(changes),
            }
            for event_id, note, reason, changes in events
        ],
    )


def _scrubbed_fact_set(row_id: int, born: date) -> dict[str, object]:
    return {
        "b_id": row_id,
        "b_digest": f"x{row_id:031d}",
        "b_full_name": ERASED,
        "b_birth_date": date(born.year, 1, 1),
        "b_phone": None,
        "b_address": None,
        "b_notes": None,
    }


def _scrub_fact_sets_of(session: Session, case_ids: list[int]) -> None:
    """The facts the cases' reports were given: erased in place, or, for a fact set that
    another case's events share too, erased in a copy these events now refer to."""
    history = cast(Table, CaseEvent.__table__)
    facts = cast(Table, FactSet.__table__)
    used = set(
        session.scalars(
            select(history.c.fact_set_id)
            .where(history.c.case_id.in_(case_ids), history.c.fact_set_id.is_not(None))
            .distinct()
        )
    )
    shared: set[int] = set()
    ordered = sorted(used)
    for start in range(0, len(ordered), 500):
        shared.update(
            session.scalars(
                select(history.c.fact_set_id)
                .where(
                    history.c.fact_set_id.in_(ordered[start : start + 500]),
                    history.c.case_id.not_in(case_ids),
                )
                .distinct()
            )
        )
    for fact_set_id in sorted(shared):
        copy_id = _erased_copy(session, fact_set_id)
        session.execute(
            update(history)
            .where(history.c.case_id.in_(case_ids), history.c.fact_set_id == fact_set_id)
            .values(fact_set_id=copy_id)
        )
    own = sorted(used - shared)
    for start in range(0, len(own), BATCH):
        rows = session.execute(
            select(facts.c.id, facts.c.birth_date).where(facts.c.id.in_(own[start : start + BATCH]))
        ).all()
        _batched_update(session, facts, [_scrubbed_fact_set(i, born) for i, born in rows])


def _erased_copy(session: Session, fact_set_id: int) -> int:
    """A new fact set: `fact_set_id`'s sex, residence and help reason, the rest erased."""
    facts = cast(Table, FactSet.__table__)
    original = session.execute(select(facts).where(facts.c.id == fact_set_id)).one()
    inserted = session.execute(
        insert(facts)
        .values(
            digest=f"x{new_uid()[:31]}",
            full_name=ERASED,
            birth_date=date(original.birth_date.year, 1, 1),
            sex=original.sex,
            residence_code=original.residence_code,
            phone=None,
            address=None,
            help_reason=original.help_reason,
            notes=None,
        )
        .returning(facts.c.id)
    )
    return int(inserted.scalar_one())


def _batched_update(session: Session, table: Table, rows: list[dict[str, object]]) -> None:
    if rows:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("b_id"))
            .values(**{name[2:]: bindparam(name) for name in rows[0] if name != "b_id"}),
            rows,
        )


def _scrub_fact_sets(session: Session) -> None:
    """What each report said, for every fact set not erased yet: the name, contacts and
    notes erased, the birth date kept to its year; sex and residence stay (they count)."""
    table = FactSet.__table__
    assert isinstance(table, Table)
    last_id = 0
    while True:
        rows = session.execute(
            select(table.c.id, table.c.birth_date)
            .where(table.c.id > last_id, ~table.c.digest.startswith("x"))
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        last_id = rows[-1][0]
        _batched_update(session, table, [_scrubbed_fact_set(i, born) for i, born in rows])


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
