"""Journeys: the list with filters, create from a template, details, duplicate as to-be, delete, lifecycle."""

import streamlit as st

from components.i18n import _
from components.journey_forms import (
    STATES,
    STATUSES,
    create_journey_form,
    journey_actions,
    journey_details_form,
    lifecycle_view,
)
from components.labels import translated
from components.page import open_page
from models.db import read_session
from services import journeys, personas

engine, workspace_id = open_page()

with read_session(engine) as session:
    listing = journeys.list_journeys(session, workspace_id)
    everyone = personas.list_personas(session, workspace_id, with_images=False)

st.title(_("Journeys"))
list_tab, create_tab, lifecycle_tab = st.tabs([_("All journeys"), _("New journey"), _("Lifecycle")])

with list_tab:
    persona_names = {p.id: p.name for p in everyone}
    search_col, persona_col, status_col = st.columns([2, 2, 2])
    search = search_col.text_input(_("Search"), key="journeys.search")
    persona_filter = persona_col.multiselect(_("Persona"), list(persona_names), format_func=persona_names.get,
                                             key="journeys.persona", placeholder=_("All personas"))
    status_labels = translated(STATUSES)
    status_filter = status_col.multiselect(_("Status"), list(STATUSES), format_func=status_labels.get, key="journeys.status",
                                           placeholder=_("All statuses"))
    shown = journeys.filter_journeys(listing, search=search, statuses=status_filter, persona_ids=persona_filter)
    if shown.empty:
        st.info(_("No journeys match.") if not listing.empty else _("No journeys yet. Create the first one."))
    else:
        faces = {p.id: f"{p.avatar_emoji} {p.name}" for p in everyone}
        table = shown.assign(
            personas=shown["persona_ids"].map(lambda ids: ", ".join(faces[i] for i in ids if i in faces)),
            state=shown["state"].map(translated(STATES)), status=shown["status"].map(status_labels),
        )
        st.dataframe(
            table[["name", "personas", "state", "status", "steps", "next_journey", "updated_at"]], hide_index=True,
            width="stretch",
            column_config={
                "name": st.column_config.TextColumn(_("Journey")),
                "personas": st.column_config.TextColumn(_("Personas")),
                "state": st.column_config.TextColumn(_("Version")),
                "status": st.column_config.TextColumn(_("Status")),
                "steps": st.column_config.NumberColumn(_("Steps")),
                "next_journey": st.column_config.TextColumn(_("Leads into")),
                "updated_at": st.column_config.DatetimeColumn(_("Last change"), format="YYYY-MM-DD HH:mm"),
            },
        )
        names = dict(zip(shown["id"], shown["name"], strict=True))
        chosen = st.selectbox(_("Journey"), list(names), format_func=names.get, key="journeys.selected")
        row = shown[shown["id"] == chosen].iloc[0]
        journey_actions(engine, workspace_id, row)
        with st.expander(_("Details: scenario, goal, personas, lifecycle link")):
            with read_session(engine) as session:
                persona_ids = journeys.journey_persona_ids(session, workspace_id, int(chosen))
            journey_details_form(engine, workspace_id, row, persona_ids, everyone, listing)

with create_tab:
    create_journey_form(engine, workspace_id, everyone, listing)

with lifecycle_tab:
    st.caption(_("After the holiday comes next year's booking: journeys linked into the customer lifecycle."))
    lifecycle_persona = st.selectbox(_("Persona"), [0, *persona_names], key="journeys.lifecycle.persona",
                                     format_func={0: _("All personas"), **persona_names}.get)
    with read_session(engine) as session:
        chains = journeys.lifecycle_chains(session, workspace_id, lifecycle_persona or None)
    lifecycle_view(chains)
