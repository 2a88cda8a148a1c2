"""Emotion curves: several journeys, or the as-is and to-be versions of one journey, laid over each other."""

import streamlit as st

from components.analysis_charts import emotion_overlay_figure
from components.charts import chart_panel
from components.i18n import _
from components.page import open_page
from models.db import read_session
from services import journeys
from services.reports import PALETTE

engine, workspace_id = open_page()
MAX_JOURNEYS = len(PALETTE)  # one colour each

st.title(_("Emotion curves"))
with read_session(engine) as session:
    listing = journeys.list_journeys(session, workspace_id)
if listing.empty:
    st.info(_("No journeys yet. Create one on the Journeys page."))
    st.page_link("pages/map/journeys.py", label=_("Open the journeys"), icon="🗺️")
    st.stop()

names = {int(i): name for i, name in zip(listing["id"], listing["name"], strict=True)}
modes = {"several": _("Several journeys"), "versions": _("As-is and to-be of one journey")}
axes = {"relative": _("Position in the journey (0–100 %)"), "order": _("Step order")}
mode_col, axis_col = st.columns([3, 2])
mode = mode_col.segmented_control(_("Compare"), list(modes), format_func=modes.get, default="several",
                                  key="emotions.mode") or "several"
x = axis_col.radio(_("Horizontal axis"), list(axes), format_func=axes.get, horizontal=True, key="emotions.x")

if mode == "several":
    chosen = st.multiselect(_("Journeys"), list(names), format_func=names.get, default=list(names)[:3],
                            max_selections=MAX_JOURNEYS, key="emotions.journeys", placeholder=_("Choose journeys…"))
else:
    journey_id = st.selectbox(_("Journey"), list(names), format_func=names.get, key="emotions.journey")
    chosen = journeys.versions(listing, journey_id)[:MAX_JOURNEYS]
    if len(chosen) == 1:
        st.info(_("This journey has no to-be version yet. Copy it as a to-be journey on the Journeys page to compare."))

if not chosen:
    st.info(_("Choose at least one journey."))
    st.stop()
with read_session(engine) as session:
    curves = journeys.emotion_curves(session, workspace_id, chosen)
if curves.empty:
    st.info(_("The chosen journeys have no steps yet."))
    st.stop()

st.caption(_("Stars mark moments of truth; dashed lines are to-be journeys. The relative axis places the first step "
             "of every journey at 0 % and the last at 100 %, so journeys of different length line up."))
chart_panel(emotion_overlay_figure(curves, _("Emotion curves"), x), curves, key="emotions.chart",
            filename="emotion curves")

summary = journeys.curve_summary(curves)
st.dataframe(
    summary.assign(state=summary["state"].map({"as_is": _("as-is"), "to_be": _("to-be")})), hide_index=True,
    width="stretch", column_order=("journey", "state", "steps", "mean", "lowest_step", "lowest", "moments_of_truth"),
    column_config={
        "journey": st.column_config.TextColumn(_("Journey"), width="large"),
        "state": st.column_config.TextColumn(_("Version")),
        "steps": st.column_config.NumberColumn(_("Steps")),
        "mean": st.column_config.NumberColumn(_("Mean emotion (−3 … +3)"), format="%+.2f"),
        "lowest_step": st.column_config.TextColumn(_("Lowest step"), width="large"),
        "lowest": st.column_config.NumberColumn(_("Its emotion"), format="%+d"),
        "moments_of_truth": st.column_config.NumberColumn(_("Moments of truth")),
    },
)
