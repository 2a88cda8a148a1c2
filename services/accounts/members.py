"""Members of a workspace and their roles; only a workspace's admins change them, and a
workspace always keeps one admin."""

import pandas as pd
from sqlmodel import Session, col, func, select

from models import Account, Membership
from services import core
from services.accounts.accounts import normal_email
from services.core import N_, DomainError
from services.core.access import ROLES

MEMBER_ROLES = ("viewer", "editor", "facilitator", "admin")  # participants join through guest links


def list_members(session: Session, workspace_id: int) -> pd.DataFrame:
    """Members with e-mail, name, role (guests included, their journey named), by role then name (one query)."""
    return core.read_frame(session, (
        select(Membership.id, Membership.account_id, Account.email, Account.display_name, Membership.role,
               Membership.journey_id, Account.guest_link_id, Membership.version)
        .join(Account, Account.id == Membership.account_id)
        .where(Membership.workspace_id == workspace_id, col(Account.is_active))
        .order_by(Membership.role, Account.display_name)
    ))


def _admins(session: Session, workspace_id: int) -> int:
    return session.exec(select(func.count()).select_from(Membership)
                        .where(Membership.workspace_id == workspace_id, Membership.role == "admin")).one()


def add_member(session: Session, workspace_id: int, email: str, role: str) -> Membership:
    """Give an existing account a role in the workspace (admins only, checked for the table)."""
    core.check_choice(role, MEMBER_ROLES, "role")
    account = session.exec(select(Account).where(Account.email == normal_email(email), col(Account.is_active))).first()
    if account is None:
        raise DomainError(N_("There is no account with this e-mail address. An administrator creates it first."), field="email")
    if session.exec(select(Membership.id).where(Membership.workspace_id == workspace_id,
                                                Membership.account_id == account.id)).first() is not None:
        raise DomainError(N_("This account is a member already; change its role instead."), field="email")
    return core.create(session, Membership, {"workspace_id": workspace_id, "account_id": account.id, "role": role})


def join_as_creator(session: Session, workspace_id: int) -> None:
    """The account that creates a workspace becomes its admin (nothing for the system)."""
    actor = core.acting(session)
    if actor.account_id is not None:
        core.create(session, Membership, {"workspace_id": workspace_id, "account_id": actor.account_id, "role": "admin"})


def set_role(session: Session, workspace_id: int, membership_id: int, role: str, *, expected_version: int | None = None) -> None:
    core.check_choice(role, ROLES, "role")
    member = core.get(session, Membership, membership_id, workspace_id)
    if member.role == "admin" and role != "admin" and _admins(session, workspace_id) == 1:
        raise DomainError(N_("A workspace needs at least one admin."), field="role")
    core.update(session, Membership, membership_id, {"role": role}, workspace_id=workspace_id, expected_version=expected_version)


def remove_member(session: Session, workspace_id: int, membership_id: int) -> None:
    member = core.get(session, Membership, membership_id, workspace_id)
    if member.role == "admin" and _admins(session, workspace_id) == 1:
        raise DomainError(N_("A workspace needs at least one admin."))
    core.delete(session, Membership, membership_id, workspace_id=workspace_id)


def member_workspaces(session: Session, account_id: int) -> list[int]:
    return list(session.exec(select(Membership.workspace_id).where(Membership.account_id == account_id)).all())
