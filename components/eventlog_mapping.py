"""The event → step mapping editor: every event name with its counts, the suggested or saved step,
error events, and the unmapped ones."""

import pandas as pd
import streamlit as st

from components.feedback import flash, message
from components.i18n import _
from services.core import DomainError
from services.eventlog import mapping
from services.eventlog.planned import PlannedMap
from services.eventlog.store import EventStore

ERROR, UNMAPPED = "error", ""


def _choices(planned: PlannedMap) -> dict[str, tuple[int | None, str]]:
    """Editor label → (step id, role). Step labels carry the stage, so equal titles stay apart."""
    labels: dict[str, tuple[int | None, str]] = {"—": (None, UNMAPPED), "⚠ " + _("error event"): (None, ERROR)}
    for step, title, stage in zip(planned.steps["step_id"], planned.steps["title"], planned.steps["stage"], strict=True):
        label = f"{title} · {stage}" if stage else str(title)
        while label in labels:
            label += " "
        labels[label] = (int(step), "step")
    return labels


def mapping_editor(store: EventStore, log_id: int, planned: PlannedMap) -> None:
    table = mapping.mapping_table(store, log_id, planned)
    if table.empty:
        st.info(_("This log has no events."))
        return
    choices = _choices(planned)
    label_of = {value: label for label, value in choices.items()}
    error_label = label_of[(None, ERROR)]
    table["target"] = [label_of.get((int(s), "step"), "—") if r == "step" and pd.notna(s) else (error_label if r == ERROR else "—")
                       for s, r in zip(table["step_id"], table["role"], strict=True)]
    unmapped = table[table["role"] == UNMAPPED]
    total = int(table["events"].sum())
    left, middle, right = st.columns(3)
    left.metric(_("Event names"), len(table))
    middle.metric(_("Unmapped event names"), len(unmapped))
    right.metric(_("Events on a step"), f"{100 * table.loc[table['role'] == 'step', 'events'].sum() / total:.0f} %")
    if not table["saved"].any():
        st.info(_("Nothing saved yet for this journey and log: the steps shown are suggestions by name similarity. "
                  "Check them and save."), icon="💡")
    edited = st.data_editor(
        table[["event", "events", "cases", "target", "score"]], key="pva.mapping.editor", hide_index=True, width="stretch",
        disabled=["event", "events", "cases", "score"],
        column_config={
            "event": st.column_config.TextColumn(_("Event name")),
            "events": st.column_config.NumberColumn(_("Events"), format="%d"),
            "cases": st.column_config.NumberColumn(_("Cases"), format="%d"),
            "target": st.column_config.SelectboxColumn(_("Step"), options=list(choices), required=True, width="large"),
            "score": st.column_config.ProgressColumn(_("Name similarity"), min_value=0, max_value=1, format="%.2f"),
        },
    )
    if st.button(_("Save the mapping"), type="primary", key="pva.mapping.save", icon=":material/save:"):
        picked = [choices.get(label, (None, UNMAPPED)) for label in edited["target"]]
        rows = pd.DataFrame({"event": edited["event"], "step_id": [p[0] for p in picked], "role": [p[1] for p in picked]})
        try:
            with st.spinner(_("Saving and ordering the log's events for the comparison …")):
                mapped = mapping.save_mapping(store, log_id, planned, rows)
        except DomainError as err:
            st.error(message(err), icon="⚠️")
            return
        flash(_("Mapping saved: {count} event names stand for steps.").format(count=mapped))
        st.rerun()
    if len(unmapped):
        st.caption(_("Unmapped events count as ad hoc (they stand for no step of the map):"))
        st.dataframe(unmapped[["event", "events", "cases"]], hide_index=True,
                     column_config={"event": _("Event name"), "events": _("Events"), "cases": _("Cases")})
