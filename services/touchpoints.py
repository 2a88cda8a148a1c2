"""The touchpoint catalogue and the evaluated links between touchpoints and steps.

A touchpoint is a reusable entry (article 003: direct or indirect, online or
offline); a step link carries the customer's evaluation at that moment
(article 002: importance, satisfaction, decisive for the purchase, leads to abort).
"""

from typing import Any

import pandas as pd
from sqlmodel import Session, select

from models import Channel, Journey, Step, StepTouchpoint, Touchpoint
from services import common, guards, journeys
from services.errors import N_

TOUCHPOINT_FIELDS = (
    "name", "channel_id", "is_online", "is_direct", "owner_department", "external_provider", "description", "cost_per_contact",
)
LINK_FIELDS = ("importance", "satisfaction", "is_decisive", "leads_to_abort", "notes")

# A step link belongs to the workspace of its touchpoint (the step is checked to match when attaching).
VIA_TOUCHPOINT: guards.Via = (Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)


def get_touchpoint(session: Session, workspace_id: int, touchpoint_id: int) -> Touchpoint:
    return common.get(session, Touchpoint, touchpoint_id, workspace_id)


def touchpoint_reference(session: Session, workspace_id: int, touchpoint_id: int, field: str = "touchpoint_id") -> Touchpoint:
    """A touchpoint chosen in a form, checked to be in the workspace."""
    return guards.reference(
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


def _check_channel(session: Session, workspace_id: int, values: dict[str, Any]) -> None:
    """The touchpoint's channel (optional) must be one of the workspace's channels."""
    if values.get("channel_id") is not None:
        guards.reference(
            session, Channel, values["channel_id"], workspace_id,
            field="channel_id", message=N_("Choose a channel from this workspace."),
        )


def create_touchpoint(session: Session, workspace_id: int, data: dict[str, Any]) -> Touchpoint:
    values = guards.editable(data, TOUCHPOINT_FIELDS)
    _check_channel(session, workspace_id, values)
    return common.create(session, Touchpoint, {**values, "workspace_id": workspace_id})


def update_touchpoint(
    session: Session, workspace_id: int, touchpoint_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Touchpoint:
    get_touchpoint(session, workspace_id, touchpoint_id)
    values = guards.editable(changes, TOUCHPOINT_FIELDS)
    _check_channel(session, workspace_id, values)
    return common.update(
        session, Touchpoint, touchpoint_id, values, expected_version=expected_version, workspace_id=workspace_id,
    )


def delete_touchpoint(session: Session, workspace_id: int, touchpoint_id: int, *, expected_version: int | None = None) -> None:
    """Delete a catalogue entry; its step links, metrics and comments go with it."""
    common.delete(session, Touchpoint, touchpoint_id, workspace_id=workspace_id, expected_version=expected_version)


# --- step links ---------------------------------------------------------------------------------


def get_step_touchpoint(session: Session, workspace_id: int, link_id: int) -> StepTouchpoint:
    return guards.get_scoped(session, StepTouchpoint, link_id, workspace_id, VIA_TOUCHPOINT)


def attach_touchpoint(
    session: Session, workspace_id: int, step_id: int, touchpoint_id: int, data: dict[str, Any] | None = None
) -> StepTouchpoint:
    """Link a catalogue touchpoint to a step, with an optional evaluation (ratings 1–5, flags, notes)."""
    journeys.step_reference(session, workspace_id, step_id, "step_id")
    touchpoint_reference(session, workspace_id, touchpoint_id)
    return common.create(session, StepTouchpoint, {
        **guards.editable(data or {}, LINK_FIELDS), "step_id": step_id, "touchpoint_id": touchpoint_id,
    })


def update_step_touchpoint(
    session: Session, workspace_id: int, link_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> StepTouchpoint:
    get_step_touchpoint(session, workspace_id, link_id)
    values = guards.editable(changes, LINK_FIELDS)
    return common.update(session, StepTouchpoint, link_id, values, expected_version=expected_version)


def detach_touchpoint(session: Session, workspace_id: int, link_id: int, *, expected_version: int | None = None) -> None:
    """Remove the link (the catalogue entry stays)."""
    get_step_touchpoint(session, workspace_id, link_id)
    common.delete(session, StepTouchpoint, link_id, expected_version=expected_version)


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
