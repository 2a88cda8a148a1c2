"""Changing a journey's structure: moving and reordering stages and steps (every move renumbers
the rows it touches densely, 0 … n-1), duplicating a journey as a to-be version (member by member
of the declared aggregate), and the lifecycle chain of journeys.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, update
from sqlmodel import Session, SQLModel, col, select

from models import (
    Journey,
    JourneyPersona,
    Persona,
    Stage,
    Step,
)
from services import core
from services.core import bulk_insert, insert_mapped, table_rows
from services.journeys.crud import BOOKKEEPING, TO_BE_SUFFIX, StageDirection, StepDirection, get_journey, get_stage, get_step

# --- moving stages and steps --------------------------------------------------------------------


def _children(session: Session, model: Any, parent: str, parent_ids: list[int]) -> tuple[dict[int, list[int]], dict[int, tuple[int, int]]]:
    """The ids under each parent in display order, and where each row is now ((parent, position)), in one query."""
    parent_column = getattr(model, parent)
    rows = session.exec(
        select(model.id, parent_column, model.position)
        .where(col(parent_column).in_(parent_ids))
        .order_by(parent_column, model.position, model.id)
    ).all()
    order: dict[int, list[int]] = {parent_id: [] for parent_id in parent_ids}
    current: dict[int, tuple[int, int]] = {}
    for row_id, parent_id, position in rows:
        order[parent_id].append(row_id)
        current[row_id] = (parent_id, position)
    return order, current


def _apply_order(
    session: Session, model: Any, parent: str, order: dict[int, list[int]], current: dict[int, tuple[int, int]]
) -> None:
    """Write ``order`` as dense positions 0 … n-1 (and new parents) in ONE UPDATE of the rows that change.

    A plain UPDATE, not the versioned ORM flush: a new position is not an edit
    of the row's content, so someone editing a moved card keeps their version.
    """
    target = {row_id: (parent_id, index) for parent_id, ids in order.items() for index, row_id in enumerate(ids)}
    changed = {row_id: place for row_id, place in target.items() if current.get(row_id) != place}
    if not changed:
        return
    values: dict[str, Any] = {"position": case({row_id: index for row_id, (_p, index) in changed.items()}, value=model.id)}
    moved = {row_id: parent_id for row_id, (parent_id, _i) in changed.items() if current[row_id][0] != parent_id}
    if moved:
        parent_column = getattr(model, parent)
        values[parent] = case(moved, value=model.id, else_=parent_column)
    session.execute(
        update(model).where(col(model.id).in_(list(changed))).values(**values)
        .execution_options(synchronize_session="fetch")
    )


def _swap(ids: list[int], row_id: int, offset: int) -> None:
    """Swap ``row_id`` with its neighbour ``offset`` places away; nothing at the edge."""
    index = ids.index(row_id)
    other = index + offset
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]


def _offset(direction: str) -> int:
    return -1 if direction in ("left", "up") else 1


def move_stage(session: Session, workspace_id: int, stage_id: int, direction: StageDirection) -> None:
    """Swap the stage with its left or right neighbour (nothing happens at the edge)."""
    core.check_choice(direction, ("left", "right"), "direction")
    stage = get_stage(session, workspace_id, stage_id)
    core.require_unlocked(session, workspace_id, stage.journey_id)
    order, current = _children(session, Stage, "journey_id", [stage.journey_id])
    _swap(order[stage.journey_id], stage.id, _offset(direction))
    _apply_order(session, Stage, "journey_id", order, current)


def move_step(session: Session, workspace_id: int, step_id: int, direction: StepDirection) -> None:
    """Up/down: swap with the neighbour in the stage. Left/right: append to the end of the
    neighbouring stage. Nothing happens at the edge; both stages end up densely numbered."""
    core.check_choice(direction, ("left", "right", "up", "down"), "direction")
    step = get_step(session, workspace_id, step_id)
    core.require_unlocked(session, workspace_id, step.journey_id)
    if direction in ("up", "down"):
        order, current = _children(session, Step, "stage_id", [step.stage_id])
        _swap(order[step.stage_id], step.id, _offset(direction))
    else:
        stage_ids = _children(session, Stage, "journey_id", [step.journey_id])[0][step.journey_id]
        index = stage_ids.index(step.stage_id) + _offset(direction)
        if not 0 <= index < len(stage_ids):
            return
        neighbour = stage_ids[index]
        order, current = _children(session, Step, "stage_id", [step.stage_id, neighbour])
        order[step.stage_id].remove(step.id)
        order[neighbour].append(step.id)
    _apply_order(session, Step, "stage_id", order, current)


# --- duplicating a journey ----------------------------------------------------------------------


def _free_name(taken: Iterable[str], base: str, suffix: str, limit: int) -> str:
    """``base + suffix``, or ``… 2)``, ``… 3)`` when taken; the base is shortened so the result fits ``limit``."""
    used = set(taken)
    number = 1
    while True:
        if number == 1:
            tail = suffix
        elif suffix.endswith(")"):
            tail = f"{suffix[:-1]} {number})"
        else:
            tail = f"{suffix} {number}"
        name = f"{base[: max(limit - len(tail), 1)]}{tail}"
        if name not in used:
            return name
        number += 1


def _max_length(model: type[SQLModel], field: str) -> int:
    """The field's ``max_length`` as the model declares it (one source for the rule)."""
    return next(m.max_length for m in model.model_fields[field].metadata if getattr(m, "max_length", None))


def _fresh(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copied row without its identity and bookkeeping columns, with ``changes`` applied."""
    return {**{k: v for k, v in row.items() if k not in BOOKKEEPING}, **changes}


def duplicate_journey(
    session: Session,
    workspace_id: int,
    journey_id: int,
    *,
    name: str | None = None,
    as_to_be: bool = True,
    suffix: str = TO_BE_SUFFIX,
) -> Journey:
    """A deep copy to work on a to-be version without touching the as-is map.

    Copies stages, steps, pain points, opportunities with the pain points they
    address, transitions, step–touchpoint links with their ratings, the
    personas and their per-step emotions. Comments, votes and the lifecycle link
    (``next_journey_id``) stay with the source: they belong to that version.
    The copy remembers its ``origin_journey_id`` and starts as a draft. Each
    table is read once and written in one bulk insert; positions are renumbered
    densely (the order is kept).
    """
    source = get_journey(session, workspace_id, journey_id)
    if name is None:
        taken = session.exec(select(Journey.name).where(Journey.workspace_id == workspace_id)).all()
        name = _free_name(taken, source.name, suffix, _max_length(Journey, "name"))
    copy = core.create(session, Journey, {
        "workspace_id": workspace_id, "name": name, "scenario": source.scenario, "goal": source.goal,
        "state": "to_be" if as_to_be else source.state, "status": "draft", "origin_journey_id": source.id,
    })
    _copy_journey_content(session, source.id, copy.id)
    return copy


def _copy_journey_content(session: Session, source_id: int, copy_id: int) -> None:
    """Everything on the journey, member by member of the declared aggregate, each read once and
    written in one bulk insert. References to copied rows are remapped through old → new id maps
    (a pain point on another journey stays the same pain point); siblings get dense positions,
    which make (parent, position) the key :func:`core.insert_mapped` matches new ids by."""
    members = core.copy_members(Journey)
    referenced = {ref.name for m in members for ref in core.references(m).values()}
    id_maps: dict[str, dict[int, int]] = {"journey": {source_id: copy_id}}
    for m in members:
        rows = table_rows(session, core.rows_under(Journey, m, source_id))
        link = core.linked_through(m, Journey)
        if link is not None:  # only what the copy links to as well (see Member.only_linked)
            linked = {row[m.only_linked] for row in table_rows(session, core.rows_under(Journey, link, source_id))}
            rows = [row for row in rows if row[m.only_linked] in linked]
        refs = core.references(m)
        counters: dict[Any, int] = {}
        copies = []
        for row in rows:
            copy = _fresh(row, **{
                column: id_maps[ref.name].get(row[column], row[column])
                for column, ref in refs.items() if ref.name in id_maps and row[column] is not None
            })
            if m.order:
                parent = copy[m.parent]  # type: ignore[index]
                copy[m.order] = counters.get(parent, 0)
                counters[parent] = copy[m.order] + 1
            copies.append(copy)
        if m.name in referenced:
            id_maps[m.name] = insert_mapped(session, m.model, copies, [row["id"] for row in rows], (m.parent, m.order))  # type: ignore[arg-type]
        else:
            bulk_insert(session, m.model, copies)


# --- lifecycle ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LifecycleLink:
    """One journey in a lifecycle chain (after the holiday comes next year's booking)."""

    journey_id: int
    name: str
    state: str
    status: str
    persona_names: tuple[str, ...]


def lifecycle_chains(session: Session, workspace_id: int, persona_id: int | None = None) -> list[list[LifecycleLink]]:
    """The workspace's journeys as chains along ``next_journey_id``, in two queries.

    A chain starts at a journey nobody leads into and follows the links until
    they end or a journey repeats (a loop is shown once, not forever). Journeys
    that only sit on a closed loop get a chain starting at the loop's
    alphabetically first journey. A journey without links is a chain of one.
    Two journeys leading into the same one give two chains sharing their tail.
    With ``persona_id``, only chains with a journey of that persona are kept.
    Chains are sorted by their first journey's name.
    """
    journeys = session.exec(
        select(Journey.id, Journey.name, Journey.state, Journey.status, Journey.next_journey_id)
        .where(Journey.workspace_id == workspace_id).order_by(func.lower(Journey.name), Journey.id)
    ).all()
    names: dict[int, list[str]] = {}
    with_persona: set[int] = set()
    for journey_id, found_id, persona_name in session.exec(
        select(JourneyPersona.journey_id, Persona.id, Persona.name)
        .join(Persona, Persona.id == JourneyPersona.persona_id)
        .where(JourneyPersona.workspace_id == workspace_id)
    ).all():
        names.setdefault(journey_id, []).append(persona_name)
        if found_id == persona_id:
            with_persona.add(journey_id)
    links = {
        j.id: LifecycleLink(j.id, j.name, j.state, j.status, tuple(sorted(names.get(j.id, []), key=str.lower)))
        for j in journeys
    }
    chains = [[links[i] for i in ids] for ids in _chains([j.id for j in journeys], {j.id: j.next_journey_id for j in journeys})]
    if persona_id is not None:
        chains = [chain for chain in chains if any(link.journey_id in with_persona for link in chain)]
    return sorted(chains, key=lambda chain: (chain[0].name.lower(), chain[0].journey_id))


def _chains(ids: list[int], next_of: dict[int, int | None]) -> list[list[int]]:
    """Follow ``next_of`` from every journey nobody leads into, then from what is left (closed loops)."""
    led_into = {target for target in next_of.values() if target is not None}
    seen: set[int] = set()
    chains = []
    starts = [i for i in ids if i not in led_into]
    for start in [*starts, *ids]:  # ``ids`` second: loops nobody enters, started at their first journey in order
        if start in seen:
            continue
        chain: list[int] = []
        current: int | None = start
        while current is not None and current in next_of and current not in chain:
            chain.append(current)
            current = next_of[current]
        seen.update(chain)
        chains.append(chain)
    return chains
