"""Fast bulk inserts for large synthetic or imported batches.

SQLAlchemy's executemany processes every bound value in Python; for hundreds of
thousands of rows that dominates. Here values are prepared once per dialect and
handed to the driver's own executemany, with the statement SQLAlchemy compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Date, DateTime, Table, text

from models import activation_counts
from models.base import UTCDateTime

_T = TypeVar("_T")
# Values a statement's IN list takes at a time: far below the bound-parameter limits of
# SQLite (32,766) and PostgreSQL (65,535), and small enough to keep each statement quick.
IN_SLICE = 500


def in_slices(values: Sequence[_T], size: int = IN_SLICE) -> Iterator[Sequence[_T]]:
    """`values` in consecutive slices of at most `size`, one IN list a statement."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _sqlite_value(value: Any) -> Any:
    # The text formats SQLAlchemy's SQLite dialect writes and reads back.
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        # Without the "+00:00" that an aware UTC moment prints.
        return (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat(
            " ", "microseconds"
        )[:-6]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _generic_value(value: Any) -> Any:
    # UTCDateTime columns hold naive UTC everywhere.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def driver_value(dialect_name: str) -> Callable[[Any], Any]:
    """How `bulk_insert` hands a date or time value to this dialect's driver (any other value
    as it is). A value converted beforehand passes through `bulk_insert` unchanged: an
    import's second process converts the rows it builds."""
    return _sqlite_value if dialect_name == "sqlite" else _generic_value


def timed_columns(table: Table, columns: Sequence[str]) -> list[int]:
    """The positions of the date and time columns among `columns` (what `driver_value`
    converts)."""
    return [
        index
        for index, name in enumerate(columns)
        if isinstance(table.c[name].type, Date | DateTime | UTCDateTime)
    ]


_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":{n}"}


def bulk_insert(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    converted: bool = False,
) -> None:
    """Insert `rows` (tuples in `columns` order) into `table` in one driver executemany
    (COPY on PostgreSQL). `converted`: their date and time values are in the driver's form
    already (`driver_value`).

    Every NOT NULL column must be among `columns`: no Python-side defaults apply here.
    """
    if not rows:
        return
    # Only date and time columns need converting; the rest go to the driver as they are.
    timed = [] if converted else timed_columns(table, columns)
    preparer = connection.dialect.identifier_preparer
    # Names come from the table definition, values are bound: no injection here.
    target = (
        f"{preparer.format_table(table)} ({', '.join(preparer.quote(name) for name in columns)})"
    )
    params = rows
    if timed:
        convert = driver_value(connection.dialect.name)
        params = []
        for row in rows:
            values = list(row)
            for index in timed:
                values[index] = convert(values[index])
            params.append(values)
    cursor = connection.connection.cursor()
    try:
        if connection.dialect.name == "postgresql":
            # COPY streams the rows in one command: several times faster than executemany.
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row_values in params:
                    copy.write_row(row_values)
        else:
            style = connection.dialect.paramstyle
            if style not in _PLACEHOLDERS:
                raise NotImplementedError(f"paramstyle {style}")
            marks = ", ".join(_PLACEHOLDERS[style].format(n=i + 1) for i in range(len(columns)))
            cursor.executemany(f"INSERT INTO {target} VALUES ({marks})", params)  # noqa: S608
    finally:
        cursor.close()


def advance_id_sequences(connection: Connection, tables: Sequence[Table]) -> None:
    """After rows were inserted with explicit ids: move PostgreSQL's id sequences past them,
    or the next ordinary insert would be given an id that is already taken.
    (SQLite takes max(rowid) + 1 by itself.)"""
    if connection.dialect.name != "postgresql":
        return
    for table in tables:
        name = connection.dialect.identifier_preparer.format_table(table)
        # Names come from the table definition: no injection here.
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "  # noqa: S608
                f"coalesce(max(id), 0) + 1, false) FROM {name}"
            ),
            {"table": table.name},
        )


# SQLite's page cache during a large load, in MiB (32 otherwise: `models.database`). The
# random parts of a load (unique keys, names, phones, event uids, fact-set digests) land
# all over their indexes; with too small a cache SQLite writes pages out mid-transaction
# and reads them back: at 600,000 rows of a spreadsheet that cost a fifth of the import.
LARGE_LOAD_CACHE_MIB = 128


@contextmanager
def large_page_cache(connection: Connection, mib: int = LARGE_LOAD_CACHE_MIB) -> Iterator[None]:
    """SQLite: a page cache of `mib` MiB on this connection for the block, then the one it
    had. The cache grows only as pages are used: a small load costs nothing more."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    before = int(driver.execute("PRAGMA cache_size").fetchone()[0])
    driver.execute(f"PRAGMA cache_size=-{int(mib) * 1024}")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA cache_size={before}")


# From this many incoming rows on, and more than the tables hold already, indexes are
# rebuilt once rather than grown row by row (`indexes_set_aside_for_large_load`).
LARGE_LOAD = 50_000


@contextmanager
def indexes_set_aside_for_large_load(
    connection: Connection, tables: Sequence[Table], incoming: int, existing: int
) -> Iterator[None]:
    """`indexes_set_aside` when `incoming` rows are a large load onto `existing` ones (the
    province merging a district, a first import of a whole province's sheet); otherwise
    nothing: a small batch into a big table is cheaper through the indexes as they are."""
    if incoming >= LARGE_LOAD and incoming > existing:
        with indexes_set_aside(connection, tables):
            yield
    else:
        yield


KEPT_DURING_LOADS = frozenset({"ix_case_history_case"})


@contextmanager
def indexes_set_aside(connection: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Drop the tables' secondary indexes (and the kept counts' triggers, see
    `models.activation_counts`) for a large load and build them again after.

    Building an index once over sorted data is much faster than growing it row by row
    in random order. Unique constraints stay in place (they guard the data). On SQLite
    and PostgreSQL the DDL is transactional: a failed load leaves the indexes as they were.
    """
    # The history's index by case stays: a merge looks the histories of the cases it meets
    # up batch by batch, and without it each look-up reads the whole history (at 600,000
    # cases that was most of a package import).
    indexes = [
        index for table in tables for index in table.indexes if index.name not in KEPT_DURING_LOADS
    ]
    # The kept counts' triggers go too, and the counts are computed again once after:
    # one GROUP BY over the loaded tables instead of a trigger's work per batch (which,
    # without the indexes, would read the whole history again for every batch).
    counted = {"cases", "case_history"} & {table.name for table in tables}
    if counted:
        activation_counts.drop_triggers(connection)
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
    if counted:
        activation_counts.rebuild(connection)
        activation_counts.install_triggers(connection)
