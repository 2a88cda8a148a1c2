"""Figure builders for the planned-vs-actual page: the map with planned and observed transitions,
planned beside observed shares, variants, case conformance, drop-off and deviations per step, and
the weekly conversion with its incidents.

Pure: frames in, ``go.Figure`` out (no Streamlit), so tests can check the figures directly. Colours
are Okabe–Ito; meaning never rests on colour alone (dashes, symbols, labels).
"""

import pandas as pd
import plotly.graph_objects as go

from components.charts import plot_text
from components.i18n import _, current_language
from services.eventlog.conformance import Analysis
from services.eventlog.planned import PlannedMap
from services.reports import PALETTE

BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK = PALETTE
GREY = "#9aa5b1"
_LAYOUT = {"plot_bgcolor": "#ffffff", "margin": {"l": 40, "r": 30, "t": 60, "b": 40}}


def number(value: float, decimals: int = 0) -> str:
    """A number as the viewer writes it: 1,234.5 in English, 1.234,5 in German; NaN as a dash."""
    if value is None or pd.isna(value):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if current_language() == "de" else text


def percent(value: float, decimals: int = 0) -> str:
    return "–" if value is None or pd.isna(value) else f"{number(value, decimals)} %"


def _separators() -> str:
    return ",." if current_language() == "de" else ".,"


def _layout(figure: go.Figure, title: str, **extra) -> go.Figure:  # type: ignore[no-untyped-def]
    figure.update_layout(title=plot_text(title), separators=_separators(), **_LAYOUT, **extra)
    return figure


def _positions(planned: PlannedMap) -> dict[int, tuple[float, float]]:
    """Steps left to right by their distance from the entry steps along planned transitions (loops ignored),
    stacked within a column in reading order; steps no entry reaches come last."""
    order = [int(s) for s in planned.steps["step_id"]]
    successors = planned.successors()
    entries = [int(s) for s, e in zip(planned.steps["step_id"], planned.steps["is_entry"], strict=True) if e] or order[:1]
    depth = {s: 0 for s in entries}
    frontier = list(entries)
    while frontier:
        following = []
        for step in frontier:
            for target in successors.get(step, []):
                if target not in depth:
                    depth[target] = depth[step] + 1
                    following.append(target)
        frontier = following
    last = max(depth.values(), default=0) + 1
    columns: dict[int, list[int]] = {}
    for step in order:
        columns.setdefault(depth.get(step, last), []).append(step)
    positions = {}
    for x, steps in columns.items():
        for index, step in enumerate(steps):
            positions[step] = (float(x), (len(steps) - 1) / 2 - index)
    return positions


def map_figure(planned: PlannedMap, analysis: Analysis, title: str) -> go.Figure:
    """The journey map: planned transitions (solid, labelled planned → observed share) and irregular ones (dashed)."""
    figure = go.Figure()
    where = _positions(planned)
    annotations = []

    def arrow(source: int, target: int, colour: str, dash: str, label: str, hover: str, width: float) -> None:
        (x0, y0), (x1, y1) = where[source], where[target]
        backwards = x1 <= x0  # a loop or a jump back: bend it so it does not hide the forward edge
        xm = (x0 + x1) / 2 + (0.25 if x0 == x1 else 0.0)
        ym = (y0 + y1) / 2 + (0.35 if backwards else 0.0) + (0.12 if dash != "solid" else 0.0)
        figure.add_trace(go.Scatter(x=[x0, xm, x1], y=[y0, ym, y1], mode="lines", line={"color": colour, "dash": dash, "width": width,
                                                                                          "shape": "spline"},
                                    hoverinfo="skip", showlegend=False))
        annotations.append({"x": x1, "y": y1, "ax": xm, "ay": ym, "xref": "x", "yref": "y", "axref": "x", "ayref": "y",
                            "showarrow": True, "arrowhead": 2, "arrowcolor": colour, "standoff": 14, "text": ""})
        figure.add_trace(go.Scatter(x=[xm], y=[ym], mode="text", text=[label], textfont={"color": colour, "size": 11},
                                    hovertext=[hover], hoverinfo="text", showlegend=False))

    for row in analysis.planned.itertuples():
        if int(row.source) not in where or int(row.target) not in where:
            continue
        label = f"{percent(row.planned_share)} → {percent(row.observed_share)}"
        hover = (f"{plot_text(row.source_title)} → {plot_text(row.target_title)}<br>" + _("planned") + f": {percent(row.planned_share)}"
                 f"<br>" + _("observed") + f": {percent(row.observed_share, 1)} ({number(row.observed)})")
        arrow(int(row.source), int(row.target), BLUE, "solid", label, hover, 1.5 + 4 * min((row.observed_share or 0) / 100, 1)
              if pd.notna(row.observed_share) else 1.5)
    for row in analysis.irregular.itertuples():
        if int(row.source) in where and int(row.target) in where:
            hover = (f"{plot_text(row.source_title)} → {plot_text(row.target_title)}<br>" + _("not on the map") +
                     f": {number(row.transitions)}")
            arrow(int(row.source), int(row.target), VERMILLION, "dash", f"⚠ {number(row.transitions)}", hover, 1.5)

    steps = planned.steps.merge(analysis.steps[["step_id", "visits", "drop_off", "drop_off_share"]], on="step_id", how="left")
    xs = [where[int(s)][0] for s in steps["step_id"]]
    ys = [where[int(s)][1] for s in steps["step_id"]]
    hover = [f"<b>{plot_text(t)}</b><br>{plot_text(g)}<br>" + _("Visits") + f": {number(v)}<br>"
             + _("Drop-off") + f": {number(d)} ({percent(p, 1)})"
             for t, g, v, d, p in zip(steps["title"], steps["stage"], steps["visits"], steps["drop_off"], steps["drop_off_share"],
                                      strict=True)]
    figure.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text", text=[plot_text(t, 28) for t in steps["title"]], textposition="bottom center",
        marker={"size": 22, "color": [GREEN if e else (ORANGE if n else SKY) for e, n in zip(steps["is_exit"], steps["is_entry"],
                                                                                              strict=True)],
                "symbol": ["square" if e else ("diamond" if n else "circle") for e, n in zip(steps["is_exit"], steps["is_entry"],
                                                                                           strict=True)],
                "line": {"color": BLACK, "width": 1}},
        hovertext=hover, hoverinfo="text", showlegend=False))
    tallest = max((sum(1 for _x, y in where.values() if _x == x) for x in {x for x, _y in where.values()}), default=1)
    height = 200 + 120 * tallest
    xs_all = [x for x, _y in where.values()] or [0.0]
    figure.update_xaxes(visible=False, range=[min(xs_all) - 0.7, max(xs_all) + 0.7])
    figure.update_yaxes(visible=False)
    return _layout(figure, title, annotations=annotations, height=max(height, 360))


def shares_figure(planned: pd.DataFrame, title: str) -> go.Figure:
    """Each planned transition: the planned share beside the observed one."""
    labels = [plot_text(f"{s} → {t}", 60) for s, t in zip(planned["source_title"], planned["target_title"], strict=True)]
    figure = go.Figure([
        go.Bar(y=labels, x=planned["planned_share"], name=_("planned"), orientation="h", marker={"color": GREY},
               text=[percent(v) for v in planned["planned_share"]], textposition="outside"),
        go.Bar(y=labels, x=planned["observed_share"], name=_("observed"), orientation="h",
               marker={"color": BLUE, "pattern": {"shape": "/"}},
               text=[percent(v, 1) for v in planned["observed_share"]], textposition="outside"),
    ])
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title=_("Share of the source step's customers (%)"), range=[0, 115])
    return _layout(figure, title, barmode="group", height=max(320, 60 + 44 * len(labels)), legend={"orientation": "h", "y": -0.15})


def variants_figure(variants: pd.DataFrame, title: str) -> go.Figure:
    figure = go.Figure(go.Bar(
        y=[plot_text(p, 90) for p in variants["path"]], x=variants["share"], orientation="h", marker={"color": PURPLE},
        text=[f"{percent(s, 1)} ({number(c)})" for s, c in zip(variants["share"], variants["cases"], strict=True)],
        textposition="outside", hovertext=[plot_text(p) for p in variants["path"]], hoverinfo="text"))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title=_("Share of the cases (%)"), range=[0, max(variants["share"].max() if len(variants) else 0, 1) * 1.3])
    return _layout(figure, title, height=max(300, 60 + 36 * len(variants)))


def conformance_figure(conformance: pd.DataFrame, title: str) -> go.Figure:
    figure = go.Figure(go.Bar(x=[f"{b} %" for b in conformance["bucket"]], y=conformance["cases"], marker={"color": GREEN},
                              text=[number(c) for c in conformance["cases"]], textposition="outside"))
    figure.update_xaxes(title=_("Share of a case's transitions that the map allows"))
    figure.update_yaxes(title=_("Cases"))
    return _layout(figure, title)


def steps_figure(steps: pd.DataFrame, title: str) -> go.Figure:
    """Per step: the share of its visits that end there (drop-off) and the share of its cases that deviate there."""
    labels = [plot_text(t, 40) for t in steps["title"]]
    figure = go.Figure([
        go.Bar(x=labels, y=steps["drop_off_share"], name=_("Drop-off (% of visits)"), marker={"color": VERMILLION},
               text=[percent(v, 1) for v in steps["drop_off_share"]], textposition="outside"),
        go.Bar(x=labels, y=steps["deviating_share"], name=_("Deviate here (% of cases)"),
               marker={"color": ORANGE, "pattern": {"shape": "x"}},
               text=[percent(v, 1) for v in steps["deviating_share"]], textposition="outside"),
    ])
    figure.update_yaxes(title="%")
    return _layout(figure, title, barmode="group", legend={"orientation": "h", "y": 1.1})


def entries_exits_figure(steps: pd.DataFrame, title: str) -> go.Figure:
    """Observed entry points and last steps per step (planned entries and exits marked in the labels)."""
    labels = [plot_text(t, 40) + (" ▶" if n else "") + (" ■" if e else "")
              for t, n, e in zip(steps["title"], steps["is_entry"], steps["is_exit"], strict=True)]
    figure = go.Figure([
        go.Bar(x=labels, y=steps["entries"], name=_("Cases entering here"), marker={"color": ORANGE}),
        go.Bar(x=labels, y=steps["exits"], name=_("Cases ending here"), marker={"color": BLACK, "pattern": {"shape": "."}}),
    ])
    figure.update_yaxes(title=_("Cases"))
    return _layout(figure, title, barmode="group", legend={"orientation": "h", "y": 1.1})


def weekly_figure(weekly: pd.DataFrame, title: str) -> go.Figure:
    """Each step's weekly conversion to a planned next step; incident weeks marked with a red cross."""
    figure = go.Figure()
    for index, (_step, rows) in enumerate(weekly.groupby("step_id", sort=False)):
        colour = PALETTE[index % len(PALETTE)]
        name = plot_text(rows["title"].iat[0], 30)
        figure.add_trace(go.Scatter(x=rows["week"], y=rows["rate"], mode="lines+markers", name=name, line={"color": colour},
                                    hovertemplate="%{x}<br>%{y:.1f} %<extra>" + name + "</extra>"))
        flagged = rows[rows["incident"]]
        if len(flagged):
            figure.add_trace(go.Scatter(
                x=flagged["week"], y=flagged["rate"], mode="markers", name=_("Incident") + f": {name}",
                marker={"symbol": "x", "size": 16, "color": VERMILLION, "line": {"width": 2}},
                hovertext=[_("Incident") + f": {percent(r, 1)} / {percent(b, 1)} (z = {number(z, 1)})"
                           for r, b, z in zip(flagged["rate"], flagged["baseline"], flagged["z"], strict=True)],
                hoverinfo="text"))
    figure.update_yaxes(title=_("Conversion to a planned next step (%)"), range=[0, 105])
    figure.update_xaxes(title=_("Week"))
    return _layout(figure, title, height=420)
