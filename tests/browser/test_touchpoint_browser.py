"""The importance–performance matrix renders in Chromium on the demo workspace (and the content map draws its gaps)."""

from pathlib import Path

from playwright.sync_api import Page, expect


def test_importance_performance_matrix_renders(page: Page, app_url: str, screenshot_dir: Path) -> None:
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Touchpoint analysis").click()
    expect(page.get_by_role("heading", name="Touchpoint analysis")).to_be_visible(timeout=30_000)

    chart = page.get_by_test_id("stPlotlyChart").first
    expect(chart.locator(".main-svg").first).to_be_visible(timeout=30_000)
    expect(chart.get_by_text("Importance–performance matrix")).to_be_visible()
    # the demo workspace's rated touchpoints are drawn as points, in all four quadrants' legend entries
    expect(chart.locator(".scatterlayer .point").first).to_be_visible()
    assert chart.locator(".scatterlayer .point").count() >= 20
    for quadrant in ("Fix first", "Keep up the good work", "Possible overkill", "Low priority"):
        expect(chart.locator(".legendtext", has_text=quadrant)).to_have_count(1)
    expect(chart.locator(".annotation-text", has_text="Fix first")).to_be_visible()
    # every chart offers its data
    expect(page.get_by_role("button", name="Download data (CSV)").first).to_be_visible()

    chart.scroll_into_view_if_needed()
    chart.screenshot(path=str(screenshot_dir / "touchpoint-importance-performance.png"))


def test_content_map_marks_the_demo_gaps(page: Page, app_url: str, screenshot_dir: Path) -> None:
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Content").click()
    expect(page.get_by_role("heading", name="Content", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_role("heading", name="Gaps, most urgent first")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "content-map.png"))
