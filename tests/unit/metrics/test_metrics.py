"""Metrics with their scope rules, and measurements over time."""

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models import Measurement, Metric
from services import journeys
from services.core.errors import NotFoundError
from services.metrics import crud as metrics
from services.touchpoints import crud as touchpoints

CLEAR = "A metric points only at the target its scope names: clear this field."


def test_workspace_metric_round_trip(session, workspace, raises_domain_error):
    ws = workspace.id
    nps = metrics.create_metric(session, ws, {"name": "NPS", "kind": "nps", "target": 40, "unit": "points"})
    assert (nps.scope, nps.direction, nps.review_every_days, nps.journey_id) == ("workspace", "higher", 30, None)
    updated = metrics.update_metric(session, ws, nps.id, {"target": 50, "direction": "lower", "workspace_id": 99})
    assert (updated.target, updated.direction, updated.workspace_id, updated.version) == (50, "lower", ws, 2)
    assert [m.name for m in metrics.list_metrics(session, ws)] == ["NPS"]
    metrics.delete_metric(session, ws, nps.id)
    assert metrics.list_metrics(session, ws) == []


def test_metric_validation(session, workspace, other_workspace, raises_domain_error):
    ws = workspace.id
    metrics.create_metric(session, ws, {"name": "NPS"})
    metrics.create_metric(session, other_workspace.id, {"name": "NPS"})
    with raises_domain_error("A metric with this name already exists in the workspace.", "name"):
        metrics.create_metric(session, ws, {"name": "NPS"})
    with raises_domain_error("Choose one of the offered values.", "kind"):
        metrics.create_metric(session, ws, {"name": "X", "kind": "vibes"})
    with raises_domain_error("Choose one of the offered values.", "direction"):
        metrics.create_metric(session, ws, {"name": "X", "direction": "up"})
    with raises_domain_error("Choose one of the offered values.", "scope"):
        metrics.create_metric(session, ws, {"name": "X", "scope": "galaxy"})
    with raises_domain_error(field="review_every_days"):
        metrics.create_metric(session, ws, {"name": "X", "review_every_days": 0})


def test_each_scope_needs_exactly_its_target(session, journey_map, raises_domain_error):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline"})
    with raises_domain_error("Choose the journey this metric measures.", "journey_id"):
        metrics.create_metric(session, m.ws, {"name": "X", "scope": "journey"})
    with raises_domain_error("Choose the step this metric measures.", "step_id"):
        metrics.create_metric(session, m.ws, {"name": "X", "scope": "step", "journey_id": m.journey.id})
    with raises_domain_error("Choose the touchpoint this metric measures.", "touchpoint_id"):
        metrics.create_metric(session, m.ws, {"name": "X", "scope": "touchpoint"})
    with raises_domain_error(CLEAR, "journey_id"):
        metrics.create_metric(session, m.ws, {"name": "X", "journey_id": m.journey.id})
    with raises_domain_error(CLEAR, "step_id"):
        metrics.create_metric(session, m.ws, {"name": "X", "scope": "journey", "journey_id": m.journey.id, "step_id": m.a.id})
    with raises_domain_error(CLEAR, "step_id"):
        metrics.create_metric(session, m.ws, {"name": "X", "scope": "touchpoint", "touchpoint_id": hotline.id, "step_id": m.a.id})


def test_scoped_metrics_and_the_journey_filter(session, journey_map):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline"})
    conversion = metrics.create_metric(session, m.ws, {"name": "Conversion", "scope": "journey", "journey_id": m.journey.id})
    drop_off = metrics.create_metric(session, m.ws, {"name": "Drop-off", "scope": "step", "step_id": m.a.id})
    csat = metrics.create_metric(session, m.ws, {"name": "CSAT", "scope": "touchpoint", "touchpoint_id": hotline.id})
    metrics.create_metric(session, m.ws, {"name": "NPS"})
    assert (drop_off.step_id, drop_off.journey_id) == (m.a.id, m.journey.id)
    assert csat.touchpoint_id == hotline.id
    assert [x.name for x in metrics.list_metrics(session, m.ws, journey_id=m.journey.id)] == ["Conversion", "Drop-off"]
    assert [x.name for x in metrics.list_metrics(session, m.ws, scope="touchpoint")] == ["CSAT"]
    assert conversion.journey_id == m.journey.id


def test_changing_the_scope_clears_the_old_target(session, journey_map, raises_domain_error):
    m = journey_map
    metric = metrics.create_metric(session, m.ws, {"name": "Conversion", "scope": "journey", "journey_id": m.journey.id})
    metric = metrics.update_metric(session, m.ws, metric.id, {"scope": "step", "step_id": m.c.id})
    assert (metric.scope, metric.step_id, metric.journey_id) == ("step", m.c.id, m.journey.id)
    metric = metrics.update_metric(session, m.ws, metric.id, {"scope": "workspace"})
    assert (metric.journey_id, metric.step_id, metric.touchpoint_id) == (None, None, None)
    with raises_domain_error(CLEAR, "journey_id"):
        metrics.update_metric(session, m.ws, metric.id, {"journey_id": m.journey.id})


def test_metric_targets_must_be_of_the_workspace(session, journey_map, other_workspace, raises_domain_error):
    other = other_workspace.id
    foreign_journey = journeys.create_journey(session, other, {"name": "F"})
    foreign_stage = journeys.create_stage(session, other, foreign_journey.id, {"name": "S"})
    foreign_step = journeys.create_step(session, other, foreign_stage.id, {"title": "T"})
    foreign_touchpoint = touchpoints.create_touchpoint(session, other, {"name": "T"})
    with raises_domain_error("Choose a journey from this workspace.", "journey_id"):
        metrics.create_metric(session, journey_map.ws, {"name": "X", "scope": "journey", "journey_id": foreign_journey.id})
    with raises_domain_error("Choose a step from this workspace.", "step_id"):
        metrics.create_metric(session, journey_map.ws, {"name": "X", "scope": "step", "step_id": foreign_step.id})
    with raises_domain_error("Choose a touchpoint from this workspace.", "touchpoint_id"):
        metrics.create_metric(
            session, journey_map.ws, {"name": "X", "scope": "touchpoint", "touchpoint_id": foreign_touchpoint.id},
        )


def test_database_checks_scope_and_target(session, journey_map):
    metric = metrics.create_metric(session, journey_map.ws, {"name": "NPS"})
    with pytest.raises(IntegrityError, match="ck_metric_scope_target"), session.begin_nested():
        session.exec(text("UPDATE metric SET scope = 'journey' WHERE id = :id"), params={"id": metric.id})
    with pytest.raises(IntegrityError, match="ck_metric_cadence"), session.begin_nested():
        session.exec(text("UPDATE metric SET review_every_days = 0 WHERE id = :id"), params={"id": metric.id})


def test_scoped_metrics_go_with_their_target(session, journey_map):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline"})
    metrics.create_metric(session, m.ws, {"name": "Drop-off", "scope": "step", "step_id": m.a.id})
    metrics.create_metric(session, m.ws, {"name": "CSAT", "scope": "touchpoint", "touchpoint_id": hotline.id})
    journeys.delete_step(session, m.ws, m.a.id)
    touchpoints.delete_touchpoint(session, m.ws, hotline.id)
    assert session.exec(select(Metric)).all() == []


# --- measurements -------------------------------------------------------------------------------


def test_measurement_round_trip_as_a_dataframe(session, workspace, count_queries):
    ws = workspace.id
    nps = metrics.create_metric(session, ws, {"name": "NPS"})
    metrics.add_measurement(session, ws, nps.id, "2024-03-01", 31)
    february = metrics.add_measurement(session, ws, nps.id, date(2024, 2, 1), 28.5, "after campaign")
    metrics.add_measurement(session, ws, nps.id, date(2024, 4, 1), 35)

    with count_queries() as statements:
        frame = metrics.list_measurements(session, ws, nps.id)
    assert len(statements) == 1
    assert [d.strftime("%Y-%m-%d") for d in frame["measured_on"]] == ["2024-02-01", "2024-03-01", "2024-04-01"]
    assert list(frame["value"]) == [28.5, 31.0, 35.0]
    assert str(frame["measured_on"].dtype).startswith("datetime64")
    window = metrics.list_measurements(session, ws, nps.id, start=date(2024, 2, 15), end=date(2024, 3, 31))
    assert list(window["value"]) == [31.0]

    updated = metrics.update_measurement(session, ws, february.id, {"value": 29, "note": "corrected"})
    assert (updated.value, updated.note, updated.version) == (29, "corrected", 2)
    metrics.delete_measurement(session, ws, february.id)
    assert len(metrics.list_measurements(session, ws, nps.id)) == 2


def test_measurement_validation(session, workspace, raises_domain_error):
    ws = workspace.id
    nps = metrics.create_metric(session, ws, {"name": "NPS"})
    metrics.add_measurement(session, ws, nps.id, "2024-03-01", 31)
    with raises_domain_error():
        metrics.add_measurement(session, ws, nps.id, "2024-03-01", 40)
    with raises_domain_error("Please enter a date (YYYY-MM-DD).", "measured_on"):
        metrics.add_measurement(session, ws, nps.id, "1st of March", 31)
    with raises_domain_error("Please enter a number.", "value"):
        metrics.add_measurement(session, ws, nps.id, "2024-04-01", "lots")
    with raises_domain_error("Please enter a number.", "value"):
        metrics.add_measurement(session, ws, nps.id, "2024-04-01", float("nan"))


def test_a_second_value_on_the_same_date_names_the_field(session, workspace, raises_domain_error):
    nps = metrics.create_metric(session, workspace.id, {"name": "NPS"})
    metrics.add_measurement(session, workspace.id, nps.id, "2024-03-01", 31)
    with raises_domain_error("This metric already has a measurement on that date.", "measured_on"):
        metrics.add_measurement(session, workspace.id, nps.id, "2024-03-01", 40)


def test_measurements_of_another_workspace(session, workspace, other_workspace, raises_domain_error):
    foreign = metrics.create_metric(session, other_workspace.id, {"name": "NPS"})
    value = metrics.add_measurement(session, other_workspace.id, foreign.id, "2024-03-01", 31)
    with raises_domain_error(error=NotFoundError):
        metrics.add_measurement(session, workspace.id, foreign.id, "2024-03-02", 31)
    with raises_domain_error(error=NotFoundError):
        metrics.delete_measurement(session, workspace.id, value.id)
    assert metrics.list_measurements(session, workspace.id, foreign.id).empty


def test_measurements_go_with_their_metric(session, workspace):
    nps = metrics.create_metric(session, workspace.id, {"name": "NPS"})
    metrics.add_measurement(session, workspace.id, nps.id, "2024-03-01", 31)
    metrics.delete_metric(session, workspace.id, nps.id)
    assert session.exec(select(Measurement)).all() == []
