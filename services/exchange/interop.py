"""A journey for other tools: a Mermaid ``journey`` diagram and CJML 2.0 XML.

Mermaid (wikis, READMEs, GitHub renders it)
    ``journey`` / ``title`` / one ``section`` per stage / one task per step,
    ``Task: score: actor, actor``. The score is the step's emotion −3…+3 mapped
    to Mermaid's 1…5 (−3→1, −2/−1→2, 0→3, +1/+2→4, +3→5); the actors are the
    journey's personas. Mermaid's journey grammar ends a task name at ``:``,
    ``;``, ``#`` or a line break and splits actors at ``,``: those characters
    are replaced by look-alikes (``:`` → ``∶``, ``;`` → ``,``, ``#`` → ``＃``,
    line breaks → spaces; ``,`` in a persona name → ``‚``) and ``%%`` (a
    comment) is broken up. A journey diagram is a line: branches are listed in
    reading order (stage, then position).

CJML 2.0 (Customer Journey Modelling Language, SINTEF, cjml.no)
    One ``<plannedJourney>`` in ``<CJML version="2.0">``: ``journeyID``,
    ``journeyTitle``, ``journeyPhases`` (a ``journeyPhase phaseID=…`` with
    ``phaseName``/``phaseDescription`` per stage), ``journeyShortSummary`` (the
    scenario), ``journeyLongSummary`` (the goal), ``actors`` (an ``endUser
    actorID=…`` with ``actorName`` per persona — "Customer" when the journey has
    none — and a ``serviceProvider actorID=…`` with ``companyName`` for the
    company and for each external provider), and ``touchpoints``: per step in
    reading order one ``plannedCommunicationPoint`` per touchpoint used there
    (``touchpointID`` T1…, ``belongsTo phaseIDref``, ``initiator`` = the end
    user with the step as ``initiatorLabel``, ``receiver`` = the touchpoint's
    provider with the touchpoint as ``receiverLabel``, ``channel/channelName``,
    ``comment`` = what the customer does), or one ``plannedAction`` (initiator
    only) for a step without touchpoints.

    Checked against: the element and attribute names and their nesting as the
    CJML tools published by SINTEF's researchers write and read them — the
    CJML 2.0 XML writer and the V2 parser of the web-based CJML modelling tool
    (``XMLCreator`` / ``V2parse``: ``CJML@version``, ``plannedJourney``,
    ``journeyID``, ``journeyPhases/journeyPhase@phaseID``, ``actors/endUser|
    serviceProvider@actorID`` with ``actorName``/``companyName``,
    ``touchpoints/plannedCommunicationPoint|plannedAction`` with
    ``touchpointID``, ``belongsTo@phaseIDref``, ``initiator|receiver/refersTo@
    actorIDref`` + ``initiatorLabel``/``receiverLabel``, ``channel/channelName``)
    and the ExcelToCJML converter's ``journeyTitle``/``journeyLongSummary``/
    ``comment``. No XSD was published with them; ``tests/unit/exchange/test_interop.py``
    checks this structure and that every ``…IDref`` names an ID in the file.

No Streamlit here.
"""

import re
import xml.etree.ElementTree as ET  # noqa: N817 - writing only; parsing untrusted XML uses defusedxml

import pandas as pd
from sqlmodel import Session, col, select

from models import Touchpoint, Workspace
from services import core, journeys

CJML_VERSION = "2.0"
# XML 1.0 forbids these characters even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MERMAID_TEXT = str.maketrans({":": "∶", ";": ",", "#": "＃", "\n": " ", "\r": " ", "\t": " ", "`": "ʼ"})


def mermaid_score(emotion: int) -> int:
    """Emotion −3…+3 → Mermaid's score 1…5 (rounded: 1 + (emotion + 3) · 4 / 6)."""
    return int(1 + round((max(-3, min(3, int(emotion))) + 3) * 4 / 6))


def mermaid_text(text: str, *, actor: bool = False) -> str:
    """User text as it can stand in a Mermaid journey line."""
    cleaned = str(text).translate(_MERMAID_TEXT)
    if actor:
        cleaned = cleaned.replace(",", "‚")
    while "%%" in cleaned:
        cleaned = cleaned.replace("%%", "%")
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    return cleaned or "…"


def mermaid_journey(session: Session, workspace_id: int, journey_id: int) -> str:
    jmap = journeys.load_journey_map(session, workspace_id, journey_id)
    actors = ", ".join(mermaid_text(p.name, actor=True) for p in jmap.personas)
    lines = ["journey", f"    title {mermaid_text(jmap.journey.name)}"]
    steps = jmap.steps
    for stage in jmap.stages:
        lines.append(f"    section {mermaid_text(stage.name)}")
        for row in steps[steps["stage_id"] == stage.id].itertuples():
            task = f"      {mermaid_text(row.title)}: {mermaid_score(row.emotion)}"
            lines.append(f"{task}: {actors}" if actors else task)
    return "\n".join(lines) + "\n"


def _xml(text: object) -> str:
    return _XML_ILLEGAL.sub("", "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text))


def _sub(parent: ET.Element, tag: str, text: object = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _xml(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _xml(text)
    return element


def cjml_xml(session: Session, workspace_id: int, journey_id: int) -> bytes:
    """The journey as a CJML 2.0 planned journey (UTF-8 XML with declaration)."""
    jmap = journeys.load_journey_map(session, workspace_id, journey_id)
    company = core.get(session, Workspace, workspace_id).name
    root = ET.Element("CJML", {"version": CJML_VERSION})
    root.append(ET.Comment(" Produced by Journey Workbench "))
    journey = _sub(root, "plannedJourney")
    _sub(journey, "journeyID", f"PJ{journey_id}")
    _sub(journey, "journeyTitle", jmap.journey.name)
    phases = _sub(journey, "journeyPhases")
    phase_ids = {}
    for index, stage in enumerate(jmap.stages, start=1):
        phase_ids[stage.id] = f"PH{index}"
        phase = _sub(phases, "journeyPhase", phaseID=phase_ids[stage.id])
        _sub(phase, "phaseName", stage.name)
        _sub(phase, "phaseDescription", stage.description)
    _sub(journey, "journeyShortSummary", jmap.journey.scenario)
    _sub(journey, "journeyLongSummary", jmap.journey.goal)

    actors = _sub(journey, "actors")
    end_users = [(f"EU{i}", p.name) for i, p in enumerate(jmap.personas, start=1)] or [("EU1", "Customer")]
    for actor_id, name in end_users:
        _sub(_sub(actors, "endUser", actorID=actor_id), "actorName", name)
    links = jmap.step_touchpoints
    providers = {"": "SP1"}
    _sub(_sub(actors, "serviceProvider", actorID="SP1"), "companyName", company)
    provider_of = _touchpoint_providers(session, links)
    for name in sorted({p for p in provider_of.values() if p}):
        providers[name] = f"SP{len(providers) + 1}"
        _sub(_sub(actors, "serviceProvider", actorID=providers[name]), "companyName", name)

    touchpoints = _sub(journey, "touchpoints")
    number = 0
    initiator_id = end_users[0][0]
    for step in jmap.steps.itertuples():
        used = links[links["step_id"] == step.id] if not links.empty else links
        for link in used.itertuples() if not used.empty else [None]:
            number += 1
            tag = "plannedCommunicationPoint" if link is not None else "plannedAction"
            point = _sub(touchpoints, tag)
            _sub(point, "touchpointID", f"T{number}")
            _sub(point, "belongsTo", phaseIDref=phase_ids.get(step.stage_id, ""))
            initiator = _sub(point, "initiator")
            _sub(initiator, "refersTo", actorIDref=initiator_id)
            _sub(initiator, "initiatorLabel", step.title)
            if link is not None:
                receiver = _sub(point, "receiver")
                _sub(receiver, "refersTo", actorIDref=providers[provider_of.get(int(link.touchpoint_id), "")])
                _sub(receiver, "receiverLabel", link.touchpoint_name)
                _sub(_sub(point, "channel"), "channelName", link.channel_name or "unknown")
            if step.doing:
                _sub(point, "comment", step.doing)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _touchpoint_providers(session: Session, links: pd.DataFrame) -> dict[int, str]:
    """Touchpoint id → its external provider ("" when the company runs it), in one query."""
    if links.empty:
        return {}
    ids = sorted({int(i) for i in links["touchpoint_id"]})
    rows = session.exec(select(Touchpoint.id, Touchpoint.external_provider).where(col(Touchpoint.id).in_(ids))).all()
    return {int(tid): (provider or "").strip() for tid, provider in rows}
