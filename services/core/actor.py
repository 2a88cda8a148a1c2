"""Who acts in a unit of work.

The edge (a page's unit of work, a script, a test) opens every write with the acting person;
services read it from the session with :func:`acting`, never from a global. Today the actor is
the display name a person gives; with accounts it will carry the signed-in account and its role.
"""

from dataclasses import dataclass

from sqlmodel import Session

ACTOR = "actor"  # the key in ``session.info``


@dataclass(frozen=True)
class Actor:
    """The person (or script) saving: ``name`` is what the history shows ("" when nobody said)."""

    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.strip())


NOBODY = Actor()


def acting(session: Session) -> Actor:
    """The actor of the unit of work this session belongs to (nobody outside one)."""
    actor = session.info.get(ACTOR)
    return actor if isinstance(actor, Actor) else NOBODY


def name_if_anonymous(session: Session, name: str) -> None:
    """Let an anonymous unit of work be logged under ``name`` (a workshop card names its author)."""
    if not acting(session).name and name.strip():
        session.info[ACTOR] = Actor(name)
