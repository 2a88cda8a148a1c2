"""Importing measurements from CSV: choose a file (or paste its lines), see what it will change, import.

Parsing and every check live in ``services.metrics.plan_import``; this panel shows the preview
(measurements per metric, the rows) or every bad line with its number and reason, and imports on
request. The file is checked once outside any write; the import then writes the checked rows in one
short transaction, all or none.
"""

import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt
from components.i18n import _
from components.problems import show_problems
from components.tabular_import import checked, forget, import_facts
from models.db import read_session
from services import metrics
from services.core import DomainError, Problem, Problems

IMPORT = "metric.import"
PASTE = f"{IMPORT}.paste"
PREVIEW_ROWS = 1_000
EXAMPLE = "metric;date;value;note\nNPS Sommerurlaub;2025-01-31;36,5;nach Kampagne\n"


def _file_key() -> str:
    """The uploader's key; a new generation empties it after an import (an uploader cannot be reset otherwise)."""
    return f"{IMPORT}.file.{st.session_state.get(f'{IMPORT}.generation', 0)}"


def _run_import(engine: Engine, workspace_id: int, plan: metrics.ImportPlan) -> None:
    """Button callback: write the checked file, then empty the inputs (allowed here, before the widgets are drawn again)."""
    def refused(err: DomainError) -> None:
        st.session_state[f"{IMPORT}.failed"] = err.problems if isinstance(err, Problems) else [Problem(None, None, err)]

    if attempt(engine, lambda s: metrics.write_measurements(s, workspace_id, plan),
               lambda count: _("{count} measurements imported.").format(count=count), on_error=refused):
        forget(IMPORT)
        st.session_state[PASTE] = ""
        st.session_state[f"{IMPORT}.generation"] = st.session_state.get(f"{IMPORT}.generation", 0) + 1


def import_panel(engine: Engine, workspace_id: int) -> None:
    st.caption(_("Columns: metric (its name in this workspace), date (YYYY-MM-DD), value (decimal point or comma), "
                 "note (optional); the first line names the columns. The import only adds measurements: a date a "
                 "metric already has is refused."))
    import_facts(metrics.COLUMNS, metrics.LIMITS, key=IMPORT)
    upload = st.file_uploader(_("CSV or Excel file"), type=["csv", "txt", "xlsx"], key=_file_key(),
                              max_upload_size=metrics.LIMITS.megabytes)
    pasted = st.text_area(_("… or paste the lines here"), key=PASTE, height=140, placeholder=EXAMPLE)
    failed = st.session_state.pop(f"{IMPORT}.failed", None)
    if failed:
        st.error(_("Nothing was imported. Please correct these lines:"), icon="⚠️")
        show_problems(failed, key=f"{IMPORT}.failed.problems")
    data = upload.getvalue() if upload is not None else (pasted or "").encode("utf-8")
    filename = upload.name if upload is not None else ""
    if not data.strip():
        return

    def check(progress):  # type: ignore[no-untyped-def]
        with read_session(engine) as session:
            return metrics.plan_import(session, workspace_id, data, filename=filename, progress=progress)

    plan = checked(engine, workspace_id, IMPORT, data, (filename,), check)
    if plan.problems:
        st.error(_("Nothing can be imported yet: {count} problems in the file. Correct them and load it again.").format(
            count=len(plan.problems)), icon="⚠️")
        show_problems(plan.problems, key=f"{IMPORT}.problems")
        return
    summary = plan.summary()
    st.info(_("The import adds {rows} measurements to {metrics} metrics. No existing measurement is changed.").format(
        rows=len(plan.rows), metrics=len(summary)), icon="🔎")
    st.dataframe(summary.drop(columns=["metric_id"]), hide_index=True, width="stretch", column_config={
        "metric": st.column_config.TextColumn(_("Metric")),
        "added": st.column_config.NumberColumn(_("New measurements")),
        "first": st.column_config.DateColumn(_("From"), format="YYYY-MM-DD"),
        "last": st.column_config.DateColumn(_("To"), format="YYYY-MM-DD"),
        "before": st.column_config.NumberColumn(_("Measurements so far")),
    })
    with st.expander(_("All rows of the file")):
        st.dataframe(plan.rows.drop(columns=["metric_id"]).head(PREVIEW_ROWS), hide_index=True, width="stretch", column_config={
            "line": st.column_config.NumberColumn(_("Line")), "metric": st.column_config.TextColumn(_("Metric")),
            "measured_on": st.column_config.DateColumn(_("Date"), format="YYYY-MM-DD"),
            "value": st.column_config.NumberColumn(_("Value")), "note": st.column_config.TextColumn(_("Note")),
        })
    st.button(_("Import {rows} measurements").format(rows=len(plan.rows)), type="primary", key=f"{IMPORT}.save",
              on_click=_run_import, args=(engine, workspace_id, plan))
