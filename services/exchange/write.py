"""Writing an import in the caller's unit of work: all or nothing.

Into a NEW workspace everything is created, the history included. Into an EXISTING workspace
``copy`` adds everything as new rows (a taken name gets a suffix; channels are matched by name),
``replace`` overwrites entities of the same name. Ids are never taken from the file.

- ``replace``: an entity with the same name (persona, touchpoint, journey, content item, metric,
  Kano item, channel) is overwritten in place — it keeps its id, so links from outside the file
  stay — and what it owns is replaced by the file's: a persona's channel list, a journey's
  stages, steps and branches, a content item's mappings, a metric's measurements, a Kano item's
  answers. Rows of the workspace that hang on a replaced journey's old steps or stages
  (comments, step metrics, content mappings) go with them; the preview counts them.

The history is only imported into a new workspace; an import into an existing one writes one
history entry of its own. Rows are written with SQLAlchemy Core (one ``executemany`` per table),
not the ORM: a large workspace imports in seconds, and the import does not log one history
entry per row.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col

from models import (
    ActivityEntry,
    Channel,
    Comment,
    ContentMapping,
    Journey,
    JourneyPersona,
    KanoAnswer,
    Measurement,
    Metric,
    Opportunity,
    OpportunityPainPoint,
    PainPoint,
    PersonaChannel,
    Stage,
    Step,
    StepPersonaEmotion,
    StepTouchpoint,
    Transition,
    Vote,
    VoteRound,
    Workspace,
)
from models.base import utcnow
from services import accounts, audit, core, workspaces
from services.core import N_, DomainError
from services.exchange.check import _objects
from services.exchange.document import COPY, MAX_IMPORT_BYTES, MISSING_ID, NAMED, NEW, PART, REPLACE, WORKSPACE_KEY, _values
from services.exchange.format import (
    JOURNEY,
)
from services.exchange.plan import ImportPlan, plan_import
from services.workspaces import DEFAULT_CHANNELS

# --- writing --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    workspace_id: int
    plan: ImportPlan


def import_document(
    session: Session, data: bytes | str | dict[str, Any], *, workspace_id: int | None = None, mode: str = COPY,
    workspace_name: str | None = None, actor: str = "", max_bytes: int = MAX_IMPORT_BYTES,
) -> ImportResult:
    """Plan again (the preview may be stale: names taken meanwhile) and write it in the caller's transaction.

    ``data`` is the file, or the document :func:`read_document` returned for it (a page keeps that from its
    preview, so a large file is not read and checked twice); the plan always runs here, inside the transaction.

    Raises :class:`~services.core.Problems` (bad file) or DomainError (e.g. the workspace name is taken); the caller's
    unit of work then rolls everything back. Replacing by name is for the workspace's admins.
    """
    if workspace_id is not None and mode == REPLACE:
        core.require_role(session, workspace_id, "admin")
    plan = plan_import(session, data, workspace_id=workspace_id, mode=mode, workspace_name=workspace_name, max_bytes=max_bytes)
    writer = _Writer(session, plan)
    try:
        writer.run()
    except IntegrityError as exc:  # a rule the checks above missed: refused by the database, rolled back by the caller
        raise core.integrity_error(exc) from exc
    if plan.mode != NEW:
        audit.record(session, writer.ws, actor, "import", "workspace", writer.ws,
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
        """Many rows of one table at once. Rows that give every column but the id and the audited defaults go
        through ``core.fast_insert`` (one prepared statement, no per-row work left for SQLAlchemy, the role
        checked there): about half of a large import's write was SQLAlchemy's parameter processing."""
        if not rows:
            return
        table = model.__table__  # type: ignore[attr-defined]
        given = list(rows[0])
        defaults = {"created_at": self.now, "updated_at": self.now, "version": 1}
        missing = [c.name for c in table.columns if c.name not in rows[0] and c.name != "id"]
        if any(name not in defaults for name in missing) or any(len(row) != len(given) for row in rows):
            self.session.execute(insert(table), rows)
            return
        extra = tuple(defaults[name] for name in missing)
        columns = [*given, *missing]
        values = core.stored_rows(self.session, model, columns, [(*(row[c] for c in given), *extra) for row in rows])
        core.fast_insert(self.session, model, columns, values, workspace_id=self.ws)

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
        values = core.validate(Workspace, {"name": self.plan.workspace_name,
                                             "description": self.doc["workspace"].get("description", "")})
        table = Workspace.__table__  # type: ignore[attr-defined]
        if self.session.execute(select(table.c.id).where(table.c.name == values.name)).first() is not None:
            raise DomainError(N_("A workspace with this name already exists."), field="name")
        self.ws = self.session.execute(insert(table).values(name=values.name, description=values.description)
                                       .returning(table.c.id)).scalar_one()
        audit.created_here(self.session, self.ws)  # the importer sets it up: its rows need no role yet
        accounts.join_as_creator(self.session, self.ws)
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
        (nobody else can write to a workspace this transaction has just created; entries before the insert
        are the import's own), then the references among
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
        # Entries the import itself caused (the importer becoming the new workspace's admin) come before these.
        first = self.session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        self.insert(ActivityEntry, rows)
        new_ids = self.session.execute(select(table.c.id).where(table.c.workspace_id == self.ws, table.c.id > first)
                                       .order_by(table.c.id)).scalars().all()
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
