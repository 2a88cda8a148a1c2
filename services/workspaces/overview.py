"""The workspace at a glance: how much is in it, and what changed last.

Both are single queries, so the start page stays fast with a large workspace.
"""

from typing import Any

import pandas as pd
from sqlalchemy import func, literal_column, union_all
from sqlmodel import Session, select

from models import ContentItem, Journey, KanoItem, Measurement, Metric, Persona, Step, Touchpoint
from services import core


def workspace_counts(session: Session, workspace_id: int) -> dict[str, int]:
    """Counts of the workspace's main rows, each a scalar subquery of one SELECT."""
    def owned(model: Any) -> Any:
        return select(func.count()).select_from(model).where(model.workspace_id == workspace_id)

    counts = {
        "personas": owned(Persona),
        "journeys": owned(Journey),
        "steps": core.joined(select(func.count()).select_from(Step), *core.via(Step))
        .where(Journey.workspace_id == workspace_id),
        "touchpoints": owned(Touchpoint),
        "content_items": owned(ContentItem),
        "metrics": owned(Metric),
        "measurements": core.joined(select(func.count()).select_from(Measurement), *core.via(Measurement))
        .where(Metric.workspace_id == workspace_id),
        "kano_items": owned(KanoItem),
    }
    row = session.exec(select(*(query.scalar_subquery().label(name) for name, query in counts.items()))).one()
    return dict(zip(counts, row, strict=True))


# (kind, model, the column shown as its name)
RECENT_KINDS = (
    ("persona", Persona, Persona.name),
    ("journey", Journey, Journey.name),
    ("touchpoint", Touchpoint, Touchpoint.name),
    ("content_item", ContentItem, ContentItem.title),
    ("metric", Metric, Metric.name),
)


def recently_changed(session: Session, workspace_id: int, limit: int = 10) -> pd.DataFrame:
    """The last changed personas, journeys, touchpoints, content items and metrics (kind, id, name, updated_at)."""
    parts = [
        select(
            literal_column(f"'{kind}'").label("kind"), model.id.label("id"), name.label("name"),
            model.updated_at.label("updated_at"),
        )
        .where(model.workspace_id == workspace_id)
        for kind, model, name in RECENT_KINDS
    ]
    recent = union_all(*parts).subquery("recent")
    result = session.exec(
        select(recent.c.kind, recent.c.id, recent.c.name, recent.c.updated_at)
        .order_by(recent.c.updated_at.desc(), recent.c.kind, recent.c.id.desc())
        .limit(limit)
    )
    return pd.DataFrame(result.all(), columns=list(result.keys()))
