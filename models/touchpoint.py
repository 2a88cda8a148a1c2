"""The touchpoint catalogue and the evaluated links between touchpoints and steps."""

from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field

from models.base import Audited
from models.constraints import check_range


class Touchpoint(Audited, table=True):
    """A reusable catalogue entry. Direct: the company controls it (article 003)."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_touchpoint_name"),
        UniqueConstraint("id", "workspace_id", name="uq_touchpoint_id_workspace"),
        CheckConstraint("cost_per_contact IS NULL OR cost_per_contact >= 0", name="ck_touchpoint_cost"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    name: str = Field(min_length=1, max_length=160)
    channel_id: Optional[int] = Field(default=None, foreign_key="channel.id", ondelete="SET NULL", index=True)
    is_online: bool = True
    is_direct: bool = True
    owner_department: str = ""
    external_provider: str = ""
    description: str = ""
    cost_per_contact: Optional[float] = Field(default=None, ge=0)


class StepTouchpoint(Audited, table=True):
    """A touchpoint used at a step, with the customer's evaluation (article 002)."""

    __tablename__ = "step_touchpoint"
    __table_args__ = (
        UniqueConstraint("step_id", "touchpoint_id", name="uq_step_touchpoint"),
        check_range("importance", 1, 5, "ck_step_touchpoint_importance"),
        check_range("satisfaction", 1, 5, "ck_step_touchpoint_satisfaction"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    step_id: int = Field(foreign_key="step.id", ondelete="CASCADE", index=True)
    touchpoint_id: int = Field(foreign_key="touchpoint.id", ondelete="CASCADE", index=True)
    importance: Optional[int] = Field(default=None, ge=1, le=5)
    satisfaction: Optional[int] = Field(default=None, ge=1, le=5)
    is_decisive: bool = False
    leads_to_abort: bool = False
    notes: str = ""
