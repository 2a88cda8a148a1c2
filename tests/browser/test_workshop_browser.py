"""Two people in two browsers: a facilitator signed in, a guest who joined through a link. A card
captured by the guest appears for the facilitator without a reload; the guest reaches nothing else."""

import time
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import select

from components.auth import COOKIE
from models import Journey, Membership, Vote, VoteRound, Workspace
from models.db import create_db_engine, read_session
from services import accounts, startup, workshop
from services.unit_of_work import unit_of_work

VIEWPORT = {"width": 1400, "height": 1000}


def _setup(app_database: Path) -> tuple[str, str, int, int]:
    """A facilitator's sign-in token and a guest link for the demo's first journey (its id, and another one)."""
    engine = create_db_engine(f"sqlite:///{app_database}")
    startup.ensure_demo_workspace(engine)  # as the app does on its first page, if no test opened one yet
    with unit_of_work(engine) as session:
        workspace_id = session.exec(select(Workspace.id).order_by(Workspace.id)).first()
        first, other = session.exec(select(Journey.id).where(Journey.workspace_id == workspace_id).order_by(Journey.id)).all()[:2]
        anna = accounts.create_account(session, f"anna.{time.monotonic_ns()}@example.com", "Anna", "correct horse battery")
        session.add(Membership(workspace_id=workspace_id, account_id=anna.id, role="facilitator"))
        session.flush()
        token = accounts.start_sign_in(session, anna.id)  # type: ignore[arg-type]
        _link, guest_token = accounts.create_guest_link(session, workspace_id, first, hours=1)  # type: ignore[arg-type]
    engine.dispose()
    return token, guest_token, first, other  # type: ignore[return-value]


def _context(browser: Browser, token: str | None = None) -> BrowserContext:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    if token:
        context.add_cookies([{"name": COOKIE, "value": token, "domain": "127.0.0.1", "path": "/", "sameSite": "Strict"}])
    return context


def _open_workshop(page: Page, app_url: str, journey_id: int) -> None:
    page.goto(f"{app_url}/?lang=en")  # a fresh server's very first deep link shows "page not found" once (decision 8)
    expect(page.get_by_role("link", name="Workshop")).to_be_visible(timeout=30_000)
    page.goto(f"{app_url}/workshop?lang=en&journey={journey_id}")
    expect(page.get_by_role("heading", name="Workshop", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Capture a thought for the focused stage")).to_be_visible(timeout=30_000)


def _join_as_guest(page: Page, app_url: str, guest_token: str, name: str) -> None:
    page.goto(f"{app_url}/?lang=en&join={guest_token}")
    page.get_by_label("Your name").fill(name)
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Capture a thought for the focused stage")).to_be_visible(timeout=30_000)


def test_a_guest_capture_appears_for_the_facilitator_within_three_seconds(
    browser: Browser, app_url: str, app_database: Path, screenshot_dir: Path
) -> None:
    token, guest_token, journey_id, other_journey = _setup(app_database)
    anna_context, ben_context = _context(browser, token), _context(browser)
    anna, ben = anna_context.new_page(), ben_context.new_page()
    try:
        _open_workshop(anna, app_url, journey_id)
        _join_as_guest(ben, app_url, guest_token, "Ben")
        expect(ben.get_by_text("Signed in as Ben")).to_be_visible()
        expect(anna.get_by_text("Ben (guest)", exact=False).first).to_be_visible(timeout=15_000)  # presence

        capture = ben.get_by_test_id("stForm").filter(has_text="Capture a thought")
        capture.get_by_label("Capture a thought for the focused stage").fill("Zahlart fehlt im Checkout")
        capture.get_by_role("button", name="Add").click()
        expect(ben.get_by_text("Captured.")).to_be_visible(timeout=15_000)
        saved_at = time.monotonic()
        expect(anna.get_by_text("Zahlart fehlt im Checkout").first).to_be_visible(timeout=3_000)
        seen_after = time.monotonic() - saved_at
        anna.screenshot(path=str(screenshot_dir / "workshop-live.png"))
        assert seen_after < 3.0, f"the other participant saw it after {seen_after:.1f} s"

        # the guest sees only the workshop of its journey, even when it asks for another one or another page
        ben.goto(f"{app_url}/personas?lang=en&journey={other_journey}")
        expect(ben.get_by_role("heading", name="Workshop", exact=True)).to_be_visible(timeout=30_000)
        expect(ben.get_by_role("link", name="Personas")).to_have_count(0)
        ben.screenshot(path=str(screenshot_dir / "workshop-guest.png"))
    finally:
        anna_context.close()
        ben_context.close()


def test_a_withdrawn_link_admits_nobody(browser: Browser, app_url: str, app_database: Path) -> None:
    _token, guest_token, _journey, _other = _setup(app_database)
    engine = create_db_engine(f"sqlite:///{app_database}")
    with unit_of_work(engine) as session:
        link = accounts.valid_link(session, guest_token)
        accounts.revoke_guest_link(session, link.workspace_id, link.id)  # type: ignore[arg-type]
    engine.dispose()
    context = _context(browser)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/?lang=en&join={guest_token}")
        page.get_by_label("Your name").fill("Late")
        page.get_by_role("button", name="Join").click()
        expect(page.get_by_text("This workshop link is not valid")).to_be_visible(timeout=15_000)
    finally:
        context.close()


def test_a_voting_round_reaches_a_participant_already_in_the_room_and_every_click_counts(
    browser: Browser, app_url: str, app_database: Path, screenshot_dir: Path
) -> None:
    token, guest_token, journey_id, _other = _setup(app_database)
    anna_context, ben_context = _context(browser, token), _context(browser)
    anna, ben = anna_context.new_page(), ben_context.new_page()
    round_name = f"Runde {time.monotonic_ns()}"
    try:
        _open_workshop(anna, app_url, journey_id)
        _join_as_guest(ben, app_url, guest_token, "Ben")
        ben.get_by_label("Capture a thought for the focused stage").fill("half typed")  # Ben is busy typing

        form = anna.get_by_test_id("stForm").filter(has_text="New voting round")
        form.get_by_label("New voting round").fill(round_name)
        form.get_by_role("button", name="Open round").click()
        expect(anna.get_by_text(f"Voting round: {round_name} (open)")).to_be_visible(timeout=15_000)
        opened_at = time.monotonic()
        expect(ben.get_by_text(f"Voting round: {round_name} (open)")).to_be_visible(timeout=3_000)
        seen_after = time.monotonic() - opened_at
        assert seen_after < 3.0, f"the participant saw the round after {seen_after:.1f} s"
        expect(ben.get_by_label("Capture a thought for the focused stage")).to_have_value("half typed")

        card = ben.locator(".jw-dots li").first  # the dot board: one component, in its shadow root
        plus, minus = card.locator(".jw-dots-more"), card.locator(".jw-dots-less")
        for button in (plus, plus, plus, minus):  # a burst: three dots and one taken back, sent as the 2 it ends on
            button.click()
        expect(ben.locator(".jw-dots-left")).to_have_text("You have 3 of 5 dots left.")  # at once, in the browser
        expect(card.locator(".jw-dots-n")).to_have_text("●● 2")
        engine = create_db_engine(f"sqlite:///{app_database}")
        with read_session(engine) as session:
            round_id = session.exec(select(VoteRound.id).where(VoteRound.name == round_name)).one()
        stored = []
        for _attempt in range(40):  # saved after a short quiet pause
            with read_session(engine) as session:
                stored = session.exec(select(Vote).where(Vote.round_id == round_id)).all()
            if stored:
                break
            ben.wait_for_timeout(250)
        assert len(stored) == 2 and len({v.step_id for v in stored}) == 1, stored
        engine.dispose()
        expect(anna.get_by_test_id("stHtml").filter(has_text="● 2").first).to_be_visible(timeout=10_000)  # the room's map
        expect(card.locator(".jw-dots-n")).to_have_text("●● 2")  # the database's answer, drawn again
        expect(card.locator("b")).to_have_count(0)
        card.scroll_into_view_if_needed()
        ben.screenshot(path=str(screenshot_dir / "workshop-voting.png"))
    finally:
        anna_context.close()
        ben_context.close()


def test_an_idle_room_asks_the_route_not_streamlit_and_the_header_keeps_names_as_text(
    browser: Browser, app_url: str, app_database: Path, screenshot_dir: Path
) -> None:
    """While nothing changes, a participant's browser only asks ``/api/room`` (no script run over the
    websocket); who is here and the ticking countdown are drawn by the room's component, a name like
    ``<b>Ben</b>`` as text; a focus set by the facilitator reaches the participant at once (the route was
    waiting for it); leaving the page ends the waiting request."""
    token, guest_token, journey_id, _other = _setup(app_database)
    anna_context, ben_context = _context(browser, token), _context(browser)
    anna, ben = anna_context.new_page(), ben_context.new_page()
    sent: list[str] = []  # what Ben's browser sends over the websocket (script runs, widget values)
    asked: list[str] = []
    ben.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(str(frame)[:40])))
    ben.on("request", lambda request: asked.append(request.url) if "/api/room" in request.url else None)
    try:
        _open_workshop(anna, app_url, journey_id)
        _join_as_guest(ben, app_url, guest_token, "<b>Ben</b>")
        header = anna.locator(".jw-room")  # in the component's shadow root (Playwright's CSS pierces it)
        expect(header).to_contain_text("⭐ Anna", timeout=10_000)
        expect(header).to_contain_text("<b>Ben</b> (guest)", timeout=10_000)  # literally, as text
        expect(anna.locator(".jw-room b")).to_have_count(0)

        ben.wait_for_timeout(3_000)  # let the join's own runs settle (a wait that lets Playwright hand over events)
        sent.clear()
        asked.clear()
        ben.wait_for_timeout(6_500)
        assert len(asked) <= 1, asked  # one request waits at the route until the room changes (or 10 s pass) …
        assert sent == [], sent  # … and not one script run while nothing changed

        timer = anna.get_by_test_id("stForm").filter(has_text="Timer (minutes)")
        timer.get_by_role("button", name="Start").click()
        clock = ben.locator(".jw-room-timer")
        expect(clock).to_contain_text("Time left 0", timeout=5_000)  # drawn from the route's answer, no rerun needed
        first = clock.inner_text()
        ben.wait_for_timeout(1_500)
        assert clock.inner_text() != first  # the browser ticks it every second

        stages = anna.get_by_test_id("stForm").filter(has_text="Focus the room on")
        stages.get_by_role("combobox").click()
        anna.get_by_role("option").nth(2).click()  # a stage (the first option is the whole map)
        stages.get_by_role("button", name="Set focus").click()
        expect(anna.get_by_text("Focus set.")).to_be_visible(timeout=10_000)
        set_at = time.monotonic()
        stage_headers = ben.locator(".jw-grid th.jw-stage")
        expect(stage_headers).to_have_count(1, timeout=5_000)
        assert time.monotonic() - set_at < 5.0
        ben.screenshot(path=str(screenshot_dir / "workshop-route.png"))
        anna.screenshot(path=str(screenshot_dir / "workshop-route-facilitator.png"))

        given_up: list[str] = []  # the request waiting at the route goes with the page (browsers allow six per server)
        anna.on("requestfailed", lambda request: given_up.append(request.url) if "/api/room" in request.url else None)
        anna.get_by_role("link", name="Personas").click()
        expect(anna.get_by_role("heading", name="Personas", exact=True)).to_be_visible(timeout=15_000)
        anna.wait_for_timeout(500)
        assert given_up, "the waiting request outlived the Workshop page"
    finally:
        anna_context.close()
        ben_context.close()
        engine = create_db_engine(f"sqlite:///{app_database}")  # the next tests share this database: the whole map,
        with unit_of_work(engine) as session:  # no countdown
            workspace_id = session.exec(select(Workspace.id).order_by(Workspace.id)).first()
            workshop.set_focus(session, workspace_id, journey_id, None)  # type: ignore[arg-type]
            workshop.set_timer(session, workspace_id, journey_id, None)  # type: ignore[arg-type]
        engine.dispose()
