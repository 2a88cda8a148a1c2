"""Kano survey items and answers (article 001)."""

from typing import Optional

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from models.base import Audited
from models.constraints import check_range

# Answer options, in the order of the standard Kano questionnaire.
KANO_ANSWERS = ("like", "expect", "neutral", "tolerate", "dislike")


class KanoItem(Audited, table=True):
    __tablename__ = "kano_item"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_kano_item_name"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    journey_id: Optional[int] = Field(default=None, foreign_key="journey.id", ondelete="SET NULL")


class KanoAnswer(Audited, table=True):
    """One respondent's pair of answers; 1 = like … 5 = dislike (KANO_ANSWERS)."""

    __tablename__ = "kano_answer"
    __table_args__ = (
        check_range("functional", 1, 5, "ck_kano_answer_functional"),
        check_range("dysfunctional", 1, 5, "ck_kano_answer_dysfunctional"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    kano_item_id: int = Field(foreign_key="kano_item.id", ondelete="CASCADE", index=True)
    respondent: str = ""
    functional: int = Field(nullable=False, ge=1, le=5)
    dysfunctional: int = Field(nullable=False, ge=1, le=5)
