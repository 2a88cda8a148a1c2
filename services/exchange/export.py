"""Export a workspace (or one journey with what it uses) as one JSON document.

:func:`export_workspace` / :func:`export_journey` read a fixed number of queries (one per table,
whatever the size) and give every entity a key in document order (``"step-17"``). Rows are listed
by position, then by id, so an export of an import lists everything in the same order again: the
round trip gives the same document apart from ``exported_at``.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import select
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
from services import core
from services.core import table_rows
from services.exchange.document import PART, SNAPSHOT_PARTS, WORKSPACE_KEY, _out
from services.exchange.format import (
    ENTITY_KINDS,
    FORMAT,
    JOURNEY,
    VERSION,
    WORKSPACE_FIELDS,
    Part,
)
from services.exchange.plan import _table

# --- export ---------------------------------------------------------------------------------------


def export_workspace(session: Session, workspace_id: int) -> dict[str, Any]:
    """The whole workspace as one document (``scope: workspace``)."""
    return _Export(session, workspace_id, None).run()


def export_journey(session: Session, workspace_id: int, journey_id: int) -> dict[str, Any]:
    """One journey with what it uses (``scope: journey``): its personas, touchpoints, the channels they name,
    the content mapped to its stages, its metrics (journey, step, and its touchpoints'), Kano items, comments
    and history. References to things outside it (the journey it leads into …) are left empty."""
    core.get(session, Journey, journey_id, workspace_id)
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
        workspace = core.get(self.session, Workspace, self.ws)
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
