"""The workspace overview: counts and recent changes."""

from services import journeys
from services.content import crud as content
from services.kano import crud as kano
from services.metrics import crud as metrics
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints
from services.workspaces import overview


def fill(session, ws):
    personas.create_persona(session, ws, {"name": "Familie Berger"})
    journey = journeys.create_journey(session, ws, {"name": "Sommerurlaub"})
    stage = journeys.create_stage(session, ws, journey.id, {"name": "Awareness"})
    journeys.create_step(session, ws, stage.id, {"title": "Sees an ad"})
    journeys.create_step(session, ws, stage.id, {"title": "Asks friends"})
    touchpoints.create_touchpoint(session, ws, {"name": "Hotline"})
    content.create_content_item(session, ws, {"title": "Packliste"})
    nps = metrics.create_metric(session, ws, {"name": "NPS"})
    metrics.add_measurement(session, ws, nps.id, "2024-01-01", 30)
    metrics.add_measurement(session, ws, nps.id, "2024-02-01", 32)
    kano.create_kano_item(session, ws, {"name": "Free WiFi"})
    return journey


def test_workspace_counts_in_one_query(session, workspace, other_workspace, count_queries):
    empty = overview.workspace_counts(session, workspace.id)
    assert empty == dict.fromkeys(
        ("personas", "journeys", "steps", "touchpoints", "content_items", "metrics", "measurements", "kano_items"), 0,
    )
    fill(session, workspace.id)
    fill(session, other_workspace.id)
    with count_queries() as statements:
        counts = overview.workspace_counts(session, workspace.id)
    assert len(statements) == 1
    assert counts == {
        "personas": 1, "journeys": 1, "steps": 2, "touchpoints": 1, "content_items": 1,
        "metrics": 1, "measurements": 2, "kano_items": 1,
    }


def test_recently_changed_across_kinds(session, workspace, other_workspace, count_queries):
    ws = workspace.id
    journey = fill(session, ws)
    personas.create_persona(session, other_workspace.id, {"name": "Elsewhere"})
    with count_queries() as statements:
        recent = overview.recently_changed(session, ws)
    assert len(statements) == 1
    assert list(recent.columns) == ["kind", "id", "name", "updated_at"]
    assert list(recent["kind"]) == ["metric", "content_item", "touchpoint", "journey", "persona"]
    assert list(recent["name"]) == ["NPS", "Packliste", "Hotline", "Sommerurlaub", "Familie Berger"]

    journeys.update_journey(session, ws, journey.id, {"goal": "Relax"})
    recent = overview.recently_changed(session, ws, limit=2)
    assert list(zip(recent["kind"], recent["name"], strict=True)) == [("journey", "Sommerurlaub"), ("metric", "NPS")]
    assert recent["updated_at"].is_monotonic_decreasing
