"""The read-only graph of a journey (streamlit-agraph / vis-network).

Steps are nodes laid out left to right by stage, coloured by emotion; edges are
transitions, as wide as the share of customers taking them. The component
writes a node's ``title`` into the page with ``innerHTML``: every piece of user
text in a title is escaped here. Labels are drawn on the canvas as plain text.
"""

from html import escape

import pandas as pd
from streamlit_agraph import Config, Edge, Node, agraph

from components.i18n import _
from components.journey_grid import exit_label
from services.journeys import JourneyMap
from services.reports import EMOTION_COLOURS

ENTRY_COLOUR = "#2e7d32"
EXIT_COLOUR = "#c62828"


def _label(text: str, limit: int = 28) -> str:
    text = " ".join(str(text).split())  # one line, no control characters
    return text if len(text) <= limit else text[: limit - 1] + "…"


def graph_elements(journey_map: JourneyMap) -> tuple[list[Node], list[Edge]]:
    """Nodes and edges for the component (pure: tests inspect them)."""
    stage_level = {stage.id: index for index, stage in enumerate(journey_map.stages)}
    stage_name = {stage.id: stage.name for stage in journey_map.stages}
    nodes = []
    for step in journey_map.steps.itertuples():
        lines = [f"<b>{escape(step.title)}</b>", escape(stage_name.get(step.stage_id, "")),
                 f"{escape(_('Emotion'))}: {int(step.emotion):+d}"]
        if step.is_entry:
            share = f" {step.entry_share:g} %" if pd.notna(step.entry_share) else ""
            lines.append(escape(_("Entry") + share))
        if step.is_exit:
            lines.append(escape(_("Exit") + " " + exit_label(step.exit_kind)))
        if step.is_moment_of_truth:
            lines.append("★ " + escape(_("Moment of truth")))
        border = ENTRY_COLOUR if step.is_entry else EXIT_COLOUR if step.is_exit else "#1b1f24"
        nodes.append(Node(
            id=str(step.id), label=_label(step.title), title="<br>".join(lines),
            shape="box" if step.is_exit else ("diamond" if step.is_entry else "ellipse"),
            level=stage_level.get(step.stage_id, 0), size=22,
            color={"background": EMOTION_COLOURS[int(step.emotion)], "border": border,
                   "highlight": {"background": "#ffd54f", "border": "#1b1f24"}},
            borderWidth=3 if (step.is_entry or step.is_exit) else 1,
            font={"size": 16, "color": "#1b1f24"},
        ))
    edges = []
    for transition in journey_map.transitions.itertuples():
        share = transition.share if pd.notna(transition.share) else None
        label = " · ".join(part for part in (_label(transition.label or "", 20), f"{share:g} %" if share is not None else "") if part)
        edges.append(Edge(
            source=str(transition.source_step_id), target=str(transition.target_step_id), label=label,
            title=escape(transition.label or ""), width=1 + (share or 10) / 12, color="#5b6770",
            font={"size": 13, "align": "middle"}, arrows="to",
        ))
    return nodes, edges


def graph_config(height: int = 560) -> Config:
    config = Config(
        height=height, directed=True, physics=False, hierarchical=True, groups={},
        direction="LR", sortMethod="directed", levelSeparation=230, nodeSpacing=120, treeSpacing=160,
        interaction={"hover": True, "navigationButtons": True, "keyboard": False},
    )
    config.width = "100%"  # Config appends "px" to whatever it is given
    return config


def journey_graph(journey_map: JourneyMap, height: int = 560) -> int | None:
    """Render the graph; return the id of the step the user clicked (if any)."""
    nodes, edges = graph_elements(journey_map)
    clicked = agraph(nodes=nodes, edges=edges, config=graph_config(height))
    try:
        return int(clicked) if clicked is not None else None
    except (TypeError, ValueError):
        return None
