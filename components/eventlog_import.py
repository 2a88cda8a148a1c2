"""Bringing an event log in: a file upload (CSV or Parquet) or a SQL query, the column mapping with
a preview, and the import with a progress bar. Also a generated demo log for the chosen journey."""

import tempfile
from pathlib import Path

import streamlit as st

from components.feedback import flash, message
from components.i18n import _
from services.core import DomainError
from services.eventlog import ingest, simulate
from services.eventlog.planned import PlannedMap
from services.eventlog.store import EventStore

ENCODING_LABELS = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252", "latin-1": "Latin-1"}
NONE = ""
UPLOAD_MB = 512  # the server allows no more (.streamlit/config.toml); larger logs: Parquet or the SQL import
LOG_PENDING_KEY = "pva.log.pending"  # the page selects a log imported in the previous run


def _upload_path(store: EventStore, upload) -> Path:  # type: ignore[no-untyped-def]
    """The upload as a file beside the store (written once per upload; the import reads it streaming)."""
    suffix = Path(upload.name).suffix.lower() or ".csv"
    path = Path(tempfile.gettempdir()) / f"journey-workbench-upload-{upload.file_id}{suffix}"
    if not path.exists():
        with open(path, "wb") as handle:
            for chunk in iter(lambda: upload.read(1 << 22), b""):
                handle.write(chunk)
    return path


def column_mapping(columns: list[str], key: str) -> ingest.ColumnMapping | None:
    """Selects for case id, timestamp, event name, channel and segment columns, preset by the usual names."""
    guess = ingest.guess_columns(columns)
    options = [NONE, *columns]
    case, time, event, channel = st.columns(4)

    def pick(where, label: str, role: str):  # type: ignore[no-untyped-def]
        return where.selectbox(label, options, index=options.index(guess.get(role) or NONE), key=f"{key}.{role}",
                               format_func=lambda c: c or "—")

    chosen = {"case": pick(case, _("Case id (customer or session)"), "case"), "time": pick(time, _("Timestamp"), "time"),
              "event": pick(event, _("Event name"), "event"), "channel": pick(channel, _("Channel (optional)"), "channel")}
    taken = {v for v in chosen.values() if v}
    segments = st.multiselect(_("Segment columns (optional, e.g. platform or acquisition channel)"),
                              [c for c in columns if c not in taken], key=f"{key}.segments", max_selections=ingest.MAX_SEGMENTS)
    if not (chosen["case"] and chosen["time"] and chosen["event"]):
        st.caption(_("Choose the columns for case id, timestamp and event name."))
        return None
    return ingest.ColumnMapping(chosen["case"], chosen["time"], chosen["event"], chosen["channel"] or None, tuple(segments))


def _progress_bar():  # type: ignore[no-untyped-def]
    bar = st.progress(0.0, text=_("Importing …"))
    return lambda fraction: bar.progress(fraction, text=_("Importing … {percent} %").format(percent=int(fraction * 100)))


def _report(log: dict) -> None:
    st.session_state[LOG_PENDING_KEY] = log["id"]
    bad = log["bad_time"] + log["bad_case"] + log["bad_event"] + log["bad_lines"]
    text = _("Imported “{name}”: {events} events of {cases} cases.").format(name=log["name"], events=log["events"], cases=log["cases"])
    if bad:
        text += " " + _("{bad} rows were refused (see the bad rows of the log).").format(bad=bad)
    flash(text, "warning" if bad else "success")


def upload_form(store: EventStore) -> None:
    upload = st.file_uploader(_("Event log (CSV or Parquet)"), type=["csv", "txt", "tsv", "parquet"], key="pva.upload",
                              max_upload_size=UPLOAD_MB,
                              help=_("Up to {mb} MB; Parquet holds about ten times more events in the same size.").format(mb=UPLOAD_MB))
    if upload is None:
        return
    encoding = st.selectbox(_("Encoding"), ["auto", *ENCODING_LABELS], key="pva.encoding",
                            format_func=lambda e: ENCODING_LABELS.get(e) or _("detect"))
    path = _upload_path(store, upload)
    try:
        found = ingest.preview(path, encoding=encoding)
    except DomainError as err:
        st.error(message(err), icon="⚠️")
        return
    st.caption(_("Preview of the first rows ({kind}, {encoding}).").format(kind=found.kind.upper(), encoding=found.encoding or "–"))
    st.dataframe(found.rows, hide_index=True, height=220)
    columns = column_mapping(found.columns, "pva.upload.columns")
    name = st.text_input(_("Name of the log"), value=Path(upload.name).stem, key="pva.upload.name", max_chars=120)
    if columns and st.button(_("Import"), type="primary", key="pva.upload.import", icon=":material/upload:"):
        try:
            log = ingest.import_log(store, path, name, columns, encoding=encoding, source=upload.name, progress=_progress_bar())
        except DomainError as err:
            st.error(message(err), icon="⚠️")
            return
        path.unlink(missing_ok=True)
        _report(log)
        st.rerun()


def sql_form(store: EventStore) -> None:
    if not ingest.sql_import_allowed():
        st.info(_("The SQL import is switched off on this server. An administrator switches it on with the setting "
                  "EVENTLOG_SQL_IMPORT=on (and gives read-only database users)."))
        return
    st.caption(_("Read a table where the events already live, through a SQLAlchemy connection URL "
                 "(e.g. postgresql+psycopg://user@host/db). The rows are read in chunks."))
    url = st.text_input(_("Connection URL"), key="pva.sql.url", type="password")
    query = st.text_area(_("Query"), value="SELECT * FROM events", key="pva.sql.query", height=80)
    if not url.strip():
        return
    try:
        sample = ingest.sql_preview(url, query)
    except DomainError as err:
        st.error(message(err), icon="⚠️")
        return
    st.dataframe(sample, hide_index=True, height=200)
    columns = column_mapping([str(c) for c in sample.columns], "pva.sql.columns")
    name = st.text_input(_("Name of the log"), key="pva.sql.name", max_chars=120)
    if columns and st.button(_("Import"), type="primary", key="pva.sql.import", icon=":material/database:"):
        try:
            log = ingest.import_sql(store, url, query, name, columns, progress=_progress_bar())
        except DomainError as err:
            st.error(message(err), icon="⚠️")
            return
        _report(log)
        st.rerun()


def demo_form(store: EventStore, planned: PlannedMap, journey_name: str) -> None:
    st.caption(_("Simulated customers walk this journey's map with its planned shares, with some deviations built in "
                 "(skipped steps, ad hoc events, error events, one week with a broken step). Good for trying the page."))
    cases = int(st.number_input(_("Customers"), min_value=100, max_value=200_000, value=5_000, step=1_000, key="pva.demo.cases"))
    if st.button(_("Generate and import a demo log"), key="pva.demo.generate", icon=":material/science:",
                 disabled=planned.steps.empty):
        scenario, names = simulate.demo_scenario(planned)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "demo.csv"
            simulate.write_csv(planned, cases, path, scenario, event_names=names, seed=cases)
            columns = ingest.ColumnMapping("case_id", "timestamp", "event", "channel", ("platform", "acquisition"))
            name = _("Demo log: {journey} ({cases} customers)").format(journey=journey_name, cases=cases)
            try:
                log = ingest.import_log(store, path, name, columns, source="demo.csv", progress=_progress_bar())
            except DomainError as err:
                st.error(message(err), icon="⚠️")
                return
        _report(log)
        st.rerun()


