"""Workspaces: create (with the standard channel list), rename, delete, list."""

from sqlalchemy import func
from sqlalchemy import update as sql_update
from sqlmodel import Session, select

import services.workspaces.channels as channels
from models import Membership, Workspace
from services import accounts, core
from services.core import N_, DomainError


def list_workspaces(session: Session, account_id: int | None = None) -> list[Workspace]:
    """The workspaces an account is a member of (every workspace for the system: ``None``), by name."""
    query = select(Workspace)
    if account_id is not None:
        query = query.join(Membership, Membership.workspace_id == Workspace.id).where(Membership.account_id == account_id)
    return list(session.exec(query.order_by(Workspace.name)).all())


def create_workspace(session: Session, name: str, description: str = "", *, with_channels: bool = True) -> Workspace:
    """A new workspace, filled with the standard channels so forms have choices at once; the
    account that creates it becomes its admin."""
    workspace = core.create(session, Workspace, {"name": name, "description": description})
    accounts.join_as_creator(session, workspace.id)  # type: ignore[arg-type]
    if with_channels:
        channels.add_default_channels(session, workspace.id)
    return workspace


def get_workspace(session: Session, workspace_id: int) -> Workspace:
    return core.get(session, Workspace, workspace_id)


def update_description(session: Session, workspace_id: int, description: str, *, expected_version: int | None = None) -> Workspace:
    return core.update(session, Workspace, workspace_id, {"description": description}, expected_version=expected_version)


def rename_workspace(session: Session, workspace_id: int, name: str, *, expected_version: int | None = None) -> Workspace:
    return core.update(session, Workspace, workspace_id, {"name": name}, expected_version=expected_version)


def delete_workspace(session: Session, workspace_id: int, *, confirm_name: str) -> None:
    """Delete a workspace and everything in it; the user must type its name to confirm."""
    workspace = core.get(session, Workspace, workspace_id)
    if confirm_name.strip() != workspace.name:
        raise DomainError(N_("Type the workspace's name exactly to confirm."), field="confirm_name")
    core.delete(session, Workspace, workspace_id)


def unique_name(session: Session, base: str) -> str:
    """``base``, or ``base (2)``, ``base (3)`` … whichever is still free."""
    taken = set(session.exec(select(Workspace.name)).all())
    if base not in taken:
        return base
    n = 2
    while f"{base} ({n})" in taken:
        n += 1
    return f"{base} ({n})"


def bump_revision(session: Session, workspace_id: int) -> None:
    """Move the workspace's revision so live views know to re-read (one cheap UPDATE).

    Not needed after a write through the services: the activity log raises it already.
    """
    session.execute(
        sql_update(Workspace).where(Workspace.id == workspace_id).values(revision=Workspace.revision + 1)
        .execution_options(synchronize_session=False)
    )


def revision(session: Session, workspace_id: int) -> int:
    """The workspace's revision: one SELECT by primary key, for live views to poll (0 if the workspace is gone).

    Every write to the workspace's rows raises it once per write transaction (services/audit/log.py),
    presence heartbeats do not.
    """
    return session.exec(select(func.coalesce(Workspace.revision, 0)).where(Workspace.id == workspace_id)).first() or 0


def revision_stamp(session: Session, workspace_id: int) -> tuple[int, str] | None:
    """What a cache of the workspace's data is keyed by: its revision and its creation time (an id freed by a
    deleted workspace and taken by a new one starts at a low revision again). One SELECT; None if it is gone."""
    row = session.exec(select(Workspace.revision, Workspace.created_at).where(Workspace.id == workspace_id)).first()
    return None if row is None else (int(row[0] or 0), row[1].isoformat())
