"""Accounts, their roles per workspace, and workshop guest links.

An account signs in with e-mail and password (Argon2 hash) or through single sign-on (matched by
verified e-mail). A workshop guest is an account too, without e-mail or password: it exists
through one guest link, as a *participant* of that link's journey only.
"""

from datetime import datetime
from typing import Optional

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field

from models.base import Audited

ROLES = ("participant", "viewer", "editor", "facilitator", "admin")  # each may do what the ones before it may


class Account(Audited, table=True):
    __table_args__ = (CheckConstraint("failed_sign_ins >= 0", name="failed_sign_ins_not_negative"),)

    id: Optional[int] = Field(default=None, primary_key=True)
    # Stored lower-cased; NULL for guests (several NULLs are allowed by the unique index).
    email: Optional[str] = Field(default=None, unique=True, index=True, max_length=254)
    display_name: str = Field(min_length=1, max_length=80)
    password_hash: Optional[str] = Field(default=None, max_length=255)
    is_site_admin: bool = Field(default=False, nullable=False)  # may create accounts and see the database facts
    is_active: bool = Field(default=True, nullable=False)
    guest_link_id: Optional[int] = Field(default=None, foreign_key="guest_link.id", ondelete="CASCADE", index=True)
    failed_sign_ins: int = Field(default=0, nullable=False)
    locked_until: Optional[datetime] = Field(default=None)
    last_sign_in: Optional[datetime] = Field(default=None)


class Membership(Audited, table=True):
    """An account's role in one workspace; a participant's is limited to ``journey_id``."""

    __table_args__ = (
        UniqueConstraint("workspace_id", "account_id", name="one_role_per_workspace"),
        CheckConstraint("role IN ('participant', 'viewer', 'editor', 'facilitator', 'admin')", name="known_role"),
    )

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE", index=True)
    role: str = Field(max_length=20)
    journey_id: Optional[int] = Field(default=None, foreign_key="journey.id", ondelete="CASCADE")


class GuestLink(Audited, table=True):
    """A link a facilitator hands out for one journey; only the token's SHA-256 is stored."""

    __tablename__ = "guest_link"

    id: Optional[int] = Field(default=None, primary_key=True)
    workspace_id: int = Field(foreign_key="workspace.id", ondelete="CASCADE", index=True)
    journey_id: int = Field(foreign_key="journey.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    label: str = Field(default="", max_length=80)
    expires_at: datetime = Field(nullable=False)
    revoked_at: Optional[datetime] = Field(default=None)
    created_by: str = Field(default="", max_length=80)  # the facilitator's name (no key: accounts point at links)


class SignIn(Audited, table=True):
    """A signed-in browser: the cookie holds a random token, only its SHA-256 is stored here.
    Signing out deletes the row; an idle or too old one no longer counts."""

    __tablename__ = "sign_in"

    id: Optional[int] = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", ondelete="CASCADE", index=True)
    token_hash: str = Field(unique=True, max_length=64)
    expires_at: datetime = Field(nullable=False)
    last_seen: datetime = Field(nullable=False)
