"""Export a workspace (or one journey with what it uses) as one JSON document, and import one.

The format is described in :mod:`services.exchange_format` and by the JSON
Schema in ``data/schema/workspace-export.schema.json``.

Export
    :func:`export_workspace` / :func:`export_journey` read a fixed number of
    queries (one per table, whatever the size) and give every entity a key in
    document order (``"step-17"``). Rows are listed by position, then by id, so
    an export of an import lists everything in the same order again: the round
    trip gives the same document apart from ``exported_at``.

Import
    :func:`read_document` checks a file completely before anything is written:
    size, encoding, JSON syntax (a truncated file is told apart from a broken
    one), format and version, the JSON Schema (types, lengths, ranges, codes),
    and the references and names (every key unique, every reference known and of
    the right kind, no duplicate names, transitions and votes inside their
    journey, …). It raises :class:`ImportRefused` listing every problem with
    its place. :func:`plan_import` also reads the target workspace and says what
    will be created, replaced, renamed and removed along; :func:`import_document`
    checks again and writes it all in the caller's transaction (one
    ``write_session``: all or nothing).

    Into a NEW workspace everything is created, the history included. Into an
    EXISTING workspace the user chooses:

    - ``copy``: everything is added as new rows; a name already taken gets a
      suffix (“Sandra (2)”). Channels are matched by name (they are the
      workspace's vocabulary, not copied).
    - ``replace``: an entity with the same name (persona, touchpoint, journey,
      content item, metric, Kano item, channel) is overwritten in place — it keeps
      its id, so links from outside the file stay — and what it owns is replaced
      by the file's: a persona's channel list, a journey's stages, steps and
      branches, a content item's mappings, a metric's measurements, a Kano item's
      answers. Rows of the workspace that hang on a replaced journey's old steps
      or stages (comments, step metrics, content mappings) go with them; the
      preview counts them. Everything else is added as in ``copy``.

    The history is only imported into a new workspace; an import into an
    existing one writes one history entry of its own. Rows are written with
    SQLAlchemy Core (one ``executemany`` per table), not the ORM: a large
    workspace imports in seconds, and the import does not log one history entry
    per row.

No Streamlit here.
"""

import base64
import binascii
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError as SchemaError
from pydantic_core import PydanticUndefined
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from models import (
    ActivityEntry,
    Channel,
    Comment,
    ContentItem,
    ContentMapping,
    Journey,
    JourneyPersona,
    KanoAnswer,
    KanoItem,
    Measurement,
    Metric,
    Opportunity,
    OpportunityPainPoint,
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
from models.base import utcnow
from services import collaboration, common, history, personas, workspaces
from services.channels import DEFAULT_CHANNELS
from services.errors import N_, DomainError
from services.exchange_format import (
    ENTITY_KINDS,
    FORMAT,
    JOURNEY,
    PARTS,
    SCHEMA_PATH,
    VERSION,
    WORKSPACE_FIELDS,
    Part,
)
from services.journeys import table_rows

MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 50
NEW, COPY, REPLACE = "new", "copy", "replace"
MODES = (COPY, REPLACE)
MISSING_ID = 0  # written for a reference whose target is not in the workspace: matches no row
WORKSPACE_KEY = "workspace"  # the document's workspace, in recorded history values

PART = {part.name: part for part in PARTS}
# Name column of the entities matched by name (replace) or renamed (copy).
NAMED: dict[str, tuple[type[SQLModel], str]] = {
    "channels": (Channel, "name"), "personas": (Persona, "name"), "touchpoints": (Touchpoint, "name"),
    "journeys": (Journey, "name"), "content_items": (ContentItem, "title"), "metrics": (Metric, "name"),
    "kano_items": (KanoItem, "name"),
}
SNAPSHOT_PARTS = {part.key: part for part in getattr(history, "PARTS", ())}
DATE_FIELDS: dict[type[SQLModel], tuple[str, ...]] = {
    Comment: ("created_at",), ActivityEntry: ("at",), Measurement: ("measured_on",),
}


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be imported: where in the file (empty: the file as a whole), and what."""

    where: str
    error: DomainError

    def render(self, translate: Any = None) -> str:
        return self.error.render(translate)


class ImportRefused(DomainError):
    """The file cannot be imported; nothing was written. ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        if len(problems) == 1:
            first = problems[0].error
            super().__init__(first.message, field=first.field, **first.params)
        else:
            super().__init__(N_("The file cannot be imported: {count} problems were found."), count=len(problems))


def _refuse(message: str, **params: Any) -> ImportRefused:
    return ImportRefused([Problem("", DomainError(message, **params))])


# --- values ---------------------------------------------------------------------------------------


def _out(value: Any) -> Any:
    """A column value as JSON."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _in(model: type[SQLModel], name: str, value: Any) -> Any:
    """A JSON value as the column wants it (the schema has checked its type)."""
    if value is None:
        return None
    annotation = model.model_fields[name].annotation
    kinds = getattr(annotation, "__args__", (annotation,))
    if bytes in kinds:
        return base64.b64decode(value, validate=True)
    if datetime in kinds:
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if date in kinds:
        return date.fromisoformat(value)
    if float in kinds and isinstance(value, int):
        return float(value)
    if isinstance(value, str):  # PostgreSQL's text cannot hold NUL; dropped on every engine, as the forms do
        return value.replace("\x00", "")
    return value


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    found = {}
    for name, info in model.model_fields.items():
        if info.default is not PydanticUndefined:
            found[name] = info.default
    return found


def _values(part: Part, obj: dict[str, Any]) -> dict[str, Any]:
    """The part's plain fields of one object, with the model's defaults for what the file leaves out."""
    defaults = _defaults(part.model)
    return {name: _in(part.model, name, obj[name]) if name in obj else defaults.get(name) for name in part.fields}


def dumps(document: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON text (readable: indented, umlauts as they are)."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# --- export ---------------------------------------------------------------------------------------


def export_workspace(session: Session, workspace_id: int) -> dict[str, Any]:
    """The whole workspace as one document (``scope: workspace``)."""
    return _Export(session, workspace_id, None).run()


def export_journey(session: Session, workspace_id: int, journey_id: int) -> dict[str, Any]:
    """One journey with what it uses (``scope: journey``): its personas, touchpoints, the channels they name,
    the content mapped to its stages, its metrics (journey, step, and its touchpoints'), Kano items, comments
    and history. References to things outside it (the journey it leads into …) are left empty."""
    common.get(session, Journey, journey_id, workspace_id)
    return _Export(session, workspace_id, journey_id).run()


def _by(rows: Iterable[dict[str, Any]], column: str) -> dict[Any, list[dict[str, Any]]]:
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return grouped


def _positioned(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["position"], r["id"]))


class _Export:
    def __init__(self, session: Session, workspace_id: int, journey_id: int | None) -> None:
        self.session = session
        self.ws = workspace_id
        self.journey_id = journey_id
        self.keys: dict[str, dict[int, str]] = defaultdict(dict)  # table → id → key
        self.counters: Counter[str] = Counter()

    def rows(self, model: type[SQLModel], *where: Any, order: Iterable[Any] = ()) -> list[dict[str, Any]]:
        table = model.__table__  # type: ignore[attr-defined]
        return table_rows(self.session, select(table).where(*where).order_by(*order, *table.primary_key.columns))

    def key(self, kind: str, model: type[SQLModel], row_id: int) -> str:
        self.counters[kind] += 1
        key = f"{kind}-{self.counters[kind]}"
        self.keys[model.__tablename__][row_id] = key  # type: ignore[attr-defined]
        return key

    def ref(self, model: type[SQLModel], row_id: int | None) -> str | None:
        return None if row_id is None else self.keys[model.__tablename__].get(row_id)  # type: ignore[attr-defined]

    def load(self) -> None:  # noqa: C901 - one query per table, read top to bottom
        ws, jid = self.ws, self.journey_id
        journey_ids = select(Journey.id).where(Journey.workspace_id == ws, *([Journey.id == jid] if jid else []))
        step_ids = select(Step.id).where(col(Step.journey_id).in_(journey_ids))
        self.journeys = self.rows(Journey, col(Journey.id).in_(journey_ids))
        self.stages = _by(self.rows(Stage, col(Stage.journey_id).in_(journey_ids)), "journey_id")
        self.steps = _by(self.rows(Step, col(Step.journey_id).in_(journey_ids)), "stage_id")
        self.pain_points = _by(self.rows(PainPoint, col(PainPoint.step_id).in_(step_ids)), "step_id")
        self.opportunities = _by(self.rows(Opportunity, col(Opportunity.step_id).in_(step_ids)), "step_id")
        opportunity_ids = select(Opportunity.id).where(col(Opportunity.step_id).in_(step_ids))
        self.addresses = _by(self.rows(OpportunityPainPoint, col(OpportunityPainPoint.opportunity_id).in_(opportunity_ids)),
                             "opportunity_id")
        self.step_touchpoints = _by(self.rows(StepTouchpoint, col(StepTouchpoint.step_id).in_(step_ids)), "step_id")
        self.emotions = _by(self.rows(StepPersonaEmotion, col(StepPersonaEmotion.step_id).in_(step_ids)), "step_id")
        self.transitions = _by(self.rows(Transition, col(Transition.journey_id).in_(journey_ids)), "journey_id")
        self.rounds = _by(self.rows(VoteRound, col(VoteRound.journey_id).in_(journey_ids)), "journey_id")
        round_ids = select(VoteRound.id).where(col(VoteRound.journey_id).in_(journey_ids))
        self.votes = _by(self.rows(Vote, col(Vote.round_id).in_(round_ids)), "round_id")
        self.journey_personas = _by(self.rows(JourneyPersona, col(JourneyPersona.journey_id).in_(journey_ids)), "journey_id")

        mapping_filter = [ContentMapping.workspace_id == ws]
        if jid:
            mapping_filter.append(col(ContentMapping.stage_id).in_(select(Stage.id).where(Stage.journey_id == jid)))
        mappings = self.rows(ContentMapping, *mapping_filter)
        self.mappings = _by(mappings, "content_item_id")

        if jid is None:
            persona_filter = [Persona.workspace_id == ws]
            touchpoint_filter = [Touchpoint.workspace_id == ws]
            item_filter = [ContentItem.workspace_id == ws]
        else:
            persona_ids = {r["persona_id"] for rows in self.journey_personas.values() for r in rows}
            persona_ids |= {r["persona_id"] for rows in self.emotions.values() for r in rows}
            persona_ids |= {r["persona_id"] for r in mappings if r["persona_id"] is not None}
            touchpoint_ids = {r["touchpoint_id"] for rows in self.step_touchpoints.values() for r in rows}
            persona_filter = [Persona.workspace_id == ws, col(Persona.id).in_(persona_ids)]
            touchpoint_filter = [Touchpoint.workspace_id == ws, col(Touchpoint.id).in_(touchpoint_ids)]
            item_filter = [ContentItem.workspace_id == ws, col(ContentItem.id).in_({r["content_item_id"] for r in mappings})]
        self.personas = self.rows(Persona, *persona_filter)
        self.preferences = _by(self.rows(PersonaChannel, col(PersonaChannel.persona_id).in_([p["id"] for p in self.personas])),
                               "persona_id")
        self.touchpoints = self.rows(Touchpoint, *touchpoint_filter)
        self.content_items = self.rows(ContentItem, *item_filter)
        touchpoint_ids = [t["id"] for t in self.touchpoints]

        if jid is None:
            self.channels = self.rows(Channel, Channel.workspace_id == ws)
            self.metrics = self.rows(Metric, Metric.workspace_id == ws)
            self.kano_items = self.rows(KanoItem, KanoItem.workspace_id == ws)
            self.comments = self.rows(Comment, Comment.workspace_id == ws)
            self.activity = self.rows(ActivityEntry, ActivityEntry.workspace_id == ws)
        else:
            used = {r["channel_id"] for rows in self.preferences.values() for r in rows}
            used |= {t["channel_id"] for t in self.touchpoints if t["channel_id"] is not None}
            used |= {r["channel_id"] for r in mappings}
            self.channels = self.rows(Channel, Channel.workspace_id == ws, col(Channel.id).in_(used))
            self.metrics = self.rows(Metric, Metric.workspace_id == ws, (Metric.journey_id == jid) | col(Metric.step_id).in_(step_ids)
                                     | ((Metric.scope == "touchpoint") & col(Metric.touchpoint_id).in_(touchpoint_ids)))
            self.kano_items = self.rows(KanoItem, KanoItem.workspace_id == ws, KanoItem.journey_id == jid)
            self.comments = self.rows(Comment, Comment.workspace_id == ws,
                                      col(Comment.step_id).in_(step_ids) | col(Comment.touchpoint_id).in_(touchpoint_ids))
            self.activity = self.rows(ActivityEntry, ActivityEntry.workspace_id == ws, ActivityEntry.journey_id == jid)
        metric_ids = select(Metric.id).where(col(Metric.id).in_([m["id"] for m in self.metrics]))
        self.measurements = _by(self.rows(Measurement, col(Measurement.metric_id).in_(metric_ids),
                                          order=[Measurement.measured_on]), "metric_id")
        item_ids = [k["id"] for k in self.kano_items]
        self.answers = _by(self.rows(KanoAnswer, col(KanoAnswer.kano_item_id).in_(item_ids)), "kano_item_id")

    def assign_keys(self) -> None:
        """Keys in document order, before any object is built (references may point forward)."""
        for row in self.channels:
            self.key("channel", Channel, row["id"])
        for row in self.personas:
            self.key("persona", Persona, row["id"])
        for row in self.touchpoints:
            self.key("touchpoint", Touchpoint, row["id"])
        for journey in self.journeys:
            self.key("journey", Journey, journey["id"])
        for journey in self.journeys:
            for stage in _positioned(self.stages[journey["id"]]):
                self.key("stage", Stage, stage["id"])
                for step in _positioned(self.steps[stage["id"]]):
                    self.key("step", Step, step["id"])
                    for pain in _positioned(self.pain_points[step["id"]]):
                        self.key("pain_point", PainPoint, pain["id"])
                    for opportunity in _positioned(self.opportunities[step["id"]]):
                        self.key("opportunity", Opportunity, opportunity["id"])
            for transition in self.transitions[journey["id"]]:
                self.key("transition", Transition, transition["id"])
            for vote_round in self.rounds[journey["id"]]:
                self.key("vote_round", VoteRound, vote_round["id"])
        for row in self.content_items:
            self.key("content_item", ContentItem, row["id"])
        for row in self.metrics:
            self.key("metric", Metric, row["id"])
        for row in self.kano_items:
            self.key("kano_item", KanoItem, row["id"])
        for row in self.comments:
            self.key("comment", Comment, row["id"])
        for row in self.activity:
            self.key("activity", ActivityEntry, row["id"])

    def obj(self, part: Part, row: dict[str, Any], **extra: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if part.kind:
            found["key"] = self.keys[part.model.__tablename__][row["id"]]  # type: ignore[attr-defined]
        found.update({name: _out(row[name]) for name in part.fields})
        for name, ref in part.refs.items():
            if ref.column and not ref.many:
                target = ref.kinds[0]
                found[name] = self.ref(_MODEL_OF_KIND[target], row[ref.column])
        found.update(extra)
        return found

    def run(self) -> dict[str, Any]:
        self.load()
        self.assign_keys()
        workspace = common.get(self.session, Workspace, self.ws)
        step_part, = JOURNEY.children[0].children
        pains, opportunities, links, emotions = step_part.children
        transitions, rounds = JOURNEY.children[1], JOURNEY.children[2]
        votes, = rounds.children

        def step_obj(step: dict[str, Any]) -> dict[str, Any]:
            sid = step["id"]
            return self.obj(step_part, step,
                            pain_points=[self.obj(pains, p) for p in _positioned(self.pain_points[sid])],
                            opportunities=[self.obj(opportunities, o, addresses=[
                                k for k in (self.ref(PainPoint, a["pain_point_id"]) for a in self.addresses[o["id"]]) if k
                            ]) for o in _positioned(self.opportunities[sid])],
                            touchpoints=[self.obj(links, link) for link in self.step_touchpoints[sid]],
                            persona_emotions=[self.obj(emotions, e) for e in self.emotions[sid]])

        def vote_obj(vote: dict[str, Any]) -> dict[str, Any]:
            target = (self.ref(Step, vote["step_id"]) or self.ref(PainPoint, vote["pain_point_id"])
                      or self.ref(Opportunity, vote["opportunity_id"]))
            return self.obj(votes, vote, target=target)

        def journey_obj(journey: dict[str, Any]) -> dict[str, Any]:
            jid = journey["id"]
            attached = sorted(self.journey_personas[jid], key=lambda r: r["persona_id"])
            return self.obj(JOURNEY, journey,
                            personas=[k for k in (self.ref(Persona, r["persona_id"]) for r in attached) if k],
                            stages=[self.obj(JOURNEY.children[0], stage, steps=[
                                step_obj(step) for step in _positioned(self.steps[stage["id"]])
                            ]) for stage in _positioned(self.stages[jid])],
                            transitions=[self.obj(transitions, t) for t in self.transitions[jid]],
                            vote_rounds=[self.obj(rounds, r, votes=[vote_obj(v) for v in self.votes[r["id"]]])
                                         for r in self.rounds[jid]])

        comment_part, activity_part = PART["comments"], PART["activity"]
        return {
            "format": FORMAT,
            "version": VERSION,
            "scope": "journey" if self.journey_id else "workspace",
            "exported_at": utcnow().isoformat(timespec="seconds"),
            "workspace": {name: getattr(workspace, name) for name in WORKSPACE_FIELDS},
            "channels": [self.obj(PART["channels"], row) for row in self.channels],
            "personas": [self.obj(PART["personas"], row, channels=[
                self.obj(PART["personas"].children[0], pref) for pref in self.preferences[row["id"]]
            ]) for row in self.personas],
            "touchpoints": [self.obj(PART["touchpoints"], row) for row in self.touchpoints],
            "journeys": [journey_obj(j) for j in self.journeys],
            "content_items": [self.obj(PART["content_items"], row, mappings=[
                self.obj(PART["content_items"].children[0], m) for m in self.mappings[row["id"]]
            ]) for row in self.content_items],
            "metrics": [self.obj(PART["metrics"], row, measurements=[
                self.obj(PART["metrics"].children[0], m) for m in self.measurements[row["id"]]
            ]) for row in self.metrics],
            "kano_items": [self.obj(PART["kano_items"], row, answers=[
                self.obj(PART["kano_items"].children[0], a) for a in self.answers[row["id"]]
            ]) for row in self.kano_items],
            "comments": [self.obj(comment_part, row, target=self.ref(Step, row["step_id"]) or self.ref(Touchpoint, row["touchpoint_id"]))
                         for row in self.comments],
            "activity": [self.activity_obj(activity_part, row) for row in self.activity],
        }

    def activity_obj(self, part: Part, row: dict[str, Any]) -> dict[str, Any]:
        found = self.obj(part, row)
        table = row["entity_type"] if row["entity_type"] in ENTITY_KINDS else None
        found["entity"] = self.keys[table].get(row["entity_id"]) if table and row["entity_id"] is not None else None
        found["before"] = self.recorded_out(row["entity_type"], row["before"])
        found["after"] = self.recorded_out(row["entity_type"], row["after"])
        return found

    def table_ref(self, table: str, row_id: Any) -> dict[str, Any]:
        if table == "workspace":
            return {"$key": WORKSPACE_KEY if row_id == self.ws else None}
        return {"$key": self.keys[table].get(row_id)}

    def recorded_out(self, entity_type: str, values: Any) -> Any:
        """The values a history entry recorded, with every id written as the key of what it names ({"$key": …};
        null: not in this export). A delete snapshot's rows keep the ids they use among themselves."""
        if _is_snapshot(values):
            inside = {SNAPSHOT_PARTS[name].model.__tablename__: {r.get("id") for r in rows}  # type: ignore[attr-defined]
                      for name, rows in values.items()}
            return {name: [self.row_out(_table(SNAPSHOT_PARTS[name].model), row, inside) for row in rows]
                    for name, rows in values.items()}
        if isinstance(values, dict) and entity_type in SQLModel.metadata.tables:
            return self.row_out(entity_type, values, None)
        return values

    def row_out(self, table_name: str, row: dict[str, Any], inside: dict[str, set[Any]] | None) -> dict[str, Any]:
        result = dict(row)
        for column, target in _references(table_name).items():
            value = row.get(column)
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            if inside is not None and value in inside.get(target, ()):
                continue
            result[column] = self.table_ref(target, value)
        return result


def _is_snapshot(value: Any) -> bool:
    return (isinstance(value, dict) and bool(value) and set(value) <= set(SNAPSHOT_PARTS)
            and all(isinstance(rows, list) and all(isinstance(r, dict) for r in rows) for rows in value.values()))


@cache
def _references(table_name: str) -> dict[str, str]:
    """Column → the table it points at (its own ``id`` included, pointing at itself)."""
    table = SQLModel.metadata.tables[table_name]
    found = {"id": table_name} if "id" in table.c else {}
    for column in table.c:
        targets = {fk.column.table.name for fk in column.foreign_keys if fk.column.name == "id"}  # not composite parts
        if len(targets) == 1:
            found[column.name] = targets.pop()
    return found


_MODEL_OF_KIND: dict[str, type[SQLModel]] = {
    "channel": Channel, "persona": Persona, "touchpoint": Touchpoint, "journey": Journey, "stage": Stage, "step": Step,
    "pain_point": PainPoint, "opportunity": Opportunity, "transition": Transition, "vote_round": VoteRound,
    "content_item": ContentItem, "metric": Metric, "kano_item": KanoItem, "comment": Comment, "activity": ActivityEntry,
}


# --- reading and checking a file ------------------------------------------------------------------


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def _size(count: int, *, up: bool = True) -> str:
    """A size in MB with one decimal, rounded up (a file's size) or down (a limit), so they never look equal."""
    tenths = count / (1024 * 1024) * 10
    return f"{(math.ceil(tenths) if up else math.floor(tenths)) / 10:.1f} MB"


def parse(data: bytes | str, *, max_bytes: int = MAX_IMPORT_BYTES) -> Any:
    """The file's JSON value; ImportRefused for a file too large, empty, not UTF-8 or not (complete) JSON."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise _refuse(N_("The file is {size}; at most {limit} can be imported."), size=_size(len(raw)), limit=_size(max_bytes, up=False))
    if not raw.strip():
        raise _refuse(N_("The file is empty."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(N_("The file is not UTF-8 text, so it is no Journey Workbench export.")) from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            raise _refuse(N_("The file ends in the middle of the data (line {line}): it is incomplete, perhaps cut off "
                             "while downloading. Export it again."), line=exc.lineno) from None
        raise _refuse(N_("The file is not valid JSON: {detail} (line {line}, column {column})."),
                      detail=exc.msg, line=exc.lineno, column=exc.colno) from None
    except (ValueError, RecursionError):
        raise _refuse(N_("The file is not valid JSON: it contains values JSON does not allow (NaN, Infinity) "
                         "or is nested too deeply.")) from None


def read_document(data: bytes | str, *, max_bytes: int = MAX_IMPORT_BYTES) -> dict[str, Any]:
    """Parse and check a file completely; returns the document or raises :class:`ImportRefused`."""
    document = parse(data, max_bytes=max_bytes)
    check_header(document)
    problems = schema_problems(document)
    if not problems:
        problems = _Checker(document).run()
    if problems:
        raise ImportRefused(problems[:MAX_PROBLEMS])
    return document


def check_header(document: Any) -> None:
    """Format and version, before the schema (whose messages would not say what is wrong)."""
    if not isinstance(document, dict) or "format" not in document:
        raise _refuse(N_("This file is no Journey Workbench export: it has no “format” field."))
    if document["format"] != FORMAT:
        raise _refuse(N_("Unknown format “{found}”: this app reads “{expected}” files."),
                      found=str(document["format"])[:80], expected=FORMAT)
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _refuse(N_("Unknown format version “{found}”: this app reads version {supported}."),
                      found=str(version)[:40], supported=VERSION)
    if version > VERSION:
        raise _refuse(N_("The file was written by a newer Journey Workbench (format version {found}); this app reads "
                         "version {supported}. Update the app, or export from the newer one in the older format."),
                      found=version, supported=VERSION)


def where(document: Any, path: Iterable[Any]) -> str:
    """A readable place in the document: ``journeys #2 “Sommerurlaub” › stages #1 “Awareness” › emotion``."""
    parts: list[str] = []
    node = document
    for step in path:
        if isinstance(step, int) and isinstance(node, list):
            node = node[step] if step < len(node) else None
            label = next((node[k] for k in ("name", "title", "text", "key") if isinstance(node, dict)
                          and isinstance(node.get(k), str)), None)
            parts[-1] = f"{parts[-1] if parts else ''} #{step + 1}" + (f" “{label[:60]}”" if label else "")
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return " › ".join(parts)


def _schema_problem(document: dict[str, Any], error: SchemaError) -> Problem:
    place = where(document, error.absolute_path)
    value = error.instance
    shown = json.dumps(value, ensure_ascii=False)[:60] if not isinstance(value, dict | list) else type(value).__name__
    kind = error.validator
    if kind == "type":
        expected = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        return Problem(place, DomainError(N_("Expected {expected}, found {value}."), expected=expected, value=shown))
    if kind in ("minimum", "maximum", "exclusiveMinimum"):
        schema = error.schema
        low, high = schema.get("minimum", schema.get("exclusiveMinimum")), schema.get("maximum")
        if low is not None and high is not None:
            return Problem(place, DomainError(N_("{value} is out of range: allowed are {low} to {high}."),
                                              value=shown, low=low, high=high))
        if high is None:
            return Problem(place, DomainError(N_("{value} is too small: at least {low}."), value=shown, low=low))
        return Problem(place, DomainError(N_("{value} is too large: at most {high}."), value=shown, high=high))
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return Problem(place, DomainError(N_("The field “{name}” is missing."), name=missing))
    if kind == "additionalProperties":
        extra = sorted(set(value) - set(error.schema.get("properties", {}))) if isinstance(value, dict) else []
        return Problem(place, DomainError(N_("Unknown field(s): {names}."), names=", ".join(extra)))
    if kind == "enum":
        allowed = ", ".join("null" if v is None else (v or "“”") for v in error.validator_value)
        return Problem(place, DomainError(N_("{value} is not allowed here: use one of {allowed}."), value=shown, allowed=allowed))
    if kind == "maxLength":
        return Problem(place, DomainError(N_("The text is too long: at most {max} characters."), max=error.validator_value))
    if kind == "minLength":
        return Problem(place, DomainError(N_("This must not be empty.")))
    if kind == "pattern":
        return Problem(place, DomainError(N_("{value} is no valid key: letters, digits and . _ : - only."), value=shown))
    if kind == "format":
        return Problem(place, DomainError(N_("{value} is not a valid {format}."), value=shown, format=error.validator_value))
    if kind == "const":
        return Problem(place, DomainError(N_("Expected {expected}, found {value}."), expected=error.validator_value, value=shown))
    return Problem(place, DomainError(N_("Invalid value: {detail}."), detail=error.message[:200]))


def schema_problems(document: dict[str, Any]) -> list[Problem]:
    errors = sorted(_validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [_schema_problem(document, e) for e in errors[:MAX_PROBLEMS]]


@dataclass
class _Entity:
    kind: str
    path: tuple[Any, ...]
    obj: dict[str, Any]
    journey: str | None = None  # the key of the journey it is in (stages, steps, items on steps)


class _Checker:
    """References and names: what a schema cannot say."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.doc = document
        self.entities: dict[str, _Entity] = {}
        self.problems: list[Problem] = []

    def problem(self, path: Iterable[Any], message: str, **params: Any) -> None:
        self.problems.append(Problem(where(self.doc, path), DomainError(message, **params)))

    def run(self) -> list[Problem]:
        for path, part, obj, journey in _objects(self.doc):
            if not part.kind:
                continue
            key = obj["key"]
            if key in self.entities:
                self.problem((*path, "key"), N_("The key “{key}” is used twice (first at {other})."),
                             key=key, other=where(self.doc, self.entities[key].path))
            else:
                self.entities[key] = _Entity(part.kind, path, obj, journey)
        if self.problems:
            return self.problems
        self.check_names()
        for path, part, obj, journey in _objects(self.doc):
            self.check_refs(path, part, obj, journey)
            self.check_object(path, part, obj)
        return self.problems

    def check_names(self) -> None:
        for name, (_model, column) in NAMED.items():
            seen: dict[str, int] = {}
            for index, obj in enumerate(self.doc.get(name, [])):
                value = obj[column].strip()
                if value in seen:
                    self.problem((name, index, column), N_("The name “{name}” appears twice in {list} (also no. {other})."),
                                 name=value, list=name, other=seen[value] + 1)
                seen.setdefault(value, index)

    def target(self, path: tuple[Any, ...], name: str, key: Any, kinds: tuple[str, ...], journey: str | None) -> None:
        if key is None:
            return
        entity = self.entities.get(key)
        if entity is None:
            self.problem((*path, name), N_("“{key}” refers to nothing in the file."), key=key)
        elif kinds and entity.kind not in kinds:
            self.problem((*path, name), N_("“{key}” is a {found}, but a {expected} is needed here."),
                         key=key, found=entity.kind, expected=" / ".join(kinds))
        elif journey and entity.journey and entity.journey != journey and name in ("from", "to", "target"):
            self.problem((*path, name), N_("“{key}” belongs to another journey."), key=key)

    def check_refs(self, path: tuple[Any, ...], part: Part, obj: dict[str, Any], journey: str | None) -> None:
        for name, ref in part.refs.items():
            value = obj.get(name)
            for key in (value or []) if ref.many else [value]:
                self.target(path, name, key, ref.kinds, journey)

    def check_object(self, path: tuple[Any, ...], part: Part, obj: dict[str, Any]) -> None:  # noqa: C901 - a list of rules
        name = part.name
        if part is PART["personas"]:
            self.unique(path, obj.get("channels", []), "channels", lambda c: c["channel"], N_("The channel “{value}” is listed twice."))
            if obj.get("avatar_image"):
                try:
                    personas.validate_avatar(base64.b64decode(obj["avatar_image"], validate=True))
                except (binascii.Error, ValueError):
                    self.problem((*path, "avatar_image"), N_("The avatar image is not valid base64."))
                except DomainError as exc:
                    self.problems.append(Problem(where(self.doc, (*path, "avatar_image")), exc))
        elif part is JOURNEY:
            if obj.get("next_journey") is not None and obj.get("next_journey") == obj["key"]:
                self.problem((*path, "next_journey"), N_("A journey cannot lead into itself."))
            self.unique(path, obj.get("transitions", []), "transitions", lambda t: (t["from"], t["to"]),
                        N_("The transition {value} appears twice."))
            for index, transition in enumerate(obj.get("transitions", [])):
                if transition["from"] == transition["to"]:
                    self.problem((*path, "transitions", index), N_("A transition cannot lead from a step to itself."))
        elif name == "steps":
            self.unique(path, obj.get("touchpoints", []), "touchpoints", lambda t: t["touchpoint"],
                        N_("The touchpoint “{value}” is attached twice."))
            self.unique(path, obj.get("persona_emotions", []), "persona_emotions", lambda e: e["persona"],
                        N_("The persona “{value}” has two scores here."))
        elif part is PART["content_items"]:
            self.unique(path, obj.get("mappings", []), "mappings", lambda m: (m.get("persona"), m["stage"], m["channel"]),
                        N_("The mapping {value} appears twice."))
        elif part is PART["metrics"]:
            self.unique(path, obj.get("measurements", []), "measurements", lambda m: m["measured_on"],
                        N_("Two measurements on {value}."))
            self.check_scope(path, obj)
        elif part is PART["activity"]:
            kind = ENTITY_KINDS.get(obj["entity_type"])
            entity = self.entities.get(obj.get("entity"))
            if kind and entity is not None and entity.kind != kind:
                self.problem((*path, "entity"), N_("“{key}” is a {found}, but a {expected} is needed here."),
                             key=obj["entity"], found=entity.kind, expected=kind)
        for name in DATE_FIELDS.get(part.model, ()):
            value = obj.get(name)
            try:
                if isinstance(value, str):
                    (datetime if name != "measured_on" else date).fromisoformat(value)
            except ValueError:
                self.problem((*path, name), N_("{value} is not a valid {format}."), value=value[:40],
                             format="date" if name == "measured_on" else "date-time")

    def check_scope(self, path: tuple[Any, ...], metric: dict[str, Any]) -> None:
        scope = metric.get("scope", "workspace")
        needed = {"journey": "journey", "step": "step", "touchpoint": "touchpoint"}.get(scope)
        if needed and metric.get(needed) is None:
            self.problem((*path, needed), N_("A metric of scope “{scope}” needs its {what}."), scope=scope, what=needed)
        forbidden = {"workspace": ("journey", "step", "touchpoint"), "journey": ("step", "touchpoint"),
                     "step": ("touchpoint",), "touchpoint": ("step",)}.get(scope, ())
        for other in forbidden:
            if metric.get(other) is not None:
                self.problem((*path, other), N_("A metric of scope “{scope}” cannot name a {what}."), scope=scope, what=other)

    def unique(self, path: tuple[Any, ...], rows: list[dict[str, Any]], name: str, key: Any, message: str) -> None:
        seen: set[Any] = set()
        for index, row in enumerate(rows):
            value = key(row)
            if value in seen:
                shown = " → ".join(str(v) for v in value) if isinstance(value, tuple) else value
                self.problem((*path, name, index), message, value=shown)
            seen.add(value)


def _objects(document: dict[str, Any]) -> Iterator[tuple[tuple[Any, ...], Part, dict[str, Any], str | None]]:
    """Every object of every list: (path, part, object, key of the journey it is in)."""

    def visit(part: Part, rows: list[dict[str, Any]], path: tuple[Any, ...], journey: str | None) -> Iterator[Any]:
        for index, obj in enumerate(rows):
            here = (*path, index)
            inside = obj["key"] if part is JOURNEY else journey
            yield here, part, obj, inside
            for child in part.children:
                yield from visit(child, obj.get(child.name, []), (*here, child.name), inside)

    for part in PARTS:
        yield from visit(part, document.get(part.name, []), (part.name,), None)


# --- planning an import ---------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import will do. ``counts``: list name → {"create": n, "replace": n}; ``renamed``: (list, old, new);
    ``removed``: what goes along with replaced entities (label → count)."""

    document: dict[str, Any]
    target_workspace_id: int | None
    mode: str
    workspace_name: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)
    matched: dict[str, dict[str, int]] = field(default_factory=dict)  # list → name → existing id (replace / channels)
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # list → key → the name it will have

    @property
    def scope(self) -> str:
        return self.document["scope"]


def _table(model: type[SQLModel]) -> str:
    return model.__tablename__  # type: ignore[attr-defined, return-value]


def _count_rows(document: dict[str, Any]) -> dict[str, int]:
    """Rows per table the document holds (the journeys' persona lists and opportunities' links included)."""
    counts: Counter[str] = Counter({_table(model): 0 for model, _column in NAMED.values()})
    for _path, part, _obj, _journey in _objects(document):
        counts[_table(part.model)] += 1
    counts["opportunity_pain_point"] = sum(len(o.get("addresses", [])) for _p, part, o, _j in _objects(document)
                                           if part.name == "opportunities")
    counts["journey_persona"] = sum(len(j.get("personas", [])) for j in document.get("journeys", []))
    return dict(counts)


def _suffixed(name: str, taken: set[str], max_length: int) -> str:
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = name[: max_length - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def plan_import(
    session: Session, data: bytes | str | dict[str, Any], *, workspace_id: int | None = None, mode: str = COPY,
    workspace_name: str | None = None, max_bytes: int = MAX_IMPORT_BYTES,
) -> ImportPlan:
    """Check the file and say what importing it would do; writes nothing.

    ``workspace_id`` None: into a new workspace named ``workspace_name`` (default: the file's, made unique).
    Else into that workspace with ``mode`` ``copy`` or ``replace``.
    """
    document = data if isinstance(data, dict) else read_document(data, max_bytes=max_bytes)
    if workspace_id is None:
        base = (workspace_name or document["workspace"]["name"]).strip()
        name = base if workspace_name else workspaces.unique_name(session, base)
        plan = ImportPlan(document, None, NEW, name)
    else:
        if mode not in MODES:
            raise DomainError(N_("Choose whether to add copies or to replace by name."), field="mode")
        plan = ImportPlan(document, workspace_id, mode, common.get(session, Workspace, workspace_id).name)
    for list_name, (_model, column) in NAMED.items():
        plan.names[list_name] = {obj["key"]: obj[column].strip() for obj in document.get(list_name, [])}
        plan.matched[list_name] = {}
    _match_existing(session, plan)
    named_tables = {_table(model): list_name for list_name, (model, _c) in NAMED.items()}
    for table, count in _count_rows(document).items():
        matched = len(plan.matched.get(named_tables.get(table, ""), {}))
        if table == "channel" and plan.mode != REPLACE:
            plan.counts[table] = {"create": count - matched, "replace": 0, "reuse": matched}
        else:
            plan.counts[table] = {"create": count - matched, "replace": matched}
    if plan.mode != NEW:
        plan.counts.pop("activity_entry", None)
    if plan.mode == REPLACE:
        plan.removed = _removed_along(session, plan)
    return plan


def _match_existing(session: Session, plan: ImportPlan) -> None:
    """Channels by name (always); in replace mode the named entities by name; in copy mode the names to change."""
    if plan.target_workspace_id is None:
        if plan.scope == "journey":  # the new workspace starts with the standard channels: use them
            defaults = {name for name, _online, _category in DEFAULT_CHANNELS}
            plan.matched["channels"] = {n: 0 for n in plan.names["channels"].values() if n in defaults}
        return
    for list_name, (model, column) in NAMED.items():
        existing = dict(session.execute(
            select(getattr(model, column), model.id).where(model.workspace_id == plan.target_workspace_id)  # type: ignore[attr-defined]
        ).all())
        names = plan.names[list_name]
        if list_name == "channels" or plan.mode == REPLACE:
            plan.matched[list_name] = {n: existing[n] for n in names.values() if n in existing}
            continue
        taken = set(existing) | set(names.values())
        max_length = _max_length(model, column)
        for key, name in names.items():
            if name in existing:
                names[key] = _suffixed(name, taken, max_length)
                taken.add(names[key])
                plan.renamed.append((list_name, name, names[key]))


def _max_length(model: type[SQLModel], column: str) -> int:
    for meta in model.model_fields[column].metadata:
        if hasattr(meta, "max_length"):
            return meta.max_length
    return 200


def _removed_along(session: Session, plan: ImportPlan) -> dict[str, int]:
    """What a replace takes away besides the replaced rows' own content (stages, steps …)."""
    journey_ids = list(plan.matched["journeys"].values())
    step_ids = select(Step.id).where(col(Step.journey_id).in_(journey_ids))
    stage_ids = select(Stage.id).where(col(Stage.journey_id).in_(journey_ids))
    replaced_items = list(plan.matched["content_items"].values())
    doc_metrics = set(plan.names["metrics"].values())
    counts = {
        "stages": session.execute(select(func.count()).select_from(Stage).where(col(Stage.journey_id).in_(journey_ids))).scalar_one(),
        "steps": session.execute(select(func.count()).select_from(Step).where(col(Step.journey_id).in_(journey_ids))).scalar_one(),
        "comments": session.execute(select(func.count()).select_from(Comment).where(col(Comment.step_id).in_(step_ids))).scalar_one(),
        "content_mappings": session.execute(select(func.count()).select_from(ContentMapping).where(
            col(ContentMapping.stage_id).in_(stage_ids), col(ContentMapping.content_item_id).not_in(replaced_items))).scalar_one(),
        "metrics": session.execute(select(func.count()).select_from(Metric).where(
            col(Metric.step_id).in_(step_ids), col(Metric.name).not_in(doc_metrics))).scalar_one(),
        "measurements": session.execute(select(func.count()).select_from(Measurement).where(
            col(Measurement.metric_id).in_(list(plan.matched["metrics"].values())))).scalar_one(),
        "kano_answers": session.execute(select(func.count()).select_from(KanoAnswer).where(
            col(KanoAnswer.kano_item_id).in_(list(plan.matched["kano_items"].values())))).scalar_one(),
    }
    return {label: int(count) for label, count in counts.items() if count}


# --- writing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    workspace_id: int
    plan: ImportPlan


def import_document(
    session: Session, data: bytes | str | dict[str, Any], *, workspace_id: int | None = None, mode: str = COPY,
    workspace_name: str | None = None, actor: str = "", max_bytes: int = MAX_IMPORT_BYTES,
) -> ImportResult:
    """Check the file again (the preview may be stale) and write it in the caller's transaction.

    Raises :class:`ImportRefused` (bad file) or DomainError (e.g. the workspace name is taken); the caller's
    ``write_session`` then rolls everything back.
    """
    plan = plan_import(session, data, workspace_id=workspace_id, mode=mode, workspace_name=workspace_name, max_bytes=max_bytes)
    writer = _Writer(session, plan)
    try:
        writer.run()
    except IntegrityError as exc:  # a rule the checks above missed: refused by the database, rolled back by the caller
        raise common.integrity_error(exc) from exc
    if plan.mode != NEW:
        collaboration.record(session, writer.ws, actor, "import", "workspace", writer.ws,
                             _summary(plan), None, {"counts": plan.counts, "mode": plan.mode})
    workspaces.bump_revision(session, writer.ws)
    return ImportResult(writer.ws, plan)


def _summary(plan: ImportPlan) -> str:
    created = sum(c.get("create", 0) for c in plan.counts.values())
    replaced = sum(c.get("replace", 0) for c in plan.counts.values())
    return f"Import ({plan.mode}): {created} created, {replaced} replaced"


class _Writer:
    def __init__(self, session: Session, plan: ImportPlan) -> None:
        self.session = session
        self.plan = plan
        self.doc = plan.document
        self.ids: dict[str, int] = {}  # key → new id
        self.now = utcnow()
        self.ws = plan.target_workspace_id or 0
        self.kinds = {obj["key"]: part.kind for _p, part, obj, _j in _objects(self.doc) if part.kind}

    # -- helpers --

    def insert(self, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(model.__table__), rows)  # type: ignore[attr-defined]

    def insert_keyed(self, model: type[SQLModel], rows: list[dict[str, Any]], keys: list[str], by: tuple[str, ...]) -> None:
        """Insert in one statement and remember each key's new id, matched by ``by`` (unique among ``rows``)."""
        if not rows:
            return
        table = model.__table__  # type: ignore[attr-defined]
        result = self.session.execute(insert(table).returning(table.c.id, *(table.c[c] for c in by)), rows)
        new = {tuple(found): row_id for row_id, *found in result.all()}
        for key, row in zip(keys, rows, strict=True):
            self.ids[key] = new[tuple(row[c] for c in by)]

    def insert_one(self, model: type[SQLModel], row: dict[str, Any], key: str) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        self.ids[key] = self.session.execute(insert(table).values(**row).returning(table.c.id)).scalar_one()

    def overwrite(self, model: type[SQLModel], row_id: int, values: dict[str, Any]) -> None:
        table = model.__table__  # type: ignore[attr-defined]
        self.session.execute(update(table).where(table.c.id == row_id).values(
            **values, version=table.c.version + 1, updated_at=self.now))

    def id(self, key: str | None) -> int | None:
        return None if key is None else self.ids[key]

    def upsert(self, list_name: str, rows: list[tuple[str, dict[str, Any]]], by: tuple[str, ...]) -> list[int]:
        """Named entities: overwrite the matched ones (replace), insert the others; returns the overwritten ids."""
        model, column = NAMED[list_name]
        matched = self.plan.matched.get(list_name, {})
        fresh, fresh_keys, replaced = [], [], []
        for key, values in rows:
            values[column] = self.plan.names[list_name][key]
            existing = matched.get(values[column])
            if existing is not None:
                if existing == 0:  # a standard channel of the new workspace, looked up by name now
                    existing = self.session.execute(select(Channel.id).where(
                        Channel.workspace_id == self.ws, Channel.name == values[column])).scalar_one()
                elif self.plan.mode == REPLACE:
                    self.overwrite(model, existing, {k: v for k, v in values.items() if k != "workspace_id"})
                    replaced.append(existing)
                self.ids[key] = existing
            else:
                fresh.append(values)
                fresh_keys.append(key)
        self.insert_keyed(model, fresh, fresh_keys, by)
        return replaced

    # -- the import, table by table --

    def run(self) -> None:
        plan = self.plan
        if plan.mode == NEW:
            self.new_workspace()
        self.channels()
        self.personas()
        self.touchpoints()
        self.journeys()
        self.content()
        self.metrics()
        self.kano()
        self.comments()
        if plan.mode == NEW:
            self.activity()

    def new_workspace(self) -> None:
        """Written with Core, like the rest: the new workspace's history is the file's, nothing else."""
        values = common.validate(Workspace, {"name": self.plan.workspace_name,
                                             "description": self.doc["workspace"].get("description", "")})
        table = Workspace.__table__  # type: ignore[attr-defined]
        if self.session.execute(select(table.c.id).where(table.c.name == values.name)).first() is not None:
            raise DomainError(N_("A workspace with this name already exists."), field="name")
        self.ws = self.session.execute(insert(table).values(name=values.name, description=values.description)
                                       .returning(table.c.id)).scalar_one()
        if self.plan.scope == "journey":  # the standard channels, as a new workspace has them
            self.insert(Channel, [{"workspace_id": self.ws, "name": name, "is_online": online, "category": category}
                                  for name, online, category in DEFAULT_CHANNELS])

    def channels(self) -> None:
        part = PART["channels"]
        self.upsert("channels", [(o["key"], {**_values(part, o), "workspace_id": self.ws}) for o in self.doc["channels"]],
                    ("name",))

    def personas(self) -> None:
        part = PART["personas"]
        objs = self.doc.get("personas", [])
        replaced = self.upsert("personas", [(o["key"], {**_values(part, o), "workspace_id": self.ws}) for o in objs], ("name",))
        if replaced:
            self.session.execute(delete(PersonaChannel).where(col(PersonaChannel.persona_id).in_(replaced)))
        prefs = part.children[0]
        self.insert(PersonaChannel, [
            {**_values(prefs, pref), "workspace_id": self.ws, "persona_id": self.ids[o["key"]], "channel_id": self.ids[pref["channel"]]}
            for o in objs for pref in o.get("channels", [])
        ])

    def touchpoints(self) -> None:
        part = PART["touchpoints"]
        replaced = self.upsert("touchpoints", [
            (o["key"], {**_values(part, o), "workspace_id": self.ws, "channel_id": self.id(o.get("channel"))})
            for o in self.doc.get("touchpoints", [])
        ], ("name",))
        if replaced:  # their comments come from the file
            self.session.execute(delete(Comment).where(col(Comment.touchpoint_id).in_(replaced)))

    def journeys(self) -> None:
        objs = self.doc.get("journeys", [])
        replaced = self.upsert("journeys", [(o["key"], {**_values(JOURNEY, o), "workspace_id": self.ws}) for o in objs], ("name",))
        if replaced:
            # Steps first: a stage that still holds steps cannot be deleted (NO ACTION). The database's cascades
            # take the rows hanging on them (items, links, transitions, votes, comments, step metrics, mappings).
            self.session.execute(delete(Step).where(col(Step.journey_id).in_(replaced)))
            self.session.execute(delete(Stage).where(col(Stage.journey_id).in_(replaced)))
            self.session.execute(delete(JourneyPersona).where(col(JourneyPersona.journey_id).in_(replaced)))
            self.session.execute(delete(VoteRound).where(col(VoteRound.journey_id).in_(replaced)))
        for o in objs:
            links = {"next_journey_id": self.id(o.get("next_journey")), "origin_journey_id": self.id(o.get("origin_journey"))}
            if self.plan.scope == "journey":  # null there means "not in the file", not "none": keep what is stored
                links = {column: value for column, value in links.items() if value is not None}
            if links and (any(v is not None for v in links.values()) or self.ids[o["key"]] in replaced):
                journey_table = Journey.__table__  # type: ignore[attr-defined]
                self.session.execute(update(journey_table).where(journey_table.c.id == self.ids[o["key"]]).values(**links))
        self.insert(JourneyPersona, [
            {"journey_id": self.ids[o["key"]], "persona_id": self.ids[p], "workspace_id": self.ws}
            for o in objs for p in o.get("personas", [])
        ])
        stage_part, = [JOURNEY.children[0]]
        step_part = stage_part.children[0]
        pains, opportunities, links_part, emotions = step_part.children
        stages, stage_keys, steps, step_keys = [], [], [], []
        for o in objs:
            for position, stage in enumerate(o.get("stages", [])):
                stages.append({**_values(stage_part, stage), "journey_id": self.ids[o["key"]], "position": position})
                stage_keys.append(stage["key"])
        self.insert_keyed(Stage, stages, stage_keys, ("journey_id", "position"))
        for o in objs:
            for stage in o.get("stages", []):
                for position, step in enumerate(stage.get("steps", [])):
                    steps.append({**_values(step_part, step), "journey_id": self.ids[o["key"]],
                                  "stage_id": self.ids[stage["key"]], "position": position})
                    step_keys.append(step["key"])
        self.insert_keyed(Step, steps, step_keys, ("stage_id", "position"))
        all_steps = [step for o in objs for stage in o.get("stages", []) for step in stage.get("steps", [])]
        for part, model in ((pains, PainPoint), (opportunities, Opportunity)):
            rows, keys = [], []
            for step in all_steps:
                for position, item in enumerate(step.get(part.name, [])):
                    rows.append({**_values(part, item), "step_id": self.ids[step["key"]], "position": position})
                    keys.append(item["key"])
            self.insert_keyed(model, rows, keys, ("step_id", "position"))
        self.insert(OpportunityPainPoint, [
            {"opportunity_id": self.ids[item["key"]], "pain_point_id": self.ids[pain]}
            for step in all_steps for item in step.get("opportunities", []) for pain in item.get("addresses", [])
        ])
        self.insert(StepTouchpoint, [
            {**_values(links_part, link), "step_id": self.ids[step["key"]], "touchpoint_id": self.ids[link["touchpoint"]]}
            for step in all_steps for link in step.get("touchpoints", [])
        ])
        self.insert(StepPersonaEmotion, [
            {**_values(emotions, e), "step_id": self.ids[step["key"]], "persona_id": self.ids[e["persona"]]}
            for step in all_steps for e in step.get("persona_emotions", [])
        ])
        transition_part, round_part = JOURNEY.children[1], JOURNEY.children[2]
        rows, keys = [], []
        for o in objs:
            for t in o.get("transitions", []):
                rows.append({**_values(transition_part, t), "journey_id": self.ids[o["key"]],
                             "source_step_id": self.ids[t["from"]], "target_step_id": self.ids[t["to"]]})
                keys.append(t["key"])
        self.insert_keyed(Transition, rows, keys, ("source_step_id", "target_step_id"))
        votes = []
        for o in objs:
            for vote_round in o.get("vote_rounds", []):
                self.insert_one(VoteRound, {**_values(round_part, vote_round), "journey_id": self.ids[o["key"]]}, vote_round["key"])
                for vote in vote_round.get("votes", []):
                    kind = {"step": "step_id", "pain_point": "pain_point_id", "opportunity": "opportunity_id"}[
                        self.kinds[vote["target"]]]
                    votes.append({**_values(round_part.children[0], vote), "round_id": self.ids[vote_round["key"]],
                                  "step_id": None, "pain_point_id": None, "opportunity_id": None,
                                  kind: self.ids[vote["target"]]})
        self.insert(Vote, votes)

    def content(self) -> None:
        part = PART["content_items"]
        objs = self.doc.get("content_items", [])
        replaced = self.upsert("content_items", [(o["key"], {**_values(part, o), "workspace_id": self.ws}) for o in objs], ("title",))
        if replaced:
            self.session.execute(delete(ContentMapping).where(col(ContentMapping.content_item_id).in_(replaced)))
        mapping = part.children[0]
        self.insert(ContentMapping, [
            {**_values(mapping, m), "workspace_id": self.ws, "content_item_id": self.ids[o["key"]],
             "persona_id": self.id(m.get("persona")), "stage_id": self.ids[m["stage"]], "channel_id": self.ids[m["channel"]]}
            for o in objs for m in o.get("mappings", [])
        ])

    def metrics(self) -> None:
        part = PART["metrics"]
        objs = self.doc.get("metrics", [])
        if self.plan.mode == REPLACE:  # a step metric may have gone with its replaced step
            names = list(self.plan.matched["metrics"])
            still = set(self.session.execute(
                select(Metric.name).where(Metric.workspace_id == self.ws, col(Metric.name).in_(names))).scalars())
            self.plan.matched["metrics"] = {n: i for n, i in self.plan.matched["metrics"].items() if n in still}
        replaced = self.upsert("metrics", [
            (o["key"], {**_values(part, o), "workspace_id": self.ws, "journey_id": self.id(o.get("journey")),
                        "step_id": self.id(o.get("step")), "touchpoint_id": self.id(o.get("touchpoint"))})
            for o in objs
        ], ("name",))
        if replaced:
            self.session.execute(delete(Measurement).where(col(Measurement.metric_id).in_(replaced)))
        measurement = part.children[0]
        self.insert(Measurement, [
            {**_values(measurement, m), "metric_id": self.ids[o["key"]]} for o in objs for m in o.get("measurements", [])
        ])

    def kano(self) -> None:
        part = PART["kano_items"]
        objs = self.doc.get("kano_items", [])
        replaced = self.upsert("kano_items", [
            (o["key"], {**_values(part, o), "workspace_id": self.ws, "journey_id": self.id(o.get("journey"))}) for o in objs
        ], ("name",))
        if replaced:
            self.session.execute(delete(KanoAnswer).where(col(KanoAnswer.kano_item_id).in_(replaced)))
        answer = part.children[0]
        self.insert(KanoAnswer, [
            {**_values(answer, a), "kano_item_id": self.ids[o["key"]]} for o in objs for a in o.get("answers", [])
        ])

    def comments(self) -> None:
        part = PART["comments"]
        for o in self.doc.get("comments", []):
            target = "step_id" if self.kinds[o["target"]] == "step" else "touchpoint_id"
            values = {**_values(part, o), "workspace_id": self.ws, "step_id": None, "touchpoint_id": None,
                      target: self.ids[o["target"]]}
            values["created_at"] = values["created_at"] or self.now
            values["updated_at"] = values["created_at"]
            self.insert_one(Comment, values, o["key"])

    def activity(self) -> None:
        """The history, into the new workspace only: one ``executemany``; the new ids are read back in id order
        (nobody else can write to a workspace this transaction has just created), then the references among
        the entries themselves (an undo names the entry it took back) are set."""
        part = PART["activity"]
        objs = self.doc.get("activity", [])
        if not objs:
            return
        table = ActivityEntry.__table__  # type: ignore[attr-defined]
        rows = []
        for o in objs:
            values = {**_values(part, o), "workspace_id": self.ws, "journey_id": self.id(o.get("journey")), "reverts_id": None,
                      "entity_id": self.ids.get(o["entity"]) if o.get("entity") else None,
                      "before": self.recorded_in(o.get("before")), "after": self.recorded_in(o.get("after"))}
            values["at"] = values["at"] or self.now
            rows.append({k: v for k, v in values.items() if k in table.c})
        self.insert(ActivityEntry, rows)
        new_ids = self.session.execute(select(table.c.id).where(table.c.workspace_id == self.ws).order_by(table.c.id)).scalars().all()
        self.ids.update(zip([o["key"] for o in objs], new_ids, strict=True))
        links = [{"b_id": self.ids[o["key"]], "b_reverts": self.ids[o["reverts"]] if o.get("reverts") else None,
                  "b_entity": self.ids.get(o["entity"]) if o.get("entity") else None}
                 for o in objs if o.get("reverts") or (o.get("entity") and self.kinds.get(o["entity"]) == "activity")]
        if links and "reverts_id" in table.c:
            self.session.execute(update(table).where(table.c.id == bindparam("b_id")).values(
                reverts_id=bindparam("b_reverts"), entity_id=bindparam("b_entity")), links)

    def recorded_in(self, values: Any) -> Any:
        """Keys in recorded values back to this workspace's ids; a key of nothing to an id that matches no row."""
        if isinstance(values, dict):
            if set(values) == {"$key"}:
                key = values["$key"]
                return self.ws if key == WORKSPACE_KEY else self.ids.get(key, MISSING_ID) if key else MISSING_ID
            return {name: self.recorded_in(value) for name, value in values.items()}
        if isinstance(values, list):
            return [self.recorded_in(value) for value in values]
        return values
