"""Figure builders for metrics (pure: frame in, ``go.Figure`` out, testable without Streamlit).

A trend chart draws a metric's measurements against its target line; points that miss the target
are orange diamonds, points that reach it blue circles (colour and shape, so it reads without
colour vision too). The sparkline is the same chart at dashboard size.
"""

from html import escape

import pandas as pd
import plotly.graph_objects as go

from components.i18n import _
from services.reports import PALETTE

ON_TARGET = (PALETTE[0], "circle")
OFF_TARGET = (PALETTE[5], "diamond")
NEUTRAL = PALETTE[0]
TARGET_LINE = PALETTE[7]


def _unit(metric: dict) -> str:
    return f" ({metric['unit']})" if metric.get("unit") else ""


def _reached(values: pd.Series, metric: dict) -> pd.Series:
    target = metric.get("target")
    if target is None or pd.isna(target):
        return pd.Series(True, index=values.index)
    return values >= target if metric.get("direction", "higher") == "higher" else values <= target


def metric_trend_figure(series: pd.DataFrame, metric: dict, title: str, *, height: int = 360, compact: bool = False) -> go.Figure:
    """``series``: measured_on, value, note of one metric; ``metric``: a row of ``metric_status`` as a dict.

    Built in one go (traces and the target line as a layout shape): the dashboard draws many of these
    per rerun, and ``add_hline`` alone costs several milliseconds per figure.
    """
    points = series.sort_values("measured_on")
    # Plain arrays: plotly converts pandas columns through narwhals, which costs more than the chart itself.
    days, values = points["measured_on"].to_numpy(), points["value"].to_numpy(dtype=float)
    # Plotly reads <b>, <br> … in titles and hover texts as markup: user text is escaped to show as typed.
    notes = points["note"].fillna("").map(lambda note: escape(str(note), quote=False)).to_numpy(dtype=object)
    unit = escape(_unit(metric), quote=False)
    target = metric.get("target")
    has_target = target is not None and not pd.isna(target)
    reached = _reached(points["value"], metric).to_numpy(dtype=bool)
    traces = [go.Scatter(
        x=days, y=values, mode="lines", name=_("Measured"), showlegend=False,
        line={"color": "#5b6770", "width": 1.5 if compact else 2}, hoverinfo="skip",
    )]
    hover = "%{x|%Y-%m-%d}: %{y:,.2f}" + unit + "<br>%{customdata}<extra></extra>"
    for hit, (colour, symbol), name in ((True, ON_TARGET, _("On target")), (False, OFF_TARGET, _("Off target"))):
        mask = reached == hit
        if not mask.any():
            continue
        traces.append(go.Scatter(
            x=days[mask], y=values[mask], mode="markers",
            name=name if has_target else _("Measured"), showlegend=has_target and not compact,
            marker={"color": colour if has_target else NEUTRAL, "symbol": symbol if has_target else "circle",
                    "size": 5 if compact else 8, "line": {"color": "#1b1f24", "width": 0.5}},
            customdata=notes[mask], hovertemplate=hover,
        ))
    small = {"size": 10}
    layout: dict = {
        "title": {"text": escape(title, quote=False), "font": {"size": 13 if compact else 17}}, "height": height, "plot_bgcolor": "#ffffff",
        "margin": {"l": 50, "r": 10, "t": 40, "b": 35} if compact else {"l": 60, "r": 20, "t": 60, "b": 50},
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"title": {"text": _("Date"), "font": small} if compact else {"text": _("Date")}, "showgrid": False},
        "yaxis": {"title": {"text": escape(metric.get("unit") or _("Value"), quote=False), "font": small} if compact
                  else {"text": _("Value") + unit}, "gridcolor": "#e5e8eb", "zeroline": False},
    }
    if has_target:
        layout["shapes"] = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": float(target),
                             "y1": float(target), "line": {"color": TARGET_LINE, "dash": "dash", "width": 1.5}}]
        layout["annotations"] = [{
            "xref": "paper", "x": 0, "xanchor": "left", "yref": "y", "y": float(target), "yanchor": "bottom",
            "text": _("Target") + f": {float(target):g}{unit}", "showarrow": False,
            "font": {"size": 10 if compact else 12, "color": TARGET_LINE},
        }]
    return go.Figure(data=traces, layout=layout)


def metric_sparkline_figure(series: pd.DataFrame, metric: dict, title: str) -> go.Figure:
    """The trend chart at dashboard size: same target line and markers, small fonts, no legend."""
    return metric_trend_figure(series, metric, title, height=190, compact=True)
