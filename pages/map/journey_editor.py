"""Journey map editor: the grid, the emotion curve, branches, the graph, and quick editing (a fragment)."""

import streamlit as st
from sqlmodel import Session

from components.branch_editor import add_transition_form, branch_warnings, edit_transition_form, transitions_table
from components.cache import snapshot
from components.charts import chart_panel
from components.feedback import attempt, show_flash
from components.flow_canvas import flow_canvas
from components.fragments import rerun_here
from components.i18n import _
from components.journey_charts import emotion_curve_figure
from components.journey_graph_view import journey_graph
from components.journey_grid import journey_grid
from components.live_changes import live_changes
from components.page import open_page
from components.stage_tools import quick_add_step, stage_tools, undo_banner
from components.step_editor import select_step, step_editor
from components.text import md
from services import journeys, touchpoints
from services.journeys import emotion_curve_data, load_journey_map

engine, workspace_id = open_page()
JOURNEY = "journey.editor.journey_id"


@st.fragment
def journey_view(journey_id: int) -> None:
    """Everything below the title: adding, editing and moving steps and stages rerun only this part (the sidebar,
    the title and the journey picker stay); the map is read once per change of the workspace."""
    show_flash()  # the messages of actions taken here (app.py shows them on a full run)
    view = snapshot(engine, workspace_id)
    journey_map = view.data(load_journey_map, journey_id)
    catalogue = view.data(touchpoints.list_touchpoints)
    journey = journey_map.journey
    personas = ", ".join(f"{p.avatar_emoji} {p.name}" for p in journey_map.personas) or _("no persona attached")
    version = _("to-be") if journey.state == "to_be" else _("as-is")
    st.caption(md(f"{personas} · {version} · {journey.scenario}"))

    undo_banner(engine, workspace_id)
    branch_warnings(journey_map.warnings)

    views = {"map": _("Map"), "curve": _("Emotion curve"), "branches": _("Branches"), "graph": _("Graph"),
             "draw": _("Draw branches")}
    shown = st.segmented_control(_("View"), list(views), format_func=views.get, key="journey.editor.view",
                                 default="map", label_visibility="collapsed") or "map"

    if shown == "map":  # the Feeling lane shows each step's score; the curve is its own view, so that adding a
        journey_grid(journey_map)  # step in the map does not redraw a chart as well (half the browser's work per step)
    elif shown == "curve":
        curve = emotion_curve_data(journey_map)
        if curve.empty:
            st.info(_("This journey has no steps yet."))
        else:
            chart_panel(view.figure(emotion_curve_figure, curve, _("Emotion curve"), inputs=(journey_id,)), curve,
                        key="journey.emotion_curve", filename=f"{journey.name} emotion curve")
    elif shown == "branches":
        st.dataframe(transitions_table(journey_map), hide_index=True, width="stretch")
        add_col, edit_col = st.columns(2)
        with add_col:
            add_transition_form(engine, workspace_id, journey_map)
        with edit_col:
            edit_transition_form(engine, workspace_id, journey_map)
    elif shown == "graph":
        st.caption(_("Click a step to edit it below. Colour: emotion; diamond: entry; box: exit; edge width: share."))
        clicked = journey_graph(journey_map)
        if clicked is not None and clicked != st.session_state.get("journey.editor.step_id"):
            select_step(journey_map, clicked)
    else:
        st.caption(_("Drag from the right edge of one step to another to add a branch; set its share on the Branches view."))
        drawn = flow_canvas(journey_map, key=f"journey.flow.{journey.id}")
        if drawn:
            def draw(session: Session) -> None:
                for source_id, target_id in drawn:
                    journeys.create_transition(session, workspace_id, source_id, target_id, {})

            if attempt(engine, draw, _("Branch added.")):
                rerun_here()

    quick_add_step(engine, workspace_id, journey_map)
    edit_col, stage_col = st.columns([3, 1])
    with edit_col:
        st.subheader(_("Edit step"), anchor=False)
        step_editor(engine, workspace_id, journey_map, catalogue)
    with stage_col:
        st.subheader(_("Stages"), anchor=False)
        stage_tools(engine, workspace_id, journey_map)


listing = snapshot(engine, workspace_id).data(journeys.list_journeys)
if listing.empty:
    st.title(_("Journey map"))
    st.info(_("No journeys yet. Create one on the Journeys page."))
    st.page_link("pages/map/journeys.py", label=_("Open the journeys"), icon="🗺️")
    st.stop()

names = dict(zip(listing["id"], listing["name"], strict=True))
if st.session_state.get(JOURNEY) not in names:
    requested = st.query_params.get("journey")
    st.session_state[JOURNEY] = int(requested) if requested and requested.isdigit() and int(requested) in names \
        else next(iter(names))
st.query_params["journey"] = str(st.session_state[JOURNEY])

title, picker = st.columns([3, 2], vertical_alignment="bottom")
title.title(md(names[st.session_state[JOURNEY]]))
picker.selectbox(_("Journey"), list(names), format_func=names.get, key=JOURNEY)
live_changes(engine, workspace_id, int(st.session_state[JOURNEY]))  # others' changes redraw the map and are named
journey_view(int(st.session_state[JOURNEY]))
