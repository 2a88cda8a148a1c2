"""The dashboard's pieces: the health table of all journeys and a health card per journey (read-only)."""

import pandas as pd
import streamlit as st

from components.cache import Snapshot
from components.charts import chart_panel
from components.i18n import _
from components.metric_charts import metric_sparkline_figure
from components.text import md
from components.touchpoint_labels import FIX_FIRST_RULE
from services import metrics


def health_overview(table: pd.DataFrame) -> None:
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_order=("journey", "personas", "on_target", "off_target", "overdue", "lowest_step", "emotion",
                      "top_pain_point", "fix_first"),
        column_config={
            "journey": st.column_config.TextColumn(_("Journey")),
            "personas": st.column_config.TextColumn(_("Personas")),
            "on_target": st.column_config.NumberColumn(_("KPIs on target")),
            "off_target": st.column_config.NumberColumn(_("KPIs off target")),
            "overdue": st.column_config.NumberColumn(_("Reviews overdue")),
            "lowest_step": st.column_config.TextColumn(_("Lowest-emotion step")),
            "emotion": st.column_config.NumberColumn(_("Emotion (−3 … +3)"), format="%+d"),
            "top_pain_point": st.column_config.TextColumn(_("Top pain point")),
            "fix_first": st.column_config.TextColumn(_("Touchpoint to fix first")),
        },
    )


CARD_PARTS = ("kpis", "main", "lowest", "pains", "fixes", "drops", "series")


def card_frames(health: metrics.JourneyHealth, journey_ids: tuple[int, ...]) -> dict[int, dict[str, pd.DataFrame]]:
    """Each journey's rows of every frame of ``health`` (its main KPIs' measurements as ``series``),
    split in one grouping pass per frame instead of one filter per card and frame."""
    frames = health._asdict()
    metrics_of = health.main.groupby("journey_id", sort=False)["metric_id"].agg(list).to_dict()
    by_metric = dict(tuple(health.series.groupby("metric_id", sort=False)))
    empty_series = health.series.iloc[0:0]
    cards: dict[int, dict[str, pd.DataFrame]] = {int(j): {} for j in journey_ids}
    for name in CARD_PARTS[:-1]:
        frame = frames[name]
        groups = dict(tuple(frame.groupby("journey_id", sort=False)))
        for journey_id, parts in cards.items():
            parts[name] = groups.get(journey_id, frame.iloc[0:0])
    for journey_id, parts in cards.items():
        wanted = [by_metric[m] for m in metrics_of.get(journey_id, []) if m in by_metric]
        parts["series"] = pd.concat(wanted, ignore_index=True) if wanted else empty_series
    return cards


def _kpi_line(kpis: pd.DataFrame) -> str:
    if kpis.empty:
        return _("No KPIs defined for this journey yet.")
    on, off = int((kpis["status"] == "on_target").sum()), int((kpis["status"] == "off_target").sum())
    overdue = int(kpis["overdue"].sum())
    return _("KPIs: {on} of {total} on target, {off} off target, {overdue} overdue for review.").format(
        on=on, total=len(kpis), off=off, overdue=overdue)


def _drop_off(drop: pd.DataFrame, customers: int) -> None:
    st.markdown("**" + _("Biggest drop-off") + "**")
    if drop.empty:
        st.caption(_("The modelled flow loses no customers."))
        return
    row = drop.iloc[0]
    if row["error"] is not None and not pd.isna(row["error"]):
        st.caption(row["error"].render(_))
        return
    st.markdown(_("{step} ({stage}): loses {lost:.0f} of {customers} customers ({pct:.1f} %)").format(
        step=md(row["title"]), stage=md(row["stage_name"]), lost=row["lost"], customers=customers,
        pct=row["pct_of_customers"]))


def _lowest(lowest: pd.DataFrame) -> None:
    st.markdown("**" + _("Lowest emotion") + "**")
    if lowest.empty:
        st.caption(_("No steps yet."))
        return
    row = lowest.iloc[0]
    st.markdown(f"{md(row['step'])} ({md(row['stage'])}): {int(row['emotion']):+d}")


def _list(title: str, items: list[str], empty: str) -> None:
    st.markdown(f"**{title}**")
    if items:
        st.markdown("\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1)))
    else:
        st.caption(empty)


def journey_card(
    journey: dict, kpis: pd.DataFrame, main: pd.DataFrame, lowest: pd.DataFrame, pains: pd.DataFrame,
    fixes: pd.DataFrame, drop: pd.DataFrame, series: pd.DataFrame, *, customers: int, sparklines: int = 3,
    cache: Snapshot | None = None,
) -> None:
    """One journey's health: KPIs, drop-off, emotion low, pain points, touchpoints to fix, KPI sparklines
    (each drawn once per change of the workspace when ``cache`` is given)."""
    journey_id = int(journey["id"])
    with st.container(border=True):
        st.subheader(md(journey["name"]), anchor=False)
        st.caption(md(journey["personas"] or _("no persona attached")) + " · " + _kpi_line(kpis))
        drop_col, low_col, pain_col, fix_col = st.columns(4)
        with drop_col:
            _drop_off(drop, customers)
        with low_col:
            _lowest(lowest)
        with pain_col:
            voted = not pains.empty and int(pains["votes"].max()) > 0
            _list(_("Top pain points (by votes)") if voted else _("Top pain points (by severity)"),
                  [f"{md(t)} · {int(v)} 🗳" if voted else f"{md(t)} · {int(s)}/5"
                   for t, s, v in zip(pains["text"], pains["severity"], pains["votes"], strict=True)],
                  _("No pain points yet."))
        with fix_col:
            _list(_("Touchpoints to fix first"),
                  [_("{touchpoint} · importance {importance:.1f}, satisfaction {satisfaction:.1f}").format(
                      touchpoint=md(t), importance=i, satisfaction=s)
                   for t, i, s in zip(fixes["touchpoint"], fixes["importance"], fixes["satisfaction"], strict=True)],
                  _("No important touchpoint rated poorly."))
            st.caption(_(FIX_FIRST_RULE))
        if main.empty:
            return
        for column, metric in zip(st.columns(sparklines), main.head(sparklines).to_dict("records"), strict=False):
            data = series[series["metric_id"] == metric["metric_id"]].assign(metric=metric["name"], unit=metric["unit"],
                                                                             target=metric["target"])
            figure = cache.figure(metric_sparkline_figure, data, metric, metric["name"], inputs=(metric["metric_id"],)) \
                if cache else metric_sparkline_figure(data, metric, metric["name"])
            with column:
                chart_panel(figure, data,
                            key=f"dashboard.spark.{journey_id}.{metric['metric_id']}", filename=f"{metric['name']} trend")
