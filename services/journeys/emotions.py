"""Emotion curves of several journeys side by side (the analysis page's overlay).

One query for any number of journeys. Each journey's steps are numbered in
reading order (stage position, then step position) and placed on a relative
axis from 0 % (first step) to 100 % (last step), so journeys of different
length — an as-is and its shorter to-be version — can be laid over each other.
Only the steps' own scores are compared here; the personas' lines stay on the
journey map. No Streamlit here.
"""

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

import services.journeys.crud as journeys
from models import Journey, JourneyPersona, Stage, Step, StepPersonaEmotion
from services import core
from services.core import N_, DomainError

CURVE_COLUMNS = ["journey_id", "journey", "state", "step_id", "step_title", "stage_name", "order", "relative",
                 "emotion", "is_moment_of_truth"]


def emotion_curves(session: Session, workspace_id: int, journey_ids: Iterable[int]) -> pd.DataFrame:
    """Points of the chosen journeys' emotion curves, in the order the ids are given.

    ``order`` counts the steps of each journey from 0; ``relative`` is the step's position in its
    journey in percent (0 … 100; a journey of one step sits at 0). Journeys of other workspaces are
    left out.
    """
    ids = list(dict.fromkeys(int(i) for i in journey_ids))
    if not ids:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    frame = core.read_frame(session, (
        select(Step.journey_id, Journey.name.label("journey"), Journey.state, Step.id.label("step_id"),
               Step.title.label("step_title"), Stage.name.label("stage_name"), Step.emotion, Step.is_moment_of_truth)
        .join(Stage, Stage.id == Step.stage_id)
        .join(Journey, Journey.id == Step.journey_id)
        .where(col(Step.journey_id).in_(ids), Journey.workspace_id == workspace_id)
        .order_by(Step.journey_id, Stage.position, Stage.id, Step.position, Step.id)
    ))
    if frame.empty:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    frame["order"] = frame.groupby("journey_id").cumcount()
    last = frame.groupby("journey_id")["order"].transform("max")
    frame["relative"] = np.where(last > 0, 100 * frame["order"] / last.where(last > 0, 1), 0.0)
    frame["is_moment_of_truth"] = frame["is_moment_of_truth"].astype(bool)
    rank = {journey_id: n for n, journey_id in enumerate(ids)}
    frame = frame.sort_values(["journey_id", "order"], key=lambda c: c.map(rank) if c.name == "journey_id" else c, kind="stable")
    return frame[CURVE_COLUMNS].reset_index(drop=True)


def versions(listing: pd.DataFrame, journey_id: int) -> list[int]:
    """The journey's family for an as-is/to-be comparison: the journey it was copied from (or itself)
    first, then every journey copied from that one, as-is before to-be. ``listing`` is
    :func:`services.journeys.list_journeys`."""
    origin = listing.set_index("id")["origin_journey_id"]
    root = int(origin.get(journey_id)) if pd.notna(origin.get(journey_id)) else journey_id
    family = listing[(listing["id"] == root) | (listing["origin_journey_id"] == root)]
    family = family.assign(is_root=family["id"] != root).sort_values(["is_root", "state", "name"], kind="stable")
    return [int(i) for i in family["id"]]


def curve_summary(curves: pd.DataFrame) -> pd.DataFrame:
    """Per journey: steps, mean emotion, the lowest step (first of the lowest in reading order) and its score,
    and the number of moments of truth — vectorised over the curve points."""
    if curves.empty:
        return pd.DataFrame(columns=["journey_id", "journey", "state", "steps", "mean", "lowest_step", "lowest",
                                     "moments_of_truth"])
    grouped = curves.groupby("journey_id", sort=False)
    lowest = curves.loc[grouped["emotion"].idxmin()].set_index("journey_id")
    summary = grouped.agg(journey=("journey", "first"), state=("state", "first"), steps=("step_id", "size"),
                          mean=("emotion", "mean"), moments_of_truth=("is_moment_of_truth", "sum"))
    summary["lowest_step"] = lowest["step_title"]
    summary["lowest"] = lowest["emotion"]
    return summary.reset_index()[["journey_id", "journey", "state", "steps", "mean", "lowest_step", "lowest",
                                  "moments_of_truth"]]


# --- per-persona emotions -----------------------------------------------------------------------


def set_persona_emotion(
    session: Session, workspace_id: int, step_id: int, persona_id: int, emotion: int | None
) -> StepPersonaEmotion | None:
    """Record how one of the journey's personas feels at the step; ``None`` removes it (the persona
    then feels as the step says).

    Rows of a persona later detached from the journey are kept but not shown:
    attaching the persona again brings its scores back.
    """
    step = journeys.get_step(session, workspace_id, step_id)
    link = session.get(JourneyPersona, (step.journey_id, persona_id))
    if link is None or link.workspace_id != workspace_id:
        raise DomainError(N_("This persona is not attached to the journey."), field="persona_id")
    existing = session.exec(
        select(StepPersonaEmotion).where(StepPersonaEmotion.step_id == step_id, StepPersonaEmotion.persona_id == persona_id)
    ).first()
    if emotion is None:
        if existing is not None:
            session.delete(existing)
            core.flush(session)
        return None
    if existing is not None:
        return core.update(session, StepPersonaEmotion, existing.id, {"emotion": emotion})  # type: ignore[arg-type]
    return core.create(session, StepPersonaEmotion, {"step_id": step_id, "persona_id": persona_id, "emotion": emotion})
