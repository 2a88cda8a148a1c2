"""The workshop room's watch: a small browser component asks a plain HTTP route every
``POLL_SECONDS`` how the room stands, and reruns the page's live fragment only when the map moved.

Why not a fragment with ``run_every``: every Streamlit fragment run costs 3–4 ms of server CPU
before it does anything (a thread, the script's context, its messages), so a room of fifty idle
people polling every two seconds kept most of a core busy. The route (:func:`poll_room`, mounted
by ``serve.py``) answers in one statement (:func:`services.workshop.seat_poll`) and writes the
heartbeat every ``HEARTBEAT_SECONDS``; who is here and the countdown are drawn by the component
itself (as text, never HTML), so neither needs a rerun either.

The route knows a browser session only by its random key (``workshop.session_key``), which the
page hands to its own component; every poll checks in the database that the key's account may
still see the workspace. Served without the route (``streamlit run app.py``, or a proxy that does
not pass ``/api/room``), the component gets a 404 and simply asks for a rerun every poll, which is
the old fragment poll.
"""

import re
from datetime import UTC, datetime, timedelta

import streamlit as st
from sqlalchemy.exc import DBAPIError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from components.db import get_engine
from components.i18n import _
from models.db import is_busy, read_session
from services import workshop
from services.unit_of_work import unit_of_work

ROUTE = "/api/room"
POLL_SECONDS = 2.0
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
  let shown, room, skew, asked, ticking = null;
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
  // A rerun is asked for once; if none came (a lost message), again after a few polls.
  const ask = (why, gap) => {
    if (Date.now() - asked >= gap) {
      asked = Date.now();
      setTriggerValue("moved", why);
    }
  };
  const poll = async () => {
    let answer;
    try {
      answer = await fetch(shown.url, {headers: {"X-Room-Key": shown.key}, cache: "no-store", credentials: "same-origin"});
    } catch (error) {
      return;  // the server is away (Streamlit says so); try again at the next poll
    }
    if (answer.status === 404) return ask("poll", 0);  // no route here: poll like a fragment
    if (answer.status === 403) return ask("seat", 5 * shown.every);  // no seat (yet): the page takes one
    if (!answer.ok) return;  // busy: the next poll
    const state = await answer.json();
    draw(state);
    if (state.revision !== shown.room.revision || state.focus !== shown.room.focus) ask("map", 3 * shown.every);
  };
  const renew = (fresh) => {
    shown = fresh;
    asked = 0;
    draw(fresh.room);
  };
  renew(data);
  const polling = setInterval(poll, data.every);
  const stop = () => {
    clearInterval(polling);
    clearInterval(ticking);
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


def room_json(room: workshop.RoomState) -> dict:
    """What the component draws and compares: the same shape from the page and from the route."""
    return {"revision": room.revision, "focus": room.focus, "people": [list(person) for person in room.people],
            "ends": _epoch_ms(room.timer_ends_at), "now": _epoch_ms(datetime.now(UTC))}


def room_watch(session_key: str, room: workshop.RoomState) -> str | None:
    """Draw who is here and the countdown, and watch the room from the browser. Returns why the
    browser asked for this run (``"map"``: the map or the focus moved; ``"seat"``: the route found no
    seat for this session; ``"poll"``: no route), or None when something else ran the fragment."""
    data = {"url": ROUTE, "key": session_key, "every": int(POLL_SECONDS * 1000), "room": room_json(room),
            "labels": {"left": _("Time left"), "up": _("Time is up!")}}
    return _watch(key="workshop.watch", data=data, on_moved_change=_nothing).moved


def _nothing() -> None:
    """Trigger values need a callback to be delivered; the fragment's run reads the value itself."""


def poll_room(request: Request) -> JSONResponse:
    """``GET /api/room`` with the session's key in ``X-Room-Key``: the room as :func:`room_json`, 403
    without a seat (unknown key, or an account that may no longer see the workspace), 503 while the
    database is busy. Writes the heartbeat when the last one is older than ``HEARTBEAT_SECONDS``.
    Starlette runs this (a plain function) in its thread pool."""
    key = request.headers.get("x-room-key", "")
    if not KEY.fullmatch(key):
        return JSONResponse({"seat": False}, status_code=403, headers=NO_STORE)
    engine = get_engine()
    try:
        with read_session(engine) as session:
            seat = workshop.seat_poll(session, key)
        if seat is None:
            return JSONResponse({"seat": False}, status_code=403, headers=NO_STORE)
        if datetime.now(UTC) - seat.last_seen > timedelta(seconds=workshop.HEARTBEAT_SECONDS):
            with unit_of_work(engine) as session:
                workshop.beat(session, key)
    except DBAPIError as error:
        if is_busy(error):
            return JSONResponse({"busy": True}, status_code=503, headers=NO_STORE)
        raise
    return JSONResponse(room_json(seat.room), headers=NO_STORE)


ROUTES = [Route(ROUTE, poll_room, methods=["GET"])]
