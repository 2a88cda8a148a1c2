"""Reading the activity log: the history of a workspace, a journey or one card; who changed a row
since a form was opened (conflicts); whether someone else is working on it right now.
Writing it is :mod:`services.audit.hook`; undo, restore and the trash are :mod:`services.history`."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from models import ActivityEntry
from services.audit.values import BOOKKEEPING, CREATE, DELETE, FIXED, UPDATE, decoded, model_for
from services.core import N_, NotFoundError, aggregates

# --------------------------------------------------------------------------------

HISTORY_COLUMNS = [
    "id", "at", "actor", "action", "entity_type", "entity_id", "journey_id", "summary", "changed_fields",
    "before", "after", "entity_version", "batch", "reverts_id",
]


def history(
    session: Session,
    workspace_id: int,
    *,
    journey_id: int | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    actor: str | None = None,
    limit: int = 100,
) -> pd.DataFrame:
    """The newest ``limit`` entries first (one query), with the values before and after.

    ``changed_fields``: the fields an update changed (all of the row's for create/delete).
    """
    query = select(ActivityEntry).where(ActivityEntry.workspace_id == workspace_id)
    if journey_id is not None:
        query = query.where(ActivityEntry.journey_id == journey_id)
    if entity_type is not None:
        query = query.where(ActivityEntry.entity_type == entity_type)
    if entity_id is not None:
        query = query.where(ActivityEntry.entity_id == entity_id)
    if actor is not None:
        query = query.where(ActivityEntry.actor == actor.strip())
    entries = session.exec(query.order_by(col(ActivityEntry.id).desc()).limit(limit)).all()
    records = [
        (e.id, e.at, e.actor, e.action, e.entity_type, e.entity_id, e.journey_id, e.summary,
         sorted(e.after or {}) if e.action == UPDATE else [], e.before, e.after, e.entity_version, e.batch, e.reverts_id)
        for e in entries
    ]
    return pd.DataFrame(records, columns=HISTORY_COLUMNS)


def entry_of(session: Session, workspace_id: int, activity_id: int) -> ActivityEntry:
    entry = session.get(ActivityEntry, activity_id)
    if entry is None or entry.workspace_id != workspace_id:
        raise NotFoundError(N_("This history entry no longer exists."))
    return entry


def reverted(session: Session, entry_id: int) -> bool:
    return session.exec(select(ActivityEntry.id).where(ActivityEntry.reverts_id == entry_id).limit(1)).first() is not None


def later(session: Session, entry: ActivityEntry) -> list[ActivityEntry]:
    """Entries on the same row after ``entry``, oldest first."""
    return list(session.exec(
        select(ActivityEntry).where(
            ActivityEntry.workspace_id == entry.workspace_id, ActivityEntry.entity_type == entry.entity_type,
            ActivityEntry.entity_id == entry.entity_id, col(ActivityEntry.id) > entry.id,
        ).order_by(ActivityEntry.id)
    ).all())


def current(session: Session, workspace_id: int, entity_type: str, entity_id: int | None) -> Any:
    """The row now (None if it is gone); a row of another workspace counts as gone."""
    model = model_for(entity_type)
    row = session.get(model, entity_id) if entity_id is not None else None
    if row is not None and getattr(row, "workspace_id", workspace_id) != workspace_id:
        return None
    return row


# --- conflicts: who changed what ---------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictInfo:
    """What happened to a row since the version a form was built from.

    ``actor``/``at``: the latest change by someone (``""``/None when the log knows nothing, e.g. a bulk
    write); ``actors``: everyone who changed it since, in order; ``changed_fields``: the fields they
    changed; ``their_values``: those fields' values NOW (all editable values when the log knows
    nothing); ``current_version``: the version to pass as ``expected_version`` to overwrite (None:
    the row was deleted — ``their_values`` then holds what it was).
    """

    actor: str
    at: datetime | None
    their_values: dict[str, Any]
    changed_fields: list[str]
    current_version: int | None
    actors: tuple[str, ...] = ()
    deleted: bool = False


def conflict_details(session: Session, workspace_id: int, entity_type: str, entity_id: int, since_version: int) -> ConflictInfo:
    """Who changed the row after ``since_version``, which fields, and their values now (two queries)."""
    entries = session.exec(
        select(ActivityEntry).where(
            ActivityEntry.workspace_id == workspace_id, ActivityEntry.entity_type == entity_type,
            ActivityEntry.entity_id == entity_id, col(ActivityEntry.action).in_((UPDATE, DELETE)),
            (col(ActivityEntry.entity_version) > since_version) | (ActivityEntry.action == DELETE),
        ).order_by(ActivityEntry.id)
    ).all()
    actors = tuple(dict.fromkeys(e.actor for e in entries))
    latest = entries[-1] if entries else None
    changed = list(dict.fromkeys(key for e in entries if e.action == UPDATE for key in (e.after or {})))
    row = current(session, workspace_id, entity_type, entity_id)
    if row is None:
        deleted = next((e for e in reversed(entries) if e.action == DELETE), None)
        what = root_row(deleted) if deleted is not None else {}
        return ConflictInfo(
            deleted.actor if deleted else "", deleted.at if deleted else None, decoded(what), changed, None, actors, True,
        )
    values = row.model_dump()
    if not changed:
        changed_values = {k: v for k, v in values.items() if k not in BOOKKEEPING | FIXED}
        return ConflictInfo(latest.actor if latest else "", latest.at if latest else None, changed_values, [], row.version, actors)
    return ConflictInfo(latest.actor, latest.at, {k: values.get(k) for k in changed}, changed, row.version, actors)  # type: ignore[union-attr]


def recently_edited_by_other(
    session: Session, workspace_id: int, entity_type: str, entity_id: int, actor: str, within_seconds: float = 120
) -> str | None:
    """The name of someone else who created or changed the row in the last ``within_seconds``
    (so the UI asks before deleting it), else None. Anonymous changes (no name) are not counted."""
    since = datetime.now(UTC) - timedelta(seconds=within_seconds)
    return session.exec(
        select(ActivityEntry.actor).where(
            ActivityEntry.workspace_id == workspace_id, ActivityEntry.entity_type == entity_type,
            ActivityEntry.entity_id == entity_id, col(ActivityEntry.action).in_((CREATE, UPDATE)),
            ActivityEntry.actor != actor.strip(), ActivityEntry.actor != "", col(ActivityEntry.at) >= since,
        ).order_by(col(ActivityEntry.id).desc()).limit(1)
    ).first()


def list_activity(session: Session, workspace_id: int, *, limit: int = 50, journey_id: int | None = None) -> list[ActivityEntry]:
    """The most recent entries first."""
    query = select(ActivityEntry).where(ActivityEntry.workspace_id == workspace_id)
    if journey_id is not None:
        query = query.where(ActivityEntry.journey_id == journey_id)
    return list(session.exec(query.order_by(col(ActivityEntry.at).desc(), col(ActivityEntry.id).desc()).limit(limit)).all())


def root_row(entry: ActivityEntry) -> dict[str, Any]:
    """What a delete entry removed: its own row (a snapshot's root row, or the whole logged row)."""
    before = entry.before or {}
    key = aggregates.WHOLE.get(entry.entity_type)
    if key and isinstance(before.get(key), list):
        return next((row for row in before[key] if row.get("id") == entry.entity_id), before[key][0] if before[key] else {})
    return before


def is_snapshot(entry: ActivityEntry) -> bool:
    key = aggregates.WHOLE.get(entry.entity_type)
    return bool(key and isinstance((entry.before or {}).get(key), list))
