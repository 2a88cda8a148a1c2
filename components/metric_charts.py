"""Figure builders for metrics (pure: frame in, ``go.Figure`` out, testable without Streamlit).

A trend chart draws a metric's measurements against its target line; points that miss the target
are orange diamonds, points that reach it blue circles (colour and shape, so it reads without
colour vision too). The sparkline is the same chart at dashboard size.
"""

import pandas as pd
import plotly.graph_objects as go

from components.charts import PALETTE
from components.i18n import _

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
    """``series``: measured_on, value, note of one metric; ``metric``: a row of ``metric_status`` as a dict."""
    figure = go.Figure()
    points = series.sort_values("measured_on")
    unit = _unit(metric)
    has_target = metric.get("target") is not None and not pd.isna(metric.get("target"))
    figure.add_trace(go.Scatter(
        x=points["measured_on"], y=points["value"], mode="lines", name=_("Measured"), showlegend=False,
        line={"color": "#5b6770", "width": 1.5 if compact else 2}, hoverinfo="skip",
    ))
    reached = _reached(points["value"], metric)
    marker_size = 5 if compact else 8
    for hit, (colour, symbol), name in ((True, ON_TARGET, _("On target")), (False, OFF_TARGET, _("Off target"))):
        subset = points[reached == hit]
        if subset.empty:
            continue
        figure.add_trace(go.Scatter(
            x=subset["measured_on"], y=subset["value"], mode="markers",
            name=name if has_target else _("Measured"), showlegend=has_target and not compact,
            marker={"color": colour if has_target else NEUTRAL, "symbol": symbol if has_target else "circle",
                    "size": marker_size, "line": {"color": "#1b1f24", "width": 0.5}},
            customdata=subset[["note"]].fillna("").to_numpy(),
            hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f}" + unit + "<br>%{customdata[0]}<extra></extra>",
        ))
    if has_target:
        figure.add_hline(
            y=float(metric["target"]), line={"color": TARGET_LINE, "dash": "dash", "width": 1.5},
            annotation_text=f"{_('Target')}: {metric['target']:g}{unit}", annotation_position="top left",
            annotation_font={"size": 10 if compact else 12, "color": TARGET_LINE},
        )
    margin = {"l": 50, "r": 10, "t": 40, "b": 35} if compact else {"l": 60, "r": 20, "t": 60, "b": 50}
    figure.update_layout(
        title={"text": title, "font": {"size": 13 if compact else 17}}, height=height, margin=margin,
        plot_bgcolor="#ffffff", legend={"orientation": "h", "y": -0.2},
        xaxis={"title": {"text": _("Date"), "font": {"size": 10}} if compact else _("Date"), "showgrid": False},
        yaxis={"title": {"text": (metric.get("unit") or _("Value")), "font": {"size": 10}} if compact
               else _("Value") + unit, "gridcolor": "#e5e8eb", "zeroline": False},
    )
    return figure


def metric_sparkline_figure(series: pd.DataFrame, metric: dict, title: str) -> go.Figure:
    """The trend chart at dashboard size: same target line and markers, small fonts, no legend."""
    return metric_trend_figure(series, metric, title, height=190, compact=True)
