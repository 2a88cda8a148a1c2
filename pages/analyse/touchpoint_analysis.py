"""Touchpoint analysis: importance–performance matrix, touchpoint × stage heatmap, channel mix, abort ranking."""

import streamlit as st

from components.cache import snapshot
from components.charts import chart_panel
from components.i18n import _
from components.labels import translated
from components.page import journey_names_in, open_page
from components.text import md
from components.touchpoint_charts import abort_figure, channel_mix_figure, importance_performance_figure, stage_heatmap_figure
from components.touchpoint_labels import MATRIX_RULE, QUADRANTS
from services import touchpoints

engine, workspace_id = open_page()
view = snapshot(engine, workspace_id)  # every read and figure below: once per change of the workspace
HEATMAP_ROWS = 30

st.title(_("Touchpoint analysis"))

journey_names = view.data(journey_names_in)
scopes = {0: _("All journeys"), **journey_names}
scope = st.selectbox(_("Journey"), list(scopes), format_func=scopes.get, key="analysis.touchpoint.journey")
journey_id = scope or None
across = "" if journey_id else " " + _("(stages matched by name across journeys)")

scores, stages, usage, aborts = view.data(touchpoints.touchpoint_analysis, journey_id)

if scores.empty:
    st.info(_("No touchpoint is attached to a step yet. Attach touchpoints on the Touchpoints page or in the journey map."))
    st.page_link("pages/map/touchpoints.py", label=_("Open the touchpoints"), icon="📍")
    st.stop()

st.subheader(_("Importance and performance"), anchor=False)
st.caption(_(MATRIX_RULE))
unrated = int((scores["quadrant"].isna()).sum())
chart_panel(view.figure(importance_performance_figure, scores, _("Importance–performance matrix"), inputs=(journey_id,)),
            scores.assign(quadrant=scores["quadrant"].map(translated(QUADRANTS))),
            key="analysis.touchpoint.matrix", filename="importance-performance-matrix")
if unrated:
    st.caption(_("{count} touchpoints are used but not yet rated on both importance and satisfaction at any step "
                 "and are not in the matrix.").format(count=unrated))

st.subheader(_("Touchpoints per stage"), anchor=False)
table = view.computed(touchpoints.heatmap_table, usage, stages, inputs=(journey_id,), limit=HEATMAP_ROWS)
totals = view.computed(touchpoints.stage_totals, usage, stages, inputs=(journey_id,))
chart_panel(view.figure(stage_heatmap_figure, table, stages, totals, _("Touchpoint × stage") + across, inputs=(journey_id,)),
            usage.merge(stages, on="stage_key"), key="analysis.touchpoint.heatmap", filename="touchpoint-stage-heatmap")
thin = [name for key, name in zip(stages["stage_key"], stages["stage"], strict=True) if totals.get(key, 0) == 0]
if thin:
    st.caption(_("Stages without any touchpoint: {stages}").format(stages=", ".join(md(name) for name in thin)))
if len(scores) > HEATMAP_ROWS:
    st.caption(_("The {shown} most used of {total} touchpoints are shown.").format(shown=HEATMAP_ROWS, total=len(scores)))

st.subheader(_("Channel mix per stage"), anchor=False)
mix = view.computed(touchpoints.channel_mix, usage, stages, inputs=(journey_id,))
chart_panel(view.figure(channel_mix_figure, mix, _("Channel mix per stage") + across, inputs=(journey_id,)), mix,
            key="analysis.touchpoint.mix", filename="channel-mix-per-stage")

st.subheader(_("Touchpoints that lead to abort"), anchor=False)
if aborts.empty:
    st.info(_("No touchpoint is marked as leading to abort."))
else:
    st.caption(_("Ranked by importance × (5 − satisfaction): important touchpoints that disappoint come first."))
    chart_panel(view.figure(abort_figure, aborts, _("Abort touchpoints by urgency"), inputs=(journey_id,)), aborts,
                key="analysis.touchpoint.abort", filename="abort-touchpoints")
    st.dataframe(
        aborts.drop(columns=["touchpoint_id"]), hide_index=True, width="stretch",
        column_config={
            "touchpoint": st.column_config.TextColumn(_("Touchpoint")),
            "channel": st.column_config.TextColumn(_("Channel")),
            "importance": st.column_config.NumberColumn(_("Importance (1–5)"), format="%.1f"),
            "satisfaction": st.column_config.NumberColumn(_("Satisfaction (1–5)"), format="%.1f"),
            "score": st.column_config.NumberColumn(_("Urgency (0–20)"), format="%.1f"),
            "steps": st.column_config.NumberColumn(_("Steps")),
            "where": st.column_config.TextColumn(_("Where"), width="large"),
        },
    )
