"""A user creates a persona in Chromium, reloads, and finds it still there."""

from pathlib import Path

from playwright.sync_api import Page, expect


def test_create_persona_survives_reload(page: Page, app_url: str, screenshot_dir: Path) -> None:
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Personas").click()
    expect(page.get_by_role("heading", name="Personas")).to_be_visible(timeout=30_000)
    # the demo workspace is loaded on first start
    expect(page.get_by_text("Familie", exact=False).first).to_be_visible(timeout=30_000)

    page.get_by_role("button", name="New persona").click()
    form = page.get_by_test_id("stForm").filter(has_text="Save persona")
    expect(form).to_be_visible()
    form.get_by_label("Name", exact=True).fill("Browser-Persona Jana")
    form.get_by_label("Role", exact=True).fill("Einkäuferin <b>B2B</b>")
    form.get_by_label("Quote", exact=True).fill("Ich will es schnell und klar.")
    form.get_by_role("button", name="Save persona").click()
    expect(page.get_by_text("Persona saved.")).to_be_visible(timeout=15_000)

    page.reload()
    card = page.locator("[class*='st-key-persona-card-']").filter(has_text="Browser-Persona Jana")
    expect(card).to_be_visible(timeout=30_000)
    # user text is shown as text, never interpreted as HTML
    expect(card.get_by_text("Einkäuferin <b>B2B</b>")).to_be_visible()
    card.scroll_into_view_if_needed()
    card.screenshot(path=str(screenshot_dir / "persona-card.png"))
    page.screenshot(path=str(screenshot_dir / "personas-page.png"))


def test_a_fake_image_is_refused_next_to_the_field(page: Page, app_url: str, screenshot_dir: Path) -> None:
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Personas").click()
    page.get_by_role("button", name="New persona").click()
    form = page.get_by_test_id("stForm").filter(has_text="Save persona")
    form.get_by_label("Name", exact=True).fill("Mit falschem Bild")
    form.locator("input[type=file]").set_input_files(
        {"name": "avatar.png", "mimeType": "image/png", "buffer": b"<html>not an image</html>"}
    )
    expect(form.get_by_text("avatar.png")).to_be_visible(timeout=10_000)
    form.get_by_role("button", name="Save persona").click()
    expect(page.get_by_text("This file is not a PNG or JPEG image.")).to_be_visible(timeout=15_000)
    page.screenshot(path=str(screenshot_dir / "persona-bad-avatar.png"))
    form.get_by_role("button", name="Cancel").click()
    expect(page.locator("[class*='st-key-persona-card-']").filter(has_text="Mit falschem Bild")).to_have_count(0)
