"""The workshop room in real browsers: the projector view at 1920×1080, the journey editor that
follows a colleague live, and two people editing one step who both keep their words."""

import re
import time
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import select

from components.auth import COOKIE
from models import Journey, Membership, Step, Workspace
from models.db import create_db_engine, read_session
from services import accounts, startup
from services.unit_of_work import unit_of_work

PROJECTOR = {"width": 1920, "height": 1080}
LARGEST = "Sommerurlaub buchen"  # the demo's largest journey: 16 steps in 8 stages


def _people(app_database: Path, *roles: str) -> tuple[list[str], dict[str, int]]:
    """A signed-in browser token per role and the demo's journeys by name."""
    engine = create_db_engine(f"sqlite:///{app_database}")
    startup.ensure_demo_workspace(engine)
    tokens = []
    with unit_of_work(engine) as session:
        workspace_id = session.exec(select(Workspace.id).order_by(Workspace.id)).first()
        ids = {name: jid for jid, name in session.exec(select(Journey.id, Journey.name).where(Journey.workspace_id == workspace_id))}
        for n, role in enumerate(roles):
            name = ("Anna", "Ben", "Carla")[n]
            account = accounts.create_account(session, f"{name.lower()}.{time.monotonic_ns()}@example.com", name,
                                              "correct horse battery")
            session.add(Membership(workspace_id=workspace_id, account_id=account.id, role=role))
            session.flush()
            tokens.append(accounts.start_sign_in(session, account.id))  # type: ignore[arg-type]
    engine.dispose()
    return tokens, ids


def _context(browser: Browser, token: str, viewport: dict | None = None) -> BrowserContext:
    context = browser.new_context(viewport=viewport or {"width": 1400, "height": 1000})  # type: ignore[arg-type]
    context.add_cookies([{"name": COOKIE, "value": token, "domain": "127.0.0.1", "path": "/", "sameSite": "Strict"}])
    return context


def _open(page: Page, app_url: str, path: str, heading: str) -> None:
    page.goto(f"{app_url}/?lang=en")  # a fresh server's very first deep link shows "page not found" once (decision 8)
    expect(page.get_by_role("link", name="Workshop")).to_be_visible(timeout=30_000)
    page.goto(f"{app_url}/{path}")
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible(timeout=30_000)


def test_the_projector_view_shows_every_step_of_the_largest_journey_in_large_text(
    browser: Browser, app_url: str, app_database: Path, screenshot_dir: Path
) -> None:
    [token], journeys = _people(app_database, "facilitator")
    context = _context(browser, token, PROJECTOR)
    page = context.new_page()
    try:
        _open(page, app_url, f"workshop?lang=en&journey={journeys[LARGEST]}", "Workshop")
        page.get_by_text("Presentation mode").click()
        expect(page.get_by_role("heading", name="Workshop", exact=True)).to_have_count(0, timeout=15_000)
        expect(page.get_by_text("New voting round")).to_have_count(0)  # the controls are behind the toggle
        steps = page.locator("table.jw-grid td.jw-step")
        expect(steps).to_have_count(16, timeout=15_000)
        page.wait_for_timeout(500)
        for index in range(16):
            box = steps.nth(index).bounding_box()
            assert box is not None
            assert box["x"] >= 0 and box["x"] + box["width"] <= PROJECTOR["width"], f"step {index + 1} is cut off: {box}"
            assert box["y"] >= 0 and box["y"] + box["height"] <= PROJECTOR["height"], f"step {index + 1} is below the fold: {box}"
        sizes = page.locator("table.jw-grid td, table.jw-grid th.jw-lane").evaluate_all(
            "cells => cells.map(c => parseFloat(getComputedStyle(c).fontSize))")
        assert min(sizes) >= 18, f"lane text of {min(sizes)} px"
        page.screenshot(path=str(screenshot_dir / "workshop-projector-1920x1080.png"))
    finally:
        context.close()


def _editor(page: Page, app_url: str, journey_id: int, name: str) -> None:
    _open(page, app_url, f"journey_editor?lang=en&journey={journey_id}", name)


def test_the_journey_editor_follows_a_colleague_live_and_keeps_what_i_type(
    browser: Browser, app_url: str, app_database: Path, screenshot_dir: Path
) -> None:
    (anna_token, ben_token), journeys = _people(app_database, "editor", "editor")
    name = "Online-Kauf im Shop"
    anna_context, ben_context = _context(browser, anna_token), _context(browser, ben_token)
    anna, ben = anna_context.new_page(), ben_context.new_page()
    title = f"Live-Schritt {time.monotonic_ns()}"
    try:
        _editor(anna, app_url, journeys[name], name)
        _editor(ben, app_url, journeys[name], name)
        ben_form = ben.get_by_test_id("stForm").filter(has_text="Add step")
        ben_form.get_by_label("New step: what does the customer do?").fill("Ben tippt noch")  # not submitted

        add = anna.get_by_test_id("stForm").filter(has_text="Add step")
        add.get_by_label("New step: what does the customer do?").fill(title)
        add.get_by_label("New step: what does the customer do?").press("Enter")  # Enter adds
        expect(anna.get_by_text("Step added.")).to_be_visible(timeout=15_000)
        expect(add.get_by_label("New step: what does the customer do?")).to_be_focused(timeout=5_000)  # ready for the next
        saved_at = time.monotonic()
        expect(ben.locator("table.jw-grid").get_by_text(title)).to_be_visible(timeout=10_000)
        seen_after = time.monotonic() - saved_at
        expect(ben.get_by_text(f"Anna added the step “{title}”")).to_be_visible()
        expect(ben_form.get_by_label("New step: what does the customer do?")).to_have_value("Ben tippt noch")
        ben.screenshot(path=str(screenshot_dir / "journey-editor-live.png"))
        assert seen_after < 10.0, f"the colleague saw the new step after {seen_after:.1f} s"  # a 2 s poll, then the page
    finally:
        anna_context.close()
        ben_context.close()


def test_a_three_way_merge_in_two_browsers_keeps_both_colleagues_words(
    browser: Browser, app_url: str, app_database: Path, screenshot_dir: Path
) -> None:
    (anna_token, ben_token), journeys = _people(app_database, "editor", "editor")
    name = "Reklamation über das Call Center"
    engine = create_db_engine(f"sqlite:///{app_database}")
    anna_context, ben_context = _context(browser, anna_token), _context(browser, ben_token)
    anna, ben = anna_context.new_page(), ben_context.new_page()
    try:
        for page in (anna, ben):
            _editor(page, app_url, journeys[name], name)
        title_field = anna.get_by_label("What the customer does (step)")
        expect(title_field).not_to_have_value("", timeout=15_000)
        expect(ben.get_by_label("What the customer does (step)")).to_have_value(title_field.input_value(), timeout=15_000)
        with read_session(engine) as session:
            step = session.exec(select(Step).where(Step.journey_id == journeys[name], Step.title == title_field.input_value())).one()
        anna.get_by_label("Needs", exact=True).fill("Bedürfnisse: A braucht")
        anna.get_by_role("button", name="Save step").click()
        expect(anna.get_by_text("Step saved.")).to_be_visible(timeout=15_000)

        ben.get_by_label("Thinking", exact=True).fill("Ben denkt")  # Ben started before Anna saved
        ben.get_by_role("button", name="Save step").click()
        expect(ben.get_by_text("saved this step while you were editing it")).to_be_visible(timeout=15_000)
        merge = ben.get_by_role("button", name="Check and save the merged version")
        expect(merge).to_be_visible()
        expect(ben.get_by_text("theirs (only they changed it)").first).to_be_visible(timeout=10_000)  # the field-by-field table
        expect(ben.get_by_text("yours (only you changed it)").first).to_be_visible()
        ben.screenshot(path=str(screenshot_dir / "journey-editor-merge.png"), full_page=True)
        merge.click()
        expect(ben.get_by_label("Needs", exact=True)).to_have_value("Bedürfnisse: A braucht", timeout=15_000)
        expect(ben.get_by_label("Thinking", exact=True)).to_have_value("Ben denkt")
        ben.screenshot(path=str(screenshot_dir / "journey-editor-merged-form.png"), full_page=True)
        ben.get_by_role("button", name="Save step").click()
        expect(ben.get_by_text("Step saved.")).to_be_visible(timeout=15_000)
        with read_session(engine) as session:
            stored = session.get(Step, step.id)
            assert (stored.needs, stored.thinking) == ("Bedürfnisse: A braucht", "Ben denkt")
    finally:
        engine.dispose()
        anna_context.close()
        ben_context.close()


def test_a_new_step_is_the_one_the_step_editor_holds_and_moves(browser: Browser, app_url: str, app_database: Path) -> None:
    """Fast capture: the step just added is the one the editor shows and the arrows move (the picker follows it in
    the browser, not only in the server's state)."""
    [token], journeys = _people(app_database, "editor")
    context = _context(browser, token)
    page = context.new_page()
    try:
        _editor(page, app_url, journeys[LARGEST], LARGEST)
        form = page.get_by_test_id("stForm").filter(has_text="Add step")
        form.get_by_label("New step: what does the customer do?").fill("Fragt den Chatbot")
        form.get_by_role("button", name="Add step").click()
        picker = page.get_by_test_id("stSelectbox").filter(has_text="Step to edit").locator("input")
        expect(picker).to_have_value(re.compile("› Fragt den Chatbot$"), timeout=15_000)
        cards = page.locator("table.jw-grid td.jw-step")
        before = cards.evaluate_all("cells => cells.findIndex(c => c.innerText.includes('Fragt den Chatbot'))")
        page.get_by_role("button", name="↑", exact=True).click()
        expect(page.get_by_text("Step moved.")).to_be_visible(timeout=15_000)
        page.wait_for_function("i => [...document.querySelectorAll('table.jw-grid td.jw-step')]"
                               ".findIndex(c => c.innerText.includes('Fragt den Chatbot')) === i", arg=before - 1, timeout=15_000)
    finally:
        context.close()
