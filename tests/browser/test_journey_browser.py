"""Build a small journey with a branch in Chromium and see the graph component draw it."""

import sqlite3
from pathlib import Path

from playwright.sync_api import Page, expect


def _select(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label``."""
    page.get_by_label(label, exact=True).last.click()
    page.get_by_role("option", name=option, exact=True).first.click()


def test_journey_with_a_branch_renders_in_the_graph(page: Page, app_url: str, screenshot_dir: Path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Journeys").click()
    page.get_by_role("tab", name="New journey").click()
    form = page.get_by_test_id("stForm").filter(has_text="Create journey")
    form.get_by_label("Name", exact=True).fill("Browser-Reise")
    form.get_by_role("button", name="Create journey").click()
    expect(page.get_by_role("heading", name="Browser-Reise")).to_be_visible(timeout=30_000)

    # the AIDA template brought stages and starter steps; add a step whose title is HTML
    add = page.get_by_test_id("stForm").filter(has_text="Add step")
    add.get_by_label("New step: what does the customer do?").fill("<img src=x onerror=alert(1)>")
    add.get_by_text("Connect from the previous step").click()  # unconnected: the branch below leads into it
    add.get_by_role("button", name="Add step").click()
    expect(page.get_by_text("Step added.")).to_be_visible(timeout=15_000)
    page.screenshot(path=str(screenshot_dir / "journey-map.png"), full_page=True)

    # a branch into the new step
    page.get_by_role("radio", name="Branches", exact=True).click()
    branch = page.get_by_test_id("stForm").filter(has_text="Add a branch")
    expect(branch).to_be_visible(timeout=15_000)
    branch.get_by_label("From step", exact=True).click()
    page.get_by_role("option").first.click()
    branch.get_by_label("To step", exact=True).click()
    page.get_by_role("option", name="<img src=x onerror=alert(1)>").click()
    branch.get_by_label("Share of customers (%)").fill("20")
    branch.get_by_role("button", name="Add branch").click()
    expect(page.get_by_text("Branch added.")).to_be_visible(timeout=15_000)

    page.get_by_role("radio", name="Graph", exact=True).click()
    frame_element = page.locator("iframe[title='streamlit_agraph.agraph']")
    expect(frame_element).to_be_visible(timeout=30_000)
    canvas = page.frame_locator("iframe[title='streamlit_agraph.agraph']").locator("canvas")
    expect(canvas).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1500)  # vis-network draws after layout
    painted = canvas.evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 0 && (d[i] < 250 || d[i+1] < 250)) n++; }
                  return n; }"""
    )
    assert painted > 2000, "the graph canvas is empty"
    frame_element.screenshot(path=str(screenshot_dir / "journey-graph.png"))
    inner = page.frame_locator("iframe[title='streamlit_agraph.agraph']").locator("img[src=x]")
    assert inner.count() == 0 and dialogs == [], "user text was run as HTML"


def test_drawing_an_edge_on_the_canvas_creates_a_branch(page: Page, app_url: str, app_database: Path,
                                                         screenshot_dir: Path) -> None:
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Journey map").click()
    page.get_by_label("Journey", exact=True).click()
    page.get_by_role("option", name="Online-Kauf im Shop").click()
    expect(page.get_by_role("heading", name="Online-Kauf im Shop")).to_be_visible(timeout=30_000)
    page.get_by_role("radio", name="Draw branches").click()
    canvas = page.locator("iframe[title='streamlit_flow.streamlit_flow']")
    expect(canvas).to_be_visible(timeout=30_000)
    canvas.scroll_into_view_if_needed()
    flow = page.frame_locator("iframe[title='streamlit_flow.streamlit_flow']")
    source = flow.locator(".react-flow__node").filter(has_text="Sucht leichten").locator(".react-flow__handle.source")
    target = flow.locator(".react-flow__node").filter(has_text="Bestellung abgeschlossen").locator(".react-flow__handle.target")
    expect(source).to_be_attached(timeout=15_000)

    def stored() -> set[tuple[str, str]]:
        with sqlite3.connect(app_database) as connection:
            return set(connection.execute(
                "SELECT a.title, b.title FROM transition t JOIN step a ON a.id = t.source_step_id"
                " JOIN step b ON b.id = t.target_step_id").fetchall())

    wanted = ("Sucht leichten Handgepäck-Koffer", "Bestellung abgeschlossen")
    assert wanted not in stored()
    start, end = source.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=20)
    page.mouse.up()
    for _attempt in range(40):
        if wanted in stored():
            break
        page.wait_for_timeout(250)
    assert wanted in stored()
    canvas.screenshot(path=str(screenshot_dir / "journey-draw-branch.png"))


def test_the_branch_canvas_opens_with_the_whole_map_in_view(page: Page, app_url: str, screenshot_dir: Path) -> None:
    """The demo's widest journey (nine stages) fits the canvas when it opens: no step cut off at any side."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
    page.get_by_role("link", name="Journey map").click()
    page.get_by_label("Journey", exact=True).click()
    page.get_by_role("option", name="Sommerurlaub buchen", exact=True).click()
    expect(page.get_by_role("heading", name="Sommerurlaub buchen")).to_be_visible(timeout=30_000)
    page.get_by_role("radio", name="Draw branches").click()
    canvas = page.locator("iframe[title='streamlit_flow.streamlit_flow']")
    expect(canvas).to_be_visible(timeout=30_000)
    canvas.scroll_into_view_if_needed()
    nodes = page.frame_locator("iframe[title='streamlit_flow.streamlit_flow']").locator(".react-flow__node")
    expect(nodes.first).to_be_visible(timeout=15_000)
    frame = canvas.bounding_box()
    outside: list[str] = []
    for _attempt in range(20):  # fitView runs once the nodes are measured
        page.wait_for_timeout(250)
        outside = []
        for node in nodes.all():
            box = node.bounding_box()
            if (box["x"] < frame["x"] or box["y"] < frame["y"] or box["x"] + box["width"] > frame["x"] + frame["width"]
                    or box["y"] + box["height"] > frame["y"] + frame["height"]):
                outside.append(node.inner_text())
        if not outside:
            break
    canvas.screenshot(path=str(screenshot_dir / "journey-draw-whole-map.png"))
    assert nodes.count() >= 16
    assert outside == [], f"steps cut off when the canvas opens: {outside}"
