"""Who is on a journey map right now, and the facilitator's focus.

Each browser session sends a heartbeat (every 20 seconds: when it takes its seat, then through
the room's poll route, :func:`beat`): one upsert of its own row, keyed by a per-session random
key. Heartbeats are bookkeeping, not edits: they are not in the activity log
and do not move the workspace revision: live views read presence in the same
one-statement poll as the revision (:func:`room_state`).

Names are the signed-in account's (a guest's as typed when joining); two tabs
with the same name count once.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, Row, and_, bindparam, cast, delete, func, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from models import Account, GuestLink, Membership, Presence, Workspace
from models.base import utcnow
from services import core, journeys
from services.core import N_, DomainError, acting

HEARTBEAT_SECONDS = 20  # a seat's heartbeat is written this often (by the page and the room's poll route) …
PRESENT_SECONDS = 45  # … and counts this long: one may be late
FOCUS_SECONDS = 120  # a facilitator silent for longer no longer steers the participants' view
FORGET_AFTER = timedelta(days=1)


def _since(seconds: float) -> datetime:
    return datetime.now(UTC) - timedelta(seconds=seconds)


def heartbeat(
    session: Session,
    workspace_id: int,
    journey_id: int | None,
    session_key: str,
    display_name: str,
    is_facilitator: bool = False,
) -> None:
    """Say "I am here" (one INSERT … ON CONFLICT UPDATE). Call it in a write session; the
    caller has checked the journey belongs to the workspace when it opened the map. The row keeps
    the acting account, whose membership :func:`seat_poll` checks on every poll."""
    name = display_name.strip()
    if not name:
        raise DomainError(N_("Enter your name to join."), field="display_name")
    if not session_key:
        raise DomainError(N_("This browser session has no key."), field="session_key")
    now = utcnow()
    values = {
        "workspace_id": workspace_id, "journey_id": journey_id, "session_key": session_key[:64],
        "display_name": name[:80], "last_seen": now, "is_facilitator": is_facilitator, "account_id": acting(session).account_id,
    }
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Presence).values(**values)
    changed = {k: statement.excluded[k] for k in ("workspace_id", "journey_id", "display_name", "last_seen", "is_facilitator",
                                                  "account_id")}
    session.execute(statement.on_conflict_do_update(index_elements=["session_key"], set_=changed))


def leave(session: Session, session_key: str) -> None:
    """Forget a browser session at once (the page's "leave" button); otherwise it fades after
    :data:`PRESENT_SECONDS`."""
    session.execute(delete(Presence).where(Presence.session_key == session_key))


def forget_stale(session: Session, older_than: timedelta = FORGET_AFTER) -> int:
    """Delete rows of sessions silent for longer than ``older_than``; returns how many."""
    result = session.execute(delete(Presence).where(col(Presence.last_seen) < datetime.now(UTC) - older_than))
    return result.rowcount or 0  # type: ignore[attr-defined]


def present(
    session: Session, workspace_id: int, journey_id: int | None, within_seconds: float = PRESENT_SECONDS
) -> list[tuple[str, bool]]:
    """(display name, is facilitator) of everyone seen on the map in the last ``within_seconds``
    (one query): facilitators first, then by name; a name in several tabs once."""
    # max() over 0/1: PostgreSQL has no max(boolean) (SQLite's booleans are integers already).
    query = select(Presence.display_name, func.max(cast(Presence.is_facilitator, Integer))).where(
        Presence.workspace_id == workspace_id, col(Presence.last_seen) >= _since(within_seconds),
    )
    query = query.where(Presence.journey_id == journey_id) if journey_id is not None else query
    rows = session.exec(query.group_by(Presence.display_name)).all()
    return sorted(((name, bool(facilitator)) for name, facilitator in rows), key=lambda r: (not r[1], r[0].casefold()))


@dataclass(frozen=True)
class RoomState:
    """What an open workshop page polls: the workspace's revision (every edit moves it, a heartbeat does
    not) and the room around the map. Equal states render the same screen, so a poll compares it with
    the last one and re-sends nothing when it is unchanged."""

    revision: int
    people: tuple[tuple[str, bool], ...]  # (name, is facilitator): facilitators first, then by name
    focus: int | None  # the stage the newest facilitator focused (None: the whole map)
    timer_ends_at: datetime | None  # the newest running countdown's end (it may lie in the past: time is up)


# Built once, from the tables (Core, not ORM): the poll runs it every two seconds per open page, and building an
# ORM select and loading its rows cost more than SQLite needs to answer it (0.67 against 0.24 ms of CPU, measured).
_W, _P = Workspace.__table__.c, Presence.__table__.c  # type: ignore[attr-defined]
_ROOM_COLUMNS = (func.coalesce(_W.revision, 0).label("revision"), _P.display_name, _P.is_facilitator, _P.last_seen,
                 _P.focus_stage_id, _P.focus_at, _P.timer_ends_at, _P.timer_at)
_ROOM_STATE = (
    select(*_ROOM_COLUMNS)
    .select_from(Workspace.__table__.outerjoin(Presence.__table__, and_(  # type: ignore[attr-defined]
        _P.workspace_id == _W.id, _P.journey_id == bindparam("journey_id"), _P.last_seen >= bindparam("window"))))
    .where(_W.id == bindparam("workspace_id"))
)


def room_state(session: Session, workspace_id: int, journey_id: int) -> RoomState:
    """The revision, who is present, the focus and the timer in ONE statement: the workspace row joined
    with the map's presence rows of the last :data:`FOCUS_SECONDS` (a room's few dozen rows), the rules
    applied here. Every open workshop page asks this every two seconds, so it must not cost four round trips.

    A facilitator silent for :data:`FOCUS_SECONDS` no longer steers (focus, timer); a focus on a stage
    deleted since is None (the database sets the column NULL)."""
    rows = session.execute(_ROOM_STATE, {"workspace_id": workspace_id, "journey_id": journey_id,
                                         "window": _since(max(PRESENT_SECONDS, FOCUS_SECONDS))}).all()
    return _room(rows)


def _room(rows: Sequence[Row]) -> RoomState:
    """The room's rules over its presence rows (each carrying the workspace's revision; one row with
    NULL presence columns when nobody is there)."""
    if not rows:
        return RoomState(0, (), None, None)
    seated = [row for row in rows if row.display_name is not None]
    here, steering = _since(PRESENT_SECONDS), _since(FOCUS_SECONDS)
    people: dict[str, bool] = {}
    for row in seated:
        if row.last_seen >= here:
            people[row.display_name] = people.get(row.display_name, False) or bool(row.is_facilitator)
    leads = [row for row in seated if row.is_facilitator and row.last_seen >= steering]
    focused = max((row for row in leads if row.focus_at is not None), key=lambda row: row.focus_at, default=None)
    timed = max((row for row in leads if row.timer_at is not None), key=lambda row: row.timer_at, default=None)
    return RoomState(
        revision=int(rows[0].revision),
        people=tuple(sorted(people.items(), key=lambda person: (not person[1], person[0].casefold()))),
        focus=focused.focus_stage_id if focused else None,
        timer_ends_at=timed.timer_ends_at if timed else None,
    )


@dataclass(frozen=True)
class Seat:
    """A browser session's place in a room, as the room's poll route sees it (it has no Streamlit
    session: the session's random key is all it gets)."""

    workspace_id: int
    journey_id: int
    last_seen: datetime  # the session's own last heartbeat
    room: RoomState


# The same room, found through one session's key: that session's row (``me``), its account still active
# and admitted — a member of the workspace (a participant: of this journey) or a site administrator, a
# guest's link neither withdrawn nor expired — and the workspace with everyone on the same map.
_ME = Presence.__table__.alias("me")  # type: ignore[attr-defined]
_A, _M, _G = Account.__table__.c, Membership.__table__.c, GuestLink.__table__.c  # type: ignore[attr-defined]
_SEAT_POLL = (
    select(*_ROOM_COLUMNS, _ME.c.workspace_id.label("seat_workspace"), _ME.c.journey_id.label("seat_journey"),
           _ME.c.last_seen.label("seat_seen"))
    .select_from(
        _ME.join(Workspace.__table__, _W.id == _ME.c.workspace_id)  # type: ignore[attr-defined]
        .join(Account.__table__, _A.id == _ME.c.account_id)  # type: ignore[attr-defined]
        .outerjoin(Membership.__table__, and_(_M.account_id == _ME.c.account_id,  # type: ignore[attr-defined]
                                              _M.workspace_id == _ME.c.workspace_id))
        .outerjoin(GuestLink.__table__, _G.id == _A.guest_link_id)  # type: ignore[attr-defined]
        .outerjoin(Presence.__table__, and_(  # type: ignore[attr-defined]
            _P.workspace_id == _ME.c.workspace_id, _P.journey_id == _ME.c.journey_id, _P.last_seen >= bindparam("window"))))
    .where(_ME.c.session_key == bindparam("key"), _ME.c.journey_id.is_not(None), _A.is_active.is_(True),
           or_(_A.is_site_admin.is_(True),
               and_(_M.id.is_not(None), or_(_M.journey_id.is_(None), _M.journey_id == _ME.c.journey_id))),
           or_(_A.guest_link_id.is_(None), and_(_G.revoked_at.is_(None), _G.expires_at > bindparam("now"))))
)


def seat_poll(session: Session, session_key: str) -> Seat | None:
    """The room of the browser session ``session_key`` in one statement, or None when that session
    has no seat (never joined, left, forgotten) or its account may no longer see the workspace
    (membership removed, account deactivated, guest link withdrawn or expired): every poll is checked."""
    rows = session.execute(_SEAT_POLL, {"key": session_key, "now": datetime.now(UTC),
                                        "window": _since(max(PRESENT_SECONDS, FOCUS_SECONDS))}).all()
    if not rows:
        return None
    first = rows[0]
    return Seat(first.seat_workspace, first.seat_journey, first.seat_seen, _room(rows))


def beat(session: Session, session_key: str) -> None:
    """A heartbeat of a session already seated (the poll route's: it knows only the key; the seat's
    name, role and account stay as the page wrote them). Call it in a write session."""
    session.execute(update(Presence).where(Presence.session_key == session_key).values(last_seen=utcnow()))


def focus(session: Session, workspace_id: int, journey_id: int) -> int | None:
    """The stage the room is focused on (None: the whole map); see :func:`room_state`."""
    return room_state(session, workspace_id, journey_id).focus


def timer(session: Session, workspace_id: int, journey_id: int) -> datetime | None:
    """When the room's countdown ends (None: no countdown); see :func:`room_state`."""
    return room_state(session, workspace_id, journey_id).timer_ends_at


def _steer(session: Session, workspace_id: int, journey_id: int, session_key: str | None, values: dict) -> None:
    """Store a facilitator's setting on their row (``session_key``) or on every facilitator present."""
    now = utcnow()
    query = update(Presence).where(Presence.workspace_id == workspace_id, Presence.journey_id == journey_id)
    if session_key is not None:
        query = query.where(Presence.session_key == session_key)
        values = {**values, "is_facilitator": True, "last_seen": now}
    else:
        query = query.where(col(Presence.is_facilitator).is_(True), col(Presence.last_seen) >= _since(PRESENT_SECONDS))
    if not session.execute(query.values(**values)).rowcount:  # type: ignore[attr-defined]
        raise DomainError(N_("Only a facilitator on this map can do this."))


def set_focus(
    session: Session, workspace_id: int, journey_id: int, stage_id: int | None, *, session_key: str | None = None
) -> None:
    """The facilitator points everyone at one stage (``None``: the whole map).

    With ``session_key`` (recommended) the focus is stored on that browser session's row, which
    becomes a facilitator's; without it on every facilitator present on the map. Refused when
    there is none (the facilitator's heartbeat comes first). Not logged, no revision move.
    Only a facilitator (or admin) of the workspace may steer the room.
    """
    core.require_role(session, workspace_id, "facilitator")
    if stage_id is not None:
        stage = journeys.get_stage(session, workspace_id, stage_id)
        if stage.journey_id != journey_id:
            raise DomainError(N_("Choose a stage of this journey."), field="stage_id")
    _steer(session, workspace_id, journey_id, session_key, {"focus_stage_id": stage_id, "focus_at": utcnow()})


def set_timer(
    session: Session, workspace_id: int, journey_id: int, minutes: float | None, *, session_key: str | None = None
) -> datetime | None:
    """Start a countdown of ``minutes`` for the room (``None`` stops it); returns when it ends.
    Stored like the focus (see :func:`set_focus`)."""
    core.require_role(session, workspace_id, "facilitator")
    if minutes is not None and not 0 < minutes <= 24 * 60:
        raise DomainError(N_("Must be between {low} and {high}."), field="minutes", low=1, high=24 * 60)
    now = utcnow()
    ends_at = None if minutes is None else now + timedelta(minutes=minutes)
    _steer(session, workspace_id, journey_id, session_key, {"timer_ends_at": ends_at, "timer_at": now})
    return ends_at
