"""The room's poll route: a browser session's key finds its room in one statement, and only while its
account may still see the workspace; the route answers JSON, writes the heartbeat every 20 s, and holds a
request whose browser has the room as it is until it changes (one reader per room, :mod:`components.room_hub`)."""

import asyncio
import concurrent.futures
import contextlib
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from starlette.applications import Starlette

import components.room_hub as room_hub
import components.room_watch as room_watch
from models import Account, GuestLink, Membership, Presence
from models.db import read_session
from services import accounts, journeys
from services.unit_of_work import unit_of_work
from services.workshop import presence
from services.workspaces import crud as workspaces

KEYS = {name: f"{index:032x}" for index, name in enumerate(("anna", "ben", "root", "gina", "olga", "paul", "script"), 1)}


@pytest.fixture
def room(engine):
    """A map with Anna (facilitator), Ben (editor), a site administrator without membership, a guest of the
    map, Olga (member of nothing) and Paul (participant of another journey)."""
    with unit_of_work(engine) as s:
        ws = workspaces.create_workspace(s, "Room", with_channels=False).id
        journey = journeys.create_journey(s, ws, {"name": "J"}).id
        other = journeys.create_journey(s, ws, {"name": "K"}).id
        people = {name: accounts.create_account(s, f"{name}@example.com", name.title(), "correct horse battery")
                  for name in ("anna", "ben", "root", "olga", "paul")}
        s.exec(update(Account).where(Account.id == people["root"].id).values(is_site_admin=True))
        for name, role, only in (("anna", "facilitator", None), ("ben", "editor", None), ("paul", "participant", other)):
            s.add(Membership(workspace_id=ws, account_id=people[name].id, role=role, journey_id=only))
        _link, token = accounts.create_guest_link(s, ws, journey, hours=2)
    with unit_of_work(engine) as s:
        people["gina"] = accounts.join(s, token, "Gina")
    ids = {name: account.id for name, account in people.items()}
    for name in ids:
        take_seat(engine, ws, journey, name, ids[name])
    take_seat(engine, ws, journey, "script", None)  # a script's presence: no account
    return ws, journey, ids


def take_seat(engine, ws, journey, name, account_id):
    """The page's heartbeat, by the signed-in account (or the system)."""
    with unit_of_work(engine) as s:
        actor = accounts.actor_for(s, s.get(Account, account_id)) if account_id else "system"
    with unit_of_work(engine, actor) as s:
        presence.heartbeat(s, ws, journey, KEYS[name], name.title(), is_facilitator=name == "anna")


def poll(engine, key):
    with read_session(engine) as s:
        return presence.seat_poll(s, key)


def test_a_seat_finds_its_room_in_one_statement(engine, room, count_queries):
    ws, journey, ids = room
    with read_session(engine) as s, count_queries() as statements:
        seat = presence.seat_poll(s, KEYS["ben"])
    assert len([q for q in statements if q.split()[0] == "SELECT"]) == 1
    with read_session(engine) as s:
        assert seat == presence.Seat(ws, journey, seat.last_seen, presence.room_state(s, ws, journey))
        assert s.exec(select(Presence.account_id).where(Presence.session_key == KEYS["ben"])).one() == ids["ben"]
    assert datetime.now(UTC) - seat.last_seen < timedelta(seconds=30)
    assert [name for name, _lead in seat.room.people] == ["Anna", "Ben", "Gina", "Olga", "Paul", "Root", "Script"]


def test_only_an_admitted_account_has_a_seat(engine, room):
    ws, journey, ids = room
    assert poll(engine, KEYS["anna"]) and poll(engine, KEYS["gina"])  # a member; a guest of this map
    assert poll(engine, KEYS["root"])  # a site administrator administers every workspace
    assert poll(engine, "f" * 32) is None  # a key nobody has
    assert poll(engine, KEYS["olga"]) is None  # no member of the workspace
    assert poll(engine, KEYS["paul"]) is None  # a participant of another journey
    assert poll(engine, KEYS["script"]) is None  # no account behind it
    with unit_of_work(engine) as s:
        s.exec(update(Account).where(Account.id == ids["anna"]).values(is_active=False))
        s.exec(update(GuestLink).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
        s.exec(Membership.__table__.delete().where(Membership.__table__.c.account_id == ids["ben"]))
    assert poll(engine, KEYS["anna"]) is None  # deactivated
    assert poll(engine, KEYS["gina"]) is None  # the link expired
    assert poll(engine, KEYS["ben"]) is None  # membership removed


def test_a_beat_refreshes_the_seat_and_nothing_else(engine, room):
    ws, journey, _ids = room
    with unit_of_work(engine) as s:
        s.exec(update(Presence).values(last_seen=datetime.now(UTC) - timedelta(seconds=presence.PRESENT_SECONDS + 5)))
    with read_session(engine) as s:
        revision = workspaces.revision(s, ws)
    assert poll(engine, KEYS["ben"]).room.people == ()  # everyone faded
    with unit_of_work(engine) as s:
        presence.beat(s, KEYS["ben"])
    seat = poll(engine, KEYS["ben"])
    assert seat.room.people == (("Ben", False),) and seat.room.revision == revision


async def ask(app: Starlette, key: str | None, query: str = "") -> tuple[int, dict, dict]:
    """One ``GET /api/room`` through the ASGI app, as the browser's component sends it: status, headers, JSON."""
    headers = [] if key is None else [(b"x-room-key", key.encode())]
    scope = {"type": "http", "method": "GET", "path": room_watch.ROUTE, "headers": headers, "query_string": query.encode(),
             "scheme": "http", "server": ("test", 80), "root_path": "", "http_version": "1.1"}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, json.loads(body)


def run_async(coroutine):  # type: ignore[no-untyped-def]
    """``asyncio.run`` on a thread of its own: in the whole suite the browser tests' Playwright keeps an event
    loop running on the main thread, where ``asyncio.run`` refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def get(key: str | None, query: str = "") -> tuple[int, dict, dict]:
    return run_async(ask(Starlette(routes=room_watch.routes()), key, query))


def test_the_route_answers_the_room_and_beats_every_twenty_seconds(engine, room, monkeypatch):
    ws, journey, _ids = room
    monkeypatch.setattr(room_watch, "get_engine", lambda: engine)
    with unit_of_work(engine) as s:
        ends = presence.set_timer(s, ws, journey, 5, session_key=KEYS["anna"])
    status, headers, body = get(KEYS["gina"])
    assert status == 200 and headers["cache-control"] == "no-store"
    with read_session(engine) as s:
        assert body["revision"] == workspaces.revision(s, ws) and body["focus"] is None
    assert body["people"][0] == ["Anna", True] and ["Gina", False] in body["people"]
    assert body["ends"] == int(ends.timestamp() * 1000)
    assert abs(body["now"] - datetime.now(UTC).timestamp() * 1000) < 5000

    def seen(key: str) -> datetime:
        with read_session(engine) as s:
            return s.exec(select(Presence.last_seen).where(Presence.session_key == key)).one()

    before = seen(KEYS["gina"])
    get(KEYS["gina"])
    assert seen(KEYS["gina"]) == before  # beaten less than 20 s ago: nothing written
    with unit_of_work(engine) as s:
        s.exec(update(Presence).where(Presence.session_key == KEYS["gina"])
               .values(last_seen=datetime.now(UTC) - timedelta(seconds=presence.HEARTBEAT_SECONDS + 1)))
    get(KEYS["gina"])
    assert datetime.now(UTC) - seen(KEYS["gina"]) < timedelta(seconds=5)


@pytest.mark.parametrize("key", [None, "", "not-a-key", "0" * 31, "A" * 32, "0" * 64])
def test_the_route_refuses_what_is_no_session_key(engine, room, monkeypatch, key):
    monkeypatch.setattr(room_watch, "get_engine", lambda: engine)
    assert get(key)[0] == 403


def test_the_route_refuses_a_key_without_admission_and_says_busy_without_a_traceback(engine, room, monkeypatch):
    monkeypatch.setattr(room_watch, "get_engine", lambda: engine)
    assert get(KEYS["olga"])[0] == 403

    def locked(*_args, **_kwargs):
        raise OperationalError("UPDATE presence", {}, Exception("database is locked"))

    monkeypatch.setattr(room_watch.workshop, "beat", locked)
    with unit_of_work(engine) as s:
        s.exec(update(Presence).values(last_seen=datetime.now(UTC) - timedelta(seconds=presence.HEARTBEAT_SECONDS + 1)))
    assert get(KEYS["ben"])[0] == 503


def test_a_browser_with_the_room_as_it_is_waits_until_it_changes(engine, room, monkeypatch):
    """One request per person holds until the room moves (the focus here), then everyone waiting gets it at once;
    nothing moving, the answer comes after WAIT_SECONDS; ``wait=0`` (a hidden tab) and an old version at once."""
    ws, journey, _ids = room
    monkeypatch.setattr(room_watch, "get_engine", lambda: engine)
    monkeypatch.setattr(room_watch, "WAIT_SECONDS", 5.0)
    monkeypatch.setattr(room_hub, "TICK_SECONDS", 0.05)
    _status, _headers, now = get(KEYS["ben"])
    with unit_of_work(engine) as s:
        stage = journeys.create_stage(s, ws, journey, {"name": "Kauf"}).id

    async def room_moves() -> tuple[list, float]:
        app = Starlette(routes=room_watch.routes())
        _status, _headers, current = await ask(app, KEYS["ben"])
        assert current["v"] != now["v"]  # the new stage moved the revision
        waiting = [asyncio.create_task(ask(app, KEYS[name], f"v={current['v']}")) for name in ("anna", "ben", "gina")]
        await asyncio.sleep(0.5)
        assert not any(task.done() for task in waiting)  # nothing changed: they wait

        def focus() -> None:
            with unit_of_work(engine) as s:
                presence.set_focus(s, ws, journey, stage, session_key=KEYS["anna"])

        started = time.monotonic()
        await asyncio.to_thread(focus)
        answers = await asyncio.gather(*waiting)
        return answers, time.monotonic() - started

    answers, took = run_async(room_moves())
    assert took < 2.0, took  # within a few reads of the room, not at the end of the wait
    assert [body["focus"] for _status, _headers, body in answers] == [stage] * 3
    assert len({body["v"] for _status, _headers, body in answers}) == 1

    _status, _headers, current = get(KEYS["ben"])
    started = time.monotonic()
    assert get(KEYS["ben"], f"v={current['v']}&wait=0")[2]["v"] == current["v"]  # a hidden tab: at once
    assert get(KEYS["ben"], f"v={now['v']}")[2]["v"] == current["v"]  # an old version: at once
    assert time.monotonic() - started < 2.0
    monkeypatch.setattr(room_watch, "WAIT_SECONDS", 0.3)
    started = time.monotonic()
    assert get(KEYS["ben"], f"v={current['v']}")[2]["v"] == current["v"]  # nothing moved: after the wait
    assert 0.3 <= time.monotonic() - started < 2.0


def test_a_waiting_request_is_checked_again_when_it_comes_back(engine, room, monkeypatch):
    """The seat is checked as each request comes in: an account removed while its browser waited gets 403 next time."""
    _ws, _journey, ids = room
    monkeypatch.setattr(room_watch, "get_engine", lambda: engine)
    monkeypatch.setattr(room_watch, "WAIT_SECONDS", 0.2)
    monkeypatch.setattr(room_hub, "TICK_SECONDS", 0.05)
    _status, _headers, current = get(KEYS["ben"])
    assert get(KEYS["ben"], f"v={current['v']}")[0] == 200
    with unit_of_work(engine) as s:
        s.exec(Membership.__table__.delete().where(Membership.__table__.c.account_id == ids["ben"]))
    assert get(KEYS["ben"], f"v={current['v']}")[0] == 403



def test_the_hub_reads_a_room_once_per_tick_for_all_who_wait_and_forgets_it_after(engine, room, monkeypatch):
    ws, journey, _ids = room
    reads: list[float] = []
    real = room_hub.workshop.room_state

    def counted(session, *where):  # type: ignore[no-untyped-def]
        reads.append(time.monotonic())
        return real(session, *where)

    monkeypatch.setattr(room_hub.workshop, "room_state", counted)

    async def fifty_wait() -> room_hub.RoomHub:
        hub = room_hub.RoomHub(lambda: engine, room_watch.room_version, tick=0.1)
        with read_session(engine) as s:
            have = room_watch.room_version(presence.room_state(s, ws, journey))
        answers = await asyncio.gather(*(hub.changed((ws, journey), have, 0.55) for _ in range(50)))
        assert answers == [None] * 50  # nothing moved: each times out
        await asyncio.sleep(0.3)
        return hub

    hub = run_async(fifty_wait())
    assert 4 <= len(reads) <= 8, len(reads)  # about one read per tick, not one per waiter
    assert hub._rooms == {}  # nobody waits: nobody reads


def test_a_change_read_by_a_read_already_under_way_reaches_a_request_that_came_in_meanwhile(monkeypatch):
    """A read that began before a request arrived but found the room changed after it: the request gets it at once
    (it must not wait for a later read, which would find nothing new)."""
    room_now = ["A"]

    def slow_read(_session, *_room):  # type: ignore[no-untyped-def]
        time.sleep(0.2)  # the read is under way …
        return room_now[0]  # … and sees the room as it is when it ends

    monkeypatch.setattr(room_hub.workshop, "room_state", slow_read)
    monkeypatch.setattr(room_hub, "read_session", lambda _engine: contextlib.nullcontext())

    async def race() -> tuple[object, float]:
        hub = room_hub.RoomHub(lambda: None, lambda state: state, tick=0.05)  # type: ignore[arg-type,return-value]
        first = asyncio.create_task(hub.changed((1, 1), "A", 3.0))  # starts the reader: read 1 at 0.0–0.2 s
        await asyncio.sleep(0.3)  # read 2 began at 0.25 s
        second = asyncio.create_task(hub.changed((1, 1), "A", 3.0))
        await asyncio.sleep(0.05)
        room_now[0] = "Z"  # the room changes while read 2 is under way
        started = time.monotonic()
        answer = await second
        await first
        return answer, time.monotonic() - started

    answer, took = run_async(race())
    assert answer == "Z" and took < 1.0, (answer, took)


def test_the_route_lives_under_the_base_url_path_like_streamlit_s_own(monkeypatch):
    options = {"server.baseUrlPath": "/workbench/"}
    monkeypatch.setattr(room_watch.st, "get_option", lambda name: options[name])
    assert room_watch.route_path() == "/workbench/api/room"
    assert [route.path for route in room_watch.routes()] == ["/workbench/api/room"]
    options["server.baseUrlPath"] = ""
    assert room_watch.route_path() == room_watch.ROUTE == "/api/room"
