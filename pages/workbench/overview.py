"""Overview: what is in the workspace, what changed lately, where to start."""

import streamlit as st

from components.i18n import _
from components.page import open_page
from components.persona_form import open_editor
from models.db import read_session
from services import workspaces

engine, workspace_id = open_page()

with read_session(engine) as session:
    counts = workspaces.workspace_counts(session, workspace_id)
    recent = workspaces.recently_changed(session, workspace_id, limit=10)

st.title(_("Overview"))

tiles = [
    ("personas", _("Personas")), ("journeys", _("Journeys")), ("steps", _("Steps")),
    ("touchpoints", _("Touchpoints")), ("content_items", _("Content items")), ("metrics", _("Metrics")),
]
for column, (name, title) in zip(st.columns(len(tiles)), tiles, strict=True):
    column.metric(title, counts.get(name, 0), border=True)

st.subheader(_("Get started"), anchor=False)
start, _spacer = st.columns([1, 2])
with start:
    if counts.get("personas", 0) == 0:
        st.info(_("Personas give your journeys a face: start with the first one."))
    if st.button(_("Create a persona"), key="overview.new_persona", type="primary" if not counts.get("personas") else "secondary"):
        open_editor(None)
        st.switch_page("pages/map/personas.py")
    st.page_link("pages/map/personas.py", label=_("Open the persona gallery"), icon="👥")
    if counts.get("journeys", 0) == 0:
        st.info(_("Then draw the first journey from a template."))
    st.page_link("pages/map/journeys.py", label=_("Create or open a journey"), icon="🗺️")

st.subheader(_("Recently changed"), anchor=False)
if recent.empty:
    st.caption(_("Nothing has changed yet."))
else:
    kinds = {
        "persona": _("Persona"), "journey": _("Journey"), "touchpoint": _("Touchpoint"),
        "content_item": _("Content item"), "metric": _("Metric"),
    }
    recent = recent.assign(kind=recent["kind"].map(lambda k: kinds.get(k, k)))
    st.dataframe(
        recent[["kind", "name", "updated_at"]], hide_index=True, width="stretch",
        column_config={
            "kind": st.column_config.TextColumn(_("Kind")),
            "name": st.column_config.TextColumn(_("Name")),
            "updated_at": st.column_config.DatetimeColumn(_("Changed"), format="YYYY-MM-DD HH:mm"),
        },
    )
