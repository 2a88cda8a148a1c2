"""Figure builders for journeys (pure: ``*_figure(df) -> go.Figure``, testable without Streamlit)."""

import pandas as pd
import plotly.graph_objects as go

from components.charts import plot_text
from components.i18n import _
from services.reports import EMOTION_COLOURS, PALETTE


def emotion_curve_figure(curve: pd.DataFrame, title: str) -> go.Figure:
    """One point per step coloured by its score, moments of truth as stars, one line per differing persona."""
    figure = go.Figure()
    overall = curve[curve["series"] == "all"].sort_values("order")
    ticks = overall["order"].tolist()
    labels = [plot_text(t, 23) for t in overall["step_title"]]
    figure.add_trace(go.Scatter(
        x=overall["order"], y=overall["emotion"], mode="lines+markers", name=_("Customer"),
        line={"color": "#5b6770", "width": 2, "shape": "spline", "smoothing": 0.6},
        marker={
            "size": [18 if mot else 12 for mot in overall["is_moment_of_truth"]],
            "symbol": ["star" if mot else "circle" for mot in overall["is_moment_of_truth"]],
            "color": [EMOTION_COLOURS[int(score)] for score in overall["emotion"]],
            "line": {"color": "#1b1f24", "width": 1},
        },
        customdata=[[plot_text(t), plot_text(s)] for t, s in zip(overall["step_title"], overall["stage_name"], strict=True)],
        hovertemplate="%{customdata[1]} · %{customdata[0]}<br>" + _("Emotion") + ": %{y:+d}<extra></extra>",
    ))
    for index, (persona, points) in enumerate(curve[curve["series"] != "all"].groupby("series", sort=True)):
        points = points.sort_values("order")
        figure.add_trace(go.Scatter(
            x=points["order"], y=points["emotion"], mode="lines+markers", name=plot_text(persona),
            line={"color": PALETTE[index % len(PALETTE)], "dash": "dash"},
            hovertemplate="%{fullData.name}: %{y:+d}<extra></extra>",
        ))
    figure.add_hline(y=0, line={"color": "#9aa5b1", "width": 1})
    figure.update_layout(
        title=title, height=340, margin={"l": 40, "r": 20, "t": 50, "b": 90}, legend={"orientation": "h", "y": 1.12},
        xaxis={"title": _("Steps"), "tickmode": "array", "tickvals": ticks, "ticktext": labels, "tickangle": -35},
        yaxis={"title": _("Emotion (−3 … +3)"), "range": [-3.5, 3.5], "dtick": 1, "zeroline": False},
        plot_bgcolor="#ffffff",
    )
    return figure
