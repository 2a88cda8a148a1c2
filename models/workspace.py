"""The workspace: a team's space. Every other row belongs to exactly one."""

from typing import Optional

from sqlmodel import Field

from models.base import Audited


class Workspace(Audited, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True, min_length=1, max_length=120)
    description: str = ""
    # Bumped by every write in the workspace; live views poll this one integer
    # instead of re-reading the map (see the workshop issue).
    revision: int = Field(default=0, nullable=False)
