"""Mermaid ``journey`` diagrams and CJML 2.0 XML of a journey."""

import re
from datetime import date
from types import SimpleNamespace

import defusedxml.ElementTree as SafeET
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models import Journey, Step, StepTouchpoint
from models.db import read_session
from services.exchange import interop
from services.journeys import crud as journeys
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints
from services.unit_of_work import unit_of_work
from services.workspaces import demo

TASK = re.compile(r"^ {6}[^:#;\n]+: [1-5](: [^:#;\n]+)?$")


@pytest.mark.parametrize("emotion, score", [(-3, 1), (-2, 2), (-1, 2), (0, 3), (1, 4), (2, 4), (3, 5)])
def test_emotion_maps_to_mermaid_scores(emotion: int, score: int) -> None:
    assert interop.mermaid_score(emotion) == score


def test_characters_mermaid_chokes_on_are_replaced() -> None:
    cleaned = interop.mermaid_text("Zahlung: Karte; Nr. #1\nneu %% Kommentar")
    assert not set(cleaned) & set(":;#\n") and "%%" not in cleaned
    assert cleaned == "Zahlung∶ Karte, Nr. ＃1 neu % Kommentar"
    assert interop.mermaid_text("Müller, Sandra", actor=True) == "Müller‚ Sandra"
    assert interop.mermaid_text("   ") == "…"


@pytest.fixture
def tricky(session: Session, journey_map: SimpleNamespace) -> SimpleNamespace:
    """The conftest journey with hostile titles, a persona with a comma and a touchpoint on one step."""
    ws = journey_map.ws
    persona = personas.create_persona(session, ws, {"name": "Berger, Sandra"})
    journeys.update_journey(session, ws, journey_map.journey.id, {"name": "Urlaub: <Sommer> & mehr"})
    journeys.set_journey_personas(session, ws, journey_map.journey.id, [persona.id])
    journeys.update_step(session, ws, journey_map.a.id, {"title": "Sieht Anzeige: 50 % #Rabatt; jetzt\nbuchen", "emotion": -3})
    journeys.update_step(session, ws, journey_map.b.id, {"title": "<script>alert(1)</script>", "emotion": 3})
    point = touchpoints.create_touchpoint(session, ws, {"name": "Hotline & Chat", "external_provider": "CallCenter Nord"})
    touchpoints.attach_touchpoint(session, ws, journey_map.a.id, point.id, {})
    session.flush()
    return journey_map


def test_a_journey_as_a_mermaid_diagram(session: Session, tricky: SimpleNamespace) -> None:
    text = interop.mermaid_journey(session, tricky.ws, tricky.journey.id)
    lines = text.splitlines()
    assert lines[:2] == ["journey", "    title Urlaub∶ <Sommer> & mehr"]
    assert lines[2] == "    section Awareness" and "    section Interest" in lines
    tasks = [line for line in lines if line.startswith("      ")]
    assert len(tasks) == 3 and all(TASK.match(line) for line in tasks), tasks
    assert tasks[0] == "      Sieht Anzeige∶ 50 % ＃Rabatt, jetzt buchen: 1: Berger‚ Sandra"
    assert tasks[1].startswith("      <script>alert(1)</script>: 5: ")


def test_a_journey_as_cjml_xml(session: Session, tricky: SimpleNamespace) -> None:
    xml = interop.cjml_xml(session, tricky.ws, tricky.journey.id)
    root = SafeET.fromstring(xml)
    assert root.tag == "CJML" and root.get("version") == "2.0"
    journey, = root.findall("plannedJourney")
    assert [child.tag for child in journey] == [
        "journeyID", "journeyTitle", "journeyPhases", "journeyShortSummary", "journeyLongSummary", "actors", "touchpoints",
    ]
    assert journey.findtext("journeyTitle") == "Urlaub: <Sommer> & mehr"
    phases = {p.get("phaseID"): p.findtext("phaseName") for p in journey.iter("journeyPhase")}
    assert list(phases.values()) == ["Awareness", "Interest"]
    actors = {a.get("actorID"): a for a in journey.find("actors")}
    assert [a.tag for a in actors.values()] == ["endUser", "serviceProvider", "serviceProvider"]
    assert actors["EU1"].findtext("actorName") == "Berger, Sandra"
    assert {a.findtext("companyName") for a in actors.values() if a.tag == "serviceProvider"} >= {"CallCenter Nord"}
    points = list(journey.find("touchpoints"))
    assert [p.tag for p in points] == ["plannedCommunicationPoint", "plannedAction", "plannedAction"]
    assert [p.findtext("touchpointID") for p in points] == ["T1", "T2", "T3"]
    communication = points[0]
    assert [c.tag for c in communication] == ["touchpointID", "belongsTo", "initiator", "receiver", "channel"]
    assert communication.find("receiver/receiverLabel").text == "Hotline & Chat"
    assert communication.findtext("channel/channelName") == "unknown"
    assert points[1].findtext("initiator/initiatorLabel") == "<script>alert(1)</script>"
    for reference in journey.iter("refersTo"):
        assert reference.get("actorIDref") in actors
    for belongs in journey.iter("belongsTo"):
        assert belongs.get("phaseIDref") in phases
    assert b"<script>" not in xml  # escaped in the file


def test_the_demo_journeys_in_both_formats(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        ws = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    with read_session(engine) as session:
        for journey_id in session.exec(select(Journey.id).where(Journey.workspace_id == ws)).all():
            mermaid = interop.mermaid_journey(session, ws, journey_id)
            assert all(TASK.match(line) for line in mermaid.splitlines() if line.startswith("      "))
            root = SafeET.fromstring(interop.cjml_xml(session, ws, journey_id))
            links = session.exec(select(func.count()).select_from(StepTouchpoint)
                                 .join(Step, Step.id == StepTouchpoint.step_id).where(Step.journey_id == journey_id)).one()
            points = root.findall(".//plannedCommunicationPoint")
            assert len(points) == links
            assert all(p.findtext("channel/channelName") for p in points)
