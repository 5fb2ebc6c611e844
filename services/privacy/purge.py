"""Retention: once the campaign's purpose has ended, erase the citizens' personal data.

After the campaign's last day and a grace period (a setting of the shared database,
`retention_grace_days`, default 30 days), an administrator may purge: names, phone
numbers, addresses, notes and every free text that may name or describe a citizen are
erased (`FREE_TEXT_COLUMNS` lists them, and a test checks that it names every text column
of the case tables); each ID number is replaced by a pseudonym made from the case's own row
number (`X` and 11 digits: unique, so the "one ID number and level" constraint still
holds, and with no link back to the person); the birth date keeps only its year (1
January). Sex, level, status, the communes, points, operators and every moment stay: they
are the anonymous counts, so every tally and report for past days is exactly the same
after the purge. The facts each report was given (`fact_sets`) are erased the same way,
and every event's uid (for a spreadsheet row, a hash of what the row said) becomes a
number with no meaning.
`anonymise_cases` does this for some cases: the purge for every case, a citizen's erasure
request (`services.privacy.person_data.erase_person`) for that citizen's. Requests from citizens
keep only their masked ID number afterwards.

After the purge no new case data is taken: the desk, `records import` and `package import`
refuse with `refuse_after_purge`. The ID numbers are gone, so a citizen recorded again could
not be recognised and would be counted twice.

On SQLite the purge first writes one backup encrypted with a passphrase the administrator
types (`services.upkeep.encrypted_backup`), runs in one transaction, logged in the audit; then it
deletes every plain copy that still holds the personal data (`remove_plain_backups`:
automatic copies, those made before a restore, an upgrade or an earlier purge, broken
files set aside) and rewrites the database file (`VACUUM` with `secure_delete`, then a
`TRUNCATE` checkpoint of the WAL), so that no erased value survives in a free page, in the
slack of a page or in the `-wal` file. On PostgreSQL the server administrator confirms a
`pg_dump` was made, and the server's old row versions and dumps are theirs to clear.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

from sqlalchemy import String, Table, bindparam, func, insert, literal, select, update
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from models.bulk import in_slices
from models.entities import (
    Case,
    CaseContact,
    CaseEvent,
    FactSet,
    OutreachEntry,
    OutreachEvent,
    Setting,
)
from models.event_ids import new_uid
from services.campaigns.campaign import active_campaign
from services.cases.fold import SEEN
from services.common.errors import ConflictError, UserError, ValidationError
from services.common.stored_settings import store_setting, stored_setting
from services.common.vntime import format_date, now_utc, today_vn
from services.exchange.conflicts import DECISION_REASON
from services.exchange.crypto import check_passphrase
from services.privacy.requests import anonymise_requests
from services.security.audit import AuditAction, write_audit
from services.security.permissions import Action, require
from services.security.session_context import Actor
from services.upkeep.backup import (
    SERVER_BACKUP_ADVICE,
    BackupRemoval,
    database_file,
    encrypted_backup_before_purge,
    remove_plain_backups,
    upgrade_copies_in_root,
)
from services.upkeep.database import Database
from services.upkeep.encrypted_backup import WHAT as ENCRYPTED_BACKUP

log = logging.getLogger(__name__)

GRACE_SETTING = "retention_grace_days"
PURGED_SETTING = "personal_data_purged_at"
DEFAULT_GRACE_DAYS = 30
ERASED = "(đã xóa)"
PSEUDONYM_PREFIX = "X"
# What a correction's `{"field": [before, after]}` keeps: the facts that count (codes and
# moments, no personal value). Every other field's values are erased.
COUNTED_CHANGE_FIELDS = frozenset(
    {"sex", "residence", "residence_commune_id", "help_reason", "status", "activated_at"}
)
# Every free text of the case tables and what the purge does with it: each may name a
# citizen or hold a phone number or an address ("Chị Lan báo SĐT mới 0987...").
FREE_TEXT_COLUMNS: dict[str, str] = {
    "cases.id_number": "mã ẩn danh X + số thứ tự",
    "cases.full_name": ERASED,
    "cases.name_folded": "để trống",
    "cases.phone": "xóa (NULL)",
    "cases.address": "xóa (NULL)",
    "cases.notes": "xóa (NULL)",
    "cases.failure_note": "xóa (NULL)",
    "fact_sets.digest": "số không mang nghĩa",
    "fact_sets.full_name": ERASED,
    "fact_sets.phone": "xóa (NULL)",
    "fact_sets.address": "xóa (NULL)",
    "fact_sets.notes": "xóa (NULL)",
    "case_history.uid": "số không mang nghĩa",
    "case_history.failure_note": ERASED,
    "case_history.reason": ERASED + " (trừ câu cố định của quyết định mâu thuẫn)",
    "case_history.changes": "chỉ giữ giới tính, nơi thường trú, lý do hỗ trợ, trạng thái, "
    "thời điểm; mọi giá trị khác " + ERASED,
    "case_contacts.note": ERASED,
    "citizen_requests.id_number": "xóa (NULL); chỉ giữ số đã che",
    "citizen_requests.note": ERASED,
    "outreach_entries.uid": "mã ẩn danh X + số thứ tự",
    "outreach_entries.id_number": "xóa (NULL)",
    "outreach_entries.full_name": ERASED,
    "outreach_entries.name_folded": "để trống",
    "outreach_entries.sex": "xóa (NULL)",
    "outreach_entries.phone": "xóa (NULL)",
    "outreach_entries.address": "xóa (NULL)",
    "outreach_entries.note": "xóa (NULL)",
    "outreach_entries.source": ERASED,
    "outreach_events.uid": "mã ẩn danh X + số thứ tự",
    "outreach_events.note": "xóa (NULL)",
}
# Every other text column, and why it stays: codes, the campaign's own set-up, the staff
# (their accounts and credit outlive the campaign's personal data), the audit log.
_CODE = "mã (giới tính, trạng thái, lý do...): là số liệu thống kê, không chỉ ra ai"
_CAMPAIGN = "thông tin của đợt, đơn vị hành chính, điểm thu nhận: không có công dân"
_STAFF = "tài khoản cán bộ: cần để đăng nhập và ghi công; không phải dữ liệu công dân"
KEPT_TEXT_COLUMNS: dict[str, str] = {
    **{f"campaigns.{name}": _CAMPAIGN for name in ("code", "name", "plan_number")},
    **{f"campaigns.{name}": _CAMPAIGN for name in ("issuing_body", "province_name")},
    "campaigns.report_recipient": _CAMPAIGN,
    **{f"units.{name}": _CAMPAIGN for name in ("code", "name", "kind", "level")},
    **{f"intake_points.{name}": _CAMPAIGN for name in ("code", "name", "kind", "address")},
    **{f"operators.{name}": _STAFF for name in ("username", "full_name", "organisation")},
    "operators.role": _STAFF,
    "operators.password_hash": _STAFF,
    **{f"cases.{name}": _CODE for name in ("sex", "status", "failure_reason", "help_reason")},
    # The kept counts of steps recorded (models.activation_counts): a code per point or
    # operator and day, no citizen.
    "step_counts_point.status": _CODE,
    "step_counts_operator.status": _CODE,
    **{f"fact_sets.{name}": _CODE for name in ("sex", "residence_code", "help_reason")},
    **{
        f"case_history.{name}": _CODE
        for name in ("kind", "from_status", "to_status", "failure_reason")
    },
    **{
        f"case_history.{name}": "bản ghi sự đồng ý (phiên bản thông báo, căn cứ, văn bản pháp "
        "luật): chứng cứ xử lý đúng luật, không chỉ ra ai"
        for name in ("consent_notice", "consent_basis", "consent_legal_reference")
    },
    "settings.key": "cài đặt của cơ sở dữ liệu (tờ hướng dẫn, thời gian giữ...): không có công dân",
    "settings.value": "cài đặt của cơ sở dữ liệu (tờ hướng dẫn, thời gian giữ...): không có công dân",
    **{
        f"audit_log.{name}": "nhật ký có chuỗi mã băm, không sửa được: chỉ tên cán bộ, mã hồ sơ, "
        "số định danh che giữa (3 số đầu, 3 số cuối), tên tệp; không họ tên, điện thoại, địa chỉ"
        for name in ("chain", "username", "point_code", "action", "summary", "details")
    },
    **{
        f"citizen_requests.{name}": "sổ yêu cầu của người dân: loại, kết quả, cán bộ, số định "
        "danh che giữa; là bằng chứng đã trả lời đúng hạn, không chỉ ra ai"
        for name in ("kind", "id_number_masked", "status", "received_by", "handled_by")
    },
    **{
        f"hamlets.{name}": "tên khóm, ấp của xã: đơn vị dân cư, không chỉ ra ai"
        for name in ("name", "name_key")
    },
    "outreach_entries.status": _CODE,
    "outreach_events.status": _CODE,
    "outreach_events.username": _STAFF,
    "outreach_appointments.username": _STAFF,
    **{
        f"outreach_stops.{name}": "điểm hẹn, tổ lưu động của đợt: không có công dân"
        for name in ("code", "name", "kind", "address")
    },
    "audit_log.prev_hash": "mã băm của nhật ký",
    "audit_log.hash": "mã băm của nhật ký",
    **{
        f"audit_chains.{name}": "đầu chuỗi nhật ký (mã điểm, mã băm): không có công dân"
        for name in ("chain", "uid", "genesis", "last_hash")
    },
    **{
        f"audit_received_heads.{name}": "đầu chuỗi nhật ký của nơi gửi gói (mã điểm, tên tệp "
        "gói, mã băm): không có công dân"
        for name in ("source", "source_point", "package", "chain", "chain_uid", "hash")
    },
    **{
        f"erased_marks.{name}": "dấu của công dân đã xóa theo yêu cầu (mã băm của mã mốc, không "
        "phải của số định danh): để gói làm trước khi xóa không đưa họ trở lại; không chỉ ra ai"
        for name in ("mark", "kind")
    },
}
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
    value = stored_setting(session, GRACE_SETTING)
    return value if isinstance(value, int) and value >= 0 else DEFAULT_GRACE_DAYS


def set_grace_days(session: Session, actor: Actor, days: int) -> None:
    """Change the grace period (administrators); logged; the caller commits."""
    require(actor, Action.SETTINGS)
    if not 0 <= days <= 3650:
        raise ValidationError("Thời gian chờ trước khi xóa phải từ 0 đến 3650 ngày.", "days")
    before = grace_days(session)
    store_setting(session, GRACE_SETTING, json.dumps(days))
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
    # A decision's fingerprints of the versions it saw (`fold.SEEN`) go whole: they are
    # hashes of who the person is, and without them the decision clears the conflict.
    scrubbed = {
        name: value if name in COUNTED_CHANGE_FIELDS else [ERASED, ERASED]
        for name, value in parsed.items()
        if name != SEEN
    }
    return json.dumps(scrubbed, ensure_ascii=False)


NOTHING_REMOVED = BackupRemoval((), ())


@dataclass(frozen=True)
class PurgeResult:
    cases: int
    backup: Path | None  # the encrypted copy made first (SQLite)
    removal: BackupRemoval = NOTHING_REMOVED  # the plain copies deleted (SQLite)
    file_rewritten: bool = True  # SQLite: no free page, slack or WAL keeps an erased value

    def describe(self) -> str:
        """What was done, in Vietnamese, for the window and the command line."""
        lines = [f"Đã xóa dữ liệu cá nhân của {self.cases} hồ sơ."]
        if self.backup is not None:
            lines.append(
                f"Bản sao lưu trước khi xóa (mã hóa bằng mật khẩu vừa đặt; giữ mật khẩu ở "
                f"nơi an toàn, xóa bản này khi không còn cần): {self.backup}"
            )
            lines.append(
                f"Đã xóa {len(self.removal.deleted)} bản sao lưu cũ chưa mã hóa có dữ liệu cá nhân."
            )
        if self.removal.failed:
            names = ", ".join(str(p) for p in self.removal.failed)
            lines.append(
                f"Không xóa được: {names}. Đóng chương trình đang mở các tệp này rồi xóa "
                "chúng (hoặc chạy lại xóa dữ liệu cá nhân)."
            )
        if not self.file_rewritten:
            lines.append(
                "Chưa dọn hết được tệp cơ sở dữ liệu (một cửa sổ kichhoat khác đang đọc nó): "
                "đóng mọi cửa sổ kichhoat rồi chạy lại xóa dữ liệu cá nhân."
            )
        return "\n".join(lines)


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
    anonymise_requests(session)
    anonymise_outreach(session)
    return done


def anonymise_outreach(session: Session, entry_ids: Sequence[int] | None = None) -> None:
    """Erase the personal data of the review lists' people (all of them, or these) and keep
    the progress: name, ID number, birth date, sex, phone, address, note and source erased,
    the birth year, commune, hamlet and statuses kept. The entry's and its events' uids were
    hashes of the ID number: they become numbers with no meaning, like the cases' events."""
    entries, events = OutreachEntry.__table__, OutreachEvent.__table__
    assert isinstance(entries, Table) and isinstance(events, Table)
    chosen = entries.c.id.in_(list(entry_ids)) if entry_ids is not None else entries.c.id > 0
    session.execute(
        update(entries)
        .where(chosen)
        .values(
            uid=literal(PSEUDONYM_PREFIX) + sql_cast(entries.c.id, String),
            full_name=ERASED,
            name_folded="",
            id_number=None,
            birth_date=None,
            sex=None,
            phone=None,
            address=None,
            note=None,
            source=ERASED,
        )
        .execution_options(synchronize_session=False)
    )
    of_chosen = events.c.entry_id.in_(list(entry_ids)) if entry_ids is not None else events.c.id > 0
    session.execute(
        update(events)
        .where(of_chosen)
        .values(uid=literal(PSEUDONYM_PREFIX) + sql_cast(events.c.id, String), note=None)
        .execution_options(synchronize_session=False)
    )


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
    for chunk in in_slices(ids, BATCH):
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


def _anonymise_case_rows(session: Session, case_ids: Sequence[int]) -> None:
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


def _scrub_history(session: Session, case_ids: Sequence[int]) -> None:
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
                # A decision's reason is the app's fixed sentence, not a citizen's words.
                "b_reason": reason if reason in (None, DECISION_REASON) else ERASED,
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


def _scrub_fact_sets_of(session: Session, case_ids: Sequence[int]) -> None:
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
    for chunk in in_slices(ordered):
        shared.update(
            session.scalars(
                select(history.c.fact_set_id)
                .where(
                    history.c.fact_set_id.in_(chunk),
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
    for chunk in in_slices(own, BATCH):
        rows = session.execute(
            select(facts.c.id, facts.c.birth_date).where(facts.c.id.in_(chunk))
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
    passphrase: str | None = None,
) -> PurgeResult:
    """Erase the personal data (administrators, after the grace period).

    SQLite: an encrypted backup with `passphrase` first; after the erasure, the plain
    backups deleted and the file rewritten. PostgreSQL: `server_backup_confirmed`. The
    erasure is one transaction: a failure leaves every case as it was."""
    require(actor, Action.PURGE)
    day = today or today_vn()
    with database.session() as session:
        state = purge_state(session)
        campaign_code = active_campaign(session).code
    if not state.allowed(day):
        raise ConflictError("Chưa được xóa dữ liệu cá nhân. " + state.describe(day))
    backup: Path | None = None
    legacy: list[Path] = []
    if database.is_sqlite:
        if passphrase is None:
            raise UserError(
                "Cần mật khẩu cho bản sao lưu mã hóa làm trước khi xóa dữ liệu cá nhân."
            )
        check_passphrase(passphrase, ENCRYPTED_BACKUP)
        legacy = upgrade_copies_in_root(database, campaign_code, backups)
        backup = encrypted_backup_before_purge(database, passphrase, backups)
    elif not server_backup_confirmed:
        raise UserError(
            "Trước khi xóa dữ liệu cá nhân trên máy chủ, cần một bản sao lưu. "
            + SERVER_BACKUP_ADVICE
            + " Xác nhận đã sao lưu rồi thực hiện lại."
        )
    count = _erase(database, actor, backup, progress)
    if backup is None:
        return PurgeResult(count, None)
    removal = remove_plain_backups(database_file(database), backups, legacy)
    _audit_removal(database, actor, removal, backup)
    return PurgeResult(count, backup, removal, _rewrite_sqlite_file(database))


def _erase(
    database: Database,
    actor: Actor,
    backup: Path | None,
    progress: Callable[[int, int], None] | None,
) -> int:
    with database.session() as session:
        count = _purge_rows(session, progress)
        moment = now_utc()
        store_setting(session, PURGED_SETTING, json.dumps(moment.isoformat()))
        write_audit(
            session,
            actor,
            AuditAction.PURGE,
            f"Xóa dữ liệu cá nhân của {count} hồ sơ (giữ số liệu thống kê)"
            + (f"; sao lưu trước (mã hóa): {backup.name}" if backup else ""),
            {"cases": count, "backup": backup.name if backup else None},
        )
        session.commit()
    return count


def _audit_removal(database: Database, actor: Actor, removal: BackupRemoval, kept: Path) -> None:
    with database.session() as session:
        write_audit(
            session,
            actor,
            AuditAction.PURGE,
            f"Xóa {len(removal.deleted)} bản sao lưu chưa mã hóa có dữ liệu cá nhân; giữ bản "
            f"mã hóa {kept.name}",
            {
                "backups_deleted": [p.name for p in removal.deleted],
                "backups_not_deleted": [p.name for p in removal.failed],
                "backup": kept.name,
            },
        )
        session.commit()


def _rewrite_sqlite_file(database: Database) -> bool:
    """Rebuild the SQLite file after the erasure, so that no free page, no slack in a page
    and no frame of the WAL keeps an erased value: `VACUUM` with `secure_delete` on, then a
    `TRUNCATE` checkpoint (the WAL file is emptied). False when that could not be done
    (another connection kept reading the old pages past the busy timeout)."""
    raw = database.engine.raw_connection()
    try:
        connection = raw.driver_connection
        assert isinstance(connection, sqlite3.Connection)
        before = connection.execute("PRAGMA secure_delete").fetchone()[0]
        try:
            connection.execute("PRAGMA secure_delete=ON")
            connection.execute("VACUUM")
            busy, _frames, _copied = connection.execute(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).fetchone()
        finally:
            connection.execute(f"PRAGMA secure_delete={int(before)}")
    except sqlite3.Error as error:
        log.warning("The database file could not be rewritten after the purge: %s", error)
        return False
    finally:
        raw.close()
    return not busy
