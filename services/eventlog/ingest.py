"""Import an event log: CSV (UTF-8, UTF-16, Windows-1252/Latin-1) or Parquet, streamed by DuckDB.

The user maps the file's columns once per log (case id, timestamp, event name; optionally channel and
segment columns such as platform or acquisition channel). DuckDB reads the file in parallel chunks
straight into the log's table, so memory stays bounded (``EVENTLOG_MEMORY_LIMIT``); the import runs in
a worker thread while the caller's thread reports DuckDB's progress through ``progress(fraction)``.

Nothing is dropped silently: rows without a case id, with an unreadable time or without an event
name, and lines the CSV reader cannot split, are counted per reason and a sample is kept
(:func:`services.eventlog.store.bad_rows`). An import is all or nothing.

Times are read as ISO 8601 (with or without offset; offsets are converted to UTC), as German dates
(``31.12.2026 14:05[:30]``) or as Unix seconds.
"""

import codecs
import csv
import io
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from services.core import N_, DomainError
from services.eventlog.store import BAD_ROW_SAMPLE, EventStore, events_table, get_log, quote

Progress = Callable[[float], None]
SAMPLE_BYTES = 1 << 20
PARQUET_MAGIC = b"PAR1"
ENCODINGS = ("auto", "utf-8", "utf-16", "cp1252", "latin-1")
MAX_SEGMENTS = 5
SQL_IMPORT_SWITCH = "EVENTLOG_SQL_IMPORT"  # "on" lets users read events through a connection URL they type

GUESSES = {
    "case": ("case_id", "case", "customer_id", "customer", "session_id", "session", "user_id", "user", "kunde", "kunden_id",
             "kundennummer", "fall", "visitor_id", "client_id"),
    "time": ("timestamp", "ts", "time", "event_time", "datetime", "date", "zeit", "zeitpunkt", "datum", "created_at"),
    "event": ("event", "event_name", "activity", "action", "name", "ereignis", "aktion", "aktivität"),
    "channel": ("channel", "kanal", "source", "medium"),
}


@dataclass(frozen=True)
class ColumnMapping:
    """Which column of the file holds what."""

    case: str
    time: str
    event: str
    channel: str | None = None
    segments: tuple[str, ...] = field(default_factory=tuple)

    def check(self, columns: list[str]) -> None:
        chosen = [self.case, self.time, self.event, *([self.channel] if self.channel else []), *self.segments]
        for name in chosen:
            if name not in columns:
                raise DomainError(N_("The file has no column “{column}”."), field="columns", column=name)
        if len(set(chosen)) != len(chosen):
            raise DomainError(N_("Each column can be used for one purpose only."), field="columns")
        if len(self.segments) > MAX_SEGMENTS:
            raise DomainError(N_("At most {count} segment columns."), field="segments", count=MAX_SEGMENTS)

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case, "time": self.time, "event": self.event, "channel": self.channel,
                "segments": list(self.segments)}


@dataclass(frozen=True)
class Preview:
    """The first rows of a file as text, and how it will be read."""

    kind: str  # "csv" or "parquet"
    columns: list[str]
    rows: pd.DataFrame
    encoding: str | None = None
    separator: str | None = None


def is_parquet(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(4) == PARQUET_MAGIC


def detect_encoding(sample: bytes) -> str:
    """BOM, else UTF-8 if the sample is valid UTF-8, else Windows-1252 (as the spreadsheet import does)."""
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _separator(header: str) -> str:
    return max((";", "\t", ",", "|"), key=header.count) if any(s in header for s in ";\t,|") else ","


def _sql_string(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _utf8_copy(path: Path, encoding: str, folder: Path) -> Path:
    """Transcode ``path`` to a UTF-8 file in ``folder`` chunk by chunk (DuckDB reads UTF-8 itself)."""
    handle, name = tempfile.mkstemp(suffix=".csv", dir=folder)
    with open(path, encoding=encoding, errors="strict", newline="") as source, open(handle, "w", encoding="utf-8",
                                                                                      newline="") as target:
        while chunk := source.read(1 << 22):
            target.write(chunk)
    return Path(name)


def _header(text: str, separator: str) -> list[str]:
    """The header's column names (the CSV module's reading; duplicates and blanks get a number, as DuckDB names them)."""
    cells = next(csv.reader(io.StringIO(text), delimiter=separator), [])
    names: list[str] = []
    for index, cell in enumerate(cells):
        name = cell.strip() or f"column{index}"
        base, n = name, 0
        while name in names:
            n += 1
            name = f"{base}_{n}"
        names.append(name)
    return names


def _csv_source(path: Path, separator: str, header: list[str], *, rejects: str | None = None) -> str:
    """DuckDB's CSV reader with the columns fixed to the header's (all text), so no row can redefine them."""
    columns = ", ".join(f"{_sql_string(name)}: 'VARCHAR'" for name in header)
    options = ["auto_detect=false", f"delim={_sql_string(separator)}", "header=true", f"columns={{{columns}}}", "quote='\"'", "escape='\"'"]
    options.append("ignore_errors=true")
    if rejects:
        options += ["store_rejects=true", f"rejects_table='{rejects}'", f"rejects_scan='{rejects}_scan'"]
    return f"read_csv({_sql_string(str(path))}, {', '.join(options)})"


def preview(path: Path, *, encoding: str = "auto", rows: int = 20) -> Preview:
    """The columns and first ``rows`` rows of a CSV or Parquet file, as text."""
    path = Path(path)
    if encoding not in ENCODINGS:
        raise DomainError(N_("Unknown encoding “{encoding}”."), field="encoding", encoding=encoding)
    connection = duckdb.connect()
    try:
        if is_parquet(path):
            frame = connection.execute(f"SELECT * FROM read_parquet({_sql_string(str(path))}) LIMIT {int(rows)}").df()
            return Preview("parquet", [str(c) for c in frame.columns], frame.astype("string"))
        with open(path, "rb") as handle:
            sample = handle.read(SAMPLE_BYTES)
        if not sample.strip():
            raise DomainError(N_("The file is empty."), field="file")
        used = detect_encoding(sample) if encoding == "auto" else encoding
        text = sample.decode("utf-16" if used == "utf-16" else used, errors="replace").lstrip("\ufeff")
        separator = _separator(text.splitlines()[0] if text.splitlines() else "")
        header = _header(text, separator)
        source = path
        if used not in ("utf-8",):
            source = path.with_name(path.name + ".utf8.csv")
            with open(source, "w", encoding="utf-8") as handle:
                handle.write(text.rsplit("\n", 1)[0] + "\n" if "\n" in text else text)
        try:
            frame = connection.execute(f"SELECT * FROM {_csv_source(source, separator, header)} LIMIT {int(rows)}").df()
        except duckdb.Error as err:
            raise DomainError(N_("The file cannot be read as CSV: {reason}"), field="file", reason=str(err)[:200]) from None
        finally:
            if source != path:
                source.unlink(missing_ok=True)
        return Preview("csv", header, frame.astype("string"), used, separator)
    finally:
        connection.close()


def guess_columns(columns: list[str]) -> dict[str, str | None]:
    """A first guess of the mapping from usual column names (case, time, event, channel)."""
    normalised = {c.strip().lower().replace(" ", "_").replace("-", "_"): c for c in columns}
    guess: dict[str, str | None] = {}
    taken: set[str] = set()
    for role, names in GUESSES.items():
        found = next((normalised[n] for n in names if n in normalised and normalised[n] not in taken), None)
        guess[role] = found
        if found:
            taken.add(found)
    return guess


def _time_expression(column: str) -> str:
    text = f"trim(CAST({quote(column)} AS VARCHAR))"
    return (f"coalesce(timezone('UTC', try_cast({text} AS TIMESTAMPTZ)), "
            f"try_strptime({text}, ['%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d.%m.%Y']), "
            f"CASE WHEN regexp_full_match({text}, '\\d{{9,10}}') THEN timezone('UTC', to_timestamp(CAST({text} AS BIGINT))) END)")


def _text(column: str | None) -> str:
    return f"nullif(trim(CAST({quote(column)} AS VARCHAR)), '')" if column else "CAST(NULL AS VARCHAR)"


def _select(source: str, columns: ColumnMapping) -> str:
    """Read ``source`` into the events table's columns, with ``bad`` (the reason) and ``raw`` for refused rows."""
    case, event, ts = _text(columns.case), _text(columns.event), _time_expression(columns.time)
    segments = "".join(f", {_text(name)} AS seg_{i}" for i, name in enumerate(columns.segments))
    raw = " || ' | ' || ".join(f"coalesce(CAST({quote(c)} AS VARCHAR), '')" for c in (columns.case, columns.time, columns.event))
    return f"""
        SELECT case_id, ts, event, channel{''.join(f', seg_{i}' for i in range(len(columns.segments)))}, bad,
               CASE WHEN bad IS NOT NULL THEN raw END AS raw
        FROM (
            SELECT {case} AS case_id, {ts} AS ts, {event} AS event, {_text(columns.channel)} AS channel{segments},
                   CASE WHEN {case} IS NULL THEN 'case' WHEN {ts} IS NULL THEN 'time' WHEN {event} IS NULL THEN 'event' END AS bad,
                   {raw} AS raw
            FROM {source}
        )"""


def _create_table(cursor: duckdb.DuckDBPyConnection, log_id: int, segments: int) -> None:
    columns = "".join(f", seg_{i} VARCHAR" for i in range(segments))
    cursor.execute(f"CREATE TABLE {events_table(log_id)} (case_id VARCHAR, ts TIMESTAMP, event VARCHAR, channel VARCHAR"
                   f"{columns}, bad VARCHAR, raw VARCHAR)")


def _run_with_progress(cursor: duckdb.DuckDBPyConnection, sql: str, progress: Progress | None) -> None:
    """Run ``sql`` in a worker thread; report DuckDB's query progress (0…1) from this thread."""
    if progress is None:
        cursor.execute(sql)
        return
    cursor.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0")
    failure: list[BaseException] = []

    def work() -> None:
        try:
            cursor.execute(sql)
        except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
            failure.append(err)

    worker = threading.Thread(target=work, name="eventlog-import", daemon=True)
    worker.start()
    while worker.is_alive():
        done = cursor.query_progress()
        if done >= 0:
            progress(min(done, 99.0) / 100)
        worker.join(0.2)
    if failure:
        raise failure[0]
    progress(1.0)


def _finish(cursor: duckdb.DuckDBPyConnection, log_id: int, rejects: str | None) -> None:
    """Count and sample the refused rows, remove them from the events, store the figures on the log."""
    table = events_table(log_id)
    cursor.execute(f"""
        INSERT INTO bad_row SELECT ?, bad, NULL, raw FROM (
            SELECT bad, raw, row_number() OVER (PARTITION BY bad) AS n FROM {table} WHERE bad IS NOT NULL
        ) WHERE n <= {BAD_ROW_SAMPLE}""", [log_id])
    counts = dict(cursor.execute(f"SELECT bad, count(*) FROM {table} WHERE bad IS NOT NULL GROUP BY bad").fetchall())
    bad_lines = 0
    if rejects:
        bad_lines = cursor.execute(f"SELECT count(*) FROM {rejects}").fetchone()[0]
        cursor.execute(f"INSERT INTO bad_row SELECT ?, 'line', line, csv_line FROM {rejects} ORDER BY line LIMIT {BAD_ROW_SAMPLE}",
                       [log_id])
    cursor.execute(f"DELETE FROM {table} WHERE bad IS NOT NULL")
    events, cases, first, last = cursor.execute(
        f"SELECT count(*), count(DISTINCT case_id), min(ts), max(ts) FROM {table}").fetchone()
    bad_total = sum(counts.values())
    cursor.execute(
        "UPDATE event_log SET rows = ?, events = ?, cases = ?, bad_time = ?, bad_case = ?, bad_event = ?, bad_lines = ?, "
        "first_ts = ?, last_ts = ? WHERE id = ?",
        [events + bad_total + bad_lines, events, cases, counts.get("time", 0), counts.get("case", 0), counts.get("event", 0),
         bad_lines, first, last, log_id])


def _new_log(cursor: duckdb.DuckDBPyConnection, name: str, source: str, columns: ColumnMapping) -> int:
    name = name.strip()
    if not name:
        raise DomainError(N_("Give the log a name."), field="name")
    if cursor.execute("SELECT 1 FROM event_log WHERE name = ?", [name]).fetchone():
        raise DomainError(N_("A log named “{name}” exists already."), field="name", name=name)
    return cursor.execute(
        "INSERT INTO event_log (name, source, columns, segments) VALUES (?, ?, ?, ?) RETURNING id",
        [name, source, json.dumps(columns.as_dict()), list(columns.segments)]).fetchone()[0]


def import_log(store: EventStore, path: Path, name: str, columns: ColumnMapping, *, encoding: str = "auto",
               source: str | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Import the CSV or Parquet file at ``path`` as a new log; returns the log's catalogue row."""
    path = Path(path)
    found = preview(path, encoding=encoding, rows=1)
    columns.check(found.columns)
    transcoded: Path | None = None
    rejects = None
    if found.kind == "parquet":
        reader = f"read_parquet({_sql_string(str(path))})"
    else:
        if found.encoding != "utf-8":
            transcoded = _utf8_copy(path, "utf-16" if found.encoding == "utf-16" else found.encoding, store.path.parent)
        rejects = f"rejects_{int(time.time() * 1000)}"
        reader = _csv_source(transcoded or path, found.separator or ",", found.columns, rejects=rejects)
    try:
        with store.transaction() as cursor:
            log_id = _new_log(cursor, name, source if source is not None else path.name, columns)
            _create_table(cursor, log_id, len(columns.segments))
            try:
                _run_with_progress(cursor, f"INSERT INTO {events_table(log_id)} {_select(reader, columns)}", progress)
            except duckdb.Error as err:
                raise DomainError(N_("The file cannot be read: {reason}"), field="file", reason=str(err)[:300]) from None
            _finish(cursor, log_id, rejects)
    except UnicodeDecodeError:
        raise DomainError(N_("The file cannot be read as {encoding}: choose another encoding (or “detect”)."),
                          field="encoding", encoding=found.encoding) from None
    finally:
        if transcoded:
            transcoded.unlink(missing_ok=True)
    return get_log(store, log_id)


def import_frames(store: EventStore, frames: Iterable[pd.DataFrame], name: str, columns: ColumnMapping, *,
                  source: str = "", total: int | None = None, progress: Progress | None = None) -> dict[str, Any]:
    """Import a log from DataFrame chunks (a SQL query read with ``chunksize``, a test's frames)."""
    done = 0
    with store.transaction() as cursor:
        log_id = _new_log(cursor, name, source, columns)
        _create_table(cursor, log_id, len(columns.segments))
        for index, chunk in enumerate(frames):
            if index == 0:
                columns.check([str(c) for c in chunk.columns])
            cursor.register("chunk", chunk.astype("string"))
            cursor.execute(f"INSERT INTO {events_table(log_id)} {_select('chunk', columns)}")
            cursor.unregister("chunk")
            done += len(chunk)
            if progress and total:
                progress(min(done / total, 1.0))
        _finish(cursor, log_id, None)
    if progress:
        progress(1.0)
    return get_log(store, log_id)


def sql_import_allowed() -> bool:
    """Whether the SQL import is switched on (``EVENTLOG_SQL_IMPORT=on``).

    Off by default: a connection URL typed into the page makes the server connect wherever the URL
    points (a database on the internal network, a SQLite file on the server's disk). An administrator
    switches it on where that is wanted, with read-only database users.
    """
    return os.environ.get(SQL_IMPORT_SWITCH, "").strip().lower() in ("1", "on", "true", "yes")


def _check_sql_allowed() -> None:
    if not sql_import_allowed():
        raise DomainError(N_("The SQL import is switched off on this server."), field="url")


def sql_preview(url: str, query: str, rows: int = 20) -> pd.DataFrame:
    """The first ``rows`` rows of ``query`` (to map its columns)."""
    _check_sql_allowed()
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as err:
        raise DomainError(N_("The connection URL is not usable: {reason}"), field="url", reason=str(err)[:200]) from None
    try:
        with engine.connect() as connection:
            return pd.read_sql_query(text(f"SELECT * FROM ({query}) AS q LIMIT {int(rows)}"), connection).astype("string")
    except SQLAlchemyError as err:
        raise DomainError(N_("The query failed: {reason}"), field="query", reason=str(err).splitlines()[0][:200]) from None
    finally:
        engine.dispose()


def import_sql(store: EventStore, url: str, query: str, name: str, columns: ColumnMapping, *,
               chunk_rows: int = 100_000, progress: Progress | None = None) -> dict[str, Any]:
    """Import the rows of ``query`` read through a SQLAlchemy connection URL, in chunks."""
    _check_sql_allowed()
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as err:
        raise DomainError(N_("The connection URL is not usable: {reason}"), field="url", reason=str(err)[:200]) from None
    try:
        with engine.connect() as connection:
            total = connection.execute(text(f"SELECT count(*) FROM ({query}) AS q")).scalar_one()
            frames = pd.read_sql_query(text(query), connection, chunksize=chunk_rows)
            return import_frames(store, frames, name, columns, source=engine.url.render_as_string(hide_password=True),
                                 total=int(total), progress=progress)
    except SQLAlchemyError as err:
        raise DomainError(N_("The query failed: {reason}"), field="query", reason=str(err).splitlines()[0][:200]) from None
    finally:
        engine.dispose()
