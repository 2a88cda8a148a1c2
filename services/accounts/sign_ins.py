"""Signed-in browsers. The browser keeps a random token in a cookie; the database keeps its
SHA-256, the account, and when it expires. A sign-in ends after :data:`IDLE` without a visit or
:data:`LONGEST` at most, when the account is deactivated, or when its guest link is withdrawn."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, select

from models import Account, SignIn
from models.base import utcnow
from services import core
from services.accounts.guests import guest_still_admitted

IDLE = timedelta(hours=12)
LONGEST = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=5)  # how often a visit moves ``last_seen`` (not on every rerun)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_sign_in(session: Session, account_id: int) -> str:
    """A new sign-in for the account; returns the token for the cookie (stored only hashed)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    core.create(session, SignIn, {"account_id": account_id, "token_hash": _hash(token), "expires_at": now + LONGEST, "last_seen": now})
    return token


def account_of(session: Session, token: str | None) -> Account | None:
    """The account a cookie's token signs in, or None (unknown, expired, idle, deactivated, guest link gone)."""
    if not token:
        return None
    row = session.exec(select(SignIn).where(SignIn.token_hash == _hash(token))).first()
    now = datetime.now(UTC)
    if row is None or row.expires_at.replace(tzinfo=UTC) <= now or row.last_seen.replace(tzinfo=UTC) + IDLE <= now:
        return None
    account = session.get(Account, row.account_id)
    if account is None or not account.is_active or not guest_still_admitted(session, account):
        return None
    return account


def needs_touch(session: Session, token: str) -> bool:
    row = session.exec(select(SignIn.last_seen).where(SignIn.token_hash == _hash(token))).first()
    return row is not None and row.replace(tzinfo=UTC) + TOUCH_EVERY <= datetime.now(UTC)


def touch(session: Session, token: str) -> None:
    """Record a visit (the idle limit counts from the last one)."""
    row = session.exec(select(SignIn).where(SignIn.token_hash == _hash(token))).first()
    if row is not None:
        row.last_seen = utcnow()
        session.add(row)
        core.flush(session)


def end_sign_in(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(SignIn).where(col(SignIn.token_hash) == _hash(token)))


def forget_expired(session: Session) -> int:
    now = utcnow()
    result = session.execute(delete(SignIn).where((col(SignIn.expires_at) <= now) | (col(SignIn.last_seen) <= now - IDLE)))
    return result.rowcount or 0
