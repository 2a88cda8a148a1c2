"""Dashboard: the health of every journey at a glance — KPIs, drop-off, emotion, pain points, touchpoints. Read-only."""

import streamlit as st

from components.cache import snapshot
from components.dashboard_cards import CARD_PARTS, card_frames, health_overview, journey_card
from components.i18n import _
from components.metric_tables import status_table
from components.page import open_page
from services import journeys, metrics, personas

engine, workspace_id = open_page()
view = snapshot(engine, workspace_id)  # every read and figure below: once per change of the workspace
MAX_CARDS = 6  # journeys with a detailed card (the flow model runs per card); the table covers all
CUSTOMERS = 1000
SPARKLINES = 3  # main KPIs per card

st.title(_("Dashboard"))
st.caption(_("How the journeys are doing: KPIs against their targets, where customers drop off, the lowest moments, "
             "the most pressing pain points and the touchpoints to fix first."))

journey_frame = view.data(journeys.list_journeys)
persona_names = view.data(personas.persona_labels)

if journey_frame.empty:
    st.info(_("No journeys yet. Create one on the Journeys page."))
    st.page_link("pages/map/journeys.py", label=_("Open the journeys"), icon="🗺️")
    st.stop()

journey_names = dict(zip(journey_frame["id"], journey_frame["name"], strict=True))
by_persona, by_journey = st.columns(2)
chosen_personas = by_persona.multiselect(_("Personas"), list(persona_names), format_func=persona_names.get,
                                         key="dashboard.persona", placeholder=_("All personas"))
chosen_journeys = by_journey.multiselect(_("Journeys"), list(journey_names), format_func=journey_names.get,
                                         key="dashboard.journey", placeholder=_("All journeys"))
shown = journeys.filter_journeys(journey_frame, persona_ids=chosen_personas)
if chosen_journeys:
    shown = shown[shown["id"].isin(chosen_journeys)]
if shown.empty:
    st.info(_("No journey matches these filters."))
    st.stop()

ids = tuple(int(i) for i in shown["id"])
health = view.data(metrics.journey_health, ids, MAX_CARDS, CUSTOMERS, SPARKLINES)
status, kpis, lowest, pains, fixes = health.status, health.kpis, health.lowest, health.pains, health.fixes

counts = metrics.status_counts(kpis)
tiles = [(_("Journeys"), len(ids)), (_("KPIs on target"), counts["on_target"]), (_("KPIs off target"), counts["off_target"]),
         (_("Reviews overdue"), counts["overdue"])]
for column, (title, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    column.metric(title, value, border=True)

st.subheader(_("Health of the journeys"), anchor=False)
health_overview(view.computed(metrics.health_table, shown, kpis, lowest, pains, fixes, inputs=(ids,)))

st.subheader(_("Journey details"), anchor=False)
if len(ids) > MAX_CARDS:
    st.caption(_("Details of the first {shown} of {total} journeys; choose journeys in the filter to see others.").format(
        shown=MAX_CARDS, total=len(ids)))
cards = view.computed(card_frames, health, ids[:MAX_CARDS], inputs=(ids,))
for journey in shown.head(MAX_CARDS).to_dict("records"):
    journey_card(journey, *(cards[int(journey["id"])][part] for part in CARD_PARTS), customers=CUSTOMERS,
                 sparklines=SPARKLINES, cache=view)

others = status[status["journey_id"].isna()]
if not others.empty:
    with st.expander(_("KPIs of the whole workspace and of touchpoints ({count})").format(count=len(others))):
        status_table(others)
