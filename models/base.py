"""Shared column sets for the table models.

Every editable row carries ``created_at``, ``updated_at`` and an integer
``version``. The version is SQLAlchemy's ``version_id_col``: an UPDATE or
DELETE of a row whose version moved since it was read raises
``StaleDataError`` instead of silently overwriting someone else's edit.

No Streamlit import here: models are shared by pages, services, tests,
migrations and benchmarks.
"""

from datetime import UTC, datetime

from sqlalchemy.orm import declared_attr
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timezone-aware UTC now: SQLModel's datetime type refuses naive values."""
    return datetime.now(UTC)


class Audited(SQLModel):
    """Timestamps and optimistic-locking version for an editable row."""

    created_at: datetime = Field(default_factory=utcnow, nullable=False)
    updated_at: datetime = Field(
        default_factory=utcnow, nullable=False, sa_column_kwargs={"onupdate": utcnow}
    )
    version: int = Field(default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:  # noqa: N805 - SQLAlchemy's declared_attr protocol
        return {"version_id_col": cls.__table__.c.version}
