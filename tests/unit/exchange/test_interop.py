"""Mermaid ``journey`` diagrams and CJML 2.0 XML of a journey."""

import re
from datetime import date
from types import SimpleNamespace
from xml.sax.saxutils import escape

import defusedxml.ElementTree as SafeET
import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from models import Journey, Step, StepTouchpoint
from models.db import read_session
from services import journeys
from services.exchange import interop
from services.journeys import grid
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints
from services.unit_of_work import unit_of_work
from services.workspaces import channels, demo

LABEL = r"(?:[^:#;%`\n]|#\d+;)+"  # plain characters, or Mermaid's entity codes for the ones its grammar stops at
TASK = re.compile(rf"^ {{6}}{LABEL}: [1-5](: {LABEL}(, {LABEL})*)?$")
COMMENT = re.compile(r"^ *%% full name: [^\n]+$")


@pytest.mark.parametrize("emotion, score", [(-3, 1), (-2, 2), (-1, 2), (0, 3), (1, 4), (2, 4), (3, 5)])
def test_emotion_maps_to_mermaid_scores(emotion: int, score: int) -> None:
    assert interop.mermaid_score(emotion) == score


def test_characters_mermaid_chokes_on_are_written_as_its_entity_codes() -> None:
    cleaned = interop.mermaid_text("Zahlung: Karte; Nr. #1\nneu %% Kommentar `x`")
    assert not set(re.sub(r"#\d+;", "", cleaned)) & set("#:;\n%`") and "＃" not in cleaned
    assert cleaned == "Zahlung#58; Karte#59; Nr. #35;1 neu #37;#37; Kommentar #96;x#96;"
    assert interop.mermaid_text("Müller, Sandra", actor=True) == "Müller#44; Sandra"
    assert interop.mermaid_text("ﬂ°°35¶ß") == "#64258;°°35#182;ß"  # Mermaid's own placeholders cannot be forged
    assert interop.mermaid_text("   ") == "…"


@pytest.mark.parametrize("text, short", [
    ("Bucht wieder", "Bucht wieder"),
    ("x" * 50, "x" * 50),
    ("Vergleicht Bewertungen anderer Familien und Freunde in Foren und auf Portalen",
     "Vergleicht Bewertungen anderer Familien und…"),
    ("Ruft an, schildert den Fall und wartet, bis jemand antwortet: 20 Minuten", "Ruft an, schildert den Fall und wartet, bis…"),
    ("Rechtsschutzversicherungsgesellschaftenvergleichsportal Besuch", "Rechtsschutzversicherungsgesellschaftenvergleichs…"),
    ("  viel   Leerraum\n", "viel Leerraum"),
])
def test_long_labels_are_shortened_at_a_word_boundary(text: str, short: str) -> None:
    assert interop.shorten(text) == short
    assert len(short) <= interop.MERMAID_LABEL_MAX == 50


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
    assert lines[:3] == ['%%{init: {"journey": {"width": 200}}}%%', "journey", "    title Urlaub#58; #60;Sommer#62; #38; mehr"]
    assert lines[3] == "    section Awareness" and "    section Interest" in lines
    tasks = [line for line in lines if line.startswith("      ") and not COMMENT.match(line)]
    assert len(tasks) == 3 and all(TASK.match(line) for line in tasks), tasks
    assert tasks[0] == "      Sieht Anzeige#58; 50 #37; #35;Rabatt#59; jetzt buchen: 1: Berger#44; Sandra"
    assert tasks[1].startswith("      #60;script#62;alert(1)#60;/script#62;: 5: ")  # HTML stays text in any wiki
    assert not set("<>&\"'") & set(text.replace('"journey"', "").replace('"width"', ""))


@pytest.mark.parametrize("payload", [
    "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<script>alert(1)</script>", "\"><iframe src=javascript:alert(1)>",
    "<a href='javascript:alert(1)'>x</a>", "&lt;b&gt;",
])
def test_html_in_mermaid_labels_is_escaped(payload: str) -> None:
    escaped = interop.mermaid_text(payload)
    assert not set("<>&\"'") & set(escaped)
    assert re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), escaped) == payload  # Mermaid draws what was typed


def test_a_shortened_label_keeps_html_out_of_its_comment(session: Session, journey_map: SimpleNamespace) -> None:
    title = "<img src=x onerror=alert(1)> " + "lang " * 12
    journeys.update_step(session, journey_map.ws, journey_map.b.id, {"title": title})
    text = interop.mermaid_journey(session, journey_map.ws, journey_map.journey.id)
    assert "<img" not in text and "%% full name: #60;img src=x onerror=alert(1)#62; lang" in text


def test_a_long_step_title_is_shortened_and_kept_whole_in_a_comment(session: Session, journey_map: SimpleNamespace) -> None:
    title = "Vergleicht Bewertungen anderer Familien und Freunde in Foren: #1 und auf Portalen"
    journeys.update_step(session, journey_map.ws, journey_map.b.id, {"title": title})
    lines = interop.mermaid_journey(session, journey_map.ws, journey_map.journey.id).splitlines()
    at = lines.index(f"      %% full name: {title}")
    assert lines[at + 1] == "      Vergleicht Bewertungen anderer Familien und…: 3"
    assert [line for line in lines if "%% full name" in line] == [lines[at]]  # short titles get no comment


def test_a_long_title_cannot_start_a_mermaid_directive(session: Session, journey_map: SimpleNamespace) -> None:
    title = 'Sieht Werbung %%{init: {"theme": "dark", "securityLevel": "loose"}}%% und bucht danach sofort online'
    journeys.update_step(session, journey_map.ws, journey_map.a.id, {"title": title})
    text = interop.mermaid_journey(session, journey_map.ws, journey_map.journey.id)
    assert text.count("%%{") == 1 and text.startswith("%%{init: ")  # only the app's own directive
    assert "      %% full name: Sieht Werbung % %{init: " in text


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
    assert communication.find("receiver/receiverLabel").text == "Hotline + Chat"  # the tool would show &amp;
    assert communication.findtext("channel/channelName") == "Unknown Channel"  # the touchpoint has no channel
    assert points[1].findtext("initiator/initiatorLabel") == "‹script›alert(1)‹/script›"
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


# --- what SINTEF's CJML modelling tool shows -------------------------------------------------------
# The web-based CJML modelling tool ("cjml-drawing" 0.2.x, github.com/leferis/UIOMaster): its V2 parser
# (src/XMLParsing/V2/v2.parser.ts) and channel icons (src/assets/CJMLImages.json, the entries marked Default).
TOOL_CHANNEL_ICONS = {
    "App On Pc", "App On Smartphone", "App On Tablet", "Call Center", "Chat", "Email", "Face To Face ", "Fax",
    "Internet Globe", "Internet Via Pc", "Internet Via Smartphone ", "Internet Via Tablet ", "Invoice", "Laptop",
    "Letter", "Message Service ", "Online Shopping", "Payment Channel", "Parcel", "Pc", "Phone",
    "Self Service Machine", "Service Desk", "Shopping ", "Smartphone", "SMS", "Social Media", "Social Media Message",
    "Tablet", "Technician", "Telephone",
}  # and "Unknown Channel", the icon for everything else


def _squeezed(name: str) -> str:
    return name.replace(" ", "").lower()


def tool_view(xml: bytes) -> list[dict]:
    """What the tool takes from the file, read the way its parser reads it: a journey's name is the markup
    (``innerHTML``) of ``journeyID``, a point's phase its ``belongsTo@phaseIDref``, a channel's icon the entry
    whose name equals ``channelName`` ignoring case and spaces. It reads XML comments as actor icon names after
    dropping a first one of 25 characters or more, and fails when there is none."""
    comments = re.findall(rb"<!--(.*?)-->", xml, flags=re.S)
    assert comments and len(comments[0]) >= 25, "the tool's parser fails without a first comment of 25+ characters"
    assert len(comments) == 1, "further comments would be read as actor icon names"
    icons = {_squeezed(name): name.strip() for name in TOOL_CHANNEL_ICONS}
    journeys_seen = []
    for journey in SafeET.fromstring(xml).findall("plannedJourney"):
        actors = {a.get("actorID"): escape(a.findtext("actorName") or a.findtext("companyName") or "") for a in journey.find("actors")}
        points = []
        for point in journey.find("touchpoints"):
            touchpoint_id = point.findtext("touchpointID")
            assert not touchpoint_id.startswith("D"), "the tool draws an ID starting with D as a deviation"
            belongs = point.find("belongsTo")
            entry = {"id": touchpoint_id, "phase": belongs.get("phaseIDref") if belongs is not None else None,
                     "initiator": actors[point.find("initiator/refersTo").get("actorIDref")],
                     "label": escape(point.findtext("initiator/initiatorLabel") or "")}
            if point.tag == "plannedCommunicationPoint":
                channel = point.findtext("channel/channelName") or ""
                entry |= {"receiver": actors[point.find("receiver/refersTo").get("actorIDref")], "channel": channel,
                          "icon": icons.get(_squeezed(channel), "Unknown Channel")}
            points.append(entry)
        journeys_seen.append({"name": escape(journey.findtext("journeyID") or ""), "actors": list(actors.values()),
                              "phases": list(dict.fromkeys(p["phase"] for p in points)), "points": points})
    return journeys_seen


def test_the_cjml_tool_shows_the_maps_names(session: Session, tricky: SimpleNamespace) -> None:
    xml = interop.cjml_xml(session, tricky.ws, tricky.journey.id)
    view, = tool_view(xml)
    assert view["name"] == "Urlaub: ‹Sommer› + mehr"  # the name, without markup the tool would show as &amp; …
    assert view["phases"] == ["Awareness", "Interest"]
    assert view["actors"][0] == "Berger, Sandra"
    assert [p["label"] for p in view["points"]][1] == "‹script›alert(1)‹/script›"  # not “&lt;script&gt;…”
    assert view["points"][0]["icon"] == "Unknown Channel" and view["points"][0]["channel"] == "Unknown Channel"
    journey = SafeET.fromstring(xml).find("plannedJourney")
    assert journey.findtext("journeyTitle") == "Urlaub: <Sommer> & mehr"  # other readers get the exact name
    assert [p.findtext("phaseName") for p in journey.iter("journeyPhase")] == ["Awareness", "Interest"]


def test_identifiers_are_stable_and_unique(session: Session, journey_map: SimpleNamespace) -> None:
    ws, journey_id = journey_map.ws, journey_map.journey.id
    third = journeys.create_stage(session, ws, journey_id, {"name": "awareness"})
    journeys.create_step(session, ws, third.id, {"title": "Again"})
    first = interop.cjml_xml(session, ws, journey_id)
    assert interop.cjml_xml(session, ws, journey_id) == first
    journey = SafeET.fromstring(first).find("plannedJourney")
    assert journey.findtext("journeyID") == "Sommerurlaub"
    assert [p.get("phaseID") for p in journey.iter("journeyPhase")] == ["Awareness", "Interest", "awareness (2)"]
    assert [p.findtext("phaseName") for p in journey.iter("journeyPhase")] == ["Awareness", "Interest", "awareness"]
    assert tool_view(first)[0]["phases"] == ["Awareness", "Interest", "awareness (2)"]
    assert interop.cjml_journey_id("  ", 7) == "PJ7" and interop.cjml_phase_ids([(1, ""), (2, " ")]) == {1: "PH1", 2: "PH2"}


@pytest.mark.parametrize("name, _online, _category", channels.DEFAULT_CHANNELS)
def test_every_default_channel_has_a_cjml_icon_but_the_press(name: str, _online: bool, _category: str) -> None:
    icon = {_squeezed(n) for n in TOOL_CHANNEL_ICONS}
    if name == "Presse":  # CJML has no channel for the press: the app's name is kept
        assert interop.cjml_channel(name) == "Presse"
    else:
        assert _squeezed(interop.cjml_channel(name)) in icon, name


def test_channels_are_mapped_to_the_cjml_vocabulary(session: Session, journey_map: SimpleNamespace) -> None:
    ws = journey_map.ws
    by_name = {c.name: c.id for c in channels.list_channels(session, ws)}
    by_name["Brieftaube"] = channels.create_channel(session, ws, {"name": "Brieftaube", "is_online": False}).id
    for name in ("E-Mail", "Telefon", "Filiale / Shop", "App", "Presse", "Brieftaube"):
        point = touchpoints.create_touchpoint(session, ws, {"name": f"TP {name}", "channel_id": by_name[name]})
        touchpoints.attach_touchpoint(session, ws, journey_map.a.id, point.id, {})
    session.flush()
    view, = tool_view(interop.cjml_xml(session, ws, journey_map.journey.id))
    assert {p["channel"]: p["icon"] for p in view["points"] if "channel" in p} == {
        "Email": "Email", "Phone": "Phone", "Shopping": "Shopping", "App On Smartphone": "App On Smartphone",
        "Presse": "Unknown Channel", "Brieftaube": "Unknown Channel",
    }
    assert interop.cjml_channel("  e-mail ") == "Email" and interop.cjml_channel("SMS") == "SMS"
    assert interop.cjml_channel(None) == interop.cjml_channel("") == "Unknown Channel"
    assert set(interop.CJML_CHANNELS.values()) <= set(interop.CJML_CHANNEL_NAMES)
    assert {_squeezed(n) for n in interop.CJML_CHANNEL_NAMES} == {_squeezed(n) for n in TOOL_CHANNEL_ICONS} | {"unknownchannel"}


def test_the_cjml_tool_shows_every_demo_journey_with_its_names_and_icons(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        ws = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    with read_session(engine) as session:
        names = dict(session.exec(select(Journey.id, Journey.name).where(Journey.workspace_id == ws)).all())
        points = unknown = 0
        for journey_id, name in names.items():
            jmap = grid.load_journey_map(session, ws, journey_id)
            view, = tool_view(interop.cjml_xml(session, ws, journey_id))
            assert view["name"] == escape(name) == name
            assert not re.search("&(amp|lt|gt);", repr(view)), view  # nothing the tool shows as an escaped entity
            assert view["actors"][1] == "Demo: Customer Journeys"
            assert set(view["phases"]) <= {stage.name for stage in jmap.stages}
            for point in (p for p in view["points"] if "channel" in p):
                points += 1
                if point["icon"] == "Unknown Channel":
                    unknown += 1
                    assert point["channel"] in ("Unknown Channel", "Presse"), point  # no channel, or none in CJML
    assert (points, unknown) == (71, 6)
