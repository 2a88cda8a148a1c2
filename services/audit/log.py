"""The activity log of every change, the workspace revision, and what they make possible:
history panels, undo of one's own last save, restoring an earlier state of a card, the
trash, and "who changed what" when an edit meets a newer version.

How every change is logged
--------------------------
Importing this module (``services.common`` does, and every write goes through it)
registers three listeners on SQLAlchemy's ``Session`` class:

- ``before_flush`` / ``after_flush``: every new, changed or deleted ORM row
  (everything ``Audited`` except the log itself) becomes one ``ActivityEntry``:
  actor (``session.info["actor"]``, set by ``write_session(engine, actor=…)``),
  action create/update/delete, entity type (the table name), entity id, journey,
  a summary (the row's title/name/text), ``before``/``after`` (the whole row for
  create and delete, only the changed columns for an update) and the row's
  version. All entries of a flush go in ONE ``executemany``; owners (workspace,
  journey) of rows without a ``workspace_id`` are found in one query per parent
  kind and cached in ``session.info``. A deleted step or stage is logged as a
  snapshot with everything on it (the format of :mod:`services.history`), so the
  trash can bring it back whole.
- ``do_orm_execute``: bulk Core writes (``session.execute(insert/update/delete)``:
  moves, imports, duplicating a journey, templates, undo of a delete) are not
  logged row by row, but they move the workspace revision too.

Each workspace touched by a write transaction gets its ``revision`` raised once
(one UPDATE for all of them), so a live view polls one integer. Presence
heartbeats and the log's own rows are never logged and never move the revision
(a new log row written by a service does move it: an undo changes the map).

Not logged row by row: pure link rows (journey ↔ persona, opportunity ↔ pain
point) and Core bulk writes (positions after a move, a duplicated journey's
contents, imports). Workspaces are logged, but never their deletion (the log
goes with the workspace).

All entries of one write transaction share a ``batch`` id: an undo takes back
everything one save did.
"""

import base64
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from pydantic_core import to_jsonable_python
from sqlalchemy import event, exists, insert, inspect, or_
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE
from sqlmodel import Session, SQLModel, col, select

import models
from models import ActivityEntry, Journey, Metric, Opportunity, Stage, Step, VoteRound, Workspace
from models.base import Audited, utcnow
from models.kano import KanoItem
from services.core import N_, ConflictError, DomainError, NotFoundError

CREATE, UPDATE, DELETE = "create", "update", "delete"
CHANGES = (CREATE, UPDATE, DELETE)

# Never logged, never move the revision (the log itself; presence heartbeats).
SILENT = frozenset({"activity_entry", "presence"})
# Link rows without an id of their own: they move the revision but get no entry.
UNLOGGED = frozenset({"journey_persona", "opportunity_pain_point"})
BOOKKEEPING = frozenset({"created_at", "updated_at", "version"})
# Never restored from an old entry: identity and ownership.
FIXED = frozenset({"id", "workspace_id"})
LABELS = ("title", "name", "text", "body", "label", "voter", "respondent", "display_name")
SUMMARY_LENGTH = 120

# A row → the parent that tells its workspace and journey: (column, parent kind), tried in order.
PARENTS = (
    ("step_id", "step"), ("stage_id", "stage"), ("round_id", "vote_round"), ("opportunity_id", "opportunity"),
    ("metric_id", "metric"), ("kano_item_id", "kano_item"),
)

# session.info keys
ACTOR, BATCH, BUMPED, OWNERS, RECORDED, REVERTS, PENDING = (
    "actor", "activity.batch", "activity.bumped", "activity.owners", "activity.recorded", "activity.reverts",
    "activity.pending",
)

Owner = tuple[int | None, int | None]  # (workspace_id, journey_id)


def _nobody() -> str:
    return ""


# Who is saving when a session was opened without ``actor=``: the UI layer installs a function that
# reads the viewer's display name (services must not import Streamlit); scripts and tests keep "".
default_actor: Callable[[], str] = _nobody


def set_default_actor(provider: Callable[[], str]) -> None:
    global default_actor  # noqa: PLW0603 - one process-wide provider, set once at start-up
    default_actor = provider


# --- values as JSON -------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A column value as the JSON column stores it; bytes (an avatar) as base64, so nothing is lost."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    return to_jsonable_python(value, fallback=str)


def decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__bytes__"}:
        return base64.b64decode(value["__bytes__"])
    return value


def _encoded(values: dict[str, Any]) -> dict[str, Any]:
    return {key: encode(value) for key, value in values.items()}


def _decoded(values: dict[str, Any]) -> dict[str, Any]:
    return {key: decode(value) for key, value in values.items()}


def _row_values(obj: Any) -> dict[str, Any]:
    """All column values of a loaded ORM row (from its state: no SQL)."""
    state = inspect(obj)
    return {attr.key: state.dict.get(attr.key) for attr in state.mapper.column_attrs}


def _label(values: dict[str, Any]) -> str:
    for name in LABELS:
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:SUMMARY_LENGTH]
    return ""


_MODELS: dict[str, type[SQLModel]] = {}


def model_for(entity_type: str) -> type[SQLModel]:
    """The table model of an entity type (a table name)."""
    if not _MODELS:
        for name in models.__all__:
            model = getattr(models, name)
            _MODELS[model.__tablename__] = model
    try:
        return _MODELS[entity_type]
    except KeyError as exc:
        raise DomainError(N_("This change cannot be undone.")) from exc


# --- owners: which workspace and journey a row belongs to -------------------------------------------


def _parent_queries() -> dict[str, Any]:
    """Per parent kind: a query of (id, workspace_id, journey_id) for ``ids`` (one query per kind)."""
    op_step = aliased(Step)
    return {
        "journey": lambda ids: select(Journey.id, Journey.workspace_id, Journey.id).where(col(Journey.id).in_(ids)),
        "step": lambda ids: select(Step.id, Journey.workspace_id, Step.journey_id)
        .join(Journey, Journey.id == Step.journey_id).where(col(Step.id).in_(ids)),
        "stage": lambda ids: select(Stage.id, Journey.workspace_id, Stage.journey_id)
        .join(Journey, Journey.id == Stage.journey_id).where(col(Stage.id).in_(ids)),
        "vote_round": lambda ids: select(VoteRound.id, Journey.workspace_id, VoteRound.journey_id)
        .join(Journey, Journey.id == VoteRound.journey_id).where(col(VoteRound.id).in_(ids)),
        "opportunity": lambda ids: select(Opportunity.id, Journey.workspace_id, op_step.journey_id)
        .join(op_step, op_step.id == Opportunity.step_id).join(Journey, Journey.id == op_step.journey_id)
        .where(col(Opportunity.id).in_(ids)),
        "metric": lambda ids: select(Metric.id, Metric.workspace_id, Metric.journey_id).where(col(Metric.id).in_(ids)),
        "kano_item": lambda ids: select(KanoItem.id, KanoItem.workspace_id, KanoItem.journey_id).where(col(KanoItem.id).in_(ids)),
    }


_PARENT_QUERIES: dict[str, Any] = {}


def _needs(table: str, values: dict[str, Any]) -> list[tuple[str, int]]:
    """The parent lookups a row needs to know its workspace and journey."""
    if table == "workspace":
        return []
    has_workspace = values.get("workspace_id") is not None
    journey_id = values.get("id") if table == "journey" else values.get("journey_id")
    if journey_id is not None:
        return [] if has_workspace else [("journey", journey_id)]
    for column, kind in PARENTS:
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
    if not _PARENT_QUERIES:
        _PARENT_QUERIES.update(_parent_queries())
    for kind, ids in missing.items():
        for parent_id, workspace_id, journey_id in session.execute(_PARENT_QUERIES[kind](sorted(ids))).all():
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


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    needs: list[tuple[str, int]] = []
    deleted_rows: list[tuple[Any, str]] = []
    for obj in session.new:
        if isinstance(obj, ActivityEntry):
            obj.batch = obj.batch or batch_id(session)
            obj.actor = obj.actor or session.info.get(ACTOR) or default_actor()
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
        values = _row_values(obj)
        if (table, values.get("id")) in recorded:
            pending.skipped.add(id(obj))
            continue
        needs += _needs(table, values)
        deleted_rows.append((obj, table))
    cache = _resolve(session, needs) if needs else session.info.setdefault(OWNERS, {})
    for obj, table in deleted_rows:
        values = _row_values(obj)
        before = _delete_snapshot(session, table, values)
        pending.deleted[id(obj)] = (table, before, _owner(table, values, cache))
    session.info[PENDING] = pending


def _delete_snapshot(session: Session, table: str, values: dict[str, Any]) -> dict[str, Any]:
    """The logged ``before`` of a delete: for a step or stage everything on it (history's format), else the row."""
    from services import history  # late: history imports the services that import this module

    if table == "step":
        return _encoded_snapshot(history.snapshot_steps(session, [values["id"]]))
    if table == "stage":
        step_ids = list(session.exec(select(Step.id).where(Step.stage_id == values["id"])).all())
        return _encoded_snapshot({"stages": [values], **history.snapshot_steps(session, step_ids)})
    if table == "transition":
        return _encoded_snapshot({"transitions": [values]})
    return _encoded(values)


def _encoded_snapshot(snapshot: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {key: [_encoded(row) for row in rows] for key, rows in snapshot.items()}


def _after_flush(session: Session, _context: Any) -> None:
    pending: _Pending = session.info.pop(PENDING, None) or _Pending({}, set())
    cache = session.info.setdefault(OWNERS, {})
    actor = session.info.get(ACTOR) or default_actor()
    reverts = session.info.get(REVERTS)
    now = utcnow()
    entries: list[dict[str, Any]] = []
    touched: set[int] = set()
    gone_workspaces = {obj.id for obj in session.deleted if isinstance(obj, Workspace)}

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
            "entity_version": version, "batch": "", "reverts_id": reverts,
            "created_at": now, "updated_at": now, "version": 1,
        })

    for obj in session.new:
        if isinstance(obj, ActivityEntry):
            touched.add(obj.workspace_id)
            continue
        table = _tracked(obj)
        if table:
            values = _row_values(obj)
            owner = _owner(table, values, cache)
            add(table, owner, CREATE, values.get("id"), _label(values), None, _encoded(values), values.get("version"))
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
            add(table, _owner(table, values, cache), UPDATE, values.get("id"), _label(values), before, after, values.get("version"))
    for obj in session.deleted:
        if id(obj) in pending.skipped or id(obj) not in pending.deleted:
            continue
        table, before_row, owner = pending.deleted[id(obj)]
        values = _row_values(obj)
        add(table, owner, DELETE, values.get("id"), _label(values), before_row, None, values.get("version"))
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
        column = next((c for c in ("workspace_id", "journey_id", *(p for p, _k in PARENTS)) if c in rows[0]), None)
        if column is None:
            return
        found = [{column: value} for value in {row.get(column) for row in rows} if value is not None]
        kind = {"journey_id": "journey", **dict(PARENTS)}.get(column)
        cache = _resolve(session, [(kind, values[column]) for values in found] if kind else [])
        _bump(session, (values["workspace_id"] if kind is None else cache.get((kind, values[column]), (None,))[0]
                        for values in found))
        return
    # UPDATE/DELETE: the rows' workspaces, found with the statement's own WHERE, raised in the same statement.
    owners = _owner_select(table)
    if owners is None:
        return
    if state.statement.whereclause is not None:
        owners = owners.where(state.statement.whereclause)
    params = state.parameters
    # An executemany UPDATE binds its WHERE per row: the first row stands for all (every bulk
    # write here stays inside one workspace).
    params = (params[0] if params else None) if isinstance(params, list) else params
    workspace = Workspace.__table__  # type: ignore[attr-defined]
    bumped = session.connection().execute(
        sql_update(workspace).where(workspace.c.id.in_(owners.scalar_subquery()))
        .values(revision=workspace.c.revision + 1, updated_at=workspace.c.updated_at).returning(workspace.c.id),
        params or {},
    ).scalars().all()
    session.info.setdefault(BUMPED, set()).update(bumped)


def _owner_select(table: Any) -> Any:
    """SELECT the workspace id of ``table``'s rows, joined up the parent path (None: no path)."""
    c = table.c
    if "workspace_id" in c:
        return select(c.workspace_id)
    joins: list[tuple[Any, Any]] = []
    if "journey_id" in c:
        joins = [(Journey, Journey.id == c.journey_id)]
    elif "step_id" in c:
        joins = [(Step, Step.id == c.step_id), (Journey, Journey.id == Step.journey_id)]
    elif "stage_id" in c:
        joins = [(Stage, Stage.id == c.stage_id), (Journey, Journey.id == Stage.journey_id)]
    elif "round_id" in c:
        joins = [(VoteRound, VoteRound.id == c.round_id), (Journey, Journey.id == VoteRound.journey_id)]
    elif "opportunity_id" in c:
        joins = [(Opportunity, Opportunity.id == c.opportunity_id), (Step, Step.id == Opportunity.step_id),
                 (Journey, Journey.id == Step.journey_id)]
    elif "metric_id" in c:
        return select(Metric.workspace_id).select_from(table).join(Metric, Metric.id == c.metric_id)
    elif "kano_item_id" in c:
        return select(KanoItem.workspace_id).select_from(table).join(KanoItem, KanoItem.id == c.kano_item_id)
    else:
        return None
    query = select(Journey.workspace_id).select_from(table)
    for parent, onclause in joins:
        query = query.join(parent, onclause)
    return query


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


def _install() -> None:
    if not event.contains(OrmSession, "before_flush", _before_flush):
        event.listen(OrmSession, "before_flush", _before_flush)
        event.listen(OrmSession, "after_flush", _after_flush)
        event.listen(OrmSession, "do_orm_execute", _on_execute)
        event.listen(OrmSession, "after_transaction_end", _on_transaction_end)


_install()


def already_logged(session: Session, entity_type: str, entity_id: int) -> None:
    """Tell the log that a service wrote this row's delete entry itself (services/history/undo.py)."""
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


# --- reading the log --------------------------------------------------------------------------------

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


def _entry(session: Session, workspace_id: int, activity_id: int) -> ActivityEntry:
    entry = session.get(ActivityEntry, activity_id)
    if entry is None or entry.workspace_id != workspace_id:
        raise NotFoundError(N_("This history entry no longer exists."))
    return entry


def _reverted(session: Session, entry_id: int) -> bool:
    return session.exec(select(ActivityEntry.id).where(ActivityEntry.reverts_id == entry_id).limit(1)).first() is not None


def _later(session: Session, entry: ActivityEntry) -> list[ActivityEntry]:
    """Entries on the same row after ``entry``, oldest first."""
    return list(session.exec(
        select(ActivityEntry).where(
            ActivityEntry.workspace_id == entry.workspace_id, ActivityEntry.entity_type == entry.entity_type,
            ActivityEntry.entity_id == entry.entity_id, col(ActivityEntry.id) > entry.id,
        ).order_by(ActivityEntry.id)
    ).all())


def _current(session: Session, workspace_id: int, entity_type: str, entity_id: int | None) -> Any:
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
    row = _current(session, workspace_id, entity_type, entity_id)
    if row is None:
        deleted = next((e for e in reversed(entries) if e.action == DELETE), None)
        what = _root_row(deleted) if deleted is not None else {}
        return ConflictInfo(
            deleted.actor if deleted else "", deleted.at if deleted else None, _decoded(what), changed, None, actors, True,
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


# --- undo, restore, trash ---------------------------------------------------------------------------


def undo_last(session: Session, workspace_id: int, actor: str) -> str:
    """Take back ``actor``'s last save that is not undone yet (every change of that write
    transaction, newest first); returns its summary. Repeating it goes further back.

    - an update gets its earlier values back,
    - a created row is deleted again (a step or stage with what was added on it since: it goes to the trash),
    - a deleted row comes back (a step or stage with everything on it, as from the trash).

    Refused (DomainError, naming the person) when someone else changed one of the rows since:
    their change would be lost.
    """
    actor = actor.strip()
    if not actor:
        raise DomainError(N_("Enter your name to undo your changes."))
    reverted = aliased(ActivityEntry)
    undone = exists().where(reverted.reverts_id == ActivityEntry.id)
    mine = select(ActivityEntry).where(
        ActivityEntry.workspace_id == workspace_id, ActivityEntry.actor == actor,
        col(ActivityEntry.action).in_(CHANGES), col(ActivityEntry.reverts_id).is_(None), ActivityEntry.batch != "",
        ~undone,
    )
    last = session.exec(mine.order_by(col(ActivityEntry.id).desc()).limit(1)).first()
    if last is None:
        raise DomainError(N_("You have no change left to undo."))
    entries = session.exec(mine.where(ActivityEntry.batch == last.batch).order_by(col(ActivityEntry.id).desc())).all()
    for entry in entries:
        _undo(session, workspace_id, entry, actor)
    return last.summary


def _undo(session: Session, workspace_id: int, entry: ActivityEntry, actor: str) -> None:
    if entry.action == DELETE:
        _restore_deleted(session, workspace_id, entry)
        return
    others = [e for e in _later(session, entry) if e.actor != actor]
    if others:
        _refuse_changed(others[-1], entry.summary)
    row = _current(session, workspace_id, entry.entity_type, entry.entity_id)
    if row is None:
        raise DomainError(N_("“{item}” no longer exists."), item=entry.summary)
    if entry.action == CREATE and entry.entity_type == "workspace":
        raise DomainError(N_("Creating a workspace cannot be undone; delete it in the workspace settings."))
    if entry.action == CREATE and _has_children(session, type(row), row.id):
        # Rows created in the same save were taken back first (newest first); what is left was added
        # later, by someone else or in a save of one's own that is not undone.
        raise DomainError(N_("Things have been added to “{item}” since; delete it yourself if it should go."), item=entry.summary)
    with reverting(session, entry.id):
        if entry.action == UPDATE:
            _assign(session, row, _decoded(entry.before or {}))
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
    from services.core import crud as common  # late: common imports this module

    values = {k: v for k, v in values.items() if k not in FIXED | BOOKKEEPING}
    validated = common.validate(type(row), {**row.model_dump(), **values})
    for key in values:
        setattr(row, key, getattr(validated, key))
    session.add(row)
    common.flush(session)


def restore_version(session: Session, workspace_id: int, activity_id: int, *, expected_version: int | None = None) -> Any:
    """Give the row the values it had right AFTER the entry ``activity_id`` (any earlier state of a card);
    the restore is a new change (logged, undoable). Fields changed since are walked back through the
    later entries. ``expected_version`` guards against a change made while the user was choosing."""
    entry = _entry(session, workspace_id, activity_id)
    if entry.action not in (CREATE, UPDATE) or entry.entity_id is None:
        raise DomainError(N_("Only a created or changed item has a version to go back to."))
    row = _current(session, workspace_id, entry.entity_type, entry.entity_id)
    if row is None:
        raise DomainError(N_("“{item}” no longer exists. Restore it from the trash first."), item=entry.summary)
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(N_("Someone else changed this in the meantime. Reload and try again."))
    target: dict[str, Any] = {}
    for later in _later(session, entry):
        if later.action == UPDATE:
            for key, value in (later.before or {}).items():
                target.setdefault(key, value)
    if target:
        _assign(session, row, _decoded(target))
    return row


def _root_row(entry: ActivityEntry) -> dict[str, Any]:
    """What a delete entry removed: its own row (a snapshot's root row, or the whole logged row)."""
    from services import history

    before = entry.before or {}
    key = history.ROOTS.get(entry.entity_type)
    if key and isinstance(before.get(key), list):
        return next((row for row in before[key] if row.get("id") == entry.entity_id), before[key][0] if before[key] else {})
    return before


def _is_snapshot(entry: ActivityEntry) -> bool:
    from services import history

    key = history.ROOTS.get(entry.entity_type)
    return bool(key and isinstance((entry.before or {}).get(key), list))


TRASH_COLUMNS = ["id", "at", "actor", "entity_type", "entity_id", "journey_id", "summary", "what", "contents"]


def trash(session: Session, workspace_id: int, *, journey_id: int | None = None, limit: int = 200) -> pd.DataFrame:
    """Deleted items not restored yet, newest first (one query): ``id`` is the activity entry to pass to
    :func:`restore_from_trash`, ``what`` the deleted row's values, ``contents`` how many rows on it
    (pain points, links …) come back with it."""
    reverted = aliased(ActivityEntry)
    query = select(ActivityEntry).where(
        ActivityEntry.workspace_id == workspace_id, ActivityEntry.action == DELETE, col(ActivityEntry.entity_id).is_not(None),
        ~exists().where(reverted.reverts_id == ActivityEntry.id),
        # history's own undo entries (before reverts_id existed) point at the delete with entity_id
        ~exists().where(reverted.action == "undo", reverted.entity_type == "activity_entry", reverted.entity_id == ActivityEntry.id),
    )
    if journey_id is not None:
        query = query.where(ActivityEntry.journey_id == journey_id)
    entries = session.exec(query.order_by(col(ActivityEntry.id).desc()).limit(limit)).all()
    records = []
    for e in entries:
        contents = sum(len(rows) for rows in (e.before or {}).values() if isinstance(rows, list)) - 1 if _is_snapshot(e) else 0
        records.append((e.id, e.at, e.actor, e.entity_type, e.entity_id, e.journey_id, e.summary, _decoded(_root_row(e)), contents))
    return pd.DataFrame(records, columns=TRASH_COLUMNS)


def restore_from_trash(session: Session, workspace_id: int, activity_id: int) -> int:
    """Put a deleted item back (with its original id where it is free); returns its id now.

    A step, stage or branch comes back with everything that was on it. Other rows come back on
    their own: what the database deleted with them (a persona's channel preferences, a journey's
    stages) is not logged and does not come back.
    """
    entry = _entry(session, workspace_id, activity_id)
    if entry.action != DELETE:
        raise DomainError(N_("This change cannot be undone."))
    return _restore_deleted(session, workspace_id, entry)


def _restore_deleted(session: Session, workspace_id: int, entry: ActivityEntry) -> int:
    from services import history

    if _reverted(session, entry.id):
        raise DomainError(N_("This change has already been undone."))
    if _is_snapshot(entry):
        restored = history.undo_delete(session, workspace_id, entry.id)
        ids = restored.get(history.ROOTS[entry.entity_type], [])
        return ids[0] if ids else entry.entity_id  # type: ignore[return-value]
    model = model_for(entry.entity_type)
    row = model.model_validate(_decoded(entry.before or {})).model_dump()
    if "workspace_id" in row and row["workspace_id"] != workspace_id:
        raise NotFoundError(N_("This history entry no longer exists."))
    try:
        with session.begin_nested():
            id_map = history.insert_rows(session, model, [row])
    except DomainError as exc:
        if exc.message == N_("This refers to something that does not exist, or is still in use."):
            raise DomainError(N_("This cannot be restored: something it belonged to has been deleted in the meantime.")) from exc
        raise
    new_id = id_map.get(row["id"], row["id"])
    restored = {**row, "id": new_id}
    journey_id = entry.journey_id
    session.add(ActivityEntry(
        workspace_id=workspace_id, actor=session.info.get(ACTOR, ""), action=CREATE, entity_type=entry.entity_type,
        entity_id=new_id, journey_id=journey_id, summary=entry.summary, before=None, after=_encoded(restored),
        entity_version=row.get("version"), reverts_id=entry.id,
    ))
    session.flush()
    return new_id
