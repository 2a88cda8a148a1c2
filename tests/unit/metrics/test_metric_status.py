"""Metric status (last value, change, target, review), trend series, the measurement table's edits,
and the dashboard's per-journey summaries — checked against hand-computed values and query counts."""

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from sqlmodel import select

from components.metric_charts import metric_sparkline_figure, metric_trend_figure
from models import Measurement
from services import journeys
from services.core import Problems, RowChange
from services.journeys import flows
from services.metrics import crud as metrics
from services.metrics import dashboard
from services.touchpoints import analysis as touchpoint_analysis
from services.touchpoints import crud as touchpoints
from services.unit_of_work import unit_of_work
from services.workshop import collaboration
from services.workspaces.crud import create_workspace

TODAY = date(2025, 6, 15)


def add_series(session, ws, metric_id, values, *, start=date(2025, 1, 31), step_days=30):
    for index, value in enumerate(values):
        metrics.add_measurement(session, ws, metric_id, start + timedelta(days=step_days * index), value)


def row(status, name):
    [found] = status[status["name"] == name].to_dict("records")
    return found


def test_status_by_direction_target_and_change(session, workspace):
    ws = workspace.id
    nps = metrics.create_metric(session, ws, {"name": "NPS", "target": 40, "direction": "higher", "unit": "points"})
    wait = metrics.create_metric(session, ws, {"name": "Wartezeit", "target": 3, "direction": "lower", "unit": "min"})
    cost = metrics.create_metric(session, ws, {"name": "Kosten", "direction": "lower"})
    add_series(session, ws, nps.id, [30, 38, 41])  # reaches 40 at the end, +3 better
    add_series(session, ws, wait.id, [2.0, 4.0])  # above 3 and rising: off target, worse
    add_series(session, ws, cost.id, [5.0, 5.0])  # no target, unchanged

    status = metrics.metric_status(session, ws, today=TODAY)
    assert list(status["name"]) == ["Kosten", "NPS", "Wartezeit"]  # by name, any case
    n = row(status, "NPS")
    assert (n["last_value"], n["previous_value"], n["change"], n["trend"], n["status"], n["on_target"]) == (
        41.0, 38.0, 3.0, "better", "on_target", True)
    assert n["change_pct"] == pytest.approx(3 / 38 * 100)
    assert n["gap"] == 1.0 and n["measurements"] == 3
    assert n["last_on"] == pd.Timestamp(2025, 1, 31) + pd.Timedelta(days=60)
    w = row(status, "Wartezeit")
    assert (w["change"], w["trend"], w["status"], w["on_target"], w["gap"]) == (2.0, "worse", "off_target", False, 1.0)
    k = row(status, "Kosten")
    assert (k["trend"], k["status"], pd.isna(k["on_target"])) == ("unchanged", "no_target", True)
    assert metrics.status_counts(status) == {
        "on_target": 1, "off_target": 1, "no_target": 1, "no_data": 0, "overdue": 3, "total": 3}


def test_exactly_on_target_counts_as_reached_in_both_directions(session, workspace):
    ws = workspace.id
    for name, direction in (("High", "higher"), ("Low", "lower")):
        metric = metrics.create_metric(session, ws, {"name": name, "target": 10, "direction": direction})
        metrics.add_measurement(session, ws, metric.id, "2025-06-01", 10)
    status = metrics.metric_status(session, ws, today=TODAY)
    assert list(status["status"]) == ["on_target", "on_target"]
    assert status["trend"].isna().all() and status["previous_value"].isna().all()  # one value: no change yet


def test_review_is_due_after_the_cadence(session, workspace):
    ws = workspace.id
    monthly = metrics.create_metric(session, ws, {"name": "Monthly", "review_every_days": 30, "target": 1})
    never = metrics.create_metric(session, ws, {"name": "Never", "review_every_days": None})
    assert never.review_every_days is None  # not the column's default of 30
    metrics.add_measurement(session, ws, monthly.id, "2025-05-16", 1)
    metrics.add_measurement(session, ws, never.id, "2020-01-01", 1)
    metrics.create_metric(session, ws, {"name": "Empty", "review_every_days": 7})

    on_due_day = metrics.metric_status(session, ws, today=date(2025, 6, 15))
    assert row(on_due_day, "Monthly")["due_on"] == pd.Timestamp(2025, 6, 15)
    assert not row(on_due_day, "Monthly")["overdue"]  # due today: not yet overdue
    day_after = metrics.metric_status(session, ws, today=date(2025, 6, 16))
    assert row(day_after, "Monthly")["overdue"] and row(day_after, "Monthly")["days_since"] == 31
    assert not row(day_after, "Never")["overdue"] and pd.isna(row(day_after, "Never")["review_every_days"])
    # Before its first measurement a metric counts from the day it was defined.
    empty = row(day_after, "Empty")
    assert (empty["status"], empty["measurements"]) == ("no_data", 0)
    defined = datetime.now(UTC).date()  # created_at is stored in UTC
    assert empty["due_on"] == pd.Timestamp(defined) + pd.Timedelta(days=7)
    assert not empty["overdue"]
    assert not row(metrics.metric_status(session, ws, today=defined + timedelta(days=7)), "Empty")["overdue"]
    assert row(metrics.metric_status(session, ws, today=defined + timedelta(days=8)), "Empty")["overdue"]


def test_status_is_one_query_and_only_this_workspace(session, workspace, other_workspace, count_queries):
    ws = workspace.id
    metrics.create_metric(session, other_workspace.id, {"name": "Foreign"})
    first = metrics.create_metric(session, ws, {"name": "A"})
    add_series(session, ws, first.id, [1, 2, 3])
    with count_queries() as few:
        small = metrics.metric_status(session, ws, today=TODAY)
    for index in range(12):
        metric = metrics.create_metric(session, ws, {"name": f"M{index:02d}", "target": 5})
        add_series(session, ws, metric.id, range(index + 2))
    with count_queries() as many:
        large = metrics.metric_status(session, ws, today=TODAY)
    assert len(few) == len(many) == 1
    assert list(small["name"]) == ["A"] and len(large) == 13


def test_status_names_what_a_metric_measures(session, journey_map):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline"})
    metrics.create_metric(session, m.ws, {"name": "Conv", "scope": "journey", "journey_id": m.journey.id})
    metrics.create_metric(session, m.ws, {"name": "Drop", "scope": "step", "step_id": m.b.id})
    metrics.create_metric(session, m.ws, {"name": "CSAT", "scope": "touchpoint", "touchpoint_id": hotline.id})
    status = metrics.metric_status(session, m.ws, today=TODAY).set_index("name")
    assert status.loc["Conv", ["journey", "step", "touchpoint"]].tolist() == ["Sommerurlaub", "", ""]
    assert status.loc["Drop", ["journey", "step"]].tolist() == ["Sommerurlaub", "Asks friends"]
    assert status.loc["CSAT", "touchpoint"] == "Hotline" and pd.isna(status.loc["CSAT", "journey_id"])


def test_series_keep_a_window_before_each_metrics_own_newest_value(session, workspace, count_queries):
    ws = workspace.id
    recent = metrics.create_metric(session, ws, {"name": "Recent"})
    old = metrics.create_metric(session, ws, {"name": "Old"})
    add_series(session, ws, recent.id, [1, 2, 3, 4], start=date(2025, 1, 1), step_days=60)  # … 2025-06-30
    add_series(session, ws, old.id, [7, 8, 9], start=date(2020, 1, 1), step_days=100)  # … 2020-07-19
    status = metrics.metric_status(session, ws, today=TODAY)
    with count_queries() as statements:
        series = metrics.measurement_series(session, ws, [recent.id, old.id], window_days=150, status=status)
    assert len(statements) == 1
    by_metric = series.groupby("metric_id")["value"].apply(list).to_dict()
    assert by_metric == {recent.id: [2.0, 3.0, 4.0], old.id: [8.0, 9.0]}  # the old metric still has its curve
    everything = metrics.measurement_series(session, ws, [recent.id], window_days=None)
    assert list(everything["value"]) == [1.0, 2.0, 3.0, 4.0]
    assert metrics.measurement_series(session, ws, []).empty


def test_trend_figure_draws_the_target_and_marks_misses(session, workspace):
    series = pd.DataFrame({"measured_on": pd.to_datetime(["2025-01-31", "2025-02-28", "2025-03-31"]),
                           "value": [30.0, 45.0, 38.0], "note": ["", "Kampagne <b>neu</b>", ""]})
    metric = {"name": "NPS", "unit": "points", "target": 40.0, "direction": "higher"}
    figure = metric_trend_figure(series, metric, "NPS")
    on, off = figure.data[1], figure.data[2]
    assert (on.name, list(on.y), off.name, list(off.y)) == ("On target", [45.0], "Off target", [30.0, 38.0])
    assert on.marker.symbol != off.marker.symbol  # not by colour alone
    assert list(on.customdata) == ["Kampagne &lt;b&gt;neu&lt;/b&gt;"]  # user text shown as typed, not as markup
    [line] = figure.layout.shapes
    assert (line.y0, line.y1, line.line.dash) == (40.0, 40.0, "dash")
    assert figure.layout.yaxis.title.text == "Value (points)" and figure.layout.xaxis.title.text == "Date"
    small = metric_sparkline_figure(series, {**metric, "target": None}, "NPS")
    assert small.layout.height < 250 and not small.layout.shapes and small.layout.yaxis.title.text == "points"


# --- the measurement table ---------------------------------------------------------------------


def shown_table(session, ws, metric_id):
    frame = metrics.list_measurements(session, ws, metric_id).sort_values("measured_on", ascending=False)
    frame["measured_on"] = frame["measured_on"].dt.date
    return frame.reset_index(drop=True)


def stored(engine):
    with unit_of_work(engine) as session:
        return [(m.measured_on.isoformat(), m.value, m.note) for m in
                session.exec(select(Measurement).order_by(Measurement.metric_id, Measurement.measured_on)).all()]


@pytest.fixture
def nps(engine):
    with unit_of_work(engine) as session:
        ws = create_workspace(session, "Metrics team").id
        metric = metrics.create_metric(session, ws, {"name": "NPS"})
        for day, value in (("2025-01-31", 30), ("2025-02-28", 32), ("2025-03-31", 35)):
            metrics.add_measurement(session, ws, metric.id, day, value)
    return ws, metric.id


def test_table_edits_add_change_and_delete_in_one_transaction(engine, nps):
    ws, metric_id = nps
    with unit_of_work(engine) as session:
        shown = shown_table(session, ws, metric_id)  # newest first: 03-31, 02-28, 01-31
    edited = shown.drop(index=2).copy()  # delete January
    edited.loc[0, "value"] = 36.0  # correct March
    edited.loc[1, "note"] = "Kampagne"
    edited = pd.concat([edited, pd.DataFrame([{"measured_on": date(2025, 4, 30), "value": 37.5, "note": None},
                                              {"measured_on": None, "value": None, "note": None}])],
                       ignore_index=True)  # an empty new row is no edit
    changed, added, deleted = metrics.measurement_edits(shown, edited, new_label="new row {number}")
    assert [(c.label, c.changes) for c in changed] == [("2025-03-31", {"value": 36.0}), ("2025-02-28", {"note": "Kampagne"})]
    assert [(a.label, a.changes) for a in added] == [
        ("new row 1", {"measured_on": date(2025, 4, 30), "value": 37.5, "note": None})]
    assert [d.label for d in deleted] == ["2025-01-31"]
    with unit_of_work(engine) as session:
        assert metrics.save_measurements(session, ws, metric_id, changed=changed, added=added, deleted=deleted) == 4
    assert stored(engine) == [("2025-02-28", 32.0, "Kampagne"), ("2025-03-31", 36.0, ""), ("2025-04-30", 37.5, "")]


def test_a_deleted_date_can_be_taken_by_a_new_row(engine, nps):
    ws, metric_id = nps
    with unit_of_work(engine) as session:
        shown = shown_table(session, ws, metric_id)
        edited = pd.concat([shown.iloc[1:], pd.DataFrame([{"measured_on": date(2025, 3, 31), "value": 99.0}])],
                           ignore_index=True)
        metrics.save_measurements(session, ws, metric_id, **dict(zip(
            ("changed", "added", "deleted"), metrics.measurement_edits(shown, edited), strict=True)))
    assert ("2025-03-31", 99.0, "") in stored(engine)


def test_bad_rows_are_all_reported_and_nothing_is_saved(engine, nps):
    ws, metric_id = nps
    before = stored(engine)
    with unit_of_work(engine) as session:
        shown = shown_table(session, ws, metric_id)
    edited = shown.copy()
    edited.loc[0, "value"] = 40.0  # fine on its own
    edited.loc[1, "measured_on"] = date(2025, 1, 31)  # the date of another row
    edited.loc[2, "value"] = float("nan")  # emptied
    edited = pd.concat([edited, pd.DataFrame([{"measured_on": None, "value": 5.0}])], ignore_index=True)
    changed, added, deleted = metrics.measurement_edits(shown, edited)
    with pytest.raises(Problems) as info, unit_of_work(engine) as session:
        metrics.save_measurements(session, ws, metric_id, changed=changed, added=added, deleted=deleted)
    assert [(label, err.field, err.message) for label, err in ((p.line, p.error) for p in info.value.problems)] == [
        ("2025-02-28", "measured_on", "This metric already has a measurement on that date."),
        ("2025-01-31", "value", "This field is required."),
        ("+1", "measured_on", "This field is required."),
    ]
    assert stored(engine) == before


def test_rows_of_another_metric_or_a_stale_version_are_refused(engine, nps):
    ws, metric_id = nps
    with unit_of_work(engine) as session:
        other = metrics.create_metric(session, ws, {"name": "CSAT"})
        foreign = metrics.add_measurement(session, ws, other.id, "2025-01-31", 4.2)
        mine = shown_table(session, ws, metric_id)
    with pytest.raises(Problems) as info, unit_of_work(engine) as session:
        metrics.save_measurements(session, ws, metric_id, changed=[
            RowChange(foreign.id, foreign.version, {"value": 1.0}, "foreign"),
            RowChange(int(mine.loc[0, "id"]), int(mine.loc[0, "version"]) - 1, {"value": 1.0}, "stale"),
        ])
    assert [(label, type(err).__name__) for label, err in ((p.line, p.error) for p in info.value.problems)] == [
        ("foreign", "NotFoundError"), ("stale", "ConflictError")]
    assert ("2025-01-31", 4.2, "") in stored(engine)


# --- the dashboard's per-journey summaries -----------------------------------------------------


@pytest.fixture
def rated_journey(session, journey_map):
    """The small journey map with pain points, touchpoint ratings, emotions and branches."""
    m = journey_map
    journeys.update_step(session, m.ws, m.a.id, {"emotion": 1, "is_entry": True})
    journeys.update_step(session, m.ws, m.b.id, {"emotion": -2})
    journeys.update_step(session, m.ws, m.c.id, {"emotion": -2, "is_exit": True, "exit_kind": "purchase"})
    journeys.create_transition(session, m.ws, m.a.id, m.b.id, {"share": 60})
    journeys.create_transition(session, m.ws, m.b.id, m.c.id, {"share": 50})
    m.pains = [journeys.create_pain_point(session, m.ws, step.id, {"text": text, "severity": severity}).id
               for step, text, severity in ((m.a, "Zu viele Angebote", 2), (m.b, "Keine Antwort", 5),
                                            (m.c, "Versteckte Kosten", 4), (m.c, "Formular vergisst", 1))]
    hotline, web, app = (touchpoints.create_touchpoint(session, m.ws, {"name": n}).id for n in ("Hotline", "Website", "App"))
    for step, touchpoint, importance, satisfaction in (
        (m.a, hotline, 5, 1), (m.b, hotline, 4, 2), (m.a, web, 4, 3), (m.b, app, 2, 1), (m.c, web, 5, 5),
    ):
        touchpoints.attach_touchpoint(session, m.ws, step.id, touchpoint,
                                      {"importance": importance, "satisfaction": satisfaction})
    return m


def test_lowest_emotion_step_is_the_first_on_a_tie(session, rated_journey, count_queries):
    m = rated_journey
    with count_queries() as statements:
        lowest = dashboard.lowest_emotion_steps(session, [m.journey.id])
    assert len(statements) == 1
    assert lowest[["step", "stage", "emotion"]].values.tolist() == [["Asks friends", "Awareness", -2]]


def test_top_pain_points_by_severity_then_by_votes(session, rated_journey):
    m = rated_journey
    by_severity = dashboard.top_pain_points(session, [m.journey.id])
    assert list(by_severity["text"]) == ["Keine Antwort", "Versteckte Kosten", "Zu viele Angebote"]
    assert list(by_severity["votes"]) == [0, 0, 0]
    round_ = collaboration.open_vote_round(session, m.ws, m.journey.id, "Runde 1")
    for voter, pain in (("Ana", m.pains[3]), ("Ben", m.pains[3]), ("Ana", m.pains[0])):
        collaboration.cast_vote(session, m.ws, round_.id, voter, pain_point_id=pain)
    by_votes = dashboard.top_pain_points(session, [m.journey.id], top=2)
    assert by_votes[["text", "votes"]].values.tolist() == [["Formular vergisst", 2], ["Zu viele Angebote", 1]]


def test_fix_first_follows_the_touchpoint_analysis(session, rated_journey, count_queries):
    m = rated_journey
    other = journeys.create_journey(session, m.ws, {"name": "Reklamation"})
    with count_queries() as statements:
        fixes = dashboard.fix_first_touchpoints(session, [m.journey.id, other.id])
    assert len(statements) == 1
    # Hotline: mean importance 4.5, satisfaction 1.5 → urgency 15.75; Website: (4 and 5) / (3 and 5) → not fix first;
    # App: importance 2 → not important.
    assert fixes[["touchpoint", "importance", "satisfaction", "urgency"]].values.tolist() == [["Hotline", 4.5, 1.5, 15.75]]
    scores = touchpoint_analysis.touchpoint_scores(session, m.ws, m.journey.id)
    assert list(scores.loc[scores["quadrant"] == "fix_first", "touchpoint"]) == list(fixes["touchpoint"])


def test_matrix_and_fix_first_count_only_links_rated_on_both(session, rated_journey):
    """One rule for both figures: a link with importance but no satisfaction moves neither coordinate."""
    m = rated_journey
    shop = touchpoints.create_touchpoint(session, m.ws, {"name": "Shop"}).id
    touchpoints.attach_touchpoint(session, m.ws, m.a.id, shop, {"importance": 5})  # importance only
    touchpoints.attach_touchpoint(session, m.ws, m.b.id, shop, {"importance": 2, "satisfaction": 2})
    touchpoints.attach_touchpoint(session, m.ws, m.c.id, shop, {"satisfaction": 1})  # satisfaction only
    scores = touchpoint_analysis.touchpoint_scores(session, m.ws, m.journey.id).set_index("touchpoint")
    # Averaged separately (importance 3.5 over two links, satisfaction 1.5 over two) Shop would be "fix first".
    assert scores.loc["Shop", ["importance", "satisfaction", "rated", "steps"]].tolist() == [2.0, 2.0, 1, 3]
    assert scores.loc["Shop", "quadrant"] == "low_priority"
    fixes = dashboard.fix_first_touchpoints(session, [m.journey.id])
    assert list(scores.index[scores["quadrant"] == "fix_first"]) == list(fixes["touchpoint"]) == ["Hotline"]
    touchpoints.attach_touchpoint(session, m.ws, m.c.id, touchpoints.create_touchpoint(session, m.ws, {"name": "Fax"}).id,
                                  {"importance": 3, "satisfaction": 3})  # on both crosshairs: important, not satisfying
    scores = touchpoint_analysis.touchpoint_scores(session, m.ws, m.journey.id)
    fixes = dashboard.fix_first_touchpoints(session, [m.journey.id])
    assert sorted(scores.loc[scores["quadrant"] == "fix_first", "touchpoint"]) == sorted(fixes["touchpoint"]) == ["Fax", "Hotline"]


def test_biggest_drop_off_is_the_flow_models(session, rated_journey, count_queries):
    m = rated_journey
    empty = journeys.create_journey(session, m.ws, {"name": "Leer"})
    with count_queries() as statements:
        drops = dashboard.biggest_drop_offs(session, [m.journey.id, empty.id], customers=1000)
    assert len(statements) == 2
    expected = flows.journey_flow(session, m.ws, m.journey.id, customers=1000).biggest_losses(1)
    assert drops[["step_id", "lost"]].values.tolist() == expected[["step_id", "lost"]].values.tolist()
    assert drops.iloc[0]["title"] == "Sees an ad" and drops.iloc[0]["lost"] == pytest.approx(400)
    assert drops.iloc[0]["error"] is None


def test_health_table_and_main_kpis(session, rated_journey):
    m = rated_journey
    conversion = metrics.create_metric(session, m.ws, {"name": "Conversion", "scope": "journey", "journey_id": m.journey.id,
                                                       "target": 5})
    drop = metrics.create_metric(session, m.ws, {"name": "Abbruch", "scope": "step", "step_id": m.b.id, "target": 10,
                                                 "direction": "lower"})
    metrics.create_metric(session, m.ws, {"name": "NPS"})  # workspace-wide: on no journey's card
    metrics.add_measurement(session, m.ws, conversion.id, "2025-06-01", 6)
    metrics.add_measurement(session, m.ws, drop.id, "2025-06-01", 12)
    status = metrics.metric_status(session, m.ws, today=TODAY)
    kpis = dashboard.journey_kpis(status, [m.journey.id])
    assert list(kpis["name"]) == ["Conversion", "Abbruch"]  # the journey's own KPI before its steps'
    ids = [m.journey.id]
    table = dashboard.health_table(
        journeys.list_journeys(session, m.ws), kpis, dashboard.lowest_emotion_steps(session, ids),
        dashboard.top_pain_points(session, ids), dashboard.fix_first_touchpoints(session, ids),
    )
    assert table[["journey", "kpis", "on_target", "off_target", "lowest_step", "top_pain_point", "fix_first"]
                 ].values.tolist() == [["Sommerurlaub", 2, 1, 1, "Asks friends", "Keine Antwort", "Hotline"]]
    assert list(dashboard.main_kpis(kpis, m.journey.id, limit=1)["name"]) == ["Conversion"]


def test_journey_health_reads_everything_in_a_fixed_number_of_queries(session, rated_journey, count_queries):
    m = rated_journey
    conversion = metrics.create_metric(session, m.ws, {"name": "Conversion", "scope": "journey", "journey_id": m.journey.id,
                                                       "target": 5})
    metrics.add_measurement(session, m.ws, conversion.id, "2025-06-01", 6)
    other = journeys.create_journey(session, m.ws, {"name": "Reklamation"})
    ids = (m.journey.id, other.id)
    with count_queries() as one_card:
        health = dashboard.journey_health(session, m.ws, ids, 1, 1000, 3)
    with count_queries() as two_cards:
        dashboard.journey_health(session, m.ws, ids, 2, 1000, 3)
    assert len(one_card) == len(two_cards)  # not one query per card or journey
    assert list(health.main["name"]) == ["Conversion"] and list(health.series["value"]) == [6.0]
    assert health.lowest.equals(dashboard.lowest_emotion_steps(session, ids))
    assert health.pains.equals(dashboard.top_pain_points(session, ids))
    assert list(health.drops["journey_id"]) == [m.journey.id]  # the flow model only for the first card
