"""The managers' dashboard: a health summary per journey, read in a fixed number of queries.

Everything is loaded for all requested journeys at once (``IN (…)`` plus a window function that
keeps the top rows per journey), never one query per journey:

- KPIs: :func:`services.metrics.metric_status` (journey and step metrics belong to their journey),
- the lowest-emotion step, the top pain points and the touchpoints to fix first: one query each,
- the biggest drop-off: the steps and transitions of the journeys in two queries, then the flow
  model of :mod:`services.flows` per journey in memory. The flow costs a few milliseconds per
  journey, so the page asks for it only for the journeys whose cards it shows.

No Streamlit here.
"""

from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from models import PainPoint, Stage, Step, StepTouchpoint, Touchpoint, Transition, Vote
from services import core, journeys, touchpoints
from services.core import DomainError
from services.metrics.crud import measurement_series, metric_status

TOP = 3  # pain points and touchpoints listed per journey
DROP_OFF_COLUMNS = ["journey_id", "step_id", "title", "stage_name", "lost", "pct_of_customers", "error"]


def _ids(journey_ids: Sequence[int]) -> list[int]:
    return [int(i) for i in dict.fromkeys(journey_ids)]


def journey_kpis(status: pd.DataFrame, journey_ids: Sequence[int]) -> pd.DataFrame:
    """The metrics of the journeys (their own and their steps'), from a ``metrics.metric_status`` frame.

    Ordered per journey as its main KPIs come first: journey metrics before step metrics, off target
    before on target, then by name.
    """
    ids = _ids(journey_ids)
    kpis = status[status["journey_id"].isin(ids)]
    order = kpis.assign(
        _scope=(kpis["scope"] != "journey").astype(int),
        _status=kpis["status"].map({"off_target": 0, "on_target": 1, "no_target": 2, "no_data": 3}),
        _name=kpis["name"].str.casefold(),
    ).sort_values(["journey_id", "_scope", "_status", "_name"], kind="stable")
    return kpis.loc[order.index].reset_index(drop=True)


def kpi_summary(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per journey: KPIs in total, on target, off target, overdue (index journey_id)."""
    grouped = kpis.assign(
        on_target=kpis["status"] == "on_target", off_target=kpis["status"] == "off_target", overdue=kpis["overdue"],
    ).groupby("journey_id")
    return pd.DataFrame({
        "kpis": grouped.size(), "on_target": grouped["on_target"].sum(), "off_target": grouped["off_target"].sum(),
        "overdue": grouped["overdue"].sum(),
    }).astype(int)


def lowest_emotion_steps(session: Session, journey_ids: Sequence[int]) -> pd.DataFrame:
    """Per journey the step with the lowest emotion score (the first in reading order on a tie), one query.

    Columns: journey_id, step_id, step, stage, emotion. The caller has checked the journeys' workspace.
    """
    ids = _ids(journey_ids)
    ranked = (
        select(
            Step.journey_id, Step.id.label("step_id"), Step.title.label("step"), Stage.name.label("stage"), Step.emotion,
            func.row_number().over(
                partition_by=Step.journey_id, order_by=(Step.emotion, Stage.position, Stage.id, Step.position, Step.id),
            ).label("rank"),
        )
        .join(Stage, Stage.id == Step.stage_id)
        .where(col(Step.journey_id).in_(ids))
        .subquery()
    )
    return core.read_frame(session, (
        select(ranked.c.journey_id, ranked.c.step_id, ranked.c.step, ranked.c.stage, ranked.c.emotion)
        .where(ranked.c.rank == 1)
    ))


def top_pain_points(session: Session, journey_ids: Sequence[int], *, top: int = TOP) -> pd.DataFrame:
    """Per journey its ``top`` pain points: by votes where there are votes, then by severity, then map order.

    One query. Columns: journey_id, pain_point_id, text, severity, votes, step, rank.
    """
    ids = _ids(journey_ids)
    votes = select(func.count(Vote.id)).where(Vote.pain_point_id == PainPoint.id).correlate(PainPoint).scalar_subquery()
    counted = (
        select(
            Step.journey_id, PainPoint.id.label("pain_point_id"), PainPoint.text, PainPoint.severity,
            votes.label("votes"), Step.title.label("step"), Stage.position.label("stage_position"), Stage.id.label("stage_id"),
            Step.position.label("step_position"), Step.id.label("step_id"), PainPoint.position.label("position"),
        )
        .join(Step, Step.id == PainPoint.step_id)
        .join(Stage, Stage.id == Step.stage_id)
        .where(col(Step.journey_id).in_(ids))
        .subquery()
    )
    c = counted.c
    ranked = select(
        c.journey_id, c.pain_point_id, c.text, c.severity, c.votes, c.step,
        func.row_number().over(
            partition_by=c.journey_id,
            order_by=(c.votes.desc(), c.severity.desc(), c.stage_position, c.stage_id, c.step_position, c.step_id,
                      c.position, c.pain_point_id),
        ).label("rank"),
    ).subquery()
    return core.read_frame(session, (
        select(ranked).where(ranked.c.rank <= top).order_by(ranked.c.journey_id, ranked.c.rank)
    ))


def fix_first_touchpoints(session: Session, journey_ids: Sequence[int], *, top: int = TOP) -> pd.DataFrame:
    """Per journey its ``top`` touchpoints in the importance–performance matrix's "fix first" quadrant.

    The same rule as the analysis page's matrix (:func:`services.touchpoints.rated_means`: mean ratings over the
    journey's links rated on both; :func:`services.touchpoints.is_fix_first`: importance ≥ 3, satisfaction ≤ 3),
    ranked by the same urgency as its abort ranking, importance × (5 − satisfaction). One grouped query for all
    journeys (the analysis page's :func:`touchpoint_scores` would be one query per journey).
    Columns: journey_id, touchpoint_id, touchpoint, importance, satisfaction, steps, urgency, rank.
    """
    ids = _ids(journey_ids)
    rated = (
        select(Step.journey_id, StepTouchpoint.touchpoint_id, *touchpoints.rated_means())
        .join(Step, Step.id == StepTouchpoint.step_id)
        .where(col(Step.journey_id).in_(ids))
        .group_by(Step.journey_id, StepTouchpoint.touchpoint_id)
        .subquery()
    )
    urgency = touchpoints.urgency(rated.c.importance, rated.c.satisfaction)
    ranked = (
        select(
            rated.c.journey_id, rated.c.touchpoint_id, Touchpoint.name.label("touchpoint"), rated.c.importance,
            rated.c.satisfaction, rated.c.rated.label("steps"), urgency.label("urgency"),
            func.row_number().over(
                partition_by=rated.c.journey_id, order_by=(urgency.desc(), rated.c.importance.desc(), func.lower(Touchpoint.name)),
            ).label("rank"),
        )
        .join(Touchpoint, Touchpoint.id == rated.c.touchpoint_id)
        .where(rated.c.rated > 0, touchpoints.is_fix_first(rated.c.importance, rated.c.satisfaction))
        .subquery()
    )
    frame = core.read_frame(session, select(ranked).where(ranked.c.rank <= top).order_by(ranked.c.journey_id, ranked.c.rank))
    for column in ("importance", "satisfaction", "urgency"):
        frame[column] = frame[column].astype(float)
    return frame


def biggest_drop_offs(session: Session, journey_ids: Sequence[int], *, customers: int = 1000) -> pd.DataFrame:
    """Per journey the step that loses the most of ``customers`` (:meth:`flows.FlowResult.biggest_losses`).

    Two queries for all journeys (their steps and transitions), then :func:`flows.compute_flow` per
    journey in memory (the model of :func:`flows.journey_flow`, without its three queries per journey).
    A journey whose flow cannot be computed (a loop without a way out) gets its message in ``error``;
    one that loses nobody has no row. Columns: journey_id, step_id, title, stage_name, lost,
    pct_of_customers, error.
    """
    ids = _ids(journey_ids)
    if not ids:
        return pd.DataFrame(columns=DROP_OFF_COLUMNS)
    steps = core.read_frame(session, (
        select(  # only what the flow model reads (the step texts would cost time for nothing)
            Step.journey_id, Step.id.label("step_id"), Step.title, Step.stage_id, Stage.name.label("stage_name"),
            Stage.position.label("stage_position"), Step.is_entry, Step.entry_share, Step.is_exit, Step.exit_kind,
        )
        .join(Stage, Stage.id == Step.stage_id)
        .where(col(Step.journey_id).in_(ids))
        .order_by(Step.journey_id, Stage.position, Stage.id, Step.position, Step.id)
    ))
    links = core.read_frame(session, (
        select(Transition.journey_id, Transition.source_step_id, Transition.target_step_id, Transition.share)
        .where(col(Transition.journey_id).in_(ids))
    ))
    rows: list[dict] = []
    steps_of = dict(tuple(steps.groupby("journey_id", sort=False)))
    links_of = dict(tuple(links.groupby("journey_id", sort=False)))
    empty_links = links.iloc[0:0]
    for journey_id in ids:
        journey_steps = steps_of.get(journey_id)
        if journey_steps is None:
            continue
        try:
            flow = journeys.compute_flow(journey_steps, links_of.get(journey_id, empty_links), customers)
        except DomainError as err:
            rows.append({"journey_id": journey_id, "error": err})
            continue
        for loss in flow.biggest_losses(1).to_dict("records"):
            rows.append({"journey_id": journey_id, **{k: loss[k] for k in DROP_OFF_COLUMNS[1:-1]}, "error": None})
    return pd.DataFrame(rows, columns=DROP_OFF_COLUMNS)


def health_table(
    journey_frame: pd.DataFrame, kpis: pd.DataFrame, lowest: pd.DataFrame, pains: pd.DataFrame, fixes: pd.DataFrame
) -> pd.DataFrame:
    """One row per journey (in the order of ``journey_frame``): KPIs on/off target and overdue, the
    lowest-emotion step, the top pain point and the first touchpoint to fix. Pure (no queries)."""
    table = journey_frame[["id", "name", "personas"]].rename(columns={"id": "journey_id", "name": "journey"})
    summary = kpi_summary(kpis)
    table = table.join(summary, on="journey_id")
    for column in ("kpis", "on_target", "off_target", "overdue"):
        table[column] = table[column].fillna(0).astype(int)
    table = table.merge(lowest[["journey_id", "step", "emotion"]].rename(columns={"step": "lowest_step"}),
                        on="journey_id", how="left")
    first_pain = pains[pains["rank"] == 1][["journey_id", "text", "votes"]].rename(columns={"text": "top_pain_point"})
    table = table.merge(first_pain, on="journey_id", how="left")
    first_fix = fixes[fixes["rank"] == 1][["journey_id", "touchpoint"]].rename(columns={"touchpoint": "fix_first"})
    table = table.merge(first_fix, on="journey_id", how="left")
    for column in ("lowest_step", "top_pain_point", "fix_first"):
        table[column] = table[column].fillna("")
    table["emotion"] = table["emotion"].astype("Int64")
    table["votes"] = table["votes"].fillna(0).astype(int)
    return table


def main_kpis(kpis: pd.DataFrame, journey_id: int, limit: int = 3) -> pd.DataFrame:
    """A journey's first ``limit`` KPIs in :func:`journey_kpis` order."""
    return kpis[kpis["journey_id"] == journey_id].head(limit)


class JourneyHealth(NamedTuple):
    """Everything the dashboard shows about a choice of journeys (see :func:`journey_health`)."""

    status: pd.DataFrame  # metrics.metric_status of the whole workspace
    kpis: pd.DataFrame  # journey_kpis of the chosen journeys
    main: pd.DataFrame  # each journey's first ``sparklines`` KPIs
    lowest: pd.DataFrame
    pains: pd.DataFrame
    fixes: pd.DataFrame
    drops: pd.DataFrame  # for the first ``cards`` journeys only
    series: pd.DataFrame  # the main KPIs' measurements, for the first ``cards`` journeys


def journey_health(
    session: Session, workspace_id: int, journey_ids: Sequence[int], cards: int, customers: int, sparklines: int
) -> JourneyHealth:
    """The dashboard's data for ``journey_ids`` (which the caller took from the workspace's journey list):
    a fixed number of queries whatever the number of journeys; the flow model runs for the first ``cards``."""
    ids = _ids(journey_ids)
    card_ids = ids[:cards]
    status = metric_status(session, workspace_id)
    kpis = journey_kpis(status, ids)
    main = kpis.groupby("journey_id", sort=False).head(sparklines)
    series = measurement_series(session, workspace_id, main.loc[main["journey_id"].isin(card_ids), "metric_id"], status=status)
    return JourneyHealth(
        status, kpis, main, lowest_emotion_steps(session, ids), top_pain_points(session, ids),
        fix_first_touchpoints(session, ids), biggest_drop_offs(session, card_ids, customers=customers), series,
    )
