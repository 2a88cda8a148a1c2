"""Channels: the ways a customer and the company meet (website, SEO, shop …)."""

from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from models.base import Audited
from models.constraints import check_in

CHANNEL_CATEGORIES = ("owned", "paid", "earned", "personal", "event", "print")


class Channel(Audited, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_channel_name"),
        UniqueConstraint("id", "workspace_id", name="uq_channel_id_workspace"),
        check_in("category", CHANNEL_CATEGORIES, "ck_channel_category"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    name: str = Field(min_length=1, max_length=80)
    is_online: bool = True
    category: str = "owned"
    description: str = ""
