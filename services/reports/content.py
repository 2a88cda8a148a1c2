"""What the stakeholder report says: per journey its map, flow and emotions; the personas,
touchpoints, KPIs against target, top pain points and opportunities — read once for HTML and PDF.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display, no browser

import pandas as pd  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from models import Journey, PainPoint, Persona, Stage, Step, Workspace  # noqa: E402
from services import core, journeys, metrics, touchpoints  # noqa: E402
from services.core import (  # noqa: E402
    DomainError,
    read_frame,  # noqa: E402
    translate,  # noqa: E402
)
from services.core.labels import OPPORTUNITY_STATUSES, label  # noqa: E402
from services.reports.drawing import TOP

# --- the report's content -------------------------------------------------------------------------


@dataclass
class JourneySection:
    map: journeys.JourneyMap
    funnel: pd.DataFrame  # stage_name, entering, lost, finished, drop_off_pct
    flow_error: str = ""


@dataclass
class ReportData:
    title: str
    workspace: str
    language: str
    generated: date
    personas: pd.DataFrame
    journeys: list[JourneySection]
    touchpoints: pd.DataFrame
    kpis: pd.DataFrame
    pain_points: pd.DataFrame
    opportunities: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def tr(self, message: str) -> str:
        return translate(message, self.language)


Progress = Callable[[str], None]


def report_data(session: Session, workspace_id: int, journey_id: int | None = None, *, language: str = "de",
                today: date | None = None, progress: Progress | None = None) -> ReportData:
    """Everything the report shows, for one journey or the whole workspace (a few queries per journey)."""
    say = progress or (lambda _m: None)
    workspace = core.get(session, Workspace, workspace_id)
    journey_ids = [journey_id] if journey_id is not None else list(session.execute(
        select(Journey.id).where(Journey.workspace_id == workspace_id).order_by(func.lower(Journey.name))).scalars())
    sections = []
    for jid in journey_ids:
        jmap = journeys.load_journey_map(session, workspace_id, jid)
        say(jmap.journey.name)
        try:
            funnel = journeys.journey_flow(session, workspace_id, jid).stages
            error = ""
        except DomainError as exc:
            funnel, error = pd.DataFrame(), exc.render(lambda m: translate(m, language))
        sections.append(JourneySection(jmap, funnel, error))
    persona_ids = sorted({p.id for s in sections for p in s.map.personas}) if journey_id is not None else None
    query = select(Persona.name, Persona.avatar_emoji, Persona.role, Persona.age, Persona.occupation, Persona.segment,
                   Persona.customer_share, Persona.quote, Persona.goals, Persona.needs, Persona.pains
                   ).where(Persona.workspace_id == workspace_id).order_by(func.lower(Persona.name))
    if persona_ids is not None:
        query = query.where(Persona.id.in_(persona_ids))  # type: ignore[attr-defined]
    kpis = metrics.metric_status(session, workspace_id, today=today)
    if journey_id is not None and not kpis.empty:
        kpis = kpis[kpis["journey"] == sections[0].map.journey.name]
    title = sections[0].map.journey.name if journey_id is not None else workspace.name
    return ReportData(
        title=title, workspace=workspace.name, language=language, generated=today or date.today(),
        personas=read_frame(session, query), journeys=sections,
        touchpoints=touchpoints.touchpoint_scores(session, workspace_id, journey_id),
        kpis=kpis.reset_index(drop=True), pain_points=top_pain_points(session, workspace_id, journey_id),
        opportunities=_labelled(top_opportunities(session, workspace_id, journey_id), "status", OPPORTUNITY_STATUSES,
                                language),
    )


def _labelled(frame: pd.DataFrame, column: str, mapping: dict[str, str], language: str) -> pd.DataFrame:
    """``frame`` with its codes in ``column`` shown by their label in ``language``."""
    if frame.empty:
        return frame
    return frame.assign(**{column: [label(mapping, code, language) for code in frame[column]]})


def top_pain_points(session: Session, workspace_id: int, journey_id: int | None = None, n: int = TOP) -> pd.DataFrame:
    """The most severe pain points (then the most voted, if votes exist), with their place; one query."""
    query = (select(PainPoint.text, PainPoint.severity, Step.title.label("step"), Stage.name.label("stage"),
                    Journey.name.label("journey"))
             .join(Step, Step.id == PainPoint.step_id).join(Stage, Stage.id == Step.stage_id)
             .join(Journey, Journey.id == Step.journey_id).where(Journey.workspace_id == workspace_id)
             .order_by(PainPoint.severity.desc(), func.lower(Journey.name), Stage.position, Step.position, PainPoint.position)  # type: ignore[attr-defined]
             .limit(n))
    if journey_id is not None:
        query = query.where(Step.journey_id == journey_id)
    return read_frame(session, query)


def top_opportunities(session: Session, workspace_id: int, journey_id: int | None = None, n: int = TOP) -> pd.DataFrame:
    """Open opportunities (not done or dropped) by priority — value per unit of effort — then votes."""
    frame = journeys.portfolio(session, workspace_id, journey_id)
    frame = frame[~frame["status"].isin(["done", "dropped"])]
    ranked = frame.sort_values(["priority", "votes", "value"], ascending=False, kind="stable").head(n)
    return ranked[["text", "priority", "value", "effort", "status", "votes", "step", "stage", "journey"]].reset_index(drop=True)
