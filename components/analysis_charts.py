"""Figure builders for the analysis pages: flow (Sankey, stage funnel, measured vs modelled),
emotion curve overlay and the Kano better/worse scatter.

Pure: frames in, ``go.Figure`` out (no Streamlit), so tests can check the figures directly.
Colours come from the Okabe–Ito palette, and meaning never rests on colour alone (symbols,
labels, text).
"""

from collections.abc import Collection

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components.charts import plot_text
from components.i18n import _, current_language
from components.kano_labels import KANO_CATEGORIES
from components.labels import label
from services.journeys import EPSILON, LOSS_KINDS, FlowResult
from services.reports import PALETTE

BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, BLACK = PALETTE
GREY = "#9aa5b1"
_LAYOUT = {"plot_bgcolor": "#ffffff", "margin": {"l": 60, "r": 30, "t": 60, "b": 60}}


def number(value: float, decimals: int = 0) -> str:
    """A number as the viewer writes it: 1,234.5 in English, 1.234,5 in German."""
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if current_language() == "de" else text


def _separators() -> str:
    """Plotly's decimal and thousands separators for the viewer's language (hover texts, axes)."""
    return ",." if current_language() == "de" else ".,"


def _short(text: str, length: int = 32) -> str:
    return plot_text(text, length)


def _fade(colour: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"


# --- flow -----------------------------------------------------------------------------------------


def sankey_links(flow: FlowResult) -> pd.DataFrame:
    """Every band of the Sankey: entry → entry steps, step → step, step → its drop-off.

    Columns: source, target (labels), source_step_id, target_step_id (NA for the entry and the drop-off
    nodes), kind (entry, step, drop), customers. Also the CSV behind the chart.
    """
    steps = flow.steps
    entries = steps[steps["entering"] > EPSILON]
    drops = steps[steps["dropped_here"] > EPSILON]
    frames = [
        pd.DataFrame({"source": _("Customers enter"), "target": entries["title"], "source_step_id": pd.NA,
                      "target_step_id": entries["step_id"], "kind": "entry", "customers": entries["entering"]}),
        pd.DataFrame({"source": flow.links["source"], "target": flow.links["target"],
                      "source_step_id": flow.links["source_step_id"], "target_step_id": flow.links["target_step_id"],
                      "kind": "step", "customers": flow.links["customers"]}),
        pd.DataFrame({"source": drops["title"], "target": _("Drop-off"), "source_step_id": drops["step_id"],
                      "target_step_id": pd.NA, "kind": "drop", "customers": drops["dropped_here"]}),
    ]
    frame = pd.concat([f for f in frames if not f.empty], ignore_index=True)
    return frame.astype({"source_step_id": "Int64", "target_step_id": "Int64", "customers": float})


def _step_colours(steps: pd.DataFrame, flagged: Collection[int]) -> list[str]:
    loss_exit = steps["is_exit"] & steps["exit_kind"].isin(LOSS_KINDS)
    return np.select([loss_exit, steps["is_exit"], steps["step_id"].isin(list(flagged))], [VERMILLION, GREEN, ORANGE],
                     BLUE).tolist()


SANKEY_WIDTH = 1200  # px the labels are fitted to when the figure's width is not given (the page's chart)
SANKEY_FONT = 12  # px
SANKEY_THICKNESS = 14  # px, a node's bar
CHARACTER = 0.62  # a character's mean width in ems (DejaVu Sans / Open Sans, mixed case, a little to spare)


def sankey_columns(sources: list[int], targets: list[int], count: int) -> list[int]:
    """Each node's column as a Sankey lays it out: its longest way from a node nothing leads to, loops cut where
    they lead back (depth-first from node 0, then the others)."""
    onward: dict[int, list[int]] = {}
    for source, target in zip(sources, targets, strict=True):
        onward.setdefault(source, []).append(target)
    order: list[int] = []
    state = [0] * count  # 0 new, 1 on the path, 2 done
    back: set[tuple[int, int]] = set()
    for start in range(count):
        if state[start]:
            continue
        stack = [(start, iter(onward.get(start, [])))]
        state[start] = 1
        while stack:
            node, rest = stack[-1]
            nxt = next(rest, None)
            if nxt is None:
                state[node] = 2
                order.append(node)
                stack.pop()
            elif state[nxt] == 1:
                back.add((node, nxt))
            elif state[nxt] == 0:
                state[nxt] = 1
                stack.append((nxt, iter(onward.get(nxt, []))))
    column = [0] * count
    for node in reversed(order):  # topological order of the graph without its back edges
        for target in onward.get(node, []):
            if (node, target) not in back:
                column[target] = max(column[target], column[node] + 1)
    return column


def flow_sankey_figure(flow: FlowResult, title: str, flagged: Collection[int] = (), *, width: int | None = None,
                       height: int | None = None, font: int = SANKEY_FONT) -> go.Figure:
    """Entry → steps → exits, each step's drop-off as a small node beside it. Columns: branches from the
    entry. Blue: a step; orange: a flagged step (loses the most); green: a purchase/complete exit;
    vermillion: an abort/churn exit and the drop-off.

    Labels stand beside their bar (the last column's to the left): each is cut (with …, the full name on hover) to
    the room between two columns, so none runs over a bar or off the image at ``width`` (a slide, a poster; the
    page's chart is fitted to :data:`SANKEY_WIDTH`; ``tests/browser/test_sankey_browser.py`` measures them)."""
    links = sankey_links(flow)
    steps = flow.steps[flow.steps["visits"] > EPSILON]
    drops = steps[steps["dropped_here"] > EPSILON]
    step_node = {int(s): n + 1 for n, s in enumerate(steps["step_id"])}
    drop_node = {int(s): n + 1 + len(steps) for n, s in enumerate(drops["step_id"])}
    names = [_("Customers enter"), *[str(t) for t in steps["title"]], *[_("Drop-off")] * len(drops)]
    hover = [_("Customers enter"), *[plot_text(t) for t in steps["title"]],
             *[_("Drop-off at “{step}”").format(step=plot_text(t)) for t in drops["title"]]]
    colours = [GREY, *_step_colours(steps, flagged), *[VERMILLION] * len(drops)]
    sources = [0 if pd.isna(s) else step_node[int(s)] for s in links["source_step_id"]]
    targets = [step_node[int(t)] if kind != "drop" else drop_node[int(s)]
               for s, t, kind in zip(links["source_step_id"], links["target_step_id"], links["kind"], strict=True)]
    columns = sankey_columns(sources, targets, len(names))
    last = max(columns, default=0)
    room_px = _sankey_label_room(width or SANKEY_WIDTH, last, font)
    fits = max(6, int(room_px / (CHARACTER * font)))
    labels = [_short(name, fits) for name in names]
    figure = go.Figure(go.Sankey(
        arrangement="snap", valueformat=",.0f", textfont={"color": "#1b1f24", "size": font, "shadow": "auto"},
        node={"label": labels, "color": colours, "customdata": hover, "align": "left", "pad": 12,
              "thickness": SANKEY_THICKNESS,
              "line": {"color": "#1b1f24", "width": 0.5},
              "hovertemplate": "%{customdata}<br>%{value:,.0f} " + _("customers") + "<extra></extra>"},
        link={"source": sources, "target": targets, "value": links["customers"].round(6).tolist(),
              "color": [_fade(colours[t]) for t in targets],
              "hovertemplate": "%{source.customdata} → %{target.customdata}<br>%{value:,.0f} " + _("customers")
                               + "<extra></extra>"},
    ))
    figure.update_layout(title=title, separators=_separators(), height=height or max(460, 30 * len(steps)),
                         margin={"l": 20, "r": 20, "t": 60, "b": 20})
    if width:
        figure.update_layout(width=width)
    return figure


def _sankey_label_room(width: int, last: int, font: int) -> float:
    """Pixels between a bar and the next column's bar, less the label's gap: the room for a label. The plot is the
    width less the margins; plotly.js sets the last column's labels to the left of their bars, into the same room."""
    plot = width - 40
    if last <= 0:
        return plot
    return plot / last - SANKEY_THICKNESS - 0.6 * font


def stage_funnel_figure(stages: pd.DataFrame, customers: int, title: str) -> go.Figure:
    """Customers reaching each stage (funnel), with the share lost in the stage as text."""
    text = [
        number(entering) + ("" if pd.isna(pct) else f" · −{number(pct)} %")
        for entering, pct in zip(stages["entering"], stages["drop_off_pct"], strict=True)
    ]
    figure = go.Figure(go.Funnel(
        y=[_short(name, 28) for name in stages["stage_name"]], x=stages["entering"].round(1).tolist(),
        text=text, textinfo="text", textposition="inside", marker={"color": BLUE},
        connector={"fillcolor": _fade(VERMILLION, 0.25)},
        customdata=stages[["stage_name", "lost", "finished", "drop_off_pct"]].to_numpy(),
        hovertemplate=("<b>%{customdata[0]}</b><br>" + _("Customers reaching the stage") + ": %{x:,.0f}<br>"
                       + _("Lost in the stage") + ": %{customdata[1]:,.0f} (%{customdata[3]:.1f} %)<br>"
                       + _("Finished at an exit") + ": %{customdata[2]:,.0f}<extra></extra>"),
    ))
    figure.update_layout(
        title=title, separators=_separators(), height=max(320, 60 * len(stages) + 120), **_LAYOUT,
        xaxis={"title": _("Customers reaching the stage (of {customers})").format(customers=number(customers))},
        yaxis={"title": _("Stage")},
    )
    return figure


def measured_vs_modelled_figure(rates: pd.DataFrame, title: str) -> go.Figure:
    """Per step metric: the latest measured rate beside the modelled one (%), target as a marker."""
    names = [_short(f"{metric} · {step}", 40) for metric, step in zip(rates["metric"], rates["step"], strict=True)]
    figure = go.Figure([
        go.Bar(x=names, y=rates["measured"], name=_("Measured (latest)"), marker={"color": BLUE},
               texttemplate="%{y:.1f}", textposition="outside"),
        go.Bar(x=names, y=rates["modelled"], name=_("Modelled from the map"), marker={"color": ORANGE,
               "pattern": {"shape": "/"}}, texttemplate="%{y:.1f}", textposition="outside"),
        go.Scatter(x=names, y=rates["target"], name=_("Target"), mode="markers",
                   marker={"symbol": "line-ew-open", "size": 36, "color": BLACK, "line": {"width": 3}}),
    ])
    figure.update_layout(title=title, separators=_separators(), barmode="group", height=380, **_LAYOUT,
                         legend={"orientation": "h", "y": -0.25},
                         xaxis={"title": _("Step metric")}, yaxis={"title": _("Rate (%)"), "rangemode": "tozero"})
    return figure


# --- emotions -------------------------------------------------------------------------------------


def emotion_overlay_figure(curves: pd.DataFrame, title: str, x: str = "relative") -> go.Figure:
    """One emotion line per journey; ``x`` is "relative" (0–100 % of the journey) or "order" (step number).
    To-be journeys are dashed; moments of truth are stars."""
    figure = go.Figure()
    for index, (_journey_id, points) in enumerate(curves.groupby("journey_id", sort=False)):
        first = points.iloc[0]
        name = str(first["journey"]) + (" (" + _("to-be") + ")" if first["state"] == "to_be" else "")
        figure.add_trace(go.Scatter(
            x=points[x] if x == "relative" else points["order"] + 1, y=points["emotion"], mode="lines+markers", name=_short(name, 40),
            # straight segments: the scores are discrete, a spline would invent values between steps
            line={"color": PALETTE[index % len(PALETTE)], "width": 2, "dash": "dash" if first["state"] == "to_be" else "solid"},
            marker={"size": [15 if m else 8 for m in points["is_moment_of_truth"]],
                    "symbol": ["star" if m else "circle" for m in points["is_moment_of_truth"]]},
            customdata=points[["step_title", "stage_name", "journey"]].to_numpy(),
            hovertemplate="<b>%{customdata[2]}</b><br>%{customdata[1]} · %{customdata[0]}<br>" + _("Emotion")
                          + ": %{y:+d}<extra></extra>",
        ))
    figure.add_hline(y=0, line={"color": GREY, "width": 1})
    xaxis = ({"title": _("Position in the journey (%)"), "range": [-3, 103], "ticksuffix": " %"} if x == "relative"
             else {"title": _("Step (in reading order)"), "dtick": 1})
    figure.update_layout(title=title, separators=_separators(), height=420, **_LAYOUT, legend={"orientation": "h", "y": -0.2}, xaxis=xaxis,
                         yaxis={"title": _("Emotion (−3 … +3)"), "range": [-3.5, 3.5], "dtick": 1, "zeroline": False})
    return figure


# --- Kano -----------------------------------------------------------------------------------------

KANO_STYLE = {"A": (GREEN, "star"), "O": (BLUE, "circle"), "M": (VERMILLION, "diamond"), "I": (GREY, "square"),
              "R": (PURPLE, "x"), "Q": (YELLOW, "triangle-up")}


def kano_scatter_figure(evaluation: pd.DataFrame, title: str) -> go.Figure:
    """Better (y) against |worse| (x) per item; lines at 0.5 split the four classic quadrants."""
    figure = go.Figure()
    points = evaluation.dropna(subset=["better", "worse"])
    for code, (colour, symbol) in KANO_STYLE.items():
        group = points[points["category"] == code]
        if group.empty:
            continue
        figure.add_trace(go.Scatter(
            x=group["worse"].abs(), y=group["better"], mode="markers+text", name=label(KANO_CATEGORIES, code),
            text=[_short(name, 26) for name in group["item"]], textfont={"size": 11},
            # labels lean inwards at the edges, so they stay inside the plot
            textposition=["top right" if x < 0.2 else "top left" if x > 0.8 else "top center" for x in group["worse"].abs()],
            marker={"size": 14, "color": colour, "symbol": symbol, "line": {"color": "#1b1f24", "width": 1}},
            customdata=group[["item", "answers"]].to_numpy(),
            hovertemplate="<b>%{customdata[0]}</b><br>" + _("Better") + ": %{y:.2f} · |" + _("Worse") + "|: %{x:.2f}<br>"
                          + _("Answers") + ": %{customdata[1]}<extra></extra>",
        ))
    figure.add_vline(x=0.5, line={"color": GREY, "dash": "dot"})
    figure.add_hline(y=0.5, line={"color": GREY, "dash": "dot"})
    for x, y, text in ((0.02, 0.98, _("Attractive")), (0.98, 0.98, _("One-dimensional")),
                       (0.98, 0.02, _("Must-be")), (0.02, 0.02, _("Indifferent"))):
        figure.add_annotation(x=x, y=y, text=f"<b>{text}</b>", showarrow=False, font={"color": GREY, "size": 13},
                              xanchor="left" if x < 0.5 else "right", yanchor="top" if y > 0.5 else "bottom")
    figure.update_layout(
        title=title, separators=_separators(), height=480, **_LAYOUT, legend={"orientation": "h", "y": -0.18},
        xaxis={"title": _("Dissatisfaction when missing: |worse| (0–1)"), "range": [-0.06, 1.06], "dtick": 0.25},
        yaxis={"title": _("Satisfaction when present: better (0–1)"), "range": [-0.06, 1.08], "dtick": 0.25},
    )
    return figure
