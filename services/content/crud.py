"""Content items and the content map: which persona needs which content at
which stage on which channel (articles 000, 004). A mapping without a persona
is content for everyone.
"""

from typing import Any

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from models import Channel, ContentItem, ContentMapping, Journey, Persona, Stage
from models.content import CONTENT_FORMATS, CONTENT_STATUSES
from services import core
from services.core import N_, DomainError

CONTENT_FIELDS = ("title", "format", "url", "owner", "status", "description")
CONTENT_CHOICES = {"format": CONTENT_FORMATS, "status": CONTENT_STATUSES}
MAPPING_FIELDS = ("content_item_id", "persona_id", "stage_id", "channel_id", "need")


def get_content_item(session: Session, workspace_id: int, item_id: int) -> ContentItem:
    return core.get(session, ContentItem, item_id, workspace_id)


def list_content_items(session: Session, workspace_id: int, *, status: str | None = None) -> list[ContentItem]:
    query = select(ContentItem).where(ContentItem.workspace_id == workspace_id)
    if status:
        query = query.where(ContentItem.status == status)
    return list(session.exec(query.order_by(func.lower(ContentItem.title))).all())


def create_content_item(session: Session, workspace_id: int, data: dict[str, Any]) -> ContentItem:
    values = core.editable(data, CONTENT_FIELDS)
    core.check_choices(values, CONTENT_CHOICES)
    return core.create(session, ContentItem, {**values, "workspace_id": workspace_id})


def update_content_item(
    session: Session, workspace_id: int, item_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> ContentItem:
    values = core.editable(changes, CONTENT_FIELDS)
    core.check_choices(values, CONTENT_CHOICES)
    return core.update(session, ContentItem, item_id, values, expected_version=expected_version, workspace_id=workspace_id)


def delete_content_item(session: Session, workspace_id: int, item_id: int, *, expected_version: int | None = None) -> None:
    """Delete the item; its mappings go with it."""
    core.delete(session, ContentItem, item_id, workspace_id=workspace_id, expected_version=expected_version)


# --- content map --------------------------------------------------------------------------------


def _check_mapping_references(session: Session, workspace_id: int, row: ContentMapping) -> None:
    """Item, persona (if any), channel and stage (through its journey) must all be in the workspace."""
    core.reference(
        session, ContentItem, row.content_item_id, workspace_id,
        field="content_item_id", message=N_("Choose content from this workspace."),
    )
    if row.persona_id is not None:
        core.reference(
            session, Persona, row.persona_id, workspace_id,
            field="persona_id", message=N_("Choose a persona from this workspace."),
        )
    core.reference(
        session, Channel, row.channel_id, workspace_id, field="channel_id", message=N_("Choose a channel from this workspace."),
    )
    core.reference(
        session, Stage, row.stage_id, workspace_id,
        field="stage_id", message=N_("Choose a stage from this workspace."),
    )


def _check_not_mapped(session: Session, row: ContentMapping) -> None:
    """The UNIQUE constraint does not see duplicates whose persona is NULL (NULLs differ in SQL): check here."""
    persona = col(ContentMapping.persona_id)
    duplicate = session.exec(
        select(ContentMapping.id).where(
            ContentMapping.content_item_id == row.content_item_id,
            ContentMapping.stage_id == row.stage_id,
            ContentMapping.channel_id == row.channel_id,
            persona.is_(None) if row.persona_id is None else persona == row.persona_id,
        )
    ).first()
    if duplicate is not None:
        field, message = core.UNIQUE_MESSAGES["uq_content_mapping"]
        raise DomainError(message, field=field)


def create_content_mapping(session: Session, workspace_id: int, data: dict[str, Any]) -> ContentMapping:
    """Map content to a cell: ``content_item_id``, ``stage_id``, ``channel_id``, ``persona_id`` (None: all personas), ``need``."""
    row = core.validate(ContentMapping, {**core.editable(data, MAPPING_FIELDS), "workspace_id": workspace_id})
    _check_mapping_references(session, workspace_id, row)
    _check_not_mapped(session, row)
    session.add(row)
    core.flush(session)
    return row


def update_content_mapping(
    session: Session, workspace_id: int, mapping_id: int, need: str, *, expected_version: int | None = None
) -> ContentMapping:
    """Change the need a mapping serves; to move it to another cell, delete and map again."""
    return core.update(
        session, ContentMapping, mapping_id, {"need": need}, expected_version=expected_version, workspace_id=workspace_id,
    )


def delete_content_mapping(session: Session, workspace_id: int, mapping_id: int, *, expected_version: int | None = None) -> None:
    core.delete(session, ContentMapping, mapping_id, workspace_id=workspace_id, expected_version=expected_version)


def list_content_mappings(session: Session, workspace_id: int, *, journey_id: int | None = None) -> pd.DataFrame:
    """The content map with every name the matrix shows, in one query (persona '' means all personas)."""
    query = (
        select(
            ContentMapping.id, ContentMapping.content_item_id, ContentItem.title.label("content"),
            ContentItem.format, ContentItem.status, ContentMapping.persona_id, Persona.name.label("persona"),
            Stage.journey_id, Journey.name.label("journey"), ContentMapping.stage_id, Stage.name.label("stage"),
            Stage.position.label("stage_position"), ContentMapping.channel_id, Channel.name.label("channel"),
            ContentMapping.need, ContentMapping.version,
        )
        .join(ContentItem, ContentItem.id == ContentMapping.content_item_id)
        .outerjoin(Persona, Persona.id == ContentMapping.persona_id)
        .join(Stage, Stage.id == ContentMapping.stage_id)
        .join(Journey, Journey.id == Stage.journey_id)
        .join(Channel, Channel.id == ContentMapping.channel_id)
        .where(ContentMapping.workspace_id == workspace_id)
        .order_by(Journey.name, Stage.position, Channel.name, ContentItem.title)
    )
    if journey_id is not None:
        query = query.where(Stage.journey_id == journey_id)
    result = session.exec(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["persona_id"] = frame["persona_id"].astype("Int64")
    frame["persona"] = frame["persona"].fillna("")
    return frame


def content_overview(session: Session, workspace_id: int) -> pd.DataFrame:
    """Every content item with how many cells of the content map it fills, in one query."""
    used = (
        select(ContentMapping.content_item_id, func.count(ContentMapping.id).label("mappings"))
        .where(ContentMapping.workspace_id == workspace_id)
        .group_by(ContentMapping.content_item_id)
        .subquery("used")
    )
    result = session.exec(
        select(
            ContentItem.id, ContentItem.title, ContentItem.format, ContentItem.status, ContentItem.owner, ContentItem.url,
            ContentItem.description, func.coalesce(used.c.mappings, 0).label("mappings"), ContentItem.version,
        )
        .outerjoin(used, used.c.content_item_id == ContentItem.id)
        .where(ContentItem.workspace_id == workspace_id)
        .order_by(func.lower(ContentItem.title))
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))
