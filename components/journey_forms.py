"""Forms on the journeys page: create from a template, edit details, duplicate, delete, lifecycle."""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt
from components.i18n import _, current_language
from components.labels import translated
from components.text import md
from models import Persona
from services import journeys
from services.core.labels import JOURNEY_STATES, JOURNEY_STATUSES
from services.journeys import TEMPLATES, create_journey_from_template

EDITOR_JOURNEY = "journey.editor.journey_id"
STATES = JOURNEY_STATES
STATUSES = JOURNEY_STATUSES


def open_in_editor(journey_id: int) -> None:
    st.session_state[EDITOR_JOURNEY] = journey_id
    st.switch_page("pages/map/journey_editor.py")


def create_journey_form(engine: Engine, workspace_id: int, personas: list[Persona], listing: pd.DataFrame) -> None:
    template_titles = {key: _(template.title) for key, template in TEMPLATES.items()}
    persona_names = {p.id: f"{p.avatar_emoji} {p.name}" for p in personas}
    journey_names = {0: _("none"), **dict(zip(listing["id"], listing["name"], strict=True))}
    with st.form("journey.create", clear_on_submit=True):
        st.subheader(_("New journey"), anchor=False)
        name = st.text_input(_("Name"), key="journey.create.name")
        template = st.selectbox(_("Template"), list(template_titles), format_func=template_titles.get,
                                key="journey.create.template")
        st.caption(" · ".join(f"**{_(t.title)}**: {_(t.description)}" for t in TEMPLATES.values()))
        chosen = st.multiselect(_("Personas"), list(persona_names), format_func=persona_names.get, key="journey.create.personas")
        scenario = st.text_area(_("Scenario"), key="journey.create.scenario", height=80)
        goal = st.text_input(_("Goal"), key="journey.create.goal")
        state = st.radio(_("Version"), list(STATES), format_func=translated(STATES).get, horizontal=True, key="journey.create.state")
        next_id = st.selectbox(_("Leads into journey"), list(journey_names), format_func=journey_names.get, key="journey.create.next")
        if st.form_submit_button(_("Create journey"), type="primary"):
            data = {"name": name, "scenario": scenario, "goal": goal, "state": state, "next_journey_id": next_id or None}
            created = attempt(engine, lambda s: create_journey_from_template(
                s, workspace_id, data, template, persona_ids=chosen, language=current_language()), _("Journey created."))
            if created:
                open_in_editor(created.value.id)


def journey_details_form(engine: Engine, workspace_id: int, row: pd.Series, persona_ids: list[int],
                         personas: list[Persona], listing: pd.DataFrame) -> None:
    persona_names = {p.id: f"{p.avatar_emoji} {p.name}" for p in personas}
    others = listing[listing["id"] != row["id"]]
    journey_names = {0: _("none"), **dict(zip(others["id"], others["name"], strict=True))}
    journey_id = int(row["id"])
    with st.form(f"journey.details.{journey_id}"):
        name = st.text_input(_("Name"), value=row["name"], key=f"journey.details.name.{journey_id}")
        chosen = st.multiselect(_("Personas"), list(persona_names), default=persona_names.keys() & set(persona_ids),
                                format_func=persona_names.get, key=f"journey.details.personas.{journey_id}")
        scenario = st.text_area(_("Scenario"), value=row["scenario"], key=f"journey.details.scenario.{journey_id}", height=80)
        goal = st.text_input(_("Goal"), value=row["goal"], key=f"journey.details.goal.{journey_id}")
        state_col, status_col = st.columns(2)
        state = state_col.radio(_("Version"), list(STATES), index=list(STATES).index(row["state"]), horizontal=True,
                                format_func=translated(STATES).get, key=f"journey.details.state.{journey_id}")
        status = status_col.selectbox(_("Status"), list(STATUSES), index=list(STATUSES).index(row["status"]),
                                      format_func=translated(STATUSES).get, key=f"journey.details.status.{journey_id}")
        current_next = int(row["next_journey_id"]) if pd.notna(row["next_journey_id"]) else 0
        next_id = st.selectbox(_("Leads into journey"), list(journey_names), format_func=journey_names.get,
                               index=list(journey_names).index(current_next) if current_next in journey_names else 0,
                               key=f"journey.details.next.{journey_id}")
        if st.form_submit_button(_("Save details"), type="primary"):
            changes = {"name": name, "scenario": scenario, "goal": goal, "state": state, "status": status,
                       "next_journey_id": next_id or None}
            if attempt(engine, lambda s: journeys.update_journey(s, workspace_id, journey_id, changes,
                                                              expected_version=int(row["version"]), persona_ids=chosen),
                    _("Journey saved.")):
                st.rerun()


def journey_actions(engine: Engine, workspace_id: int, row: pd.Series) -> None:
    journey_id = int(row["id"])
    open_col, copy_col, delete_col = st.columns(3)
    if open_col.button(_("Open map"), key="journey.open", type="primary", width="stretch"):
        open_in_editor(journey_id)
    if copy_col.button(_("Duplicate as to-be"), key="journey.duplicate", width="stretch"):
        copy = attempt(engine, lambda s: journeys.duplicate_journey(s, workspace_id, journey_id, suffix=_(" (to-be)")),
                       _("To-be version created."))
        if copy:
            open_in_editor(copy.value.id)
    confirm_key = f"journey.delete.confirm.{journey_id}"
    if delete_col.button(_("Delete"), key="journey.delete", width="stretch"):
        st.session_state[confirm_key] = True
    if st.session_state.get(confirm_key):
        st.warning(_("Delete “{name}” with all its stages, steps and branches? This cannot be undone.").format(name=md(row["name"])))
        yes, no = st.columns(2)
        if yes.button(_("Yes, delete the journey"), key="journey.delete.yes", type="primary", width="stretch"):
            if attempt(engine, lambda s: journeys.delete_journey(s, workspace_id, journey_id, expected_version=int(row["version"])),
                    _("Journey deleted.")):
                st.session_state.pop(confirm_key, None)
                st.rerun()
        if no.button(_("Cancel"), key="journey.delete.no", width="stretch"):
            st.session_state.pop(confirm_key, None)
            st.rerun()


def lifecycle_view(chains: list) -> None:  # list[list[LifecycleLink]]
    """Each chain of linked journeys as a row of cards joined by arrows."""
    if not chains:
        st.caption(_("No journeys for this persona yet."))
        return
    states = translated(STATES)
    for chain in chains:
        cells = st.columns([4 if i % 2 == 0 else 1 for i in range(max(len(chain) * 2 - 1, 1))], vertical_alignment="center")
        for index, link in enumerate(chain):
            with cells[index * 2].container(border=True):
                st.markdown(f"**{md(link.name)}**")
                st.caption(md(f"{states.get(link.state, link.state)} · {', '.join(link.persona_names)}"))
            if index < len(chain) - 1:
                cells[index * 2 + 1].markdown("### →")
