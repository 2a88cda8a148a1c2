"""The read-only graph of a journey (streamlit-agraph / vis-network).

Steps are nodes laid out left to right by stage, coloured by emotion; edges are
transitions, as wide as the share of customers taking them. Everything a node says
stands in its label, drawn on the canvas as plain text: the title (at most two
lines) and a line of facts (emotion, entry share, exit kind, moment of truth).

Nodes get no ``title`` (hover text): vis-network shows a title as plain text, so
escaped HTML appeared literally (``<b>…</b>``, ``&amp;#x27;``), while the
component also parses it with ``innerHTML`` and opens it as an address when a node
is double-clicked (a junk tab ``/component/streamlit_agraph.agraph/…``). Without a
title neither happens. Edge titles are plain text (vis shows them as text; the
component parses only node titles).
"""

import textwrap

import pandas as pd
from streamlit_agraph import Config, Edge, Node, agraph

from components.i18n import _
from components.journey_grid import exit_label
from services.journeys import JourneyMap
from services.reports import EMOTION_COLOURS

ENTRY_COLOUR = "#2e7d32"
EXIT_COLOUR = "#c62828"
FONT_SIZE = 20  # px on the canvas at zoom 1; vis-network scales the whole graph to fit, so it must start large
LINE = 22  # characters of a node's title per line


def _label(text: str, limit: int = 28) -> str:
    text = " ".join(str(text).split())  # one line, no control characters
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _title_lines(text: str) -> str:
    """The step's title on at most two lines of :data:`LINE` characters (cut with … when longer)."""
    lines = textwrap.wrap(" ".join(str(text).split()), LINE, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], _label(" ".join(lines[1:]), LINE)]
    return "\n".join(lines)


def _facts(step) -> str:  # type: ignore[no-untyped-def]
    facts = [f"{_('Emotion')} {int(step.emotion):+d}"]
    if step.is_entry:
        facts.append("→ " + _("Entry") + (f" {step.entry_share:g} %" if pd.notna(step.entry_share) else ""))
    if step.is_exit:
        facts.append("⏹ " + (exit_label(step.exit_kind) or _("Exit")))
    if step.is_moment_of_truth:
        facts.append("★ " + _("Moment of truth"))
    return " · ".join(facts)


def graph_elements(journey_map: JourneyMap) -> tuple[list[Node], list[Edge]]:
    """Nodes and edges for the component (pure: tests inspect them)."""
    stage_level = {stage.id: index for index, stage in enumerate(journey_map.stages)}
    nodes = []
    for step in journey_map.steps.itertuples():
        border = ENTRY_COLOUR if step.is_entry else EXIT_COLOUR if step.is_exit else "#1b1f24"
        node = Node(
            id=str(step.id), label=f"{_title_lines(step.title)}\n{_facts(step)}",
            shape="box" if step.is_exit else ("diamond" if step.is_entry else "ellipse"),
            level=stage_level.get(step.stage_id, 0), size=26,
            color={"background": EMOTION_COLOURS[int(step.emotion)], "border": border,
                   "highlight": {"background": "#ffd54f", "border": "#1b1f24"}},
            borderWidth=3 if (step.is_entry or step.is_exit) else 1,
            font={"size": FONT_SIZE, "color": "#1b1f24", "multi": False},
        )
        del node.title  # see the module docstring: Node() would fill in the id
        nodes.append(node)
    edges = []
    for transition in journey_map.transitions.itertuples():
        share = transition.share if pd.notna(transition.share) else None
        label = " · ".join(part for part in (_label(transition.label or "", 20), f"{share:g} %" if share is not None else "") if part)
        edges.append(Edge(
            source=str(transition.source_step_id), target=str(transition.target_step_id), label=label,
            title=" ".join(str(transition.label or "").split()), width=1 + (share or 10) / 12, color="#5b6770",
            font={"size": FONT_SIZE - 4, "align": "middle"}, arrows="to",
        ))
    return nodes, edges


def graph_config(height: int = 560) -> Config:
    config = Config(
        height=height, directed=True, physics=False, hierarchical=True, groups={},
        direction="LR", sortMethod="directed", levelSeparation=300, nodeSpacing=150, treeSpacing=180,
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
