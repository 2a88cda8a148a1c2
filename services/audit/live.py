"""What changed on a journey since a live view last looked: for "Anna added the step “Bucht”"
next to a map that refreshes itself (one query each, by the log's ids)."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from models import ActivityEntry

LIVE_KINDS = ("journey", "stage", "step", "transition", "pain_point", "opportunity", "step_touchpoint", "comment")


def latest_entry_id(session: Session, workspace_id: int) -> int:
    """The newest log entry's id in the workspace (0 when the log is empty): where "since" starts."""
    return session.exec(select(func.coalesce(func.max(ActivityEntry.id), 0)).where(ActivityEntry.workspace_id == workspace_id)).one()


def changes_since(session: Session, workspace_id: int, journey_id: int, after_id: int, limit: int = 20) -> list[ActivityEntry]:
    """The journey's map changes logged after entry ``after_id``, oldest first (at most ``limit``, the newest)."""
    rows = session.exec(
        select(ActivityEntry).where(
            ActivityEntry.workspace_id == workspace_id, ActivityEntry.journey_id == journey_id,
            col(ActivityEntry.id) > after_id, col(ActivityEntry.entity_type).in_(LIVE_KINDS),
        ).order_by(col(ActivityEntry.id).desc()).limit(limit)
    ).all()
    return list(reversed(rows))
