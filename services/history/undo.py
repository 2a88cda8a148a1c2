"""Undo for deletes on the journey map. The database is the truth: a delete
stores a snapshot of every row it removes in the activity log, and an undo
puts those rows back.

A snapshot is a dict of table key → list of rows (plain column values; dates
as ISO text once stored as JSON). Rows go back with their ORIGINAL ids, so
links from outside (a content mapping, a bookmark, an open form) work again.
SQLite may give a freed id to a newer row (without AUTOINCREMENT it reuses the
highest one); such a row gets a new id and every reference in the snapshot is
remapped. What the snapshot leaves out: comments and dot votes on the deleted
rows are dropped with them, and are not restored.

Every other change is logged by services/audit/log.py (which also logs a step,
stage or branch deleted by any other path in this snapshot format, so
:func:`undo_delete` and the trash restore it the same way). The entries written
here tell the log not to repeat them (``activity.already_logged``); an undo
entry points at the delete it reverted with ``reverts_id``.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from models import (
    ActivityEntry,
    Stage,
    Step,
    Transition,
)
from services import audit, core, journeys
from services.core import N_, DomainError, NotFoundError, aggregates

DELETE, UNDO = "delete", "undo"
UNDONE_TYPE = "activity_entry"  # an undo entry's entity is the delete entry it reverted


@dataclass(frozen=True)
class Part:
    """One table of a snapshot (derived from :mod:`services.core.aggregates`).

    ``inner``: field → snapshot key of the rows it points at (remapped on undo).
    ``outer``: field → model that must still exist when the field points outside the snapshot.
    ``parent``: for a row put back between others, the field whose siblings make room for it.
    """

    key: str
    model: type[SQLModel]
    inner: dict[str, str] = field(default_factory=dict)
    outer: dict[str, type[SQLModel]] = field(default_factory=dict)
    parent: str | None = None


def _part(m: aggregates.Member) -> Part:
    refs = aggregates.references(m)
    return Part(
        m.key,  # type: ignore[arg-type]
        m.model,
        inner={column: ref.key for column, ref in refs.items() if ref.key},
        outer={column: ref.model for column, ref in refs.items()},
        parent=m.parent if m.order else None,
    )


# In insert order: a row's references are restored before it.
PARTS = tuple(_part(m) for m in aggregates.snapshot_parts())
# entity type → the snapshot key of the row the user deleted (the one that must come back, or the undo is refused)
ROOTS = aggregates.WHOLE


def _record_delete(
    session: Session, workspace_id: int, actor: str, entity_type: str, entity_id: int, summary: str,
    journey_id: int, snapshot: dict[str, list[dict[str, Any]]], version: int | None = None,
) -> int:
    entry = audit.record(
        session, workspace_id, actor, DELETE, entity_type, entity_id, summary, snapshot, None, journey_id=journey_id,
        entity_version=version,
    )
    audit.already_logged(session, entity_type, entity_id)  # the log's own delete entry would repeat this one
    return entry.id  # type: ignore[return-value]


def delete_step_with_undo(
    session: Session, workspace_id: int, step_id: int, *, actor: str = "", expected_version: int | None = None
) -> int:
    """Delete a step and keep what :func:`undo_delete` needs; returns the activity entry's id.

    The snapshot holds the step, its pain points, opportunities (with the pain
    points they address), touchpoint links with their ratings, transitions in
    and out, and per-persona emotions. Comments and votes on it are dropped.
    """
    step = journeys.get_step(session, workspace_id, step_id)
    snapshot = aggregates.snapshot(session, Step, [step_id])
    entry_id = _record_delete(session, workspace_id, actor, "step", step_id, step.title, step.journey_id, snapshot, step.version)
    journeys.delete_step(session, workspace_id, step_id, expected_version=expected_version)
    return entry_id


def delete_stage_with_undo(
    session: Session, workspace_id: int, stage_id: int, *, actor: str = "", expected_version: int | None = None
) -> int:
    """Delete a stage with all its steps (the undo makes that safe); returns the activity entry's id.

    The snapshot holds the stage and, for every step, what
    :func:`delete_step_with_undo` keeps. Comments and votes on the steps are dropped.
    """
    stage = journeys.get_stage(session, workspace_id, stage_id)
    snapshot = aggregates.snapshot(session, Stage, [stage_id])
    entry_id = _record_delete(session, workspace_id, actor, "stage", stage_id, stage.name, stage.journey_id, snapshot, stage.version)
    journeys.delete_stage(session, workspace_id, stage_id, delete_steps=True, expected_version=expected_version)
    return entry_id


def delete_transition_with_undo(
    session: Session, workspace_id: int, transition_id: int, *, actor: str = "", expected_version: int | None = None
) -> int:
    """Delete a transition (a branch) and keep it for :func:`undo_delete`; returns the activity entry's id."""
    transition = journeys.get_transition(session, workspace_id, transition_id)
    snapshot = aggregates.snapshot(session, Transition, [transition_id])
    entry_id = _record_delete(
        session, workspace_id, actor, "transition", transition_id, transition.label, transition.journey_id, snapshot,
        transition.version,
    )
    journeys.delete_transition(session, workspace_id, transition_id, expected_version=expected_version)
    return entry_id


# --- undo ---------------------------------------------------------------------------------------


def undo_delete(session: Session, workspace_id: int, activity_id: int, *, actor: str = "") -> dict[str, list[int]]:
    """Put back what a ``delete_*_with_undo`` removed, and log the undo.

    The deleted row itself must come back whole, or nothing is restored
    (DomainError): e.g. a step whose stage was deleted since. Rows around it
    whose other end is gone meanwhile (a transition to a deleted step, a link
    to a removed touchpoint or persona) are skipped. A stage or step returns
    to its old position; if that place was taken meanwhile, the ones from
    there on move one place on.
    """
    entry = _undoable(session, workspace_id, activity_id)
    try:
        journeys.get_journey(session, workspace_id, entry.journey_id)  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise DomainError(N_("The journey of this change no longer exists.")) from exc
    restored = _restore(session, entry.before or {}, ROOTS[entry.entity_type])
    audit.record(
        session, workspace_id, actor, UNDO, UNDONE_TYPE, entry.id, entry.summary, None,
        {"restored": restored}, journey_id=entry.journey_id, reverts_id=entry.id,
    )
    return restored


def _undoable(session: Session, workspace_id: int, activity_id: int) -> ActivityEntry:
    entry = core.get(session, ActivityEntry, activity_id, workspace_id)
    if entry.action != DELETE or entry.entity_type not in ROOTS or not entry.before:
        raise DomainError(N_("This change cannot be undone."))
    undone = session.exec(
        select(ActivityEntry.id).where(ActivityEntry.workspace_id == workspace_id, ActivityEntry.reverts_id == activity_id)
    ).first()
    if undone is not None:
        raise DomainError(N_("This change has already been undone."))
    return entry


def _restore(session: Session, snapshot: dict[str, list[dict[str, Any]]], root: str) -> dict[str, list[int]]:
    """Insert the snapshot's rows table by table; returns the ids they have now, per table."""
    snapshot_ids = {part.key: {row.get("id") for row in snapshot.get(part.key, [])} for part in PARTS}
    id_maps: dict[str, dict[int, int]] = {}
    restored: dict[str, list[int]] = {}
    for part in PARTS:
        rows = [part.model.model_validate(row).model_dump() for row in snapshot.get(part.key, [])]
        rows = _remapped(session, part, rows, snapshot_ids, id_maps)
        if part.key == root:
            if len(rows) != len(snapshot.get(part.key, [])):
                raise DomainError(N_("This cannot be restored: something it belonged to has been deleted in the meantime."))
            _make_room(session, part, rows)
        if rows:
            id_maps[part.key] = _insert(session, part.model, rows)
            restored[part.key] = list(id_maps[part.key].values())
    return restored


def _remapped(
    session: Session, part: Part, rows: list[dict[str, Any]], snapshot_ids: dict[str, set[Any]], id_maps: dict[str, dict[int, int]]
) -> list[dict[str, Any]]:
    """Rows with references into the snapshot remapped; rows pointing at something gone are left out."""
    kept = []
    for row in rows:
        row = dict(row)
        for name, key in part.inner.items():
            if row[name] in snapshot_ids[key]:
                if row[name] not in id_maps.get(key, {}):
                    break  # its partner in the snapshot was skipped
                row[name] = id_maps[key][row[name]]
        else:
            kept.append(row)
    return _existing_references(session, part, kept, {k: set(id_maps.get(k, {}).values()) for k in part.inner.values()})


def _existing_references(
    session: Session, part: Part, rows: list[dict[str, Any]], restored: dict[str, set[int]]
) -> list[dict[str, Any]]:
    """Drop rows whose references outside the snapshot no longer exist (one query per referenced table)."""
    for name, model in part.outer.items():
        inside = restored.get(part.inner.get(name, ""), set())
        wanted = {row[name] for row in rows if row[name] not in inside}
        if not wanted:
            continue
        found = set(session.exec(select(model.id).where(col(model.id).in_(wanted))).all())  # type: ignore[attr-defined]
        rows = [row for row in rows if row[name] in inside or row[name] in found]
    return rows


def _make_room(session: Session, part: Part, rows: list[dict[str, Any]]) -> None:
    """Move the siblings at and after each restored row's old position one place on, if that
    position is taken (a delete leaves a gap, so an undo right after it changes no other row)."""
    if part.parent is None:
        return
    model: Any = part.model
    for row in rows:
        sibling = getattr(model, part.parent) == row[part.parent]
        if session.exec(select(model.id).where(sibling, model.position == row["position"]).limit(1)).first() is None:
            continue
        session.execute(
            update(model)
            .where(sibling, model.position >= row["position"])
            .values(position=model.position + 1)
            .execution_options(synchronize_session="fetch")
        )


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> dict[int, int]:
    """Insert with the original ids where they are free, else with new ones; returns old id → id now.

    Link rows without an id of their own (opportunity ↔ pain point) map to nothing.
    """
    if "id" not in model.model_fields:
        core.bulk_insert(session, model, rows)
        return {}
    taken = set(session.exec(select(model.id).where(col(model.id).in_([row["id"] for row in rows]))).all())
    core.bulk_insert(session, model, [row for row in rows if row["id"] not in taken])
    id_map = {row["id"]: row["id"] for row in rows if row["id"] not in taken}
    for row in rows:
        if row["id"] in taken:  # rare: one statement each is fine
            try:
                values = {k: v for k, v in row.items() if k != "id"}
                new_id = session.execute(insert(model.__table__).values(**values).returning(model.id)).scalar_one()
            except IntegrityError as exc:
                raise core.integrity_error(exc) from exc
            id_map[row["id"]] = new_id
    return id_map


insert_rows = _insert  # the trash puts single rows back with their ids, like an undo
