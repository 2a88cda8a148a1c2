"""Personas: gallery with search and segment filter, editor, duplicate, delete, comparison."""

import streamlit as st

from components.cache import snapshot
from components.feedback import attempt, reporting_errors
from components.i18n import _
from components.identity import role_in
from components.labels import INCOME_BANDS, PERSONA_FIELDS, label, label_of
from components.page import open_page
from components.persona_card import persona_card
from components.persona_form import EDITING, close_editor, open_editor, persona_form
from components.text import md
from models.db import read_session
from services import personas, workspaces

engine, workspace_id = open_page()
view = snapshot(engine, workspace_id)  # the reads below: once per change of the workspace (and filter)
DELETING = "persona.deleting"
can_edit = role_in(workspace_id) not in ("viewer", "participant", None)  # the services check again

st.title(_("Personas"))

all_segments = view.data(personas.segments)
search_col, segment_col, new_col = st.columns([3, 2, 1], vertical_alignment="bottom")
search = search_col.text_input(_("Search by name"), key="persona.search")
segment_labels = {"": _("All segments"), **{s: s for s in all_segments}}
segment = segment_col.selectbox(_("Segment"), list(segment_labels), key="persona.segment", format_func=segment_labels.get)
with read_session(engine) as session:  # not cached: avatar uploads (up to 2 MB each) would make entries large
    gallery = personas.list_personas(session, workspace_id, segment=segment or None, search=search)
everyone = view.data(personas.list_personas, with_images=False)
preferences = view.data(personas.channel_preferences)
workspace_channels = view.data(workspaces.list_channels)

if can_edit:
    new_col.button(_("New persona"), key="persona.new", type="primary", width="stretch", on_click=open_editor, args=(None,))

editing = st.session_state.get(EDITING)
if editing is not None:
    current = next((p for p in everyone if p.id == editing), None)
    if editing != "new" and current is None:
        close_editor()
        st.warning(_("This persona was deleted in the meantime."))
    else:
        persona_form(engine, workspace_id, workspace_channels, preferences.get(editing, []) if current else [])

deleting = st.session_state.get(DELETING)
doomed = next((p for p in everyone if p.id == deleting), None)
if doomed is not None:
    with st.container(border=True):
        with read_session(engine) as session:
            used_in = personas.journeys_using(session, workspace_id, doomed.id)
        st.warning(_("Delete the persona “{name}”? This cannot be undone.").format(name=md(doomed.name)))
        if used_in:
            st.markdown(_("It is used in these journeys and will be removed from them:") + " "
                        + ", ".join(f"**{md(name)}**" for name in used_in))
        confirm, cancel = st.columns(2)
        if confirm.button(_("Delete persona"), key="persona.delete.confirm", type="primary", width="stretch"):
            if attempt(engine, lambda s: personas.delete_persona(s, workspace_id, doomed.id), _("Persona deleted."), kind="info"):
                st.session_state[DELETING] = None
                st.rerun()
        if cancel.button(_("Cancel"), key="persona.delete.cancel", width="stretch"):
            st.session_state[DELETING] = None
            st.rerun()

gallery_tab, compare_tab = st.tabs([_("Gallery"), _("Compare")])
with gallery_tab:
    if not gallery:
        st.info(_("No personas match.") if everyone else _("No personas yet. Create the first one."))
    for row_start in range(0, len(gallery), 3):
        for column, persona in zip(st.columns(3), gallery[row_start:row_start + 3], strict=False):
            with column, st.container(border=True, key=f"persona-card-{persona.id}"):
                persona_card(persona, preferences.get(persona.id, []))
                if not can_edit:
                    continue
                edit, duplicate, delete = st.columns(3)
                edit.button(":material/edit:", help=_("Edit"), key=f"persona.card.{persona.id}.edit", width="stretch",
                            on_click=open_editor, args=(persona,))
                if duplicate.button(":material/content_copy:", help=_("Duplicate"), key=f"persona.card.{persona.id}.duplicate",
                                    width="stretch"):
                    if attempt(engine, lambda s, p=persona: personas.duplicate_persona(s, workspace_id, p.id, copy_suffix=_(" (copy)")),
                               _("Persona duplicated.")):
                        st.rerun()
                delete.button(":material/delete:", help=_("Delete"), key=f"persona.card.{persona.id}.delete", width="stretch",
                              on_click=st.session_state.__setitem__, args=(DELETING, persona.id))

with compare_tab:
    names = {p.id: p.name for p in everyone}
    chosen = st.multiselect(_("Choose two to four personas"), options=list(names), format_func=names.get,
                            max_selections=4, key="persona.compare")
    if len(chosen) >= 2:
        with reporting_errors(), read_session(engine) as session:
            table = personas.comparison(session, workspace_id, chosen)
            if "income_band" in table.index:
                table.loc["income_band"] = table.loc["income_band"].map(label_of(INCOME_BANDS))
            table.index = [label(PERSONA_FIELDS, f) for f in table.index]
            st.dataframe(table.astype(str), width="stretch", height=min(40 * (len(table) + 1), 800))
    else:
        st.caption(_("Pick at least two personas to see them side by side."))
