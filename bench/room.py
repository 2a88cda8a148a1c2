"""A room on one server (``python -m bench.room``; ``make bench-room``): what N participants with the
Workshop page open cost the server, and how fast a change reaches all of them.

The same set-up as a real workshop on one machine: ``streamlit run serve.py`` (the demo, SQLite unless
``--engine postgresql``), a facilitator and N participants, each in its own context of one headless
Chromium (Debian's, never ``playwright install``), signed in through the app's cookie; with ``--browsers B``
only B of them in Chromium and the others light (:class:`Light`: the same websocket messages and route
polls, nothing drawn), so that a room of 50 or 100 measures the server, not 50 browsers drawing on the
same two cores. Measured per N:

- **idle CPU**: the server process's user+system time from ``/proc/<pid>/stat`` over ``--idle``
  seconds while everyone only watches, as % of one core (with ``--servers 2``: each server, summed);
- **memory**: the server's resident set (``VmRSS``) after the idle phase, and its peak (``VmHWM``);
- **propagation**: the facilitator's changes, written through the services as the app writes them,
  and the time until each participant's page shows them (checked in every page every
  ``POLL_MS`` ms, so a figure can be up to that much late): a card captured on the map, a focus
  change (the map shrinks to one stage and back), a voting round opened;
- **sent**: the server's part, until the first websocket frame carrying the change reached each
  participant (light ones included);
- **missed**: changes a participant had not seen (a light one: not received) after ``--timeout``
  seconds, and participants that fell back to the sign-in form.

Prints one table row per N; writes ``bench/results-room.json`` (ignored by git).
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from playwright.async_api import Browser, BrowserContext, Page, Response, WebSocket, async_playwright
from sqlmodel import select
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import ClientConnection, connect

from bench import say
from bench.run import bench_database
from components.auth import COOKIE
from components.room_watch import POLL_SECONDS, ROUTE, WAIT_SECONDS
from models import Journey, Membership, Stage, Step, Workspace
from models.db import create_db_engine, upgrade_to_head
from services import accounts, journeys, startup, workshop
from services.unit_of_work import unit_of_work
from tests.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
POLL_MS = 100
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
FACILITATOR_KEY = "bench-room-facilitator"
MAIN = '[data-testid="stMain"]'


@dataclass
class Room:
    """The demo journey the room works on, and who is in it."""

    workspace_id: int
    journey_id: int
    first_stage: int
    last_stage: int
    marker: str  # a step title of the first stage only: gone from the grid while the last stage is focused
    facilitator: str  # sign-in token
    participants: list[str] = field(default_factory=list)  # sign-in tokens


@dataclass
class Figures:
    participants: int
    joined: int
    browsers: int  # of them in Chromium; the others light (:class:`Light`)
    idle_cpu_percent: float
    baseline_cpu_percent: float  # the same server with nobody connected
    poll_cpu_ms: float  # server CPU per participant's poll beyond the baseline (heartbeats included)
    poll_bytes: float  # bytes the server sent a participant per poll while nothing changed
    polls_per_minute: float  # requests to the room's route per participant and minute while nothing changed
    rss_mb: float
    peak_rss_mb: float
    capture: list[float] = field(default_factory=list)
    focus: list[float] = field(default_factory=list)
    vote_round: list[float] = field(default_factory=list)
    # the same changes, until the server had sent them to each browser (the first websocket frame carrying them)
    capture_sent: list[float] = field(default_factory=list)
    focus_sent: list[float] = field(default_factory=list)
    vote_round_sent: list[float] = field(default_factory=list)
    missed: int = 0
    busy_cpu_percent: float = 0.0  # the server's CPU while the changes reached everyone
    dropped: int = 0


def prepare(url: str, participants: int) -> Room:
    """Migrate, load the demo, make a facilitator and ``participants`` accounts, each signed in once."""
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    startup.ensure_demo_workspace(engine)
    with unit_of_work(engine) as session:
        workspace_id = session.exec(select(Workspace.id).order_by(Workspace.id)).first()
        journey_id = session.exec(select(Journey.id).where(Journey.workspace_id == workspace_id).order_by(Journey.id)).first()
        stages = session.exec(select(Stage.id).where(Stage.journey_id == journey_id).order_by(Stage.position)).all()
        first_titles = set(session.exec(select(Step.title).where(Step.stage_id == stages[0])).all())
        other_titles = set(session.exec(select(Step.title).where(Step.journey_id == journey_id, Step.stage_id != stages[0])).all())
        marker = sorted(first_titles - other_titles, key=len, reverse=True)[0]
        tokens = []
        for number in range(participants + 1):
            role = "facilitator" if number == 0 else "editor"  # the room's marketers; guests cost the same per poll
            person = accounts.create_account(session, f"room{number}@example.com", f"P{number:02d}" if number else "Lead",
                                             "correct horse battery")
            session.add(Membership(workspace_id=workspace_id, account_id=person.id, role=role))
            session.flush()
            tokens.append(accounts.start_sign_in(session, person.id))  # type: ignore[arg-type]
    engine.dispose()
    return Room(workspace_id=workspace_id, journey_id=journey_id, first_stage=stages[0],  # type: ignore[arg-type]
                last_stage=stages[-1], marker=marker, facilitator=tokens[0], participants=tokens[1:])


@contextmanager
def server(database_url: str, log: Path, cores: set[int] | None = None) -> Iterator[tuple[str, int]]:
    """``streamlit run serve.py`` as ``make run`` starts it (on ``cores`` only, if given); yields its URL and
    process id once healthy."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url}, stdout=out, stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cores)) if cores else None)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError(f"streamlit did not start (see {log})") from None
                    time.sleep(0.3)
            yield url, process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mb(pid: int) -> tuple[float, float]:
    """Resident set now and its peak, in MB."""
    values = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(values["VmRSS"].split()[0]) / 1024, int(values["VmHWM"].split()[0]) / 1024


RECEIVED: dict["Page | Light", int] = {}  # bytes each page received over its websocket (Streamlit's messages) and from the room's route
# per page: the bytes a change's message carries, and when the first frame holding them arrived (the server's part
# of the propagation, apart from the browser's drawing, which 50 pages on one small machine slow down)
AWAITED: dict["Page | Light", tuple[bytes, float | None]] = {}
ASKED: dict["Page | Light", int] = {}  # requests each page sent to the room's route


def _count_received(page: Page) -> None:
    RECEIVED[page] = ASKED[page] = 0

    def on_socket(socket: WebSocket) -> None:
        def on_frame(payload: str | bytes) -> None:
            RECEIVED[page] += len(payload)
            needle, arrived = AWAITED.get(page, (b"", 0.0))
            if needle and arrived is None:
                data = payload.encode() if isinstance(payload, str) else payload
                if needle in data:
                    AWAITED[page] = (needle, time.monotonic())

        socket.on("framereceived", on_frame)

    def on_answer(response: Response) -> None:
        if urllib.parse.urlsplit(response.url).path == ROUTE:
            RECEIVED[page] += int(response.headers.get("content-length", 0))
            ASKED[page] += 1

    page.on("websocket", on_socket)
    page.on("response", on_answer)


class Light:
    """A participant without a browser: the messages a Workshop page exchanges with the server — Streamlit's
    websocket protocol (the page's first run, the fragment run the room's component asks for when the map moved)
    and the room's route, asked again as soon as it answers (it waits until the room changes) — and nothing
    drawn. Fifty Chromium pages on a 2-core machine spend most of a change drawing (a load of 30–50), so the
    server's part of a room of 50 or 100 is measured with most participants light and a few real browsers."""

    def __init__(self, url: str, token: str, room: Room) -> None:
        self.url, self.token, self.room = url, token, room
        self.query = f"lang=en&journey={room.journey_id}&ws={room.workspace_id}"
        self.page_hash = self.fragment = self.watch_id = self.key = self.have = ""
        self.shown: tuple[int, int | None] = (0, None)
        self.finished = asyncio.Event()
        self.socket: ClientConnection | None = None
        self.tasks: list[asyncio.Task] = []
        self.signed_out = False
        RECEIVED[self] = ASKED[self] = 0

    def _state(self, **fields: object) -> bytes:
        context = ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US", url=f"{self.url}/workshop",
                              is_embedded=False, color_scheme="light")
        return BackMsg(rerun_script=ClientState(query_string=self.query, context_info=context, **fields)).SerializeToString()

    async def join(self) -> None:
        host = self.url.split("//", 1)[1]
        self.socket = await connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"], max_size=None,
                                    additional_headers={"Cookie": f"{COOKIE}={self.token}"}, ping_interval=None)
        self.tasks.append(asyncio.create_task(self._read()))
        await self.socket.send(self._state(page_name="workshop"))
        await asyncio.wait_for(self.finished.wait(), timeout=90)
        if not self.key:
            raise RuntimeError("the Workshop page had no room watch (signed out?)")
        self.tasks.append(asyncio.create_task(self._poll()))

    async def _read(self) -> None:
        assert self.socket is not None
        async for frame in self.socket:
            data = frame if isinstance(frame, bytes) else frame.encode()
            RECEIVED[self] += len(data)
            needle, arrived = AWAITED.get(self, (b"", 0.0))
            if needle and arrived is None and needle in data:
                AWAITED[self] = (needle, time.monotonic())
            message = ForwardMsg.FromString(data)
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = message.new_session.page_script_hash or self.page_hash
            elif kind == "script_finished":
                self.finished.set()
            elif kind == "delta" and message.delta.new_element.WhichOneof("type") == "bidi_component" and \
                    message.delta.new_element.bidi_component.component_name.endswith("room_watch"):
                watch = message.delta.new_element.bidi_component
                shown = json.loads(watch.json)
                self.watch_id, self.key, self.fragment = watch.id, shown["key"], message.delta.fragment_id
                self.shown, self.have = (shown["room"]["revision"], shown["room"]["focus"]), shown["room"]["v"]
            elif kind == "delta" and message.delta.new_element.WhichOneof("type") == "text_input" and \
                    message.delta.new_element.text_input.label == "Password":
                self.signed_out = True

    async def _poll(self) -> None:
        """What the component does: ask the route (which waits until the room differs from what this participant
        has), and ask again at once; when the map moved, ask for the fragment's run (again if a later answer
        still differs three polls' time after)."""
        await asyncio.sleep(random.uniform(0, POLL_SECONDS))
        asked: tuple[tuple[int, int | None], float] = ((0, None), 0.0)
        while True:
            try:
                state = await self._ask()
            except (OSError, TimeoutError, ValueError):
                state = None
            if state is None:
                await asyncio.sleep(POLL_SECONDS)
                continue
            self.have = state["v"]
            seen = (state["revision"], state["focus"])
            if seen != self.shown and (asked[0] != seen or time.monotonic() - asked[1] > 3 * POLL_SECONDS):
                asked = (seen, time.monotonic())
                trigger = WidgetState(id=f"$$STREAMLIT_INTERNAL_KEY_{self.watch_id}__events",
                                      json_trigger_value=json.dumps([{"event": "moved", "value": "map"}]))
                assert self.socket is not None
                await self.socket.send(self._state(page_script_hash=self.page_hash, fragment_id=self.fragment,
                                                   widget_states=WidgetStates(widgets=[trigger])))

    async def _ask(self) -> dict | None:
        """One request to the route on its own connection (no thread held while the route waits)."""
        where = urllib.parse.urlsplit(self.url)
        reader, writer = await asyncio.open_connection(where.hostname, where.port)
        try:
            writer.write(f"GET {ROUTE}?v={self.have}&wait=1 HTTP/1.1\r\nHost: {where.netloc}\r\nX-Room-Key: {self.key}\r\n"
                         "Connection: close\r\n\r\n".encode())
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout=WAIT_SECONDS + 10)
        finally:
            writer.close()
        head, _blank, body = answer.partition(b"\r\n\r\n")
        RECEIVED[self] += len(body)
        ASKED[self] += 1
        return json.loads(body) if head.split(b" ", 2)[1] == b"200" else None

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        if self.socket is not None:
            await self.socket.close()


async def open_workshop(browser: Browser, url: str, token: str, journey_id: int) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    host = url.split("//", 1)[1].split(":")[0]
    await context.add_cookies([{"name": COOKIE, "value": token, "domain": host, "path": "/", "sameSite": "Strict"}])
    page = await context.new_page()
    _count_received(page)
    await page.goto(f"{url}/?lang=en")  # a fresh server's first deep link shows "page not found" once (decision 8)
    await page.get_by_role("link", name="Workshop").wait_for(timeout=90_000)
    await page.goto(f"{url}/workshop?lang=en&journey={journey_id}")
    await page.locator(".jw-grid").first.wait_for(timeout=90_000)
    return context, page


async def seen_after(pages: list[Page], script: str, argument: str, since: float, timeout: float) -> list[float | None]:
    """Seconds from ``since`` until ``script(argument)`` held in each page (``None``: not within ``timeout``)."""

    async def one(page: Page) -> float | None:
        try:
            await page.wait_for_function(script, arg=argument, polling=POLL_MS, timeout=timeout * 1000)
        except Exception:  # noqa: BLE001 - a timeout or a closed page: this participant missed it
            return None
        return time.monotonic() - since

    return list(await asyncio.gather(*(one(page) for page in pages)))


async def sent_to(lights: list[Light], since: float, timeout: float) -> None:
    """Until every light participant received a frame carrying the change (or ``timeout`` passed)."""
    while time.monotonic() - since < timeout and any(AWAITED[light][1] is None for light in lights):
        await asyncio.sleep(POLL_MS / 1000)


GRID_HAS = "m => (document.querySelector('.jw-grid')?.textContent || '').includes(m)"
GRID_LACKS = "m => { const g = document.querySelector('.jw-grid'); return !!g && !g.textContent.includes(m); }"
MAIN_HAS = f"m => (document.querySelector('{MAIN}')?.textContent || '').includes(m)"


GRID_SENT = b"jw-grid"  # a grid that changed is sent whole; an unchanged one as a reference to the browser's copy


def awaited_in_frames(what: str, argument: str) -> bytes:
    """What the server's message for a change carries: the new text, or (focus) a new grid."""
    return GRID_SENT if what == "focus" else argument.encode()


def change(engine_url: str, room: Room, what: str, number: int) -> tuple[str, str]:
    """One facilitator change through the services, committed when this returns; what to wait for in the pages."""
    engine = create_db_engine(engine_url)
    try:
        with unit_of_work(engine, "Lead") as session:
            workshop.heartbeat(session, room.workspace_id, room.journey_id, FACILITATOR_KEY, "Lead", is_facilitator=True)
            if what == "capture":
                step = session.exec(select(Step.id).where(Step.stage_id == room.last_stage).order_by(Step.position)).first()
                # on the last stage: visible whether the room is focused on it or sees the whole map
                text = f"Raumkarte {number} {time.monotonic_ns() % 100000}"
                journeys.create_pain_point(session, room.workspace_id, step, {"text": text, "severity": 3})
                return GRID_HAS, text
            if what == "focus":
                focused = number % 2 == 0
                workshop.set_focus(session, room.workspace_id, room.journey_id, room.last_stage if focused else None,
                                   session_key=FACILITATOR_KEY)
                return (GRID_LACKS if focused else GRID_HAS), room.marker
            name = f"Runde {number} {time.monotonic_ns() % 100000}"
            workshop.open_vote_round(session, room.workspace_id, room.journey_id, name)
            return MAIN_HAS, name
    finally:
        engine.dispose()


async def measure(options: argparse.Namespace, database_url: str, room: Room, urls: list[str], pids: list[int],
                  participants: int) -> Figures:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"])
        opened: list[tuple[BrowserContext, Page]] = []
        lights: list[Light] = []
        try:
            before = [cpu_seconds(pid) for pid in pids]
            await asyncio.sleep(options.baseline)
            baseline = sum(cpu_seconds(pid) - start for pid, start in zip(pids, before, strict=True)) / options.baseline
            gate = asyncio.Semaphore(options.join_at_once)

            async def join(index: int) -> tuple[BrowserContext, Page] | None:
                async with gate:
                    try:
                        return await open_workshop(browser, urls[index % len(urls)], room.participants[index], room.journey_id)
                    except Exception as error:  # noqa: BLE001 - counted as not joined, the run goes on
                        say(f"  participant {index} did not get in: {str(error).splitlines()[0]}")
                        return None

            browsers = participants if options.browsers is None else min(options.browsers, participants)

            async def join_light(index: int) -> Light | None:
                light = Light(urls[index % len(urls)], room.participants[index], room)
                async with gate:
                    try:
                        await light.join()
                        return light
                    except Exception as error:  # noqa: BLE001 - counted as not joined, the run goes on
                        say(f"  light participant {index} did not get in: {str(error).splitlines()[0]}")
                        await light.close()
                        return None

            started = time.monotonic()
            opened = [pair for pair in await asyncio.gather(*(join(i) for i in range(browsers))) if pair]
            lights = [light for light in await asyncio.gather(*(join_light(i) for i in range(browsers, participants))) if light]
            say(f"  {len(opened)}/{browsers} participants in Chromium and {len(lights)}/{participants - browsers} light ones "
                f"on the Workshop page after {time.monotonic() - started:.0f} s")
            pages = [page for _context, page in opened]
            everyone: list[Page | Light] = [*pages, *lights]
            await asyncio.sleep(options.settle)
            before = [cpu_seconds(pid) for pid in pids]
            received, asked = sum(RECEIVED[one] for one in everyone), sum(ASKED[one] for one in everyone)
            await asyncio.sleep(options.idle)
            received = sum(RECEIVED[one] for one in everyone) - received
            polls = sum(ASKED[one] for one in everyone) - asked
            used = sum(cpu_seconds(pid) - start for pid, start in zip(pids, before, strict=True))
            rss, peak = (sum(values) for values in zip(*(memory_mb(pid) for pid in pids), strict=True))
            figures = Figures(participants=participants, joined=len(everyone), browsers=len(pages),
                              idle_cpu_percent=100 * used / options.idle,
                              baseline_cpu_percent=100 * baseline,
                              poll_cpu_ms=1000 * (used - baseline * options.idle) / polls if polls else float("nan"),
                              poll_bytes=received / polls if polls else float("nan"), rss_mb=rss, peak_rss_mb=peak,
                              polls_per_minute=60 * polls / (len(everyone) * options.idle) if everyone else float("nan"))
            before, started = [cpu_seconds(pid) for pid in pids], time.monotonic()
            phase = random.Random(participants)
            for number in range(options.changes):
                for what, bucket, sent in (("capture", figures.capture, figures.capture_sent),
                                           ("focus", figures.focus, figures.focus_sent),
                                           ("vote", figures.vote_round, figures.vote_round_sent)):
                    for one in everyone:
                        AWAITED[one] = (b"", None)
                    script, argument = change(database_url, room, what, number)
                    for one in everyone:  # frames before this moment cannot hold the change: it was not committed
                        AWAITED[one] = (awaited_in_frames(what, argument), None)
                    since = time.monotonic()
                    times, _ = await asyncio.gather(seen_after(pages, script, argument, since, options.timeout),
                                                    sent_to(lights, since, options.timeout))
                    bucket.extend(t for t in times if t is not None)
                    figures.missed += sum(t is None for t in times)
                    arrivals = [AWAITED[one][1] for one in everyone]
                    sent.extend(max(0.0, arrived - since) for arrived in arrivals if arrived is not None)
                    figures.missed += sum(arrived is None for light, arrived in zip(everyone, arrivals, strict=True)
                                          if isinstance(light, Light))
                    # at a random moment of the poll period: a fixed pause would put every change at the same phase of
                    # the participants' polls (right after one: the worst case every time)
                    await asyncio.sleep(options.pause + phase.uniform(0, POLL_SECONDS))
            figures.busy_cpu_percent = 100 * sum(cpu_seconds(pid) - start for pid, start in zip(pids, before, strict=True)) / (
                time.monotonic() - started)
            signed_out = await asyncio.gather(*(page.get_by_label("Password").count() for page in pages))
            figures.dropped = (sum(1 for count in signed_out if count) + sum(light.signed_out for light in lights)
                               + participants - len(everyone))
            return figures
        finally:
            for light in lights:
                await light.close()
            for context, _page in opened:
                await context.close()
            await browser.close()


def spread(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):.1f} / {max(values):.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--participants", type=int, nargs="+", default=[1, 10, 25, 50])
    parser.add_argument("--servers", type=int, default=1, help="app servers on the same database (participants split)")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU sampling")
    parser.add_argument("--baseline", type=float, default=10.0, help="seconds of CPU sampling with nobody connected")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to wait after everyone joined")
    parser.add_argument("--changes", type=int, default=3, help="rounds of (capture, focus, voting round)")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between changes (plus a random part of the poll period)")
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds after which a change counts as missed")
    parser.add_argument("--server-cores", type=int, default=1,
                        help="cores kept for the app server(s), the browsers get the rest (0: no pinning)")
    parser.add_argument("--browsers", type=int, default=None,
                        help="participants in Chromium (default: all); the others are light: the same messages, nothing drawn")
    parser.add_argument("--join-at-once", type=int, default=4, help="participants opening the page at the same time")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM} (make browser-deps)")
    server_cores: set[int] | None = None
    available = sorted(os.sched_getaffinity(0))
    if options.server_cores and len(available) > options.server_cores:
        # the server(s) on cores of their own, this driver and the browsers on the rest: in a real room every
        # participant's browser draws on their own laptop, not on the server's cores
        server_cores = set(available[:options.server_cores])
        os.sched_setaffinity(0, set(available[options.server_cores:]))
        say(f"server(s) on core(s) {sorted(server_cores)}, the browsers on {available[options.server_cores:]}")
    if options.engine == "sqlite" and options.servers > 1:
        raise SystemExit("several servers need --engine postgresql (decision 21)")
    results: list[Figures] = []
    for participants in options.participants:
        say(f"room of {participants} on {options.servers} server(s), {options.engine}")
        with bench_database(options.engine) as database_url, tempfile.TemporaryDirectory(prefix="journey-room-") as folder:
            room = prepare(database_url, participants)
            with ExitStack() as servers:
                started = [servers.enter_context(server(database_url, Path(folder) / f"server{i}.log", server_cores))
                           for i in range(options.servers)]
                urls, pids = [url for url, _pid in started], [pid for _url, pid in started]
                results.append(asyncio.run(measure(options, database_url, room, urls, pids, participants)))
    say("")
    say("| participants (in Chromium) | server CPU idle, % of one core (nobody connected) | polls per minute | CPU per poll "
        "| bytes per poll | memory (MB, peak) | capture seen (median / max) | focus seen | voting round seen | missed | dropped |")
    say("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in results:
        say(f"| {row.participants} ({row.browsers}) | {row.idle_cpu_percent:.0f} % ({row.baseline_cpu_percent:.0f} %) "
            f"| {row.polls_per_minute:.1f} | {row.poll_cpu_ms:.1f} ms | {row.poll_bytes:,.0f} | {row.rss_mb:.0f} ({row.peak_rss_mb:.0f}) "
            f"| {spread(row.capture)} | {spread(row.focus)} | {spread(row.vote_round)} | {row.missed} | {row.dropped} |")
    say("")
    say("The server's part: until the first websocket frame carrying the change reached each participant, light ones")
    say("included (median / max), and the server's CPU while the changes went out ('seen' is the Chromium pages only:")
    say("the rest is the browsers drawing on this machine).")
    say("")
    say("| participants | capture sent | focus sent | voting round sent | server CPU during changes |")
    say("|---|---|---|---|---|")
    for row in results:
        say(f"| {row.participants} | {spread(row.capture_sent)} | {spread(row.focus_sent)} | {spread(row.vote_round_sent)} "
            f"| {row.busy_cpu_percent:.0f} % |")
    (ROOT / "bench" / "results-room.json").write_text(json.dumps([asdict(row) for row in results], indent=1))


if __name__ == "__main__":
    main()
