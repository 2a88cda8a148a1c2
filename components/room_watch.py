"""The workshop room's watch: a small browser component asks a plain HTTP route how the room stands,
the route answers when the room changed (a long poll), and the component reruns the page's live
fragment only when the map moved.

Why not a fragment with ``run_every``: every Streamlit fragment run costs 3–4 ms of server CPU
before it does anything (a thread, the script's context, its messages), so a room of fifty idle
people polling every two seconds kept most of a core busy. The route (:func:`poll_room`, mounted
by ``serve.py``) checks the seat in one statement (:func:`services.workshop.seat_poll`), writes the
heartbeat every ``HEARTBEAT_SECONDS`` and, when the browser already has the room as it is, holds the
request until it changes (:mod:`components.room_hub`: one read of the room per half second for all
who wait) or ``WAIT_SECONDS`` pass. So an idle participant costs one request every ten seconds, and a
change reaches everyone within half a second instead of somewhere within a poll period. Who is here
and the countdown are drawn by the component itself (as text, never HTML): no rerun for them either.
A hidden tab does not hold a connection open (browsers allow six per server): it asks every
``POLL_SECONDS`` and gets its answer at once.

The route knows a browser session only by its random key (``workshop.session_key``), which the
page hands to its own component; every request checks in the database that the key's account may
still see the workspace (a request already waiting may still be answered, for at most ``WAIT_SECONDS``).
Served without the route (``streamlit run app.py``, or a proxy that does not pass ``/api/room``), the
component gets a 404 and simply asks for a rerun every poll, which is the old fragment poll.
"""

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from components.db import get_engine
from components.i18n import _
from components.room_hub import hub_of
from models.db import is_busy, read_session
from services import workshop
from services.unit_of_work import unit_of_work

ROUTE = "/api/room"  # under ``server.baseUrlPath`` when one is set (:func:`route_path`)
POLL_SECONDS = 2.0  # between polls where the route cannot wait (a hidden tab, no route, after an error)
WAIT_SECONDS = 10.0  # the longest the route holds a request: it checks the seat and beats at least this often
KEY = re.compile(r"[0-9a-f]{32}")  # what ``uuid4().hex`` gives a session (components.workshop.participant)
NO_STORE = {"Cache-Control": "no-store"}

JS = """
export default function ({ data, parentElement, setTriggerValue }) {
  // Called again with each run's data on the same element: one watch per element, fed the newest data.
  if (parentElement.jwWatch) {
    parentElement.jwWatch.renew(data);
    return parentElement.jwWatch.stop;
  }
  const box = document.createElement("div");
  box.className = "jw-room";
  box.append(document.createElement("span"), document.createElement("span"));
  parentElement.appendChild(box);
  const [who, clock] = box.children;
  let shown, have, room, skew, asked, ticking = null;
  const two = (n) => String(n).padStart(2, "0");
  const put = (element, text) => {  // an idle page touches nothing: no style or layout work in fifty browsers
    if (element.textContent !== text) element.textContent = text;
  };
  const tick = () => {
    if (room.ends === null) return put(clock, "");
    const left = Math.floor((room.ends - (Date.now() - skew)) / 1000);
    const up = left <= 0;
    clock.className = up ? "jw-room-timer jw-room-up" : "jw-room-timer";
    clock.setAttribute("role", up ? "status" : "timer");
    put(clock, up ? "⏰ " + shown.labels.up : "⏱ " + shown.labels.left + " " + two(Math.floor(left / 60)) + ":" + two(left % 60));
  };
  const draw = (state) => {
    room = state;
    skew = Date.now() - state.now;
    put(who, "👥 " + room.people.map(([name, lead]) => (lead ? "⭐ " : "") + name).join(", "));
    tick();
    if (room.ends !== null && ticking === null) ticking = setInterval(tick, 1000);  // a second hand only while it runs
    if (room.ends === null && ticking !== null) ticking = clearInterval(ticking) ?? null;
  };
  // A rerun is asked for once; if none came (a lost message), again when a later answer still differs.
  const ask = (why, gap) => {
    if (Date.now() - asked >= gap) {
      asked = Date.now();
      setTriggerValue("moved", why);
    }
  };
  const aborter = new AbortController();
  let next = null;
  const later = (ms) => { if (!aborter.signal.aborted) next = setTimeout(poll, ms); };
  const poll = async () => {
    next = null;  // in flight: nothing scheduled
    // A visible tab waits at the route until the room changes; a hidden one asks and gets its answer at once.
    const wait = document.hidden ? "0" : "1";
    const sent = have, began = Date.now();
    let answer, state;
    try {
      answer = await fetch(shown.url + "?v=" + encodeURIComponent(sent) + "&wait=" + wait, {
        headers: {"X-Room-Key": shown.key}, cache: "no-store", credentials: "same-origin", signal: aborter.signal});
      if (answer.ok) state = await answer.json();
    } catch (error) {
      return later(shown.every);  // the server is away (Streamlit says so), or the page left: try again later
    }
    if (answer.status === 404) {  // no route here: poll like a fragment
      ask("poll", 0);
      return later(shown.every);
    }
    if (answer.status === 403) {  // no seat (yet): the page takes one
      ask("seat", 5 * shown.every);
      return later(shown.every);
    }
    if (!state) return later(shown.every);  // busy: again in a moment
    have = state.v;
    draw(state);
    if (state.revision !== shown.room.revision || state.focus !== shown.room.focus) ask("map", 3 * shown.every);
    // Asked again at once after a wait; never in a tight loop (an answer at once that brought nothing new).
    const idle = state.v === sent && Date.now() - began < 250;
    later(wait === "1" && !idle ? 0 : shown.every);
  };
  const wake = () => {  // a tab shown again asks at once instead of at a hidden tab's next poll
    if (!document.hidden && next !== null) {
      clearTimeout(next);
      poll();
    }
  };
  const renew = (fresh) => {
    shown = fresh;
    have = fresh.room.v;
    asked = 0;
    draw(fresh.room);
  };
  renew(data);
  poll();
  document.addEventListener("visibilitychange", wake);
  const stop = () => {
    aborter.abort();  // the request waiting at the route goes with the page
    clearTimeout(next);
    clearInterval(ticking);
    document.removeEventListener("visibilitychange", wake);
    box.remove();
    delete parentElement.jwWatch;
  };
  parentElement.jwWatch = {renew, stop};
  return stop;
}
"""
CSS = """
.jw-room {display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: .5rem 1.5rem;}
.jw-room-timer {font-size: 1.75rem; font-weight: 600; font-variant-numeric: tabular-nums;}
.jw-room-up {color: #b3261e;}
"""
_watch = st.components.v2.component("journey_workbench.room_watch", js=JS, css=CSS)


def _epoch_ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def _shown(room: workshop.RoomState) -> dict:
    """What the browser draws and compares of the room."""
    return {"revision": room.revision, "focus": room.focus, "people": [list(person) for person in room.people],
            "ends": _epoch_ms(room.timer_ends_at)}


def _name(shown: dict) -> str:
    return hashlib.blake2s(json.dumps(shown, ensure_ascii=False, sort_keys=True).encode(), digest_size=8).hexdigest()


def room_version(room: workshop.RoomState) -> str:
    """A short name of what the room shows (revision, focus, who is here, the countdown): equal names, equal
    screens. The same on every server (the browser may ask any of them), so a hash of the values, not ``hash()``."""
    return _name(_shown(room))


def room_json(room: workshop.RoomState) -> dict:
    """What the component draws and compares: the same shape from the page and from the route."""
    shown = _shown(room)
    return {**shown, "v": _name(shown), "now": _epoch_ms(datetime.now(UTC))}


def room_watch(session_key: str, room: workshop.RoomState) -> str | None:
    """Draw who is here and the countdown, and watch the room from the browser. Returns why the
    browser asked for this run (``"map"``: the map or the focus moved; ``"seat"``: the route found no
    seat for this session; ``"poll"``: no route), or None when something else ran the fragment."""
    data = {"url": route_path(), "key": session_key, "every": int(POLL_SECONDS * 1000), "room": room_json(room),
            "labels": {"left": _("Time left"), "up": _("Time is up!")}}
    return _watch(key="workshop.watch", data=data, on_moved_change=_nothing).moved


def _nothing() -> None:
    """Trigger values need a callback to be delivered; the fragment's run reads the value itself."""


async def poll_room(request: Request) -> JSONResponse:
    """``GET /api/room?v=<version>`` with the session's key in ``X-Room-Key``: the room as :func:`room_json`
    once it differs from ``v`` (what the browser has), or after ``WAIT_SECONDS`` anyway; at once without
    ``v`` or with ``wait=0``. 403 without a seat (unknown key, or an account that may no longer see the
    workspace), 503 while the database is busy. The seat is checked, and the heartbeat written when older
    than ``HEARTBEAT_SECONDS``, as the request comes in (in the thread pool); the wait holds no thread
    (:class:`components.room_hub.RoomHub`)."""
    key = request.headers.get("x-room-key", "")
    if not KEY.fullmatch(key):
        return JSONResponse({"seat": False}, status_code=403, headers=NO_STORE)
    try:
        seat = await run_in_threadpool(_seat, get_engine(), key)
    except DBAPIError as error:
        if is_busy(error):
            return JSONResponse({"busy": True}, status_code=503, headers=NO_STORE)
        raise
    if seat is None:
        return JSONResponse({"seat": False}, status_code=403, headers=NO_STORE)
    room, have = seat.room, request.query_params.get("v")
    if have == room_version(room) and request.query_params.get("wait") != "0":
        hub = hub_of(request.app.state, lambda: get_engine(), room_version)
        room = await hub.changed((seat.workspace_id, seat.journey_id), have, WAIT_SECONDS) or room
    return JSONResponse(room_json(room), headers=NO_STORE)


def _seat(engine: Engine, key: str) -> workshop.Seat | None:
    """The session's seat (None: none, or no longer admitted), its heartbeat written when due."""
    with read_session(engine) as session:
        seat = workshop.seat_poll(session, key)
    if seat is not None and datetime.now(UTC) - seat.last_seen > timedelta(seconds=workshop.HEARTBEAT_SECONDS):
        with unit_of_work(engine) as session:
            workshop.beat(session, key)
    return seat


def route_path() -> str:
    """:data:`ROUTE` under ``server.baseUrlPath``, where a proxy sends the app's own requests (Streamlit mounts
    its routes there, but an app's at the root: the path is built from the same option here and in ``serve.py``)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}{ROUTE}" if base else ROUTE


def routes() -> list[Route]:
    """What ``serve.py`` mounts: the room's route."""
    return [Route(route_path(), poll_room, methods=["GET"])]
