"""The touchpoint catalogue and the evaluated links between touchpoints and steps.

A touchpoint is a reusable entry (article 003: direct or indirect, online or
offline); a step link carries the customer's evaluation at that moment
(article 002: importance, satisfaction, decisive for the purchase, leads to abort).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from models import Channel, Journey, Stage, Step, StepTouchpoint, Touchpoint
from services import core, journeys
from services.core import N_, DomainError, RowChange, apply_rows

TOUCHPOINT_FIELDS = (
    "name", "channel_id", "is_online", "is_direct", "owner_department", "external_provider", "description", "cost_per_contact",
)
LINK_FIELDS = ("importance", "satisfaction", "is_decisive", "leads_to_abort", "notes")

# Channel categories whose touchpoints the company does not control (article 003: reviews, forums, press).
INDIRECT_CATEGORIES = frozenset({"earned"})

# A step link belongs to the workspace of its touchpoint (the step is checked to match when attaching).


def get_touchpoint(session: Session, workspace_id: int, touchpoint_id: int) -> Touchpoint:
    return core.get(session, Touchpoint, touchpoint_id, workspace_id)


def touchpoint_reference(session: Session, workspace_id: int, touchpoint_id: int, field: str = "touchpoint_id") -> Touchpoint:
    """A touchpoint chosen in a form, checked to be in the workspace."""
    return core.reference(
        session, Touchpoint, touchpoint_id, workspace_id, field=field, message=N_("Choose a touchpoint from this workspace."),
    )


def list_touchpoints(session: Session, workspace_id: int) -> pd.DataFrame:
    """The catalogue with each touchpoint's channel name, in one query."""
    result = session.exec(
        select(
            Touchpoint.id, Touchpoint.name, Touchpoint.channel_id, Channel.name.label("channel"),
            Touchpoint.is_online, Touchpoint.is_direct, Touchpoint.owner_department, Touchpoint.external_provider,
            Touchpoint.description, Touchpoint.cost_per_contact, Touchpoint.updated_at, Touchpoint.version,
        )
        .outerjoin(Channel, Channel.id == Touchpoint.channel_id)
        .where(Touchpoint.workspace_id == workspace_id)
        .order_by(Touchpoint.name)
    )
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["channel_id"] = frame["channel_id"].astype("Int64")
    frame["channel"] = frame["channel"].fillna("")
    return frame


def suggested_direct(category: str) -> bool:
    """Direct unless the channel is earned media (reviews, forums, press): a default, the user may override it."""
    return category not in INDIRECT_CATEGORIES


def _apply_channel_rules(session: Session, workspace_id: int, values: dict[str, Any], current: Touchpoint | None) -> None:
    """The rules between a touchpoint and its channel (article 003), applied to ``values`` in place.

    - The channel (optional) must be one of the workspace's channels.
    - Online/offline follows the channel: left open (None), it is taken from the channel; an explicit
      contrary value is refused. Without a channel the user decides (default online).
    - Direct/indirect left open on a new touchpoint is suggested by the channel's category
      (earned media is indirect); it stays the user's call afterwards (comments on one's own social
      page are indirect although the page is owned).
    """
    for flag in ("is_online", "is_direct"):
        if flag in values and values[flag] is None:
            del values[flag]
    channel_id = values["channel_id"] if "channel_id" in values else (current.channel_id if current else None)
    if channel_id is None:
        return
    channel = core.reference(
        session, Channel, channel_id, workspace_id, field="channel_id", message=N_("Choose a channel from this workspace."),
    )
    if "is_online" not in values:
        if current is None or "channel_id" in values:
            values["is_online"] = channel.is_online
    elif bool(values["is_online"]) != channel.is_online:
        raise DomainError(
            N_("The channel is online: a touchpoint on it is online too.") if channel.is_online
            else N_("The channel is offline: a touchpoint on it is offline too."),
            field="is_online",
        )
    if current is None and "is_direct" not in values:
        values["is_direct"] = suggested_direct(channel.category)


def create_touchpoint(session: Session, workspace_id: int, data: dict[str, Any]) -> Touchpoint:
    """A new catalogue entry; ``is_online``/``is_direct`` may be None to follow the channel."""
    values = core.editable(data, TOUCHPOINT_FIELDS)
    _apply_channel_rules(session, workspace_id, values, None)
    return core.create(session, Touchpoint, {**values, "workspace_id": workspace_id})


def update_touchpoint(
    session: Session, workspace_id: int, touchpoint_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Touchpoint:
    current = get_touchpoint(session, workspace_id, touchpoint_id)
    values = core.editable(changes, TOUCHPOINT_FIELDS)
    _apply_channel_rules(session, workspace_id, values, current)
    return core.update(
        session, Touchpoint, touchpoint_id, values, expected_version=expected_version, workspace_id=workspace_id,
    )


def delete_touchpoint(session: Session, workspace_id: int, touchpoint_id: int, *, expected_version: int | None = None) -> None:
    """Delete a catalogue entry; its step links, metrics and comments go with it."""
    core.delete(session, Touchpoint, touchpoint_id, workspace_id=workspace_id, expected_version=expected_version)


# --- the catalogue page: filters, usage, table edits --------------------------------------------


@dataclass(frozen=True)
class CatalogueFilter:
    """What the catalogue shows; an empty tuple or None means "no restriction"."""

    channel_ids: tuple[int, ...] = ()
    is_direct: bool | None = None
    is_online: bool | None = None
    departments: tuple[str, ...] = ()
    journey_ids: tuple[int, ...] = ()


def departments(session: Session, workspace_id: int) -> list[str]:
    """The owning departments named in the catalogue (for the filter), one query."""
    return list(session.exec(
        select(Touchpoint.owner_department).distinct()
        .where(Touchpoint.workspace_id == workspace_id, Touchpoint.owner_department != "")
        .order_by(Touchpoint.owner_department)
    ).all())


def catalogue(session: Session, workspace_id: int, filters: CatalogueFilter | None = None) -> pd.DataFrame:
    """The filtered catalogue with each touchpoint's channel and how many steps and journeys use it, in one query."""
    filters = filters or CatalogueFilter()
    usage = (
        select(
            StepTouchpoint.touchpoint_id, func.count(StepTouchpoint.id).label("steps"),
            func.count(distinct(Step.journey_id)).label("journeys"),
        )
        .join(Step, Step.id == StepTouchpoint.step_id)
        .join(Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)
        .where(Touchpoint.workspace_id == workspace_id)
        .group_by(StepTouchpoint.touchpoint_id)
        .subquery("usage")
    )
    query = (
        select(
            Touchpoint.id, Touchpoint.name, Touchpoint.channel_id, Channel.name.label("channel"),
            Touchpoint.is_online, Touchpoint.is_direct, Touchpoint.owner_department, Touchpoint.external_provider,
            Touchpoint.description, Touchpoint.cost_per_contact,
            func.coalesce(usage.c.steps, 0).label("steps"), func.coalesce(usage.c.journeys, 0).label("journeys"),
            Touchpoint.version,
        )
        .outerjoin(Channel, Channel.id == Touchpoint.channel_id)
        .outerjoin(usage, usage.c.touchpoint_id == Touchpoint.id)
        .where(Touchpoint.workspace_id == workspace_id)
        .order_by(func.lower(Touchpoint.name))
    )
    if filters.channel_ids:
        query = query.where(col(Touchpoint.channel_id).in_(filters.channel_ids))
    if filters.is_direct is not None:
        query = query.where(Touchpoint.is_direct == filters.is_direct)
    if filters.is_online is not None:
        query = query.where(Touchpoint.is_online == filters.is_online)
    if filters.departments:
        query = query.where(col(Touchpoint.owner_department).in_(filters.departments))
    if filters.journey_ids:
        used = (
            select(StepTouchpoint.touchpoint_id).join(Step, Step.id == StepTouchpoint.step_id)
            .where(col(Step.journey_id).in_(filters.journey_ids))
        )
        query = query.where(col(Touchpoint.id).in_(used))
    frame = core.read_frame(session, query)
    frame["channel_id"] = frame["channel_id"].astype("Int64")
    frame["channel"] = frame["channel"].fillna("")
    frame["cost_per_contact"] = frame["cost_per_contact"].astype("Float64")
    return frame


def save_catalogue(session: Session, workspace_id: int, changes: Sequence[RowChange]) -> int:
    """Apply the catalogue table's edits in one transaction; every edited row is validated like a form."""
    return apply_rows(session, changes, lambda c: update_touchpoint(
        session, workspace_id, c.row_id, c.changes, expected_version=c.version,
    ))


# --- where used ----------------------------------------------------------------------------------


def where_used(session: Session, workspace_id: int, touchpoint_id: int) -> pd.DataFrame:
    """The touchpoint's step links with journey, stage and step, in reading order, in one query."""
    return core.read_frame(session, (
        select(
            StepTouchpoint.id, Step.journey_id, Journey.name.label("journey"), Stage.name.label("stage"),
            StepTouchpoint.step_id, Step.title.label("step"), StepTouchpoint.importance, StepTouchpoint.satisfaction,
            StepTouchpoint.is_decisive, StepTouchpoint.leads_to_abort, StepTouchpoint.notes, StepTouchpoint.version,
        )
        .join(Step, Step.id == StepTouchpoint.step_id)
        .join(Stage, Stage.id == Step.stage_id)
        .join(Journey, Journey.id == Step.journey_id)
        .where(StepTouchpoint.touchpoint_id == touchpoint_id, Journey.workspace_id == workspace_id)
        .order_by(func.lower(Journey.name), Stage.position, Step.position, Step.id)
    )).astype({"importance": "Int64", "satisfaction": "Int64"})


def step_choices(session: Session, workspace_id: int, journey_id: int) -> pd.DataFrame:
    """A journey's steps (id, stage, title) in reading order, for the attach form; one query."""
    return core.read_frame(session, (
        select(Step.id, Stage.name.label("stage"), Step.title)
        .join(Stage, Stage.id == Step.stage_id)
        .join(Journey, Journey.id == Step.journey_id)
        .where(Step.journey_id == journey_id, Journey.workspace_id == workspace_id)
        .order_by(Stage.position, Stage.id, Step.position, Step.id)
    ))


def save_evaluations(
    session: Session, workspace_id: int, changes: Sequence[RowChange], detach: Sequence[tuple[int, int | None]] = (),
) -> int:
    """Apply edited ratings of several links and detach others, in one transaction: all or nothing."""
    saved = apply_rows(session, changes, lambda c: update_step_touchpoint(
        session, workspace_id, c.row_id, c.changes, expected_version=c.version,
    ))
    for link_id, version in detach:
        detach_touchpoint(session, workspace_id, link_id, expected_version=version)
    return saved + len(detach)


# --- step links ---------------------------------------------------------------------------------


def get_step_touchpoint(session: Session, workspace_id: int, link_id: int) -> StepTouchpoint:
    return core.get_scoped(session, StepTouchpoint, link_id, workspace_id)


def attach_touchpoint(
    session: Session, workspace_id: int, step_id: int, touchpoint_id: int, data: dict[str, Any] | None = None
) -> StepTouchpoint:
    """Link a catalogue touchpoint to a step, with an optional evaluation (ratings 1–5, flags, notes)."""
    journeys.step_reference(session, workspace_id, step_id, "step_id")
    touchpoint_reference(session, workspace_id, touchpoint_id)
    return core.create(session, StepTouchpoint, {
        **core.editable(data or {}, LINK_FIELDS), "step_id": step_id, "touchpoint_id": touchpoint_id,
    })


def update_step_touchpoint(
    session: Session, workspace_id: int, link_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> StepTouchpoint:
    get_step_touchpoint(session, workspace_id, link_id)
    values = core.editable(changes, LINK_FIELDS)
    return core.update(session, StepTouchpoint, link_id, values, expected_version=expected_version)


def detach_touchpoint(session: Session, workspace_id: int, link_id: int, *, expected_version: int | None = None) -> None:
    """Remove the link (the catalogue entry stays)."""
    get_step_touchpoint(session, workspace_id, link_id)
    core.delete(session, StepTouchpoint, link_id, expected_version=expected_version)


def list_step_touchpoints(session: Session, workspace_id: int, journey_id: int) -> pd.DataFrame:
    """Every touchpoint link of a journey with the touchpoint's and channel's names, in one query."""
    result = session.exec(
        select(
            StepTouchpoint.id, StepTouchpoint.step_id, StepTouchpoint.touchpoint_id, Touchpoint.name.label("touchpoint"),
            Channel.name.label("channel"), Touchpoint.is_online, Touchpoint.is_direct,
            StepTouchpoint.importance, StepTouchpoint.satisfaction, StepTouchpoint.is_decisive,
            StepTouchpoint.leads_to_abort, StepTouchpoint.notes, StepTouchpoint.version,
        )
        .join(Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)
        .outerjoin(Channel, Channel.id == Touchpoint.channel_id)
        .join(Step, Step.id == StepTouchpoint.step_id)
        .join(Journey, Journey.id == Step.journey_id)
        .where(Step.journey_id == journey_id, Journey.workspace_id == workspace_id)
        .order_by(StepTouchpoint.step_id, Touchpoint.name)
    )
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    for column in ("importance", "satisfaction"):
        frame[column] = frame[column].astype("Int64")
    frame["channel"] = frame["channel"].fillna("")
    return frame
