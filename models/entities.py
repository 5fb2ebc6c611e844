"""The tables. Constraints live here, in the schema, not only in Python."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.codes import (
    LEVEL1_STATUSES,
    LEVEL2_STATUSES,
    ConsentBasis,
    EventKind,
    FailureReason,
    HelpReason,
    OutreachStatus,
    PointKind,
    RequestKind,
    RequestStatus,
    Role,
    Status,
    StopKind,
    UnitLevel,
    sql_in,
)


class Campaign(Base):
    """One activation campaign (đợt cao điểm), as a provincial plan sets it."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    plan_number: Mapped[str] = mapped_column(String(64))
    plan_date: Mapped[date] = mapped_column(Date)
    issuing_body: Mapped[str] = mapped_column(Text)
    province_name: Mapped[str] = mapped_column(Text)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    daily_start: Mapped[time] = mapped_column(Time)
    daily_end: Mapped[time] = mapped_column(Time)
    report_due_before: Mapped[date] = mapped_column(Date)
    report_recipient: Mapped[str] = mapped_column(Text)
    min_age: Mapped[int] = mapped_column(SmallInteger, default=14)

    units: Mapped[list[Unit]] = relationship(back_populates="campaign")

    __table_args__ = (
        CheckConstraint("first_day <= last_day", name="period"),
        CheckConstraint("daily_start < daily_end", name="hours"),
    )


class Unit(Base):
    """An administrative unit: province, district (absent in two-level campaigns), commune."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))  # "huyện", "thị xã", "phường", ...
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side=[id])
    target: Mapped[Target | None] = relationship(back_populates="unit", uselist=False)

    __table_args__ = (
        UniqueConstraint("campaign_id", "code"),
        CheckConstraint(f"level IN ({sql_in(UnitLevel)})", name="level"),
        CheckConstraint(
            f"(level = '{UnitLevel.PROVINCE.value}') = (parent_id IS NULL)", name="root"
        ),
    )


class Target(Base):
    """The plan's target for one unit: level 1 + level 2 together, and per day."""

    __tablename__ = "targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    total: Mapped[int] = mapped_column(Integer)
    daily: Mapped[int | None] = mapped_column(Integer)

    unit: Mapped[Unit] = relationship(back_populates="target")

    __table_args__ = (
        CheckConstraint("total >= 0", name="total"),
        CheckConstraint("daily IS NULL OR daily >= 0", name="daily"),
    )


class IntakePoint(Base):
    """An intake point (điểm thu nhận): a counter or a mobile team, standing in a commune."""

    __tablename__ = "intake_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32), default=PointKind.OTHER.value)
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    commune: Mapped[Unit] = relationship()

    __table_args__ = (
        UniqueConstraint("commune_id", "name"),
        CheckConstraint(f"kind IN ({sql_in(PointKind)})", name="kind"),
    )


class Operator(Base):
    """A person who works cases (cán bộ). Passwords arrive with the security issue."""

    __tablename__ = "operators"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(Text)
    organisation: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.OPERATOR.value)
    password_hash: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    home_point_id: Mapped[int | None] = mapped_column(ForeignKey("intake_points.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Failed sign-ins in a row, and until when the account is locked after too many.
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(f"role IN ({sql_in(Role)})", name="role"),
        CheckConstraint("failed_sign_ins >= 0", name="failed_sign_ins"),
    )


# The moment corrections (moved activations), as the partial index and its query say it.
MOMENT_EVENTS = f"kind = '{EventKind.MOMENT.value}'"

_LEVEL_STATUS = (
    f"(level = 1 AND status IN ({sql_in(LEVEL1_STATUSES)})) OR "
    f"(level = 2 AND status IN ({sql_in(LEVEL2_STATUSES)}))"
)


class Case(Base):
    """One citizen helped for one level. At most one per ID number and level."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(12))
    level: Mapped[int] = mapped_column(SmallInteger)
    full_name: Mapped[str] = mapped_column(Text)
    # The name folded for search: lower case, no diacritics, đ -> d.
    name_folded: Mapped[str] = mapped_column(Text)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    # NULL: the citizen's permanent residence is outside the province (a real answer).
    residence_commune_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # The point and operator of the event that set the status: for an activated case, whoever
    # recorded the activation (credited by point and by operator).
    intake_point_id: Mapped[int] = mapped_column(ForeignKey("intake_points.id"))
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    status: Mapped[str] = mapped_column(String(24))
    failure_reason: Mapped[str | None] = mapped_column(String(32))
    failure_note: Mapped[str | None] = mapped_column(Text)
    help_reason: Mapped[str | None] = mapped_column(String(32))
    consent_given: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str | None] = mapped_column(Text)
    # Every column above and below is derived from the history (`services.cases.fold`), so
    # that a tally is one indexed GROUP BY: the commune the case counts for (residence for
    # level 1, NULL when that is outside the province; for level 2 the commune of the point
    # that took the application leading to the activation) and the Vietnam-local day of
    # the activation (the earliest activation event, unless explicitly moved).
    counted_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_on: Mapped[date | None] = mapped_column(Date)
    # Reports disagree on who the citizen is or where they live, and no manager has decided.
    has_conflict: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Optimistic locking: two points saving the same case at once, one wins.
    version: Mapped[int] = mapped_column(Integer, default=1)

    residence_commune: Mapped[Unit] = relationship(foreign_keys=[residence_commune_id])
    counted_unit: Mapped[Unit] = relationship(foreign_keys=[counted_unit_id])
    intake_point: Mapped[IntakePoint] = relationship()
    operator: Mapped[Operator] = relationship()
    history: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.changed_at, CaseEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    __table_args__ = (
        UniqueConstraint("id_number", "level"),
        CheckConstraint("level IN (1, 2)", name="level"),
        CheckConstraint("length(id_number) = 12", name="id_number"),
        CheckConstraint("sex IN ('Nam', 'Nữ')", name="sex"),
        CheckConstraint(_LEVEL_STATUS, name="status"),
        CheckConstraint(
            f"(status = '{Status.FAILED.value}') = (failure_reason IS NOT NULL)",
            name="failure",
        ),
        CheckConstraint(
            f"failure_reason IS NULL OR failure_reason IN ({sql_in(FailureReason)})",
            name="failure_reason",
        ),
        CheckConstraint(
            f"help_reason IS NULL OR help_reason IN ({sql_in(HelpReason)})", name="help_reason"
        ),
        CheckConstraint(
            f"(status = '{Status.ACTIVATED.value}') = (activated_on IS NOT NULL)",
            name="activated_on",
        ),
        CheckConstraint("(activated_on IS NULL) = (activated_at IS NULL)", name="activated_at"),
        CheckConstraint("consent_given", name="consent"),
        # The tally: activated cases up to a day, per counted commune and level.
        Index("ix_cases_tally", "activated_on", "counted_unit_id", "level"),
        Index("ix_cases_point_tally", "intake_point_id", "activated_on", "level"),
        Index("ix_cases_operator_tally", "operator_id", "activated_on", "level"),
        Index("ix_cases_status_updated", "status", "updated_at"),
        # The case list: newest change first, paged on (updated_at, id).
        Index("ix_cases_updated", "updated_at", "id"),
        Index("ix_cases_name_folded", "name_folded"),
        Index("ix_cases_phone", "phone"),
        Index("ix_cases_conflict", "has_conflict", "updated_at"),
    )


class _DayLevelCount:
    """What follows the key in every activation count table: the day, the level, how many.
    (SQLAlchemy puts a class's own columns before a mixin's: the key stays the first column
    and leads the primary key, as the migrations made it.)"""

    activated_on: Mapped[date] = mapped_column(Date, primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class _StepCount:
    """What follows the key in every step count table: the step, the day, how many."""

    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class ActivationCount(_DayLevelCount, Base):
    """Activations per Vietnam-local day, counted unit and level, kept by triggers on `cases`
    (`models.activation_counts`). `unit_key` is the counted commune's id, 0 for level-1
    activations of citizens living outside the province (no foreign key: 0 is no unit)."""

    __tablename__ = "activation_counts"

    unit_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class PointActivationCount(_DayLevelCount, Base):
    """Activations per intake point credited, day and level (kept like `ActivationCount`)."""

    __tablename__ = "activation_counts_point"

    intake_point_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class OperatorActivationCount(_DayLevelCount, Base):
    """Activations per operator credited, day and level (kept like `ActivationCount`)."""

    __tablename__ = "activation_counts_operator"

    operator_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class PointStepCount(_StepCount, Base):
    """Citizens registered (level 1) or whose application was taken (level 2) at a point, on
    the local day of the first such report there; kept by triggers on `case_history`."""

    __tablename__ = "step_counts_point"

    intake_point_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class OperatorStepCount(_StepCount, Base):
    """The same by operator (`PointStepCount`)."""

    __tablename__ = "step_counts_operator"

    operator_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class FactSet(Base):
    """What one report said about the citizen: a claim, shared by every event that said it.

    Stored once per distinct content (`digest`), so that every event can carry the facts it
    was given without copying them. The residence is a commune code (or `OUTSIDE_PROVINCE`),
    the same in every database.
    """

    __tablename__ = "fact_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(32), unique=True)
    full_name: Mapped[str] = mapped_column(Text)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(3))
    residence_code: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    help_reason: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)


class CaseEvent(Base):
    """One event of a case's history: a status report, a correction, a moved activation moment
    or a manager's decision. The case is the fold of these (`services.cases.fold`).

    `uid` is the event's identity everywhere: it travels in packages, so the same event
    arriving twice is one, and it breaks ties between events of the same moment.
    """

    __tablename__ = "case_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default=EventKind.STATUS.value)
    # Where the case stood before this event, in the fold's order (derived).
    from_status: Mapped[str | None] = mapped_column(String(24))
    # The status reported (status events) or set (corrections of the status); else NULL.
    to_status: Mapped[str | None] = mapped_column(String(24))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    intake_point_id: Mapped[int | None] = mapped_column(ForeignKey("intake_points.id"))
    failure_reason: Mapped[str | None] = mapped_column(String(32))
    failure_note: Mapped[str | None] = mapped_column(Text)
    # For corrections, moments and decisions: why, and what changed as JSON
    # {"field": [before, after]} (residence as a commune code).
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[str | None] = mapped_column(Text)
    # The facts this report was given (status events, decisions); NULL: none asserted.
    fact_set_id: Mapped[int | None] = mapped_column(ForeignKey("fact_sets.id"))
    # The consent record of the report that brought the case in (`services.privacy.consent`): the
    # version of the notice the citizen heard (NULL: not known), when, the legal basis, and
    # the law the campaign acts under when it is a state body's duty. Given by this event's
    # operator at its point. All NULL: no record with this event (a later report, or one
    # saved before notices had versions).
    consent_notice: Mapped[str | None] = mapped_column(String(32))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_basis: Mapped[str | None] = mapped_column(String(16))
    consent_legal_reference: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="history")
    operator: Mapped[Operator] = relationship()
    fact_set: Mapped[FactSet | None] = relationship(lazy="joined")

    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(EventKind)})", name="kind"),
        CheckConstraint(
            f"kind = '{EventKind.STATUS.value}' OR reason IS NOT NULL",
            name="correction_reason",
        ),
        CheckConstraint(
            f"kind <> '{EventKind.STATUS.value}' OR to_status IS NOT NULL", name="status_to"
        ),
        CheckConstraint(
            f"consent_basis IS NULL OR consent_basis IN ({sql_in(ConsentBasis)})",
            name="consent_basis",
        ),
        CheckConstraint("(consent_basis IS NULL) = (consent_at IS NULL)", name="consent_at"),
        CheckConstraint(
            "consent_basis IS NOT NULL OR (consent_notice IS NULL AND "
            "consent_legal_reference IS NULL)",
            name="consent_record",
        ),
        CheckConstraint(
            f"consent_basis IS NULL OR consent_basis <> '{ConsentBasis.LEGAL_DUTY.value}' OR "
            "consent_legal_reference IS NOT NULL",
            name="consent_legal_reference",
        ),
        Index("ix_case_history_case", "case_id", "changed_at"),
        # "A point sees every case that has any event there."
        Index("ix_case_history_point", "intake_point_id", "case_id"),
        # The dashboard's moved activations of the last week, without reading every event.
        # Partial: an index led by `kind` would tempt SQLite (no statistics) away from the
        # case's own index in every per-case lookup of one kind (the count triggers' too).
        Index(
            "ix_case_history_moments",
            "changed_at",
            sqlite_where=text(MOMENT_EVENTS),
            postgresql_where=text(MOMENT_EVENTS),
        ),
    )


class CaseContact(Base):
    """One attempt to reach a citizen about a waiting case ("đã liên hệ"), with a note."""

    __tablename__ = "case_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    contacted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"))
    note: Mapped[str] = mapped_column(Text)

    operator: Mapped[Operator] = relationship()

    __table_args__ = (Index("ix_case_contacts_case", "case_id", "contacted_at"),)


class Setting(Base):
    """A named setting of this database (shared by every computer using it), as JSON."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    """One line of the append-only audit log: who did what, when, from which point.

    Entries form one hash chain per intake point (and one per computer for work done at no
    point; `AuditChain`): each entry's `hash` covers its own fields, its place in its chain
    (`chain`, `seq`) and the previous entry's hash, so an edited, removed or inserted row
    breaks its chain (`services.security.audit.verify_chain`). `details` is JSON with no personal
    data beyond what identifies a case (its id, a masked ID number).
    """

    __tablename__ = "audit_log"

    # A row number from the database (no lock: a sequence on PostgreSQL, the rowid on
    # SQLite), for paging and display; the entry's place in the log is (chain, seq).
    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(String(48))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(80))
    operator_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives accounts
    point_code: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        CheckConstraint("seq >= 1", name="seq_from_one"),
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_action", "action", "at"),
        Index("ix_audit_log_username", "username", "at"),
    )


class CitizenRequest(Base):
    """A citizen's request about the data held about them (see, correct, erase, object...),
    with its legal due date and how and when it was answered.

    The full ID number is kept only while the request is open: it is what finds the data to
    answer with. Once answered or refused (or the person's data erased) only the masked
    number stays, as in the audit log, so the log of requests outlives the data it was about.
    """

    __tablename__ = "citizen_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    id_number: Mapped[str | None] = mapped_column(String(12))
    id_number_masked: Mapped[str] = mapped_column(String(12))
    received_on: Mapped[date] = mapped_column(Date)  # the Vietnam-local day it arrived
    # The last days, by law, to reply (say it is being handled, and how) and to have done it.
    reply_due_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.OPEN.value)
    received_by: Mapped[str] = mapped_column(String(80))  # username, as in the audit log
    handled_by: Mapped[str | None] = mapped_column(String(80))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_in(RequestKind)})", name="kind"),
        CheckConstraint(f"status IN ({sql_in(RequestStatus)})", name="status"),
        CheckConstraint("due_on >= reply_due_on AND reply_due_on >= received_on", name="due"),
        CheckConstraint(
            f"(status = '{RequestStatus.OPEN.value}') = (answered_at IS NULL)", name="answered"
        ),
        CheckConstraint(
            f"status = '{RequestStatus.OPEN.value}' OR id_number IS NULL",
            name="number_only_while_open",
        ),
        CheckConstraint("id_number IS NULL OR length(id_number) = 12", name="id_number"),
        Index("ix_citizen_requests_open", "status", "due_on"),
        Index("ix_citizen_requests_id_number", "id_number"),
    )


class AuditChain(Base):
    """The head of one audit chain: its last position and hash.

    Appending to a chain locks its row (an UPDATE first), so writers of one point take
    turns while other points never wait for them; on SQLite the write lock does it anyway.
    `uid` (random) names the chain in reports and packages; `genesis` is the `prev_hash`
    of its first entry, derived from the chain's key, its uid and the last hash of the
    chain kept from before chains were split (`services.security.audit.genesis_hash`).
    """

    __tablename__ = "audit_chains"

    chain: Mapped[str] = mapped_column(String(48), primary_key=True)
    uid: Mapped[str] = mapped_column(String(32))
    genesis: Mapped[str] = mapped_column(String(64))
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint("last_seq >= 0", name="last_seq_not_negative"),)


class AuditReceivedHead(Base):
    """A chain head another database sent in a package: kept as a witness of what it sent.

    A later package from the same database (`source`) whose chain is shorter, different or
    gone shows that its log was cut or rewritten (`services.security.audit_witness`)."""

    __tablename__ = "audit_received_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_point: Mapped[str | None] = mapped_column(String(32))
    package: Mapped[str] = mapped_column(String(255))
    package_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    chain: Mapped[str] = mapped_column(String(48))
    chain_uid: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("source", "package_created_at", "chain"),)


class Hamlet(Base):
    """A hamlet (khóm, ấp, tổ dân phố) of a commune, as the teams name it: a small pick list
    kept per commune, filled by the review lists imported and typed."""

    __tablename__ = "hamlets"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(Text)
    # The name folded (`services.common.text.fold_key`): "Ấp 3" and "ap 3" are one hamlet.
    name_key: Mapped[str] = mapped_column(String(120))

    __table_args__ = (UniqueConstraint("commune_id", "name_key"),)


class OutreachEntry(Base):
    """One person of a review list (danh sách rà soát): what the team knows of them and where
    the outreach stands. Personal data, like a case.

    `uid` is the entry's identity everywhere (it travels in packages): the hash of the ID
    number when the list gives one, else of the commune, hamlet, folded name and birth, so
    the same row imported twice is one entry. `status` is the last of the entry's status
    events (`OutreachEvent`, by moment then uid), kept here so progress is one GROUP BY.
    """

    __tablename__ = "outreach_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    hamlet_id: Mapped[int] = mapped_column(ForeignKey("hamlets.id"))
    id_number: Mapped[str | None] = mapped_column(String(12))
    full_name: Mapped[str] = mapped_column(Text)
    name_folded: Mapped[str] = mapped_column(Text)
    birth_date: Mapped[date | None] = mapped_column(Date)
    birth_year: Mapped[int] = mapped_column(SmallInteger)
    sex: Mapped[str | None] = mapped_column(String(3))
    phone: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=OutreachStatus.NOT_CONTACTED.value)
    # The person asked not to be contacted again (no SMS, no call).
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the facts above were last set: the newest wins when packages merge.
    facts_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(OutreachStatus)})", name="status"),
        CheckConstraint("id_number IS NULL OR length(id_number) = 12", name="id_number"),
        CheckConstraint("sex IS NULL OR sex IN ('Nam', 'Nữ')", name="sex"),
        CheckConstraint("birth_year BETWEEN 1880 AND 2100", name="birth_year"),
        # Progress per commune and hamlet: one index-only GROUP BY.
        Index("ix_outreach_entries_progress", "commune_id", "hamlet_id", "status"),
        Index("ix_outreach_entries_id_number", "id_number"),
        Index("ix_outreach_entries_name", "name_folded", "birth_year"),
    )


class OutreachEvent(Base):
    """One change of an entry's outreach status: by hand, by an appointment, or by the desk
    when a case is saved for the person. `uid` travels in packages (the same change arriving
    twice is one); the entry's status is the last event by (`at`, `uid`)."""

    __tablename__ = "outreach_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("outreach_entries.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(f"status IN ({sql_in(OutreachStatus)})", name="status"),
        Index("ix_outreach_events_entry", "entry_id", "at"),
    )


class OutreachStop(Base):
    """Where people are given appointments: a fixed intake point, or a mobile team's stop at
    a hamlet, a market or households, with its own slots (evening ones too)."""

    __tablename__ = "outreach_stops"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    commune_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    hamlet_id: Mapped[int | None] = mapped_column(ForeignKey("hamlets.id"))
    # The intake point whose desk receives the people appointed here.
    intake_point_id: Mapped[int | None] = mapped_column(ForeignKey("intake_points.id"))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (CheckConstraint(f"kind IN ({sql_in(StopKind)})", name="kind"),)


class OutreachSlot(Base):
    """A time slot of a stop on one day (Vietnam local times), with how many it can take."""

    __tablename__ = "outreach_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("outreach_stops.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("stop_id", "day", "start_time"),
        CheckConstraint("start_time < end_time", name="hours"),
        CheckConstraint("capacity > 0", name="capacity"),
    )


class OutreachAppointment(Base):
    """A person's appointment: one slot. At most one per person (a new one replaces it)."""

    __tablename__ = "outreach_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("outreach_entries.id", ondelete="CASCADE"), unique=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("outreach_slots.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    username: Mapped[str] = mapped_column(String(80))

    __table_args__ = (Index("ix_outreach_appointments_slot", "slot_id"),)


class ErasedMark(Base):
    """The mark of one event of a citizen erased on request (`services.privacy.erasure_marks`):
    the SHA-256 of the event's uid, so that a package made before the erasure cannot bring the
    person back. The uid itself is gone from the database (the erasure made it meaningless),
    and the mark names nobody: a desk save's uid is random, a sheet row's the hash of the whole
    row (name, birth date, phone, moment...)."""

    __tablename__ = "erased_marks"

    mark: Mapped[str] = mapped_column(String(64), primary_key=True)
    # 'case' (an event of a case) or 'outreach' (a status event of a review-list entry).
    kind: Mapped[str] = mapped_column(String(16))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)
