"""The journey aggregate: journey, its personas, stages, steps, the items on a
step (pain points, opportunities) and the transitions that make branches.

Composite foreign keys carry ``journey_id`` so the database itself refuses a
step in another journey's stage or a transition between two journeys.
"""

from typing import Optional

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field

from models.base import Audited
from models.constraints import check_in, check_range

JOURNEY_STATES = ("as_is", "to_be")
JOURNEY_STATUSES = ("draft", "in_review", "final")
EXIT_KINDS = ("", "purchase", "complete", "abort", "churn")
OPPORTUNITY_STATUSES = ("idea", "planned", "in_progress", "done", "dropped")


class Journey(Audited, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_journey_name"),
        UniqueConstraint("id", "workspace_id", name="uq_journey_id_workspace"),
        check_in("state", JOURNEY_STATES, "ck_journey_state"),
        check_in("status", JOURNEY_STATUSES, "ck_journey_status"),
        CheckConstraint("next_journey_id IS NULL OR next_journey_id <> id", name="ck_journey_next_not_self"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    name: str = Field(min_length=1, max_length=160)
    scenario: str = ""
    goal: str = ""
    state: str = "as_is"
    status: str = "draft"
    next_journey_id: Optional[int] = Field(default=None, foreign_key="journey.id", ondelete="SET NULL")
    origin_journey_id: Optional[int] = Field(default=None, foreign_key="journey.id", ondelete="SET NULL")
    structure_locked: bool = False  # a facilitator froze stages, steps and branches for a workshop


class JourneyPersona(Audited, table=True):
    __tablename__ = "journey_persona"
    __table_args__ = (
        ForeignKeyConstraint(
            ["journey_id", "workspace_id"], ["journey.id", "journey.workspace_id"],
            ondelete="CASCADE", name="fk_journey_persona_journey",
        ),
        ForeignKeyConstraint(
            ["persona_id", "workspace_id"], ["persona.id", "persona.workspace_id"],
            ondelete="CASCADE", name="fk_journey_persona_persona",
        ),
    )

    journey_id: int = Field(primary_key=True)
    persona_id: int = Field(primary_key=True, index=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE")


class Stage(Audited, table=True):
    __table_args__ = (
        UniqueConstraint("id", "journey_id", name="uq_stage_id_journey"),
        CheckConstraint("position >= 0", name="ck_stage_position"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    journey_id: int = Field(foreign_key="journey.id", ondelete="CASCADE", index=True)
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    position: int = 0


class Step(Audited, table=True):
    """A card in a stage: what the customer does, thinks, feels and needs."""

    __table_args__ = (
        UniqueConstraint("id", "journey_id", name="uq_step_id_journey"),
        # NO ACTION (not CASCADE): deleting a stage that still holds steps is
        # refused by the database; the service moves or deletes them first.
        ForeignKeyConstraint(
            ["stage_id", "journey_id"], ["stage.id", "stage.journey_id"], name="fk_step_stage",
        ),
        check_range("emotion", -3, 3, "ck_step_emotion"),
        check_range("entry_share", 0, 100, "ck_step_entry_share"),
        check_in("exit_kind", EXIT_KINDS, "ck_step_exit_kind"),
        CheckConstraint("position >= 0", name="ck_step_position"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    journey_id: int = Field(foreign_key="journey.id", ondelete="CASCADE", index=True)
    stage_id: int = Field(index=True)
    position: int = 0
    title: str = Field(min_length=1, max_length=200)
    doing: str = ""
    thinking: str = ""
    feeling: str = ""
    emotion: int = Field(default=0, ge=-3, le=3)
    needs: str = ""
    owner_department: str = ""
    backstage: str = ""
    is_moment_of_truth: bool = False
    is_entry: bool = False
    entry_share: Optional[float] = Field(default=None, ge=0, le=100)
    is_exit: bool = False
    exit_kind: str = ""


class PainPoint(Audited, table=True):
    __tablename__ = "pain_point"
    __table_args__ = (check_range("severity", 1, 5, "ck_pain_point_severity"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    step_id: int = Field(foreign_key="step.id", ondelete="CASCADE", index=True)
    text: str = Field(min_length=1, max_length=500)
    severity: int = Field(default=3, ge=1, le=5)
    position: int = 0


class Opportunity(Audited, table=True):
    __table_args__ = (
        check_range("customer_value", 1, 5, "ck_opportunity_customer_value"),
        check_range("business_value", 1, 5, "ck_opportunity_business_value"),
        check_range("effort", 1, 5, "ck_opportunity_effort"),
        check_in("status", OPPORTUNITY_STATUSES, "ck_opportunity_status"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    step_id: int = Field(foreign_key="step.id", ondelete="CASCADE", index=True)
    text: str = Field(min_length=1, max_length=500)
    customer_value: int = Field(default=3, ge=1, le=5)
    business_value: int = Field(default=3, ge=1, le=5)
    effort: int = Field(default=3, ge=1, le=5)
    status: str = "idea"
    position: int = 0


class OpportunityPainPoint(Audited, table=True):
    """Which pain points an opportunity addresses."""

    __tablename__ = "opportunity_pain_point"

    opportunity_id: int = Field(foreign_key="opportunity.id", ondelete="CASCADE", primary_key=True)
    pain_point_id: int = Field(foreign_key="pain_point.id", ondelete="CASCADE", primary_key=True, index=True)


class Transition(Audited, table=True):
    """Step → step. Several out of one step make a branch; share is % of the source's customers."""

    __table_args__ = (
        UniqueConstraint("source_step_id", "target_step_id", name="uq_transition_pair"),
        ForeignKeyConstraint(
            ["source_step_id", "journey_id"], ["step.id", "step.journey_id"],
            ondelete="CASCADE", name="fk_transition_source",
        ),
        ForeignKeyConstraint(
            ["target_step_id", "journey_id"], ["step.id", "step.journey_id"],
            ondelete="CASCADE", name="fk_transition_target",
        ),
        check_range("share", 0, 100, "ck_transition_share"),
        CheckConstraint("source_step_id <> target_step_id", name="ck_transition_not_self"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    journey_id: int = Field(foreign_key="journey.id", ondelete="CASCADE", index=True)
    source_step_id: int = Field(index=True)
    target_step_id: int = Field(index=True)
    label: str = ""
    share: Optional[float] = Field(default=None, ge=0, le=100)


class StepPersonaEmotion(Audited, table=True):
    """How one persona feels at a step when it differs from the step's own score.

    No row means "as the step": the emotion curve draws a persona's own line only
    where someone entered a different score.
    """

    __tablename__ = "step_persona_emotion"
    __table_args__ = (
        UniqueConstraint("step_id", "persona_id", name="uq_step_persona_emotion"),
        check_range("emotion", -3, 3, "ck_step_persona_emotion"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    step_id: int = Field(foreign_key="step.id", ondelete="CASCADE", index=True)
    persona_id: int = Field(foreign_key="persona.id", ondelete="CASCADE", index=True)
    emotion: int = Field(ge=-3, le=3)
