"""The demo workspace: a filled example built from the articles in ``seeds/``.

A new user runs one command and should see journeys, personas, touchpoints,
content, metrics and a Kano survey straight away (DESIGN.md). The data lives in
``data/demo/workspace_de.json`` and refers to everything by *name* (persona,
channel, journey, stage, step title, touchpoint), so people can read and edit
it without knowing ids; this module resolves the names to ids while loading.

Every row goes through :func:`services.core.validate`, the same rules as the
forms and the import, so broken demo data fails loudly with a
:class:`DemoDataError` naming the place instead of loading half a workspace.
Rows are added table by table with ``add_all`` and one flush per batch: the
loader runs on every fresh start and must stay fast.

Measurements are not stored in the file. They are generated from a base value,
a trend, a seasonal pattern and deterministic noise for the twelve full months
before the load date, so the charts always show the recent past.
"""

import calendar
import json
import random
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import update as sql_update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, SQLModel, select

import services.workspaces.crud as workspaces
from models import (
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
    StepTouchpoint,
    Touchpoint,
    Transition,
    Workspace,
)
from models.content import CONTENT_FORMATS, CONTENT_STATUSES
from models.journey import EXIT_KINDS, JOURNEY_STATES, JOURNEY_STATUSES, OPPORTUNITY_STATUSES
from models.metric import METRIC_DIRECTIONS, METRIC_KINDS, METRIC_SCOPES
from models.persona import INCOME_BANDS
from services import core
from services.core import DomainError

DEMO_FILE = Path(__file__).resolve().parents[2] / "data" / "demo" / "workspace_de.json"
DEFAULT_NAME = "Demo: Customer Journeys"
MONTHS = 12

PERSONA_FIELDS = (
    "name", "avatar_emoji", "role", "age", "occupation", "family", "location", "income_band", "segment",
    "customer_share", "bio", "quote", "goals", "needs", "pains", "behaviours", "preferences", "values",
    "communication_style",
)
TOUCHPOINT_FIELDS = (
    "name", "is_online", "is_direct", "owner_department", "external_provider", "description", "cost_per_contact",
)
JOURNEY_FIELDS = ("name", "scenario", "goal", "state", "status")
STEP_FIELDS = (
    "title", "doing", "thinking", "feeling", "emotion", "needs", "owner_department", "backstage",
    "is_moment_of_truth", "is_entry", "entry_share", "is_exit", "exit_kind",
)
CONTENT_FIELDS = ("title", "format", "url", "owner", "status", "description")
METRIC_FIELDS = ("name", "kind", "unit", "target", "direction", "review_every_days", "scope", "description")

# Code columns the database checks only at flush time (CHECK constraints); checked
# per row here so a typo in the file names its place instead of failing a batch.
CODES: dict[tuple[type[SQLModel], str], tuple[str, ...]] = {
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

Model = TypeVar("Model", bound=SQLModel)


class DemoDataError(ValueError):
    """The demo file is broken: an unknown name, a duplicate, or a row the model refuses."""


@lru_cache(maxsize=1)
def demo_data() -> dict[str, Any]:
    """The parsed demo file, read once per process (callers must not mutate it)."""
    with DEMO_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def last_full_month_end(today: date) -> date:
    """The last day of the month before ``today``'s month: the newest complete month."""
    return today.replace(day=1) - timedelta(days=1)


def month_ends(today: date, count: int = MONTHS) -> list[date]:
    """The last days of the ``count`` full months before ``today``, oldest first."""
    end = last_full_month_end(today)
    result = []
    year, month = end.year, end.month
    for _ in range(count):
        result.append(date(year, month, calendar.monthrange(year, month)[1]))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result[::-1]


def series_values(name: str, spec: dict[str, Any], dates: list[date]) -> list[tuple[date, float, str]]:
    """Deterministic monthly values: base + trend·i + season[month] + event shifts + noise.

    The noise comes from a generator seeded with the metric's name and the
    month's index, so every load produces the same curve shape. ``events``
    shift the level from ``months_ago`` (0 = newest month) on and put their
    note on that month, which makes the effect of a measure visible in a chart.
    """
    season = spec.get("season") or [0.0] * 12
    if len(season) != 12:
        raise DemoDataError(f"Metric {name!r}: 'season' needs 12 values (January … December).")
    events = spec.get("events", [])
    low, high = spec.get("min"), spec.get("max")
    newest = len(dates) - 1
    rows = []
    for i, day in enumerate(dates):
        months_ago = newest - i
        value = spec["base"] + spec.get("trend", 0.0) * i + season[day.month - 1]
        value += sum(e["shift"] for e in events if months_ago <= e["months_ago"])
        value += spec.get("noise", 0.0) * random.Random(f"{name}|{i}").uniform(-1.0, 1.0)
        if low is not None:
            value = max(low, value)
        if high is not None:
            value = min(high, value)
        note = "; ".join(e.get("note", "") for e in events if e["months_ago"] == months_ago)
        rows.append((day, round(value, spec.get("decimals", 1)), note))
    return rows


def load_demo_workspace(session: Session, name: str | None = None, *, today: date | None = None) -> Workspace:
    """Create a new workspace (standard channels included) and fill it with the demo data.

    Runs inside the caller's transaction: if anything is wrong, the caller's
    unit of work rolls everything back. The name defaults to
    :data:`DEFAULT_NAME` and is made unique, so loading twice gives a second
    workspace instead of an error. ``today`` fixes the date the measurements
    are generated relative to (tests); it defaults to the current date.
    """
    data = demo_data()
    workspace_name = workspaces.unique_name(session, (name or DEFAULT_NAME).strip() or DEFAULT_NAME)
    workspace = workspaces.create_workspace(session, workspace_name, data["workspace"].get("description", ""))
    _Loader(session, workspace.id, data, today or date.today()).run()
    return workspace


def _text(value: Any) -> Any:
    """Lists in the file are one item a line in the model (goals, needs …)."""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return value


def _pick(spec: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    return {f: _text(spec[f]) for f in fields if f in spec}


class _Loader:
    """One load: name → id maps and the batches, table by table."""

    def __init__(self, session: Session, workspace_id: int, data: dict[str, Any], today: date) -> None:
        self.session = session
        self.ws = workspace_id
        self.data = data
        self.today = today
        self.channels: dict[str, int] = {}
        self.personas: dict[str, int] = {}
        self.touchpoints: dict[str, int] = {}
        self.journeys: dict[str, Journey] = {}
        self.stages: dict[tuple[str, str], int] = {}
        self.steps: dict[tuple[str, str], Step] = {}
        self.pain_points: dict[tuple[str, str, str], PainPoint] = {}

    # -- helpers ---------------------------------------------------------

    def row(self, model: type[Model], values: dict[str, Any], where: str) -> Model:
        """Validate one row like a form would; say where in the file it failed."""
        try:
            row = core.validate(model, values)
        except DomainError as exc:
            details = "; ".join(f"{e.field}: {e.render()}" for e in getattr(exc, "errors", [exc]))
            raise DemoDataError(f"Demo data, {where}: {details}") from exc
        for (code_model, field), allowed in CODES.items():
            if code_model is model and getattr(row, field) not in allowed:
                raise DemoDataError(f"Demo data, {where}: {field} {getattr(row, field)!r} is not one of {allowed}.")
        return row

    def save(self, rows: list[SQLModel]) -> None:
        """Insert a batch with one flush; ids are set on the rows afterwards."""
        self.session.add_all(rows)
        try:
            core.flush(self.session)
        except DomainError as exc:
            tables = ", ".join(sorted({type(r).__name__ for r in rows}))
            raise DemoDataError(f"Demo data, {tables} rows: {exc.render()}") from exc

    @staticmethod
    def resolve(names: dict[Any, Any], key: Any, kind: str, where: str) -> Any:
        try:
            return names[key]
        except KeyError:
            raise DemoDataError(f"Demo data, {where}: unknown {kind} {key!r}.") from None

    def channel_id(self, name: str | None, where: str) -> int | None:
        return None if name is None else self.resolve(self.channels, name, "channel", where)

    def step(self, journey: str, title: str, where: str) -> Step:
        return self.resolve(self.steps, (journey, title), "step", where)

    def steps_in(self, journey: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        for stage in journey["stages"]:
            for step in stage["steps"]:
                yield stage, step

    # -- the load --------------------------------------------------------

    def run(self) -> None:
        self.channels = dict(self.session.exec(
            select(Channel.name, Channel.id).where(Channel.workspace_id == self.ws)
        ).all())
        self.load_personas()
        self.load_touchpoints()
        self.load_journeys()
        self.load_stages_and_steps()
        self.load_step_items()
        self.load_content()
        self.load_metrics()
        self.load_kano()

    def load_personas(self) -> None:
        specs = self.data["personas"]
        rows = [
            self.row(Persona, {**_pick(p, PERSONA_FIELDS), "workspace_id": self.ws}, f"persona {p.get('name')!r}")
            for p in specs
        ]
        self.save(rows)
        self.personas = {p.name: p.id for p in rows}
        links = []
        for spec in specs:
            where = f"persona {spec['name']!r}"
            for pref in spec.get("channels", []):
                links.append(self.row(PersonaChannel, {
                    "workspace_id": self.ws, "persona_id": self.personas[spec["name"]],
                    "channel_id": self.channel_id(pref["channel"], where),
                    "intensity": pref["intensity"], "purpose": pref.get("purpose", ""),
                }, where))
        self.save(links)

    def load_touchpoints(self) -> None:
        rows = []
        for spec in self.data["touchpoints"]:
            where = f"touchpoint {spec.get('name')!r}"
            rows.append(self.row(Touchpoint, {
                **_pick(spec, TOUCHPOINT_FIELDS), "workspace_id": self.ws,
                "channel_id": self.channel_id(spec.get("channel"), where),
            }, where))
        self.save(rows)
        self.touchpoints = {t.name: t.id for t in rows}

    def load_journeys(self) -> None:
        """Journeys in file order, then the lifecycle links (``next_journey_id``).

        A journey can only point at a row that exists, so the links are set
        after the insert with one plain UPDATE each: the rows were created in
        this transaction, so their optimistic-locking version stays at 1.
        """
        specs = self.data["journeys"]
        rows = [
            self.row(Journey, {**_pick(j, JOURNEY_FIELDS), "workspace_id": self.ws}, f"journey {j.get('name')!r}")
            for j in specs
        ]
        self.save(rows)
        self.journeys = {j.name: j for j in rows}
        for journey, spec in zip(rows, specs, strict=True):
            target = spec.get("next_journey")
            if target is None:
                continue
            where = f"journey {spec['name']!r}"
            target_id = self.resolve(self.journeys, target, "next journey", where).id
            self.session.execute(
                sql_update(Journey).where(Journey.id == journey.id).values(next_journey_id=target_id)
                .execution_options(synchronize_session=False)
            )
            set_committed_value(journey, "next_journey_id", target_id)
        links = []
        for spec in self.data["journeys"]:
            where = f"journey {spec['name']!r}"
            for persona in spec.get("personas", []):
                links.append(self.row(JourneyPersona, {
                    "journey_id": self.journeys[spec["name"]].id, "workspace_id": self.ws,
                    "persona_id": self.resolve(self.personas, persona, "persona", where),
                }, where))
        self.save(links)

    def load_stages_and_steps(self) -> None:
        stage_rows: dict[tuple[str, str], Stage] = {}
        for spec in self.data["journeys"]:
            journey_id = self.journeys[spec["name"]].id
            for position, stage in enumerate(spec["stages"]):
                key = (spec["name"], stage.get("name"))
                where = f"journey {spec['name']!r}, stage {stage.get('name')!r}"
                if key in stage_rows:
                    raise DemoDataError(f"Demo data, {where}: stage names must be unique in a journey.")
                stage_rows[key] = self.row(Stage, {
                    "journey_id": journey_id, "name": stage.get("name"),
                    "description": stage.get("description", ""), "position": position,
                }, where)
        self.save(list(stage_rows.values()))
        self.stages = {key: row.id for key, row in stage_rows.items()}

        steps = []
        for spec in self.data["journeys"]:
            journey_id = self.journeys[spec["name"]].id
            for stage in spec["stages"]:
                for position, step in enumerate(stage["steps"]):
                    key = (spec["name"], step.get("title"))
                    where = f"journey {spec['name']!r}, step {step.get('title')!r}"
                    if key in self.steps:
                        raise DemoDataError(f"Demo data, {where}: step titles must be unique in a journey.")
                    row = self.row(Step, {
                        **_pick(step, STEP_FIELDS), "journey_id": journey_id,
                        "stage_id": self.stages[(spec["name"], stage["name"])], "position": position,
                    }, where)
                    steps.append(row)
                    self.steps[key] = row
        self.save(steps)

    def load_step_items(self) -> None:
        """Pain points, opportunities, touchpoint links, comments and transitions (all need step ids)."""
        rows: list[SQLModel] = []
        opportunities: list[tuple[Opportunity, str, str, list[str]]] = []
        for spec in self.data["journeys"]:
            journey = spec["name"]
            for _stage, step_spec in self.steps_in(spec):
                title = step_spec["title"]
                step_id = self.steps[(journey, title)].id
                where = f"journey {journey!r}, step {title!r}"
                for position, pain in enumerate(step_spec.get("pain_points", [])):
                    row = self.row(PainPoint, {**pain, "step_id": step_id, "position": position}, where)
                    self.pain_points[(journey, title, pain["text"])] = row
                    rows.append(row)
                for position, opp in enumerate(step_spec.get("opportunities", [])):
                    values = {k: v for k, v in opp.items() if k != "addresses"}
                    row = self.row(Opportunity, {**values, "step_id": step_id, "position": position}, where)
                    opportunities.append((row, journey, title, opp.get("addresses", [])))
                    rows.append(row)
                for link in step_spec.get("touchpoints", []):
                    rows.append(self.row(StepTouchpoint, {
                        **{k: v for k, v in link.items() if k != "touchpoint"}, "step_id": step_id,
                        "touchpoint_id": self.resolve(self.touchpoints, link["touchpoint"], "touchpoint", where),
                    }, where))
                for comment in step_spec.get("comments", []):
                    rows.append(self.row(Comment, {**comment, "workspace_id": self.ws, "step_id": step_id}, where))
            for transition in spec.get("transitions", []):
                where = f"journey {journey!r}, transition {transition.get('from')!r} → {transition.get('to')!r}"
                rows.append(self.row(Transition, {
                    "journey_id": self.journeys[journey].id,
                    "source_step_id": self.step(journey, transition["from"], where).id,
                    "target_step_id": self.step(journey, transition["to"], where).id,
                    "label": transition.get("label", ""), "share": transition.get("share"),
                }, where))
        self.save(rows)

        links = []
        for opportunity, journey, title, addresses in opportunities:
            where = f"journey {journey!r}, step {title!r}, opportunity {opportunity.text!r}"
            for text in addresses:
                pain = self.resolve(self.pain_points, (journey, title, text), "pain point on this step", where)
                links.append(self.row(OpportunityPainPoint, {"opportunity_id": opportunity.id, "pain_point_id": pain.id}, where))
        self.save(links)

    def load_content(self) -> None:
        specs = self.data["content_items"]
        items = [
            self.row(ContentItem, {**_pick(c, CONTENT_FIELDS), "workspace_id": self.ws}, f"content {c.get('title')!r}")
            for c in specs
        ]
        self.save(items)
        mappings = []
        for item, spec in zip(items, specs, strict=True):
            where = f"content {spec['title']!r}"
            for mapping in spec.get("mappings", []):
                persona = mapping.get("persona")
                mappings.append(self.row(ContentMapping, {
                    "workspace_id": self.ws, "content_item_id": item.id,
                    "persona_id": None if persona is None else self.resolve(self.personas, persona, "persona", where),
                    "stage_id": self.resolve(self.stages, (mapping["journey"], mapping["stage"]), "journey/stage", where),
                    "channel_id": self.channel_id(mapping["channel"], where),
                    "need": mapping.get("need", ""),
                }, where))
        self.save(mappings)

    def load_metrics(self) -> None:
        specs = self.data["metrics"]
        metrics = []
        for spec in specs:
            where = f"metric {spec.get('name')!r}"
            journey = spec.get("journey")
            scope = spec.get("scope", "workspace")
            metrics.append(self.row(Metric, {
                **_pick(spec, METRIC_FIELDS), "workspace_id": self.ws,
                "journey_id": self.resolve(self.journeys, journey, "journey", where).id if journey else None,
                "step_id": self.step(journey, spec["step"], where).id if scope == "step" else None,
                "touchpoint_id": (
                    self.resolve(self.touchpoints, spec["touchpoint"], "touchpoint", where) if scope == "touchpoint" else None
                ),
            }, where))
        self.save(metrics)
        dates = month_ends(self.today)
        measurements = []
        for metric, spec in zip(metrics, specs, strict=True):
            for day, value, note in series_values(spec["name"], spec["series"], dates):
                measurements.append(self.row(Measurement, {
                    "metric_id": metric.id, "measured_on": day, "value": value, "note": note,
                }, f"metric {spec['name']!r}, {day}"))
        self.save(measurements)

    def load_kano(self) -> None:
        """Answers are stored as [functional, dysfunctional, count]; respondents are numbered per item."""
        kano = self.data.get("kano", {})
        prefix = kano.get("respondent_prefix", "R")
        specs = kano.get("items", [])
        items = []
        for spec in specs:
            where = f"Kano item {spec.get('name')!r}"
            journey = spec.get("journey")
            items.append(self.row(KanoItem, {
                "workspace_id": self.ws, "name": spec.get("name"), "description": spec.get("description", ""),
                "journey_id": self.resolve(self.journeys, journey, "journey", where).id if journey else None,
            }, where))
        self.save(items)
        answers = []
        for item, spec in zip(items, specs, strict=True):
            n = 0
            for functional, dysfunctional, count in spec["answers"]:
                for _ in range(count):
                    n += 1
                    answers.append(self.row(KanoAnswer, {
                        "kano_item_id": item.id, "respondent": f"{prefix} {n:02d}",
                        "functional": functional, "dysfunctional": dysfunctional,
                    }, f"Kano item {spec['name']!r}"))
        self.save(answers)
