"""The aggregate declaration covers every table, and what is derived from it works on each.

Adding a table means adding its model and one line in ``services/core/aggregates.py``: these
tests fail until that line exists and is consistent (parent, scope, order, snapshot key).
"""

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from models import Account, Journey, Stage, Step, Transition, Workspace
from models.db import read_session
from services import journeys
from services.core import aggregates
from services.exchange.format import PARTS as EXCHANGE_PARTS
from services.exchange.format import walk
from services.unit_of_work import unit_of_work
from services.workspaces import load_demo_workspace

TABLES = sorted(SQLModel.metadata.tables)
GLOBAL = (Workspace, Account)  # the only tables outside a workspace


def test_every_table_is_declared_once():
    declared = [m.name for m in aggregates.DECLARATION]
    assert sorted(declared) == TABLES
    assert len(set(declared)) == len(declared)


@pytest.mark.parametrize("name", TABLES)
def test_each_table_has_a_parent_and_reaches_its_workspace(name):
    m = aggregates.member(name)
    if m.model in GLOBAL:
        assert m.parent is None and aggregates.via(m.model) == ()
        return
    if aggregates.aggregate_of(name) == "accounts":  # who signs in, outside every workspace
        assert aggregates.owner_select(m.table) is None
        return
    assert m.parent in m.table.c, f"{name}: declare the column that leads to its parent"
    assert aggregates.target(m.table, m.parent).name in {x.name for x in aggregates.DECLARATION}
    assert aggregates.aggregate_of(name)
    owner = aggregates.scope_owner(m.model)
    assert "workspace_id" in owner.__table__.c, f"{name}: its scope path must end at a table with workspace_id"


def test_the_declaration_is_in_dependency_order():
    """Copies and restores insert member by member: what a row points at (inside its aggregate) comes first."""
    order = {m.name: i for i, m in enumerate(aggregates.DECLARATION)}
    for m in aggregates.DECLARATION:
        for column, ref in aggregates.references(m).items():
            if ref.name != m.name and aggregates.aggregate_of(ref.name) == aggregates.aggregate_of(m.name):
                assert order[ref.name] < order[m.name], f"{m.name}.{column} points at {ref.name}, declared later"


def test_rows_that_others_in_a_copy_point_at_have_an_order():
    """A deep copy maps old ids to new ones through (parent, position): such members need an ``order``."""
    members = aggregates.copy_members(Journey)
    referenced = {ref.name for m in members for ref in aggregates.references(m).values()}
    for m in members:
        if m.name in referenced:
            assert m.order and m.parent, f"{m.name} is referenced inside the copy and needs parent + order"


def test_snapshot_keys_are_unique_and_whole_deletes_have_one():
    keys = [m.key for m in aggregates.snapshot_parts()]
    assert len(keys) == len(set(keys))
    assert aggregates.WHOLE == {"stage": "stages", "step": "steps", "transition": "transitions"}


def test_a_step_snapshot_takes_everything_that_points_at_it():
    inside = {m.name for m in aggregates.contained(Step)}
    for m in aggregates.members_of("journey"):
        points_at_step = any(ref.model is Step for ref in aggregates.references(m).values())
        if points_at_step and m.key:
            assert m.name in inside
    assert aggregates.contained(Transition) == ()
    assert "step" in {m.name for m in aggregates.contained(Stage)}


def test_exchange_parts_nest_like_the_aggregates():
    """The exchange document nests a table's rows under the part of its declared parent."""
    for part in walk(EXCHANGE_PARTS):
        for child in part.children:
            m = aggregates.member(child.model)
            assert aggregates.target(m.table, m.parent).model is part.model, (
                f"{m.name} sits under {part.model.__tablename__} in the exchange format but its declared parent differs"
            )


@pytest.fixture
def demo(engine):
    with unit_of_work(engine) as session:
        ws = load_demo_workspace(session).id
        second = load_demo_workspace(session, "Zweite").id
    return ws, second


def test_derived_owners_find_every_row_workspace(engine, demo):
    """On two demo workspaces, for every table: the owner SELECT (the guards' and the log's join path)
    keeps every row and gives each a workspace that exists."""
    for name in TABLES:
        if name == "workspace" or aggregates.aggregate_of(name) == "accounts":
            continue
        m = aggregates.member(name)
        owner_column = aggregates.scope_owner(m.model).__table__.c.workspace_id
        with read_session(engine) as session:
            owners = session.execute(aggregates.owner_select(m.table).distinct()).scalars().all()
            total = session.execute(select(func.count()).select_from(m.table)).scalar_one()
            joined = session.execute(aggregates.owner_select(m.table).with_only_columns(func.count(owner_column))).scalar_one()
        assert joined == total, f"{name}: the scope path loses rows"
        assert set(owners) <= set(demo), name


def test_parent_owner_lookups_give_workspace_and_journey(engine, demo):
    ws, _second = demo
    with read_session(engine) as session:
        step = session.execute(select(Step).join(Journey).where(Journey.workspace_id == ws).limit(1)).scalar_one()
        for kind in ("step", "stage", "journey"):
            row_id = {"step": step.id, "stage": step.stage_id, "journey": step.journey_id}[kind]
            found = session.execute(aggregates.parent_owners(kind)([row_id])).one()
            assert tuple(found) == (row_id, ws, step.journey_id)


def test_duplicating_a_journey_copies_every_member(engine, demo):
    ws, _second = demo
    with read_session(engine) as session:
        source = journeys.list_journeys(session, ws).iloc[0]
    with unit_of_work(engine) as session:
        copy = journeys.duplicate_journey(session, ws, int(source["id"]))
    with read_session(engine) as session:
        for m in aggregates.copy_members(Journey):
            counts = [
                session.execute(aggregates.rows_under(Journey, m, j).with_only_columns(func.count()).order_by(None)).scalar_one()
                for j in (copy.id, int(source["id"]))
            ]
            assert counts[0] == counts[1], m.name
