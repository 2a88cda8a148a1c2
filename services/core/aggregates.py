"""The aggregates, declared once: for every table the row it belongs to, how it reaches its
workspace, and in which order siblings come.

Everything that must know "what hangs on what" is derived from :data:`DECLARATION`:

- workspace scoping (:func:`via`): the joins from a row up to the table that holds
  ``workspace_id``, used by every guard that refuses an id from another workspace;
- the activity log's owners (:func:`owner_lookups`, :func:`parent_owners`, :func:`owner_select`):
  which workspace and journey a written row belongs to;
- snapshots (:func:`snapshot`, :func:`snapshot_parts`): what a deleted stage, step or branch
  takes with it, in the format the log stores and undo/trash put back;
- the deep copy of a journey (:func:`copy_members`, :func:`copy_references`).

Adding a table to an aggregate means adding its model and one :class:`Member` line here;
``tests/unit/core/test_aggregates.py`` walks every table of the metadata to prove it.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Table, or_
from sqlmodel import Session, SQLModel, select

from models import (
    Account,
    ActivityEntry,
    Channel,
    Comment,
    ContentItem,
    ContentMapping,
    GuestLink,
    Journey,
    JourneyPersona,
    KanoAnswer,
    KanoItem,
    Measurement,
    Membership,
    Metric,
    Opportunity,
    OpportunityPainPoint,
    PainPoint,
    Persona,
    PersonaChannel,
    Presence,
    SignIn,
    Stage,
    Step,
    StepPersonaEmotion,
    StepTouchpoint,
    Touchpoint,
    Transition,
    Vote,
    VoteRound,
    Workspace,
)
from services.core.rows import table_rows

# (parent model, join condition): one hop from a row up towards its workspace.
Via = tuple[type[SQLModel], Any]


@dataclass(frozen=True)
class Member:
    """One table in its aggregate.

    ``parent``: the foreign-key column to the row this one belongs to (``workspace_id`` for an
    aggregate's root; None only for the workspace). ``aggregate``: set on a root, inherited below.
    ``scope``: a shorter way up to the workspace than ``parent`` (a step knows its journey).
    ``key``: the name of its rows inside a snapshot (stored in the log: never rename).
    ``order``: the column that orders siblings under the same parent.
    ``only_linked``: a copy keeps only rows whose column points at something the root links to
    (a persona's emotion on a step is copied only for personas the journey still has).
    ``whole``: a delete is logged with everything it takes along (:func:`snapshot`), so undo and
    the trash put it back whole.
    """

    model: type[SQLModel]
    parent: str | None = None
    aggregate: str | None = None
    scope: str | None = None
    key: str | None = None
    order: str | None = None
    only_linked: str | None = None
    whole: bool = False

    @property
    def table(self) -> Table:
        return self.model.__table__  # type: ignore[attr-defined, no-any-return]

    @property
    def name(self) -> str:
        return self.table.name


# In dependency order: a row's parent and references come before it (inserts, copies, restores).
DECLARATION: tuple[Member, ...] = (
    Member(Workspace, aggregate="workspace"),
    Member(Channel, "workspace_id", aggregate="workspace"),
    Member(Persona, "workspace_id", aggregate="persona"),
    Member(PersonaChannel, "persona_id"),
    Member(Touchpoint, "workspace_id", aggregate="touchpoint"),
    Member(Journey, "workspace_id", aggregate="journey"),
    Member(JourneyPersona, "journey_id"),
    Member(Stage, "journey_id", key="stages", order="position", whole=True),
    Member(Step, "stage_id", scope="journey_id", key="steps", order="position", whole=True),
    Member(PainPoint, "step_id", key="pain_points", order="position"),
    Member(Opportunity, "step_id", key="opportunities", order="position"),
    Member(OpportunityPainPoint, "opportunity_id", key="opportunity_pain_points"),
    Member(StepTouchpoint, "step_id", key="step_touchpoints"),
    Member(Transition, "journey_id", key="transitions", whole=True),
    Member(StepPersonaEmotion, "step_id", key="persona_emotions", only_linked="persona_id"),
    Member(ContentItem, "workspace_id", aggregate="content"),
    Member(ContentMapping, "content_item_id"),
    Member(Metric, "workspace_id", aggregate="metric"),
    Member(Measurement, "metric_id"),
    Member(KanoItem, "workspace_id", aggregate="kano"),
    Member(KanoAnswer, "kano_item_id"),
    Member(VoteRound, "journey_id", aggregate="workshop"),
    Member(Vote, "round_id"),
    Member(Comment, "workspace_id", aggregate="workshop"),
    Member(Presence, "workspace_id", aggregate="workshop"),
    Member(ActivityEntry, "workspace_id", aggregate="audit"),
    Member(GuestLink, "workspace_id", aggregate="access"),
    Member(Membership, "workspace_id", aggregate="access"),
    Member(Account, aggregate="accounts"),  # belongs to no workspace: it is who signs in
    Member(SignIn, "account_id"),
)

_BY_NAME: dict[str, Member] = {m.name: m for m in DECLARATION}
# Entity type → snapshot key of the rows deleted whole (the row the user deleted sits under that key).
WHOLE: dict[str, str] = {m.name: m.key for m in DECLARATION if m.whole and m.key}


def member(model_or_name: type[SQLModel] | Table | str) -> Member:
    """The declaration of a table (by model, table or table name)."""
    name = model_or_name if isinstance(model_or_name, str) else getattr(model_or_name, "__tablename__", None) or model_or_name.name
    return _BY_NAME[name]  # type: ignore[index]


def target(table: Table, column: str) -> Member:
    """The member whose ``id`` a foreign-key column points at."""
    (name,) = {fk.column.table.name for fk in table.c[column].foreign_keys if fk.column.name == "id"}
    return member(name)


def references(m: Member) -> dict[str, Member]:
    """Column → member for every column that points at another row's ``id``. Composite keys
    (``workspace_id`` + a parent id, so a row cannot point into another workspace) count by their
    id column; their ``workspace_id`` half points at no row of its own."""
    return {
        fk.parent.name: member(fk.column.table.name)
        for fk in sorted(m.table.foreign_keys, key=lambda fk: fk.parent.name)
        if fk.column.name == "id" and fk.parent.name != "workspace_id"
    }


@cache
def aggregate_of(name: str) -> str:
    m = _BY_NAME[name]
    if m.aggregate:
        return m.aggregate
    return aggregate_of(target(m.table, m.parent).name)  # type: ignore[arg-type]


def _up(m: Member) -> str | None:
    """The column that leads one step closer to the workspace (None: the row has ``workspace_id``, is it,
    or belongs to no workspace)."""
    if m.parent is None or "workspace_id" in m.table.c:
        return None
    return m.scope or m.parent


@cache
def via(model: type[SQLModel]) -> tuple[Via, ...]:
    """The joins from ``model`` up to the first table that has ``workspace_id`` (empty: it has one)."""
    hops: list[Via] = []
    current = member(model)
    while (column := _up(current)) is not None:
        parent = target(current.table, column)
        hops.append((parent.model, parent.table.c.id == current.table.c[column]))
        current = parent
    return tuple(hops)


def scope_owner(model: type[SQLModel]) -> type[SQLModel]:
    """The table whose ``workspace_id`` decides where a row of ``model`` belongs."""
    path = via(model)
    return path[-1][0] if path else model


def owner_select(table: Table) -> Any:
    """SELECT the workspace id of ``table``'s rows, joined up the scope path (None: not in a workspace)."""
    m = member(table.name)
    owner = scope_owner(m.model).__table__  # type: ignore[attr-defined]
    if m.model is Workspace or "workspace_id" not in owner.c:  # the workspace itself; accounts and sign-ins
        return None
    query = select(owner.c.workspace_id).select_from(table)  # type: ignore[attr-defined]
    for parent, onclause in via(m.model):
        query = query.join(parent, onclause)
    return query


# --- owners for the activity log: workspace and journey of a row ---------------------------------


@cache
def knows_journey(name: str) -> bool:
    """Whether a row of this table belongs to one journey (has it, is it, or reaches it)."""
    m = _BY_NAME[name]
    return m.model is Journey or "journey_id" in m.table.c or bool(owner_lookups(name))


@cache
def owner_lookups(name: str) -> tuple[tuple[str, str], ...]:
    """(column, parent table) pairs tried in order to learn a row's workspace and journey from a parent:
    the way up first, then any other reference to a row of a journey."""
    m = _BY_NAME[name]
    if m.model is Workspace:
        return ()
    refs = references(m)
    up = _up(m)
    ordered = ([up] if up else []) + [c for c in refs if c != up]
    return tuple(
        (column, refs[column].name) for column in ordered
        if column in refs and refs[column].model is not Workspace and refs[column].name != name
        and "workspace_id" in scope_owner(refs[column].model).__table__.c  # not an account: it is in no workspace
        and (column == up or knows_journey(refs[column].name))
    )


@cache
def parent_owners(name: str) -> Any:
    """A query builder: ids of table ``name`` → rows (id, workspace_id, journey_id)."""
    m = _BY_NAME[name]
    journey = _journey_column(m)
    query = select(m.table.c.id, scope_owner(m.model).__table__.c.workspace_id, journey)  # type: ignore[attr-defined]
    for parent, onclause in via(m.model):
        query = query.join(parent, onclause)
    return lambda ids: query.where(m.table.c.id.in_(ids))


def _journey_column(m: Member) -> Any:
    if m.model is Journey:
        return m.table.c.id
    if "journey_id" in m.table.c:
        return m.table.c.journey_id
    for parent, _onclause in via(m.model):
        if parent is Journey:
            return Journey.__table__.c.id  # type: ignore[attr-defined]
        if "journey_id" in parent.__table__.c:  # type: ignore[attr-defined]
            return parent.__table__.c.journey_id  # type: ignore[attr-defined]
    from sqlalchemy import null

    return null()


# --- snapshots and copies of the journey aggregate -------------------------------------------------


def members_of(aggregate: str) -> tuple[Member, ...]:
    return tuple(m for m in DECLARATION if aggregate_of(m.name) == aggregate)


def snapshot_parts() -> tuple[Member, ...]:
    """The tables a snapshot may hold, in insert order (restore walks them in this order)."""
    return tuple(m for m in DECLARATION if m.key)


def contained(root: type[SQLModel]) -> tuple[Member, ...]:
    """What deleting a row of ``root`` takes with it inside its aggregate: every member that points at
    the root or at something contained (both ends of a link; a branch from or to a step), in order."""
    aggregate = aggregate_of(member(root).name)
    inside = {member(root).name}
    found: list[Member] = []
    changed = True
    while changed:
        changed = False
        for m in members_of(aggregate):
            if m.name in inside or not m.key:
                continue
            if any(ref.name in inside for ref in references(m).values()):
                inside.add(m.name)
                found.append(m)
                changed = True
    return tuple(sorted(found, key=DECLARATION.index))


def snapshot(session: Session, root: type[SQLModel], ids: Sequence[int]) -> dict[str, list[dict[str, Any]]]:
    """The rows of ``root`` with ``ids`` and everything :func:`contained` in them, as plain values by
    snapshot key (one query per table, whatever the number of rows)."""
    root_member = member(root)
    taken: dict[str, list[Any]] = {root_member.name: list(ids)}
    result = {root_member.key: _ordered_rows(session, root_member, root_member.table.c.id.in_(list(ids)))}  # type: ignore[dict-item]
    for m in contained(root):
        conditions = [m.table.c[column].in_(taken[ref.name]) for column, ref in references(m).items() if ref.name in taken]
        rows = _ordered_rows(session, m, or_(*conditions))
        result[m.key] = rows  # type: ignore[index]
        if "id" in m.table.c:
            taken[m.name] = [row["id"] for row in rows]
    return result


def _ordered_rows(session: Session, m: Member, condition: Any) -> list[dict[str, Any]]:
    return table_rows(session, select(m.table).where(condition).order_by(*m.table.primary_key.columns))


def copy_members(root: type[SQLModel]) -> tuple[Member, ...]:
    """Everything below an aggregate's root that a deep copy takes, in insert order."""
    name = member(root).name
    return tuple(m for m in members_of(aggregate_of(name)) if m.name != name)


def linked_through(m: Member, root: type[SQLModel]) -> Member | None:
    """For ``only_linked``: the link member under the root that points at the same table (journey ↔ persona)."""
    if not m.only_linked:
        return None
    wanted = target(m.table, m.only_linked).name
    return next(
        (link for link in copy_members(root)
         if link.parent and target(link.table, link.parent).model is root and wanted in {r.name for r in references(link).values()}),
        None,
    )


def rows_under(root: type[SQLModel], m: Member, root_id: int) -> Any:
    """SELECT the rows of member ``m`` that belong to the root row ``root_id``, siblings in order."""
    query = select(m.table)
    hops = via(m.model)
    for parent, onclause in hops:
        if parent is root:
            break
        query = query.join(parent, onclause)
    column = m.table.c[_column_to(m, root)] if _column_to(m, root) else None
    if column is None:
        # joined up to a parent that holds the root's id
        for parent, _onclause in hops:
            parent_member = member(parent)
            own = _column_to(parent_member, root)
            if own:
                column = parent_member.table.c[own]
                break
    order = [m.table.c[m.parent]] if m.parent else []
    if m.order:
        order.append(m.table.c[m.order])
    order += list(m.table.primary_key.columns)
    return query.where(column == root_id).order_by(*order)


def _column_to(m: Member, root: type[SQLModel]) -> str | None:
    """The column of ``m`` that points straight at the root, if any."""
    return next((column for column, ref in references(m).items() if ref.model is root), None)


def walk() -> Iterator[Member]:
    yield from DECLARATION
