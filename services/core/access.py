"""Who may write what: roles per workspace, checked below every service.

The unit of work's hook (:mod:`services.audit.hook`) calls :func:`check_write` for every row a
flush or a bulk statement writes, with the row's workspace and journey found along the declared
aggregates. So no service can forget the check, and a new service is covered the day it is
written. Use cases that need more than the table's rule (replacing a workspace by import, the
facilitator's focus) call :func:`require_role` as well.

- *viewer*: reads everything in the workspace, writes nothing;
- *participant* (a workshop guest): votes, comments and captures cards on one journey;
- *editor*: all content of the workspace;
- *facilitator*: an editor who also runs workshops (voting rounds, guest links, focus, timer);
- *admin*: a facilitator who also manages members and the workspace itself.
"""

from collections.abc import Iterable

from sqlmodel import Session, select

from models import Journey
from services.core.actor import Actor, acting
from services.core.errors import N_, DomainError

RANK = {"viewer": 0, "participant": 0, "editor": 1, "facilitator": 2, "admin": 3}
ROLES = ("viewer", "participant", "editor", "facilitator", "admin")

# Table → the least role that may write its rows (create, update, delete). Presence (who is on a
# map right now) is bookkeeping every member writes; the log's own rows follow the change they record.
WRITE: dict[str, str] = {
    "workspace": "admin", "membership": "admin", "guest_link": "facilitator", "vote_round": "facilitator",
    "presence": "viewer", "activity_entry": "participant",
}
EDITOR = "editor"  # every other table of a workspace
# What a participant (a guest) may do besides presence, on its one journey only.
PARTICIPANT: dict[str, frozenset[str]] = {
    "vote": frozenset({"create", "delete"}),
    "comment": frozenset({"create"}),
    "pain_point": frozenset({"create"}),
    "opportunity": frozenset({"create"}),
    "step": frozenset({"create"}),  # the stage's parking-lot step a captured card lands on
    "activity_entry": frozenset({"create"}),
}


# The structure of a map: what a facilitator's lock freezes for everyone below facilitator.
STRUCTURE = frozenset({"stage", "step", "transition"})
LOCK_EXEMPT = "access.structure_lock_exempt"  # session.info flag: a capture's parking-lot step


class Forbidden(DomainError):
    """The acting account's role does not allow this."""


NOT_ALLOWED = N_("Your role in this workspace does not allow this.")


def may_write(actor: Actor, table: str, action: str, workspace_id: int | None, journey_id: int | None = None) -> bool:
    if actor.is_system:
        return True
    if table == "account":  # accounts belong to no workspace: a site admin manages them
        return actor.site_admin
    if workspace_id is None:
        return table == "workspace" and action == "create" and not actor.guest  # any account but a guest may start one
    role = actor.role_in(workspace_id)
    if role is None:
        return False
    if role == "participant":
        allowed = table == "presence" or action in PARTICIPANT.get(table, frozenset())
        restricted = actor.journeys.get(workspace_id)
        return allowed and (table == "presence" or restricted is None or journey_id == restricted)
    return RANK[role] >= RANK[WRITE.get(table, EDITOR)] and (role != "viewer" or table == "presence")


def check_write(actor: Actor, table: str, action: str, workspace_id: int | None, journey_id: int | None = None) -> None:
    if not may_write(actor, table, action, workspace_id, journey_id):
        raise Forbidden(NOT_ALLOWED)


CREATED = "access.created"  # session.info: the workspaces this unit of work created (its creator fills them)


def check_bulk(session: Session, table: str, action: str, workspace_ids: Iterable[int | None]) -> None:
    """A bulk write (a Core statement through the session, or :func:`~services.core.rows.fast_insert` past it) is
    allowed when every workspace its rows belong to allows it to the unit of work's actor — journey-wide rights only:
    a participant never writes in bulk. A workspace created in the same unit of work is its creator's to fill."""
    actor = acting(session)
    if actor.is_system:
        return
    created = session.info.get(CREATED, set())
    for workspace_id in workspace_ids:
        if workspace_id in created:
            continue
        if workspace_id is None or actor.role_in(workspace_id) == "participant":
            raise Forbidden(NOT_ALLOWED)
        check_write(actor, table, action, workspace_id)


LOCKED = N_("A facilitator has locked this map's structure for the workshop. Votes, comments and captured cards still work.")


def check_structure_lock(session: Session, actor: Actor, table: str, workspace_id: int | None, journey_id: int | None,
                         locked: dict[int, bool]) -> None:
    """Refuse a change to a locked map's stages, steps or branches unless the actor runs workshops
    (``locked``: the journeys' lock states read in this flush, filled on demand)."""
    if table not in STRUCTURE or journey_id is None or actor.is_system or session.info.get(LOCK_EXEMPT):
        return
    role = actor.role_in(workspace_id) if workspace_id is not None else None
    if role is not None and role != "participant" and RANK[role] >= RANK["facilitator"]:
        return
    if journey_id not in locked:
        with session.no_autoflush:
            locked[journey_id] = bool(session.exec(select(Journey.structure_locked).where(Journey.id == journey_id)).first())
    if locked[journey_id]:
        raise Forbidden(LOCKED)


def require_unlocked(session: Session, workspace_id: int, journey_id: int) -> None:
    """For structure changes the hook cannot see row by row (a move renumbers positions in one
    bulk UPDATE): refuse them on a locked map as the hook refuses a flushed row."""
    check_structure_lock(session, acting(session), "step", workspace_id, journey_id, {})


def require_role(session: Session, workspace_id: int, role: str) -> None:
    """Refuse unless the unit of work's actor has at least ``role`` in the workspace (the system may)."""
    actor = acting(session)
    held = actor.role_in(workspace_id)
    if not actor.is_system and (held is None or held == "participant" or RANK[held] < RANK[role]):
        raise Forbidden(NOT_ALLOWED)
