"""What nearly every page starts with: the engine and the workspace chosen in the sidebar (which
app.py has checked against the signed-in account's memberships)."""

from typing import NamedTuple

from sqlalchemy import Engine
from sqlmodel import Session

from components.db import get_engine
from components.workspace import current_workspace_id
from models.db import read_session
from services import journeys


class Page(NamedTuple):
    engine: Engine
    workspace_id: int


def open_page() -> Page:
    """``engine, workspace_id = open_page()`` at the top of a page."""
    return Page(get_engine(), current_workspace_id())


def journey_names(engine: Engine, workspace_id: int) -> dict[int, str]:
    """The workspace's journeys, id → name, in the order of the journey list (one query)."""
    with read_session(engine) as session:
        return journey_names_in(session, workspace_id)


def journey_names_in(session: Session, workspace_id: int) -> dict[int, str]:
    """:func:`journey_names` in a session (the shape ``components.cache.Snapshot.data`` loads)."""
    listing = journeys.list_journeys(session, workspace_id)
    return {int(i): str(n) for i, n in zip(listing["id"], listing["name"], strict=True)}
