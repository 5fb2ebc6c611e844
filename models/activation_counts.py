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
edited by hand (`services.tally.verify` finds any difference and `rebuild_sql` puts it
right). A schema change that rebuilds `cases` on SQLite (Alembic's batch mode copies the
table) drops its triggers: such a migration must call `install_triggers` again.
"""

# Every name put into SQL here is one of this module's constants; values never are.
# ruff: noqa: S608

from __future__ import annotations

from sqlalchemy import Connection, text

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

TRIGGER_NAMES = {
    "sqlite": ("trg_cases_counts_insert", "trg_cases_counts_delete", "trg_cases_counts_update"),
    "postgresql": ("trg_cases_counts_insert", "trg_cases_counts_delete", "trg_cases_counts_update"),
}


def _sqlite_upsert(table: str, key: str, key_value: str, day: str, level: str, delta: str) -> str:
    # "WHERE true" parts the SELECT from the upsert's ON (SQLite's documented ambiguity).
    return (
        f"INSERT INTO {table} ({key}, activated_on, level, n) "
        f"SELECT {key_value}, {day}, {level}, {delta} WHERE {day} IS NOT NULL "
        f"ON CONFLICT ({key}, activated_on, level) DO UPDATE SET n = n + excluded.n;"
    )


def _sqlite_triggers() -> list[str]:
    def body(row: str, delta: str) -> str:
        return "\n".join(
            _sqlite_upsert(
                table, key, value.format(row=row), f"{row}.activated_on", f"{row}.level", delta
            )
            for table, key, value in DIMENSIONS
        )

    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COUNTED_COLUMNS)
    insert, delete, update = TRIGGER_NAMES["sqlite"]
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
    return (
        f"INSERT INTO {table} ({key}, activated_on, level, n) "
        f"SELECT {value.format(row='r')}, r.activated_on, r.level, {sign}count(*) "
        f"FROM {source} r WHERE r.activated_on IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 "
        f"ON CONFLICT ({key}, activated_on, level) DO UPDATE SET n = {table}.n + excluded.n;"
    )


def _pg_row(table: str, key: str, value: str, row: str, sign: str) -> str:
    return (
        f"IF {row}.activated_on IS NOT NULL THEN "
        f"INSERT INTO {table} ({key}, activated_on, level, n) "
        f"VALUES ({value.format(row=row)}, {row}.activated_on, {row}.level, {sign}1) "
        f"ON CONFLICT ({key}, activated_on, level) DO UPDATE SET n = {table}.n + excluded.n; "
        "END IF;"
    )


def _pg_triggers() -> list[str]:
    inserted = "\n".join(_pg_grouped(t, k, v, "new_rows", "") for t, k, v in DIMENSIONS)
    deleted = "\n".join(_pg_grouped(t, k, v, "old_rows", "-") for t, k, v in DIMENSIONS)
    updated = "\n".join(
        [_pg_row(t, k, v, "OLD", "-") for t, k, v in DIMENSIONS]
        + [_pg_row(t, k, v, "NEW", "") for t, k, v in DIMENSIONS]
    )
    changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COUNTED_COLUMNS)
    insert, delete, update = TRIGGER_NAMES["postgresql"]
    return [
        "CREATE OR REPLACE FUNCTION cases_counts_inserted() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN\n{inserted}\nRETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION cases_counts_deleted() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN\n{deleted}\nRETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION cases_counts_updated() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN\n{updated}\nRETURN NULL; END $$",
        f"CREATE TRIGGER {insert} AFTER INSERT ON cases REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION cases_counts_inserted()",
        f"CREATE TRIGGER {delete} AFTER DELETE ON cases REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION cases_counts_deleted()",
        f"CREATE TRIGGER {update} AFTER UPDATE ON cases FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION cases_counts_updated()",
    ]


def trigger_sql(dialect: str) -> list[str]:
    return _pg_triggers() if dialect == "postgresql" else _sqlite_triggers()


def install_triggers(connection: Connection) -> None:
    """Create the triggers (after dropping any left), in the caller's transaction."""
    drop_triggers(connection)
    for statement in trigger_sql(connection.dialect.name):
        connection.execute(text(statement))


def drop_triggers(connection: Connection) -> None:
    dialect = connection.dialect.name
    for name in TRIGGER_NAMES.get(dialect, TRIGGER_NAMES["sqlite"]):
        suffix = " ON cases" if dialect == "postgresql" else ""
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}{suffix}"))
    if dialect == "postgresql":
        for function in ("cases_counts_inserted", "cases_counts_deleted", "cases_counts_updated"):
            connection.execute(text(f"DROP FUNCTION IF EXISTS {function}()"))


def missing_triggers(connection: Connection) -> list[str]:
    """The count triggers this database lacks (none: every write keeps the counts)."""
    dialect = connection.dialect.name
    names = TRIGGER_NAMES.get(dialect, TRIGGER_NAMES["sqlite"])
    if dialect == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE tgrelid = 'cases'::regclass"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases'"
    present = {row[0] for row in connection.execute(text(query))}
    return [name for name in names if name not in present]


def recount_sql(table: str, key: str, value: str) -> str:
    """The full computation of one table's counts from the cases (what a tally did before)."""
    return (
        f"SELECT {value.format(row='c')} AS {key}, c.activated_on, c.level, count(*) AS n "
        "FROM cases c WHERE c.activated_on IS NOT NULL GROUP BY 1, 2, 3"
    )


def rebuild(connection: Connection) -> None:
    """Every count computed again from the cases, in the caller's transaction."""
    for table, key, value in DIMENSIONS:
        # Names are this module's constants: no injection here.
        connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(
            text(
                f"INSERT INTO {table} ({key}, activated_on, level, n) "
                f"{recount_sql(table, key, value)}"
            )
        )
