"""Everything the journey map editor shows, read in a fixed number of queries.

The editor reruns on every click in a workshop: the number of statements must
not grow with the number of steps (no query per card). Each lane is one query
over the whole journey, returned as a DataFrame the components group by
``step_id``. No Streamlit here.
"""

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, func, literal
from sqlmodel import Session, col, select

import services.journeys.crud as journeys
from models import (
    Channel,
    Journey,
    JourneyPersona,
    Opportunity,
    PainPoint,
    Persona,
    Stage,
    Step,
    StepPersonaEmotion,
    StepTouchpoint,
    Touchpoint,
)
from services import core
from services.journeys.graph import BranchWarning, validate_branches

ALL = "all"  # the emotion curve's series for the step's own score
EMOTION_COLUMNS = ["step_id", "persona_id", "persona_name", "emotion"]


@dataclass(frozen=True)
class MapPersona:
    id: int
    name: str
    avatar_emoji: str


@dataclass(frozen=True)
class MapStage:
    id: int
    name: str
    description: str
    position: int
    version: int


@dataclass(frozen=True)
class JourneyMap:
    """One journey with all its lanes; DataFrames are in reading order (stage, then step position)."""

    journey: Journey
    personas: tuple[MapPersona, ...]
    stages: tuple[MapStage, ...]
    steps: pd.DataFrame
    pain_points: pd.DataFrame
    opportunities: pd.DataFrame
    step_touchpoints: pd.DataFrame
    transitions: pd.DataFrame
    persona_emotions: pd.DataFrame
    warnings: list[BranchWarning]


def load_journey_map(session: Session, workspace_id: int, journey_id: int) -> JourneyMap:
    """The whole map in at most eight queries, whatever the number of steps.

    The journey is fetched first with the workspace check; every later query
    filters by ``journey_id`` only, which is then known to be the workspace's.
    """
    journey = journeys.get_journey(session, workspace_id, journey_id)
    personas, emotions = _personas_and_emotions(session, journey_id)
    steps = journeys.steps_frame(session, journey_id)
    transitions = journeys.transitions_frame(session, journey_id)
    return JourneyMap(
        journey=journey,
        personas=personas,
        stages=_stages(session, journey_id),
        steps=steps,
        pain_points=_pain_points(session, journey_id),
        opportunities=_opportunities(session, journey_id),
        step_touchpoints=_step_touchpoints(session, journey_id),
        transitions=transitions,
        persona_emotions=emotions,
        warnings=validate_branches(steps, transitions),
    )


def _stages(session: Session, journey_id: int) -> tuple[MapStage, ...]:
    rows = session.exec(
        select(Stage.id, Stage.name, Stage.description, Stage.position, Stage.version)
        .where(Stage.journey_id == journey_id).order_by(Stage.position, Stage.id)
    ).all()
    return tuple(MapStage(*row) for row in rows)


def _personas_and_emotions(session: Session, journey_id: int) -> tuple[tuple[MapPersona, ...], pd.DataFrame]:
    """The journey's personas and their per-step scores in ONE query (a persona with no score gives one row
    with a NULL step). Scores of personas no longer attached are left out."""
    journey_steps = select(Step.id).where(Step.journey_id == journey_id)
    rows = session.exec(
        select(Persona.id, Persona.name, Persona.avatar_emoji, StepPersonaEmotion.step_id, StepPersonaEmotion.emotion)
        .join(JourneyPersona, JourneyPersona.persona_id == Persona.id)
        .outerjoin(StepPersonaEmotion, and_(
            StepPersonaEmotion.persona_id == Persona.id, col(StepPersonaEmotion.step_id).in_(journey_steps),
        ))
        .where(JourneyPersona.journey_id == journey_id)
        .order_by(func.lower(Persona.name), Persona.id, StepPersonaEmotion.step_id)
    ).all()
    personas = tuple(dict.fromkeys(MapPersona(pid, name, emoji) for pid, name, emoji, _s, _e in rows))
    emotions = [(step_id, pid, name, emotion) for pid, name, _emoji, step_id, emotion in rows if step_id is not None]
    return personas, pd.DataFrame(emotions, columns=EMOTION_COLUMNS)


def _on_steps(model: type, *columns: object) -> object:
    """``select(columns)`` of a row type that hangs on a step, limited to the journey's steps by a join."""
    return select(*columns).join(Step, Step.id == model.step_id)  # type: ignore[attr-defined]


def _pain_points(session: Session, journey_id: int) -> pd.DataFrame:
    """Pain points by step and position; ``votes`` is 0 until the workshop issue counts dot votes here."""
    return core.read_frame(session, (
        _on_steps(PainPoint, PainPoint.id, PainPoint.step_id, PainPoint.text, PainPoint.severity, PainPoint.position,
                  PainPoint.version, literal(0).label("votes"))
        .where(Step.journey_id == journey_id).order_by(PainPoint.step_id, PainPoint.position, PainPoint.id)
    ))


def _opportunities(session: Session, journey_id: int) -> pd.DataFrame:
    return core.read_frame(session, (
        _on_steps(Opportunity, Opportunity.id, Opportunity.step_id, Opportunity.text, Opportunity.customer_value,
                  Opportunity.business_value, Opportunity.effort, Opportunity.status, Opportunity.position,
                  Opportunity.version)
        .where(Step.journey_id == journey_id).order_by(Opportunity.step_id, Opportunity.position, Opportunity.id)
    ))


def _step_touchpoints(session: Session, journey_id: int) -> pd.DataFrame:
    """Links with the catalogue entry's name and channel (``channel_name`` "" when it has none)."""
    frame = core.read_frame(session, (
        _on_steps(StepTouchpoint, StepTouchpoint.id, StepTouchpoint.step_id, StepTouchpoint.touchpoint_id,
                  Touchpoint.name.label("touchpoint_name"), Channel.name.label("channel_name"),
                  Touchpoint.is_direct, Touchpoint.is_online, StepTouchpoint.importance, StepTouchpoint.satisfaction,
                  StepTouchpoint.is_decisive, StepTouchpoint.leads_to_abort, StepTouchpoint.notes, StepTouchpoint.version)
        .join(Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)
        .outerjoin(Channel, Channel.id == Touchpoint.channel_id)
        .where(Step.journey_id == journey_id)
        .order_by(StepTouchpoint.step_id, func.lower(Touchpoint.name), StepTouchpoint.id)
    ))
    frame["channel_name"] = frame["channel_name"].fillna("")
    return frame


def emotion_curve_data(journey_map: JourneyMap) -> pd.DataFrame:
    """Points for the emotion curve: series "all" (the step's own score) for every step, and one full
    series per persona who feels differently at some step — their own score where they have one, the
    step's elsewhere, so their line is continuous and comparable.

    Columns: step_id, step_title, stage_name, order, emotion, is_moment_of_truth, series.
    """
    columns = ["step_id", "step_title", "stage_name", "order", "emotion", "is_moment_of_truth", "series"]
    steps = journey_map.steps
    if steps.empty:
        return pd.DataFrame(columns=columns)
    base = pd.DataFrame({
        "step_id": steps["id"].astype(int).to_numpy(),
        "step_title": steps["title"].to_numpy(),
        "stage_name": steps["stage_name"].to_numpy(),
        "order": range(len(steps)),
        "emotion": steps["emotion"].astype(int).to_numpy(),
        "is_moment_of_truth": steps["is_moment_of_truth"].astype(bool).to_numpy(),
        "series": ALL,
    })
    frames = [base]
    emotions = journey_map.persona_emotions
    for persona in journey_map.personas:
        own = dict(zip(emotions.loc[emotions["persona_id"] == persona.id, "step_id"],
                       emotions.loc[emotions["persona_id"] == persona.id, "emotion"], strict=True))
        scores = [int(own.get(step_id, score)) for step_id, score in zip(base["step_id"], base["emotion"], strict=True)]
        if scores != base["emotion"].tolist():
            frames.append(base.assign(emotion=scores, series=persona.name))
    return pd.concat(frames, ignore_index=True)[columns]
