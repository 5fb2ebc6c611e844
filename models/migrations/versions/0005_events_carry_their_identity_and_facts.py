"""events carry their identity and facts

Every history event gets a `uid` (the same in every database: it travels in packages and
breaks ties), the facts a report was given live in `fact_sets` and are referred to by the
events, a case may live outside the province (`residence_commune_id` NULL) and carries a
`has_conflict` flag. Existing data: each event's uid is the hash of what identified it
before (`models.event_ids.legacy_uid`), each case's facts become the claim of its first
event, corrections name the residence by commune code, a correction of facts alone no
longer names a status, and conflicts still waiting for a decision become events of their
case (the fold lists them as conflicts again). The derived columns are then recomputed by
the services at start-up (`refold_required` setting), under the new counting rules.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

import models.base
from models.event_ids import claim_digest, legacy_uid

revision = "0005"
down_revision = "0004"

BATCH = 2000
REFOLD_SETTING = "refold_required"

_cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("id_number", sa.String),
    sa.column("level", sa.Integer),
    sa.column("full_name", sa.Text),
    sa.column("birth_date", sa.Date),
    sa.column("sex", sa.String),
    sa.column("phone", sa.String),
    sa.column("address", sa.Text),
    sa.column("residence_commune_id", sa.Integer),
    sa.column("help_reason", sa.String),
    sa.column("notes", sa.Text),
)
_history = sa.table(
    "case_history",
    sa.column("id", sa.Integer),
    sa.column("uid", sa.String),
    sa.column("case_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("from_status", sa.String),
    sa.column("to_status", sa.String),
    sa.column("changed_at", models.base.UTCDateTime()),
    sa.column("operator_id", sa.Integer),
    sa.column("intake_point_id", sa.Integer),
    sa.column("failure_reason", sa.String),
    sa.column("failure_note", sa.Text),
    sa.column("reason", sa.Text),
    sa.column("changes", sa.Text),
    sa.column("fact_set_id", sa.Integer),
)
_fact_sets = sa.table(
    "fact_sets",
    sa.column("id", sa.Integer),
    sa.column("digest", sa.String),
    sa.column("full_name", sa.Text),
    sa.column("birth_date", sa.Date),
    sa.column("sex", sa.String),
    sa.column("residence_code", sa.String),
    sa.column("phone", sa.String),
    sa.column("address", sa.Text),
    sa.column("help_reason", sa.String),
    sa.column("notes", sa.Text),
)
_conflicts = sa.table(
    "case_conflicts",
    sa.column("id_number", sa.String),
    sa.column("level", sa.Integer),
    sa.column("incoming", sa.Text),
    sa.column("resolved_at", sa.DateTime),
)


class _FactSets:
    """Fact sets inserted with explicit ids, one row per distinct content."""

    def __init__(self, bind: sa.Connection) -> None:
        self.bind = bind
        self.ids: dict[str, int] = {}
        self.next_id = (bind.execute(sa.select(sa.func.max(_fact_sets.c.id))).scalar() or 0) + 1
        self.pending: list[dict[str, Any]] = []

    def id_for(self, facts: dict[str, Any]) -> int:
        digest = claim_digest(**facts)
        if digest not in self.ids:
            self.ids[digest] = self.next_id
            self.pending.append({"id": self.next_id, "digest": digest, **facts})
            self.next_id += 1
        return self.ids[digest]

    def flush(self) -> None:
        if self.pending:
            self.bind.execute(_fact_sets.insert(), self.pending)
            self.pending = []


def _residence_changes(changes: str | None, unit_code: dict[int, str]) -> str | None:
    """`residence_commune_id: [id, id]` becomes `residence: [code, code]`."""
    if not changes:
        return changes
    data = json.loads(changes)
    if "residence_commune_id" in data:
        before, after = data.pop("residence_commune_id")
        data["residence"] = [unit_code.get(before), unit_code.get(after)]
    return json.dumps(data, ensure_ascii=False)


def _convert_events(bind: sa.Connection, fact_sets: _FactSets) -> None:
    units = sa.table("units", sa.column("id", sa.Integer), sa.column("code", sa.String))
    points = sa.table("intake_points", sa.column("id", sa.Integer), sa.column("code", sa.String))
    operators = sa.table("operators", sa.column("id", sa.Integer), sa.column("username", sa.String))
    unit_code: dict[int, str] = {
        r[0]: r[1] for r in bind.execute(sa.select(units.c.id, units.c.code))
    }
    point_code: dict[int, str] = {
        r[0]: r[1] for r in bind.execute(sa.select(points.c.id, points.c.code))
    }
    username: dict[int, str] = {
        r[0]: r[1] for r in bind.execute(sa.select(operators.c.id, operators.c.username))
    }
    update = (
        _history.update()
        .where(_history.c.id == sa.bindparam("event_id"))
        .values(
            uid=sa.bindparam("uid"),
            fact_set_id=sa.bindparam("fact_set"),
            changes=sa.bindparam("new_changes"),
            to_status=sa.bindparam("new_to"),
        )
    )
    last = 0
    while True:
        cases = bind.execute(
            sa.select(_cases).where(_cases.c.id > last).order_by(_cases.c.id).limit(BATCH)
        ).all()
        if not cases:
            break
        last = cases[-1].id
        by_id = {case.id: case for case in cases}
        events = bind.execute(
            sa.select(_history)
            .where(_history.c.case_id.in_(list(by_id)))
            .order_by(_history.c.case_id, _history.c.changed_at, _history.c.id)
        ).all()
        updates = []
        claimed: set[int] = set()
        for event in events:
            case = by_id[event.case_id]
            fact_set = None
            if case.id not in claimed:
                claimed.add(case.id)
                fact_set = fact_sets.id_for(
                    {
                        "full_name": case.full_name,
                        "birth_date": case.birth_date,
                        "sex": case.sex,
                        "residence_code": unit_code[case.residence_commune_id],
                        "phone": case.phone,
                        "address": case.address,
                        "help_reason": case.help_reason,
                        "notes": case.notes,
                    }
                )
            changes = _residence_changes(event.changes, unit_code)
            to_status = event.to_status
            if event.kind == "correction" and "status" not in json.loads(changes or "{}"):
                to_status = None  # a correction of facts alone never names a status
            updates.append(
                {
                    "event_id": event.id,
                    "uid": legacy_uid(
                        case.id_number,
                        case.level,
                        event.kind,
                        event.to_status,
                        event.changed_at.isoformat(),
                        point_code.get(event.intake_point_id) if event.intake_point_id else None,
                        username[event.operator_id],
                        event.failure_reason,
                    ),
                    "fact_set": fact_set,
                    "new_changes": changes,
                    "new_to": to_status,
                }
            )
        fact_sets.flush()
        if updates:
            bind.execute(update, updates)


def _waiting_conflicts_become_events(bind: sa.Connection, fact_sets: _FactSets) -> None:
    """A package's case set aside for a manager: its events join the local case, its facts
    as the claim of its first new event (the fold then lists the case as a conflict)."""
    from datetime import datetime

    points = sa.table("intake_points", sa.column("id", sa.Integer), sa.column("code", sa.String))
    operators = sa.table("operators", sa.column("id", sa.Integer), sa.column("username", sa.String))
    point_id = {r[1]: r[0] for r in bind.execute(sa.select(points.c.id, points.c.code))}
    operator_id = {
        r[1]: r[0] for r in bind.execute(sa.select(operators.c.id, operators.c.username))
    }
    waiting = bind.execute(
        sa.select(_conflicts.c.id_number, _conflicts.c.level, _conflicts.c.incoming).where(
            _conflicts.c.resolved_at.is_(None)
        )
    ).all()
    for id_number, level, incoming in waiting:
        record = json.loads(incoming)
        case_id = bind.execute(
            sa.select(_cases.c.id).where(_cases.c.id_number == id_number, _cases.c.level == level)
        ).scalar()
        if case_id is None:
            continue
        have = set(
            bind.execute(sa.select(_history.c.uid).where(_history.c.case_id == case_id)).scalars()
        )
        claimed = False
        for raw in sorted(record["events"], key=lambda e: e["at"]):
            if raw["operator"] not in operator_id or (
                raw.get("point") and raw["point"] not in point_id
            ):
                continue
            uid = legacy_uid(
                id_number,
                level,
                raw["kind"],
                raw["to"],
                datetime.fromisoformat(raw["at"]).isoformat(),
                raw.get("point"),
                raw["operator"],
                raw.get("failure_reason"),
            )
            if uid in have:
                continue
            have.add(uid)
            fact_set = None
            if not claimed and raw["kind"] == "status":
                claimed = True
                fact_set = fact_sets.id_for(
                    {
                        "full_name": record["full_name"],
                        "birth_date": date.fromisoformat(record["birth_date"]),
                        "sex": record["sex"],
                        "residence_code": record["residence"],
                        "phone": record.get("phone"),
                        "address": record.get("address"),
                        "help_reason": record.get("help_reason"),
                        "notes": record.get("notes"),
                    }
                )
                fact_sets.flush()
            bind.execute(
                _history.insert().values(
                    uid=uid,
                    case_id=case_id,
                    kind=raw["kind"],
                    to_status=raw["to"],
                    changed_at=datetime.fromisoformat(raw["at"]),
                    operator_id=operator_id[raw["operator"]],
                    intake_point_id=point_id[raw["point"]] if raw.get("point") else None,
                    failure_reason=raw.get("failure_reason"),
                    failure_note=raw.get("failure_note"),
                    reason=raw.get("reason"),
                    changes=raw.get("changes"),
                    fact_set_id=fact_set,
                )
            )


def upgrade() -> None:
    op.create_table(
        "fact_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=3), nullable=False),
        sa.Column("residence_code", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=10), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("help_reason", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fact_sets")),
        sa.UniqueConstraint("digest", name=op.f("uq_fact_sets_digest")),
    )
    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uid", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("fact_set_id", sa.Integer(), nullable=True))
        batch_op.alter_column("to_status", existing_type=sa.VARCHAR(length=24), nullable=True)
        batch_op.drop_constraint(
            batch_op.f("uq_case_history_case_id_kind_to_status_changed_at"), type_="unique"
        )
        batch_op.drop_constraint(batch_op.f("ck_case_history_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_case_history_correction_reason"), type_="check")
        batch_op.create_check_constraint(
            "kind", "kind IN ('status', 'correction', 'moment', 'decision')"
        )
        batch_op.create_check_constraint(
            "correction_reason", "kind = 'status' OR reason IS NOT NULL"
        )
        batch_op.create_check_constraint("status_to", "kind <> 'status' OR to_status IS NOT NULL")
        batch_op.create_index("ix_case_history_point", ["intake_point_id", "case_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_case_history_fact_set_id_fact_sets"),
            "fact_sets",
            ["fact_set_id"],
            ["id"],
        )

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("has_conflict", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.alter_column("residence_commune_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("counted_unit_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index("ix_cases_conflict", ["has_conflict", "updated_at"], unique=False)

    bind = op.get_bind()
    fact_sets = _FactSets(bind)
    _convert_events(bind, fact_sets)
    _waiting_conflicts_become_events(bind, fact_sets)
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('fact_sets', 'id'), "
            "(SELECT COALESCE(MAX(id), 0) + 1 FROM fact_sets), false)"
        )

    with op.batch_alter_table("case_history", schema=None) as batch_op:
        batch_op.alter_column("uid", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_case_history_uid"), ["uid"])

    with op.batch_alter_table("case_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_conflicts_open"))
    op.drop_table("case_conflicts")

    settings = sa.table("settings", sa.column("key", sa.String), sa.column("value", sa.Text))
    if bind.execute(sa.select(sa.func.count()).select_from(_cases)).scalar():
        bind.execute(settings.insert().values(key=REFOLD_SETTING, value="true"))


def downgrade() -> None:
    raise NotImplementedError("Không hạ cấp được lược đồ 0005 (dữ liệu đã chuyển sang dạng mới).")
