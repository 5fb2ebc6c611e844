"""The case list: who may see what, search, filters, and rows fetched a page at a time.

A province holds some 600,000 cases, so nothing here loads them all: `fetch_cases`
returns one page ordered newest change first, continuing after the last row the
caller holds (keyset paging on `updated_at, id`, which an index serves), and
`count_cases` counts without loading, up to `COUNT_LIMIT` (beyond it, "more than").

Search, typed into one box:
- digits (spaces, dots, dashes and a leading +84 allowed): the start of an ID number,
  or the start of a phone number;
- anything else: a name without diacritics, folded the way `cases.name_folded` is.
  It matches when the typed words start the name ("nguyen thi" finds every Nguyễn
  Thị...; served by the name_folded index as a range) or start a later word of it
  ("anh" and "thi anh" find "Nguyễn Thị Ánh"; on SQLite this part has to scan, on
  PostgreSQL a trigram index, pg_trgm, serves it: migration 0009). Diacritics are
  ignored altogether: "nguyen thi anh" finds "Nguyễn Thị Ánh", "Nguyễn Thị Anh" and
  also "Nguyễn Thị Anh Thư", since the typed words start that name too.

The day filter is the Vietnam-local day of the case's last change (`updated_at`):
"what was worked on that day", which is what a desk looks back at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from models.codes import Role, Status
from models.entities import Case, CaseEvent, IntakePoint, Operator
from services.common.labels import FAILURE_LABELS, LEVEL_LABELS, STATUS_LABELS
from services.common.text import fold
from services.common.vntime import end_of_day_utc
from services.person.id_number import mask_id_number
from services.security.session_context import Actor

PAGE_SIZE = 200

_PHONE_NOISE = re.compile(r"[\s.\-()]")


@dataclass(frozen=True)
class CaseFilter:
    """What the list shows; empty fields filter nothing."""

    text: str = ""
    level: int | None = None
    status: Status | None = None
    day: date | None = None  # Vietnam-local day of the last change
    operator_id: int | None = None


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list: plain values, no ORM object."""

    id: int
    id_number: str
    level: int
    full_name: str
    phone: str | None
    status: str
    failure_reason: str | None
    point_name: str
    operator_name: str
    updated_at: datetime

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, str(self.level))

    @property
    def status_label(self) -> str:
        label = STATUS_LABELS.get(self.status, self.status)
        if self.failure_reason:
            return f"{label}: {FAILURE_LABELS.get(self.failure_reason, self.failure_reason)}"
        return label


@dataclass(frozen=True)
class OperatorChoice:
    id: int
    label: str


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """Managers and admins see every point; an operator the cases that have any event at
    the point they sign in at (registered there, taken there, activated there...)."""
    if actor.sees_all_points:
        return true()
    if actor.point_id is None:
        return false()
    return or_(
        Case.intake_point_id == actor.point_id,
        exists().where(CaseEvent.intake_point_id == actor.point_id, CaseEvent.case_id == Case.id),
    )


def _next_prefix(prefix: str) -> str:
    """The smallest string after every string starting with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    # A range rather than LIKE: SQLite's LIKE is case-insensitive and so cannot use a
    # plain index; a range can, on SQLite and PostgreSQL alike.
    return and_(column >= prefix, column < _next_prefix(prefix))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_digits(text: str) -> str | None:
    """The digits of an ID or phone query, or None when the text is a name."""
    compact = _PHONE_NOISE.sub("", text)
    if compact.startswith("+"):
        compact = compact[1:]
        if compact.startswith("84"):
            compact = "0" + compact[2:]
    return compact if compact.isdigit() else None


def search_condition(text: str) -> ColumnElement[bool]:
    """The WHERE clause for what was typed into the search box (see the module's notes)."""
    text = text.strip()
    if not text:
        return true()
    digits = search_digits(text)
    if digits is not None:
        phone = digits
        if len(digits) == 11 and digits.startswith("84"):
            phone = "0" + digits[2:]
        return or_(_starts_with(Case.id_number, digits), _starts_with(Case.phone, phone))
    name = fold(text)
    if not name:
        return true()
    # A subquery over its own alias: the matches come from one pass over the (small)
    # name index whatever the name; inline, a rare name made the database walk every
    # case newest first looking for it.
    named = aliased(Case)
    prefix = _starts_with(named.name_folded, name)
    # The range may admit neighbours under a locale collation (PostgreSQL); the first
    # characters compared are exact. Not a LIKE: PostgreSQL would serve a LIKE 'x%' with
    # the trigram index too (a second, slow bitmap: 0.7 s of 1.2 s at 10,000,000 cases).
    exact_prefix = and_(prefix, func.substr(named.name_folded, 1, len(name)) == name)
    later_word = named.name_folded.like("% " + _escape_like(name) + "%", escape="\\")
    return Case.id.in_(select(named.id).where(or_(exact_prefix, later_word)))


def filter_condition(actor: Actor, case_filter: CaseFilter) -> ColumnElement[bool]:
    conditions = [visible_to(actor), search_condition(case_filter.text)]
    if case_filter.level is not None:
        conditions.append(Case.level == case_filter.level)
    if case_filter.status is not None:
        conditions.append(Case.status == case_filter.status.value)
    if case_filter.day is not None:
        start = end_of_day_utc(case_filter.day - timedelta(days=1))
        conditions.append(Case.updated_at >= start)
        conditions.append(Case.updated_at < end_of_day_utc(case_filter.day))
    if case_filter.operator_id is not None:
        conditions.append(Case.operator_id == case_filter.operator_id)
    return and_(*conditions)


# How far the list counts: above this it says "more than" (`count_cases`).
COUNT_LIMIT = 10_000


def count_query(
    actor: Actor, case_filter: CaseFilter, limit: int | None = COUNT_LIMIT
) -> Select[int]:
    """The statement `count_cases` runs: at most `limit` + 1 matching rows are counted."""
    condition = filter_condition(actor, case_filter)
    if limit is None:
        return select(func.count()).select_from(Case).where(condition)
    matching = select(Case.id).where(condition).limit(limit + 1).subquery()
    return select(func.count()).select_from(matching)


def count_cases(
    session: Session, actor: Actor, case_filter: CaseFilter, limit: int | None = COUNT_LIMIT
) -> int:
    """How many cases match, counted up to `limit` + 1: a result above `limit` means "more
    than `limit`". A full count reads every matching entry of an index, about half a
    second for a city's 10,000,000 cases on the shared server, on every refresh of the
    list; the clerk needs the first page and a rough size (`limit=None` counts them all)."""
    return int(session.scalar(count_query(actor, case_filter, limit)) or 0)


def _rows_query() -> Select[int, str, int, str, str | None, str, str | None, str, str, datetime]:
    return (
        select(
            Case.id,
            Case.id_number,
            Case.level,
            Case.full_name,
            Case.phone,
            Case.status,
            Case.failure_reason,
            IntakePoint.name,
            Operator.full_name,
            Case.updated_at,
        )
        .join(IntakePoint, IntakePoint.id == Case.intake_point_id)
        .join(Operator, Operator.id == Case.operator_id)
    )


def page_query(
    actor: Actor, case_filter: CaseFilter, after: CaseRow | None = None, limit: int = PAGE_SIZE
) -> Select[int, str, int, str, str | None, str, str | None, str, str, datetime]:
    """The statement `fetch_cases` runs: keyset paging, never OFFSET, so a page deep in a
    city's millions costs what the first one does."""
    query = _rows_query().where(filter_condition(actor, case_filter))
    if after is not None:
        # Keyset paging: the first condition is a range the index serves; the second
        # breaks ties between cases changed in the same instant.
        query = query.where(
            Case.updated_at <= after.updated_at,
            or_(Case.updated_at < after.updated_at, Case.id < after.id),
        )
    return query.order_by(Case.updated_at.desc(), Case.id.desc()).limit(limit)


def fetch_cases(
    session: Session,
    actor: Actor,
    case_filter: CaseFilter,
    after: CaseRow | None = None,
    limit: int = PAGE_SIZE,
) -> list[CaseRow]:
    """The next `limit` rows, newest change first, after the row `after` (None: the first page)."""
    rows = [CaseRow(*row) for row in session.execute(page_query(actor, case_filter, after, limit))]
    if masks_id_numbers(actor):
        rows = [replace(row, id_number=mask_id_number(row.id_number)) for row in rows]
    return rows


def masks_id_numbers(actor: Actor) -> bool:
    """Operators see ID numbers masked in lists (094******345); the case they open shows it
    in full (`services.cases.detail`). Managers and administrators, who check and export
    cases, see them in full. Searching by the full number still finds the case."""
    return actor.role == Role.OPERATOR and not actor.is_cli


def operator_choices(session: Session, actor: Actor) -> list[OperatorChoice]:
    """Operators to filter by: everyone for managers; an operator sees their point's people."""
    query = select(Operator.id, Operator.full_name, Operator.username)
    if not actor.sees_all_points:
        worked_here = select(Case.operator_id).where(visible_to(actor)).distinct()
        based_here = (
            Operator.home_point_id == actor.point_id if actor.point_id is not None else false()
        )
        query = query.where(or_(Operator.id.in_(worked_here), based_here))
    query = query.order_by(Operator.full_name, Operator.username)
    return [
        OperatorChoice(operator_id, f"{full_name} ({username})")
        for operator_id, full_name, username in session.execute(query)
    ]
