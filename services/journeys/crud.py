"""The journey aggregate: journeys and their personas, stages, steps, the pain points and
opportunities on a step, the transitions that make branches, and per-persona emotions.

Structure (which stage a step sits in, positions) is not editable through the ``update_*``
functions: moving, reordering and copying are :mod:`services.journeys.structure`, so a form can
never break the order by accident. New stages and steps are appended at the end; gaps left by
deletes are harmless because lists sort by position.
"""

from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd
from sqlalchemy import String, cast, func
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import (
    Journey,
    JourneyPersona,
    Opportunity,
    OpportunityPainPoint,
    PainPoint,
    Persona,
    Stage,
    Step,
    Transition,
)
from models.journey import EXIT_KINDS, JOURNEY_STATES, JOURNEY_STATUSES, OPPORTUNITY_STATUSES
from services import core
from services.core import N_, DomainError, read_frame

JOURNEY_FIELDS = ("name", "scenario", "goal", "state", "status", "next_journey_id")
STAGE_FIELDS = ("name", "description")
STEP_FIELDS = (
    "title", "doing", "thinking", "feeling", "emotion", "needs", "owner_department", "backstage",
    "is_moment_of_truth", "is_entry", "entry_share", "is_exit", "exit_kind",
)
PAIN_POINT_FIELDS = ("text", "severity")
OPPORTUNITY_FIELDS = ("text", "customer_value", "business_value", "effort", "status")
TRANSITION_FIELDS = ("label", "share")

JOURNEY_CHOICES = {"state": JOURNEY_STATES, "status": JOURNEY_STATUSES}
STEP_CHOICES = {"exit_kind": EXIT_KINDS}
OPPORTUNITY_CHOICES = {"status": OPPORTUNITY_STATUSES}

# Separator for the aggregated persona names: a control character no one types into a name.
_NAME_SEPARATOR = "\x1f"

# Columns a copy or a bulk insert never takes over: the database and the ORM set them afresh.
BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "version"})

TO_BE_SUFFIX = N_(" (to-be)")
StageDirection = Literal["left", "right"]
StepDirection = Literal["left", "right", "up", "down"]


def _next_position(session: Session, position: Any, parent: Any, parent_id: int) -> int:
    """The position after the last one under ``parent`` (0 for the first child)."""
    return session.exec(select(func.coalesce(func.max(position), -1) + 1).where(parent == parent_id)).one()


def _replace_links(session: Session, model: Any, owner: dict[str, int], target: str, wanted: list[int]) -> None:
    """Make ``model``'s link rows of ``owner`` point at exactly ``wanted``; links that stay keep their rows."""
    query = select(model)
    for field, value in owner.items():
        query = query.where(getattr(model, field) == value)
    kept = set()
    for link in session.exec(query).all():
        if getattr(link, target) in wanted:
            kept.add(getattr(link, target))
        else:
            session.delete(link)
    session.add_all(core.validate(model, {**owner, target: target_id}) for target_id in wanted if target_id not in kept)
    core.flush(session)


# --- journeys -----------------------------------------------------------------------------------


def get_journey(session: Session, workspace_id: int, journey_id: int) -> Journey:
    return core.get(session, Journey, journey_id, workspace_id)


def list_journeys(session: Session, workspace_id: int) -> pd.DataFrame:
    """One row per journey with its personas (names, and ids for filtering), its number of steps,
    the journey it leads into and the one it was copied from, in one query."""
    next_journey = aliased(Journey)
    step_count = select(func.count(Step.id)).where(Step.journey_id == Journey.id).correlate(Journey).scalar_subquery()
    query = (
        select(
            Journey.id, Journey.name, Journey.scenario, Journey.goal, Journey.state, Journey.status,
            Journey.next_journey_id, next_journey.name.label("next_journey"), Journey.origin_journey_id,
            func.count(Persona.id).label("persona_count"),
            func.aggregate_strings(Persona.name, _NAME_SEPARATOR).label("personas"),
            func.aggregate_strings(cast(Persona.id, String), _NAME_SEPARATOR).label("persona_ids"),
            step_count.label("steps"),
            Journey.updated_at, Journey.version,
        )
        .outerjoin(JourneyPersona, JourneyPersona.journey_id == Journey.id)
        .outerjoin(Persona, Persona.id == JourneyPersona.persona_id)
        .outerjoin(next_journey, next_journey.id == Journey.next_journey_id)
        .where(Journey.workspace_id == workspace_id)
        .group_by(Journey.id, next_journey.name)
        .order_by(func.lower(Journey.name))
    )
    result = session.exec(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    # The aggregate's order is unspecified: sort the names so the table reads the same every time.
    frame["personas"] = [
        ", ".join(sorted(names.split(_NAME_SEPARATOR), key=str.lower)) if isinstance(names, str) else ""
        for names in frame["personas"]
    ]
    frame["persona_ids"] = [
        tuple(sorted(int(i) for i in ids.split(_NAME_SEPARATOR))) if isinstance(ids, str) else () for ids in frame["persona_ids"]
    ]
    frame["next_journey"] = frame["next_journey"].fillna("")
    for column in ("next_journey_id", "origin_journey_id"):
        frame[column] = frame[column].astype("Int64")
    return frame


def filter_journeys(
    frame: pd.DataFrame, *, search: str = "", statuses: Iterable[str] = (), persona_ids: Iterable[int] = ()
) -> pd.DataFrame:
    """The rows of :func:`list_journeys` that match: ``search`` in name, scenario, goal or persona names
    (any case), one of ``statuses``, and at least one of ``persona_ids``; an empty filter keeps all.
    Pure, so the page filters without another query."""
    keep = pd.Series(True, index=frame.index)
    needle = search.strip().casefold()
    if needle:
        text = frame["name"].astype(str)
        for column in ("scenario", "goal", "personas"):
            text = text + "\n" + frame[column].astype(str)
        keep &= text.str.casefold().str.contains(needle, regex=False)
    wanted_statuses = set(statuses)
    if wanted_statuses:
        keep &= frame["status"].isin(wanted_statuses)
    wanted_personas = set(persona_ids)
    if wanted_personas:
        keep &= frame["persona_ids"].map(lambda ids: not wanted_personas.isdisjoint(ids)).astype(bool)
    return frame[keep]


def journey_persona_ids(session: Session, workspace_id: int, journey_id: int) -> list[int]:
    """The persona ids attached to a journey (to pre-fill the edit form)."""
    return list(session.exec(
        select(JourneyPersona.persona_id).where(
            JourneyPersona.journey_id == journey_id, JourneyPersona.workspace_id == workspace_id,
        ).order_by(JourneyPersona.persona_id)
    ).all())


def _check_next_journey(session: Session, workspace_id: int, journey_id: int | None, next_journey_id: int | None) -> None:
    """The lifecycle link must point to another journey of the same workspace."""
    if next_journey_id is None:
        return
    if journey_id is not None and next_journey_id == journey_id:
        raise DomainError(N_("A journey cannot lead into itself."), field="next_journey_id")
    core.reference(
        session, Journey, next_journey_id, workspace_id,
        field="next_journey_id", message=N_("Choose a journey from this workspace."),
    )


def create_journey(session: Session, workspace_id: int, data: dict[str, Any], *, persona_ids: list[int] | None = None) -> Journey:
    values = core.editable(data, JOURNEY_FIELDS)
    core.check_choices(values, JOURNEY_CHOICES)
    _check_next_journey(session, workspace_id, None, values.get("next_journey_id"))
    journey = core.create(session, Journey, {**values, "workspace_id": workspace_id})
    if persona_ids:
        set_journey_personas(session, workspace_id, journey.id, persona_ids)
    return journey


def update_journey(
    session: Session,
    workspace_id: int,
    journey_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    persona_ids: list[int] | None = None,
) -> Journey:
    """Change the journey's fields; ``persona_ids`` (if given) replaces its personas."""
    get_journey(session, workspace_id, journey_id)
    values = core.editable(changes, JOURNEY_FIELDS)
    core.check_choices(values, JOURNEY_CHOICES)
    if "next_journey_id" in values:
        _check_next_journey(session, workspace_id, journey_id, values["next_journey_id"])
    journey = core.update(
        session, Journey, journey_id, values, expected_version=expected_version, workspace_id=workspace_id,
    )
    if persona_ids is not None:
        set_journey_personas(session, workspace_id, journey_id, persona_ids)
    return journey


def set_journey_personas(session: Session, workspace_id: int, journey_id: int, persona_ids: list[int]) -> None:
    """Replace the journey's personas; links that stay keep their rows (and history)."""
    get_journey(session, workspace_id, journey_id)
    wanted = core.require_ids(
        session, Persona, persona_ids, workspace_id,
        field="persona_ids", message=N_("Choose personas from this workspace."),
    )
    _replace_links(session, JourneyPersona, {"journey_id": journey_id, "workspace_id": workspace_id}, "persona_id", wanted)


def delete_journey(session: Session, workspace_id: int, journey_id: int, *, expected_version: int | None = None) -> None:
    """Delete the journey with everything on it; journeys leading into it lose that link."""
    core.delete(session, Journey, journey_id, workspace_id=workspace_id, expected_version=expected_version)


# --- stages -------------------------------------------------------------------------------------


def get_stage(session: Session, workspace_id: int, stage_id: int) -> Stage:
    return core.get_scoped(session, Stage, stage_id, workspace_id)


def list_stages(session: Session, workspace_id: int, journey_id: int) -> list[Stage]:
    return list(session.exec(
        core.in_scope(select(Stage), Stage)
        .where(Stage.journey_id == journey_id, Journey.workspace_id == workspace_id)
        .order_by(Stage.position, Stage.id)
    ).all())


def create_stage(session: Session, workspace_id: int, journey_id: int, data: dict[str, Any]) -> Stage:
    """A new stage after the journey's last one."""
    get_journey(session, workspace_id, journey_id)
    position = _next_position(session, Stage.position, Stage.journey_id, journey_id)
    return core.create(session, Stage, {**core.editable(data, STAGE_FIELDS), "journey_id": journey_id, "position": position})


def update_stage(
    session: Session, workspace_id: int, stage_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Stage:
    get_stage(session, workspace_id, stage_id)
    return core.update(session, Stage, stage_id, core.editable(changes, STAGE_FIELDS), expected_version=expected_version)


def _count_steps(session: Session, stage_id: int) -> int:
    return session.exec(select(func.count()).select_from(Step).where(Step.stage_id == stage_id)).one()


def delete_stage(
    session: Session, workspace_id: int, stage_id: int, *, delete_steps: bool = False, expected_version: int | None = None
) -> None:
    """Delete a stage. Its steps are never dropped silently: the caller must say ``delete_steps=True``."""
    get_stage(session, workspace_id, stage_id)
    count = _count_steps(session, stage_id)
    if count and not delete_steps:
        raise DomainError(
            N_("This stage still holds steps ({count}). Move them to another stage, or delete them together with the stage."),
            field="stage_id", count=count,
        )
    if count:
        # Their pain points, opportunities, transitions, links, comments and votes follow by ON DELETE CASCADE.
        session.execute(sql_delete(Step).where(col(Step.stage_id) == stage_id).execution_options(synchronize_session="fetch"))
    core.delete(session, Stage, stage_id, expected_version=expected_version)


# --- steps --------------------------------------------------------------------------------------


def get_step(session: Session, workspace_id: int, step_id: int) -> Step:
    return core.get_scoped(session, Step, step_id, workspace_id)


def step_reference(session: Session, workspace_id: int, step_id: int, field: str) -> Step:
    """A step chosen in a form (by another row: transition, link, comment …), checked to be in the workspace."""
    return core.reference(
        session, Step, step_id, workspace_id, field=field, message=N_("Choose a step from this workspace."),
    )


def list_steps(session: Session, workspace_id: int, journey_id: int) -> list[Step]:
    """All steps of a journey in reading order: by stage position, then step position (one query)."""
    return list(session.exec(
        select(Step).join(Stage, Stage.id == Step.stage_id).join(*core.via(Step)[0])
        .where(Step.journey_id == journey_id, Journey.workspace_id == workspace_id)
        .order_by(Stage.position, Stage.id, Step.position, Step.id)
    ).all())


def create_step(session: Session, workspace_id: int, stage_id: int, data: dict[str, Any]) -> Step:
    """A new step at the end of the stage."""
    stage = get_stage(session, workspace_id, stage_id)
    values = core.editable(data, STEP_FIELDS)
    core.check_choices(values, STEP_CHOICES)
    position = _next_position(session, Step.position, Step.stage_id, stage_id)
    return core.create(session, Step, {**values, "journey_id": stage.journey_id, "stage_id": stage_id, "position": position})


def update_step(
    session: Session, workspace_id: int, step_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Step:
    get_step(session, workspace_id, step_id)
    values = core.editable(changes, STEP_FIELDS)
    core.check_choices(values, STEP_CHOICES)
    return core.update(session, Step, step_id, values, expected_version=expected_version)


def delete_step(session: Session, workspace_id: int, step_id: int, *, expected_version: int | None = None) -> None:
    """Delete a step with its pain points, opportunities, transitions, touchpoint links, comments and votes."""
    get_step(session, workspace_id, step_id)
    core.delete(session, Step, step_id, expected_version=expected_version)


# --- pain points and opportunities (items on a step) --------------------------------------------


def _list_step_items(session: Session, model: Any, workspace_id: int, journey_id: int, step_id: int | None) -> list[Any]:
    """A journey's items of one kind in one query (never one per step), by step then position."""
    query = (
        core.in_scope(select(model), model)
        .where(Step.journey_id == journey_id, Journey.workspace_id == workspace_id)
    )
    if step_id is not None:
        query = query.where(model.step_id == step_id)
    return list(session.exec(query.order_by(model.step_id, model.position, model.id)).all())


def _create_step_item(
    session: Session, model: Any, fields: tuple[str, ...], choices: dict[str, Any],
    workspace_id: int, step_id: int, data: dict[str, Any],
) -> Any:
    get_step(session, workspace_id, step_id)
    values = core.editable(data, fields)
    core.check_choices(values, choices)
    position = _next_position(session, model.position, model.step_id, step_id)
    return core.create(session, model, {**values, "step_id": step_id, "position": position})


def get_pain_point(session: Session, workspace_id: int, pain_point_id: int) -> PainPoint:
    return core.get_scoped(session, PainPoint, pain_point_id, workspace_id)


def list_pain_points(session: Session, workspace_id: int, journey_id: int, *, step_id: int | None = None) -> list[PainPoint]:
    return _list_step_items(session, PainPoint, workspace_id, journey_id, step_id)


def create_pain_point(session: Session, workspace_id: int, step_id: int, data: dict[str, Any]) -> PainPoint:
    return _create_step_item(session, PainPoint, PAIN_POINT_FIELDS, {}, workspace_id, step_id, data)


def update_pain_point(
    session: Session, workspace_id: int, pain_point_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> PainPoint:
    get_pain_point(session, workspace_id, pain_point_id)
    return core.update(
        session, PainPoint, pain_point_id, core.editable(changes, PAIN_POINT_FIELDS), expected_version=expected_version,
    )


def delete_pain_point(session: Session, workspace_id: int, pain_point_id: int, *, expected_version: int | None = None) -> None:
    get_pain_point(session, workspace_id, pain_point_id)
    core.delete(session, PainPoint, pain_point_id, expected_version=expected_version)


def get_opportunity(session: Session, workspace_id: int, opportunity_id: int) -> Opportunity:
    return core.get_scoped(session, Opportunity, opportunity_id, workspace_id)


def list_opportunities(session: Session, workspace_id: int, journey_id: int, *, step_id: int | None = None) -> list[Opportunity]:
    return _list_step_items(session, Opportunity, workspace_id, journey_id, step_id)


def create_opportunity(session: Session, workspace_id: int, step_id: int, data: dict[str, Any]) -> Opportunity:
    return _create_step_item(session, Opportunity, OPPORTUNITY_FIELDS, OPPORTUNITY_CHOICES, workspace_id, step_id, data)


def update_opportunity(
    session: Session, workspace_id: int, opportunity_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Opportunity:
    get_opportunity(session, workspace_id, opportunity_id)
    values = core.editable(changes, OPPORTUNITY_FIELDS)
    core.check_choices(values, OPPORTUNITY_CHOICES)
    return core.update(session, Opportunity, opportunity_id, values, expected_version=expected_version)


def delete_opportunity(session: Session, workspace_id: int, opportunity_id: int, *, expected_version: int | None = None) -> None:
    get_opportunity(session, workspace_id, opportunity_id)
    core.delete(session, Opportunity, opportunity_id, expected_version=expected_version)


def set_opportunity_pain_points(session: Session, workspace_id: int, opportunity_id: int, pain_point_ids: list[int]) -> None:
    """Replace the pain points an opportunity addresses (any pain point of the workspace)."""
    get_opportunity(session, workspace_id, opportunity_id)
    wanted = core.require_ids(
        session, PainPoint, pain_point_ids, workspace_id,
        field="pain_point_ids", message=N_("Choose pain points from this workspace."),
    )
    _replace_links(session, OpportunityPainPoint, {"opportunity_id": opportunity_id}, "pain_point_id", wanted)


def opportunity_pain_points(session: Session, workspace_id: int, journey_id: int) -> dict[int, list[int]]:
    """For every opportunity of the journey, the ids of the pain points it addresses (one query)."""
    rows = session.exec(
        core.joined(
            select(OpportunityPainPoint.opportunity_id, OpportunityPainPoint.pain_point_id),
            *core.via(OpportunityPainPoint),
        )
        .where(Step.journey_id == journey_id, Journey.workspace_id == workspace_id)
        .order_by(OpportunityPainPoint.opportunity_id, OpportunityPainPoint.pain_point_id)
    ).all()
    result: dict[int, list[int]] = {}
    for opportunity_id, pain_point_id in rows:
        result.setdefault(opportunity_id, []).append(pain_point_id)
    return result


# --- transitions --------------------------------------------------------------------------------


def get_transition(session: Session, workspace_id: int, transition_id: int) -> Transition:
    return core.get_scoped(session, Transition, transition_id, workspace_id)


def list_transitions(session: Session, workspace_id: int, journey_id: int) -> list[Transition]:
    return list(session.exec(
        core.in_scope(select(Transition), Transition)
        .where(Transition.journey_id == journey_id, Journey.workspace_id == workspace_id)
        .order_by(Transition.source_step_id, Transition.target_step_id)
    ).all())


def create_transition(
    session: Session, workspace_id: int, source_step_id: int, target_step_id: int, data: dict[str, Any] | None = None
) -> Transition:
    """Connect two steps of one journey; several transitions out of a step make a branch."""
    source = step_reference(session, workspace_id, source_step_id, "source_step_id")
    target = step_reference(session, workspace_id, target_step_id, "target_step_id")
    if source.id == target.id:
        raise DomainError(N_("A step cannot lead to itself."), field="target_step_id")
    if source.journey_id != target.journey_id:
        raise DomainError(N_("Both steps must belong to the same journey."), field="target_step_id")
    return core.create(session, Transition, {
        **core.editable(data or {}, TRANSITION_FIELDS),
        "journey_id": source.journey_id, "source_step_id": source.id, "target_step_id": target.id,
    })


def update_transition(
    session: Session, workspace_id: int, transition_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Transition:
    """Change the label or the share; the connected steps are fixed (delete and reconnect to move)."""
    get_transition(session, workspace_id, transition_id)
    return core.update(
        session, Transition, transition_id, core.editable(changes, TRANSITION_FIELDS), expected_version=expected_version,
    )


def delete_transition(session: Session, workspace_id: int, transition_id: int, *, expected_version: int | None = None) -> None:
    get_transition(session, workspace_id, transition_id)
    core.delete(session, Transition, transition_id, expected_version=expected_version)


# --- frames for the map and the graph checks -----------------------------------------------------


def steps_frame(session: Session, journey_id: int) -> pd.DataFrame:
    """All step columns plus ``stage_name``, in reading order (stage position, then step position), in one query.

    The caller has checked that the journey is in the workspace.
    """
    return read_frame(session, (
        select(*Step.__table__.columns, Stage.name.label("stage_name"))  # type: ignore[attr-defined]
        .join(Stage, Stage.id == Step.stage_id)
        .where(Step.journey_id == journey_id)
        .order_by(Stage.position, Stage.id, Step.position, Step.id)
    ))


def transitions_frame(session: Session, journey_id: int) -> pd.DataFrame:
    """All transition columns of a journey, in one query (the caller has checked the workspace)."""
    return read_frame(session, (
        select(*Transition.__table__.columns)  # type: ignore[attr-defined]
        .where(Transition.journey_id == journey_id)
        .order_by(Transition.source_step_id, Transition.target_step_id)
    ))
