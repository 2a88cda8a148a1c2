"""Editable tables of the touchpoint page: the catalogue and the evaluations of one touchpoint's step links.

Both are ``st.data_editor`` inside a form: edits go to the service on "Save" as
one transaction (every row validated, all saved or none). A data editor keeps its
edits by row *position*, so each editor pins the rows (id and version) it first
showed: a row someone else adds or deletes meanwhile cannot shift the user's edits
onto the wrong touchpoint, and a row someone else changed is reported as a conflict.
"""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.feedback import flash, message
from components.i18n import _
from components.labels import label
from components.touchpoint_labels import TOUCHPOINT_FIELDS
from models.db import write_session
from services import touchpoints
from services.errors import DomainError
from services.touchpoints import TableErrors

CATALOGUE = "touchpoint.catalogue"
EVALUATION = "touchpoint.links"
CATALOGUE_FIELDS = ("name", "channel", "is_online", "is_direct", "owner_department", "external_provider", "description",
                    "cost_per_contact")
LINK_FIELDS = ("importance", "satisfaction", "is_decisive", "leads_to_abort", "notes")


def editor_key(owner: str) -> str:
    """The data editor's current key; a new generation starts it afresh (after a save, or new filters)."""
    return f"{owner}.table.{st.session_state.get(f'{owner}.generation', 0)}"


def reset_editor(owner: str) -> None:
    """Forget the editor's edits and pinned rows (the next run shows the current rows)."""
    st.session_state.pop(f"{editor_key(owner)}.rows", None)
    st.session_state[f"{owner}.generation"] = st.session_state.get(f"{owner}.generation", 0) + 1


def pinned(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` in the row order (and with the versions) the editor ``key`` showed when its pending edits were made.

    Without pending edits the editor simply shows the current rows. With edits, the rows stay where they
    were: a row deleted meanwhile stays as an empty row (saving it reports that it is gone), a new one
    waits for the next save, and the column types stay the same so the editor keeps the edits.
    """
    rows_key = f"{key}.rows"
    state = st.session_state.get(key) or {}
    if rows_key not in st.session_state or not state.get("edited_rows"):
        st.session_state[rows_key] = [[int(i), int(v)] for i, v in zip(frame["id"], frame["version"], strict=True)]
    rows = st.session_state[rows_key]
    shown = frame.set_index("id").reindex([row_id for row_id, _version in rows])
    shown["version"] = [version for _row_id, version in rows]
    for column, dtype in frame.dtypes.items():
        if column in shown.columns and str(dtype) in ("bool", "int64"):
            shown[column] = shown[column].fillna(0).astype(dtype)
    return shown.reset_index()


def show_table_errors(err: DomainError) -> None:
    if isinstance(err, TableErrors):
        st.error(_("Nothing was saved. Please correct these rows:"), icon="⚠️")
        for row, problem in err.rows:
            field = f" · {label(TOUCHPOINT_FIELDS, problem.field)}" if problem.field in TOUCHPOINT_FIELDS else ""
            st.error(f"{row or '—'}{field}: {message(problem)}")
    else:
        st.error(message(err), icon="⚠️")


def catalogue_editor(engine: Engine, workspace_id: int, catalogue: pd.DataFrame, channel_names: dict[int, str]) -> None:
    """The catalogue as an editable table; new rows come through the form, deletes through the details."""
    key = editor_key(CATALOGUE)
    shown = pinned(catalogue, key)
    shown["channel"] = [channel_names.get(int(c)) if pd.notna(c) else None for c in shown["channel_id"]]
    with st.form(f"{CATALOGUE}.form", border=False):
        edited = st.data_editor(
            shown, key=key, hide_index=True, width="stretch", num_rows="fixed",
            column_order=("name", "channel", "is_online", "is_direct", "owner_department", "external_provider",
                          "cost_per_contact", "steps", "journeys", "description"),
            disabled=("steps", "journeys"),
            column_config={
                "name": st.column_config.TextColumn(_("Name"), required=True, max_chars=160),
                "channel": st.column_config.SelectboxColumn(_("Channel"), options=list(channel_names.values())),
                "is_online": st.column_config.CheckboxColumn(_("Online")),
                "is_direct": st.column_config.CheckboxColumn(_("Direct"), help=_("Direct: the company controls it.")),
                "owner_department": st.column_config.TextColumn(_("Owning department")),
                "external_provider": st.column_config.TextColumn(_("External provider")),
                "cost_per_contact": st.column_config.NumberColumn(_("Cost per contact (€)"), format="%.2f"),
                "steps": st.column_config.NumberColumn(_("Steps"), help=_("Steps that use this touchpoint.")),
                "journeys": st.column_config.NumberColumn(_("Journeys")),
                "description": st.column_config.TextColumn(_("Description"), width="large"),
            },
        )
        save, discard, _spacer = st.columns([1, 1, 3])
        saved = save.form_submit_button(_("Save table changes"), type="primary", key=f"{CATALOGUE}.save")
        discarded = discard.form_submit_button(_("Discard changes"), key=f"{CATALOGUE}.discard")
    if discarded:
        reset_editor(CATALOGUE)
        st.rerun()
    if saved:
        by_name = {name: channel_id for channel_id, name in channel_names.items()}
        changes = touchpoints.table_changes(shown, edited, CATALOGUE_FIELDS)
        for change in changes:
            if "channel" in change.changes:
                change.changes["channel_id"] = by_name.get(change.changes.pop("channel"))
        _save(engine, CATALOGUE, lambda s: touchpoints.save_catalogue(s, workspace_id, changes), bool(changes))


def evaluation_editor(engine: Engine, workspace_id: int, touchpoint_id: int, links: pd.DataFrame) -> None:
    """One touchpoint's step links with their evaluation; ticking "Detach" removes the link on save."""
    owner = f"{EVALUATION}.{touchpoint_id}"
    key = editor_key(owner)
    shown = pinned(links.assign(detach=False), key)
    with st.form(f"{EVALUATION}.form", border=False):
        edited = st.data_editor(
            shown, key=key, hide_index=True, width="stretch", num_rows="fixed",
            column_order=("journey", "stage", "step", "importance", "satisfaction", "is_decisive", "leads_to_abort",
                          "notes", "detach"),
            disabled=("journey", "stage", "step"),
            column_config={
                "journey": st.column_config.TextColumn(_("Journey")),
                "stage": st.column_config.TextColumn(_("Stage")),
                "step": st.column_config.TextColumn(_("Step")),
                "importance": st.column_config.NumberColumn(_("Importance (1–5)"), min_value=1, max_value=5, step=1),
                "satisfaction": st.column_config.NumberColumn(_("Satisfaction (1–5)"), min_value=1, max_value=5, step=1),
                "is_decisive": st.column_config.CheckboxColumn(_("Decisive for the purchase")),
                "leads_to_abort": st.column_config.CheckboxColumn(_("Leads to abort")),
                "notes": st.column_config.TextColumn(_("Notes"), width="large"),
                "detach": st.column_config.CheckboxColumn(_("Detach"), help=_("Remove the touchpoint from this step.")),
            },
        )
        saved = st.form_submit_button(_("Save evaluations"), type="primary", key=f"{EVALUATION}.save")
    if saved:
        detached = edited[edited["detach"].astype(bool)]
        detach = [(int(row_id), int(version)) for row_id, version in zip(detached["id"], detached["version"], strict=True)]
        keep = edited[~edited["detach"].astype(bool)]
        changes = touchpoints.table_changes(shown, keep, LINK_FIELDS, label="step")
        _save(engine, owner, lambda s: touchpoints.save_evaluations(s, workspace_id, changes, detach),
              bool(changes or detach))


def _save(engine: Engine, owner: str, write, anything: bool) -> None:  # type: ignore[no-untyped-def]
    if not anything:
        st.info(_("Nothing to save: no cell was changed."))
        return
    try:
        with write_session(engine) as session:
            count = write(session)
    except DomainError as err:
        show_table_errors(err)
    else:
        reset_editor(owner)
        flash(_("{count} rows saved.").format(count=count))
        st.rerun()
