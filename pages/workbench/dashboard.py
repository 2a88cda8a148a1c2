"""Dashboard: the health of every journey at a glance — KPIs, drop-off, emotion, pain points, touchpoints. Read-only."""

import streamlit as st

from components.dashboard_cards import health_overview, journey_card
from components.i18n import _
from components.metric_tables import status_table
from components.page import open_page
from models.db import read_session
from services import journeys, metrics, personas

engine, workspace_id = open_page()
MAX_CARDS = 6  # journeys with a detailed card (the flow model runs per card); the table covers all
CUSTOMERS = 1000
SPARKLINES = 3  # main KPIs per card

st.title(_("Dashboard"))
st.caption(_("How the journeys are doing: KPIs against their targets, where customers drop off, the lowest moments, "
             "the most pressing pain points and the touchpoints to fix first."))

with read_session(engine) as session:
    journey_frame = journeys.list_journeys(session, workspace_id)
    persona_names = {p.id: f"{p.avatar_emoji} {p.name}".strip() for p in personas.list_personas(session, workspace_id, with_images=False)}
    status = metrics.metric_status(session, workspace_id)

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

ids = [int(i) for i in shown["id"]]
card_ids = ids[:MAX_CARDS]
kpis = metrics.journey_kpis(status, ids)
main = kpis.groupby("journey_id", sort=False).head(SPARKLINES)
with read_session(engine) as session:
    lowest = metrics.lowest_emotion_steps(session, ids)
    pains = metrics.top_pain_points(session, ids)
    fixes = metrics.fix_first_touchpoints(session, ids)
    drops = metrics.biggest_drop_offs(session, card_ids, customers=CUSTOMERS)
    series = metrics.measurement_series(session, workspace_id, main.loc[main["journey_id"].isin(card_ids), "metric_id"],
                                        status=status)

counts = metrics.status_counts(kpis)
tiles = [(_("Journeys"), len(ids)), (_("KPIs on target"), counts["on_target"]), (_("KPIs off target"), counts["off_target"]),
         (_("Reviews overdue"), counts["overdue"])]
for column, (title, value) in zip(st.columns(len(tiles)), tiles, strict=True):
    column.metric(title, value, border=True)

st.subheader(_("Health of the journeys"), anchor=False)
health_overview(metrics.health_table(shown, kpis, lowest, pains, fixes))

st.subheader(_("Journey details"), anchor=False)
if len(ids) > MAX_CARDS:
    st.caption(_("Details of the first {shown} of {total} journeys; choose journeys in the filter to see others.").format(
        shown=MAX_CARDS, total=len(ids)))
for journey in shown.head(MAX_CARDS).to_dict("records"):
    jid = int(journey["id"])
    journey_card(journey, kpis[kpis["journey_id"] == jid], main[main["journey_id"] == jid],
                 lowest[lowest["journey_id"] == jid], pains[pains["journey_id"] == jid], fixes[fixes["journey_id"] == jid],
                 drops[drops["journey_id"] == jid], series, customers=CUSTOMERS, sparklines=SPARKLINES)

others = status[status["journey_id"].isna()]
if not others.empty:
    with st.expander(_("KPIs of the whole workspace and of touchpoints ({count})").format(count=len(others))):
        status_table(others)
