"""Shared fixtures: a fresh migrated database per test, on each engine; a write
session, a workspace (and a second one for cross-workspace checks), a small
journey map, and helpers to expect a DomainError or count SQL statements.

Every test that uses a database (the ``db_url`` fixture, through ``engine`` or
the page tests' ``database``) runs once per engine: ``[sqlite]`` on a file in
the test's temporary folder, ``[postgresql]`` on a database copied from a
migrated template in one throwaway cluster per test session
(``tests/pgcluster.py``). ``--engines sqlite`` (or ``TEST_ENGINES=sqlite``)
runs one engine only. Without PostgreSQL's server binaries the ``[postgresql]``
tests are skipped, and the summary says so in one line.
"""

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
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
from tests.pgcluster import Cluster, Unavailable

ENGINES = ("sqlite", "postgresql")
TEMPLATE = "workbench_template"
WRITE_LOCK = "SELECT pg_advisory_xact_lock"  # PostgreSQL's BEGIN IMMEDIATE (models/db.py)
_pg_state: dict[str, object] = {}  # "cluster" or "skipped": why PostgreSQL is not there


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engines", default=os.environ.get("TEST_ENGINES", ",".join(ENGINES)),
        help="comma-separated database engines the database tests run on (default: sqlite,postgresql)",
    )


def _engines(config: pytest.Config) -> list[str]:
    chosen = [name.strip() for name in str(config.getoption("--engines")).split(",") if name.strip()]
    unknown = set(chosen) - set(ENGINES)
    if unknown or not chosen:
        raise pytest.UsageError(f"--engines: choose from {', '.join(ENGINES)}")
    return chosen


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_url" in metafunc.fixturenames:
        engines = _engines(metafunc.config)
        metafunc.parametrize("db_url", engines, indirect=True, ids=engines)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    if "skipped" in _pg_state:
        terminalreporter.write_line(f"PostgreSQL tests SKIPPED: {_pg_state['skipped']}", yellow=True, bold=True)


@pytest.fixture(scope="session")
def pg_cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster per test session, with a migrated template database."""
    if "postgresql" not in _engines(request.config):
        pytest.skip("PostgreSQL not selected (--engines)")
    try:
        cluster = Cluster.start(prefix="workbench-test-pg-")
    except Unavailable as exc:
        _pg_state["skipped"] = str(exc)
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    _pg_state["cluster"] = cluster
    try:
        template = create_db_engine(cluster.create_database(TEMPLATE))
        upgrade_to_head(template)
        template.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (a copy is faster than migrating)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


_numbers = itertools.count(1)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database on the engine this test runs on."""
    if request.param == "sqlite":
        path = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    name = f"test_{next(_numbers)}"
    cluster.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}" STRATEGY FILE_COPY')
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
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
    """``with count_queries() as statements:`` collects the SQL sent inside the block.

    SQLite's transactions start with a ``BEGIN`` statement that models/db.py sends; psycopg sends
    its ``BEGIN`` with the first statement, unseen. On PostgreSQL a transaction's start is listed
    as ``BEGIN (implicit)``, and a write transaction's advisory lock (SQLite's ``BEGIN IMMEDIATE``)
    as part of it, so the same counts hold on both engines.
    """

    @contextmanager
    def _count() -> Iterator[list[str]]:
        statements: list[str] = []

        def collect(_conn, _cursor, statement, _params, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
            if statement.startswith(WRITE_LOCK) and statements[-1:] == ["BEGIN (implicit)"]:
                statements[-1] = "BEGIN (implicit, write lock)"
                return
            statements.append(statement)

        def begin(_conn) -> None:  # type: ignore[no-untyped-def]
            # The listeners of models/db.py may run first (the lock is then already listed): one entry for both.
            if statements and statements[-1].startswith(WRITE_LOCK):
                statements[-1] = "BEGIN (implicit, write lock)"
            else:
                statements.append("BEGIN (implicit)")

        event.listen(engine, "before_cursor_execute", collect)
        implicit_begin = engine.dialect.name != "sqlite"
        if implicit_begin:
            event.listen(engine, "begin", begin, insert=True)  # before models/db.py's listener takes the lock
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", collect)
            if implicit_begin:
                event.remove(engine, "begin", begin)

    return _count
