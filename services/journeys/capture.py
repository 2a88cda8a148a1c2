"""Fast capture on the map: a new step joins the flow instead of standing alone.

A step added at the end of a stage is connected from the step before it in reading order (the
stage's last step, or the previous stage's last one when the stage is empty), unless the caller
asks for a loose step or that step is an exit. So ten quick steps make one chain, not ten
unconnected cards with twenty branch warnings.
"""

from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from models import Stage, Step
from services.journeys.crud import create_step, create_transition


def previous_step(session: Session, step: Step) -> Step | None:
    """The step just before ``step`` in reading order (stage position, then step position), or None."""
    stage_position = select(Stage.position).where(Stage.id == step.stage_id).scalar_subquery()
    return session.exec(
        select(Step).join(Stage, col(Stage.id) == Step.stage_id)
        .where(Step.journey_id == step.journey_id, Step.id != step.id)
        .where(or_(and_(Step.stage_id == step.stage_id, col(Step.position) < step.position), col(Stage.position) < stage_position))
        .order_by(col(Stage.position).desc(), col(Step.position).desc(), col(Step.id).desc())
        .limit(1)
    ).first()


def add_step(session: Session, workspace_id: int, stage_id: int, data: dict[str, Any], *, connect: bool = True) -> Step:
    """A new step at the end of the stage, connected from the previous step (see the module) when ``connect``."""
    step = create_step(session, workspace_id, stage_id, data)
    if connect:
        previous = previous_step(session, step)
        if previous is not None and not previous.is_exit:
            create_transition(session, workspace_id, previous.id, step.id)  # type: ignore[arg-type]
    return step
