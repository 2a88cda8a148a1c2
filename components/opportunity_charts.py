"""The opportunity matrix (pure figure builder): value against effort, bubbles sized by votes, coloured by status."""


import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.charts import plot_text
from components.i18n import _
from components.labels import label
from components.metric_labels import OPPORTUNITY_STATUS_LABELS
from services.journeys import EFFORT_MIDPOINT, VALUE_MIDPOINT
from services.reports import PALETTE

# Colour and symbol per status: two cues, so the matrix reads without colour vision too.
STATUS_STYLE = {
    "idea": (PALETTE[4], "circle"),
    "planned": (PALETTE[0], "square"),
    "in_progress": (PALETTE[1], "diamond"),
    "done": (PALETTE[2], "triangle-up"),
    "dropped": ("#7f7f7f", "x"),
}
JITTER = 0.18  # scores are whole numbers: spread points that share a cell so each stays visible and hoverable


def _jitter(ids: pd.Series, salt: int) -> np.ndarray:
    """A small offset that depends only on the opportunity's id (the same on every rerun)."""
    return ((ids.to_numpy(dtype=np.int64) * 2654435761 + salt) % 1000 / 1000 - 0.5) * 2 * JITTER


def opportunity_matrix_figure(portfolio: pd.DataFrame, title: str) -> go.Figure:
    """Effort (x, 1–5) against value (y, customer + business value, 2–10); one trace per status."""
    figure = go.Figure()
    most_votes = int(portfolio["votes"].max()) if not portfolio.empty else 0
    for status, (colour, symbol) in STATUS_STYLE.items():
        points = portfolio[portfolio["status"] == status]
        if points.empty:
            continue
        sizes = 16 if most_votes == 0 else 12 + 30 * np.sqrt(points["votes"].to_numpy() / most_votes)
        # Plotly reads <b>, <br> … in hover texts as markup: user text is escaped to show as typed.
        where = (points["journey"] + " › " + points["stage"] + " › " + points["step"]).map(plot_text)
        pains = points["pain_points"].where(points["pain_points"] != "", "—").map(plot_text)
        figure.add_trace(go.Scatter(
            x=points["effort"] + _jitter(points["id"], 17), y=points["value"] + _jitter(points["id"], 911),
            mode="markers", name=label(OPPORTUNITY_STATUS_LABELS, status),
            marker={"size": sizes, "color": colour, "symbol": symbol, "opacity": 0.8, "line": {"color": "#1b1f24", "width": 1}},
            customdata=np.column_stack([points["text"].map(plot_text), where, points["customer_value"], points["business_value"],
                                        points["effort"], points["votes"], pains]),
            hovertemplate=(
                "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>" + _("Customer value") + ": %{customdata[2]} · "
                + _("Business value") + ": %{customdata[3]} · " + _("Effort") + ": %{customdata[4]}<br>"
                + _("Votes") + ": %{customdata[5]}<br>" + _("Pain points") + ": %{customdata[6]}<extra></extra>"
            ),
        ))
    corners = {  # quadrant names in the outer corners: low effort is on the left
        _("Quick wins"): (0.55, 10.6, "left"), _("Big bets"): (5.45, 10.6, "right"),
        _("Fill-ins"): (0.55, 1.4, "left"), _("Time sinks"): (5.45, 1.4, "right"),
    }
    for text, (x, y, anchor) in corners.items():
        figure.add_annotation(x=x, y=y, text=f"<b>{text}</b>", showarrow=False, xanchor=anchor, font={"color": "#5b6770"})
    figure.add_vline(x=EFFORT_MIDPOINT, line={"color": "#9aa5b1", "dash": "dash"})
    figure.add_hline(y=VALUE_MIDPOINT, line={"color": "#9aa5b1", "dash": "dash"})
    figure.update_layout(
        title=plot_text(title), height=560, plot_bgcolor="#ffffff", margin={"l": 60, "r": 20, "t": 60, "b": 60},
        legend={"orientation": "h", "y": -0.14, "title": {"text": _("Status")}},
        xaxis={"title": _("Effort (1 = small … 5 = large)"), "range": [0.4, 5.6], "dtick": 1, "zeroline": False},
        yaxis={"title": _("Value: customer + business value (2–10)"), "range": [1, 11], "dtick": 1, "zeroline": False},
    )
    return figure
