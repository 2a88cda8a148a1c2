"""Figure builder for content coverage (pure: frame in, ``go.Figure`` out)."""

import html

import pandas as pd
import plotly.graph_objects as go

from components.i18n import _
from services.reports import PALETTE

# Orange (nothing live) over a light middle to sky blue (all covered): Okabe–Ito ends, dark text readable on every cell.
COVERAGE_SCALE = [[0.0, PALETTE[1]], [0.5, "#f4efe1"], [1.0, PALETTE[4]]]


def coverage_figure(coverage: pd.DataFrame, title: str) -> go.Figure:
    """Personas × stages coloured by the share of needed cells with live content; blank where nothing is needed."""
    stages = coverage.drop_duplicates("stage_id").sort_values("position")
    personas = list(dict.fromkeys(coverage["persona"]))
    table = coverage.pivot_table(index="persona", columns="stage_id", values="coverage", aggfunc="first", dropna=False)
    table = table.reindex(index=personas, columns=list(stages["stage_id"]))
    counts = coverage.set_index(["persona", "stage_id"])
    text = [[
        f"{counts.loc[(p, s), 'covered']}/{counts.loc[(p, s), 'needed']}" if counts.loc[(p, s), "needed"] else "–"
        for s in stages["stage_id"]] for p in personas]
    figure = go.Figure(go.Heatmap(
        z=table.to_numpy(dtype=float), x=list(range(len(stages))), y=list(range(len(personas))), zmin=0, zmax=100,
        colorscale=COVERAGE_SCALE, customdata=[[[html.escape(p), html.escape(s)] for s in stages["stage"]] for p in personas],
        xgap=2, ygap=2, text=text, texttemplate="%{text}", colorbar={"title": {"text": _("Covered (%)")}},
        hovertemplate="%{customdata[0]} · %{customdata[1]}<br>" + _("Covered") + ": %{z:.0f} % (%{text})<extra></extra>",
    ))
    figure.update_layout(
        title=title, height=max(260, 150 + 48 * len(personas)), plot_bgcolor="#ffffff",
        margin={"l": 60, "r": 20, "t": 60, "b": 60},
        # positions on the axes, escaped names as tick texts (plotly reads labels as HTML; names may repeat)
        xaxis={"title": _("Stage"), "tickangle": -30, "tickmode": "array", "tickvals": list(range(len(stages))),
               "ticktext": [html.escape(s) for s in stages["stage"]]},
        yaxis={"title": _("Persona"), "autorange": "reversed", "tickmode": "array", "tickvals": list(range(len(personas))),
               "ticktext": [html.escape(p) for p in personas]},
    )
    return figure
