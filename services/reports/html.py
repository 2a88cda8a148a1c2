"""The stakeholder report as one self-contained HTML file: plotly.js embedded once, the poster as
a base64 PNG, no external file, so it opens offline. User text goes through ``html.escape``
(plotly labels too: plotly reads a few tags and entities in its strings).
"""

import base64
import html
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no browser

import pandas as pd  # noqa: E402
import plotly.graph_objects as go  # noqa: E402

from services import journeys  # noqa: E402
from services.reports.content import JourneySection, Progress, ReportData
from services.reports.drawing import plain
from services.reports.palette import EMOTION_COLOURS, PALETTE
from services.reports.poster import poster_png

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
    parts.append("<h2>" + html.escape(tr("Touchpoints: importance and satisfaction")) + "</h2>")
    if data.touchpoints["importance"].notna().any() if not data.touchpoints.empty else False:
        parts.append(chart(importance_figure(data.touchpoints, tr)))
    else:
        parts.append("<p>" + html.escape(tr("No rated touchpoints yet.")) + "</p>")
    parts.append("<h2>" + html.escape(tr("KPIs against their targets")) + "</h2>")
    if not data.kpis.empty and not kpi_attainment(data.kpis).empty:
        parts.append(chart(kpi_figure(data.kpis, tr)))
    else:
        parts.append("<p>" + html.escape(tr("No measurements yet.")) + "</p>")
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
