"""Workshop: everybody on one map — presence, live updates, focus, timer, dot voting, comments, quick capture."""

import streamlit as st

from components.i18n import _
from components.identity import run_actor
from components.page import open_page
from components.workshop import (
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

# Presentation layout for the projector: static CSS only, no user text in it. The map fits the
# screen's width (every step a column of equal width, words wrap), with large text; the sidebar,
# the header and every control but the presentation toggle are gone.
PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"] {display: none;}
[data-testid="stMainBlockContainer"] {padding: .5rem 1rem 1rem 1rem !important; max-width: 100% !important;}
.jw-grid-wrap {overflow-x: visible !important;}
.jw-grid {width: 100%; table-layout: fixed; font-size: 20px !important; line-height: 1.25 !important; border-spacing: 3px !important;}
.jw-grid td, .jw-grid th.jw-lane {min-width: 0 !important; max-width: none !important; overflow-wrap: anywhere;
  hyphens: auto; padding: .25rem .3rem !important;}
.jw-grid th.jw-lane {font-size: 20px !important;}
.jw-grid th.jw-stage {white-space: normal !important; font-size: 22px !important; overflow-wrap: anywhere;}
.jw-grid .jw-badge {font-size: 16px !important;}
.jw-grid td.jw-step .jw-muted {display: none;}  /* the step's details: the room reads titles from afar */
</style>"""
PRESENTING = "workshop.presentation"

engine, workspace_id = open_page()
with read_session(engine) as session:
    listing = journeys.list_journeys(session, workspace_id)
title_col, toggle_col = st.columns([4, 1], vertical_alignment="center")
presenting = toggle_col.toggle(_("Presentation mode"), key=PRESENTING,
                               help=_("For the projector: the whole map fits the screen in large text; controls are hidden."))
if presenting:
    st.html(PRESENTATION_CSS)
else:
    title_col.title(_("Workshop"))
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
if presenting:  # the picker is a control too: the journey stays the one in the address
    journey_id = default
else:
    journey_id = st.selectbox(_("Journey"), list(names), format_func=names.get, key="workshop.journey",
                              index=list(names).index(default))
st.query_params["journey"] = str(journey_id)

who = participant(engine, workspace_id)
name, is_facilitator = who

with read_session(engine) as session:
    journey_map = load_journey_map(session, workspace_id, journey_id)
    stage_id = workshop.focus(session, workspace_id, journey_id)
if is_facilitator and not presenting:
    facilitator_controls(engine, workspace_id, journey_map)

st.fragment(live_map)(engine, workspace_id, journey_id, who, presenting)

if not presenting:
    quick_capture(engine, workspace_id, journey_map, name, stage_id)
    with st.expander(_("Comments"), expanded=True):
        comments_panel(engine, workspace_id, focused_map(journey_map, stage_id))
