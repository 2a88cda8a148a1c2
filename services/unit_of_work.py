"""One unit of work per user action, opened at the edge (a page's save, a script, a test).

It knows who acts, begins the write transaction (``BEGIN IMMEDIATE`` on SQLite, see
:mod:`models.db`), installs the activity log's hook on its session (so every change is
logged under that actor and moves the workspace revision), commits when the block ends and
rolls everything back on any error. Services receive its session, read the actor with
:func:`services.core.acting` and never commit.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from models.db import write_session
from services import audit
from services.core import ACTOR, NOBODY, Actor


@contextmanager
def unit_of_work(engine: Engine, actor: Actor | str = NOBODY) -> Iterator[Session]:
    """``with unit_of_work(engine, actor) as session:`` — everything inside is saved together, or nothing."""
    acting = actor if isinstance(actor, Actor) else Actor(actor)
    with write_session(engine) as session:
        session.info[ACTOR] = acting
        audit.install(session)
        yield session
