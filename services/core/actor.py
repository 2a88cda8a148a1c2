"""Who acts in a unit of work.

The edge (a page's unit of work, a script, a test) opens every write with the acting person;
services read it from the session with :func:`acting`, never from a global. A signed-in person is
an account with a role per workspace (a workshop guest: *participant* of one journey); a script,
a test or the app's start-up acts as the system, which the role checks let through.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlmodel import Session

ACTOR = "actor"  # the key in ``session.info``


@dataclass(frozen=True)
class Actor:
    """The person (or process) saving.

    ``name``: what the history shows. ``account_id``: None for the system (scripts, tests,
    start-up) — then no role is checked. ``roles``: workspace id → role; ``journeys``: for a
    participant, workspace id → the one journey it may work on.
    """

    name: str = ""
    account_id: int | None = None
    roles: Mapping[int, str] = field(default_factory=dict)
    journeys: Mapping[int, int] = field(default_factory=dict)
    site_admin: bool = False
    guest: bool = False  # joined through a workshop link: never more than its journey

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.strip())

    @property
    def is_system(self) -> bool:
        return self.account_id is None

    def role_in(self, workspace_id: int | None) -> str | None:
        if workspace_id is None:
            return None
        return "admin" if self.site_admin else self.roles.get(workspace_id)  # a site admin administers every workspace


NOBODY = Actor()


def acting(session: Session) -> Actor:
    """The actor of the unit of work this session belongs to (the system outside one)."""
    actor = session.info.get(ACTOR)
    return actor if isinstance(actor, Actor) else NOBODY


def name_if_anonymous(session: Session, name: str) -> None:
    """Let an anonymous system unit of work be logged under ``name`` (a script capturing a card)."""
    actor = acting(session)
    if actor.is_system and not actor.name and name.strip():
        session.info[ACTOR] = Actor(name)
