"""The flow Sankey drawn by plotly.js in Chromium at slide and poster sizes (what the chart's PNG button saves):
every label stays inside the image and clear of every other bar."""

from datetime import date

import pytest
from playwright.sync_api import Page
from sqlalchemy import Engine
from sqlmodel import select

from components.analysis_charts import flow_sankey_figure
from models import Journey
from models.db import read_session
from services import journeys
from services.unit_of_work import unit_of_work
from services.workspaces import demo

SIZES = {"slide": (1600, 900), "poster": (2480, 1754)}  # px: a 16:9 slide; A3 landscape at 150 dpi
MEASURE = """() => {
  const frame = document.querySelector('.main-svg').getBoundingClientRect();
  const box = r => [r.left - frame.left, r.top - frame.top, r.right - frame.left, r.bottom - frame.top];
  return {width: frame.width, height: frame.height, nodes: [...document.querySelectorAll('.sankey-node')].map(node => {
    const label = node.querySelector('.node-label');
    return {bar: box(node.querySelector('.node-rect').getBoundingClientRect()), text: label ? label.textContent : '',
            label: label && label.textContent ? box(label.getBoundingClientRect()) : null};
  })};
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


@pytest.mark.parametrize("size", list(SIZES))
def test_sankey_labels_stay_inside_the_image_and_off_the_bars(page: Page, engine: Engine, size: str) -> None:
    width, height = SIZES[size]
    page.set_viewport_size({"width": width + 40, "height": height + 40})
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    with read_session(engine) as session:
        found = session.exec(select(Journey.id, Journey.name).where(Journey.workspace_id == workspace_id)).all()
        flows = [(name, journeys.journey_flow(session, workspace_id, journey_id)) for journey_id, name in found]
    assert len(flows) >= 5
    for name, flow in flows:
        figure = flow_sankey_figure(flow, name, width=width, height=height)
        page.set_content(figure.to_html(include_plotlyjs=True, full_html=True))
        page.wait_for_selector(".sankey-node .node-label")
        drawn = page.evaluate(MEASURE)
        assert (round(drawn["width"]), round(drawn["height"])) == (width, height)
        labelled = [node for node in drawn["nodes"] if node["label"]]
        assert len(labelled) == len(drawn["nodes"]) > 3, name
        for node in labelled:
            left, top, right, bottom = node["label"]
            assert left >= 0 and top >= 0 and right <= width and bottom <= height, (size, name, node["text"], node["label"])
            others = [other["text"] for other in drawn["nodes"] if other is not node and _overlap(node["label"], other["bar"])]
            assert not others, (size, name, node["text"], others)
        assert any(len(node["text"]) >= 10 for node in labelled), (size, name)  # readable names, not stubs
