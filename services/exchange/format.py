"""The exchange format: which table goes where in an export document, and its JSON Schema.

One document holds a whole workspace (``"scope": "workspace"``) or one journey
with what it uses (``"scope": "journey"``)::

    {"format": "journey-workbench", "version": 1, "scope": "workspace", "exported_at": "…",
     "workspace": {...}, "channels": [...], "personas": [...], "touchpoints": [...],
     "journeys": [...], "content_items": [...], "metrics": [...], "kano_items": [...],
     "comments": [...], "activity": [...]}

Rows that belong to one parent are nested in it (a journey holds its stages, a
stage its steps, a step its pain points …); everything that can be pointed at
carries a ``key`` — a string unique in the document, ``"persona-3"`` — and
references name that key, never a database id. Order stands for position:
the third step of a stage is the third in its list.

:data:`PARTS` is the single description both the exporter/importer
(:mod:`services.exchange`) and the JSON Schema (:func:`build_schema`) are made
from; the schema's value rules (lengths, ranges, codes) are read off the table
models, so the file and the database cannot disagree.
``data/schema/workspace-export.schema.json`` is :func:`build_schema`'s output,
kept in git (a test checks it is current; ``python -m services.exchange.format``
rewrites it). No Streamlit here.
"""

import json
import math
import types
import typing
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from annotated_types import Ge, Gt, Le, MaxLen, MinLen
from sqlmodel import SQLModel

from models import (
    ActivityEntry,
    Channel,
    Comment,
    ContentItem,
    ContentMapping,
    Journey,
    KanoAnswer,
    KanoItem,
    Measurement,
    Metric,
    Opportunity,
    PainPoint,
    Persona,
    PersonaChannel,
    Stage,
    Step,
    StepPersonaEmotion,
    StepTouchpoint,
    Touchpoint,
    Transition,
    Vote,
    VoteRound,
    Workspace,
)
from models.channel import CHANNEL_CATEGORIES
from models.content import CONTENT_FORMATS, CONTENT_STATUSES
from models.journey import EXIT_KINDS, JOURNEY_STATES, JOURNEY_STATUSES, OPPORTUNITY_STATUSES
from models.metric import METRIC_DIRECTIONS, METRIC_KINDS, METRIC_SCOPES
from models.persona import INCOME_BANDS
from services.personas import MAX_AVATAR_BYTES

FORMAT = "journey-workbench"
VERSION = 1
SCOPES = ("workspace", "journey")
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "data" / "schema" / "workspace-export.schema.json"
SCHEMA_ID = "https://journey-workbench.invalid/schema/workspace-export-v1.json"
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$"

# Text columns the database checks against a list of codes (CHECK … IN).
CODES: dict[tuple[type[SQLModel], str], tuple[str, ...]] = {
    (Channel, "category"): CHANNEL_CATEGORIES,
    (Persona, "income_band"): INCOME_BANDS,
    (Journey, "state"): JOURNEY_STATES,
    (Journey, "status"): JOURNEY_STATUSES,
    (Step, "exit_kind"): EXIT_KINDS,
    (Opportunity, "status"): OPPORTUNITY_STATUSES,
    (ContentItem, "format"): CONTENT_FORMATS,
    (ContentItem, "status"): CONTENT_STATUSES,
    (Metric, "kind"): METRIC_KINDS,
    (Metric, "direction"): METRIC_DIRECTIONS,
    (Metric, "scope"): METRIC_SCOPES,
}


@dataclass(frozen=True)
class Ref:
    """A property that names another entity's key. ``kinds``: what it may point at."""

    kinds: tuple[str, ...]
    column: str | None = None  # the table column it fills (None: resolved by hand)
    nullable: bool = False
    many: bool = False  # a list of keys (a journey's personas, the pain points an opportunity addresses)


@dataclass(frozen=True)
class Part:
    """One list in the document: its rows are one table's rows (``kind`` None: nothing points at them)."""

    name: str
    model: type[SQLModel]
    fields: tuple[str, ...]
    kind: str | None = None
    refs: dict[str, Ref] = field(default_factory=dict)
    children: tuple["Part", ...] = ()
    required: tuple[str, ...] = ()
    description: str = ""

    @property
    def properties(self) -> tuple[str, ...]:
        keyed = ("key",) if self.kind else ()
        return keyed + self.fields + tuple(self.refs) + tuple(child.name for child in self.children)


def _fields(model: type[SQLModel], *, without: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The model's own value columns, in declaration order (no ids, references, positions, bookkeeping)."""
    skip = {"id", "workspace_id", "position", "created_at", "updated_at", "version", *without}
    return tuple(
        name for name in model.model_fields
        if name not in skip and not name.endswith("_id")
    )


STEP_ITEMS = (
    Part("pain_points", PainPoint, _fields(PainPoint), kind="pain_point", required=("text",),
         description="Pain points on the step, in their order."),
    Part("opportunities", Opportunity, _fields(Opportunity), kind="opportunity", required=("text",),
         refs={"addresses": Ref(("pain_point",), many=True)},
         description="Opportunities on the step, in their order; `addresses`: the pain points they answer."),
    Part("touchpoints", StepTouchpoint, _fields(StepTouchpoint), required=("touchpoint",),
         refs={"touchpoint": Ref(("touchpoint",), "touchpoint_id")},
         description="Touchpoints used at the step, with the customers' ratings."),
    Part("persona_emotions", StepPersonaEmotion, _fields(StepPersonaEmotion), required=("persona", "emotion"),
         refs={"persona": Ref(("persona",), "persona_id")},
         description="Personas who feel differently from the step's own score."),
)

JOURNEY = Part(
    "journeys", Journey, _fields(Journey, without=("structure_locked",)), kind="journey", required=("key", "name"),
    refs={
        "next_journey": Ref(("journey",), "next_journey_id", nullable=True),
        "origin_journey": Ref(("journey",), "origin_journey_id", nullable=True),
        "personas": Ref(("persona",), many=True),
    },
    children=(
        Part("stages", Stage, _fields(Stage), kind="stage", required=("key", "name"), children=(
            Part("steps", Step, _fields(Step), kind="step", required=("key", "title"), children=STEP_ITEMS,
                 description="The cards of the stage, in reading order."),
        ), description="The journey's phases, in order."),
        Part("transitions", Transition, _fields(Transition), kind="transition", required=("from", "to"),
             refs={"from": Ref(("step",), "source_step_id"), "to": Ref(("step",), "target_step_id")},
             description="Step → step; several out of one step make a branch. `share`: % of the source's customers."),
        Part("vote_rounds", VoteRound, _fields(VoteRound), kind="vote_round", required=("name",), children=(
            Part("votes", Vote, _fields(Vote), required=("voter", "target"),
                 refs={"target": Ref(("step", "pain_point", "opportunity"))},
                 description="One dot each."),
        ), description="Dot-voting rounds on the journey."),
    ),
    description="Journeys with their map. `personas`: the personas the journey is for.",
)

PARTS: tuple[Part, ...] = (
    Part("channels", Channel, _fields(Channel), kind="channel", required=("key", "name"),
         description="Channels; on import into an existing workspace a channel of the same name is used."),
    Part("personas", Persona, _fields(Persona), kind="persona", required=("key", "name"), children=(
        Part("channels", PersonaChannel, _fields(PersonaChannel), required=("channel",),
             refs={"channel": Ref(("channel",), "channel_id")},
             description="Channels the persona uses and how intensively (1 rarely … 5 constantly)."),
    ), description="Buyer personas. `avatar_image`: PNG or JPEG, base64."),
    Part("touchpoints", Touchpoint, _fields(Touchpoint), kind="touchpoint", required=("key", "name"),
         refs={"channel": Ref(("channel",), "channel_id", nullable=True)},
         description="The touchpoint catalogue."),
    JOURNEY,
    Part("content_items", ContentItem, _fields(ContentItem), kind="content_item", required=("key", "title"), children=(
        Part("mappings", ContentMapping, _fields(ContentMapping), required=("stage", "channel"),
             refs={"persona": Ref(("persona",), "persona_id", nullable=True),
                   "stage": Ref(("stage",), "stage_id"), "channel": Ref(("channel",), "channel_id")},
             description="Content map cells: for a persona (null: everyone) at a stage on a channel."),
    ), description="Content items and where they are mapped."),
    Part("metrics", Metric, _fields(Metric), kind="metric", required=("key", "name"),
         refs={"journey": Ref(("journey",), "journey_id", nullable=True), "step": Ref(("step",), "step_id", nullable=True),
               "touchpoint": Ref(("touchpoint",), "touchpoint_id", nullable=True)},
         children=(
             Part("measurements", Measurement, _fields(Measurement), required=("measured_on", "value"),
                  description="Measurements, one per date."),
         ), description="KPIs with targets; `scope` says which of journey, step or touchpoint they measure."),
    Part("kano_items", KanoItem, _fields(KanoItem), kind="kano_item", required=("key", "name"),
         refs={"journey": Ref(("journey",), "journey_id", nullable=True)}, children=(
             Part("answers", KanoAnswer, _fields(KanoAnswer), required=("functional", "dysfunctional"),
                  description="Survey answers: 1 like, 2 expect, 3 neutral, 4 tolerate, 5 dislike."),
         ), description="Kano survey items."),
    Part("comments", Comment, (*_fields(Comment), "created_at"), kind="comment", required=("author", "body", "target"),
         refs={"target": Ref(("step", "touchpoint"))},
         description="Comments on a step or a touchpoint, with their time."),
    Part("activity", ActivityEntry, _fields(ActivityEntry), kind="activity", required=("action", "entity_type"),
         refs={"entity": Ref((), nullable=True), "journey": Ref(("journey",), "journey_id", nullable=True),
               "reverts": Ref(("activity",), "reverts_id", nullable=True)},
         description="The history, oldest first. `before`/`after` are kept as recorded; ids inside delete snapshots "
                     "that point outside the snapshot are written as keys ({\"$key\": …}) or null."),
)

WORKSPACE_FIELDS = ("name", "description")
# Tables and columns the format leaves out on purpose, and why.
NOT_EXCHANGED: dict[str, str] = {
    "presence": "who has the app open right now: a live session, not workspace data",
    "workspace.revision": "a counter live views poll; it starts anew in the importing workspace",
    "activity_entry.account_id": "accounts belong to an installation; the entry keeps the actor's name",
    "account": "who signs in to this installation, with password hashes: never exported",
    "membership": "roles are given per installation by its admins",
    "guest_link": "workshop links are short-lived and hold token hashes",
    "sign_in": "signed-in browsers: a live session, not workspace data",
    "journey.structure_locked": "a facilitator's lock for one workshop: a live setting, an imported map starts unlocked",
}

# Activity entries name their entity by table name; the kind of key it maps to.
ENTITY_KINDS: dict[str, str] = {
    "channel": "channel", "persona": "persona", "touchpoint": "touchpoint", "journey": "journey", "stage": "stage",
    "step": "step", "pain_point": "pain_point", "opportunity": "opportunity", "transition": "transition",
    "vote_round": "vote_round", "content_item": "content_item", "metric": "metric", "kano_item": "kano_item",
    "comment": "comment", "activity_entry": "activity",
}
KINDS: tuple[str, ...] = tuple(dict.fromkeys(ENTITY_KINDS.values()))


def walk(parts: tuple[Part, ...] = PARTS) -> typing.Iterator[Part]:
    """Every part, parents before children."""
    for part in parts:
        yield part
        yield from walk(part.children)


def covered_columns() -> dict[str, set[str]]:
    """Table → the columns the format carries (as a value, a reference or by nesting/order)."""
    covered: dict[str, set[str]] = {"workspace": {"id", "revision", "created_at", "updated_at", "version", *WORKSPACE_FIELDS}}
    implicit = {"id", "workspace_id", "position", "created_at", "updated_at", "version",
                "journey_id", "stage_id", "step_id", "metric_id", "kano_item_id", "round_id", "content_item_id"}
    for part in walk():
        columns = set(part.model.__table__.columns.keys())  # type: ignore[attr-defined]
        mine = {*part.fields, *(ref.column for ref in part.refs.values() if ref.column)}
        covered.setdefault(part.model.__tablename__, set()).update(mine | (columns & implicit))  # type: ignore[attr-defined]
    # Link tables carried as key lists and hand-resolved references.
    covered["journey_persona"] = {"journey_id", "persona_id", "workspace_id", "created_at", "updated_at", "version"}
    covered["opportunity_pain_point"] = {"opportunity_id", "pain_point_id", "created_at", "updated_at", "version"}
    covered["persona_channel"].add("persona_id")
    covered["comment"] |= {"step_id", "touchpoint_id"}
    covered["vote"] |= {"step_id", "pain_point_id", "opportunity_id"}
    covered["activity_entry"] |= {"entity_id"}
    return covered


# --- JSON Schema ----------------------------------------------------------------------------------


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """``Optional[X]`` → (X, True)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _value_schema(model: type[SQLModel], name: str) -> dict[str, Any]:
    info = model.model_fields[name]
    annotation, nullable = _unwrap(info.annotation)
    schema: dict[str, Any]
    if annotation is bytes:
        # base64 of at most MAX_AVATAR_BYTES
        schema = {"type": "string", "contentEncoding": "base64", "maxLength": 4 * math.ceil(MAX_AVATAR_BYTES / 3)}
    elif annotation is bool:
        schema = {"type": "boolean"}
    elif annotation is int:
        schema = {"type": "integer"}
    elif annotation is float:
        schema = {"type": "number"}
    elif annotation is datetime:
        schema = {"type": "string", "format": "date-time"}
    elif annotation is date:
        schema = {"type": "string", "format": "date"}
    elif typing.get_origin(annotation) is dict:
        schema = {"type": "object"}
    else:
        schema = {"type": "string"}
    for meta in info.metadata:
        if isinstance(meta, MinLen):
            schema["minLength"] = meta.min_length
        elif isinstance(meta, MaxLen):
            schema["maxLength"] = meta.max_length
        elif isinstance(meta, Ge):
            schema["minimum"] = meta.ge
        elif isinstance(meta, Le):
            schema["maximum"] = meta.le
        elif isinstance(meta, Gt):
            schema["exclusiveMinimum"] = meta.gt
    if (model, name) in CODES:
        schema["enum"] = list(CODES[(model, name)])
    if nullable:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def _ref_schema(ref: Ref) -> dict[str, Any]:
    key = {"$ref": "#/$defs/key"}
    if ref.many:
        return {"type": "array", "items": key, "uniqueItems": True}
    return {"anyOf": [key, {"type": "null"}]} if ref.nullable else key


def _part_schema(part: Part, defs: dict[str, Any], path: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    if part.kind:
        properties["key"] = {"$ref": "#/$defs/key"}
    for name in part.fields:
        properties[name] = _value_schema(part.model, name)
    for name, ref in part.refs.items():
        properties[name] = _ref_schema(ref)
    for child in part.children:
        child_path = f"{path}_{child.name}"
        defs[child_path] = _part_schema(child, defs, child_path)
        properties[child.name] = {"type": "array", "items": {"$ref": f"#/$defs/{child_path}"}}
    schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
    if part.description:
        schema["description"] = part.description
    schema["required"] = list(part.required or (("key",) if part.kind else ()))
    schema["properties"] = properties
    return schema


def build_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a version-1 document, made from :data:`PARTS` and the models."""
    defs: dict[str, Any] = {"key": {
        "type": "string", "pattern": KEY_PATTERN,
        "description": "A name for an entity, unique in the document; references use it (never a database id).",
    }}
    properties: dict[str, Any] = {
        "format": {"const": FORMAT},
        "version": {"const": VERSION},
        "scope": {"enum": list(SCOPES), "description": "A whole workspace, or one journey with what it uses."},
        "exported_at": {"type": "string", "format": "date-time"},
        "workspace": {
            "type": "object", "additionalProperties": False, "required": ["name"],
            "properties": {name: _value_schema(Workspace, name) for name in WORKSPACE_FIELDS},
        },
    }
    for part in PARTS:
        defs[part.name] = _part_schema(part, defs, part.name)
        properties[part.name] = {"type": "array", "items": {"$ref": f"#/$defs/{part.name}"}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Journey Workbench exchange document, version 1",
        "description": (
            "A workspace, or one journey with what it uses, as one JSON document. Entities refer to each other by "
            "their `key` (unique in the document), never by database ids; the order of a list is the order of its "
            "rows (stages, steps, pain points, opportunities). Fields left out take the app's defaults."
        ),
        "type": "object",
        "additionalProperties": False,
        "required": ["format", "version", "scope", "workspace"],
        "properties": properties,
        "$defs": dict(sorted(defs.items())),
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def write_schema(path: Path = SCHEMA_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(), encoding="utf-8")


if __name__ == "__main__":
    write_schema()
