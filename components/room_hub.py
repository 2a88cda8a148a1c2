"""Waiting for a room to change, on one server: one reader per room, however many people wait.

The room's route (:func:`components.room_watch.poll_room`) holds a browser's request open until the room
differs from what that browser has (or :data:`components.room_watch.WAIT_SECONDS` pass). While anyone
on this server waits for a room, one task reads it every :data:`TICK_SECONDS` (one statement,
:func:`services.workshop.room_state`) and wakes the waiters when it changed; a room nobody waits for is
not read. So a room of fifty costs two reads a second plus one request per person every few seconds,
and a change reaches every waiting browser within a tick, all at once, instead of somewhere within a
poll period. Several servers each read for their own waiters (the database is the only shared state).

Everything here runs on the server's event loop; the reads run in Starlette's thread pool. One hub per
application (``request.app.state``), so a test's app and its loop have their own.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from models.db import is_busy, read_session
from services import workshop

TICK_SECONDS = 0.5  # how often a room someone waits for is read: the delay until a change is noticed

RoomId = tuple[int, int]  # (workspace, journey)


@dataclass
class _Watch:
    """One room as this server last read it, and who waits for it to change."""

    version: str | None = None  # None: not read yet
    state: workshop.RoomState | None = None
    read_started: float = 0.0  # monotonic time the last read began
    waiters: int = 0
    gone: bool = False  # its reader stopped (nobody waited, or the read failed): waiters stop waiting
    moved: asyncio.Event = field(default_factory=asyncio.Event)  # set (and replaced) on every change
    reader: asyncio.Task | None = None


class RoomHub:
    """The rooms this server's waiting requests watch. ``engine`` is asked for at each read (tests swap it);
    ``version`` names a room's state (equal names, equal screens)."""

    def __init__(self, engine: Callable[[], Engine], version: Callable[[workshop.RoomState], str],
                 tick: float = TICK_SECONDS) -> None:
        self._engine, self._version, self._tick = engine, version, tick
        self._rooms: dict[RoomId, _Watch] = {}

    async def changed(self, room: RoomId, have: str, timeout: float) -> workshop.RoomState | None:
        """The room once a read begun after this call finds it different from ``have``; None when
        ``timeout`` seconds pass first (the caller answers with what it has)."""
        watch = self._rooms.get(room)
        if watch is None:
            watch = self._rooms[room] = _Watch()
            watch.reader = asyncio.create_task(self._follow(room, watch))  # kept: the loop holds tasks only weakly
        watch.waiters += 1
        started, at_start = time.monotonic(), watch.version
        try:
            async with asyncio.timeout(timeout):
                # The hub's state as the request came in may be older than what the request's own read (its seat)
                # found: it counts only once a read begun since has confirmed it, or once it moved since.
                while not watch.gone and (watch.version in (None, have)
                                          or (watch.version == at_start and watch.read_started < started)):
                    await watch.moved.wait()
            return None if watch.gone else watch.state
        except TimeoutError:
            return None
        finally:
            watch.waiters -= 1

    async def _follow(self, room: RoomId, watch: _Watch) -> None:
        """Read the room every tick while anyone waits for it; wake them all when it changed."""
        try:
            while True:
                watch.read_started = time.monotonic()
                state = await run_in_threadpool(self._read, room)
                version = None if state is None else self._version(state)
                if state is not None and version != watch.version:
                    watch.version, watch.state = version, state
                    moved, watch.moved = watch.moved, asyncio.Event()
                    moved.set()
                await asyncio.sleep(self._tick)
                if watch.waiters == 0:  # checked and forgotten in one step of the loop: a new waiter starts a new watch
                    return
        finally:
            if self._rooms.get(room) is watch:
                del self._rooms[room]
            watch.gone = True
            watch.moved.set()  # whoever still waits answers with what its own request read

    def _read(self, room: RoomId) -> workshop.RoomState | None:
        try:
            with read_session(self._engine()) as session:
                return workshop.room_state(session, *room)
        except DBAPIError as error:
            if is_busy(error):
                return None  # the next tick
            raise


def hub_of(state: object, engine: Callable[[], Engine], version: Callable[[workshop.RoomState], str]) -> RoomHub:
    """The application's hub (``request.app.state``), made at its first use."""
    hub = getattr(state, "room_hub", None)
    if hub is None:
        hub = RoomHub(engine, version, TICK_SECONDS)
        state.room_hub = hub  # type: ignore[attr-defined]
    return hub
