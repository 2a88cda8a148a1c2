"""KPIs with targets and their measurements over time."""

from datetime import date
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field

from models.base import Audited
from models.constraints import check_in

METRIC_KINDS = (
    "conversion_rate", "drop_off_rate", "csat", "nps", "ces", "response_time", "cost_per_contact", "custom",
)
METRIC_DIRECTIONS = ("higher", "lower")
METRIC_SCOPES = ("workspace", "journey", "step", "touchpoint")


class Metric(Audited, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_metric_name"),
        check_in("kind", METRIC_KINDS, "ck_metric_kind"),
        check_in("direction", METRIC_DIRECTIONS, "ck_metric_direction"),
        check_in("scope", METRIC_SCOPES, "ck_metric_scope"),
        CheckConstraint("review_every_days IS NULL OR review_every_days > 0", name="ck_metric_cadence"),
        CheckConstraint(
            "(scope = 'workspace' AND journey_id IS NULL AND step_id IS NULL AND touchpoint_id IS NULL)"
            " OR (scope = 'journey' AND journey_id IS NOT NULL AND step_id IS NULL AND touchpoint_id IS NULL)"
            " OR (scope = 'step' AND step_id IS NOT NULL AND touchpoint_id IS NULL)"
            " OR (scope = 'touchpoint' AND touchpoint_id IS NOT NULL AND step_id IS NULL)",
            name="ck_metric_scope_target",
        ),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    name: str = Field(min_length=1, max_length=160)
    kind: str = "custom"
    unit: str = ""
    target: Optional[float] = None
    direction: str = "higher"
    review_every_days: Optional[int] = Field(default=30, gt=0)
    scope: str = "workspace"
    journey_id: Optional[int] = Field(default=None, foreign_key="journey.id", ondelete="CASCADE", index=True)
    step_id: Optional[int] = Field(default=None, foreign_key="step.id", ondelete="CASCADE", index=True)
    touchpoint_id: Optional[int] = Field(default=None, foreign_key="touchpoint.id", ondelete="CASCADE", index=True)
    description: str = ""


class Measurement(Audited, table=True):
    __table_args__ = (UniqueConstraint("metric_id", "measured_on", name="uq_measurement_date"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    metric_id: int = Field(foreign_key="metric.id", ondelete="CASCADE", index=True)
    measured_on: date
    value: float
    note: str = ""
