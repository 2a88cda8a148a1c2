"""What every app server does once when it starts: bring the schema to the newest migration and,
on a database without any workspace, load the demo so a newcomer sees a filled workbench."""

from sqlalchemy import Engine
from sqlmodel import select

from models import Workspace
from models.db import read_session, upgrade_to_head
from services import accounts
from services.unit_of_work import unit_of_work
from services.workspaces import load_demo_workspace


def prepare(engine: Engine, *, admin_email: str | None = None, admin_password: str | None = None) -> accounts.FirstAdmin | None:
    """Migrations to head, the demo workspace on an empty database, and on a database without
    accounts the first administrator (returned, with a generated password when none was given,
    so the caller can say once how to sign in)."""
    upgrade_to_head(engine)
    ensure_demo_workspace(engine)
    with unit_of_work(engine) as session:
        return accounts.ensure_first_admin(session, admin_email, admin_password)


def ensure_demo_workspace(engine: Engine) -> None:
    """On a database without any workspace, load the demo (the app calls this on start).

    The cheap read check keeps normal starts free of write locks; the check is
    repeated under the write lock (``BEGIN IMMEDIATE``) so two processes that
    start at once cannot both load the demo.
    """
    with read_session(engine) as session:
        if session.exec(select(Workspace.id).limit(1)).first() is not None:
            return
    with unit_of_work(engine) as session:
        if session.exec(select(Workspace.id).limit(1)).first() is None:
            load_demo_workspace(session)
