"""Buyer personas and how intensively each one uses which channel."""

from typing import Optional

from sqlalchemy import Column, ForeignKeyConstraint, LargeBinary, UniqueConstraint
from sqlmodel import Field

from models.base import Audited
from models.constraints import check_range

INCOME_BANDS = ("", "low", "lower_middle", "middle", "upper_middle", "high")


class Persona(Audited, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "name", name="uq_persona_name"),
        UniqueConstraint("id", "workspace_id", name="uq_persona_id_workspace"),
        check_range("age", 0, 120, "ck_persona_age"),
        check_range("customer_share", 0, 100, "ck_persona_share"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    name: str = Field(min_length=1, max_length=120)
    avatar_emoji: str = "🙂"
    avatar_image: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary))
    avatar_mime: Optional[str] = None
    role: str = ""
    # demographics
    age: Optional[int] = Field(default=None, ge=0, le=120)
    occupation: str = ""
    family: str = ""
    location: str = ""
    income_band: str = ""
    # segment
    segment: str = ""
    customer_share: Optional[float] = Field(default=None, ge=0, le=100)
    # story
    bio: str = ""
    quote: str = ""
    # psychographics (one item a line)
    goals: str = ""
    needs: str = ""
    pains: str = ""
    behaviours: str = ""
    preferences: str = ""
    values: str = ""
    communication_style: str = ""


class PersonaChannel(Audited, table=True):
    """Which channel a persona uses, how intensively (1 rarely … 5 constantly) and what for."""

    __tablename__ = "persona_channel"
    __table_args__ = (
        UniqueConstraint("persona_id", "channel_id", name="uq_persona_channel"),
        ForeignKeyConstraint(
            ["persona_id", "workspace_id"], ["persona.id", "persona.workspace_id"],
            ondelete="CASCADE", name="fk_persona_channel_persona",
        ),
        ForeignKeyConstraint(
            ["channel_id", "workspace_id"], ["channel.id", "channel.workspace_id"],
            ondelete="CASCADE", name="fk_persona_channel_channel",
        ),
        check_range("intensity", 1, 5, "ck_persona_channel_intensity"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    persona_id: int = Field(index=True)
    channel_id: int = Field(index=True)
    intensity: int = Field(default=3, ge=1, le=5)
    purpose: str = ""
