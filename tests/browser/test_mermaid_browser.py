"""The Mermaid export drawn by the real Mermaid library in headless Chromium.

``make mermaid-deps`` installs the pinned Mermaid release from the npm registry into
``tests/browser/.mermaid`` (``make test`` does it); without it the test is skipped with a line
saying why. Every demo journey and a journey with hostile and long titles must render without an
error, show each step and stage as the app shows it (``#``, ``:``, ``;``, ``%`` and a comma in a
persona's name as themselves, not as look-alikes or entity codes) and keep every label inside its
box: at most three lines, none wider than the box.
"""

import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from playwright.sync_api import Page
from sqlalchemy import Engine
from sqlmodel import Session, select

from models import Journey
from models.db import read_session
from services import journeys
from services.exchange import interop
from services.journeys import grid
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from services.workspaces import demo

MERMAID_JS = Path(__file__).resolve().parent / ".mermaid" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"

RENDER = """async ([id, text]) => {
  const out = document.getElementById('out');
  try {
    const {svg} = await mermaid.render(id, text);
    out.innerHTML = svg;
  } catch (error) {
    return {error: String(error && error.message || error)};
  }
  const labels = [...out.querySelectorAll('foreignObject')].map(box => {
    const cell = box.querySelector('div.label') || box.querySelector('div');
    const frame = box.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(cell);
    const rects = [...range.getClientRects()].filter(r => r.width > 0);
    const tops = new Set(rects.map(r => Math.round(r.top)));
    const inside = rects.every(r => r.left >= frame.left - 0.5 && r.right <= frame.right + 0.5);
    return {text: cell.textContent, lines: tops.size, inside: inside};
  });
  return {labels: labels, svg: out.innerHTML, text: out.querySelector('svg').textContent};
}"""


@pytest.fixture(scope="module")
def mermaid_js() -> Path:
    if not MERMAID_JS.exists():
        if not (shutil.which("npm") or shutil.which("node")):
            pytest.skip("Mermaid rendering test skipped: neither node nor npm is installed (needed once to fetch Mermaid)")
        pytest.skip(f"Mermaid rendering test skipped: Mermaid is not installed at {MERMAID_JS} (run `make mermaid-deps`)")
    return MERMAID_JS


@pytest.fixture
def mermaid_page(page: Page, mermaid_js: Path) -> Page:
    page.set_content("<!doctype html><html><head><meta charset='utf-8'></head><body><div id='out'></div></body></html>")
    page.add_script_tag(path=str(mermaid_js))
    page.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
    return page


def _render(page: Page, name: str, text: str) -> dict:
    result = page.evaluate(RENDER, [name, text])
    assert "error" not in result, f"{name}: Mermaid refused the diagram: {result.get('error')}\n{text}"
    return result


def _expected_labels(session: Session, workspace_id: int, journey_id: int) -> list[str]:
    jmap = grid.load_journey_map(session, workspace_id, journey_id)
    labels = []
    for stage in jmap.stages:
        labels.append(interop.shorten(stage.name))
        labels += [interop.shorten(title) for title in jmap.steps[jmap.steps["stage_id"] == stage.id]["title"]]
    return labels


def _check(page: Page, name: str, text: str, expected: list[str]) -> dict:
    result = _render(page, name, text)
    shown = [label["text"] for label in result["labels"]]
    assert shown == expected, name
    for label in result["labels"]:
        assert label["lines"] <= 3, f"{name}: “{label['text']}” needs {label['lines']} lines, Mermaid's box shows three"
        assert label["inside"], f"{name}: “{label['text']}” is wider than Mermaid's box"
    for leftover in ("ﬂ°", "¶ß", "＃", "#35;", "#58;", "#59;"):  # entity placeholders or look-alikes must not show
        assert leftover not in result["text"], (name, leftover)
    return result


def test_every_demo_journey_renders_in_mermaid(mermaid_page: Page, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    with read_session(engine) as session:
        journey_ids = session.exec(select(Journey.id).where(Journey.workspace_id == workspace_id)).all()
        assert len(journey_ids) >= 5
        for journey_id in journey_ids:
            text = interop.mermaid_journey(session, workspace_id, journey_id)
            _check(mermaid_page, f"demo{journey_id}", text, _expected_labels(session, workspace_id, journey_id))


def test_hostile_and_long_titles_render_as_written(mermaid_page: Page, session: Session, journey_map: SimpleNamespace) -> None:
    long_title = "Vergleicht Bewertungen anderer Familien und Freunde in Foren und auf Portalen"
    ws = journey_map.ws
    persona = personas.create_persona(session, ws, {"name": "Berger, Sandra"})
    journeys.update_journey(session, ws, journey_map.journey.id, {"name": "Urlaub: #Sommer; 50 % & mehr"})
    journeys.set_journey_personas(session, ws, journey_map.journey.id, [persona.id])
    journeys.update_step(session, ws, journey_map.a.id, {"title": "Anzeige: 50 % #Rabatt; jetzt buchen"})
    journeys.update_step(session, ws, journey_map.b.id, {"title": long_title})
    journeys.update_step(session, ws, journey_map.c.id, {"title": "%% kein Kommentar, `Code` & <b>fett</b>"})
    session.flush()
    text = interop.mermaid_journey(session, ws, journey_map.journey.id)
    expected = _expected_labels(session, ws, journey_map.journey.id)
    assert "Anzeige: 50 % #Rabatt; jetzt buchen" in expected and interop.shorten(long_title) in expected
    result = _check(mermaid_page, "hostile", text, expected)
    assert "Urlaub: #Sommer; 50 % & mehr" in result["text"]  # the title, with the real “#”
    assert "Berger, Sandra" in result["text"]  # the persona in the legend, comma and all
    assert "<b>" not in result["svg"]


@pytest.mark.parametrize("security", ["strict", "loose"])
def test_html_in_titles_stays_text_whatever_the_wiki_allows(page: Page, mermaid_js: Path, session: Session,
                                                            journey_map: SimpleNamespace, security: str) -> None:
    """A wiki may render Mermaid with ``securityLevel: 'loose'`` (HTML in labels): the export's labels stay text."""
    page.set_content("<!doctype html><html><head><meta charset='utf-8'></head><body><div id='out'></div></body></html>")
    page.add_script_tag(path=str(mermaid_js))
    page.evaluate(f"mermaid.initialize({{startOnLoad: false, securityLevel: '{security}'}})")
    page.evaluate("window.hit = 0")
    ws = journey_map.ws
    journeys.update_journey(session, ws, journey_map.journey.id, {"name": "<img src=x onerror='window.hit=1'> Urlaub"})
    journeys.update_step(session, ws, journey_map.a.id, {"title": "<svg onload=\"window.hit=2\"></svg> & A"})
    journeys.update_step(session, ws, journey_map.b.id, {"title": "<script>hit=3</script>"})
    session.flush()
    text = interop.mermaid_journey(session, ws, journey_map.journey.id)
    result = _check(page, f"html-{security}", text, _expected_labels(session, ws, journey_map.journey.id))
    page.wait_for_timeout(200)
    assert page.evaluate("window.hit") == 0
    assert page.locator("#out img, #out script, #out svg svg").count() == 0
    assert "<img src=x onerror='window.hit=1'> Urlaub" in result["text"]
