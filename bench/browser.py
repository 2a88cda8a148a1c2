"""``make bench-browser``: what a user waits for in a real browser, on the bench workspace.

Generates the workload of ``bench.run`` into a temporary SQLite file (``--engine postgresql``: a throwaway
cluster), starts ``streamlit run serve.py`` on it, signs a site administrator in by cookie and drives Debian's
Chromium (``CHROMIUM_PATH``, default ``/usr/bin/chromium``) with Playwright. Measured, each ``--reps`` times
(median and p90, nearest rank):

- **first paint**: a fresh browser context opens the app until the Overview heading is visible
  (the very first one after the server started is printed apart: it pays for imports and caches);
- **page to page**: a click on a sidebar link until the page's run has finished and its heading is
  visible, for every page of the navigation;
- **add step**: on the largest journey's map (60 steps), a click on "Add step" until the new card
  is visible in the grid;
- **move a step**: the last step added, chosen in the step editor; a click on ↑ (then ↓, alternately) until its
  card stands one place earlier (later) in the grid;
- **vote**: on the Workshop page of the same journey, with a voting round open, a click on the first step's
  "+" (then "−") on the dot board until its card in the grid shows the dot (none): the board sends after a
  quiet pause of ``components.dot_board.QUIET_MS``, which is part of the figure;

Each is timed in the page (``performance.now()``, checked every animation frame) from the click event's
timestamp (when the click reached the page) until what the user waits for is on screen and Streamlit's root
element says no run is going (``data-test-script-state``; full and fragment runs alike). The same actions
timed from just before Playwright's click call are printed beside them: that call first checks the element
is visible, stable over two animation frames and in view, which a person's click does not wait for (40–50 ms
on a quiet machine, up to 300 ms on a loaded one). Before each click the bench waits until no run is going, so a live view's poll cannot end
a measurement early.

``python -m bench.browser --help``; ``--scale 0.1 --reps 3`` for a quick look. Not part of ``make test``.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import say
from bench.generate import generate_workspace
from bench.run import WORKLOAD, bench_database, percentile
from components.auth import COOKIE
from models.db import create_db_engine, read_session, upgrade_to_head
from services import accounts, workshop
from services.journeys import get_journey
from services.unit_of_work import unit_of_work

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 60_000

# (url path, heading): every page of app.py's navigation; the journey map's heading is its journey's name.
PAGES: list[tuple[str, str | None]] = [
    ("dashboard", "Dashboard"), ("personas", "Personas"), ("journeys", "Journeys"), ("journey_editor", None),
    ("workshop", "Workshop"), ("touchpoints", "Touchpoints"), ("content", "Content"),
    ("touchpoint_analysis", "Touchpoint analysis"), ("flows", "Flow and drop-off"), ("planned_vs_actual", "Planned vs actual"),
    ("emotions", "Emotion curves"), ("kano", "Kano"), ("metrics", "Metrics"), ("opportunities", "Opportunity portfolio"),
    ("history", "History"), ("settings", "Settings"), ("import_export", "Import / Export"), ("", "Overview"),
]

IDLE = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') === 'notRunning'"""
# What the user waits for (a JS expression over ``arg``) is on screen and no run is going: the time, else null.
DONE = """([condition, arg]) => {
  const idle = document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state') === 'notRunning';
  return idle && (new Function('arg', 'return ' + condition))(arg) ? performance.now() : null;
}"""
HEADING = "[...document.querySelectorAll('h1')].some(h => h.innerText.trim() === arg.title) && location.pathname.endsWith(arg.path)"
CARD = "[...document.querySelectorAll('td.jw-step')].some(td => td.innerText.includes(arg.title))"
CARD_INDEX = "[...document.querySelectorAll('td.jw-step')].findIndex(td => td.innerText.includes(title))"
# The card of the step titled arg.title shows arg.dots ("● 1"), or no dots when arg.dots is empty.
VOTES = """[...document.querySelectorAll('td.jw-step')].some(td => td.innerText.includes(arg.title)
  && (arg.dots ? td.innerText.includes(arg.dots) : !td.innerText.includes('●')))"""


@dataclass
class Row:
    name: str
    times_ms: list[float]

    def line(self, width: int) -> str:
        if not self.times_ms:
            return f"{self.name:<{width}} | {'–':>9} | {'–':>9} | {0:>4}"
        return (f"{self.name:<{width}} | {statistics.median(self.times_ms):9.0f} | {percentile(self.times_ms, 0.9):9.0f} | "
                f"{len(self.times_ms):>4}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(database_url: str, log: Path, root: Path = ROOT) -> Iterator[str]:
    """``streamlit run serve.py`` of the checkout at ``root`` (with its .streamlit/config.toml) on a free port; yields
    its URL once healthy."""
    port = _free_port()
    entry = root / "serve.py" if (root / "serve.py").exists() else root / "app.py"  # older checkouts: app.py
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(entry), "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
            cwd=root, env={**os.environ, "DATABASE_URL": database_url}, stdout=out, stderr=subprocess.STDOUT,
        )
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
                        raise RuntimeError(f"streamlit did not start (log: {log})") from None
                    time.sleep(0.3)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# The click's own timestamp (when the input reached the page, before any queueing behind other work on the page).
CLICKED = "document.addEventListener('click', (event) => { window.__jwClicked = event.timeStamp; }, true);"


@dataclass
class Timed:
    """One action: ms from the click event in the page (what a person's click starts), and from just before
    the driver's click call (which adds Playwright's own checks: visible, stable for two frames, in view)."""

    from_click: float
    from_call: float


def _timed_action(page, act: Callable[[], None], condition: str, arg: object) -> Timed:  # type: ignore[no-untyped-def]
    """Until ``condition`` (JS over ``arg``) holds with no run going. Streamlit marks its root element with the
    script state; a fast run can start and end within one render, so the end is read as "idle and the result
    on screen", not as a seen transition."""
    page.wait_for_function(IDLE, timeout=TIMEOUT_MS)  # the previous run (or a live view's poll) is over
    started = page.evaluate("window.__jwClicked = null; performance.now()")
    act()
    try:
        finished = page.wait_for_function(DONE, arg=[condition, arg], polling="raf", timeout=TIMEOUT_MS).json_value()
    except Exception:
        say(f"not seen in time at {page.url}: {condition} with {arg}")
        raise
    clicked = page.evaluate("window.__jwClicked")
    return Timed(from_click=finished - (clicked if clicked is not None else started), from_call=finished - started)


def measure(url: str, token: str, journey_id: int, journey_name: str, reps: int) -> list[Row]:
    from playwright.sync_api import expect, sync_playwright

    cookie = {"name": COOKIE, "value": token, "domain": "127.0.0.1", "path": "/", "httpOnly": False, "secure": False,
              "sameSite": "Strict", "expires": -1}
    context_args = {"viewport": {"width": 1400, "height": 1000}, "storage_state": {"cookies": [cookie], "origins": []}}
    rows: list[Row] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)

        def fresh_load() -> float:
            context = browser.new_context(**context_args)
            page = context.new_page()
            started = time.perf_counter()
            page.goto(f"{url}/?lang=en")
            expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
            elapsed = (time.perf_counter() - started) * 1000
            context.close()
            return elapsed

        say("First paint …")
        rows.append(Row("first paint, first after start", [fresh_load()]))
        rows.append(Row("first paint, fresh context", [fresh_load() for _ in range(reps)]))

        context = browser.new_context(**context_args)
        context.add_init_script(CLICKED)
        page = context.new_page()
        page.goto(f"{url}/?lang=en")
        expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=TIMEOUT_MS)
        nav = page.get_by_test_id("stSidebarNav")
        more = page.get_by_test_id("stSidebarNavViewButton")
        if more.count():  # the sidebar shows the first pages only until "View more" is clicked
            more.first.click()

        say("Page to page …")
        times: dict[str, list[float]] = {path or "overview": [] for path, _heading in PAGES}
        calls: list[float] = []
        for _round in range(reps):
            for path, heading in PAGES:
                link = nav.locator(f'a[href$="/{path}"]') if path else nav.get_by_role("link", name="Overview")
                target = {"title": heading or journey_name, "path": f"/{path}"}
                timed = _timed_action(page, link.first.click, HEADING, target)
                times[path or "overview"].append(timed.from_click)
                calls.append(timed.from_call)
        rows += [Row(f"page to page: {name}", values) for name, values in times.items()]
        every = [t for values in times.values() for t in values]
        rows.append(Row("page to page: all pages", every))
        rows.append(Row("page to page: all pages, from the driver's click call", calls))

        say("Add steps …")
        page.goto(f"{url}/journey_editor?lang=en&journey={journey_id}")
        expect(page.get_by_role("heading", name=journey_name, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        form = page.get_by_test_id("stForm").filter(has_text="Add step")
        adds: list[Timed] = []
        for number in range(reps):
            title = f"Bench step {number} {time.time_ns()}"
            form.get_by_label("New step: what does the customer do?").fill(title)
            adds.append(_timed_action(page, form.get_by_role("button", name="Add step").click, CARD, {"title": title}))
        rows.append(Row(f"add step, click to visible card ({journey_name})", [a.from_click for a in adds]))
        rows.append(Row("add step, from the driver's click call", [a.from_call for a in adds]))

        say("Move a step …")  # the last step added, chosen in the step editor: up, down, up … within its stage
        picker = page.get_by_test_id("stSelectbox").filter(has_text="Step to edit")
        picker.locator("input").click()
        picker.locator("input").fill(title)
        page.keyboard.press("Enter")
        expect(picker.locator("input")).to_have_value(re.compile(re.escape(title)), timeout=TIMEOUT_MS)
        page.wait_for_function(IDLE, timeout=TIMEOUT_MS)
        moves: list[Timed] = []
        for number in range(reps):
            arrow, shift = ("↑", -1) if number % 2 == 0 else ("↓", 1)
            at = page.evaluate(f"title => ({CARD_INDEX})", title)
            moves.append(_timed_action(page, page.get_by_role("button", name=arrow, exact=True).click,
                                       f"({CARD_INDEX.replace('title', 'arg.title')}) === arg.index",
                                       {"title": title, "index": at + shift}))
        rows.append(Row("move a step, click to the card in its new place", [m.from_click for m in moves]))

        say("Vote …")  # the newest round of the journey (opened by run()): a dot on the first step's card, and off again
        page.goto(f"{url}/workshop?lang=en&journey={journey_id}")
        page.locator(".jw-grid").first.wait_for(timeout=TIMEOUT_MS)
        first_title = page.evaluate("() => document.querySelector('td.jw-step > div').firstChild.textContent.trim()")
        dots = page.locator(".jw-dots li").filter(has=page.get_by_text(f"👣 {first_title}", exact=True))
        votes: list[Timed] = []
        for number in range(reps):
            button = ".jw-dots-more" if number % 2 == 0 else ".jw-dots-less"
            votes.append(_timed_action(page, dots.locator(button).click, VOTES,
                                       {"title": first_title, "dots": "● 1" if number % 2 == 0 else ""}))
        rows.append(Row("vote, click to the dot on the card", [v.from_click for v in votes]))

        context.close()
        browser.close()
    return rows


def run(args: argparse.Namespace) -> None:
    workload = dict(WORKLOAD)
    if args.scale != 1.0:
        for key in ("personas", "journeys", "touchpoints", "step_touchpoint_links", "metrics"):
            workload[key] = max(1, round(workload[key] * args.scale))
    with tempfile.TemporaryDirectory(prefix="journey-bench-browser-") as folder, bench_database(args.engine) as url:
        engine = create_db_engine(url)
        upgrade_to_head(engine)
        generated = generate_workspace(engine, **workload)
        with unit_of_work(engine) as session:
            account = accounts.create_account(session, "bench@example.com", "Bench", "bench password", site_admin=True)
            token = accounts.start_sign_in(session, account.id)  # type: ignore[arg-type]
            workshop.open_vote_round(session, generated.workspace_id, generated.largest_journey_id, "Bench round")
        with read_session(engine) as session:
            journey_name = get_journey(session, generated.workspace_id, generated.largest_journey_id).name
        engine.dispose()
        say(f"Starting the app on {generated.counts.get('journey', 0)} journeys …")
        log = Path(folder) / "streamlit.log"
        with server(url, log, args.app.resolve()) as app:
            try:
                rows = measure(app, token, generated.largest_journey_id, journey_name, args.reps)
            except Exception:
                say("The server's log ends with:\n" + "\n".join(log.read_text(encoding="utf-8").splitlines()[-60:]))
                raise
    width = max(len(r.name) for r in rows)
    say("")
    say(f"Browser (Chromium {CHROMIUM}), app {args.app} on {args.engine}, {args.reps} repetitions, workload scale {args.scale:g}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    header = f"{'what':<{width}} | {'median ms':>9} | {'p90 ms':>9} | {'reps':>4}"
    say(header)
    say("-" * len(header))
    for row in rows:
        say(row.line(width))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Click-to-visible and page-to-page times in Chromium on the bench workspace.")
    parser.add_argument("--reps", type=int, default=10, help="repetitions of every measurement (default 10)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the workload's sizes (steps per journey stay)")
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite",
                        help="the app's database: a temporary SQLite file, or a throwaway PostgreSQL cluster")
    parser.add_argument("--app", type=Path, default=ROOT,
                        help="the checkout whose app.py to serve (default this one; e.g. an unpacked older commit to compare)")
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    run(args)


if __name__ == "__main__":
    main()
