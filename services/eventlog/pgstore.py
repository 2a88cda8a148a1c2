"""Event logs in PostgreSQL (the team database): the analyses run where a team's events already live.

:func:`services.eventlog.conformance.analyse` takes a :class:`PostgresEventStore` as it takes the
workspace's DuckDB file: the queries are the same text, the store's dialect
(:data:`services.eventlog.dialect.POSTGRESQL`) fills in the few fragments that differ. DuckDB stays
the default everywhere in the app; this store is for running the analyses on PostgreSQL, and the
tests hold both engines to identical results.

Layout, in one schema of its own (``eventlog`` unless told otherwise, so the app's migrated tables and
Alembic never see these), the same as in the DuckDB file (:mod:`services.eventlog.store`):

- ``event_log`` — the catalogue, the columns of :data:`services.eventlog.store.LOG_COLUMNS` (the
  analyses read the id and the segment column names);
- ``events_<log id>`` — ``rowid`` (the order of the log: it breaks ties between a case's events at the
  same time, as DuckDB's own row number does), ``case_id``, ``ts`` (UTC), ``event``, ``channel``,
  ``seg_0`` …;
- ``event_mapping`` — per log and journey: event name → step id or role;
- ``seq_<log id>_<journey id>_…`` — the ordered sequences, built by the first analysis; drop them
  (:func:`services.eventlog.store.drop_sequences` with this store's cursor) when the mapping changes.

:func:`copy_log` puts a log of the DuckDB file there. Each unit of work (:meth:`PostgresEventStore.cursor`,
:meth:`PostgresEventStore.transaction`) opens its own connection: the analyses make a handful of queries
over a whole table, so connecting costs little beside them and no pool outlives a test's database.
psycopg is imported when a store is first used, so the app never needs it for DuckDB alone.
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from services.eventlog.dialect import POSTGRESQL, Dialect
from services.eventlog.store import LOG_COLUMNS, LOG_FIGURES, EventStore, drop_sequences, events_table, get_log, quote

COPY_BATCH = 50_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS event_log (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT localtimestamp,
    columns TEXT NOT NULL DEFAULT '{}',
    segments TEXT[] NOT NULL DEFAULT '{}',
""" + LOG_FIGURES + """
);
CREATE TABLE IF NOT EXISTS event_mapping (
    log_id INTEGER NOT NULL,
    journey_id INTEGER NOT NULL,
    event TEXT NOT NULL,
    step_id INTEGER,
    role TEXT NOT NULL DEFAULT 'step',
    PRIMARY KEY (log_id, journey_id, event)
);
"""

# result columns by PostgreSQL type name → the pandas dtype DuckDB's ``df()`` gives the same SQL type
# (without NULLs; with NULLs integers and booleans become pandas' nullable types, as DuckDB's do)
_DTYPES = {"int2": "int16", "int4": "int32", "int8": "int64", "float4": "float32", "float8": "float64",
           "numeric": "float64", "bool": "bool"}
_NULLABLE = {"int16": "Int16", "int32": "Int32", "int64": "Int64", "bool": "boolean"}
_TIMES = {"date", "timestamp"}


class PostgresCursor:
    """A psycopg cursor that answers like a DuckDB one: ``?`` parameters, ``execute`` returning the
    cursor, ``df()`` with DuckDB's dtypes, so the analyses' code needs no branch per engine.

    Parameters are bound on the client (psycopg's ``ClientCursor``): PostgreSQL refuses server-side
    parameters in ``CREATE TABLE … AS``. ``?`` is only ever a placeholder in the analyses' SQL (no
    ``?`` in their string literals), so it is translated to ``%s`` as is.
    """

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> "PostgresCursor":
        if params:
            self._cursor.execute(sql.replace("%", "%%").replace("?", "%s"), list(params))
        else:
            self._cursor.execute(sql)
        return self

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._cursor.executemany(sql.replace("%", "%%").replace("?", "%s"), list(rows))

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Load rows with ``COPY … FROM STDIN`` (many times faster than inserts)."""
        with self._cursor.copy(f"COPY {table} ({', '.join(quote(c) for c in columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def df(self) -> pd.DataFrame:
        """The result as a frame, typed as DuckDB would type it (so both engines' analyses compare)."""
        from psycopg.postgres import types

        description = self._cursor.description or []
        rows = self._cursor.fetchall()
        columns: dict[str, pd.Series] = {}
        for index, column in enumerate(description):
            values = pd.Series([row[index] for row in rows], dtype=object)
            info = types.get(column.type_code)
            name = info.name if info is not None else ""
            if name in _DTYPES:
                dtype = _DTYPES[name]
                if values.isna().any():
                    dtype = _NULLABLE.get(dtype, dtype)
                values = values.astype(dtype)
            elif name in _TIMES:
                values = pd.to_datetime(values).astype("datetime64[us]")
            elif len(values):
                values = pd.Series(values.tolist())  # text: pandas infers its string dtype (empty: object, as DuckDB's)
            columns[column.name] = values
        return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def _libpq_url(url: str) -> str:
    """psycopg takes ``postgresql://…``; the app's SQLAlchemy URLs name the driver (``postgresql+psycopg://``)."""
    return re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)


@dataclass(frozen=True)
class PostgresEventStore:
    """Event logs in one schema of a PostgreSQL database (see the module text)."""

    url: str
    schema: str = "eventlog"
    dialect: ClassVar[Dialect] = POSTGRESQL

    def _connect(self) -> Any:
        import psycopg

        connection = psycopg.connect(_libpq_url(self.url), autocommit=True, cursor_factory=psycopg.ClientCursor)
        connection.execute("SELECT set_config('search_path', %s, false), set_config('TimeZone', 'UTC', false)",
                           [quote(self.schema)])
        return connection

    @contextmanager
    def cursor(self) -> Iterator[PostgresCursor]:
        """A cursor on a connection of its own, each statement committed on its own (reads)."""
        connection = self._connect()
        try:
            yield PostgresCursor(connection.cursor())
        finally:
            connection.close()

    @contextmanager
    def transaction(self) -> Iterator[PostgresCursor]:
        """All or nothing: commit on success, roll back on any error."""
        connection = self._connect()
        try:
            with connection.transaction():
                yield PostgresCursor(connection.cursor())
        finally:
            connection.close()


def create_schema(store: PostgresEventStore) -> None:
    """Create the store's schema with the catalogue and the mapping table (nothing happens when they exist)."""
    with store.transaction() as cursor:
        cursor.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(store.schema)}")
        for statement in SCHEMA.split(";"):
            if statement.strip():
                cursor.execute(statement)


def copy_log(source: EventStore, target: PostgresEventStore, log_id: int) -> None:
    """Copy a log of the DuckDB file into PostgreSQL: its catalogue row, its events (with their ``rowid``)
    and its mappings, replacing what the target held for that log id; all or nothing."""
    log = get_log(source, log_id)
    table = events_table(log_id)
    segments = [f"seg_{i}" for i in range(len(log["segments"]))]
    columns = ["rowid", "case_id", "ts", "event", "channel", *segments]
    create_schema(target)
    with source.cursor() as duck, target.transaction() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        drop_sequences(cursor, log_id)
        cursor.execute("DELETE FROM event_mapping WHERE log_id = ?", [int(log_id)])
        cursor.execute("DELETE FROM event_log WHERE id = ?", [int(log_id)])
        cursor.execute(f"INSERT INTO event_log ({', '.join(LOG_COLUMNS)}) VALUES ({', '.join('?' for _ in LOG_COLUMNS)})",
                       [log[c] for c in LOG_COLUMNS])
        cursor.execute(f"CREATE TABLE {table} (rowid BIGINT NOT NULL, case_id TEXT NOT NULL, ts TIMESTAMP NOT NULL, "
                       f"event TEXT NOT NULL, channel TEXT{''.join(f', {s} TEXT' for s in segments)})")
        duck.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid")
        cursor.copy_rows(table, columns, _batches(duck))
        cursor.execute(f"ANALYZE {table}")  # the planner's statistics at once, not when autovacuum comes by
        rows = duck.execute("SELECT log_id, journey_id, event, step_id, role FROM event_mapping WHERE log_id = ?",
                            [int(log_id)]).fetchall()
        if rows:
            cursor.executemany("INSERT INTO event_mapping VALUES (?, ?, ?, ?, ?)", rows)


def _batches(cursor: Any) -> Iterator[tuple[Any, ...]]:
    """The rows of a DuckDB result, fetched a batch at a time (a large log never sits in memory whole)."""
    while batch := cursor.fetchmany(COPY_BATCH):
        yield from batch
