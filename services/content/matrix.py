"""The content map of one journey: stages × channels, the content mapped to each cell, and its gaps.

Stages belong to a journey, so the map is read per journey. A **gap** is a cell
where a persona prefers the channel (persona channel preferences), the stage has
steps that use a touchpoint on that channel, and no *live* content is mapped for
that persona or for everyone (articles 000, 004: which persons need which content
on which platforms). :func:`load_content_map` reads everything in a fixed number
of queries; the rest are pure functions on its frames.
"""

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import distinct, func
from sqlmodel import Session, select

import services.content.crud as content
from models import Channel, JourneyPersona, Persona, PersonaChannel, Stage, Step, StepTouchpoint, Touchpoint
from services.core import read_frame
from services.journeys import get_journey

DEMAND_COLUMNS = ["persona_id", "persona", "stage_id", "stage", "position", "channel_id", "channel", "intensity", "steps",
                  "live", "covered"]


@dataclass(frozen=True)
class ContentMap:
    journey_id: int
    stages: pd.DataFrame  # stage_id, stage, position (in journey order)
    channels: pd.DataFrame  # channel_id, channel, is_online (by name)
    personas: pd.DataFrame  # persona_id, persona, avatar_emoji, on_journey
    preferences: pd.DataFrame  # persona_id, channel_id, intensity
    usage: pd.DataFrame  # stage_id, channel_id, steps: steps of the stage using a touchpoint on the channel
    mappings: pd.DataFrame  # content.list_content_mappings for the journey


def load_content_map(session: Session, workspace_id: int, journey_id: int) -> ContentMap:
    """Everything the content map page shows for one journey, in seven queries whatever the size."""
    get_journey(session, workspace_id, journey_id)
    stages = read_frame(session, (
        select(Stage.id.label("stage_id"), Stage.name.label("stage"), Stage.position)
        .where(Stage.journey_id == journey_id).order_by(Stage.position, Stage.id)
    ))
    channels = read_frame(session, (
        select(Channel.id.label("channel_id"), Channel.name.label("channel"), Channel.is_online)
        .where(Channel.workspace_id == workspace_id).order_by(func.lower(Channel.name))
    ))
    personas = read_frame(session, (
        select(Persona.id.label("persona_id"), Persona.name.label("persona"), Persona.avatar_emoji,
               JourneyPersona.journey_id.is_not(None).label("on_journey"))  # type: ignore[union-attr]
        .outerjoin(JourneyPersona, (JourneyPersona.persona_id == Persona.id) & (JourneyPersona.journey_id == journey_id))
        .where(Persona.workspace_id == workspace_id).order_by(func.lower(Persona.name))
    ))
    preferences = read_frame(session, (
        select(PersonaChannel.persona_id, PersonaChannel.channel_id, PersonaChannel.intensity)
        .where(PersonaChannel.workspace_id == workspace_id)
    ))
    usage = read_frame(session, (
        select(Step.stage_id, Touchpoint.channel_id, func.count(distinct(Step.id)).label("steps"))
        .join(StepTouchpoint, StepTouchpoint.step_id == Step.id)
        .join(Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)
        .where(Step.journey_id == journey_id, Touchpoint.channel_id.is_not(None))  # type: ignore[union-attr]
        .group_by(Step.stage_id, Touchpoint.channel_id)
    ))
    personas["on_journey"] = personas["on_journey"].astype(bool)
    mappings = content.list_content_mappings(session, workspace_id, journey_id=journey_id)
    return ContentMap(journey_id, stages, channels, personas, preferences, usage, mappings)


def considered_personas(cmap: ContentMap, persona_id: int | None = None) -> list[int]:
    """The personas whose gaps count: the chosen one, else the journey's personas (all personas if it has none)."""
    if persona_id is not None:
        return [persona_id] if persona_id in set(cmap.personas["persona_id"]) else []
    on_journey = cmap.personas[cmap.personas["on_journey"]]
    return list((on_journey if not on_journey.empty else cmap.personas)["persona_id"])


def visible_mappings(cmap: ContentMap, persona_id: int | None = None) -> pd.DataFrame:
    """The mappings a persona's view shows: hers and those for everyone (all of them without a persona)."""
    if persona_id is None:
        return cmap.mappings
    persona = cmap.mappings["persona_id"]
    return cmap.mappings[persona.isna() | (persona == persona_id)]


def demand(cmap: ContentMap, persona_id: int | None = None) -> pd.DataFrame:
    """Every (persona, stage, channel) where content is needed, with how much live content serves it.

    Needed: the persona prefers the channel and the stage has steps using a touchpoint on it.
    ``live`` counts live mappings for that persona or for everyone; ``covered`` is ``live > 0``.
    """
    wanted = considered_personas(cmap, persona_id)
    preferences = cmap.preferences[cmap.preferences["persona_id"].isin(wanted)]
    needed = preferences.merge(cmap.usage, on="channel_id")
    if needed.empty:
        return pd.DataFrame(columns=DEMAND_COLUMNS)
    live = cmap.mappings[cmap.mappings["status"] == "live"]
    for_everyone = (
        live[live["persona_id"].isna()].groupby(["stage_id", "channel_id"]).size().rename("for_everyone").reset_index()
    )
    for_persona = (
        live[live["persona_id"].notna()].astype({"persona_id": "int64"})
        .groupby(["persona_id", "stage_id", "channel_id"]).size().rename("for_persona").reset_index()
    )
    needed = needed.merge(for_everyone, on=["stage_id", "channel_id"], how="left")
    needed = needed.merge(for_persona, on=["persona_id", "stage_id", "channel_id"], how="left")
    needed["live"] = (needed["for_everyone"].fillna(0) + needed["for_persona"].fillna(0)).astype("int64")
    needed["covered"] = needed["live"] > 0
    needed = (
        needed.merge(cmap.personas[["persona_id", "persona"]], on="persona_id")
        .merge(cmap.stages, on="stage_id")
        .merge(cmap.channels[["channel_id", "channel"]], on="channel_id")
    )
    return needed[DEMAND_COLUMNS].sort_values(["position", "channel", "persona"], kind="stable").reset_index(drop=True)


def gaps(cmap: ContentMap, persona_id: int | None = None) -> pd.DataFrame:
    """The uncovered demand, most urgent first: preference intensity × steps on the channel, then journey order."""
    needed = demand(cmap, persona_id)
    found = needed[~needed["covered"].astype(bool)].copy()
    found["score"] = (found["intensity"] * found["steps"]).astype("int64")
    found = found.sort_values(["score", "position", "channel", "persona"], ascending=[False, True, True, True], kind="stable")
    return found.drop(columns=["live", "covered"]).reset_index(drop=True)


def coverage(cmap: ContentMap, persona_id: int | None = None) -> pd.DataFrame:
    """Per persona and stage: cells that need content, cells with live content, and the covered share (%).

    A stage with no need for a persona has no share (NaN), not 0 %: nothing is missing there.
    """
    needed = demand(cmap, persona_id)
    wanted = cmap.personas[cmap.personas["persona_id"].isin(considered_personas(cmap, persona_id))]
    grid = wanted[["persona_id", "persona"]].merge(cmap.stages, how="cross")
    counts = (
        needed.assign(covered=needed["covered"].astype(int))
        .groupby(["persona_id", "stage_id"]).agg(needed=("covered", "size"), covered=("covered", "sum")).reset_index()
    )
    grid = grid.merge(counts, on=["persona_id", "stage_id"], how="left")
    grid["needed"] = grid["needed"].fillna(0).astype("int64")
    grid["covered"] = grid["covered"].fillna(0).astype("int64")
    grid["coverage"] = (grid["covered"] / grid["needed"].where(grid["needed"] > 0) * 100).astype(float)
    return grid[["persona_id", "persona", "stage_id", "stage", "position", "needed", "covered", "coverage"]]


def shown_channels(cmap: ContentMap, persona_id: int | None = None, *, every_channel: bool = False) -> pd.DataFrame:
    """The matrix's columns: every channel, or those that matter here (used by a step, preferred, or holding content)."""
    if every_channel:
        return cmap.channels
    wanted = considered_personas(cmap, persona_id)
    relevant = (
        set(cmap.usage["channel_id"])
        | set(cmap.preferences.loc[cmap.preferences["persona_id"].isin(wanted), "channel_id"])
        | set(visible_mappings(cmap, persona_id)["channel_id"])
    )
    return cmap.channels[cmap.channels["channel_id"].isin(relevant)]
