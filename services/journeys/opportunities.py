"""The opportunity portfolio: every opportunity of a journey (or of the workspace) with its scores,
its step, the pain points it addresses and its votes, in one table and one value–effort matrix.

Reading is one query (votes and linked pain points are correlated subqueries on indexed columns);
saving the edited table validates every row like a form and writes all rows or none.
"""

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

import services.journeys.crud as journeys
from models import Journey, Opportunity, OpportunityPainPoint, PainPoint, Stage, Step, Vote
from models.journey import OPPORTUNITY_STATUSES
from services import core
from services.core import RowChange

SCORE_FIELDS = ("customer_value", "business_value", "effort", "status")
# The crosshair of the matrix: the middle of each scale (value 2–10, effort 1–5).
VALUE_MIDPOINT = 6.0
EFFORT_MIDPOINT = 3.0
_SEPARATOR = "\x1f"  # joins pain point texts inside one aggregated cell; no one types it


def portfolio(session: Session, workspace_id: int, journey_id: int | None = None) -> pd.DataFrame:
    """All opportunities of the journey (None: of the workspace), in map order, in one query.

    Columns: id, version, text, customer_value, business_value, effort, status, votes, step_id, step,
    stage, journey_id, journey, pain_points (texts joined by "; ", sorted), pain_point_count,
    value (customer + business, 2–10), priority (value per unit of effort).
    """
    votes = select(func.count(Vote.id)).where(Vote.opportunity_id == Opportunity.id).correlate(Opportunity).scalar_subquery()
    linked = (
        select(func.aggregate_strings(PainPoint.text, _SEPARATOR))
        .join(OpportunityPainPoint, OpportunityPainPoint.pain_point_id == PainPoint.id)
        .where(OpportunityPainPoint.opportunity_id == Opportunity.id)
        .correlate(Opportunity)
        .scalar_subquery()
    )
    query = (
        select(
            Opportunity.id, Opportunity.version, Opportunity.text, Opportunity.customer_value, Opportunity.business_value,
            Opportunity.effort, Opportunity.status, votes.label("votes"), Opportunity.step_id, Step.title.label("step"),
            Stage.name.label("stage"), Journey.id.label("journey_id"), Journey.name.label("journey"),
            linked.label("pain_points"),
        )
        .join(Step, Step.id == Opportunity.step_id)
        .join(Stage, Stage.id == Step.stage_id)
        .join(Journey, Journey.id == Step.journey_id)
        .where(Journey.workspace_id == workspace_id)
        .order_by(func.lower(Journey.name), Journey.id, Stage.position, Stage.id, Step.position, Step.id,
                  Opportunity.position, Opportunity.id)
    )
    if journey_id is not None:
        query = query.where(Step.journey_id == journey_id)
    frame = core.read_frame(session, query)
    texts = [sorted(set(v.split(_SEPARATOR)), key=str.lower) if isinstance(v, str) and v else [] for v in frame["pain_points"]]
    frame["pain_points"] = ["; ".join(t) for t in texts]
    frame["pain_point_count"] = [len(t) for t in texts]
    frame["votes"] = frame["votes"].fillna(0).astype(int)
    frame["value"] = frame["customer_value"] + frame["business_value"]
    frame["priority"] = (frame["value"] / frame["effort"]).round(2)
    return frame


def status_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Opportunities per status, every status present (0 when none)."""
    counts = frame["status"].value_counts() if not frame.empty else pd.Series(dtype=int)
    return {status: int(counts.get(status, 0)) for status in OPPORTUNITY_STATUSES}


def save_portfolio(session: Session, workspace_id: int, changes: Sequence[RowChange]) -> int:
    """Apply the edited scores and statuses of several opportunities in the caller's transaction.

    Every row is validated like the step editor's form (1–5 scores, a known status, the workspace);
    each runs in a savepoint so every bad row is reported (:class:`~services.core.Problems`), and the caller's
    unit of work then rolls the whole change back: all rows are saved, or none.
    """
    return core.apply_rows(session, changes, lambda c: journeys.update_opportunity(
        session, workspace_id, c.row_id, {k: v for k, v in c.changes.items() if k in SCORE_FIELDS}, expected_version=c.version,
    ))
