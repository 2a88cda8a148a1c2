"""Drawing branches by hand: a React Flow canvas (streamlit-flow) where dragging
from one step's handle to another creates a transition.

The canvas state is UI state (positions, selection) kept in ``st.session_state``
per journey and rebuilt whenever the database's steps or transitions changed.
New edges are written through the service at once; the database stays the truth.
"""

import pandas as pd
import streamlit as st
from streamlit_flow import streamlit_flow
from streamlit_flow.elements import StreamlitFlowEdge, StreamlitFlowNode
from streamlit_flow.state import StreamlitFlowState

from components.text import md
from services.journeys import JourneyMap
from services.reports import EMOTION_COLOURS

COLUMN_WIDTH, ROW_HEIGHT = 260, 110
# fit_view cannot zoom out further than min_zoom; at the component's default (0.5) a map of nine stages
# opened cut off at both sides. Small enough to show any map whole at first; the wheel and the controls zoom in.
MIN_ZOOM = 0.15


def _signature(journey_map: JourneyMap) -> tuple:
    steps = tuple(journey_map.steps[["id", "stage_id", "position", "title", "emotion"]].itertuples(index=False))
    transitions = tuple(journey_map.transitions[["id", "source_step_id", "target_step_id", "share"]].itertuples(index=False))
    return steps, transitions


def flow_state(journey_map: JourneyMap) -> StreamlitFlowState:
    """Nodes placed in stage columns, existing transitions as edges with id ``t<transition id>``."""
    column = {stage.id: index for index, stage in enumerate(journey_map.stages)}
    row: dict[int, int] = {}
    nodes = []
    for step in journey_map.steps.itertuples():
        index = row.get(step.stage_id, 0)
        row[step.stage_id] = index + 1
        nodes.append(StreamlitFlowNode(
            id=str(step.id), pos=(column.get(step.stage_id, 0) * COLUMN_WIDTH, index * ROW_HEIGHT),
            data={"content": md(step.title)}, node_type="default", source_position="right", target_position="left",
            connectable=True, draggable=True, selectable=True,
            style={"background": EMOTION_COLOURS[int(step.emotion)], "border": "1px solid #1b1f24", "width": 200,
                   "fontSize": 14},
        ))
    edges = [
        StreamlitFlowEdge(
            id=f"t{t.id}", source=str(t.source_step_id), target=str(t.target_step_id), edge_type="smoothstep",
            label=f"{t.share:g} %" if pd.notna(t.share) else "", label_show_bg=True, marker_end={"type": "arrowclosed"},
        )
        for t in journey_map.transitions.itertuples()
    ]
    return StreamlitFlowState(nodes=nodes, edges=edges)


def flow_canvas(journey_map: JourneyMap, *, key: str, height: int = 520) -> list[tuple[int, int]]:
    """Render the canvas; return the (source, target) step pairs the user just connected."""
    state_key, signature_key = f"{key}.state", f"{key}.signature"
    signature = _signature(journey_map)
    if st.session_state.get(signature_key) != signature or state_key not in st.session_state:
        st.session_state[state_key] = flow_state(journey_map)
        st.session_state[signature_key] = signature
    new_state = streamlit_flow(
        key, st.session_state[state_key], height=height, fit_view=True, min_zoom=MIN_ZOOM, allow_new_edges=True,
        show_controls=True, show_minimap=False, pan_on_drag=True, hide_watermark=True,
    )
    st.session_state[state_key] = new_state
    known = {(str(t.source_step_id), str(t.target_step_id)) for t in journey_map.transitions.itertuples()}
    drawn = []
    for edge in new_state.edges:
        if not edge.id.startswith("t") and (edge.source, edge.target) not in known:
            drawn.append((int(edge.source), int(edge.target)))
    return drawn
