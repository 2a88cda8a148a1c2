"""The activity log's hook: every change a unit of work makes is written to the log, and every
workspace it touches gets its revision raised once.

:func:`install` registers listeners on ONE session (the unit of work calls it when it opens a
write); importing this module changes nothing. The listeners:

- ``before_flush`` / ``after_flush``: every new, changed or deleted ORM row (everything
  ``Audited`` except the log itself) becomes one ``ActivityEntry``: the actor of the unit of
  work, action create/update/delete, entity type (the table name), entity id, journey, a
  summary (the row's title/name/text), ``before``/``after`` (the whole row for create and
  delete, only the changed columns for an update) and the row's version. All entries of a
  flush go in ONE ``executemany``; owners (workspace, journey) of rows without a
  ``workspace_id`` are found along the declared aggregates (:mod:`services.core.aggregates`),
  one query per parent kind, cached in ``session.info``. A deleted stage, step or branch is
  logged as a snapshot with everything on it, so the trash can bring it back whole.
- ``do_orm_execute``: bulk Core writes (moves, imports, copies, undo of a delete) are not
  logged row by row, but they move the workspace revision too.

Each workspace touched by a write transaction gets its ``revision`` raised once (one UPDATE
for all of them), so a live view polls one integer. Presence heartbeats and the log's own rows
are never logged and never move the revision. All entries of one write transaction share a
``batch`` id: an undo takes back everything one save did.
"""

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, insert, inspect
from sqlalchemy import update as sql_update
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE
from sqlmodel import Session, SQLModel, select

import models
from models import ActivityEntry, Journey, Workspace
from models.base import Audited, utcnow
from services.audit.values import (
    BOOKKEEPING,
    CREATE,
    DELETE,
    SILENT,
    UNLOGGED,
    UPDATE,
    encode,
    encoded,
    jsonable,
    label,
    row_values,
)
from services.core import access, acting, aggregates, create

# session.info keys
BATCH, BUMPED, OWNERS, RECORDED, REVERTS, PENDING = (
    "activity.batch", "activity.bumped", "activity.owners", "activity.recorded", "activity.reverts", "activity.pending",
)

Owner = tuple[int | None, int | None]  # (workspace_id, journey_id)


# --- owners: which workspace and journey a row belongs to -------------------------------------------


def _needs(table: str, values: dict[str, Any]) -> list[tuple[str, int]]:
    """The parent lookups a row needs to know its workspace and journey."""
    if table == "workspace":
        return []
    has_workspace = values.get("workspace_id") is not None
    journey_id = values.get("id") if table == "journey" else values.get("journey_id")
    if journey_id is not None:
        return [] if has_workspace else [("journey", journey_id)]
    for column, kind in aggregates.owner_lookups(table):
        if values.get(column) is not None:
            return [(kind, values[column])]
    return []


def _resolve(session: Session, needs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Owner]:
    """Look up the parents not yet in the session's cache: one query per kind."""
    cache: dict[tuple[str, int], Owner] = session.info.setdefault(OWNERS, {})
    missing: dict[str, set[int]] = {}
    for kind, parent_id in needs:
        if (kind, parent_id) not in cache:
            if kind == "journey":
                journey = session.identity_map.get(session.identity_key(Journey, parent_id))  # type: ignore[arg-type]
                if journey is not None and "workspace_id" in journey.__dict__:
                    cache[("journey", parent_id)] = (journey.workspace_id, parent_id)
                    continue
            missing.setdefault(kind, set()).add(parent_id)
    for kind, ids in missing.items():
        for parent_id, workspace_id, journey_id in session.execute(aggregates.parent_owners(kind)(sorted(ids))).all():
            cache[(kind, parent_id)] = (workspace_id, journey_id)
    return cache


def _owner(table: str, values: dict[str, Any], cache: dict[tuple[str, int], Owner]) -> Owner:
    if table == "workspace":
        return values.get("id"), None
    workspace_id = values.get("workspace_id")
    journey_id = values.get("id") if table == "journey" else values.get("journey_id")
    for kind, parent_id in _needs(table, values):
        parent_workspace, parent_journey = cache.get((kind, parent_id), (None, None))
        workspace_id = workspace_id if workspace_id is not None else parent_workspace
        journey_id = journey_id if journey_id is not None else parent_journey
    return workspace_id, journey_id


# --- the listeners ---------------------------------------------------------------------------------


def _tracked(obj: Any) -> str | None:
    """The table name of a row the log cares about, else None."""
    if not isinstance(obj, Audited):
        return None
    table = obj.__tablename__  # type: ignore[attr-defined]
    return None if table in SILENT else table


def batch_id(session: Session) -> str:
    """The id shared by every entry of the session's current write transaction."""
    if BATCH not in session.info:
        session.info[BATCH] = uuid.uuid4().hex
    return session.info[BATCH]


@dataclass
class _Pending:
    """What ``before_flush`` learnt for ``after_flush``: deleted rows as they were, with their owners
    (after the DELETE neither the row nor, for a snapshot, what hung on it can be read)."""

    deleted: dict[int, tuple[str, dict[str, Any], Owner]]  # id(obj) → (entity type, logged before, owner)
    skipped: set[int]


def _check_access(session: Session) -> None:
    """Refuse the whole flush if the actor's role does not allow one of its rows (before any SQL)."""
    actor = acting(session)
    if actor.is_system:
        return
    rows = [(obj, CREATE) for obj in session.new] + [(obj, UPDATE) for obj in session.dirty if session.is_modified(obj)]
    for obj in session.deleted:
        for key in inspect(obj).unloaded:  # its parents decide where it belongs: load them while it exists
            getattr(obj, key)
        rows.append((obj, DELETE))
    written = [(obj.__tablename__, action, row_values(obj)) for obj, action in rows if isinstance(obj, SQLModel)]
    cache = _resolve(session, [need for table, _action, values in written for need in _needs(table, values)])
    created: set[int] = session.info.setdefault(access.CREATED, set())
    locked: dict[int, bool] = {}
    for table, action, values in written:
        workspace_id, journey_id = _owner(table, values, cache)
        if workspace_id in created and table != "workspace":
            continue  # the actor set this workspace up in this same unit of work
        access.check_write(actor, table, action, workspace_id, journey_id)
        access.check_structure_lock(session, actor, table, workspace_id, journey_id, locked)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _check_access(session)
    needs: list[tuple[str, int]] = []
    deleted_rows: list[tuple[Any, str]] = []
    for obj in session.new:
        if isinstance(obj, ActivityEntry):
            obj.batch = obj.batch or batch_id(session)
            obj.actor = obj.actor or acting(session).name
            obj.account_id = obj.account_id or acting(session).account_id
            if obj.reverts_id is None and session.info.get(REVERTS) is not None:
                obj.reverts_id = session.info[REVERTS]
            continue
        table = _tracked(obj)
        if table:
            needs += _needs(table, obj.__dict__)
    for obj in session.dirty:
        table = _tracked(obj)
        if table:
            needs += _needs(table, obj.__dict__)
    recorded: set[tuple[str, int]] = session.info.get(RECORDED, set())
    pending = _Pending({}, set())
    for obj in session.deleted:
        table = _tracked(obj)
        if not table or table == "workspace":
            continue
        state = inspect(obj)
        for key in state.unloaded:  # a deleted row is logged whole: load what is missing while it still exists
            getattr(obj, key)
        values = row_values(obj)
        if (table, values.get("id")) in recorded:
            pending.skipped.add(id(obj))
            continue
        needs += _needs(table, values)
        deleted_rows.append((obj, table))
    cache = _resolve(session, needs) if needs else session.info.setdefault(OWNERS, {})
    for obj, table in deleted_rows:
        values = row_values(obj)
        before = _delete_snapshot(session, table, values)
        pending.deleted[id(obj)] = (table, before, _owner(table, values, cache))
    session.info[PENDING] = pending


def _delete_snapshot(session: Session, table: str, values: dict[str, Any]) -> dict[str, Any]:
    """The logged ``before`` of a delete: for a row deleted whole (a stage, step or branch) everything
    it takes with it (see :func:`aggregates.snapshot`), else the row."""
    if table in aggregates.WHOLE:
        return _encoded_snapshot(aggregates.snapshot(session, aggregates.member(table).model, [values["id"]]))
    return encoded(values)


def _encoded_snapshot(snapshot: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {key: [encoded(row) for row in rows] for key, rows in snapshot.items()}


def _after_flush(session: Session, _context: Any) -> None:
    pending: _Pending = session.info.pop(PENDING, None) or _Pending({}, set())
    cache = session.info.setdefault(OWNERS, {})
    acting_now = acting(session)
    actor, account_id = acting_now.name, acting_now.account_id
    reverts = session.info.get(REVERTS)
    now = utcnow()
    entries: list[dict[str, Any]] = []
    touched: set[int] = set()
    gone_workspaces = {obj.id for obj in session.deleted if isinstance(obj, Workspace)}
    session.info.setdefault(access.CREATED, set()).update(obj.id for obj in session.new if isinstance(obj, Workspace))

    def add(table: str, owner: Owner, action: str, entity_id: Any, summary: str, before: Any, after: Any, version: Any) -> None:
        workspace_id, journey_id = owner
        if workspace_id is None or workspace_id in gone_workspaces:
            return
        touched.add(workspace_id)
        if table in UNLOGGED:
            return
        entries.append({
            "workspace_id": workspace_id, "at": now, "actor": actor, "action": action, "entity_type": table,
            "entity_id": entity_id, "journey_id": journey_id, "summary": summary, "before": before, "after": after,
            "entity_version": version, "batch": "", "reverts_id": reverts, "account_id": account_id,
            "created_at": now, "updated_at": now, "version": 1,
        })

    for obj in session.new:
        if isinstance(obj, ActivityEntry):
            touched.add(obj.workspace_id)
            continue
        table = _tracked(obj)
        if table:
            values = row_values(obj)
            owner = _owner(table, values, cache)
            add(table, owner, CREATE, values.get("id"), label(values), None, encoded(values), values.get("version"))
    for obj in session.dirty:
        table = _tracked(obj)
        if not table:
            continue
        state = inspect(obj)
        values = obj.__dict__
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        # committed_state holds the value each changed attribute had when loaded (still there in
        # after_flush); setting an equal value leaves it there too, so compare.
        for key, old in state.committed_state.items():
            if key in BOOKKEEPING or key not in values:
                continue
            new = values[key]
            old = None if old is NO_VALUE or old is NEVER_SET else old
            if new != old:
                after[key] = encode(new)
                before[key] = encode(old)
        if after:
            add(table, _owner(table, values, cache), UPDATE, values.get("id"), label(values), before, after, values.get("version"))
    for obj in session.deleted:
        if id(obj) in pending.skipped or id(obj) not in pending.deleted:
            continue
        table, before_row, owner = pending.deleted[id(obj)]
        values = row_values(obj)
        add(table, owner, DELETE, values.get("id"), label(values), before_row, None, values.get("version"))
    if entries:
        batch = batch_id(session)
        for entry in entries:
            entry["batch"] = batch
        session.connection().execute(insert(ActivityEntry.__table__), entries)  # type: ignore[attr-defined]
    _bump(session, touched)


def _bump(session: Session, workspace_ids: Iterable[int | None]) -> None:
    """Raise the revision of workspaces not yet raised in this transaction: one UPDATE for all."""
    bumped: set[int] = session.info.setdefault(BUMPED, set())
    todo = sorted({w for w in workspace_ids if w is not None} - bumped)
    if not todo:
        return
    session.connection().execute(
        sql_update(Workspace.__table__).where(Workspace.__table__.c.id.in_(todo))  # type: ignore[attr-defined]
        .values(revision=Workspace.__table__.c.revision + 1, updated_at=Workspace.__table__.c.updated_at)  # type: ignore[attr-defined]
    )
    bumped.update(todo)


def _on_execute(state: Any) -> None:
    """Bulk Core writes move the revision of the workspaces whose rows they write."""
    if state.is_select or not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name == "activity_entry" and not acting(state.session).is_system:  # the log's rows: only where one may write
        _check_log_statement(state, table)
    if name is None or name in SILENT or name == "workspace" or name not in _tracked_tables():
        return
    session = state.session
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params] if isinstance(params, dict) else []
        if not rows:  # insert().values(...): the values sit in the statement
            rows = [{getattr(key, "key", str(key)): getattr(value, "value", None)
                     for key, value in (state.statement._values or {}).items()}]
        # The one column that leads to the workspace (one pass over the rows: bulk inserts are large).
        lookups = dict(aggregates.owner_lookups(name))
        column = next((c for c in ("workspace_id", *lookups) if c in rows[0]), None)
        if column is None:
            return
        found = [{column: value} for value in {row.get(column) for row in rows} if value is not None]
        kind = lookups.get(column)
        cache = _resolve(session, [(kind, values[column]) for values in found] if kind else [])
        workspaces = {values["workspace_id"] if kind is None else cache.get((kind, values[column]), (None,))[0] for values in found}
        access.check_bulk(session, name, CREATE, workspaces)
        _bump(session, workspaces)
        return
    # UPDATE/DELETE: the rows' workspaces, found with the statement's own WHERE, raised in the same statement.
    owners = aggregates.owner_select(table)
    if owners is None:
        return
    if state.statement.whereclause is not None:
        owners = owners.where(state.statement.whereclause)
    params = state.parameters
    # An executemany UPDATE binds its WHERE per row: the first row stands for all (every bulk
    # write here stays inside one workspace).
    params = (params[0] if params else None) if isinstance(params, list) else params
    if not acting(session).is_system:
        touched = session.connection().execute(owners.distinct(), params or {}).scalars().all()
        access.check_bulk(session, name, UPDATE if state.is_update else DELETE, set(touched))
    workspace = Workspace.__table__  # type: ignore[attr-defined]
    bumped = session.connection().execute(
        sql_update(workspace).where(workspace.c.id.in_(owners.scalar_subquery()))
        .values(revision=workspace.c.revision + 1, updated_at=workspace.c.updated_at).returning(workspace.c.id),
        params or {},
    ).scalars().all()
    session.info.setdefault(BUMPED, set()).update(bumped)


def _check_log_statement(state: Any, table: Any) -> None:
    if state.is_insert:
        params = state.parameters
        rows = params if isinstance(params, list) else [params] if isinstance(params, dict) else []
        if not rows:
            rows = [{getattr(key, "key", str(key)): getattr(value, "value", None)
                     for key, value in (state.statement._values or {}).items()}]
        workspaces = {row.get("workspace_id") for row in rows}
    else:
        owners = select(table.c.workspace_id).distinct()
        if state.statement.whereclause is not None:
            owners = owners.where(state.statement.whereclause)
        workspaces = set(state.session.connection().execute(owners).scalars().all())
    access.check_bulk(state.session, "activity_entry", CREATE if state.is_insert else UPDATE if state.is_update else DELETE, workspaces)


_TRACKED_TABLES: set[str] = set()


def _tracked_tables() -> set[str]:
    if not _TRACKED_TABLES:
        _TRACKED_TABLES.update(
            getattr(models, name).__tablename__ for name in models.__all__ if issubclass(getattr(models, name), Audited)
        )
    return _TRACKED_TABLES


def _on_transaction_end(session: Session, transaction: Any) -> None:
    """A rolled-back savepoint may have taken a revision bump with it: bump again on the next write.
    At the end of the whole transaction the next one gets a new batch id. (A flush runs in a
    subtransaction of its own, neither nested nor the root: its end changes nothing.)"""
    if not transaction.nested and transaction.parent is not None:
        return
    session.info.pop(BUMPED, None)
    session.info.pop(PENDING, None)
    if transaction.parent is None:
        session.info.pop(BATCH, None)
        session.info.pop(RECORDED, None)


_LISTENERS = (
    ("before_flush", _before_flush), ("after_flush", _after_flush), ("do_orm_execute", _on_execute),
    ("after_transaction_end", _on_transaction_end),
)


def install(session: Session) -> None:
    """Log every change this session makes (called by the unit of work when it opens a write)."""
    for name, listener in _LISTENERS:
        event.listen(session, name, listener)


def installed(session: Session) -> bool:
    return event.contains(session, "before_flush", _before_flush)


def already_logged(session: Session, entity_type: str, entity_id: int) -> None:
    """Tell the log that a service wrote this row's delete entry itself (a delete with its snapshot, see services.history)."""
    session.info.setdefault(RECORDED, set()).add((entity_type, entity_id))


@contextmanager
def reverting(session: Session, entry_id: int) -> Iterator[None]:
    """Entries written inside are marked as taking back ``entry_id`` (undo, restore from the trash)."""
    previous = session.info.get(REVERTS)
    session.info[REVERTS] = entry_id
    try:
        yield
        session.flush()
    finally:
        session.info[REVERTS] = previous




def created_here(session: Session, workspace_id: int) -> None:
    """A workspace made in this unit of work with a bulk insert: its actor may fill it (as after an ORM create)."""
    session.info.setdefault(access.CREATED, set()).add(workspace_id)


def record(
    session: Session,
    workspace_id: int,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: int | None,
    summary: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    journey_id: int | None = None,
    *,
    entity_version: int | None = None,
    reverts_id: int | None = None,
) -> ActivityEntry:
    """Append an entry a service shapes itself (a delete with its snapshot, an undo, an import);
    every other change is written by the listeners. An empty ``actor`` is filled from the unit of work."""
    return create(session, ActivityEntry, {
        "workspace_id": workspace_id, "actor": actor, "action": action, "entity_type": entity_type,
        "entity_id": entity_id, "summary": summary, "before": jsonable(before), "after": jsonable(after),
        "journey_id": journey_id, "entity_version": entity_version, "reverts_id": reverts_id,
    })
