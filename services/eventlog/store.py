"""The analytical store: one DuckDB file per workspace beside the app database.

Layout of ``workspace-<id>.duckdb``:

- ``event_log`` — one row per imported log: name, source, column mapping, segment column names,
  row and case counts, the bad rows counted by reason, first and last event time;
- ``events_<log id>`` — the log's events: ``case_id``, ``ts`` (UTC), ``event``, ``channel`` and the
  segment columns ``seg_0`` … (their names are in ``event_log.segments``);
- ``bad_row`` — a sample of the refused rows of each log (reason, line, the text), so users see them;
- ``event_mapping`` — per journey and log: event name → step id, or the role ``error`` (an abort or
  error event), or unmapped (role ``""``);
- ``seq_<log id>_<journey id>_ev`` / ``…_visit`` / ``…_case`` — the log's events ordered per case under that
  journey's mapping, kept until the mapping changes (the analyses aggregate over them).

The folder is ``EVENTLOG_DIR`` if set, else ``eventlogs/`` beside the SQLite database file (the
``data/`` folder for a server database). DuckDB allows one writing process per file: with several
app servers, point ``EVENTLOG_DIR`` at a per-server folder or run the analyses where the events live.
Within the process one connection per file is kept, and every unit of work uses its own cursor.
"""

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pandas as pd

from models.db import DEFAULT_DATABASE_PATH, database_url
from services.core import N_, NotFoundError
from services.eventlog.dialect import DUCKDB, Dialect, SqlStore

MEMORY_LIMIT = os.environ.get("EVENTLOG_MEMORY_LIMIT", "1GB")
BAD_ROW_SAMPLE = 100

# a log's figures in the catalogue: the same columns on both engines (also :mod:`services.eventlog.pgstore`)
LOG_FIGURES = """    rows BIGINT NOT NULL DEFAULT 0,
    cases BIGINT NOT NULL DEFAULT 0,
    events BIGINT NOT NULL DEFAULT 0,
    bad_time BIGINT NOT NULL DEFAULT 0,
    bad_case BIGINT NOT NULL DEFAULT 0,
    bad_event BIGINT NOT NULL DEFAULT 0,
    bad_lines BIGINT NOT NULL DEFAULT 0,
    first_ts TIMESTAMP,
    last_ts TIMESTAMP"""

SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS event_log_ids START 1;
CREATE TABLE IF NOT EXISTS event_log (
    id INTEGER PRIMARY KEY DEFAULT nextval('event_log_ids'),
    name VARCHAR NOT NULL,
    source VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
    columns VARCHAR NOT NULL DEFAULT '{}',
    segments VARCHAR[] NOT NULL DEFAULT [],
""" + LOG_FIGURES + """
);
CREATE TABLE IF NOT EXISTS bad_row (
    log_id INTEGER NOT NULL,
    reason VARCHAR NOT NULL,
    line BIGINT,
    text VARCHAR
);
CREATE TABLE IF NOT EXISTS event_mapping (
    log_id INTEGER NOT NULL,
    journey_id INTEGER NOT NULL,
    event VARCHAR NOT NULL,
    step_id INTEGER,
    role VARCHAR NOT NULL DEFAULT 'step',
    PRIMARY KEY (log_id, journey_id, event)
);
"""

_lock = threading.Lock()
_connections: dict[Path, duckdb.DuckDBPyConnection] = {}


def eventlog_directory() -> Path:
    """Where the DuckDB files live: ``EVENTLOG_DIR``, else beside the SQLite file, else ``data/eventlogs``."""
    configured = os.environ.get("EVENTLOG_DIR")
    if configured:
        return Path(configured)
    url = database_url()
    if url.startswith("sqlite") and "///" in url:
        path = url.split("///", 1)[1].split("?", 1)[0]
        if path and path != ":memory:":
            return Path(path).resolve().parent / "eventlogs"
    return DEFAULT_DATABASE_PATH.parent / "eventlogs"


def events_table(log_id: int) -> str:
    """The name of a log's events table (``log_id`` is an integer, so the name is safe to splice)."""
    return f"events_{int(log_id)}"


def sequence_tables(log_id: int, journey_id: int) -> tuple[str, str, str]:
    """The names of a log's ordered sequences under one journey's mapping (events, visits, cases), see
    :func:`services.eventlog.conformance.build_sequences`."""
    stem = f"seq_{int(log_id)}_{int(journey_id)}"
    return f"{stem}_ev", f"{stem}_visit", f"{stem}_case"


def drop_sequences(cursor: Any, log_id: int, journey_id: int | None = None) -> None:
    """Forget a log's sequences (for one journey, or all): the next analysis rebuilds them.

    ``cursor`` is a DuckDB cursor or a :class:`services.eventlog.pgstore.PostgresCursor` (the same SQL).
    """
    pattern = f"seq\\_{int(log_id)}\\_{int(journey_id)}\\_%" if journey_id is not None else f"seq\\_{int(log_id)}\\_%"
    tables = cursor.execute("SELECT table_name FROM information_schema.tables "
                            "WHERE table_schema = current_schema() AND table_name LIKE ? ESCAPE '\\'", [pattern]).fetchall()
    for (table,) in tables:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")


def quote(name: str) -> str:
    """A SQL identifier in double quotes (column names come from users' files)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class EventStore:
    """The event logs of one workspace."""

    path: Path
    workspace_id: int
    dialect: ClassVar[Dialect] = DUCKDB

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor on the process's connection to this file (its own transaction and temp tables)."""
        cursor = _connection(self.path).cursor()
        try:
            cursor.execute("SET TimeZone = 'UTC'")
            yield cursor
        finally:
            cursor.close()

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: commit on success, roll back on any error."""
        with self.cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def frame(self, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
        with self.cursor() as cursor:
            return cursor.execute(sql, params or []).df()


def _connection(path: Path) -> duckdb.DuckDBPyConnection:
    with _lock:
        connection = _connections.get(path)
        if connection is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = duckdb.connect(str(path), config={"memory_limit": MEMORY_LIMIT})
            connection.execute(SCHEMA)
            _connections[path] = connection
        return connection


def open_store(workspace_id: int, directory: Path | None = None) -> EventStore:
    """The store of ``workspace_id`` (the file is created with its schema on first use)."""
    folder = Path(directory) if directory is not None else eventlog_directory()
    path = (folder / f"workspace-{int(workspace_id)}.duckdb").resolve()
    _connection(path)
    return EventStore(path, int(workspace_id))


def close_all() -> None:
    """Close every open file (tests and benchmarks that delete their folders)."""
    with _lock:
        for connection in _connections.values():
            connection.close()
        _connections.clear()


# --- the log catalogue -----------------------------------------------------------------------------

LOG_COLUMNS = ("id", "name", "source", "created_at", "segments", "rows", "cases", "events", "bad_time", "bad_case",
               "bad_event", "bad_lines", "first_ts", "last_ts")


def list_logs(store: EventStore) -> pd.DataFrame:
    """Every log of the workspace, newest first, with ``bad`` = all refused rows."""
    frame = store.frame(f"SELECT {', '.join(LOG_COLUMNS)} FROM event_log ORDER BY id DESC")
    frame["bad"] = frame[["bad_time", "bad_case", "bad_event", "bad_lines"]].sum(axis=1).astype("int64")
    return frame


def get_log(store: SqlStore, log_id: int) -> dict[str, Any]:
    with store.cursor() as cursor:
        row = cursor.execute(f"SELECT {', '.join(LOG_COLUMNS)} FROM event_log WHERE id = ?", [int(log_id)]).fetchone()
    if row is None:
        raise NotFoundError(N_("This event log no longer exists."))
    return dict(zip(LOG_COLUMNS, row, strict=True))


def bad_rows(store: EventStore, log_id: int) -> pd.DataFrame:
    """The sample of refused rows (up to 100 per reason): reason, line (when known), text."""
    return store.frame("SELECT reason, line, text FROM bad_row WHERE log_id = ? ORDER BY reason, line NULLS LAST",
                       [int(log_id)])


def delete_log(store: EventStore, log_id: int) -> None:
    """Delete a log with its events, its bad-row sample and its mappings."""
    get_log(store, log_id)
    with store.transaction() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {events_table(log_id)}")
        drop_sequences(cursor, log_id)
        for table in ("bad_row", "event_mapping"):
            cursor.execute(f"DELETE FROM {table} WHERE log_id = ?", [int(log_id)])
        cursor.execute("DELETE FROM event_log WHERE id = ?", [int(log_id)])
    with store.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # give the space back to the file


def segment_values(store: EventStore, log_id: int, limit: int = 200) -> dict[str, list[str]]:
    """The values of each segment column (the most frequent ``limit``), for the filter widgets."""
    log = get_log(store, log_id)
    values: dict[str, list[str]] = {}
    with store.cursor() as cursor:
        for index, name in enumerate(log["segments"]):
            rows = cursor.execute(
                f"SELECT seg_{index} FROM {events_table(log_id)} WHERE seg_{index} IS NOT NULL "
                f"GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT {int(limit)}"
            ).fetchall()
            values[name] = [r[0] for r in rows]
    return values


