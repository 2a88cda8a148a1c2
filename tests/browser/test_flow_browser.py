"""The flow analysis renders in Chromium on the demo workspace: the Sankey's bands and the stage funnel."""

from pathlib import Path

from playwright.sync_api import Page, expect


def test_sankey_and_funnel_render(page: Page, app_url: str, screenshot_dir: Path) -> None:
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Flow and drop-off").click()
    expect(page.get_by_role("heading", name="Flow and drop-off")).to_be_visible(timeout=30_000)

    sankey = page.get_by_test_id("stPlotlyChart").nth(0)
    expect(sankey.locator(".sankey").first).to_be_visible(timeout=30_000)
    expect(sankey.get_by_text("Flow of 1,000 customers")).to_be_visible()
    # the entry, nine steps, and a drop-off node beside each of the seven steps that lose customers
    assert sankey.locator(".sankey-node").count() == 1 + 9 + 7
    assert sankey.locator(".sankey-link").count() == 2 + 10 + 7  # entries, branches, drop-offs
    expect(sankey.locator(".node-label", has_text="Customers enter")).to_be_visible()
    expect(sankey.locator(".node-label", has_text="Drop-off")).to_have_count(7)
    sankey.scroll_into_view_if_needed()
    sankey.screenshot(path=str(screenshot_dir / "flow-sankey.png"))

    funnel = page.get_by_test_id("stPlotlyChart").nth(1)
    funnel.scroll_into_view_if_needed()
    expect(funnel.locator(".funnellayer .point").first).to_be_visible(timeout=30_000)
    assert funnel.locator(".funnellayer .point").count() == 5  # one bar per stage
    expect(funnel.get_by_text("1,000 · −44 %")).to_be_visible()
    expect(page.get_by_role("button", name="Download data (CSV)").first).to_be_visible()
    funnel.screenshot(path=str(screenshot_dir / "flow-funnel.png"))
