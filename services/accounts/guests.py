"""Workshop guest links: a facilitator hands out a link for one journey; whoever opens it gives a
display name and becomes a *participant* of that journey only (see :mod:`services.core.access`).

Only the token's SHA-256 is stored: the link itself is shown once, when it is made. A link
expires, and revoking it also signs out everyone who joined through it.
"""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import update
from sqlmodel import Session, col, func, select

from models import Account, GuestLink, Journey, Membership
from models.base import utcnow
from services import core
from services.core import N_, DomainError

MAX_HOURS = 24 * 14
LINK_INVALID = N_("This workshop link is not valid: it has expired or was withdrawn. Ask the facilitator for a new one.")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_guest_link(session: Session, workspace_id: int, journey_id: int, *, hours: float = 8, label: str = "") -> tuple[GuestLink, str]:
    """A new link for the journey, valid ``hours``; returns it with its token (shown once, stored hashed)."""
    core.require_role(session, workspace_id, "facilitator")
    core.get(session, Journey, journey_id, workspace_id)
    if not 0 < hours <= MAX_HOURS:
        raise DomainError(N_("Between {low} and {high} hours."), field="hours", low=1, high=MAX_HOURS)
    token = secrets.token_urlsafe(24)
    link = core.create(session, GuestLink, {
        "workspace_id": workspace_id, "journey_id": journey_id, "token_hash": _hash(token), "label": label.strip(),
        "expires_at": datetime.now(UTC) + timedelta(hours=hours), "created_by": core.acting(session).name[:80],
    })
    return link, token


def guest_links(session: Session, workspace_id: int) -> pd.DataFrame:
    """Every link of the workspace with its journey, expiry, state and how many joined (one query)."""
    joined = select(func.count()).select_from(Account).where(Account.guest_link_id == GuestLink.id).scalar_subquery()
    frame = core.read_frame(session, (
        select(GuestLink.id, GuestLink.label, Journey.name.label("journey"), GuestLink.expires_at, GuestLink.revoked_at,
               GuestLink.created_by, joined.label("guests"))
        .join(Journey, Journey.id == GuestLink.journey_id)
        .where(GuestLink.workspace_id == workspace_id).order_by(col(GuestLink.id).desc())
    ))
    now = datetime.now(UTC)
    expires = pd.to_datetime(frame["expires_at"])
    frame["active"] = [r is None and e.replace(tzinfo=UTC) > now for r, e in zip(frame["revoked_at"], expires, strict=True)]
    return frame


def guests_of(session: Session, workspace_id: int, link_id: int) -> list[str]:
    core.get(session, GuestLink, link_id, workspace_id)
    return list(session.exec(select(Account.display_name).where(Account.guest_link_id == link_id, col(Account.is_active))
                             .order_by(Account.display_name)).all())


def revoke_guest_link(session: Session, workspace_id: int, link_id: int) -> int:
    """Withdraw the link and sign out everyone who joined through it; returns how many guests that were."""
    core.require_role(session, workspace_id, "facilitator")
    link = core.get(session, GuestLink, link_id, workspace_id)
    core.update(session, GuestLink, link.id, {"revoked_at": utcnow()}, workspace_id=workspace_id)  # type: ignore[arg-type]
    guests = list(session.exec(select(Account.id).where(Account.guest_link_id == link_id)).all())
    if guests:
        session.execute(update(Account).where(col(Account.id).in_(guests)).values(is_active=False))
        session.execute(Membership.__table__.delete().where(Membership.__table__.c.account_id.in_(guests)))  # type: ignore[attr-defined]
    return len(guests)


def valid_link(session: Session, token: str) -> GuestLink:
    link = session.exec(select(GuestLink).where(GuestLink.token_hash == _hash(token))).first()
    if link is None or link.revoked_at is not None or link.expires_at.replace(tzinfo=UTC) <= datetime.now(UTC):
        raise DomainError(LINK_INVALID)
    return link


def join(session: Session, token: str, display_name: str) -> Account:
    """Enter a workshop through its link: a guest account, participant of the link's journey only.
    Runs as the system (the guest has no account yet); the token is what admits it."""
    link = valid_link(session, token)
    name = display_name.strip()
    if not name:
        raise DomainError(N_("This field is required."), field="display_name")
    guest = core.create(session, Account, {"display_name": name[:80], "guest_link_id": link.id})
    core.create(session, Membership, {"workspace_id": link.workspace_id, "account_id": guest.id, "role": "participant",
                                      "journey_id": link.journey_id})
    return guest


def guest_still_admitted(session: Session, account: Account) -> bool:
    """A guest's link must still be valid on every visit (expiry, revocation)."""
    if account.guest_link_id is None:
        return True
    link = session.get(GuestLink, account.guest_link_id)
    return link is not None and link.revoked_at is None and link.expires_at.replace(tzinfo=UTC) > datetime.now(UTC)
