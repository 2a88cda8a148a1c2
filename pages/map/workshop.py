"""Workshop: everybody on one map — presence, live updates, focus, timer, dot voting, comments, quick capture."""

import streamlit as st

from components.i18n import _
from components.identity import run_actor
from components.page import open_page
from components.workshop import (
    POLL_SECONDS,
    comments_panel,
    facilitator_controls,
    focused_map,
    live_map,
    participant,
    quick_capture,
)
from models.db import read_session
from services import journeys, workshop
from services.journeys import load_journey_map

# Presentation layout for the projector: static CSS only, no user text in it.
PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] {display: none;}
.jw-grid {font-size: 22px !important;} .jw-grid th.jw-stage {font-size: 24px !important;}
h1 {font-size: 3rem !important;}
</style>"""

engine, workspace_id = open_page()
with read_session(engine) as session:
    listing = journeys.list_journeys(session, workspace_id)
st.title(_("Workshop"))
if listing.empty:
    st.info(_("No journeys yet. Create one on the Journeys page."))
    st.stop()

names = dict(zip(listing["id"], listing["name"], strict=True))
only = run_actor().journeys.get(workspace_id)  # a guest: the journey of its link, nothing else
if only is not None:
    names = {only: names[only]} if only in names else {}
if not names:
    st.info(_("This workshop has ended."))
    st.stop()
requested = st.query_params.get("journey", "")
default = int(requested) if requested.isdigit() and int(requested) in names else next(iter(names))
journey_id = st.selectbox(_("Journey"), list(names), format_func=names.get, key="workshop.journey",
                          index=list(names).index(default))
st.query_params["journey"] = str(journey_id)

who = participant(engine, workspace_id)
name, is_facilitator = who

if st.toggle(_("Presentation mode"), key="workshop.presentation"):
    st.html(PRESENTATION_CSS)

with read_session(engine) as session:
    journey_map = load_journey_map(session, workspace_id, journey_id)
    stage_id = workshop.focus(session, workspace_id, journey_id)
if is_facilitator:
    facilitator_controls(engine, workspace_id, journey_map)

st.fragment(run_every=POLL_SECONDS)(live_map)(engine, workspace_id, journey_id, who)

quick_capture(engine, workspace_id, journey_map, name, stage_id)
with st.expander(_("Comments"), expanded=True):
    comments_panel(engine, workspace_id, focused_map(journey_map, stage_id))
