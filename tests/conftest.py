"""Shared fixtures: a migrated SQLite file per test, a write session, a
workspace (and a second one for cross-workspace checks), a small journey map,
and helpers to expect a DomainError or count SQL statements."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session

from models.db import create_db_engine, upgrade_to_head
from models.workspace import Workspace
from services import journeys
from services.core.errors import DomainError
from services.unit_of_work import unit_of_work
from services.workspaces.crud import create_workspace


@pytest.fixture
def engine(tmp_path) -> Iterator[Engine]:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'test.db'}")
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """One write transaction for the whole test (committed at the end)."""
    with unit_of_work(engine) as session:
        yield session


@pytest.fixture
def workspace(session: Session) -> Workspace:
    return create_workspace(session, "Team A")


@pytest.fixture
def raises_domain_error(session: Session) -> Callable[..., AbstractContextManager[pytest.ExceptionInfo[DomainError]]]:
    """``with raises_domain_error(message=…, field=…):`` expects a DomainError and keeps the session usable.

    The body runs in a SAVEPOINT: a constraint failure rolls back to it, as a
    page's ``write_session`` would roll back the whole unit of work.
    """

    @contextmanager
    def _refused(message: str | None = None, field: str | None = None, error: type[DomainError] = DomainError):
        with pytest.raises(error) as info:
            with session.begin_nested():
                yield info
        if message is not None:
            assert info.value.message == message
        if field is not None:
            assert info.value.field == field

    return _refused


@pytest.fixture
def other_workspace(session: Session) -> Workspace:
    return create_workspace(session, "Team B")


@pytest.fixture
def journey_map(session: Session, workspace: Workspace) -> SimpleNamespace:
    """A journey with two stages: steps a, b in the first, c in the second."""
    ws = workspace.id
    journey = journeys.create_journey(session, ws, {"name": "Sommerurlaub"})
    first = journeys.create_stage(session, ws, journey.id, {"name": "Awareness"})
    second = journeys.create_stage(session, ws, journey.id, {"name": "Interest"})
    a = journeys.create_step(session, ws, first.id, {"title": "Sees an ad"})
    b = journeys.create_step(session, ws, first.id, {"title": "Asks friends"})
    c = journeys.create_step(session, ws, second.id, {"title": "Compares offers"})
    return SimpleNamespace(ws=ws, journey=journey, stages=[first, second], a=a, b=b, c=c)


@pytest.fixture
def count_queries(engine: Engine) -> Callable[[], AbstractContextManager[list[str]]]:
    """``with count_queries() as statements:`` collects the SQL sent inside the block."""

    @contextmanager
    def _count() -> Iterator[list[str]]:
        statements: list[str] = []

        def collect(_conn, _cursor, statement, _params, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", collect)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", collect)

    return _count
