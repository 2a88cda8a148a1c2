"""Planned vs actual: customers' real event logs held against the journey map.

Logs (import, list, delete, bad rows) → mapping (event names → steps) → comparison (what customers
really did, the CJML deviations, incidents, and the observed shares taken into the map on request).
"""

from datetime import date

import streamlit as st

from components import eventlog_charts as charts
from components.charts import chart_panel
from components.eventlog_analysis import analysis, segment_values
from components.eventlog_import import LOG_PENDING_KEY, demo_form, sql_form, upload_form
from components.eventlog_mapping import mapping_editor
from components.feedback import attempt
from components.i18n import _
from components.page import open_page
from components.text import md
from models.db import read_session
from services import journeys
from services.eventlog import adopt, conformance
from services.eventlog import store as eventstore
from services.eventlog.planned import planned_map

engine, workspace_id = open_page()
store = eventstore.open_store(workspace_id)
UNDO_KEY = "pva.undo.changes"

st.title(_("Planned vs actual"))
st.caption(_("The map the room drew beside what customers really did: import an event log, say which events stand for "
             "which steps, and compare. Case ids are stored as the file holds them: use pseudonymous ids."))

with read_session(engine) as session:
    listing = journeys.list_journeys(session, workspace_id)
if listing.empty:
    st.info(_("No journeys yet. Create one on the Journeys page."))
    st.stop()
names = {int(i): name for i, name in zip(listing["id"], listing["name"], strict=True)}
logs = eventstore.list_logs(store)
log_names = {int(i): name for i, name in zip(logs["id"], logs["name"], strict=True)}

pending = st.session_state.pop(LOG_PENDING_KEY, None)  # a log just imported becomes the chosen one
if pending in log_names or st.session_state.get("pva.log") not in log_names:
    st.session_state["pva.log"] = pending if pending in log_names else next(iter(log_names), None)
pick_journey, pick_log = st.columns(2)
journey_id = pick_journey.selectbox(_("Journey"), list(names), format_func=names.get, key="pva.journey")
log_id = pick_log.selectbox(_("Event log"), list(log_names), format_func=log_names.get, key="pva.log",
                            placeholder=_("Import a log first"))
with read_session(engine) as session:
    planned = planned_map(session, workspace_id, journey_id)

views = {"logs": _("Event logs"), "mapping": _("Events → steps"), "compare": _("Comparison")}
view = st.radio(_("View"), list(views), format_func=views.get, key="pva.view", horizontal=True,
                index=0 if log_id is None else 2, label_visibility="collapsed")

if view == "logs":
    upload, sql, demo = st.tabs([_("Upload a file"), _("SQL query"), _("Demo log")])
    with upload:
        upload_form(store)
    with sql:
        sql_form(store)
    with demo:
        demo_form(store, planned, names[journey_id])
    st.subheader(_("Imported logs"), anchor=False)
    if logs.empty:
        st.info(_("No event log yet."))
        st.stop()
    st.dataframe(logs.drop(columns=["id", "segments"]), hide_index=True, width="stretch", column_config={
        "name": _("Name"), "source": _("Source"), "created_at": st.column_config.DatetimeColumn(_("Imported"), format="YYYY-MM-DD HH:mm"),
        "rows": _("Rows read"), "events": _("Events"), "cases": _("Cases"), "bad_time": _("Bad time"), "bad_case": _("No case id"),
        "bad_event": _("No event name"), "bad_lines": _("Unreadable lines"), "bad": _("Refused rows"),
        "first_ts": st.column_config.DatetimeColumn(_("First event")), "last_ts": st.column_config.DatetimeColumn(_("Last event"))})
    if log_id is not None:
        bad = eventstore.bad_rows(store, log_id)
        with st.expander(_("Refused rows of “{name}” ({count} shown)").format(name=md(log_names[log_id]), count=len(bad)), icon="🚫"):
            st.dataframe(bad, hide_index=True, width="stretch",
                         column_config={"reason": _("Reason"), "line": _("Line"), "text": _("Row")})
            st.caption(_("Reasons: time = unreadable or empty timestamp, case = empty case id, event = empty event name, "
                         "line = a line the CSV reader could not split."))
        sure = st.checkbox(_("Delete “{name}” with all its events and mappings").format(name=md(log_names[log_id])),
                           key="pva.delete.confirm")
        if st.button(_("Delete the log"), disabled=not sure, key="pva.delete", icon=":material/delete:"):
            eventstore.delete_log(store, log_id)
            st.session_state.pop("pva.log", None)
            st.rerun()
    st.stop()

if log_id is None:
    st.info(_("Import an event log first (view “Event logs”)."))
    st.stop()
if planned.steps.empty:
    st.info(_("This journey has no steps yet."))
    st.stop()

if view == "mapping":
    mapping_editor(store, log_id, planned)
    st.stop()

# --- comparison ---------------------------------------------------------------------------------
log = eventstore.get_log(store, log_id)
segments = segment_values(store, log_id)
column, values, period = st.columns([1, 2, 2])
segment = column.selectbox(_("Segment"), ["", *segments], format_func=lambda s: s or _("All"), key="pva.segment")
chosen = values.multiselect(_("Values"), segments.get(segment, []), key="pva.segment.values", disabled=not segment)
first = log["first_ts"].date() if log["first_ts"] else date.today()
last = log["last_ts"].date() if log["last_ts"] else date.today()
span = period.date_input(_("Cases starting between"), (first, last), min_value=first, max_value=last, key="pva.dates")
start, end = (tuple(span) + (None, None))[:2] if isinstance(span, tuple | list) else (span, None)
filters = conformance.Filters({segment: tuple(chosen)} if segment and chosen else {}, start, end)
result = analysis(store, log_id, planned, filters)
summary = result.summary
if summary["step_events"] == 0:
    st.warning(_("No event of this log stands for a step of this journey yet: map the events first (view “Events → steps”)."))
    st.stop()

a, b, c, d, e = st.columns(5)
a.metric(_("Cases"), charts.number(summary["cases"]))
b.metric(_("Follow the map"), charts.percent(summary["conforming_share"], 1), help=_("Cases whose every transition the map has."))
c.metric(_("Mean conformance"), charts.percent(summary["mean_conformance"], 1),
         help=_("Per case the share of its transitions that the map allows, averaged over the cases."))
d.metric(_("Events on a step"), charts.percent(summary["mapped_share"], 1))
e.metric(_("Incidents"), summary["incidents"])

title = names[journey_id]
st.subheader(_("The map with what customers did"), anchor=False)
st.caption(_("Blue: planned transitions, labelled planned share → observed share (line width: observed share). "
             "Red dashed: transitions the map does not have, with their counts. Diamonds: entry steps; squares: exits."))
chart_panel(charts.map_figure(planned, result, _("Planned and observed: {journey}").format(journey=title)),
            result.dfg, key="pva.map", filename=f"{title} planned vs observed map")
chart_panel(charts.shares_figure(result.planned, _("Planned and observed shares")), result.planned.drop(columns=["version"]),
            key="pva.shares", filename=f"{title} planned vs observed shares")

changes = adopt.proposed_changes(result.planned)
adopt_col, undo_col = st.columns(2)
if adopt_col.button(_("Take the observed shares into the map ({count} transitions)").format(count=len(changes)),
                    key="pva.adopt", disabled=not changes, icon=":material/move_down:"):
    done = attempt(engine, lambda s: adopt.adopt_shares(s, workspace_id, changes), _("The observed shares are in the map."))
    if done:
        st.session_state[UNDO_KEY] = done.value
        st.rerun()
if st.session_state.get(UNDO_KEY) and undo_col.button(_("Undo: put the planned shares back"), key="pva.undo", icon=":material/undo:"):
    if attempt(engine, lambda s: adopt.undo_shares(s, workspace_id, st.session_state[UNDO_KEY]), _("The planned shares are back.")):
        st.session_state.pop(UNDO_KEY)
        st.rerun()

st.subheader(_("Deviations"), anchor=False)
st.caption(_("The four kinds CJML names: ad hoc (events that stand for no step), irregular sequence (transitions the map "
             "does not have), failing (error events after a step), missing (planned steps skipped)."))
k1, k2, k3, k4 = st.columns(4)
k1.metric(_("Ad hoc events"), charts.number(summary["ad_hoc_events"]))
k2.metric(_("Irregular transitions"), charts.number(summary["irregular_transitions"]))
k3.metric(_("Error events"), charts.number(summary["failing_events"]))
k4.metric(_("Skipped steps"), charts.number(summary["missing_steps"]))
chart_panel(charts.steps_figure(result.steps, _("Drop-off and deviations per step")), result.steps, key="pva.steps",
            filename=f"{title} drop-off and deviations per step")
irregular_tab, missing_tab, failing_tab, adhoc_tab = st.tabs([_("Irregular sequence"), _("Missing"), _("Failing"), _("Ad hoc")])
irregular_tab.dataframe(result.irregular.drop(columns=["source", "target"]), hide_index=True, width="stretch", column_config={
    "source_title": _("From"), "target_title": _("To"), "transitions": _("Transitions"), "cases": _("Cases"),
    "skipped": _("Planned steps in between")})
missing_tab.dataframe(result.missing.drop(columns=["step_id"]), hide_index=True, width="stretch",
                      column_config={"title": _("Step"), "skipped": _("Skipped"), "cases": _("Cases")})
failing_tab.dataframe(result.failing.drop(columns=["step_id"]), hide_index=True, width="stretch", column_config={
    "title": _("Step"), "error_events": _("Error events"), "cases": _("Cases"), "errors": _("Error events (names)")})
adhoc_tab.dataframe(result.ad_hoc, hide_index=True, width="stretch",
                    column_config={"event": _("Event name"), "events": _("Events"), "cases": _("Cases")})

st.subheader(_("Incidents"), anchor=False)
st.caption(_("A week is flagged when a step's conversion to a planned next step falls below its own baseline (all other weeks): "
             "one-sided two-proportion z-test at 99 %, Bonferroni-corrected over the {tests} step-weeks tested "
             "(z below {z}); weeks with fewer than {minimum} visits are not tested.").format(
    tests=int(result.weekly["tested"].sum()) if len(result.weekly) else 0, z=charts.number(result.threshold_z, 2),
    minimum=conformance.MIN_WEEK_VISITS))
if len(result.weekly):
    chart_panel(charts.weekly_figure(result.weekly, _("Weekly conversion per step")), result.weekly, key="pva.weekly",
                filename=f"{title} weekly conversion")
if result.incidents.empty:
    st.success(_("No incident: no step broke in any week."))
else:
    st.dataframe(result.incidents[["title", "week", "visits", "converted", "rate", "baseline", "z"]], hide_index=True,
                 width="stretch", column_config={
                     "title": _("Step"), "week": _("Week"), "visits": _("Visits"), "converted": _("Converted"),
                     "rate": st.column_config.NumberColumn(_("Conversion (%)"), format="%.1f"),
                     "baseline": st.column_config.NumberColumn(_("Baseline (%)"), format="%.1f"),
                     "z": st.column_config.NumberColumn("z", format="%.1f")})

st.subheader(_("What customers really did"), anchor=False)
chart_panel(charts.variants_figure(result.variants, _("The most frequent paths")), result.variants, key="pva.variants",
            filename=f"{title} variants")
chart_panel(charts.entries_exits_figure(result.steps, _("Where cases enter and end")), result.steps, key="pva.entries",
            filename=f"{title} entries and exits")
chart_panel(charts.conformance_figure(result.conformance, _("Conformance of the cases")), result.conformance,
            key="pva.conformance", filename=f"{title} case conformance")
with st.expander(_("Directly-follows graph with times between steps"), icon="⏱️"):
    st.dataframe(result.dfg.drop(columns=["source", "target"]), hide_index=True, width="stretch", column_config={
        "source_title": _("From"), "target_title": _("To"), "transitions": _("Transitions"), "cases": _("Cases"),
        "median_h": st.column_config.NumberColumn(_("Median (hours)"), format="%.2f"),
        "p90_h": st.column_config.NumberColumn(_("90th percentile (hours)"), format="%.2f"),
        "planned": st.column_config.CheckboxColumn(_("On the map"))})
    st.caption(_("▶ = the case starts, ■ = the case ends. Repeats (the same step's event again) are not transitions: "
                 "{repeats} repeats; loops (a step visited again later) in {loops} cases.").format(
        repeats=charts.number(result.steps["repeats"].sum()), loops=charts.number(result.steps["loop_cases"].max())))
