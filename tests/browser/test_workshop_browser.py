"""Two participants in two browsers: a card captured by one appears for the other without a reload."""

import time
from pathlib import Path

from playwright.sync_api import Browser, Page, expect


def _join(page: Page, app_url: str, name: str, facilitator: bool = False) -> None:
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Workshop").click()
    expect(page.get_by_role("heading", name="Workshop", exact=True)).to_be_visible(timeout=30_000)
    form = page.get_by_test_id("stForm").filter(has_text="Join the workshop")
    form.get_by_label("Your name, as the others will see it").fill(name)
    if facilitator:
        form.get_by_text("I am the facilitator").click()
    form.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Capture a thought for the focused stage")).to_be_visible(timeout=30_000)


def test_a_capture_appears_for_the_other_participant_within_three_seconds(
    browser: Browser, app_url: str, screenshot_dir: Path
) -> None:
    anna_context, ben_context = browser.new_context(viewport={"width": 1400, "height": 1000}), \
        browser.new_context(viewport={"width": 1400, "height": 1000})
    anna, ben = anna_context.new_page(), ben_context.new_page()
    try:
        _join(anna, app_url, "Anna", facilitator=True)
        _join(ben, app_url, "Ben")
        expect(anna.get_by_text("Ben", exact=False).first).to_be_visible(timeout=15_000)  # presence

        capture = ben.get_by_test_id("stForm").filter(has_text="Capture a thought")
        capture.get_by_label("Capture a thought for the focused stage").fill("Zahlart fehlt im Checkout")
        capture.get_by_role("button", name="Add").click()
        expect(ben.get_by_text("Captured.")).to_be_visible(timeout=15_000)
        saved_at = time.monotonic()
        expect(anna.get_by_text("Zahlart fehlt im Checkout").first).to_be_visible(timeout=3_000)
        seen_after = time.monotonic() - saved_at
        anna.screenshot(path=str(screenshot_dir / "workshop-live.png"))
        assert seen_after < 3.0, f"the other participant saw it after {seen_after:.1f} s"
    finally:
        anna_context.close()
        ben_context.close()
