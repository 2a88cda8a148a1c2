"""A journey for other tools: a Mermaid ``journey`` diagram and CJML 2.0 XML.

Mermaid (wikis, READMEs, GitHub renders it)
    ``journey`` / ``title`` / one ``section`` per stage / one task per step,
    ``Task: score: actor, actor``. The score is the step's emotion −3…+3 mapped
    to Mermaid's 1…5 (−3→1, −2/−1→2, 0→3, +1/+2→4, +3→5); the actors are the
    journey's personas. Mermaid's journey grammar ends a task name at ``:``,
    ``;``, ``#`` or a line break, splits actors at ``,`` and reads ``%`` at the
    start of a token as a comment. Those characters are written as Mermaid's own
    entity codes (``#35;`` for ``#``, ``#58;`` ``:``, ``#59;`` ``;``, ``#37;``
    ``%``, ``#96;`` a backtick, ``#44;`` a comma in a persona name): Mermaid
    swaps them for placeholders before it parses and back into the real
    character when it draws, so the diagram shows ``#`` in whatever font the
    page uses (the earlier look-alike ``＃``, U+FF03, is missing from common
    fonts). Line breaks become spaces. HTML is escaped the same way: ``<``,
    ``>``, ``&``, ``"`` and ``'`` become ``#60;``, ``#62;``, ``#38;``, ``#34;``
    and ``#39;``. Mermaid turns those into character references (``&#60;``)
    in the SVG it writes, so they show as the characters and never as markup,
    whatever ``securityLevel`` a wiki renders with (``<img>``, ``<svg>``,
    ``<script>`` in a title stay text); the ``%%`` comment with a full name
    escapes them too.

    Mermaid draws each task (and each section) in a fixed box, 50 px high,
    that holds three lines of its 16 px text; a fourth line is cut off, and so
    is a word wider than the box. Its default width, 150 px, is too narrow for
    German compound words ("Zufriedenheitsumfrage" in DejaVu Sans, the widest
    of the common fonts), so the diagram starts with an ``init`` directive that
    sets :data:`MERMAID_TASK_WIDTH` (200 px: words of about 25 letters). Step
    and stage names longer than :data:`MERMAID_LABEL_MAX` characters (50) are
    shortened at a word boundary and end with ``…``; the full name stands in a
    ``%%`` comment line right above (Mermaid ignores it; a ``%%`` in the name is
    written ``% %`` there, so it cannot start a directive) and stays whole in
    the JSON and CJML exports. A journey diagram is a line: branches are listed
    in reading order (stage, then position). ``tests/browser/
    test_mermaid_browser.py`` renders every demo journey with the real Mermaid
    library in Chromium.

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

    What the CJML modelling tool shows (SINTEF's web-based tool, ``cjml-drawing``
    0.2.x, its V2 XML parser ``V2parse``; docs/interop.md says how to repeat the
    check): it names a journey after the text of ``journeyID`` and a phase after
    ``belongsTo@phaseIDref`` and never reads ``journeyTitle`` or ``phaseName``.
    So ``journeyID`` carries the journey's name and ``phaseID`` the stage's name
    (as the tool's own XML writer does); both are stable — the same map gives
    the same identifiers — and a second stage of the same name gets `` (2)``.
    ``journeyTitle``/``phaseName`` hold the exact names for other CJML readers.
    The tool reads element text as markup (``innerHTML``: "A &amp; B" for
    "A & B"), so in the texts it shows (``journeyID``, ``actorName``,
    ``companyName``, the labels, ``comment``) ``&``, ``<`` and ``>`` are written
    as ``+``, ``‹`` and ``›`` (:func:`shown`); the JSON export keeps every text
    exactly. ``channelName`` is looked up in the tool's channel vocabulary
    (icons); :data:`CJML_CHANNELS` maps the app's channels to it (see
    :func:`cjml_channel`). The tool also reads the file's XML comments as actor
    icon names after dropping a first one of 25 characters or more (and fails
    without any), so the file has exactly one such comment. Touchpoint IDs never
    start with ``D`` (the tool's mark of a deviation).

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
# The one XML comment in a CJML file: the modelling tool drops a first comment of 25 characters or more
# and would read any other as an actor's icon name (and fails on a file without comments).
CJML_COMMENT = " Produced by Journey Workbench "
# XML 1.0 forbids these characters even escaped.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Characters Mermaid's journey grammar stops at, as Mermaid's entity codes (``#<decimal code point>;``).
# ``¶`` and ``ﬂ`` are part of Mermaid's placeholders for entities, so they are written as entities too.
# HTML's special characters too, so a wiki that renders labels as HTML shows them as text.
_MERMAID_HTML = "<>&\"'"
_MERMAID_TEXT = str.maketrans({c: f"#{ord(c)};" for c in "#:;%`¶ﬂ" + _MERMAID_HTML} | {"\n": " ", "\r": " ", "\t": " "})
_MERMAID_COMMENT = str.maketrans({c: f"#{ord(c)};" for c in _MERMAID_HTML})
MERMAID_TASK_WIDTH = 200  # px, Mermaid's journey box (its default: 150)
MERMAID_LABEL_MAX = 50  # characters (with the …) of a task or section label: three lines in that box

# The CJML modelling tool's channel vocabulary: the channels it draws an icon for (its default set). It
# matches a channelName ignoring case and spaces; anything else gets its "unknown channel" icon.
CJML_CHANNEL_NAMES = (
    "App On Pc", "App On Smartphone", "App On Tablet", "Call Center", "Chat", "Email", "Face To Face", "Fax",
    "Internet Globe", "Internet Via Pc", "Internet Via Smartphone", "Internet Via Tablet", "Invoice", "Laptop",
    "Letter", "Message Service", "Online Shopping", "Payment Channel", "Parcel", "Pc", "Phone",
    "Self Service Machine", "Service Desk", "Shopping", "Smartphone", "SMS", "Social Media", "Social Media Message",
    "Tablet", "Technician", "Telephone", "Unknown Channel",
)
CJML_NO_CHANNEL = "Unknown Channel"  # a touchpoint without a channel
# The app's channel names (its default channels, German and English spellings and common synonyms) → the
# tool's vocabulary. Keys are compared as :func:`_channel_key` makes them (case, spaces and punctuation
# ignored). A channel that is not here (e.g. "Presse", or one a team added) keeps its own name: the tool then
# shows its "unknown channel" icon, other CJML readers still see the name.
CJML_CHANNELS: dict[str, str] = {
    # the default channels (services/channels.py)
    "Website": "Internet Via Pc", "SEO": "Internet Globe", "SEA": "Internet Globe", "Display": "Internet Globe",
    "E-Mail": "Email", "Social Media": "Social Media", "Chat": "Chat", "App": "App On Smartphone",
    "Telefon": "Phone", "Call Center": "Call Center", "Filiale / Shop": "Shopping", "Messe / Event": "Face To Face",
    "Print-Mailing": "Letter", "Bewertungsportale": "Internet Globe", "Foren / Blogs": "Social Media",
    # other spellings and synonyms
    "Webseite": "Internet Via Pc", "Web": "Internet Via Pc", "Homepage": "Internet Via Pc",
    "Online-Shop": "Online Shopping", "Webshop": "Online Shopping", "Suchmaschine": "Internet Globe",
    "Search": "Internet Globe", "Online-Werbung": "Internet Globe", "Banner": "Internet Globe",
    "Bewertungsportal": "Internet Globe", "Review sites": "Internet Globe", "Forum": "Social Media",
    "Foren": "Social Media", "Blog": "Social Media", "Blogs": "Social Media", "Forums / Blogs": "Social Media",
    "Mail": "Email", "Newsletter": "Email", "Live-Chat": "Chat", "Chatbot": "Chat",
    "Mobile App": "App On Smartphone", "Smartphone-App": "App On Smartphone", "Telephone": "Phone",
    "Phone": "Phone", "Hotline": "Call Center", "Callcenter": "Call Center", "Kundenservice": "Call Center",
    "Filiale": "Shopping", "Shop": "Shopping", "Laden": "Shopping", "Geschäft": "Shopping", "Store": "Shopping",
    "Branch / Shop": "Shopping", "Messe": "Face To Face", "Event": "Face To Face", "Trade fair / Event": "Face To Face",
    "Persönlich": "Face To Face", "Vor Ort": "Face To Face", "Außendienst": "Face To Face", "Beratung": "Face To Face",
    "In person": "Face To Face", "Brief": "Letter", "Post": "Letter", "Mailing": "Letter", "Direct mail": "Letter",
    "Print mailing": "Letter", "SMS": "SMS", "Messenger": "Message Service", "WhatsApp": "Message Service",
    "Rechnung": "Invoice", "Paket": "Parcel", "Zahlung": "Payment Channel", "Payment": "Payment Channel",
    "Automat": "Self Service Machine", "Terminal": "Self Service Machine", "Kiosk": "Self Service Machine",
    "Schalter": "Service Desk", "Empfang": "Service Desk", "Rezeption": "Service Desk", "Techniker": "Technician",
}


def mermaid_score(emotion: int) -> int:
    """Emotion −3…+3 → Mermaid's score 1…5 (rounded: 1 + (emotion + 3) · 4 / 6)."""
    return int(1 + round((max(-3, min(3, int(emotion))) + 3) * 4 / 6))


def mermaid_text(text: str, *, actor: bool = False) -> str:
    """User text as it can stand in a Mermaid journey line (the characters the grammar stops at as entities)."""
    cleaned = re.sub(r"\s+", " ", str(text)).strip().translate(_MERMAID_TEXT)
    if actor:
        cleaned = cleaned.replace(",", "#44;")
    return cleaned or "…"


def shorten(text: str, limit: int = MERMAID_LABEL_MAX) -> str:
    """``text`` in at most ``limit`` characters: cut at a word boundary (inside a word only when the words
    before it fill less than half the limit) and ended with ``…``; white space collapsed."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    if text[limit - 1] != " " and " " in head:
        words = head.rsplit(" ", 1)[0]
        if len(words) >= limit // 2:
            head = words
    return head.rstrip(" ,;:.-–—/") + "…"


def _mermaid_label(indent: str, keyword: str, text: str) -> list[str]:
    """The label line (``section X`` or ``X``), after a ``%%`` comment with the full text when it was shortened."""
    full = " ".join(str(text).split())
    short = shorten(full)
    comment = [f"{indent}%% full name: {full.replace('%%', '% %').translate(_MERMAID_COMMENT)}"] if short != full else []
    return [*comment, f"{indent}{keyword}{mermaid_text(short)}"]


def mermaid_journey(session: Session, workspace_id: int, journey_id: int) -> str:
    jmap = journeys.load_journey_map(session, workspace_id, journey_id)
    actors = ", ".join(mermaid_text(p.name, actor=True) for p in jmap.personas)
    lines = [f'%%{{init: {{"journey": {{"width": {MERMAID_TASK_WIDTH}}}}}}}%%', "journey", f"    title {mermaid_text(jmap.journey.name)}"]
    steps = jmap.steps
    for stage in jmap.stages:
        lines += _mermaid_label("    ", "section ", stage.name)
        for row in steps[steps["stage_id"] == stage.id].itertuples():
            *comment, task = _mermaid_label("      ", "", row.title)
            task = f"{task}: {mermaid_score(row.emotion)}"
            lines += [*comment, f"{task}: {actors}" if actors else task]
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
    root.append(ET.Comment(CJML_COMMENT))
    journey = _sub(root, "plannedJourney")
    _sub(journey, "journeyID", cjml_journey_id(jmap.journey.name, journey_id))
    _sub(journey, "journeyTitle", jmap.journey.name)
    phases = _sub(journey, "journeyPhases")
    phase_ids = cjml_phase_ids([(stage.id, stage.name) for stage in jmap.stages])
    for stage in jmap.stages:
        phase = _sub(phases, "journeyPhase", phaseID=phase_ids[stage.id])
        _sub(phase, "phaseName", stage.name)
        _sub(phase, "phaseDescription", stage.description)
    _sub(journey, "journeyShortSummary", jmap.journey.scenario)
    _sub(journey, "journeyLongSummary", jmap.journey.goal)

    actors = _sub(journey, "actors")
    end_users = [(f"EU{i}", p.name) for i, p in enumerate(jmap.personas, start=1)] or [("EU1", "Customer")]
    for actor_id, name in end_users:
        _sub(_sub(actors, "endUser", actorID=actor_id), "actorName", shown(name))
    links = jmap.step_touchpoints
    providers = {"": "SP1"}
    _sub(_sub(actors, "serviceProvider", actorID="SP1"), "companyName", shown(company))
    provider_of = _touchpoint_providers(session, links)
    for name in sorted({p for p in provider_of.values() if p}):
        providers[name] = f"SP{len(providers) + 1}"
        _sub(_sub(actors, "serviceProvider", actorID=providers[name]), "companyName", shown(name))

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
            _sub(initiator, "initiatorLabel", shown(step.title))
            if link is not None:
                receiver = _sub(point, "receiver")
                _sub(receiver, "refersTo", actorIDref=providers[provider_of.get(int(link.touchpoint_id), "")])
                _sub(receiver, "receiverLabel", shown(link.touchpoint_name))
                _sub(_sub(point, "channel"), "channelName", cjml_channel(link.channel_name))
            if step.doing:
                _sub(point, "comment", shown(step.doing))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _one_line(text: object) -> str:
    return " ".join(_xml(text).split())


_SHOWN = str.maketrans({"&": "+", "<": "‹", ">": "›"})


def shown(text: object) -> str:
    """Text for an element the CJML tool shows: it reads element text as markup (``innerHTML``) and would show
    ``&amp;`` for ``&``, so ``&``, ``<`` and ``>`` are written as ``+``, ``‹`` and ``›``."""
    return _xml(text).translate(_SHOWN)


def cjml_journey_id(name: str, journey_id: int) -> str:
    """The journey's name as its ``journeyID`` (the tool shows that text as the journey's name; see :func:`shown`);
    ``PJ<id>`` for a journey without a name."""
    return shown(_one_line(name)) or f"PJ{journey_id}"


def cjml_phase_ids(stages: list[tuple[int, str]]) -> dict[int, str]:
    """Stage id → ``phaseID``: the stage's name (the tool shows ``phaseIDref`` as the phase's name); a second
    stage of the same name gets `` (2)``, a stage without a name ``PH<position>``."""
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for position, (stage_id, name) in enumerate(stages, start=1):
        base = _one_line(name) or f"PH{position}"
        candidate, count = base, 1
        while candidate.casefold() in taken:
            count += 1
            candidate = f"{base} ({count})"
        taken.add(candidate.casefold())
        ids[stage_id] = candidate
    return ids


def _channel_key(name: str) -> str:
    return "".join(c for c in str(name).casefold() if c.isalnum())


_CJML_BY_KEY = {_channel_key(name): name for name in CJML_CHANNEL_NAMES} | {_channel_key(k): v for k, v in CJML_CHANNELS.items()}


def cjml_channel(name: str | None) -> str:
    """The app's channel name in the CJML tool's vocabulary (:data:`CJML_CHANNELS`; a CJML name stays as it
    is): its own name where CJML has no equivalent, :data:`CJML_NO_CHANNEL` when there is no channel."""
    text = _one_line(name or "")
    if not text:
        return CJML_NO_CHANNEL
    return _CJML_BY_KEY.get(_channel_key(text), text)


def _touchpoint_providers(session: Session, links: pd.DataFrame) -> dict[int, str]:
    """Touchpoint id → its external provider ("" when the company runs it), in one query."""
    if links.empty:
        return {}
    ids = sorted({int(i) for i in links["touchpoint_id"]})
    rows = session.exec(select(Touchpoint.id, Touchpoint.external_provider).where(col(Touchpoint.id).in_(ids))).all()
    return {int(tid): (provider or "").strip() for tid, provider in rows}
