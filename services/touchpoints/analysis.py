"""Touchpoint evaluation (article 002): which touchpoints decide, which lose customers, where a journey is thin.

Every function reads one aggregated query (grouped in the database, so a
workspace with 20,000 step links sends a few hundred rows, not 20,000) or works
on such a frame without touching the database. A ``journey_id`` of None means
"across all journeys of the workspace"; stages of different journeys are then
matched by name (journeys made from the same template share their stage names).
"""

import math
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sqlalchemy import case, func
from sqlmodel import Session, select

from models import Channel, Journey, Stage, Step, StepTouchpoint, Touchpoint
from services.core import read_frame

# The crosshair of the importance–performance matrix: the middle of the 1–5 scale.
MIDPOINT = 3.0
QUADRANTS = ("fix_first", "keep_up", "possible_overkill", "low_priority")
_SEPARATOR = "\x1f"  # joins names inside one aggregated cell; no one types it into a name

# The one rule of every importance–performance figure (the matrix, the dashboard's "touchpoints to fix first",
# the abort ranking, the report): a touchpoint's point is the mean importance and the mean satisfaction over the
# step links rated on *both*, so both coordinates come from the same links; a link rated on one only does not count.
RATED_ON_BOTH = StepTouchpoint.importance.is_not(None) & StepTouchpoint.satisfaction.is_not(None)  # type: ignore[union-attr]


def rated_means() -> tuple[Any, Any, Any]:
    """The aggregate columns of :data:`RATED_ON_BOTH`'s rule: ``importance``, ``satisfaction`` (means over the links
    rated on both) and ``rated`` (how many such links)."""
    return (
        func.avg(case((RATED_ON_BOTH, StepTouchpoint.importance))).label("importance"),
        func.avg(case((RATED_ON_BOTH, StepTouchpoint.satisfaction))).label("satisfaction"),
        func.count(case((RATED_ON_BOTH, 1))).label("rated"),
    )


def is_fix_first(importance: Any, satisfaction: Any) -> Any:
    """The "fix first" quadrant as an SQL condition on mean ratings: the same bounds as :func:`quadrant`."""
    return (importance >= MIDPOINT) & (satisfaction <= MIDPOINT)


def urgency(importance: Any, satisfaction: Any) -> Any:
    """How badly an important touchpoint disappoints: importance × (5 − satisfaction), 0–20 (values or columns)."""
    return importance * (5 - satisfaction)


def quadrant(importance: float | None, satisfaction: float | None) -> str | None:
    """The matrix quadrant of a touchpoint's mean ratings, None when it is not rated.

    A point on a crosshair goes to the side that asks for attention: importance 3
    counts as important, satisfaction 3 as not yet satisfying.
    """
    if importance is None or satisfaction is None or math.isnan(importance) or math.isnan(satisfaction):
        return None
    important, satisfied = importance >= MIDPOINT, satisfaction > MIDPOINT
    if important:
        return "keep_up" if satisfied else "fix_first"
    return "possible_overkill" if satisfied else "low_priority"


def _links_in_scope(query, workspace_id: int, journey_id: int | None):  # type: ignore[no-untyped-def]
    """Join a StepTouchpoint query to step, stage, journey and touchpoint and restrict it to the scope."""
    query = (
        query.join(Step, Step.id == StepTouchpoint.step_id)
        .join(Stage, Stage.id == Step.stage_id)
        .join(Journey, Journey.id == Step.journey_id)
        .join(Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)
        .where(Journey.workspace_id == workspace_id)
    )
    return query if journey_id is None else query.where(Step.journey_id == journey_id)


def _split_names(value: object) -> str:
    names = sorted(set(str(value).split(_SEPARATOR))) if isinstance(value, str) and value else []
    return "; ".join(names)


def touchpoint_scores(session: Session, workspace_id: int, journey_id: int | None = None) -> pd.DataFrame:
    """Per used touchpoint: mean importance and satisfaction (:func:`rated_means`), steps using it, its journeys,
    its quadrant.

    Columns: touchpoint_id, touchpoint, channel, is_online, is_direct, importance, satisfaction,
    steps, rated, journeys (names joined by "; "), quadrant (None when unrated). Two grouped queries
    (the ratings, and the journeys' names per touchpoint): joined in SQL the names' subquery made the
    grouped query five times slower.
    """
    query = _links_in_scope(
        select(
            Touchpoint.id.label("touchpoint_id"), Touchpoint.name.label("touchpoint"), Channel.name.label("channel"),
            Touchpoint.is_online, Touchpoint.is_direct, *rated_means(),
            func.count(StepTouchpoint.id).label("steps"),
        ).select_from(StepTouchpoint),
        workspace_id, journey_id,
    )
    query = (
        query.outerjoin(Channel, Channel.id == Touchpoint.channel_id)
        .group_by(Touchpoint.id, Touchpoint.name, Channel.name, Touchpoint.is_online, Touchpoint.is_direct)
        .order_by(func.lower(Touchpoint.name), Touchpoint.id)
    )
    frame = read_frame(session, query)
    pairs = _links_in_scope(select(StepTouchpoint.touchpoint_id, Journey.name).distinct(), workspace_id, journey_id).subquery()
    names = read_frame(session, (
        select(pairs.c.touchpoint_id, func.aggregate_strings(pairs.c.name, _SEPARATOR).label("journeys"))
        .group_by(pairs.c.touchpoint_id)
    ))
    frame["journeys"] = frame["touchpoint_id"].map(dict(zip(names["touchpoint_id"], names["journeys"], strict=True)))
    frame["channel"] = frame["channel"].fillna("")
    frame["importance"] = frame["importance"].astype(float)
    frame["satisfaction"] = frame["satisfaction"].astype(float)
    frame["journeys"] = frame["journeys"].map(_split_names)
    frame["quadrant"] = quadrants(frame["importance"], frame["satisfaction"])
    return frame


def quadrants(importance: pd.Series, satisfaction: pd.Series) -> pd.Series:
    """:func:`quadrant` of every row at once (None where a rating is missing)."""
    important, satisfied = (importance >= MIDPOINT).to_numpy(), (satisfaction > MIDPOINT).to_numpy()
    named = np.select([important & satisfied, important, satisfied], ["keep_up", "fix_first", "possible_overkill"],
                      default="low_priority")
    return pd.Series(named, index=importance.index, dtype=object).where(importance.notna() & satisfaction.notna(), None)


class Analysis(NamedTuple):
    """Everything the touchpoint analysis shows, read in one session (see :func:`touchpoint_analysis`)."""

    scores: pd.DataFrame
    stages: pd.DataFrame
    usage: pd.DataFrame
    aborts: pd.DataFrame


def touchpoint_analysis(session: Session, workspace_id: int, journey_id: int | None = None) -> Analysis:
    """The analysis page's data: :func:`touchpoint_scores`, :func:`stage_columns`, :func:`stage_usage` and
    :func:`abort_ranking` for the same scope (five grouped queries, none per touchpoint or journey)."""
    return Analysis(
        touchpoint_scores(session, workspace_id, journey_id), stage_columns(session, workspace_id, journey_id),
        stage_usage(session, workspace_id, journey_id), abort_ranking(session, workspace_id, journey_id),
    )


def stage_columns(session: Session, workspace_id: int, journey_id: int | None = None) -> pd.DataFrame:
    """The stages to show as columns (stage_key, stage, order): a journey's stages, or every stage name across journeys."""
    if journey_id is not None:
        frame = read_frame(session, (
            select(Stage.id.label("stage_key"), Stage.name.label("stage"), Stage.position.label("order"))
            .join(Journey, Journey.id == Stage.journey_id)
            .where(Stage.journey_id == journey_id, Journey.workspace_id == workspace_id)
            .order_by(Stage.position, Stage.id)
        ))
        frame["stage_key"] = frame["stage_key"].astype(str)
        return frame
    return read_frame(session, (
        select(Stage.name.label("stage_key"), Stage.name.label("stage"), func.min(Stage.position).label("order"))
        .join(Journey, Journey.id == Stage.journey_id)
        .where(Journey.workspace_id == workspace_id)
        .group_by(Stage.name)
        .order_by(func.min(Stage.position), Stage.name)
    ))


def stage_usage(session: Session, workspace_id: int, journey_id: int | None = None) -> pd.DataFrame:
    """How many steps of each stage use each touchpoint (only pairs that occur), one grouped query.

    Columns: touchpoint_id, touchpoint, is_online, is_direct, stage_key, steps.
    """
    stage_key = Stage.name if journey_id is None else Stage.id
    query = _links_in_scope(
        select(
            Touchpoint.id.label("touchpoint_id"), Touchpoint.name.label("touchpoint"), Touchpoint.is_online,
            Touchpoint.is_direct, stage_key.label("stage_key"), func.count(StepTouchpoint.id).label("steps"),
        ).select_from(StepTouchpoint),
        workspace_id, journey_id,
    ).group_by(Touchpoint.id, Touchpoint.name, Touchpoint.is_online, Touchpoint.is_direct, stage_key)
    frame = read_frame(session, query)
    frame["stage_key"] = frame["stage_key"].astype(str)
    return frame


def heatmap_table(usage: pd.DataFrame, stages: pd.DataFrame, *, limit: int = 30) -> pd.DataFrame:
    """Touchpoints (rows, the ``limit`` most used) × stages (columns, in journey order): steps using it there.

    Every stage is a column, also one no touchpoint reaches: that is where the journey is thin.
    """
    columns = list(stages["stage_key"])
    if usage.empty:
        return pd.DataFrame(columns=columns, dtype="int64")
    table = usage.pivot_table(index="touchpoint", columns="stage_key", values="steps", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=columns, fill_value=0).astype("int64")
    totals = table.sum(axis=1)
    keep = totals.sort_values(ascending=False, kind="stable").index[:limit]
    return table.loc[sorted(keep, key=lambda name: (-totals[name], str(name).lower()))]


def stage_totals(usage: pd.DataFrame, stages: pd.DataFrame) -> pd.Series:
    """Touchpoint uses per stage over all touchpoints (also those a heatmap leaves out), in stage order."""
    by_stage = usage.groupby("stage_key")["steps"].sum() if not usage.empty else pd.Series(dtype="int64")
    return by_stage.reindex(list(stages["stage_key"]), fill_value=0).astype("int64")


def channel_mix(usage: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """Per stage: touchpoint uses online/offline and direct/indirect, as counts and shares (% of the stage's uses).

    Shares of a stage without touchpoints are NaN (nothing to divide). One grouped pass over ``usage``.
    """
    steps = usage["steps"].astype("int64")
    sums = pd.DataFrame({
        "stage_key": usage["stage_key"], "uses": steps,
        "online": steps.where(usage["is_online"].astype(bool), 0), "direct": steps.where(usage["is_direct"].astype(bool), 0),
    }).groupby("stage_key")[["uses", "online", "direct"]].sum()
    frame = pd.DataFrame({"stage_key": list(stages["stage_key"]), "stage": list(stages["stage"])})
    for column in ("uses", "online", "direct"):
        frame[column] = frame["stage_key"].map(sums[column]).fillna(0).astype("int64")
    frame["offline"] = frame["uses"] - frame["online"]
    frame["indirect"] = frame["uses"] - frame["direct"]
    frame = frame[["stage_key", "stage", "uses", "online", "offline", "direct", "indirect"]]
    for column in ("online", "offline", "direct", "indirect"):
        frame[f"{column}_share"] = (frame[column] / frame["uses"].where(frame["uses"] > 0) * 100).astype(float)
    return frame


def abort_ranking(session: Session, workspace_id: int, journey_id: int | None = None) -> pd.DataFrame:
    """Touchpoints flagged "leads to abort" at some step, ranked by importance × (5 − satisfaction).

    Ratings are the means over the flagged links rated on both (:func:`rated_means`); a touchpoint
    whose flagged links carry no such ratings has no score and comes last. Columns: touchpoint_id,
    touchpoint, channel, importance, satisfaction, score, steps, where ("journey › step; …"). One query.
    """
    where = Journey.name + " › " + Step.title
    importance, satisfaction, _rated = rated_means()
    query = _links_in_scope(
        select(
            Touchpoint.id.label("touchpoint_id"), Touchpoint.name.label("touchpoint"), Channel.name.label("channel"),
            importance, satisfaction,
            func.count(StepTouchpoint.id).label("steps"), func.aggregate_strings(where, _SEPARATOR).label("where"),
        ).select_from(StepTouchpoint),
        workspace_id, journey_id,
    )
    query = (
        query.outerjoin(Channel, Channel.id == Touchpoint.channel_id)
        .where(StepTouchpoint.leads_to_abort.is_(True))  # type: ignore[attr-defined]
        .group_by(Touchpoint.id, Touchpoint.name, Channel.name)
    )
    frame = read_frame(session, query)
    frame["channel"] = frame["channel"].fillna("")
    frame["importance"] = frame["importance"].astype(float)
    frame["satisfaction"] = frame["satisfaction"].astype(float)
    frame["score"] = urgency(frame["importance"], frame["satisfaction"])
    frame["where"] = frame["where"].map(_split_names)
    frame = frame.sort_values(["score", "importance", "touchpoint"], ascending=[False, False, True], na_position="last",
                              kind="stable")
    columns = ["touchpoint_id", "touchpoint", "channel", "importance", "satisfaction", "score", "steps", "where"]
    return frame[columns].reset_index(drop=True)
