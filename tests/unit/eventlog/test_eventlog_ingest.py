"""Importing event logs: CSV in several encodings and separators, Parquet, DataFrame chunks and SQL;
bad rows counted by reason and shown, never dropped silently; all or nothing; delete."""

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from services.core import DomainError, NotFoundError
from services.eventlog import ingest
from services.eventlog import store as eventstore
from tests.unit.eventlog.eventlog_helpers import COLUMNS, SMALL_LOG, small_store, write


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield eventstore.open_store(1, tmp_path / "eventlogs")
    eventstore.close_all()


def events(store: eventstore.EventStore, log_id: int) -> pd.DataFrame:
    return store.frame(f"SELECT case_id, ts, event, channel, seg_0 FROM {eventstore.events_table(log_id)} ORDER BY case_id, ts, event")


def test_csv_import_counts_and_shows_bad_rows(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text_ = SMALL_LOG + "k7,2026-03-02 09:00:00,,app,app\nk8,2026-03-02 09:00:00,a,app,app,surplus\n"
    seen: list[float] = []
    log = ingest.import_log(store, write(tmp_path, text_), "Shop März", COLUMNS, progress=seen.append)
    assert (log["rows"], log["events"], log["cases"]) == (22, 18, 5)
    assert (log["bad_time"], log["bad_case"], log["bad_event"], log["bad_lines"]) == (1, 1, 1, 1)
    assert log["segments"] == ["platform"] and log["source"] == "log.csv"
    assert seen and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)
    bad = eventstore.bad_rows(store, log["id"])
    assert sorted(bad["reason"]) == ["case", "event", "line", "time"]
    assert bad.set_index("reason").loc["time", "text"] == "k6 | kaputt | a"
    assert bad.set_index("reason").loc["line", "line"] == 23  # the line number in the file (header = 1)
    listed = eventstore.list_logs(store)
    assert listed["name"].tolist() == ["Shop März"] and listed["bad"].tolist() == [4]
    assert str(events(store, log["id"])["ts"].iat[0]) == "2026-03-02 10:00:00"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-16"])
def test_encodings_and_semicolons(store, tmp_path: Path, encoding: str) -> None:  # type: ignore[no-untyped-def]
    content = "Kunde;Zeitpunkt;Ereignis\nk1;02.03.2026 10:00;Größe gewählt\nk1;02.03.2026 10:05:30;Kasse\n"
    path = write(tmp_path, content, encoding=encoding)
    found = ingest.preview(path)
    assert found.columns == ["Kunde", "Zeitpunkt", "Ereignis"] and found.separator == ";"
    assert ingest.guess_columns(found.columns) == {"case": "Kunde", "time": "Zeitpunkt", "event": "Ereignis", "channel": None}
    log = ingest.import_log(store, path, "log", ingest.ColumnMapping("Kunde", "Zeitpunkt", "Ereignis"))
    frame = store.frame(f"SELECT event, CAST(ts AS VARCHAR) AS ts FROM {eventstore.events_table(log['id'])} ORDER BY ts")
    assert frame["event"].tolist() == ["Größe gewählt", "Kasse"]
    assert frame["ts"].tolist() == ["2026-03-02 10:00:00", "2026-03-02 10:05:30"]
    assert list(tmp_path.glob("eventlogs/*.csv")) == []  # the UTF-8 copy is removed


def test_time_formats_offsets_become_utc(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    content = ("case,time,event\nk,2026-03-02T10:00:00+01:00,a\nk,1772445600,b\nk,2026-03-02 10:00:00.250,c\n"
               "k,31.12.2026,d\nk,,e\n")
    log = ingest.import_log(store, write(tmp_path, content), "log", ingest.ColumnMapping("case", "time", "event"))
    frame = store.frame(f"SELECT event, CAST(ts AS VARCHAR) AS ts FROM {eventstore.events_table(log['id'])} ORDER BY event")
    assert dict(zip(frame["event"], frame["ts"], strict=True)) == {
        "a": "2026-03-02 09:00:00", "b": "2026-03-02 10:00:00", "c": "2026-03-02 10:00:00.25", "d": "2026-12-31 00:00:00"}
    assert log["bad_time"] == 1


def test_parquet(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "log.parquet"
    duckdb.sql(f"COPY (SELECT 'k' || (i % 3) AS cid, TIMESTAMP '2026-01-01' + to_minutes(i) AS at, 'e' || (i % 2) AS name, "
               f"'web' AS channel FROM range(10) t(i)) TO '{path}' (FORMAT parquet)")
    assert ingest.preview(path).kind == "parquet"
    log = ingest.import_log(store, path, "pq", ingest.ColumnMapping("cid", "at", "name", "channel"))
    assert (log["events"], log["cases"], log["rows"]) == (10, 3, 10)
    assert str(log["last_ts"]) == "2026-01-01 00:09:00"


def test_refusals_leave_nothing_behind(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, SMALL_LOG)
    with pytest.raises(DomainError) as info:
        ingest.import_log(store, path, "x", ingest.ColumnMapping("case", "when", "event"))
    assert info.value.message == "The file has no column “{column}”." and info.value.params == {"column": "when"}
    with pytest.raises(DomainError):
        ingest.import_log(store, path, "x", ingest.ColumnMapping("case", "case", "event"))
    with pytest.raises(DomainError):
        ingest.import_log(store, path, " ", COLUMNS)
    ingest.import_log(store, path, "x", COLUMNS)
    with pytest.raises(DomainError) as info:
        ingest.import_log(store, path, "x", COLUMNS)
    assert info.value.field == "name"
    assert eventstore.list_logs(store)["name"].tolist() == ["x"]
    tables = store.frame("SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'events_%'")
    assert tables["table_name"].tolist() == ["events_1"]
    with pytest.raises(DomainError):
        ingest.preview(write(tmp_path, "  \n", "empty.csv"))


def test_delete_log_removes_events_bad_rows_mappings_and_sequences(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log_id = small_store(store, tmp_path)  # imported and mapped: the sequences are built with the mapping
    tables = "SELECT table_name FROM information_schema.tables ORDER BY 1"
    assert {"seq_1_9_ev", "seq_1_9_visit", "seq_1_9_case", "events_1"} <= set(store.frame(tables)["table_name"])
    log = {"id": log_id}
    eventstore.delete_log(store, log["id"])
    assert eventstore.list_logs(store).empty
    assert set(store.frame(tables)["table_name"]) == {"event_log", "bad_row", "event_mapping"}
    for table in ("bad_row", "event_mapping"):
        assert store.frame(f"SELECT count(*) AS n FROM {table}")["n"].iat[0] == 0
    with pytest.raises(NotFoundError):
        eventstore.delete_log(store, log["id"])


def test_frames_and_sql_give_the_same_log(store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EVENTLOG_SQL_IMPORT", "on")
    frame = pd.read_csv(write(tmp_path, SMALL_LOG), dtype=str, keep_default_na=False)
    seen: list[float] = []
    chunked = ingest.import_frames(store, [frame.iloc[:7], frame.iloc[7:]], "chunks", COLUMNS, total=len(frame),
                                   progress=seen.append)
    assert seen[0] == pytest.approx(7 / 20) and seen[-1] == 1.0
    url = f"sqlite:///{tmp_path / 'source.db'}"
    engine = create_engine(url)
    frame.to_sql("events", engine, index=False)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM events")).scalar_one() == 20
    engine.dispose()
    from_sql = ingest.import_sql(store, url, "SELECT * FROM events", "sql", COLUMNS, chunk_rows=6)
    for log in (chunked, from_sql):
        assert (log["events"], log["cases"], log["bad_time"], log["bad_case"]) == (18, 5, 1, 1)
    assert events(store, chunked["id"]).equals(events(store, from_sql["id"]))
    with pytest.raises(DomainError) as info:
        ingest.import_sql(store, url, "SELECT * FROM nowhere", "bad", COLUMNS)
    assert info.value.field == "query"


def test_store_lives_beside_the_app_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVENTLOG_DIR", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app' / 'workbench.db'}")
    assert eventstore.eventlog_directory() == (tmp_path / "app" / "eventlogs").resolve()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db/app")
    assert eventstore.eventlog_directory().name == "eventlogs"
    monkeypatch.setenv("EVENTLOG_DIR", str(tmp_path / "elsewhere"))
    assert eventstore.eventlog_directory() == tmp_path / "elsewhere"
    first, second = eventstore.open_store(1), eventstore.open_store(2)
    try:
        assert first.path.name == "workspace-1.duckdb" and second.path.name == "workspace-2.duckdb"
        assert first.path.parent == (tmp_path / "elsewhere").resolve()
    finally:
        eventstore.close_all()


def test_the_sql_import_is_off_unless_switched_on(store, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("EVENTLOG_SQL_IMPORT", raising=False)
    for attempt in (lambda: ingest.sql_preview("sqlite://", "SELECT 1"),
                    lambda: ingest.import_sql(store, "sqlite://", "SELECT 1", "x", COLUMNS)):
        with pytest.raises(DomainError) as info:
            attempt()
        assert info.value.message == "The SQL import is switched off on this server."
    assert eventstore.list_logs(store).empty
