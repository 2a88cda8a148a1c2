"""Undo, restore and the trash: taking changes back from the activity log.

- :func:`undo_last`: a person's last save, everything it did (newest first);
- :func:`restore_version`: any earlier state of a card, as a new (undoable) change;
- :func:`trash` / :func:`restore_from_trash`: deleted items, a stage, step or branch whole.

Deletes of a stage, step or branch that come back whole are :mod:`services.history.undo`.
"""

from typing import Any

import pandas as pd
from sqlalchemy import exists, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

import services.history.undo as undo
from models import ActivityEntry
from services import audit, core
from services.audit import BOOKKEEPING, CHANGES, CREATE, DELETE, FIXED, SILENT, UPDATE
from services.core import N_, ConflictError, DomainError, NotFoundError

# ---------------------------------------------------------------------------


def undo_last(session: Session, workspace_id: int, actor: str = "") -> str:
    """Take back ``actor``'s last save that is not undone yet (every change of that write
    transaction, newest first); returns its summary. Repeating it goes further back.

    - an update gets its earlier values back,
    - a created row is deleted again (a step or stage with what was added on it since: it goes to the trash),
    - a deleted row comes back (a step or stage with everything on it, as from the trash).

    Refused (DomainError, naming the person) when someone else changed one of the rows since:
    their change would be lost. "Mine" is the signed-in account of the unit of work; only the
    system (a script, a test) names the actor by ``actor``.
    """
    account_id = core.acting(session).account_id
    actor = actor.strip() if account_id is None else core.acting(session).name
    if not actor and account_id is None:
        raise DomainError(N_("Enter your name to undo your changes."))
    reverted = aliased(ActivityEntry)
    undone = exists().where(reverted.reverts_id == ActivityEntry.id)
    who = ActivityEntry.account_id == account_id if account_id is not None else ActivityEntry.actor == actor
    mine = select(ActivityEntry).where(
        ActivityEntry.workspace_id == workspace_id, who,
        col(ActivityEntry.action).in_(CHANGES), col(ActivityEntry.reverts_id).is_(None), ActivityEntry.batch != "",
        ~undone,
    )
    last = session.exec(mine.order_by(col(ActivityEntry.id).desc()).limit(1)).first()
    if last is None:
        raise DomainError(N_("You have no change left to undo."))
    entries = session.exec(mine.where(ActivityEntry.batch == last.batch).order_by(col(ActivityEntry.id).desc())).all()
    for entry in entries:
        _undo(session, workspace_id, entry, actor, account_id)
    return last.summary


def _undo(session: Session, workspace_id: int, entry: ActivityEntry, actor: str, account_id: int | None = None) -> None:
    if entry.action == DELETE:
        _restore_deleted(session, workspace_id, entry)
        return
    others = [e for e in audit.later(session, entry) if (e.account_id != account_id if account_id is not None else e.actor != actor)]
    if others:
        _refuse_changed(others[-1], entry.summary)
    row = audit.current(session, workspace_id, entry.entity_type, entry.entity_id)
    if row is None:
        raise DomainError(N_("“{item}” no longer exists."), item=entry.summary)
    if entry.action == CREATE and entry.entity_type == "workspace":
        raise DomainError(N_("Creating a workspace cannot be undone; delete it in the workspace settings."))
    if entry.action == CREATE and _has_children(session, type(row), row.id):
        # Rows created in the same save were taken back first (newest first); what is left was added
        # later, by someone else or in a save of one's own that is not undone.
        raise DomainError(N_("Things have been added to “{item}” since; delete it yourself if it should go."), item=entry.summary)
    with audit.reverting(session, entry.id):
        if entry.action == UPDATE:
            _assign(session, row, audit.decoded(entry.before or {}))
        else:
            session.delete(row)


def _has_children(session: Session, model: type[SQLModel], row_id: int) -> bool:
    """Whether any row of another table points at this one (one statement)."""
    target = model.__table__  # type: ignore[attr-defined]
    checks = [
        exists().where(fk.parent == row_id)
        for table in SQLModel.metadata.tables.values() if table.name not in SILENT
        for fk in table.foreign_keys if fk.column.table is target and fk.column.name == "id" and fk.parent.table is not target
    ]
    if not checks:
        return False
    return bool(session.execute(select(or_(*checks))).scalar())


def _refuse_changed(other: ActivityEntry, item: str) -> None:
    if other.action == DELETE:
        raise DomainError(N_("{actor} has deleted “{item}” since; your change cannot be undone."), actor=other.actor or "?", item=item)
    raise DomainError(
        N_("{actor} has changed “{item}” since; undoing yours would overwrite their change."), actor=other.actor or "?", item=item,
    )


def _assign(session: Session, row: Any, values: dict[str, Any]) -> None:
    """Set ``values`` on the row after validating the whole row (types come back from JSON text too)."""
    values = {k: v for k, v in values.items() if k not in FIXED | BOOKKEEPING}
    validated = core.validate(type(row), {**row.model_dump(), **values})
    for key in values:
        setattr(row, key, getattr(validated, key))
    session.add(row)
    core.flush(session)


def restore_version(session: Session, workspace_id: int, activity_id: int, *, expected_version: int | None = None) -> Any:
    """Give the row the values it had right AFTER the entry ``activity_id`` (any earlier state of a card);
    the restore is a new change (logged, undoable). Fields changed since are walked back through the
    later entries. ``expected_version`` guards against a change made while the user was choosing."""
    entry = audit.entry_of(session, workspace_id, activity_id)
    if entry.action not in (CREATE, UPDATE) or entry.entity_id is None:
        raise DomainError(N_("Only a created or changed item has a version to go back to."))
    row = audit.current(session, workspace_id, entry.entity_type, entry.entity_id)
    if row is None:
        raise DomainError(N_("“{item}” no longer exists. Restore it from the trash first."), item=entry.summary)
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(N_("Someone else changed this in the meantime. Reload and try again."))
    target: dict[str, Any] = {}
    for later in audit.later(session, entry):
        if later.action == UPDATE:
            for key, value in (later.before or {}).items():
                target.setdefault(key, value)
    if target:
        _assign(session, row, audit.decoded(target))
    return row


TRASH_COLUMNS = ["id", "at", "actor", "entity_type", "entity_id", "journey_id", "summary", "what", "contents"]


def trash(session: Session, workspace_id: int, *, journey_id: int | None = None, limit: int = 200) -> pd.DataFrame:
    """Deleted items not restored yet, newest first (one query): ``id`` is the activity entry to pass to
    :func:`restore_from_trash`, ``what`` the deleted row's values, ``contents`` how many rows on it
    (pain points, links …) come back with it."""
    reverted = aliased(ActivityEntry)
    query = select(ActivityEntry).where(
        ActivityEntry.workspace_id == workspace_id, ActivityEntry.action == DELETE, col(ActivityEntry.entity_id).is_not(None),
        ~exists().where(reverted.reverts_id == ActivityEntry.id),
    )
    if journey_id is not None:
        query = query.where(ActivityEntry.journey_id == journey_id)
    entries = session.exec(query.order_by(col(ActivityEntry.id).desc()).limit(limit)).all()
    records = []
    for e in entries:
        contents = sum(len(rows) for rows in (e.before or {}).values() if isinstance(rows, list)) - 1 if audit.is_snapshot(e) else 0
        what = audit.decoded(audit.root_row(e))
        records.append((e.id, e.at, e.actor, e.entity_type, e.entity_id, e.journey_id, e.summary, what, contents))
    return pd.DataFrame(records, columns=TRASH_COLUMNS)


def restore_from_trash(session: Session, workspace_id: int, activity_id: int) -> int:
    """Put a deleted item back (with its original id where it is free); returns its id now.

    A step, stage or branch comes back with everything that was on it. Other rows come back on
    their own: what the database deleted with them (a persona's channel preferences, a journey's
    stages) is not logged and does not come back.
    """
    entry = audit.entry_of(session, workspace_id, activity_id)
    if entry.action != DELETE:
        raise DomainError(N_("This change cannot be undone."))
    return _restore_deleted(session, workspace_id, entry)


def _restore_deleted(session: Session, workspace_id: int, entry: ActivityEntry) -> int:
    if audit.reverted(session, entry.id):
        raise DomainError(N_("This change has already been undone."))
    if audit.is_snapshot(entry):
        restored = undo.undo_delete(session, workspace_id, entry.id)
        ids = restored.get(undo.ROOTS[entry.entity_type], [])
        return ids[0] if ids else entry.entity_id  # type: ignore[return-value]
    model = audit.model_for(entry.entity_type)
    row = model.model_validate(audit.decoded(entry.before or {})).model_dump()
    if "workspace_id" in row and row["workspace_id"] != workspace_id:
        raise NotFoundError(N_("This history entry no longer exists."))
    try:
        with session.begin_nested():
            id_map = undo.insert_rows(session, model, [row])
    except DomainError as exc:
        if exc.message == N_("This refers to something that does not exist, or is still in use."):
            raise DomainError(N_("This cannot be restored: something it belonged to has been deleted in the meantime.")) from exc
        raise
    new_id = id_map.get(row["id"], row["id"])
    restored = {**row, "id": new_id}
    journey_id = entry.journey_id
    session.add(ActivityEntry(
        workspace_id=workspace_id, actor=core.acting(session).name, action=CREATE, entity_type=entry.entity_type,
        entity_id=new_id, journey_id=journey_id, summary=entry.summary, before=None, after=audit.encoded(restored),
        entity_version=row.get("version"), reverts_id=entry.id,
    ))
    session.flush()
    return new_id
