"""The journey poster (PNG, PDF): stages, step cards in their lanes, the emotion curve and the
branches, drawn on the server with matplotlib (no browser, no network).
"""

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no browser

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402

from services import journeys  # noqa: E402
from services.core import (  # noqa: E402
    N_,
    translate,  # noqa: E402
)
from services.core.labels import EXIT_KINDS, JOURNEY_STATES, JOURNEY_STATUSES, label  # noqa: E402
from services.reports.drawing import MM, PAPERS, PDF_FONTS, _text, fit, plain
from services.reports.palette import EMOTION_COLOURS, PALETTE, STAGE_COLOURS

# --- the poster -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lane:
    key: str
    label: str
    height: float  # mm


LANES = (
    Lane("steps", N_("Doing"), 52), Lane("branches", N_("Branches"), 34), Lane("thinking", N_("Thinking"), 28),
    Lane("feeling", N_("Feeling"), 52), Lane("pain_points", N_("Pain points"), 44), Lane("opportunities", N_("Opportunities"), 38),
    Lane("touchpoints", N_("Touchpoints"), 30), Lane("backstage", N_("Backstage / owner"), 24),
)


def poster_figure(jmap: journeys.JourneyMap, *, paper: str = "A2", language: str = "de") -> Figure:
    """The journey map as one large landscape page: stages, lanes, cards, emotion curve and branches."""
    def tr(message: str) -> str:
        return translate(message, language)

    steps = jmap.steps.reset_index(drop=True)
    count = max(1, len(steps))
    paper_w, paper_h = PAPERS.get(paper, PAPERS["A2"])
    margin, label_w, head_h, stage_h = 12.0, 34.0, 34.0, 12.0
    column = max(30.0, (paper_w - 2 * margin - label_w) / count)
    width = max(paper_w, 2 * margin + label_w + column * count)
    # The lanes share the page's height (their heights are proportions, at least the listed millimetres).
    stretch = max(1.0, (paper_h - 2 * margin - head_h - stage_h - 8) / sum(lane.height for lane in LANES))
    lanes = tuple(Lane(lane.key, lane.label, lane.height * stretch) for lane in LANES)
    lanes_h = sum(lane.height for lane in lanes)
    height = max(paper_h, margin * 2 + head_h + stage_h + lanes_h + 8)
    figure = Figure(figsize=(width * MM, height * MM))
    ax = figure.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)  # y grows downwards, in mm
    ax.axis("off")
    base = 7.5 if column >= 45 else 6.0 if column >= 36 else 5.0
    left = margin + label_w

    # title
    journey = jmap.journey
    _text(ax, margin, margin + 8, fit(journey.name, width - 2 * margin, 12, 22), fontsize=22, fontweight="bold", va="center")
    personas = ", ".join(plain(p.name) for p in jmap.personas) or "–"
    state, status = label(JOURNEY_STATES, journey.state, language), label(JOURNEY_STATUSES, journey.status, language)
    subtitle = "   ·   ".join((tr("Personas") + f": {personas}", tr("State") + f": {state}", tr("Status") + f": {status}"))
    _text(ax, margin, margin + 17, fit(subtitle, width - 2 * margin, 6, 10), fontsize=10, va="center", color="#333333")
    _text(ax, margin, margin + 25, fit(journey.scenario, width - 2 * margin, 9, 9), fontsize=9, va="center", color="#555555")

    # stages
    top = margin + head_h
    x_of = {int(sid): left + (i + 0.5) * column for i, sid in enumerate(steps["id"])} if not steps.empty else {}
    for index, stage in enumerate(jmap.stages):
        cols = list(steps.index[steps["stage_id"] == stage.id])
        if not cols:
            continue
        x0, x1 = left + min(cols) * column, left + (max(cols) + 1) * column
        colour = STAGE_COLOURS[index % len(STAGE_COLOURS)]
        ax.add_patch(Rectangle((x0 + 0.5, top), x1 - x0 - 1, stage_h, facecolor=colour, edgecolor="#ffffff"))
        ax.add_patch(Rectangle((x0 + 0.5, top + stage_h), x1 - x0 - 1, lanes_h, facecolor=colour, alpha=0.25, edgecolor="none"))
        _text(ax, (x0 + x1) / 2, top + stage_h / 2, fit(stage.name, x1 - x0 - 3, stage_h - 2, 10), fontsize=10,
              fontweight="bold", ha="center", va="center")

    # lanes
    y = top + stage_h
    lane_top: dict[str, float] = {}
    for lane in lanes:
        lane_top[lane.key] = y
        ax.plot([margin, width - margin], [y, y], color="#c8c8c8", linewidth=0.6)
        _text(ax, margin + 1, y + 4, fit(tr(lane.label), label_w - 3, lane.height - 4, 8.5), fontsize=8.5,
              fontweight="bold", va="top", color="#333333")
        y += lane.height
    ax.plot([margin, width - margin], [y, y], color="#c8c8c8", linewidth=0.6)

    items = _items_by_step(jmap)
    for i, (_index, step) in enumerate(steps.iterrows()):
        x0 = left + i * column + 1.2
        w = column - 2.4
        sid = int(step["id"])
        _card(ax, x0, lane_top["steps"] + 2, w, lanes[0].height - 4, step, base, language)
        _text(ax, x0 + 1, lane_top["thinking"] + 2, fit(step["thinking"], w - 2, lanes[2].height - 4, base),
              fontsize=base, va="top", style="italic", color="#333333")
        _list(ax, x0, lane_top["pain_points"] + 2, w, lanes[4].height - 4, items["pain_points"].get(sid, []), base, "#fde0dc")
        _list(ax, x0, lane_top["opportunities"] + 2, w, lanes[5].height - 4, items["opportunities"].get(sid, []), base, "#dff3e4")
        _list(ax, x0, lane_top["touchpoints"] + 2, w, lanes[6].height - 4, items["touchpoints"].get(sid, []), base, "#e3ecf8")
        backstage = "\n".join(v for v in (plain(step["owner_department"]), plain(step["backstage"])) if v)
        _text(ax, x0 + 1, lane_top["backstage"] + 2, fit(backstage, w - 2, lanes[7].height - 4, base), fontsize=base,
              va="top", color="#333333")

    _emotion_curve(ax, jmap, steps, x_of, lane_top["feeling"], lanes[3].height, left, width - margin, base)
    _branches(ax, jmap, steps, x_of, lane_top["steps"], lanes[0].height, lane_top["branches"], lanes[1].height, column, base)
    _text(ax, width - margin, height - 4, f"Journey Workbench · {date.today().isoformat()}", fontsize=7, ha="right",
          color="#777777")
    return figure


def _items_by_step(jmap: journeys.JourneyMap) -> dict[str, dict[int, list[str]]]:
    pains = {int(k): [f"{'!' * int(s)} {t}" for t, s in zip(g["text"], g["severity"], strict=True)]
             for k, g in jmap.pain_points.groupby("step_id")} if not jmap.pain_points.empty else {}
    opps = {int(k): list(g["text"]) for k, g in jmap.opportunities.groupby("step_id")} if not jmap.opportunities.empty else {}
    links = jmap.step_touchpoints
    tps = {int(k): [f"{n} ({c})" if c else str(n) for n, c in zip(g["touchpoint_name"], g["channel_name"], strict=True)]
           for k, g in links.groupby("step_id")} if not links.empty else {}
    return {"pain_points": pains, "opportunities": opps, "touchpoints": tps}


def _card(ax: Any, x: float, y: float, w: float, h: float, step: pd.Series, size: float, language: str) -> None:
    edge = "#542788" if step["is_moment_of_truth"] else "#7a7a7a"
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=1.5", facecolor="#ffffff",
                                edgecolor=edge, linewidth=1.6 if step["is_moment_of_truth"] else 0.8))
    badges = []
    if step["is_moment_of_truth"]:
        badges.append("★ " + translate(N_("Moment of truth"), language))
    if step["is_entry"]:
        share = step["entry_share"]
        badges.append("→ " + translate(N_("Entry"), language) + (f" {share:g} %" if pd.notna(share) else ""))
    if step["is_exit"]:
        kind = step["exit_kind"]
        badges.append("⏹ " + (label(EXIT_KINDS, kind, language) if kind else translate(N_("Exit"), language)))
    title_h = 12.0
    _text(ax, x + 1.2, y + 1.2, fit(step["title"], w - 2.4, title_h, size + 1), fontsize=size + 1, fontweight="bold", va="top")
    badge_h = 4.5 if badges else 0.0
    _text(ax, x + 1.2, y + title_h + 2, fit(step["doing"], w - 2.4, h - title_h - badge_h - 3, size), fontsize=size,
          va="top", color="#333333")
    if badges:
        _text(ax, x + 1.2, y + h - 1.2, fit("  ".join(badges), w - 2.4, badge_h, size - 0.5), fontsize=size - 0.5,
              va="bottom", color="#542788")


def _list(ax: Any, x: float, y: float, w: float, h: float, entries: list[str], size: float, colour: str) -> None:
    if not entries:
        return
    text = "\n".join(f"• {plain(e)}" for e in entries)
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=1.2", facecolor=colour,
                                edgecolor="none"))
    _text(ax, x + 1, y + 1.2, fit(text, w - 2, h - 2, size), fontsize=size, va="top")


def _emotion_curve(ax: Any, jmap: journeys.JourneyMap, steps: pd.DataFrame, x_of: dict[int, float], top: float,
                   height: float, x_from: float, x_to: float, size: float) -> None:
    middle = top + height / 2
    scale = (height / 2 - 5) / 3
    ax.plot([x_from, x_to], [middle, middle], color="#9aa5b1", linewidth=0.6, linestyle=":")
    for score in (-3, 3):
        _text(ax, x_from - 1, middle - score * scale, f"{score:+d}", fontsize=size - 1, ha="right", va="center", color="#777777")
    if steps.empty:
        return
    curve = journeys.emotion_curve_data(jmap)
    for index, (series, points) in enumerate(curve.groupby("series", sort=False)):
        xs = [x_of[int(s)] for s in points["step_id"]]
        ys = [middle - int(e) * scale for e in points["emotion"]]
        if series == journeys.ALL:
            ax.plot(xs, ys, color="#5b6770", linewidth=2.2, zorder=3)
            ax.scatter(xs, ys, s=[140 if m else 70 for m in points["is_moment_of_truth"]],
                       c=[EMOTION_COLOURS[int(e)] for e in points["emotion"]], edgecolors="#1b1f24",
                       marker="o", zorder=4, linewidths=0.8)
            for x, yv, e in zip(xs, ys, points["emotion"], strict=True):
                _text(ax, x, yv - 3.5, f"{int(e):+d}", fontsize=size, ha="center", va="bottom", zorder=5)
        else:
            colour = PALETTE[index % len(PALETTE)]
            ax.plot(xs, ys, color=colour, linewidth=1.2, linestyle="--", zorder=2)
            _text(ax, xs[-1] + 1, ys[-1], plain(series), fontsize=size - 1, color=colour, va="center")


def _branches(ax: Any, jmap: journeys.JourneyMap, steps: pd.DataFrame, x_of: dict[int, float], card_top: float,
              card_h: float, lane_top: float, lane_h: float, column: float, size: float) -> None:
    """Every transition as an arrow: next-door steps side by side, jumps and ways back as arcs in the branch lane."""
    transitions = jmap.transitions
    if transitions.empty or steps.empty:
        return
    order = {int(s): i for i, s in enumerate(steps["id"])}
    y_card = card_top + card_h / 2
    for row in transitions.itertuples():
        source, target = int(row.source_step_id), int(row.target_step_id)
        if source not in order or target not in order:
            continue
        gap = order[target] - order[source]
        share = f"{row.share:g} %" if pd.notna(row.share) else ""
        label = plain(row.label)
        if gap == 1:
            x0, x1 = x_of[source] + column / 2 - 1.4, x_of[target] - column / 2 + 1.4
            ax.add_patch(FancyArrowPatch((x0 - 0.6, y_card), (x1 + 0.6, y_card), arrowstyle="-|>", mutation_scale=8,
                                         color="#444444", linewidth=0.8, zorder=6))
            if share and share != "100 %":
                _text(ax, (x0 + x1) / 2, y_card - 2, share, fontsize=size - 1.5, ha="center", va="bottom", zorder=7)
            continue
        depth = min(lane_h - 6, 6 + 3 * abs(gap))
        start, end = (x_of[source], lane_top + 1), (x_of[target], lane_top + 1)
        colour = "#D55E00" if gap < 0 else "#0072B2"
        ax.add_patch(FancyArrowPatch(start, end, connectionstyle=f"arc,angleA=-90,angleB=-90,armA={depth},armB={depth},rad=4",
                                     arrowstyle="-|>", mutation_scale=9, color=colour, linewidth=1.0, zorder=6))
        text = " · ".join(v for v in (share, label) if v)
        if text:
            _text(ax, (start[0] + end[0]) / 2, lane_top + 1 + depth, fit(text, abs(end[0] - start[0]) - 2, 5, size - 1),
                  fontsize=size - 1, ha="center", va="bottom", color=colour, zorder=7)


def _save(figure: Figure, fmt: str, dpi: int = 150) -> bytes:
    buffer = io.BytesIO()
    with matplotlib.rc_context(PDF_FONTS):
        figure.savefig(buffer, format=fmt, dpi=dpi, facecolor="#ffffff",
                       metadata={"Creator": "Journey Workbench"} if fmt == "pdf" else {"Software": "Journey Workbench"})
    return buffer.getvalue()


def poster_png(jmap: journeys.JourneyMap, *, paper: str = "A2", dpi: int = 150, language: str = "de") -> bytes:
    return _save(poster_figure(jmap, paper=paper, language=language), "png", dpi)


def poster_pdf(jmap: journeys.JourneyMap, *, paper: str = "A2", language: str = "de") -> bytes:
    return _save(poster_figure(jmap, paper=paper, language=language), "pdf")
