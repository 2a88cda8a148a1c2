"""Tables of the metrics page: the status of every metric, and one metric's measurements as an editor.

The measurement editor is an ``st.data_editor`` inside a form (rows can be added and deleted);
"Save" sends all edits to the service as one transaction: every row validated, all saved or none.
Like the touchpoint tables, it pins the rows it first showed, so a measurement someone else adds
meanwhile cannot shift the user's edits onto the wrong date.
"""

import numpy as np
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.i18n import _
from components.labels import translated
from components.metric_labels import METRIC_FORM_FIELDS, SCOPE_LABELS, STATUS_LABELS, TREND_LABELS
from components.table_editing import editor_key, reset_editor, save_table
from models.db import read_session
from services import metrics

MEASUREMENTS = "metric.measurements"


def target_names(status: pd.DataFrame) -> pd.Series:
    """What each metric measures, as text: "Journey: …", "Step: journey › step", "Touchpoint: …", "Whole workspace"."""
    scopes = translated(SCOPE_LABELS)
    return pd.Series(np.select(
        [status["scope"] == "journey", status["scope"] == "step", status["scope"] == "touchpoint"],
        [_("Journey") + ": " + status["journey"], _("Step") + ": " + status["journey"] + " › " + status["step"],
         _("Touchpoint") + ": " + status["touchpoint"]],
        default=scopes["workspace"],
    ), index=status.index)


def status_table(status: pd.DataFrame) -> None:
    """Every metric's last value against its target, its change and whether its review is due."""
    table = status.assign(
        measures=target_names(status),
        status=status["status"].map(translated(STATUS_LABELS)),
        trend=status["trend"].map(translated(TREND_LABELS)),
    )
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_order=("name", "measures", "last_value", "unit", "target", "status", "change", "trend", "last_on",
                      "due_on", "overdue"),
        column_config={
            "name": st.column_config.TextColumn(_("Metric")),
            "measures": st.column_config.TextColumn(_("Measures")),
            "last_value": st.column_config.NumberColumn(_("Last value"), format="%.2f"),
            "unit": st.column_config.TextColumn(_("Unit")),
            "target": st.column_config.NumberColumn(_("Target"), format="%g"),
            "status": st.column_config.TextColumn(_("Status")),
            "change": st.column_config.NumberColumn(_("Change since the previous measurement"), format="%+.2f"),
            "trend": st.column_config.TextColumn(_("Trend")),
            "last_on": st.column_config.DateColumn(_("Last measured"), format="YYYY-MM-DD"),
            "due_on": st.column_config.DateColumn(_("Next review due"), format="YYYY-MM-DD"),
            "overdue": st.column_config.CheckboxColumn(_("Overdue")),
        },
    )


def _pinned(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` in the rows (and versions) the editor showed when its pending edits were made.

    Edits, added and deleted rows all refer to row positions, so the rows stay put while any are
    pending: a measurement someone else adds meanwhile waits for the next save, one deleted
    meanwhile stays as an empty row (saving it reports that it is gone).
    """
    rows_key = f"{key}.rows"
    state = st.session_state.get(key) or {}
    pending = any(state.get(part) for part in ("edited_rows", "added_rows", "deleted_rows"))
    if rows_key not in st.session_state or not pending:
        st.session_state[rows_key] = [[int(i), int(v)] for i, v in zip(frame["id"], frame["version"], strict=True)]
    rows = st.session_state[rows_key]
    shown = frame.set_index("id").reindex([row_id for row_id, _version in rows])
    shown["version"] = [version for _row_id, version in rows]
    return shown.reset_index()


def measurement_editor(engine: Engine, workspace_id: int, metric: dict) -> None:
    """The metric's measurements, newest first; add rows at the bottom, delete with the row menu."""
    metric_id = int(metric["metric_id"])
    owner = f"{MEASUREMENTS}.{metric_id}"
    key = editor_key(owner)
    with read_session(engine) as session:
        frame = metrics.list_measurements(session, workspace_id, metric_id)
    frame = frame.sort_values("measured_on", ascending=False, kind="stable")
    frame["measured_on"] = frame["measured_on"].dt.date
    shown = _pinned(frame, key)
    unit = f" ({metric['unit']})" if metric.get("unit") else ""
    with st.form(f"{MEASUREMENTS}.form", border=False):
        edited = st.data_editor(
            shown, key=key, hide_index=True, width="stretch", num_rows="dynamic",
            column_order=("measured_on", "value", "note"),
            column_config={
                "measured_on": st.column_config.DateColumn(_("Date"), required=True, format="YYYY-MM-DD"),
                "value": st.column_config.NumberColumn(_("Value") + unit, required=True),
                "note": st.column_config.TextColumn(_("Note"), width="large"),
            },
        )
        save, discard, _spacer = st.columns([1, 1, 3])
        saved = save.form_submit_button(_("Save measurements"), type="primary", key=f"{MEASUREMENTS}.save")
        discarded = discard.form_submit_button(_("Discard changes"), key=f"{MEASUREMENTS}.discard")
    if discarded:
        reset_editor(owner)
        st.rerun()
    if saved:
        changed, added, deleted = metrics.measurement_edits(shown, edited, new_label=_("new row {number}"))
        save_table(engine, owner, lambda s: metrics.save_measurements(
            s, workspace_id, metric_id, changed=changed, added=added, deleted=deleted),
            anything=bool(changed or added or deleted), fields=METRIC_FORM_FIELDS)
