"""Figure builders for the touchpoint analysis (pure: frame in, ``go.Figure`` out, testable without Streamlit)."""

import html
from collections import Counter

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.i18n import _
from components.labels import label
from components.touchpoint_labels import QUADRANTS
from services.reports import PALETTE
from services.touchpoints import MIDPOINT

# Colour and symbol per quadrant: two cues, so the matrix reads without colour vision too.
QUADRANT_STYLE = {
    "fix_first": (PALETTE[5], "diamond"),
    "keep_up": (PALETTE[0], "circle"),
    "possible_overkill": (PALETTE[1], "square"),
    "low_priority": (PALETTE[4], "triangle-up"),
}
_LAYOUT = {"plot_bgcolor": "#ffffff", "margin": {"l": 60, "r": 20, "t": 60, "b": 60}}


def _short(text: object, length: int = 28) -> str:
    """User text for a figure: shortened, and escaped (plotly reads labels and hover text as HTML)."""
    text = str(text)
    return html.escape(text if len(text) <= length else text[: length - 1] + "…")


def _escaped(frame: pd.DataFrame, columns: list[str]) -> list[list[object]]:
    """``customdata`` rows with the text columns escaped for plotly's hover HTML."""
    return [[html.escape(v) if isinstance(v, str) else v for v in row] for row in frame[columns].itertuples(index=False)]


def _point_labels(points: pd.DataFrame) -> list[str]:
    """One label per position: touchpoints with the same mean ratings share it ("Hotline +2") instead of overprinting."""
    spots = list(zip(points["satisfaction"].round(2), points["importance"].round(2), strict=True))
    counts = Counter(spots)
    labels, labelled = [], set()
    for name, spot in zip(points["touchpoint"], spots, strict=True):
        others = counts[spot] - 1
        labels.append("" if spot in labelled else _short(name, 20) + (f" +{others}" if others else ""))
        labelled.add(spot)
    return labels


def importance_performance_figure(scores: pd.DataFrame, title: str) -> go.Figure:
    """Satisfaction (x) against importance (y), one point per touchpoint sized by the steps using it."""
    figure = go.Figure()
    rated = scores.dropna(subset=["importance", "satisfaction"])
    largest = max(int(rated["steps"].max()) if not rated.empty else 1, 1)
    for code, (colour, symbol) in QUADRANT_STYLE.items():
        points = rated[rated["quadrant"] == code]
        if points.empty:
            continue
        named = code == "fix_first"  # only the points that ask for action carry their name; the rest on hover
        figure.add_trace(go.Scatter(
            x=points["satisfaction"], y=points["importance"], mode="markers+text" if named else "markers",
            name=label(QUADRANTS, code), text=_point_labels(points) if named else None,
            textposition="bottom center", textfont={"size": 11, "color": colour},
            marker={"size": 12 + 26 * points["steps"] / largest, "color": colour, "symbol": symbol, "opacity": 0.85,
                    "line": {"color": "#1b1f24", "width": 1}},
            customdata=_escaped(points, ["touchpoint", "channel", "steps", "journeys"]),
            hovertemplate=(
                "<b>%{customdata[0]}</b> (%{customdata[1]})<br>" + _("Importance") + ": %{y:.1f} · "
                + _("Satisfaction") + ": %{x:.1f}<br>" + _("Steps") + ": %{customdata[2]}<br>"
                + _("Journeys") + ": %{customdata[3]}<extra></extra>"
            ),
        ))
    corners = {  # (x, y, anchors) of each quadrant's label, in the quadrant's outer corner
        "fix_first": (0.6, 5.45, "left"), "keep_up": (5.4, 5.45, "right"),
        "low_priority": (0.6, 0.55, "left"), "possible_overkill": (5.4, 0.55, "right"),
    }
    for code, (x, y, anchor) in corners.items():
        figure.add_annotation(x=x, y=y, text=f"<b>{label(QUADRANTS, code)}</b>", showarrow=False, xanchor=anchor,
                              font={"color": QUADRANT_STYLE[code][0], "size": 13})
    figure.add_vline(x=MIDPOINT, line={"color": "#9aa5b1", "dash": "dash"})
    figure.add_hline(y=MIDPOINT, line={"color": "#9aa5b1", "dash": "dash"})
    figure.update_layout(
        title=title, height=560, legend={"orientation": "h", "y": -0.14}, **_LAYOUT,
        xaxis={"title": _("Satisfaction (mean, 1–5)"), "range": [0.5, 5.5], "dtick": 1, "zeroline": False},
        yaxis={"title": _("Importance to the customer (mean, 1–5)"), "range": [0.4, 5.6], "dtick": 1, "zeroline": False},
    )
    return figure


def stage_heatmap_figure(table: pd.DataFrame, stages: pd.DataFrame, totals: pd.Series, title: str) -> go.Figure:
    """Touchpoints × stages: how many steps of the stage use the touchpoint (empty columns: thin stages)."""
    names = dict(zip(stages["stage_key"], stages["stage"], strict=True))
    # Positions on the axes, names as tick texts: two stages (or shortened names) that read alike stay apart.
    columns = [f"{_short(names[key], 22)} ({totals.get(key, 0)})" for key in table.columns]
    rows = [_short(name, 36) for name in table.index]
    figure = go.Figure(go.Heatmap(
        z=table.to_numpy(), x=list(range(len(columns))), y=list(range(len(rows))),
        customdata=[[[row, column] for column in columns] for row in rows],
        colorscale="Blues", zmin=0, xgap=2, ygap=2,
        text=[[str(v) if v else "" for v in row] for row in table.to_numpy()], texttemplate="%{text}",
        colorbar={"title": {"text": _("Steps (count)")}, "dtick": max(1, int(table.to_numpy().max(initial=1)) // 5)},
        hovertemplate="%{customdata[0]} · %{customdata[1]}<br>" + _("Steps") + ": %{z}<extra></extra>",
    ))
    figure.update_layout(
        title=title, height=max(320, 140 + 24 * len(table)), **_LAYOUT,
        xaxis={"title": _("Stage (touchpoint uses in total)"), "tickangle": -30, "tickmode": "array",
               "tickvals": list(range(len(columns))), "ticktext": columns},
        yaxis={"title": _("Touchpoint"), "autorange": "reversed", "tickmode": "array", "tickvals": list(range(len(rows))),
               "ticktext": rows},
    )
    return figure


def channel_mix_figure(mix: pd.DataFrame, title: str) -> go.Figure:
    """Per stage, two 100 % bars: online/offline and direct/indirect shares of the touchpoint uses."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12,
                           subplot_titles=(_("Online and offline"), _("Direct and indirect")))
    stages = [_short(s, 22) for s in mix["stage"]]
    positions = list(range(len(stages)))
    parts = (
        (1, "online", _("Online"), PALETTE[0]), (1, "offline", _("Offline"), PALETTE[1]),
        (2, "direct", _("Direct"), PALETTE[2]), (2, "indirect", _("Indirect"), PALETTE[3]),
    )
    for row, column, name, colour in parts:
        figure.add_trace(go.Bar(
            x=positions, y=mix[f"{column}_share"], name=name, marker={"color": colour},
            customdata=[[count, stage] for count, stage in zip(mix[column], stages, strict=True)],
            text=[f"{v:.0f} %" if pd.notna(v) and v > 0 else "" for v in mix[f"{column}_share"]], textposition="inside",
            hovertemplate="%{customdata[1]}<br>" + name + ": %{y:.0f} % (%{customdata[0]})<extra></extra>",
        ), row=row, col=1)
    figure.update_layout(title=title, barmode="stack", height=560, legend={"orientation": "h", "y": -0.2, "traceorder": "normal"},
                         **_LAYOUT)
    figure.update_yaxes(title_text=_("Share of touchpoint uses (%)"), range=[0, 100], dtick=25)
    figure.update_xaxes(tickmode="array", tickvals=positions, ticktext=stages, tickangle=-30)
    figure.update_xaxes(title_text=_("Stage"), row=2, col=1)
    return figure


def abort_figure(ranking: pd.DataFrame, title: str) -> go.Figure:
    """The abort touchpoints as horizontal bars, the most urgent on top."""
    shown = ranking.dropna(subset=["score"]).head(15)
    figure = go.Figure(go.Bar(
        x=shown["score"], y=list(range(len(shown))), orientation="h",
        marker={"color": PALETTE[5]}, customdata=_escaped(shown, ["importance", "satisfaction", "where", "touchpoint"]),
        text=[f"{v:.1f}" for v in shown["score"]], textposition="outside",
        hovertemplate=(
            "<b>%{customdata[3]}</b><br>" + _("Importance") + ": %{customdata[0]:.1f} · " + _("Satisfaction")
            + ": %{customdata[1]:.1f}<br>%{customdata[2]}<extra></extra>"
        ),
    ))
    figure.update_layout(
        title=title, height=max(280, 120 + 34 * len(shown)), **_LAYOUT,
        xaxis={"title": _("Urgency: importance × (5 − satisfaction), 0–20"), "range": [0, 21]},
        yaxis={"title": _("Touchpoint"), "autorange": "reversed", "tickmode": "array", "tickvals": list(range(len(shown))),
               "ticktext": [_short(name, 36) for name in shown["touchpoint"]]},
    )
    return figure
