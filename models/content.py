"""Content items and the content map: persona × stage × channel → content."""

from typing import Optional

from sqlalchemy import ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field

from models.base import Audited
from models.constraints import SAFE_URL, check_in

CONTENT_FORMATS = (
    "article", "video", "faq", "newsletter", "whitepaper", "ad", "landing_page",
    "review_reply", "social_post", "brochure", "email", "event", "other",
)
CONTENT_STATUSES = ("planned", "in_production", "live", "retired")


class ContentItem(Audited, table=True):
    __tablename__ = "content_item"
    __table_args__ = (
        UniqueConstraint("workspace_id", "title", name="uq_content_item_title"),
        UniqueConstraint("id", "workspace_id", name="uq_content_item_id_workspace"),
        check_in("format", CONTENT_FORMATS, "ck_content_item_format"),
        check_in("status", CONTENT_STATUSES, "ck_content_item_status"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    title: str = Field(min_length=1, max_length=200)
    format: str = "article"
    url: str = Field(default="", schema_extra={"pattern": SAFE_URL})
    owner: str = ""
    status: str = "planned"
    description: str = ""


class ContentMapping(Audited, table=True):
    """Content for a persona (or everyone, persona NULL) at a stage on a channel.

    Composite keys with ``workspace_id`` make the database refuse a persona,
    channel or item of another workspace.
    """

    __tablename__ = "content_mapping"
    __table_args__ = (
        UniqueConstraint("content_item_id", "persona_id", "stage_id", "channel_id", name="uq_content_mapping"),
        ForeignKeyConstraint(
            ["content_item_id", "workspace_id"], ["content_item.id", "content_item.workspace_id"],
            ondelete="CASCADE", name="fk_content_mapping_item",
        ),
        ForeignKeyConstraint(
            ["persona_id", "workspace_id"], ["persona.id", "persona.workspace_id"],
            ondelete="CASCADE", name="fk_content_mapping_persona",
        ),
        ForeignKeyConstraint(
            ["channel_id", "workspace_id"], ["channel.id", "channel.workspace_id"],
            ondelete="CASCADE", name="fk_content_mapping_channel",
        ),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    content_item_id: int = Field(index=True)
    persona_id: Optional[int] = Field(default=None, index=True)
    stage_id: int = Field(foreign_key="stage.id", ondelete="CASCADE", index=True)
    channel_id: int = Field(index=True)
    need: str = ""
