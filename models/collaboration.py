"""Workshop and history rows: comments, dot-voting rounds and votes, activity entries."""

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Column, Index
from sqlmodel import Field, SQLModel

from models.base import Audited, utcnow

ONE_TARGET = (
    "(CASE WHEN step_id IS NULL THEN 0 ELSE 1 END)"
    " + (CASE WHEN touchpoint_id IS NULL THEN 0 ELSE 1 END)"
)


class Comment(Audited, table=True):
    __table_args__ = (CheckConstraint(f"{ONE_TARGET} = 1", name="ck_comment_one_target"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    step_id: Optional[int] = Field(default=None, foreign_key="step.id", ondelete="CASCADE", index=True)
    touchpoint_id: Optional[int] = Field(default=None, foreign_key="touchpoint.id", ondelete="CASCADE", index=True)
    author: str = Field(min_length=1, max_length=80)
    body: str = Field(min_length=1, max_length=4000)
    is_resolved: bool = False


class VoteRound(Audited, table=True):
    __tablename__ = "vote_round"
    __table_args__ = (CheckConstraint("dots_per_participant BETWEEN 1 AND 50", name="ck_vote_round_dots"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    journey_id: int = Field(foreign_key="journey.id", ondelete="CASCADE", index=True)
    name: str = Field(min_length=1, max_length=120)
    dots_per_participant: int = Field(default=5, ge=1, le=50)
    is_open: bool = True
    hide_votes: bool = False  # the dots stay secret until the round is closed (no anchoring on others' votes)


class Vote(Audited, table=True):
    """One dot, spent by a participant on exactly one step, pain point or opportunity."""

    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN step_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN pain_point_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN opportunity_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="ck_vote_one_target",
        ),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="vote_round.id", ondelete="CASCADE", index=True)
    voter: str = Field(min_length=1, max_length=80)
    step_id: Optional[int] = Field(default=None, foreign_key="step.id", ondelete="CASCADE", index=True)
    pain_point_id: Optional[int] = Field(default=None, foreign_key="pain_point.id", ondelete="CASCADE", index=True)
    opportunity_id: Optional[int] = Field(default=None, foreign_key="opportunity.id", ondelete="CASCADE", index=True)


class ActivityEntry(Audited, table=True):
    """Who changed what, when, with the values before and after.

    Entity ids are kept without foreign keys on purpose: the history must
    outlive the rows it describes (undo of a delete, the trash).
    """

    __tablename__ = "activity_entry"
    __table_args__ = (Index("ix_activity_entry_entity", "entity_type", "entity_id"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    at: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    actor: str = ""
    account_id: Optional[int] = Field(default=None)  # who acted, when it was a signed-in account (undo goes by it)
    action: str = Field(max_length=20)
    entity_type: str = Field(max_length=40)
    entity_id: Optional[int] = None
    journey_id: Optional[int] = Field(default=None, index=True)
    summary: str = ""
    before: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))
    after: Optional[dict[str, Any]] = Field(default=None, sa_column=Column(JSON))
    # The row's version after this change (before it, for a delete): "who changed it since version n".
    entity_version: Optional[int] = None
    # One id per write transaction: an undo takes back everything one save did.
    batch: str = Field(default="", max_length=32, index=True)
    # Set on the entries an undo or a restore from the trash wrote: the entry they took back.
    reverts_id: Optional[int] = Field(default=None, index=True)


class Presence(SQLModel, table=True):
    """Who has a workspace (and which journey map) open right now: one row per browser session,
    refreshed by a heartbeat. Not ``Audited``: a heartbeat is bookkeeping, not an edit, and
    leaves neither a version nor a history entry nor a new workspace revision.

    ``focus_stage_id`` is a facilitator's focus (participants' views follow the newest one);
    ``focus_at`` says when it was set. ``timer_ends_at`` is a facilitator's countdown for a
    time-boxed exercise (the newest by ``timer_at`` counts; NULL ends set at ``timer_at`` stop it).
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    journey_id: Optional[int] = Field(default=None, foreign_key="journey.id", ondelete="CASCADE", index=True)
    session_key: str = Field(unique=True, max_length=64)
    # The signed-in account behind the session: the room's poll route (which has no Streamlit session)
    # checks on every poll that it is still a member of the workspace. NULL for a script's presence.
    account_id: Optional[int] = Field(default=None, foreign_key="account.id", ondelete="CASCADE")
    display_name: str = Field(max_length=80)
    last_seen: datetime = Field(default_factory=utcnow, nullable=False, index=True)
    is_facilitator: bool = False
    focus_stage_id: Optional[int] = Field(default=None, foreign_key="stage.id", ondelete="SET NULL")
    focus_at: Optional[datetime] = None
    timer_ends_at: Optional[datetime] = None
    timer_at: Optional[datetime] = None
