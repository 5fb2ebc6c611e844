"""Activation counts kept by the database itself, in the transaction that changes a case.

Three small tables hold how many cases were activated per Vietnam-local day and level:
per counted unit (`activation_counts`; unit 0 is "outside the province"), per intake point
credited and per operator credited. Triggers on `cases` keep them: whatever writes a case
(the desk, a spreadsheet import, a package merge, a correction, a refold, a purge, a load
by COPY) moves its counts in the same transaction, so the figures never lag or drift and
no service has to remember to update them. A tally reads a few thousand rows instead of
every activated case.

SQLite: row triggers with UPSERTs. PostgreSQL: statement-level triggers with transition
tables for INSERT and DELETE (a COPY of a million cases adds its counts in one grouped
statement) and a row trigger for UPDATE that fires only when a counted column changed.

Counts may reach zero and stay as rows; a row is never negative unless the table was
edited by hand (`services.counting.tally.verify` finds any difference and `rebuild_sql` puts it
right). A schema change that rebuilds `cases` on SQLite (Alembic's batch mode copies the
table) drops its triggers: such a migration must call `install_triggers` again.
"""

# Every name put into SQL here is one of this module's constants; values never are.
# ruff: noqa: S608

from __future__ import annotations

from sqlalchemy import Connection, text

from models.codes import EventKind, Status

# The revision that created the counts (one place: the lead may re-chain it).
REVISION = "0009_activation_counts"

OUTSIDE_UNIT = 0  # the unit key of level-1 activations of citizens living elsewhere

UNIT_TABLE = "activation_counts"
POINT_TABLE = "activation_counts_point"
OPERATOR_TABLE = "activation_counts_operator"

# (table, its key column, the expression over a cases row that gives the key)
DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    (UNIT_TABLE, "unit_key", f"coalesce({{row}}.counted_unit_id, {OUTSIDE_UNIT})"),
    (POINT_TABLE, "intake_point_id", "{row}.intake_point_id"),
    (OPERATOR_TABLE, "operator_id", "{row}.operator_id"),
)

COUNTED_COLUMNS = ("activated_on", "counted_unit_id", "level", "intake_point_id", "operator_id")

TRIGGER_NAMES = ("trg_cases_counts_insert", "trg_cases_counts_delete", "trg_cases_counts_update")


def _add_counts(table: str, keys: tuple[str, ...], rows: str, *, qualified: bool = True) -> str:
    """The `INSERT` of `rows` (the `keys`, then n) into a count table that adds n to a row
    already there. `qualified`: `n = table.n + ...`, as PostgreSQL needs (SQLite: `n`)."""
    columns = ", ".join(keys)
    total = f"{table}.n" if qualified else "n"
    return (
        f"INSERT INTO {table} ({columns}, n) {rows} "
        f"ON CONFLICT ({columns}) DO UPDATE SET n = {total} + excluded.n;"
    )


def _sqlite_upsert(table: str, key: str, key_value: str, day: str, level: str, delta: str) -> str:
    # "WHERE true" parts the SELECT from the upsert's ON (SQLite's documented ambiguity).
    rows = f"SELECT {key_value}, {day}, {level}, {delta} WHERE {day} IS NOT NULL"
    return _add_counts(table, (key, "activated_on", "level"), rows, qualified=False)


def _sqlite_triggers() -> list[str]:
    def body(row: str, delta: str) -> str:
        return "\n".join(
            _sqlite_upsert(
                table, key, value.format(row=row), f"{row}.activated_on", f"{row}.level", delta
            )
            for table, key, value in DIMENSIONS
        )

    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED_COLUMNS)
    insert, delete, update = TRIGGER_NAMES
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON cases WHEN NEW.activated_on IS NOT NULL "
        f"BEGIN\n{body('NEW', '1')}\nEND",
        f"CREATE TRIGGER {delete} AFTER DELETE ON cases WHEN OLD.activated_on IS NOT NULL "
        f"BEGIN\n{body('OLD', '-1')}\nEND",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {', '.join(COUNTED_COLUMNS)} ON cases "
        f"WHEN {changed} BEGIN\n{body('OLD', '-1')}\n{body('NEW', '1')}\nEND",
    ]


def _pg_grouped(table: str, key: str, value: str, source: str, sign: str) -> str:
    # Sorted by key so that two transactions lock the same rows in the same order.
    rows = (
        f"SELECT {value.format(row='r')}, r.activated_on, r.level, {sign}count(*) "
        f"FROM {source} r WHERE r.activated_on IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    return _add_counts(table, (key, "activated_on", "level"), rows)


def _pg_row(table: str, key: str, value: str, row: str, sign: str) -> str:
    rows = f"VALUES ({value.format(row=row)}, {row}.activated_on, {row}.level, {sign}1)"
    add = _add_counts(table, (key, "activated_on", "level"), rows)
    return f"IF {row}.activated_on IS NOT NULL THEN {add} END IF;"


def _pg_unless(source: str, condition: str) -> str:
    return f"IF NOT EXISTS (SELECT 1 FROM {source} r WHERE {condition}) THEN RETURN NULL; END IF;\n"


def _pg_triggers() -> list[str]:
    inserted = "\n".join(_pg_grouped(t, k, v, "new_rows", "") for t, k, v in DIMENSIONS)
    deleted = "\n".join(_pg_grouped(t, k, v, "old_rows", "-") for t, k, v in DIMENSIONS)
    updated = "\n".join(
        [_pg_row(t, k, v, "OLD", "-") for t, k, v in DIMENSIONS]
        + [_pg_row(t, k, v, "NEW", "") for t, k, v in DIMENSIONS]
    )
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COUNTED_COLUMNS)
    insert, delete, update = TRIGGER_NAMES
    return [
        # Most inserts (a desk's first report) activate nothing: one cheap look, then out.
        "CREATE OR REPLACE FUNCTION cases_counts_inserted() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN\n{_pg_unless('new_rows', 'r.activated_on IS NOT NULL')}"
        f"{inserted}\nRETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION cases_counts_deleted() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN\n{_pg_unless('old_rows', 'r.activated_on IS NOT NULL')}"
        f"{deleted}\nRETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION cases_counts_updated() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN\n{updated}\nRETURN NULL; END $$",
        f"CREATE TRIGGER {insert} AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION cases_counts_inserted()",
        f"CREATE TRIGGER {delete} AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION cases_counts_deleted()",
        f"CREATE TRIGGER {update} AFTER UPDATE ON cases FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION cases_counts_updated()",
    ]


# -- the steps recorded: citizens registered (level 1) or whose application was taken
# (level 2) at each point and by each operator, on the first local day they were, kept by
# triggers on `case_history`. Each (case, point or operator, step) counts once, on the day
# of its earliest event: an earlier event arriving later (a package, an import) moves it.

STEP_POINT_TABLE = "step_counts_point"
STEP_OPERATOR_TABLE = "step_counts_operator"
STEP_DIMENSIONS: tuple[tuple[str, str], ...] = (
    (STEP_POINT_TABLE, "intake_point_id"),
    (STEP_OPERATOR_TABLE, "operator_id"),
)
STEP_STATUSES = (Status.REGISTERED.value, Status.APPLICATION_TAKEN.value)
_STEP_EVENT = (
    f"{{row}}.kind = '{EventKind.STATUS.value}' AND "
    f"{{row}}.to_status IN ('{STEP_STATUSES[0]}', '{STEP_STATUSES[1]}')"
)
STEP_TRIGGER_NAMES = (
    "trg_history_steps_insert",
    "trg_history_steps_delete",
    "trg_history_steps_update",
)
STEP_COLUMNS = ("case_id", "kind", "to_status", "changed_at", "intake_point_id", "operator_id")


def _sqlite_day(moment: str) -> str:
    return f"date({moment}, '+7 hours')"  # the Vietnam-local day of a stored UTC moment


def _sqlite_step(table: str, key: str, row: str, sign: int) -> str:
    """The step of `row` (NEW: arrived, OLD: gone) against the other events of its case,
    key and step: it counts when it is, or was, the earliest by day."""
    others = (
        f"SELECT min(h.changed_at) AS m FROM case_history h WHERE h.case_id = {row}.case_id "
        f"AND h.{key} = {row}.{key} AND h.kind = {row}.kind AND h.to_status = {row}.to_status "
        f"AND h.id <> {row}.id"
    )
    own, other = _sqlite_day(f"{row}.changed_at"), _sqlite_day("o.m")
    earliest = f"{row}.{key} IS NOT NULL AND {_STEP_EVENT.format(row=row)}"
    gained = (
        f"SELECT {row}.{key}, {row}.to_status, {own}, {sign} FROM ({others}) o "
        f"WHERE {earliest} AND (o.m IS NULL OR {own} < {other})"
    )
    lost = (
        f"SELECT {row}.{key}, {row}.to_status, {other}, {-sign} FROM ({others}) o "
        f"WHERE {earliest} AND o.m IS NOT NULL AND {own} < {other}"
    )
    keys = (key, "status", "day")
    return (
        f"{_add_counts(table, keys, gained, qualified=False)}\n"
        f"{_add_counts(table, keys, lost, qualified=False)}"
    )


def _sqlite_step_triggers() -> list[str]:
    def body(row: str, sign: int) -> str:
        return "\n".join(_sqlite_step(t, k, row, sign) for t, k in STEP_DIMENSIONS)

    insert, delete, update = STEP_TRIGGER_NAMES
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON case_history "
        f"WHEN {_STEP_EVENT.format(row='NEW')} BEGIN\n{body('NEW', 1)}\nEND",
        f"CREATE TRIGGER {delete} AFTER DELETE ON case_history "
        f"WHEN {_STEP_EVENT.format(row='OLD')} BEGIN\n{body('OLD', -1)}\nEND",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {', '.join(STEP_COLUMNS)} ON case_history "
        f"WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in STEP_COLUMNS)} "
        f"BEGIN\n{body('OLD', -1)}\n{body('NEW', 1)}\nEND",
    ]


def _pg_day(moment: str) -> str:
    return f"({moment} + interval '7 hours')::date"


def _pg_step_row(table: str, key: str, row: str, sign: int, later: str = "") -> str:
    """One event's step (plpgsql): the row-wise twin of `_pg_step_set`. `later`: the
    statement's rows, of which those after this one (by id) are not counted yet."""
    pending = f" AND NOT EXISTS (SELECT 1 FROM {later} x WHERE x.id = h.id AND x.id > {row}.id)"
    own, other = _pg_day(f"{row}.changed_at"), _pg_day("first_at")
    keys = (key, "status", "day")
    gained = _add_counts(table, keys, f"VALUES ({row}.{key}, {row}.to_status, {own}, {sign})")
    lost = _add_counts(table, keys, f"VALUES ({row}.{key}, {row}.to_status, {other}, {-sign})")
    return (
        f"IF {row}.{key} IS NOT NULL AND {_STEP_EVENT.format(row=row)} THEN "
        f"SELECT min(h.changed_at) INTO first_at FROM case_history h "
        f"WHERE h.case_id = {row}.case_id AND h.{key} = {row}.{key} AND h.kind = {row}.kind "
        f"AND h.to_status = {row}.to_status AND h.id <> {row}.id{pending if later else ''}; "
        f"IF first_at IS NULL OR {own} < {other} THEN {gained} END IF; "
        f"IF first_at IS NOT NULL AND {own} < {other} THEN {lost} END IF; "
        "END IF;"
    )


def _pg_step_set(table: str, key: str, source: str, sign: int) -> str:
    """A whole statement's events at once (a COPY of a million): for each (case, key, step)
    it touched, the earliest day with and without them."""
    changed = f"{source} r WHERE r.{key} IS NOT NULL AND {_STEP_EVENT.format(row='r')}"
    # Inserted: the table holds them (with = all, without = not in the statement's rows);
    # deleted: it does not (without = all, with = all plus the statement's rows).
    if sign > 0:
        with_them, without = "min(h.changed_at)", "min(h.changed_at) FILTER (WHERE s.id IS NULL)"
        events = (
            "FROM touched t JOIN case_history h ON h.case_id = t.case_id "
            f"AND h.{key} = t.key AND h.kind = t.kind AND h.to_status = t.to_status "
            f"LEFT JOIN {source} s ON s.id = h.id"
        )
        grouped = f"SELECT t.key, t.to_status, {with_them} AS m1, {without} AS m0 {events}"
    else:
        grouped = (
            "SELECT t.key, t.to_status, least(min(h.changed_at), min(t.gone)) AS m1, "
            "min(h.changed_at) AS m0 FROM touched t LEFT JOIN case_history h ON "
            f"h.case_id = t.case_id AND h.{key} = t.key AND h.kind = t.kind "
            "AND h.to_status = t.to_status"
        )
    touched = (
        f"SELECT r.case_id, r.{key} AS key, r.kind, r.to_status, min(r.changed_at) AS gone "
        f"FROM {changed} GROUP BY 1, 2, 3, 4"
    )
    # m1: the earliest with the statement's rows, m0: without. The step counts on m1's day
    # with them and on m0's (if any) without: an insert moves it from m0's day to m1's, a
    # delete back; nothing moves when the day is the same.
    new_day, old_day = _pg_day("m1"), _pg_day("m0")
    summed = "SELECT key, to_status, day, sum(n) FROM moves GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    return (
        f"WITH touched AS ({touched}), "
        f"earliest AS ({grouped} GROUP BY t.case_id, t.key, t.kind, t.to_status), "
        f"moves AS (SELECT key, to_status, {new_day} AS day, {sign} AS n FROM earliest "
        f"WHERE m0 IS NULL OR {new_day} < {old_day} "
        f"UNION ALL SELECT key, to_status, {old_day}, {-sign} FROM earliest "
        f"WHERE m0 IS NOT NULL AND {new_day} < {old_day}) "
        f"{_add_counts(table, (key, 'status', 'day'), summed)}"
    )


def _pg_step_triggers() -> list[str]:
    few = 50  # up to this many events, one by one through the indexes (a desk save)
    one_by_one = "\n".join(
        _pg_step_row(t, k, "one", 1, later="new_rows") for t, k in STEP_DIMENSIONS
    )
    inserted = "\n".join(_pg_step_set(t, k, "new_rows", 1) for t, k in STEP_DIMENSIONS)
    deleted = "\n".join(_pg_step_set(t, k, "old_rows", -1) for t, k in STEP_DIMENSIONS)
    updated = "\n".join(
        [_pg_step_row(t, k, "OLD", -1) for t, k in STEP_DIMENSIONS]
        + [_pg_step_row(t, k, "NEW", 1) for t, k in STEP_DIMENSIONS]
    )
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in STEP_COLUMNS)
    insert, delete, update = STEP_TRIGGER_NAMES
    declare = "DECLARE one record; first_at timestamp;"
    return [
        "CREATE OR REPLACE FUNCTION history_steps_inserted() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ {declare} BEGIN\n{_pg_unless('new_rows', _STEP_EVENT.format(row='r'))}"
        f"IF (SELECT count(*) FROM new_rows) <= {few} THEN "
        f"FOR one IN SELECT * FROM new_rows ORDER BY id LOOP\n{one_by_one}\nEND LOOP; "
        f"ELSE\n{inserted}\nEND IF;\nRETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION history_steps_deleted() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN\n{_pg_unless('old_rows', _STEP_EVENT.format(row='r'))}"
        f"{deleted}\nRETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION history_steps_updated() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ {declare} BEGIN\n{updated}\nRETURN NULL; END $$",
        f"CREATE TRIGGER {insert} AFTER INSERT ON case_history REFERENCING NEW TABLE AS "
        "new_rows FOR EACH STATEMENT EXECUTE FUNCTION history_steps_inserted()",
        f"CREATE TRIGGER {delete} AFTER DELETE ON case_history REFERENCING OLD TABLE AS "
        "old_rows FOR EACH STATEMENT EXECUTE FUNCTION history_steps_deleted()",
        f"CREATE TRIGGER {update} AFTER UPDATE ON case_history FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION history_steps_updated()",
    ]


def trigger_sql(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return _pg_triggers() + _pg_step_triggers()
    return _sqlite_triggers() + _sqlite_step_triggers()


def install_triggers(connection: Connection) -> None:
    """Create the triggers (after dropping any left), in the caller's transaction."""
    drop_triggers(connection)
    for statement in trigger_sql(connection.dialect.name):
        connection.execute(text(statement))


_TRIGGERS = (  # (table, trigger names, PostgreSQL functions)
    ("cases", TRIGGER_NAMES, ("cases_counts_inserted", "cases_counts_deleted",
                                        "cases_counts_updated")),
    ("case_history", STEP_TRIGGER_NAMES, ("history_steps_inserted", "history_steps_deleted",
                                          "history_steps_updated")),
)  # fmt: skip


def drop_triggers(connection: Connection) -> None:
    postgresql = connection.dialect.name == "postgresql"
    for table, names, functions in _TRIGGERS:
        for name in names:
            suffix = f" ON {table}" if postgresql else ""
            connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{suffix}"))
        if postgresql:
            for function in functions:
                connection.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


def missing_triggers(connection: Connection) -> list[str]:
    """The count triggers this database lacks (none: every write keeps the counts)."""
    if connection.dialect.name == "postgresql":
        query = (
            "SELECT tgname FROM pg_trigger WHERE tgrelid IN "
            "('cases'::regclass, 'case_history'::regclass)"
        )
    else:
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name IN ('cases', 'case_history')"
        )
    present = {row[0] for row in connection.execute(text(query))}
    return [name for _t, names, _f in _TRIGGERS for name in names if name not in present]


def recount_sql(table: str, key: str, value: str) -> str:
    """The full computation of one table's counts from the cases (what a tally did before)."""
    return (
        f"SELECT {value.format(row='c')} AS {key}, c.activated_on, c.level, count(*) AS n "
        "FROM cases c WHERE c.activated_on IS NOT NULL GROUP BY 1, 2, 3"
    )


def step_recount_sql(key: str, dialect: str) -> str:
    """The steps recorded counted again from the history: each (case, key, step) on the
    local day of its earliest event."""
    day = (
        _pg_day("min(h.changed_at)")
        if dialect == "postgresql"
        else _sqlite_day("min(h.changed_at)")
    )
    first = (
        f"SELECT h.{key} AS key, h.to_status AS status, {day} AS day FROM case_history h "
        f"WHERE h.{key} IS NOT NULL AND {_STEP_EVENT.format(row='h')} "
        f"GROUP BY h.case_id, h.{key}, h.to_status"
    )
    return f"SELECT key, status, day, count(*) AS n FROM ({first}) f GROUP BY 1, 2, 3"


def rebuild(connection: Connection) -> None:
    """Every count computed again from the cases and their history, in the caller's
    transaction."""
    for table, key, value in DIMENSIONS:
        connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(
            text(
                f"INSERT INTO {table} ({key}, activated_on, level, n) "
                f"{recount_sql(table, key, value)}"
            )
        )
    for table, key in STEP_DIMENSIONS:
        connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(
            text(
                f"INSERT INTO {table} ({key}, status, day, n) "
                f"{step_recount_sql(key, connection.dialect.name)}"
            )
        )
