"""Accounts and signing in: e-mail and an Argon2id password hash, or single sign-on matched by
verified e-mail; the first administrator; who an account is in a unit of work (:func:`actor_for`).

Signing in is throttled per account and per client: after :data:`FREE_ATTEMPTS` failures each
further attempt waits longer (doubling, at most :data:`MAX_DELAY`). The answer never tells whether
an account exists: an unknown e-mail costs a hash check too and gets the same message.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from models import Account, Membership, Workspace
from models.base import utcnow
from services import core
from services.core import N_, Actor, DomainError

MIN_PASSWORD = 10
FREE_ATTEMPTS = 5
FIRST_DELAY = timedelta(seconds=30)  # after the last free attempt; doubling with every further failure
MAX_DELAY = timedelta(minutes=15)
SIGN_IN_REFUSED = N_("E-mail or password is wrong, or the account is locked for a moment. Try again later.")
_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("not a password of anyone")
# Per client (an IP or a browser session): failures in this process. Several app servers each keep
# their own; the per-account counter in the database is the one every server shares.
_CLIENT_FAILURES: dict[str, tuple[int, datetime]] = {}


def normal_email(email: str) -> str:
    return email.strip().lower()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(N_("The password needs at least {min} characters."), field="password", min=MIN_PASSWORD)


def create_account(
    session: Session, email: str, display_name: str, password: str | None = None, *, site_admin: bool = False
) -> Account:
    """A new account (e-mail unique, case-insensitive). Without a password it can only sign in by single sign-on."""
    address = normal_email(email)
    if "@" not in address or len(address) > 254:
        raise DomainError(N_("Enter a valid e-mail address."), field="email")
    if session.exec(select(Account.id).where(Account.email == address)).first() is not None:
        raise DomainError(N_("An account with this e-mail address exists already."), field="email")
    if password is not None:
        _check_password(password)
    return core.create(session, Account, {
        "email": address, "display_name": display_name.strip() or address.split("@")[0],
        "password_hash": _HASHER.hash(password) if password is not None else None, "is_site_admin": site_admin,
    })


def set_password(session: Session, account_id: int, password: str) -> None:
    _check_password(password)
    account = core.get(session, Account, account_id)
    account.password_hash = _HASHER.hash(password)
    account.failed_sign_ins, account.locked_until = 0, None
    session.add(account)
    core.flush(session)


def _delay(failures: int) -> timedelta:
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** (failures - FREE_ATTEMPTS), MAX_DELAY)


def _client_locked(client: str | None, now: datetime) -> bool:
    failures, at = _CLIENT_FAILURES.get(client or "", (0, now))
    return bool(client) and now < at + _delay(failures)


def _client_failed(client: str | None, now: datetime) -> None:
    if client:
        failures, _at = _CLIENT_FAILURES.get(client, (0, now))
        _CLIENT_FAILURES[client] = (failures + 1, now)


def authenticate(session: Session, email: str, password: str, *, client: str | None = None) -> Account | None:
    """The active account with this e-mail and password, or None (the same for every reason: show
    :data:`SIGN_IN_REFUSED`). Runs in a write unit of work of the system, which must commit either
    way: a failure counts up (so it returns instead of raising), a success resets the count.
    """
    now = datetime.now(UTC)
    account = session.exec(select(Account).where(Account.email == normal_email(email), col(Account.is_active))).first()
    if _client_locked(client, now) or (account is not None and account.locked_until is not None
                                       and account.locked_until.replace(tzinfo=UTC) > now):
        return None
    try:
        _HASHER.verify(account.password_hash if account is not None and account.password_hash else _DUMMY, password)
        ok = account is not None and account.password_hash is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        _client_failed(client, now)
        if account is not None:
            account.failed_sign_ins += 1
            delay = _delay(account.failed_sign_ins)
            account.locked_until = now + delay if delay else None
            session.add(account)
            core.flush(session)
        return None
    _CLIENT_FAILURES.pop(client or "", None)
    if _HASHER.check_needs_rehash(account.password_hash):  # type: ignore[union-attr, arg-type]
        account.password_hash = _HASHER.hash(password)  # type: ignore[union-attr]
    account.failed_sign_ins, account.locked_until, account.last_sign_in = 0, None, utcnow()  # type: ignore[union-attr]
    session.add(account)
    core.flush(session)
    return account  # type: ignore[return-value]


def account_for_email(session: Session, email: str) -> Account | None:
    """The active account of a verified e-mail (single sign-on); None when there is none."""
    return session.exec(select(Account).where(Account.email == normal_email(email), col(Account.is_active))).first()


def get_account(session: Session, account_id: int) -> Account | None:
    account = session.get(Account, account_id)
    return account if account is not None and account.is_active else None


def list_accounts(session: Session) -> list[Account]:
    return list(session.exec(select(Account).where(col(Account.email).is_not(None)).order_by(Account.email)).all())


def actor_for(session: Session, account: Account) -> Actor:
    """Who the account is in a unit of work: its name and its role in every workspace (one query).
    A guest is shown as "Name (guest)"."""
    rows = session.exec(select(Membership.workspace_id, Membership.role, Membership.journey_id)
                        .where(Membership.account_id == account.id)).all()
    roles = {ws: role for ws, role, _j in rows}  # a site admin's role is admin everywhere (Actor.role_in)
    return Actor(
        name=account.display_name if account.guest_link_id is None else f"{account.display_name} (guest)",
        account_id=account.id, roles=roles,
        journeys={ws: journey for ws, _role, journey in rows if journey is not None}, site_admin=account.is_site_admin,
        guest=account.guest_link_id is not None,
    )


@dataclass(frozen=True)
class FirstAdmin:
    email: str
    password: str | None  # generated (to print once), None when it came from the environment


def ensure_first_admin(session: Session, email: str | None, password: str | None) -> FirstAdmin | None:
    """On a database without accounts: the first administrator (a site admin), from the given
    e-mail and password or with a generated password; admin of every workspace there is."""
    if session.exec(select(Account.id).limit(1)).first() is not None:
        return None
    generated = None if password else secrets.token_urlsafe(12)
    account = create_account(session, email or "admin@localhost", "Admin", password or generated, site_admin=True)
    for workspace_id in session.exec(select(Workspace.id)).all():
        core.create(session, Membership, {"workspace_id": workspace_id, "account_id": account.id, "role": "admin"})
    return FirstAdmin(account.email or "", generated)  # type: ignore[arg-type]
