"""The touchpoint catalogue and the touchpoint analysis through their widgets: what is shown, what is stored."""

from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, event
from sqlmodel import select

from components.db import get_engine
from models import Comment, StepTouchpoint, Touchpoint
from models.db import read_session
from services import journeys
from services.touchpoints import crud as touchpoints
from services.unit_of_work import unit_of_work
from services.workspaces import channels
from tests.pages.conftest import figures, problems, start_app, values

PAGE = "pages/map/touchpoints.py"
ANALYSIS = "pages/analyse/touchpoint_analysis.py"


@pytest.fixture
def journey(database: Engine, workspace_id: int) -> SimpleNamespace:
    """A journey with two stages and three steps, and the workspace's channel ids by name."""
    with unit_of_work(database) as session:
        ids = {c.name: c.id for c in channels.list_channels(session, workspace_id)}
        journey = journeys.create_journey(session, workspace_id, {"name": "Sommerurlaub"})
        first = journeys.create_stage(session, workspace_id, journey.id, {"name": "Suche"})
        second = journeys.create_stage(session, workspace_id, journey.id, {"name": "Buchung"})
        steps = [journeys.create_step(session, workspace_id, stage.id, {"title": title})
                 for stage, title in ((first, "Googelt Hotels"), (first, "Ruft an"), (second, "Bucht online"))]
    return SimpleNamespace(id=journey.id, steps=[s.id for s in steps], channels=ids)


def add_touchpoints(engine: Engine, workspace_id: int, *specs: dict) -> list[int]:
    with unit_of_work(engine) as session:
        return [touchpoints.create_touchpoint(session, workspace_id, spec).id for spec in specs]


def stored(engine: Engine) -> list[Touchpoint]:
    with read_session(engine) as session:
        return list(session.exec(select(Touchpoint).order_by(Touchpoint.name)).all())


def links(engine: Engine) -> list[StepTouchpoint]:
    with read_session(engine) as session:
        return list(session.exec(select(StepTouchpoint).order_by(StepTouchpoint.id)).all())


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_empty_catalogue_invites_the_first_touchpoint(database: Engine, workspace_id: int) -> None:
    at = start_app(PAGE)
    assert at.title[0].value == "Touchpoints"
    assert any("No touchpoints yet" in info.value for info in at.info)


def test_create_a_touchpoint_that_follows_its_channel(database: Engine, journey: SimpleNamespace) -> None:
    at = start_app(PAGE)
    at.button(key="touchpoint.new").click().run()
    at.text_input(key="touchpoint.form.name").set_value("Hotline <b>24/7</b>")
    at.selectbox(key="touchpoint.form.channel_id").set_value(journey.channels["Telefon"])
    at.text_input(key="touchpoint.form.owner_department").set_value("Service")
    at.number_input(key="touchpoint.form.cost_per_contact").set_value(4.5)
    at.button(key="touchpoint.form.save").click().run()
    assert not at.exception and not errors(at)
    [hotline] = stored(database)
    assert (hotline.name, hotline.is_online, hotline.is_direct, hotline.owner_department, hotline.cost_per_contact) == (
        "Hotline <b>24/7</b>", False, True, "Service", 4.5)
    assert any("Touchpoint saved." in s.value for s in at.success)
    # user text is escaped in the markdown line of the details
    assert any(r"Hotline \<b\>24/7\</b\>" in m.value for m in at.markdown)


def test_duplicate_name_is_refused_and_a_channel_offers_only_its_own_online_flag(
        database: Engine, workspace_id: int, journey: SimpleNamespace) -> None:
    add_touchpoints(database, workspace_id, {"name": "Hotline"})
    at = start_app(PAGE)
    at.button(key="touchpoint.new").click().run()
    at.text_input(key="touchpoint.form.name").set_value("Hotline")
    at.button(key="touchpoint.form.save").click().run()
    assert "A touchpoint with this name already exists in the workspace." in errors(at)

    assert at.radio(key="touchpoint.form.online").options == ["Online", "Offline"]  # no channel: the user decides
    at.selectbox(key="touchpoint.form.channel_id").set_value(journey.channels["Telefon"]).run()
    assert at.radio(key="touchpoint.form.online").options == ["Offline"]  # an offline channel offers offline only
    at.selectbox(key="touchpoint.form.channel_id").set_value(journey.channels["Website"]).run()
    assert at.radio(key="touchpoint.form.online").options == ["Online"]
    at.text_input(key="touchpoint.form.name").set_value("Telefonberatung")
    at.button(key="touchpoint.form.save").click().run()
    assert not errors(at)
    assert [(t.name, t.is_online) for t in stored(database)] == [("Hotline", True), ("Telefonberatung", True)]


def test_attach_to_a_step_with_ratings_and_see_it_in_the_matrix(database: Engine, workspace_id: int,
                                                                journey: SimpleNamespace) -> None:
    [checkout] = add_touchpoints(database, workspace_id, {"name": "Checkout", "channel_id": journey.channels["Website"]})
    at = start_app(PAGE)
    assert any("not attached to any step" in i.value for i in at.info)
    at.selectbox(key="touchpoint.attach.journey").set_value(journey.id).run()
    at.selectbox(key="touchpoint.attach.step").set_value(journey.steps[2])
    at.number_input(key="touchpoint.attach.importance").set_value(7)
    at.number_input(key="touchpoint.attach.satisfaction").set_value(1)
    at.button(key="touchpoint.attach.save").click().run()
    assert "Must be between 1 and 5." in errors(at)
    assert links(database) == []

    at.selectbox(key="touchpoint.attach.step").set_value(journey.steps[2])
    at.number_input(key="touchpoint.attach.importance").set_value(5)
    at.number_input(key="touchpoint.attach.satisfaction").set_value(1)
    at.checkbox(key="touchpoint.attach.abort").check()
    at.button(key="touchpoint.attach.save").click().run()
    assert not at.exception and not errors(at)
    [link] = links(database)
    assert (link.step_id, link.touchpoint_id, link.importance, link.satisfaction, link.leads_to_abort) == (
        journey.steps[2], checkout, 5, 1, True)
    assert any("Touchpoint attached." in s.value for s in at.success)
    # the form starts empty for the next assignment: no ticks carried over
    assert at.selectbox(key="touchpoint.attach.step").value is None
    assert at.checkbox(key="touchpoint.attach.abort").value is False
    assert at.number_input(key="touchpoint.attach.importance").value is None

    at.switch_page(ANALYSIS).run()
    assert not at.exception
    charts = figures(at)
    matrix = next(c for c in charts if c["layout"]["title"]["text"] == "Importance–performance matrix")
    [trace] = matrix["data"]
    assert (trace["name"], values(trace["x"]), values(trace["y"]), trace["customdata"][0][0]) == (
        "Fix first", [1.0], [5.0], "Checkout")
    assert "Sommerurlaub" in trace["customdata"][0][3]  # hover shows the journeys
    ranking = next(c for c in charts if c["layout"]["title"]["text"] == "Abort touchpoints by urgency")
    assert (ranking["layout"]["yaxis"]["ticktext"], values(ranking["data"][0]["x"])) == (["Checkout"], [20.0])  # 5 × (5 − 1)


def test_user_text_in_the_charts_is_shown_as_text(database: Engine, workspace_id: int, journey: SimpleNamespace) -> None:
    [bold] = add_touchpoints(database, workspace_id, {"name": "<b>Bold</b> & co"})
    with unit_of_work(database) as session:
        touchpoints.attach_touchpoint(session, workspace_id, journey.steps[0], bold,
                                      {"importance": 5, "satisfaction": 1, "leads_to_abort": True})
    at = start_app(ANALYSIS)
    shown = figures(at)
    assert len(shown) == 4  # matrix, heatmap, channel mix, abort ranking

    def texts(node) -> list[str]:  # type: ignore[no-untyped-def]
        if isinstance(node, str):
            return [node]
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
        return [text for child in children for text in texts(child)]

    for figure in shown:
        assert not any("<b>Bold" in text for text in texts(figure))
    assert sum(any("&lt;b&gt;Bold&lt;/b&gt; &amp; co" in t for t in texts(f)) for f in shown) == 3  # not the channel mix


def test_catalogue_table_saves_all_rows_or_none(database: Engine, workspace_id: int) -> None:
    add_touchpoints(database, workspace_id, {"name": "Hotline"}, {"name": "Website"})
    at = start_app(PAGE)
    # rows in name order: 0 Hotline, 1 Website
    at.session_state["touchpoint.catalogue.table.0"] = {
        "edited_rows": {0: {"owner_department": "Service"}, 1: {"name": "Hotline"}}, "added_rows": [], "deleted_rows": [],
    }
    at.button(key="touchpoint.catalogue.save").click().run()
    assert "Nothing was saved. Please correct these rows:" in errors(at)
    assert "Website · Name: A touchpoint with this name already exists in the workspace." in problems(at)
    assert [(t.name, t.owner_department) for t in stored(database)] == [("Hotline", ""), ("Website", "")]

    at.session_state["touchpoint.catalogue.table.0"] = {
        "edited_rows": {0: {"owner_department": "Service", "cost_per_contact": 2.5}, 1: {"is_direct": False}},
        "added_rows": [], "deleted_rows": [],
    }
    at.button(key="touchpoint.catalogue.save").click().run()
    assert not errors(at)
    assert [(t.name, t.owner_department, t.cost_per_contact, t.is_direct) for t in stored(database)] == [
        ("Hotline", "Service", 2.5, True), ("Website", "", None, False)]


def test_edits_stay_on_their_rows_while_others_change_the_catalogue(database: Engine, workspace_id: int) -> None:
    hotline, website = add_touchpoints(database, workspace_id, {"name": "Hotline"}, {"name": "Website"})
    at = start_app(PAGE)
    # meanwhile someone adds a touchpoint that sorts first and changes the website
    add_touchpoints(database, workspace_id, {"name": "Aaa Chat"})
    with unit_of_work(database) as session:
        touchpoints.update_touchpoint(session, workspace_id, website, {"description": "edited elsewhere"})
    at.session_state["touchpoint.catalogue.table.0"] = {
        "edited_rows": {0: {"owner_department": "Service"}, 1: {"owner_department": "E-Commerce"}},
        "added_rows": [], "deleted_rows": [],
    }
    at.button(key="touchpoint.catalogue.save").click().run()
    assert "Website: Someone else changed this in the meantime. Reload and try again." in problems(at)
    assert [(t.name, t.owner_department) for t in stored(database)] == [("Aaa Chat", ""), ("Hotline", ""), ("Website", "")]

    at.session_state["touchpoint.catalogue.table.0"] = {
        "edited_rows": {0: {"owner_department": "Service"}}, "added_rows": [], "deleted_rows": [],
    }
    at.button(key="touchpoint.catalogue.save").click().run()
    assert not errors(at)
    assert [(t.name, t.owner_department) for t in stored(database)] == [
        ("Aaa Chat", ""), ("Hotline", "Service"), ("Website", "")]  # row 0 was Hotline when the user edited it
    assert any(c.value.startswith("3 touchpoints") for c in at.caption)  # after saving, the table shows every row


def test_evaluation_table_edits_ratings_and_detaches(database: Engine, workspace_id: int, journey: SimpleNamespace) -> None:
    [hotline] = add_touchpoints(database, workspace_id, {"name": "Hotline"})
    with unit_of_work(database) as session:
        for step_id in journey.steps[:2]:
            touchpoints.attach_touchpoint(session, workspace_id, step_id, hotline, {"importance": 3, "satisfaction": 3})
    at = start_app(PAGE)
    key = f"touchpoint.links.{hotline}.table.0"
    at.session_state[key] = {"edited_rows": {0: {"satisfaction": 9}}, "added_rows": [], "deleted_rows": []}
    at.button(key="touchpoint.links.save").click().run()
    assert "Googelt Hotels · Satisfaction (1–5): Must be between 1 and 5." in problems(at)
    assert [link.satisfaction for link in links(database)] == [3, 3]

    at.session_state[key] = {"edited_rows": {0: {"satisfaction": 2, "notes": "Warteschleife"}, 1: {"detach": True}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="touchpoint.links.save").click().run()
    assert not errors(at)
    assert [(link.step_id, link.satisfaction, link.notes) for link in links(database)] == [
        (journey.steps[0], 2, "Warteschleife")]


def test_filters(database: Engine, workspace_id: int, journey: SimpleNamespace) -> None:
    add_touchpoints(database, workspace_id,
                    {"name": "Hotline", "channel_id": journey.channels["Telefon"], "owner_department": "Service"},
                    {"name": "Reviews", "channel_id": journey.channels["Bewertungsportale"]},
                    {"name": "Website", "channel_id": journey.channels["Website"]})
    at = start_app(PAGE)
    assert any(c.value.startswith("3 touchpoints") for c in at.caption)
    at.selectbox(key="touchpoint.filter.direct").set_value("indirect").run()
    assert any(c.value.startswith("1 touchpoints") for c in at.caption)
    assert at.selectbox(key="touchpoint.selected").options == ["Reviews"]
    at.selectbox(key="touchpoint.filter.direct").set_value("").run()
    at.selectbox(key="touchpoint.filter.online").set_value("offline").run()
    assert at.selectbox(key="touchpoint.selected").options == ["Hotline"]
    at.selectbox(key="touchpoint.filter.online").set_value("").run()
    at.multiselect(key="touchpoint.filter.department").select("Service").run()
    assert at.selectbox(key="touchpoint.selected").options == ["Hotline"]
    at.multiselect(key="touchpoint.filter.department").unselect("Service").run()
    at.multiselect(key="touchpoint.filter.journey").select(journey.id).run()
    assert any("No touchpoints match these filters." in i.value for i in at.info)


def test_delete_needs_confirmation(database: Engine, workspace_id: int) -> None:
    add_touchpoints(database, workspace_id, {"name": "Hotline"})
    at = start_app(PAGE)
    at.button(key="touchpoint.delete").click().run()
    assert stored(database) and any("Delete this touchpoint?" in w.value for w in at.warning)
    at.button(key="touchpoint.delete.confirm").click().run()
    assert stored(database) == []


@pytest.mark.parametrize("page", [PAGE, ANALYSIS])
def test_sql_statements_per_rerun_do_not_grow_with_the_data(database: Engine, workspace_id: int,
                                                            journey: SimpleNamespace, page: str) -> None:
    def statements_per_rerun(at) -> int:
        engine = get_engine()  # the app's own engine (cache_resource is process-wide)
        seen: list[str] = []

        def count(*_args) -> None:  # type: ignore[no-untyped-def]
            seen.append("")

        event.listen(engine, "before_cursor_execute", count)
        try:
            at.run()
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(seen)

    def grow(count: int, offset: int) -> None:
        with unit_of_work(database) as session:
            for index in range(offset, offset + count):
                tp = touchpoints.create_touchpoint(session, workspace_id, {"name": f"TP {index}", "channel_id": journey.channels["App"]})
                for step_id in journey.steps:
                    touchpoints.attach_touchpoint(session, workspace_id, step_id, tp.id, {"importance": 1 + index % 5,
                                                                                          "satisfaction": 1 + index % 3})

    # Each size read twice: right after a change (what a cache keyed by the revision reads afresh) and again.
    grow(1, 0)
    at = start_app(page)
    grow(1, 1)
    small = statements_per_rerun(at), statements_per_rerun(at)
    grow(40, 2)
    large = statements_per_rerun(at), statements_per_rerun(at)
    assert not at.exception
    assert 0 < small[0] == large[0] and small[1] == large[1] <= small[0], (small, large)


def test_comment_on_a_touchpoint(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        hotline = touchpoints.create_touchpoint(session, workspace_id, {"name": "Hotline", "is_online": False})
    at = start_app("pages/map/touchpoints.py")
    at.selectbox(key="touchpoint.selected").set_value(hotline.id).run()
    at.text_area(key="touchpoint.comment.body").set_value("Warteschleife zu lang <b>!</b>")
    at.button(key="FormSubmitter:touchpoint.comment.add-Comment").click().run()
    with read_session(database) as session:
        [comment] = session.exec(select(Comment)).all()
    assert (comment.author, comment.touchpoint_id, comment.body) == ("Tester", hotline.id, "Warteschleife zu lang <b>!</b>")
