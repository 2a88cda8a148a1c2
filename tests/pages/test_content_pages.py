"""The content page through its widgets: content items, the content map, gaps and coverage."""

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, event, update
from sqlmodel import select

from components.db import get_engine
from models import ContentItem, ContentMapping
from models.db import read_session
from services import journeys
from services.content import crud as content
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints
from services.unit_of_work import unit_of_work
from services.workspaces import channels
from tests.pages.conftest import start_app

PAGE = "pages/map/content.py"


@pytest.fixture
def case(database: Engine, workspace_id: int) -> SimpleNamespace:
    """Anna prefers the website; the journey's stage "Suche" has a step on a website touchpoint: one gap."""
    ws = workspace_id
    with unit_of_work(database) as session:
        ids = {c.name: c.id for c in channels.list_channels(session, ws)}
        anna = personas.create_persona(session, ws, {"name": "Anna"}, channels=[(ids["Website"], 5, "")])
        journey = journeys.create_journey(session, ws, {"name": "Kauf"}, persona_ids=[anna.id])
        search = journeys.create_stage(session, ws, journey.id, {"name": "Suche"})
        journeys.create_stage(session, ws, journey.id, {"name": "Kauf"})
        step = journeys.create_step(session, ws, search.id, {"title": "Vergleicht Angebote"})
        shop = touchpoints.create_touchpoint(session, ws, {"name": "Shop", "channel_id": ids["Website"]})
        touchpoints.attach_touchpoint(session, ws, step.id, shop.id)
        guide = content.create_content_item(session, ws, {"title": "Ratgeber <i>Koffer</i>", "status": "live"})
        draft = content.create_content_item(session, ws, {"title": "Video (geplant)", "format": "video"})
    return SimpleNamespace(ws=ws, ids=ids, anna=anna.id, journey=journey.id, search=search.id, guide=guide.id, draft=draft.id)


def mappings(engine: Engine) -> list[ContentMapping]:
    with read_session(engine) as session:
        return list(session.exec(select(ContentMapping)).all())


def items(engine: Engine) -> list[ContentItem]:
    with read_session(engine) as session:
        return list(session.exec(select(ContentItem).order_by(ContentItem.title)).all())


def gap_table(at):  # type: ignore[no-untyped-def]
    return next((frame.value for frame in at.dataframe if "score" in frame.value.columns), None)


def coverage_chart(at) -> dict:  # type: ignore[no-untyped-def]
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    return next(chart for chart in charts if "coverage" in chart["layout"]["title"]["text"])


def map_content(at, item_id: int, persona=None, need: str = "") -> None:  # type: ignore[no-untyped-def]
    at.selectbox(key="content.map.add.item").set_value(item_id)
    at.selectbox(key="content.map.add.persona").set_value(persona)
    at.text_input(key="content.map.add.need").set_value(need)
    at.button(key="content.map.add.save").click().run()


def test_without_a_journey_the_map_says_what_it_needs(database: Engine, workspace_id: int) -> None:
    at = start_app(PAGE)
    assert at.title[0].value == "Content"
    assert any("needs a journey" in i.value for i in at.info)
    assert any("No content items yet" in i.value for i in at.info)


def test_map_a_content_item_and_watch_the_gap_disappear(database: Engine, case: SimpleNamespace) -> None:
    at = start_app(PAGE)
    gaps = gap_table(at)
    assert gaps[["persona", "stage", "channel", "score"]].values.tolist() == [["Anna", "Suche", "Website", 5]]
    matrix = next(frame for frame in at.dataframe if "Website" in frame.value.columns).value
    assert matrix.loc["Suche", "Website"] == "⚠️ gap for Anna"
    assert any("Gap: this channel is preferred by Anna, and 1 steps" in w.value for w in at.warning)  # the panel shows the first cell
    assert coverage_chart(at)["data"][0]["text"] == [["0/1", "–"]]

    # planned content does not close a gap
    map_content(at, case.draft, need="Wie groß ist der Koffer?")
    assert not at.exception and len(mappings(database)) == 1
    assert gap_table(at) is not None

    map_content(at, case.guide, persona=case.anna, need="Welcher Koffer passt ins Handgepäck?")
    assert not at.exception
    assert gap_table(at) is None
    assert any("No gaps" in s.value for s in at.success)
    matrix = next(frame for frame in at.dataframe if "Website" in frame.value.columns).value
    assert "✅ Ratgeber <i>Koffer</i> (Welcher Koffer passt ins Handgepäck?) [Anna]" in matrix.loc["Suche", "Website"]
    assert coverage_chart(at)["data"][0]["text"] == [["1/1", "–"]]
    # the cell lists its content, user text escaped for markdown
    assert any(r"Ratgeber \<i\>Koffer\</i\>" in m.value for m in at.markdown)

    # removing the live mapping opens the gap again
    live = next(m for m in mappings(database) if m.content_item_id == case.guide)
    at.button(key=f"content.map.remove.{live.id}").click().run()
    assert [m.content_item_id for m in mappings(database)] == [case.draft]
    assert gap_table(at) is not None


def test_mapping_the_same_content_twice_is_refused_next_to_the_field(database: Engine, case: SimpleNamespace) -> None:
    at = start_app(PAGE)
    map_content(at, case.guide)
    map_content(at, case.guide)
    assert "This content is already mapped to that cell." in [e.value for e in at.error]
    assert len(mappings(database)) == 1
    map_content(at, None)
    assert "This field is required." in [e.value for e in at.error]


def test_persona_view_and_every_channel(database: Engine, case: SimpleNamespace) -> None:
    at = start_app(PAGE)
    at.selectbox(key="content.map.persona").set_value(case.anna).run()
    matrix = next(frame for frame in at.dataframe if "Website" in frame.value.columns).value
    assert list(matrix.columns) == ["Website"] and matrix.loc["Suche", "Website"] == "⚠️ gap"
    at.toggle(key="content.map.all_channels").set_value(True).run()
    matrix = next(frame for frame in at.dataframe if "Website" in frame.value.columns).value
    assert len(matrix.columns) == len(case.ids)


def test_content_items_create_edit_delete(database: Engine, case: SimpleNamespace) -> None:
    at = start_app(PAGE)
    at.button(key="content.new").click().run()
    at.text_input(key="content.form.title").set_value("Ratgeber <i>Koffer</i>")
    at.button(key="content.form.save").click().run()
    assert "A content item with this title already exists in the workspace." in [e.value for e in at.error]
    assert len(items(database)) == 2

    at.text_input(key="content.form.title").set_value("Packliste")
    at.selectbox(key="content.form.format").set_value("faq")
    at.selectbox(key="content.form.status").set_value("in_production")
    at.text_input(key="content.form.owner").set_value("Redaktion")
    at.button(key="content.form.save").click().run()
    assert not at.exception
    packliste = next(i for i in items(database) if i.title == "Packliste")
    assert (packliste.format, packliste.status, packliste.owner) == ("faq", "in_production", "Redaktion")

    at.selectbox(key="content.selected").set_value(packliste.id).run()
    at.button(key="content.edit").click().run()
    assert at.text_input(key="content.form.title").value == "Packliste"
    at.selectbox(key="content.form.status").set_value("live")
    at.button(key="content.form.save").click().run()
    assert next(i for i in items(database) if i.title == "Packliste").status == "live"

    at.multiselect(key="content.filter.status").select("live").run()
    assert set(at.selectbox(key="content.selected").options) == {"Packliste", "Ratgeber <i>Koffer</i>"}

    at.selectbox(key="content.selected").set_value(packliste.id).run()
    at.button(key="content.delete").click().run()
    assert any("Delete the content item" in w.value for w in at.warning)
    at.button(key="content.delete.confirm").click().run()
    assert "Packliste" not in [i.title for i in items(database)]


def test_sql_statements_per_rerun_do_not_grow_with_the_data(database: Engine, case: SimpleNamespace) -> None:
    def statements_per_rerun(at) -> int:  # type: ignore[no-untyped-def]
        seen: list[str] = []

        def count(*_args) -> None:  # type: ignore[no-untyped-def]
            seen.append("")

        engine = get_engine()
        event.listen(engine, "before_cursor_execute", count)
        try:
            at.run()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    # Each size read twice: right after a change (what a cache keyed by the revision reads afresh) and again.
    at = start_app(PAGE)
    with unit_of_work(database) as session:
        content.create_content_item(session, case.ws, {"title": "Start", "status": "live"})
    small = statements_per_rerun(at), statements_per_rerun(at)
    with unit_of_work(database) as session:
        stage = journeys.create_stage(session, case.ws, case.journey, {"name": "Lieferung"})
        for index in range(30):
            step = journeys.create_step(session, case.ws, stage.id, {"title": f"Schritt {index}"})
            tp = touchpoints.create_touchpoint(session, case.ws, {"name": f"TP {index}", "channel_id": case.ids["E-Mail"]})
            touchpoints.attach_touchpoint(session, case.ws, step.id, tp.id)
            item = content.create_content_item(session, case.ws, {"title": f"Mail {index}", "status": "live"})
            content.create_content_mapping(session, case.ws, {"content_item_id": item.id, "stage_id": stage.id,
                                                              "channel_id": case.ids["E-Mail"]})
    large = statements_per_rerun(at), statements_per_rerun(at)
    assert not at.exception
    assert 0 < small[0] == large[0] and small[1] == large[1] < small[0], (small, large)


def test_a_url_stored_before_the_rule_is_not_shown_as_a_link(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        content.create_content_item(session, workspace_id, {"title": "FAQ", "url": "https://x.example/faq"})
        old = content.create_content_item(session, workspace_id, {"title": "Alt"})
        session.flush()
        session.execute(update(ContentItem).where(ContentItem.id == old.id).values(url="javascript:alert(1)"))  # an old row
    at = start_app(PAGE)
    assert not at.exception, at.exception
    table = next(frame.value for frame in at.dataframe if "url" in frame.value.columns)
    assert dict(zip(table["title"], table["url"], strict=True)) == {"FAQ": "https://x.example/faq", "Alt": ""}
