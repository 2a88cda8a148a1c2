"""Editable tables of the touchpoint page: the catalogue and the evaluations of one touchpoint's step links.

Both are ``st.data_editor`` inside a form, saved through :mod:`components.table_editing`
(one transaction, every row validated, all saved or none).
"""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.i18n import _
from components.table_editing import editor_key, pinned, reset_editor, save_table
from components.touchpoint_labels import TOUCHPOINT_FIELDS
from services import core, touchpoints

CATALOGUE = "touchpoint.catalogue"
EVALUATION = "touchpoint.links"
CATALOGUE_FIELDS = ("name", "channel", "is_online", "is_direct", "owner_department", "external_provider", "description",
                    "cost_per_contact")
LINK_FIELDS = ("importance", "satisfaction", "is_decisive", "leads_to_abort", "notes")




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
        changes = core.table_changes(shown, edited, CATALOGUE_FIELDS)
        for change in changes:
            if "channel" in change.changes:
                change.changes["channel_id"] = by_name.get(change.changes.pop("channel"))
        save_table(engine, CATALOGUE, lambda s: touchpoints.save_catalogue(s, workspace_id, changes),
                   anything=bool(changes), fields=TOUCHPOINT_FIELDS)


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
        changes = core.table_changes(shown, keep, LINK_FIELDS, label="step")
        save_table(engine, owner, lambda s: touchpoints.save_evaluations(s, workspace_id, changes, detach),
                   anything=bool(changes or detach), fields=TOUCHPOINT_FIELDS)
