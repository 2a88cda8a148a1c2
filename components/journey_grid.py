"""The journey map grid: stages as column groups, one column per step, lanes as rows.

Rendered as ONE escaped HTML table (``st.html``): a single element however
many steps the journey has, horizontally scrollable, readable on a projector.
Every piece of user text goes through ``html.escape``.
"""

from html import escape

import pandas as pd
import streamlit as st

from components.i18n import _
from components.labels import label
from components.text import BuiltHtml
from services.core.labels import EXIT_KINDS
from services.journeys import JourneyMap
from services.reports import EMOTION_COLOURS

EMOTION_FACES = {-3: "😫", -2: "😟", -1: "🙁", 0: "😐", 1: "🙂", 2: "😀", 3: "🤩"}

STYLE = """
<style>
.jw-grid-wrap {overflow-x: auto; padding-bottom: .5rem;}
.jw-grid {border-collapse: separate; border-spacing: 6px; font-size: 15px; line-height: 1.35;}
.jw-grid th.jw-stage {background: #1f5f8b; color: #fff; padding: .4rem .6rem; border-radius: 6px;
  text-align: left; font-size: 16px; white-space: nowrap;}
.jw-grid th.jw-lane {position: sticky; left: 0; background: #eef2f6; color: #1b1f24; text-align: left;
  padding: .4rem .6rem; border-radius: 6px; min-width: 8.5rem; z-index: 1; vertical-align: top;}
.jw-grid td {background: #fff; border: 1px solid #d5dde5; border-radius: 6px; padding: .45rem .55rem;
  min-width: 12rem; max-width: 16rem; vertical-align: top;}
.jw-grid td.jw-step {border-left: 5px solid #1f5f8b; font-weight: 600;}
.jw-grid td.jw-empty {background: transparent; border: 1px dashed #c3ccd6; color: #6b7785; font-style: italic;}
.jw-grid ul {margin: 0; padding-left: 1.1rem;}
.jw-badge {display: inline-block; font-size: 12px; font-weight: 600; border-radius: 4px; padding: 0 .35rem;
  margin: 0 .2rem .2rem 0; background: #eef2f6; color: #1b1f24;}
.jw-mot {background: #ffd54f;} .jw-votes {background: #1f5f8b; color: #fff;}
.jw-entry {background: #c8e6c9;} .jw-exit {background: #ffcdd2;}
.jw-muted {color: #55606d; font-weight: 400;}
</style>
"""


def _text(value: object) -> str:
    """Escaped text with line breaks kept."""
    return escape("" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)).replace("\n", "<br>")


def _items(values: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{v}</li>" for v in values) + "</ul>" if values else ""


def _dots(count: int) -> str:
    return f" <span class='jw-badge jw-votes'>● {count}</span>" if count else ""


def _step_cell(step: pd.Series, votes: int = 0) -> str:
    badges = []
    if step["is_moment_of_truth"]:
        badges.append("<span class='jw-badge jw-mot'>★ " + escape(_("Moment of truth")) + "</span>")
    if step["is_entry"]:
        share = f" {step['entry_share']:g} %" if pd.notna(step["entry_share"]) else ""
        badges.append("<span class='jw-badge jw-entry'>→ " + escape(_("Entry")) + f"{share}</span>")
    if step["is_exit"]:
        badges.append("<span class='jw-badge jw-exit'>⏹ " + escape(_("Exit")) + f" {escape(exit_label(step['exit_kind']))}</span>")
    doing = f"<div class='jw-muted'>{_text(step['doing'])}</div>" if step["doing"] else ""
    return f"<td class='jw-step'>{''.join(badges)}<div>{_text(step['title'])}{_dots(votes)}</div>{doing}</td>"


def exit_label(kind: str) -> str:
    """The exit kind's label (services.core.labels.EXIT_KINDS); "" for none."""
    return label(EXIT_KINDS, kind) if kind else ""


def _by_step(frame: pd.DataFrame) -> dict[int, list]:
    """step id → its rows (as named tuples), in one pass."""
    grouped: dict[int, list] = {}
    for row in frame.itertuples():
        grouped.setdefault(int(row.step_id), []).append(row)
    return grouped


def _vote_lookup(votes: pd.DataFrame | None) -> dict[tuple[str, int], int]:
    if votes is None or votes.empty:
        return {}
    return {(str(kind), int(target)): int(count) for kind, target, count in
            votes[["target_kind", "target_id", "votes"]].itertuples(index=False)}


def journey_grid_html(journey_map: JourneyMap, votes: pd.DataFrame | None = None) -> str:
    """The whole map as one HTML table (pure: tests call it without a browser).

    ``votes`` (target_kind, target_id, votes) puts dot counts on steps, pain points and opportunities.
    """
    if not journey_map.stages:
        return "<p>" + escape(_("This journey has no stages yet. Add the first stage below.")) + "</p>"
    dots = _vote_lookup(votes)
    pains, opportunities, touchpoints = (_by_step(journey_map.pain_points), _by_step(journey_map.opportunities),
                                         _by_step(journey_map.step_touchpoints))
    steps = journey_map.steps
    header, columns = [], []  # columns: one step (a row of the steps frame) or None for an empty stage
    for stage in journey_map.stages:
        stage_steps = [step for _index, step in steps[steps["stage_id"] == stage.id].iterrows()]
        header.append(f"<th class='jw-stage' colspan='{max(len(stage_steps), 1)}'>{_text(stage.name)}</th>")
        columns.extend(stage_steps or [None])

    def items(groups: dict[int, list], step: pd.Series, render) -> str:  # type: ignore[no-untyped-def]
        return "<td>" + _items([render(row) for row in groups.get(int(step["id"]), [])]) + "</td>"

    lanes = {
        _("Steps"): lambda step: _step_cell(step, dots.get(("step", int(step["id"])), 0)),
        _("Thinking"): lambda step: f"<td>{_text(step['thinking'])}</td>",
        _("Feeling"): lambda step: (f"<td style='background:{EMOTION_COLOURS[int(step['emotion'])]}33'>"
                                    f"<b>{EMOTION_FACES[int(step['emotion'])]} {int(step['emotion']):+d}</b> "
                                    f"{_text(step['feeling'])}</td>"),
        _("Needs"): lambda step: f"<td>{_text(step['needs'])}</td>",
        _("Pain points"): lambda step: items(pains, step, lambda r: f"{_text(r.text)} ({r.severity}/5)"
                                             + _dots(dots.get(("pain_point", int(r.id)), 0))),
        _("Opportunities"): lambda step: items(opportunities, step, lambda r: _text(r.text)
                                               + _dots(dots.get(("opportunity", int(r.id)), 0))),
        _("Touchpoints"): lambda step: items(touchpoints, step, _touchpoint_item),
        _("Owner / backstage"): lambda step: (f"<td><b>{_text(step['owner_department'])}</b><br>"
                                              f"<span class='jw-muted'>{_text(step['backstage'])}</span></td>"),
    }
    rows = [
        f"<tr><th class='jw-lane'>{escape(title)}</th>"
        + "".join(cell(step) if step is not None else "<td class='jw-empty'></td>" for step in columns) + "</tr>"
        for title, cell in lanes.items()
    ]
    head = "<tr><th class='jw-lane'></th>" + "".join(header) + "</tr>"
    return f"{STYLE}<div class='jw-grid-wrap'><table class='jw-grid'>{head}{''.join(rows)}</table></div>"


def _touchpoint_item(row: pd.Series) -> str:
    flags = ("✔ " if row.is_decisive else "") + ("⚠ " if row.leads_to_abort else "")
    channel = f" <span class='jw-muted'>({_text(row.channel_name)})</span>" if row.channel_name else ""
    return f"{flags}{_text(row.touchpoint_name)}{channel}"


def journey_grid(journey_map: JourneyMap) -> None:
    st.html(BuiltHtml(journey_grid_html(journey_map)))
