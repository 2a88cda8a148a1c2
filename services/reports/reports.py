"""Journey posters (PNG, PDF) and the stakeholder report (self-contained HTML, PDF).

Everything is drawn on the server with matplotlib (Agg and PDF backends): no
browser, no Chromium, no network. The HTML report embeds plotly.js once (the
first chart is written with ``include_plotlyjs=True``, the others with
``False``), the poster as a base64 PNG and no external file, so it opens
offline; the PDF report draws its charts with matplotlib from the same data.

PDFs embed their font (DejaVu Sans) as TrueType, not as Type 3 (:data:`PDF_FONTS`).

User text is never markup here: in HTML it goes through ``html.escape`` (plotly
labels too: plotly reads a few tags and entities in its strings, so escaped text
shows literally), and in matplotlib ``parse_math=False`` keeps ``$`` from
starting TeX; characters the poster font has no glyph for (emoji) are left out.

No Streamlit here; texts are translated with :func:`services.core.i18n.translate`.
"""

import base64
import html
import io
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no browser

import pandas as pd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from models import Journey, PainPoint, Persona, Stage, Step, Workspace  # noqa: E402
from services import core, journeys, metrics, touchpoints  # noqa: E402
from services.core import (  # noqa: E402
    N_,
    DomainError,
    read_frame,  # noqa: E402
    translate,  # noqa: E402
)

MM = 1 / 25.4  # inches per millimetre
PAPERS = {"A3": (420, 297), "A2": (594, 420), "A1": (841, 594)}  # landscape, mm
EMOTION_COLOURS = {-3: "#b35806", -2: "#e08214", -1: "#fdb863", 0: "#d9d9d9", 1: "#b2abd2", 2: "#8073ac", 3: "#542788"}
STAGE_COLOURS = ("#dbe9f6", "#fde2c8", "#d5efe3", "#ecdcf1", "#fbf3c6", "#d9eef5", "#f5d8dc", "#e4e4e4")
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
TOP = 10
FONT = "DejaVu Sans"
# PDFs embed the font as TrueType (Type 42), not matplotlib's default Type 3 outlines, which archiving
# (PDF/A) and some print workflows refuse. Set while a PDF is written (the PDF backend reads it when it
# writes the fonts, so around the whole of a multi-page PdfPages).
PDF_FONTS = {"pdf.fonttype": 42}


# --- text -----------------------------------------------------------------------------------------


@cache
def _glyphs() -> frozenset[int]:
    path = font_manager.findfont(font_manager.FontProperties(family=FONT))
    return frozenset(FT2Font(path).get_charmap())


def plain(text: object) -> str:
    """Text for matplotlib: without characters the font cannot draw (emoji)."""
    glyphs = _glyphs()
    value = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
    return "".join(c for c in value if ord(c) in glyphs or c in "\n\t ").strip()


def fit(text: object, width_mm: float, height_mm: float, size_pt: float) -> str:
    """Wrap ``text`` to a box; cut with … when it does not fit."""
    char_mm = 0.55 * size_pt * 0.3528
    line_mm = 1.3 * size_pt * 0.3528
    columns = max(4, int(width_mm / char_mm))
    rows = max(1, int(height_mm / line_mm))
    lines: list[str] = []
    for paragraph in plain(text).splitlines() or [""]:
        lines += textwrap.wrap(paragraph, columns) or ([""] if paragraph == "" and lines else [])
    if len(lines) > rows:
        lines = lines[:rows]
        lines[-1] = (lines[-1][: columns - 1]).rstrip() + "…"
    return "\n".join(lines)


def _text(ax: Any, x: float, y: float, text: str, **kwargs: Any) -> None:
    ax.text(x, y, text, parse_math=False, fontfamily=FONT, **kwargs)


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
    subtitle = f"{tr('Personas')}: {personas}   ·   {tr('State')}: {journey.state}   ·   {tr('Status')}: {journey.status}"
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
        _card(ax, x0, lane_top["steps"] + 2, w, lanes[0].height - 4, step, base)
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


def _card(ax: Any, x: float, y: float, w: float, h: float, step: pd.Series, size: float) -> None:
    edge = "#542788" if step["is_moment_of_truth"] else "#7a7a7a"
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=1.5", facecolor="#ffffff",
                                edgecolor=edge, linewidth=1.6 if step["is_moment_of_truth"] else 0.8))
    badges = []
    if step["is_moment_of_truth"]:
        badges.append("★ MoT")
    if step["is_entry"]:
        share = step["entry_share"]
        badges.append("→ in" + (f" {share:g} %" if pd.notna(share) else ""))
    if step["is_exit"]:
        badges.append(f"⏹ {step['exit_kind'] or 'exit'}")
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


# --- the report's content -------------------------------------------------------------------------


@dataclass
class JourneySection:
    map: journeys.JourneyMap
    funnel: pd.DataFrame  # stage_name, entering, lost, finished, drop_off_pct
    flow_error: str = ""


@dataclass
class ReportData:
    title: str
    workspace: str
    language: str
    generated: date
    personas: pd.DataFrame
    journeys: list[JourneySection]
    touchpoints: pd.DataFrame
    kpis: pd.DataFrame
    pain_points: pd.DataFrame
    opportunities: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tr(self, message: str) -> str:
        return translate(message, self.language)


Progress = Callable[[str], None]


def report_data(session: Session, workspace_id: int, journey_id: int | None = None, *, language: str = "de",
                today: date | None = None, progress: Progress | None = None) -> ReportData:
    """Everything the report shows, for one journey or the whole workspace (a few queries per journey)."""
    say = progress or (lambda _m: None)
    workspace = core.get(session, Workspace, workspace_id)
    journey_ids = [journey_id] if journey_id is not None else list(session.execute(
        select(Journey.id).where(Journey.workspace_id == workspace_id).order_by(func.lower(Journey.name))).scalars())
    sections = []
    for jid in journey_ids:
        jmap = journeys.load_journey_map(session, workspace_id, jid)
        say(jmap.journey.name)
        try:
            funnel = journeys.journey_flow(session, workspace_id, jid).stages
            error = ""
        except DomainError as exc:
            funnel, error = pd.DataFrame(), exc.render(lambda m: translate(m, language))
        sections.append(JourneySection(jmap, funnel, error))
    persona_ids = sorted({p.id for s in sections for p in s.map.personas}) if journey_id is not None else None
    query = select(Persona.name, Persona.avatar_emoji, Persona.role, Persona.age, Persona.occupation, Persona.segment,
                   Persona.customer_share, Persona.quote, Persona.goals, Persona.needs, Persona.pains
                   ).where(Persona.workspace_id == workspace_id).order_by(func.lower(Persona.name))
    if persona_ids is not None:
        query = query.where(Persona.id.in_(persona_ids))  # type: ignore[attr-defined]
    kpis = metrics.metric_status(session, workspace_id, today=today)
    if journey_id is not None and not kpis.empty:
        kpis = kpis[kpis["journey"] == sections[0].map.journey.name]
    title = sections[0].map.journey.name if journey_id is not None else workspace.name
    return ReportData(
        title=title, workspace=workspace.name, language=language, generated=today or date.today(),
        personas=read_frame(session, query), journeys=sections,
        touchpoints=touchpoints.touchpoint_scores(session, workspace_id, journey_id),
        kpis=kpis.reset_index(drop=True), pain_points=top_pain_points(session, workspace_id, journey_id),
        opportunities=top_opportunities(session, workspace_id, journey_id),
    )


def top_pain_points(session: Session, workspace_id: int, journey_id: int | None = None, n: int = TOP) -> pd.DataFrame:
    """The most severe pain points (then the most voted, if votes exist), with their place; one query."""
    query = (select(PainPoint.text, PainPoint.severity, Step.title.label("step"), Stage.name.label("stage"),
                    Journey.name.label("journey"))
             .join(Step, Step.id == PainPoint.step_id).join(Stage, Stage.id == Step.stage_id)
             .join(Journey, Journey.id == Step.journey_id).where(Journey.workspace_id == workspace_id)
             .order_by(PainPoint.severity.desc(), func.lower(Journey.name), Stage.position, Step.position, PainPoint.position)  # type: ignore[attr-defined]
             .limit(n))
    if journey_id is not None:
        query = query.where(Step.journey_id == journey_id)
    return read_frame(session, query)


def top_opportunities(session: Session, workspace_id: int, journey_id: int | None = None, n: int = TOP) -> pd.DataFrame:
    """Open opportunities (not done or dropped) by priority — value per unit of effort — then votes."""
    frame = journeys.portfolio(session, workspace_id, journey_id)
    frame = frame[~frame["status"].isin(["done", "dropped"])]
    ranked = frame.sort_values(["priority", "votes", "value"], ascending=False, kind="stable").head(n)
    return ranked[["text", "priority", "value", "effort", "status", "votes", "step", "stage", "journey"]].reset_index(drop=True)


# --- charts (plotly for HTML, matplotlib for PDF) -------------------------------------------------


def _e(value: object) -> str:
    return html.escape(plain(value) if value is not None else "")


def _h(value: object) -> str:
    """User text for HTML (all of it, emoji included)."""
    return html.escape("" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value))


def emotion_figure(section: JourneySection, tr: Callable[[str], str]) -> go.Figure:
    curve = journeys.emotion_curve_data(section.map)
    figure = go.Figure()
    for index, (series, points) in enumerate(curve.groupby("series", sort=False)):
        overall = series == journeys.ALL
        figure.add_trace(go.Scatter(
            x=points["order"], y=points["emotion"], mode="lines+markers",
            name=tr("Customer") if overall else _h(series),
            line={"color": "#5b6770" if overall else PALETTE[index % len(PALETTE)], "dash": "solid" if overall else "dash"},
            marker={"color": [EMOTION_COLOURS[int(e)] for e in points["emotion"]] if overall else None, "size": 11},
            text=[_h(t) for t in points["step_title"]], hovertemplate="%{text}: %{y:+d}<extra></extra>",
        ))
    steps = curve[curve["series"] == journeys.ALL]
    figure.update_layout(
        title=tr("Emotion curve"), height=360, margin={"l": 40, "r": 20, "t": 50, "b": 110},
        xaxis={"tickmode": "array", "tickvals": steps["order"].tolist(),
               "ticktext": [_h(t[:24] + ("…" if len(t) > 24 else "")) for t in steps["step_title"]], "tickangle": -35},
        yaxis={"range": [-3.5, 3.5], "dtick": 1, "title": tr("Emotion (−3 … +3)")}, plot_bgcolor="#ffffff",
    )
    return figure


def funnel_figure(section: JourneySection, tr: Callable[[str], str]) -> go.Figure:
    stages = section.funnel
    figure = go.Figure(go.Funnel(
        y=[_h(n) for n in stages["stage_name"]], x=stages["entering"].round(0), textinfo="value+percent initial",
        marker={"color": PALETTE[0]},
    ))
    figure.update_layout(title=tr("Customers per stage (of 1,000 entering)"), height=360, margin={"l": 140, "r": 20, "t": 50, "b": 30})
    return figure


def importance_figure(scores: pd.DataFrame, tr: Callable[[str], str]) -> go.Figure:
    rated = scores.dropna(subset=["importance", "satisfaction"])
    figure = go.Figure(go.Scatter(
        x=rated["satisfaction"], y=rated["importance"], mode="markers+text", text=[_h(t) for t in rated["touchpoint"]],
        textposition="top center", marker={"size": 10 + 2 * rated["steps"].clip(upper=10), "color": PALETTE[0], "opacity": 0.7},
        hovertemplate="%{text}<br>" + tr("Satisfaction") + " %{x:.1f} · " + tr("Importance") + " %{y:.1f}<extra></extra>",
    ))
    figure.add_hline(y=3, line={"color": "#9aa5b1", "dash": "dot"})
    figure.add_vline(x=3, line={"color": "#9aa5b1", "dash": "dot"})
    figure.update_layout(title=tr("Importance–performance"), height=460, xaxis={"title": tr("Satisfaction"), "range": [0.5, 5.5]},
                         yaxis={"title": tr("Importance"), "range": [0.5, 5.5]}, plot_bgcolor="#ffffff",
                         margin={"l": 50, "r": 20, "t": 50, "b": 50})
    return figure


def kpi_attainment(kpis: pd.DataFrame) -> pd.DataFrame:
    """KPIs with a last value and a target, as % of the target reached (100 = on target; "lower is better"
    inverted), capped at 200 so one outlier does not flatten the rest. KPIs differ in units: this compares them."""
    shown = kpis.dropna(subset=["last_value", "target"])
    shown = shown[shown["target"] != 0].head(20)
    lower = shown["direction"] == "lower"
    ratio = (shown["last_value"] / shown["target"]).where(~lower, shown["target"] / shown["last_value"].where(shown["last_value"] != 0))
    return pd.DataFrame({
        "name": shown["name"], "unit": shown["unit"], "last_value": shown["last_value"], "target": shown["target"],
        "status": shown["status"], "attainment": (100 * ratio).clip(upper=200).fillna(200).round(1),
    }).reset_index(drop=True)


def kpi_figure(kpis: pd.DataFrame, tr: Callable[[str], str]) -> go.Figure:
    shown = kpi_attainment(kpis)
    colours = ["#009E73" if s == "on_target" else "#D55E00" for s in shown["status"]]
    figure = go.Figure(go.Bar(
        y=[_h(n) for n in shown["name"]], x=shown["attainment"], orientation="h", marker={"color": colours},
        customdata=shown[["last_value", "target"]].to_numpy(), text=[_h(u) for u in shown["unit"]],
        hovertemplate="%{y}: %{customdata[0]:.4g} %{text} / " + tr("Target") + " %{customdata[1]:.4g} %{text}"
                      "<br>%{x:.0f} %<extra></extra>",
    ))
    figure.add_vline(x=100, line={"color": "#000000", "width": 2})
    figure.update_layout(title=tr("KPIs against their targets (% of target reached)"), height=max(300, 60 + 28 * len(shown)),
                         margin={"l": 220, "r": 20, "t": 50, "b": 30}, plot_bgcolor="#ffffff",
                         yaxis={"autorange": "reversed"}, xaxis={"range": [0, 205], "ticksuffix": " %"})
    return figure


# --- HTML -----------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:24px;color:#1b1f24}
h1{margin-bottom:0}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:40px}
.meta{color:#555}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:12px}
.card{border:1px solid #d0d7de;border-radius:8px;padding:12px;background:#fafbfc}
.card h3{margin:0 0 4px}.quote{font-style:italic;color:#444}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-bottom:1px solid #e1e4e8;padding:6px;text-align:left;vertical-align:top}
th{background:#f3f5f7}img.poster{width:100%;border:1px solid #d0d7de}.note{color:#8a4b00}
ul{margin:4px 0 0 18px;padding:0}
"""


def _lines(text: object, limit: int = 4) -> str:
    items = [line.strip() for line in str(text or "").splitlines() if line.strip()][:limit]
    return "<ul>" + "".join(f"<li>{_h(i)}</li>" for i in items) + "</ul>" if items else ""


def _table(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for label in columns.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{_h(_cell(row[c]))}</td>" for c in columns) + "</tr>" for row in frame.to_dict("records")
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return value


def _stage_summary(jmap: journeys.JourneyMap) -> pd.DataFrame:
    """The map in words: per stage its steps in order, the mean emotion and the number of pain points."""
    steps, pains = jmap.steps, jmap.pain_points
    rows = []
    for stage in jmap.stages:
        mine = steps[steps["stage_id"] == stage.id] if not steps.empty else steps
        count = int(pains["step_id"].isin(mine["id"]).sum()) if not pains.empty and not mine.empty else 0
        rows.append({"stage": stage.name, "steps": " → ".join(str(t) for t in mine.get("title", [])),
                     "emotion": f"{mine['emotion'].mean():+.1f}" if not mine.empty else "", "pain_points": count})
    return pd.DataFrame(rows, columns=["stage", "steps", "emotion", "pain_points"])


def report_html(data: ReportData, *, progress: Progress | None = None) -> str:
    """The stakeholder report as one self-contained HTML page (plotly.js inline once, poster as data URI)."""
    say = progress or (lambda _m: None)
    tr = data.tr
    charts: list[str] = []

    def chart(figure: go.Figure) -> str:
        first = not charts
        charts.append(figure.to_html(full_html=False, include_plotlyjs=first, include_mathjax=False,
                                     config={"displaylogo": False, "responsive": True}))
        return charts[-1]

    parts = [f"<h1>{_h(data.title)}</h1>",
             f"<p class='meta'>{html.escape(tr('Stakeholder report'))} · {_h(data.workspace)} · {data.generated.isoformat()}</p>"]
    parts.append(f"<h2>{html.escape(tr('Personas'))}</h2><div class='grid'>")
    for p in data.personas.to_dict("records"):
        facts = " · ".join(_h(v) for v in (p["role"], f"{p['age']}" if pd.notna(p["age"]) else "", p["segment"],
                                          f"{p['customer_share']:g} %" if pd.notna(p["customer_share"]) else "") if v)
        parts.append(f"<div class='card'><h3>{_h(p['avatar_emoji'])} {_h(p['name'])}</h3><div>{facts}</div>"
                     f"<p class='quote'>{_h(p['quote'])}</p><b>{html.escape(tr('Goals'))}</b>{_lines(p['goals'])}"
                     f"<b>{html.escape(tr('Needs'))}</b>{_lines(p['needs'])}<b>{html.escape(tr('Pains'))}</b>{_lines(p['pains'])}</div>")
    parts.append("</div>")
    for section in data.journeys:
        say(section.map.journey.name)
        journey = section.map.journey
        parts.append(f"<h2>{html.escape(tr('Journey'))}: {_h(journey.name)}</h2><p>{_h(journey.scenario)}</p>")
        poster = base64.b64encode(poster_png(section.map, paper="A3", dpi=90, language=data.language)).decode("ascii")
        parts.append(f"<img class='poster' alt='{html.escape(tr('Journey map'))}: {_h(journey.name)}' "
                     f"src='data:image/png;base64,{poster}'>")
        parts.append(_table(_stage_summary(section.map), {"stage": tr("Stage"), "steps": tr("Steps"),
                                                          "emotion": tr("Emotion"), "pain_points": tr("Pain points")}))
        if not section.map.steps.empty:
            parts.append(chart(emotion_figure(section, tr)))
        if not section.funnel.empty:
            parts.append(chart(funnel_figure(section, tr)))
        elif section.flow_error:
            parts.append(f"<p class='note'>{_h(section.flow_error)}</p>")
    say(tr("Charts"))
    parts.append(f"<h2>{html.escape(tr('Touchpoints: importance and satisfaction'))}</h2>")
    if data.touchpoints["importance"].notna().any() if not data.touchpoints.empty else False:
        parts.append(chart(importance_figure(data.touchpoints, tr)))
    else:
        parts.append(f"<p>{html.escape(tr('No rated touchpoints yet.'))}</p>")
    parts.append(f"<h2>{html.escape(tr('KPIs against their targets'))}</h2>")
    if not data.kpis.empty and not kpi_attainment(data.kpis).empty:
        parts.append(chart(kpi_figure(data.kpis, tr)))
    else:
        parts.append(f"<p>{html.escape(tr('No measurements yet.'))}</p>")
    parts.append(f"<h2>{html.escape(tr('Top pain points'))}</h2>")
    parts.append(_table(data.pain_points, {"text": tr("Pain point"), "severity": tr("Severity"), "step": tr("Step"),
                                           "stage": tr("Stage"), "journey": tr("Journey")}))
    parts.append(f"<h2>{html.escape(tr('Top opportunities'))}</h2>")
    parts.append(_table(data.opportunities, {"text": tr("Opportunity"), "priority": tr("Priority"), "status": tr("Status"),
                                             "votes": tr("Votes"), "step": tr("Step"), "journey": tr("Journey")}))
    body = "\n".join(parts)
    return (f"<!DOCTYPE html>\n<html lang='{html.escape(data.language)}'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{_h(data.title)}</title>"
            f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n")


# --- PDF ------------------------------------------------------------------------------------------

A4 = (297 * MM, 210 * MM)


def _page(title: str) -> Figure:
    figure = Figure(figsize=A4)
    figure.text(0.04, 0.95, plain(title), fontsize=16, fontweight="bold", parse_math=False, va="top")
    return figure


def _text_page(pdf: PdfPages, title: str, blocks: Iterable[str], *, size: float = 9) -> None:
    """A page of wrapped text blocks (continued on new pages when long)."""
    lines: list[str] = []
    for block in blocks:
        lines += fit(block, 270, 1000, size).splitlines() + [""]
    per_page = int(160 / (1.3 * size * 0.3528))
    for start in range(0, max(1, len(lines)), per_page):
        figure = _page(title)
        figure.text(0.04, 0.88, "\n".join(lines[start:start + per_page]), fontsize=size, va="top", parse_math=False,
                    fontfamily=FONT)
        pdf.savefig(figure)


def _chart_page(pdf: PdfPages, title: str, draw: Callable[[Any], None]) -> None:
    figure = _page(title)
    ax = figure.add_axes((0.3, 0.12, 0.65, 0.72))
    draw(ax)
    pdf.savefig(figure)


def report_pdf(data: ReportData, *, progress: Progress | None = None) -> bytes:
    """The report as PDF: text pages, one poster page per journey, and the charts drawn with matplotlib."""
    say = progress or (lambda _m: None)
    tr = data.tr
    buffer = io.BytesIO()
    with matplotlib.rc_context(PDF_FONTS), PdfPages(buffer, metadata={"Title": plain(data.title), "Creator": "Journey Workbench"}) as pdf:
        _text_page(pdf, f"{data.title} — {tr('Stakeholder report')}", [
            f"{data.workspace} · {data.generated.isoformat()}",
            *[f"{p['name']}: {p['role']} · {p['segment']}\n“{p['quote']}”\n{tr('Goals')}: {'; '.join(str(p['goals']).splitlines())}"
              f"\n{tr('Needs')}: {'; '.join(str(p['needs']).splitlines())}\n{tr('Pains')}: {'; '.join(str(p['pains']).splitlines())}"
              for p in data.personas.to_dict("records")],
        ])
        for section in data.journeys:
            say(section.map.journey.name)
            pdf.savefig(poster_figure(section.map, paper="A3", language=data.language))
            if not section.funnel.empty:
                stages = section.funnel
                _chart_page(pdf, f"{section.map.journey.name}: {tr('Customers per stage (of 1,000 entering)')}",
                            lambda ax, s=stages: _bars(ax, [plain(n) for n in s["stage_name"]], s["entering"], PALETTE[0]))
        say(tr("Charts"))
        rated = data.touchpoints.dropna(subset=["importance", "satisfaction"]) if not data.touchpoints.empty else data.touchpoints
        if not rated.empty:
            _chart_page(pdf, tr("Importance–performance"), lambda ax: _scatter(ax, rated, tr))
        if not data.kpis.empty and not kpi_attainment(data.kpis).empty:
            _chart_page(pdf, tr("KPIs against their targets (% of target reached)"), lambda ax: _kpi_bars(ax, data.kpis, tr))
        _text_page(pdf, tr("Top pain points"), [
            f"{'!' * int(r['severity'])} {r['text']}  —  {r['journey']} › {r['stage']} › {r['step']}"
            for r in data.pain_points.to_dict("records")
        ] or ["–"])
        _text_page(pdf, tr("Top opportunities"), [
            f"{r['priority']:.2f}  {r['text']}  ({r['status']})  —  {r['journey']} › {r['step']}"
            for r in data.opportunities.to_dict("records")
        ] or ["–"])
    return buffer.getvalue()


def _bars(ax: Any, labels: list[str], values: Iterable[float], colour: str) -> None:
    positions = list(range(len(labels)))
    ax.barh(positions, list(values), color=colour)
    ax.set_yticks(positions, labels)
    for tick in ax.get_yticklabels():
        tick.set_parse_math(False)
    ax.invert_yaxis()


def _scatter(ax: Any, rated: pd.DataFrame, tr: Callable[[str], str]) -> None:
    ax.scatter(rated["satisfaction"], rated["importance"], s=40 + 10 * rated["steps"].clip(upper=10), color=PALETTE[0], alpha=0.7)
    for x, y, name in zip(rated["satisfaction"], rated["importance"], rated["touchpoint"], strict=True):
        ax.text(x, y + 0.06, plain(name)[:30], fontsize=7, ha="center", parse_math=False)
    ax.axhline(3, color="#9aa5b1", linestyle=":")
    ax.axvline(3, color="#9aa5b1", linestyle=":")
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xlabel(tr("Satisfaction"))
    ax.set_ylabel(tr("Importance"))


def _kpi_bars(ax: Any, kpis: pd.DataFrame, tr: Callable[[str], str]) -> None:
    shown = kpi_attainment(kpis)
    colours = ["#009E73" if s == "on_target" else "#D55E00" for s in shown["status"]]
    positions = list(range(len(shown)))
    ax.barh(positions, shown["attainment"], color=colours)
    ax.axvline(100, color="#000000", linewidth=1.5)
    ax.set_yticks(positions, [plain(n)[:40] for n in shown["name"]])
    for tick in ax.get_yticklabels():
        tick.set_parse_math(False)
    ax.set_xlim(0, 205)
    ax.set_xlabel(tr("% of target reached"))
    ax.invert_yaxis()
