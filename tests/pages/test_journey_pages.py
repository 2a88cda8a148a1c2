"""Journeys list and map editor through their widgets: what is rendered and what is stored."""

import json

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from models import Journey, Stage, Step, Transition
from models.db import read_session
from services import journeys
from services.unit_of_work import unit_of_work
from tests.pages.conftest import figures, start_app, values

LIST = "pages/map/journeys.py"
EDITOR = "pages/map/journey_editor.py"


def rows(engine: Engine, model, *where):  # type: ignore[no-untyped-def]
    with read_session(engine) as session:
        return list(session.exec(select(model).where(*where)).all())


@pytest.fixture
def small_journey(database: Engine, workspace_id: int) -> int:
    """A journey with two stages and three steps, no branches yet."""
    with unit_of_work(database) as session:
        journey = journeys.create_journey(session, workspace_id, {"name": "Online-Kauf"})
        search = journeys.create_stage(session, workspace_id, journey.id, {"name": "Suche"})
        buy = journeys.create_stage(session, workspace_id, journey.id, {"name": "Kauf"})
        journeys.create_step(session, workspace_id, search.id, {"title": "Googelt", "is_entry": True, "entry_share": 100})
        journeys.create_step(session, workspace_id, buy.id, {"title": "Warenkorb"})
        journeys.create_step(session, workspace_id, buy.id, {"title": "Bezahlt", "is_exit": True, "exit_kind": "purchase"})
        return journey.id


def open_editor(journey_id: int, view: str = "map"):  # type: ignore[no-untyped-def]
    at = start_app()
    at.session_state["journey.editor.journey_id"] = journey_id
    at.session_state["journey.editor.view"] = view
    at.switch_page(EDITOR).run()
    assert not at.exception, at.exception
    return at


def test_create_a_journey_from_the_aida_template(database: Engine, workspace_id: int) -> None:
    at = start_app(LIST)
    at.text_input(key="journey.create.name").set_value("Sommerurlaub")
    at.selectbox(key="journey.create.template").set_value("aida_dl")
    at.button(key="FormSubmitter:journey.create-Create journey").click().run()
    assert not at.exception
    [journey] = rows(database, Journey)
    stages = sorted(rows(database, Stage, Stage.journey_id == journey.id), key=lambda s: s.position)
    assert len(stages) == 6
    assert at.title[0].value == "Sommerurlaub"  # the editor opened on the new journey


def test_empty_journey_name_is_refused(database: Engine, workspace_id: int) -> None:
    at = start_app(LIST)
    at.button(key="FormSubmitter:journey.create-Create journey").click().run()
    assert any("required" in e.value for e in at.error)
    assert rows(database, Journey) == []


def test_add_stage_and_step_in_the_editor(database: Engine, small_journey: int) -> None:
    at = open_editor(small_journey)
    at.text_input(key="journey.add_stage.name").set_value("Lieferung")
    at.button(key="FormSubmitter:journey.add_stage-Add stage").click().run()
    assert "Lieferung" in [s.name for s in rows(database, Stage)]

    lieferung = next(s for s in rows(database, Stage) if s.name == "Lieferung")
    at.selectbox(key="journey.add_step.stage").set_value(lieferung.id)
    at.text_input(key="journey.add_step.title").set_value("Paket kommt an")
    at.button(key="FormSubmitter:journey.add_step-Add step").click().run()
    [step] = rows(database, Step, Step.title == "Paket kommt an")
    assert step.stage_id == lieferung.id
    assert "Paket kommt an" in at.html[0].value  # the grid shows it


def test_the_emotion_curve_is_its_own_view_and_follows_a_new_step(database: Engine, small_journey: int) -> None:
    at = open_editor(small_journey)
    assert not at.get("plotly_chart")  # the map view: the grid's Feeling lane, no chart to redraw on every new step
    at.segmented_control(key="journey.editor.view").set_value("curve").run()
    [chart] = figures(at)
    assert values(chart["data"][0]["y"]) == [0, 0, 0]
    with unit_of_work(database) as session:
        stage = session.exec(select(Stage.id).where(Stage.name == "Kauf")).one()
        journeys.create_step(session, session.exec(select(Journey.workspace_id)).one(), stage, {"title": "Jubelt", "emotion": 3})
    at.run()
    [chart] = figures(at)
    assert values(chart["data"][0]["y"]) == [0, 0, 0, 3]


def test_branch_warnings_then_adding_branches_clears_them(database: Engine, small_journey: int) -> None:
    at = open_editor(small_journey, "branches")
    warnings = " ".join(w.value for w in at.warning)
    assert "cannot be reached" in warnings or "unreachable" in warnings.lower()
    steps = {s.title: s.id for s in rows(database, Step)}
    for source, target in (("Googelt", "Warenkorb"), ("Warenkorb", "Bezahlt")):
        at.selectbox(key="branch.add.source").set_value(steps[source])
        at.selectbox(key="branch.add.target").set_value(steps[target])
        at.number_input(key="branch.add.share").set_value(100.0)
        at.button(key="FormSubmitter:branch.add-Add branch").click().run()
    assert len(rows(database, Transition)) == 2
    assert any("consistent" in s.value for s in at.success)


def test_bad_branch_input_saves_nothing(database: Engine, small_journey: int) -> None:
    at = open_editor(small_journey, "branches")
    steps = {s.title: s.id for s in rows(database, Step)}
    at.selectbox(key="branch.add.source").set_value(steps["Googelt"])
    at.selectbox(key="branch.add.target").set_value(steps["Warenkorb"])
    at.number_input(key="branch.add.share").set_value(150.0)
    at.button(key="FormSubmitter:branch.add-Add branch").click().run()
    assert any("between 0 and 100" in e.value for e in at.error)
    assert rows(database, Transition) == []


def test_duplicate_as_to_be(database: Engine, small_journey: int) -> None:
    at = start_app(LIST)
    at.selectbox(key="journeys.selected").set_value(small_journey)
    at.button(key="journey.duplicate").click().run()
    copies = rows(database, Journey, Journey.origin_journey_id == small_journey)
    assert [(c.name, c.state) for c in copies] == [("Online-Kauf (to-be)", "to_be")]
    assert len(rows(database, Step, Step.journey_id == copies[0].id)) == 3


def test_delete_stage_with_steps_needs_confirmation_and_can_be_undone(database: Engine, small_journey: int) -> None:
    at = open_editor(small_journey)
    kauf = next(s for s in rows(database, Stage) if s.name == "Kauf")
    at.selectbox(key="journey.stage.id").set_value(kauf.id).run()
    at.button(key="journey.stage.delete").click().run()
    assert any("still holds 2 steps" in e.value for e in at.error)
    assert len(rows(database, Step)) == 3

    at.checkbox(key=f"journey.stage.confirm.{kauf.id}").check()
    at.button(key="journey.stage.delete").click().run()
    assert len(rows(database, Step)) == 1
    at.button(key="journey.editor.undo.button").click().run()
    assert sorted(s.title for s in rows(database, Step)) == ["Bezahlt", "Googelt", "Warenkorb"]


def test_graph_view_escapes_step_titles(database: Engine, small_journey: int, workspace_id: int) -> None:
    evil = "<img src=x onerror=alert(1)>"
    with unit_of_work(database) as session:
        step = next(s for s in journeys.list_steps(session, workspace_id, small_journey) if s.title == "Warenkorb")
        journeys.update_step(session, workspace_id, step.id, {"title": evil})
    at = open_editor(small_journey, "graph")
    [graph] = [e for e in at.main if type(e).__name__ == "UnknownElement" and e.proto.component_name.endswith("agraph")]
    data = json.loads(json.loads(graph.proto.json_args)["data"])
    node = next(n for n in data["nodes"] if n["id"] == str(step.id))
    # No hover title: the component parses it as HTML and opens it as an address on a double click (a junk tab),
    # and vis-network shows it as text (escaped markup appeared literally). The label says it all, as plain text.
    assert all("title" not in n for n in data["nodes"])
    assert " ".join(node["label"].split("\n")[:2]) == evil and "Emotion +0" in node["label"].split("\n")[-1]
    assert node["font"]["size"] >= 20
    assert {(e["from"], e["to"]) for e in data["edges"]} == set()


def test_editor_step_form_saves_fields(database: Engine, small_journey: int) -> None:
    at = open_editor(small_journey)
    target = next(s for s in rows(database, Step) if s.title == "Warenkorb")
    at.selectbox(key="journey.editor.step_id.picker").set_value(target.id).run()
    at.text_area(key="step.form.thinking").set_value("Was kostet der Versand?")
    at.slider(key="step.form.emotion").set_value(-2)
    at.checkbox(key="step.form.is_moment_of_truth").check()
    at.button(key="step.form.save").click().run()
    [saved] = rows(database, Step, Step.id == target.id)
    assert (saved.thinking, saved.emotion, saved.is_moment_of_truth) == ("Was kostet der Versand?", -2, True)


def test_concurrent_edit_shows_both_versions_and_lets_me_choose(database: Engine, small_journey: int,
                                                                workspace_id: int) -> None:
    at = open_editor(small_journey)
    target = next(s for s in rows(database, Step) if s.title == "Warenkorb")
    at.selectbox(key="journey.editor.step_id.picker").set_value(target.id).run()
    at.text_area(key="step.form.thinking").set_value("Meine Sicht")
    with unit_of_work(database, actor="Carla") as session:  # a colleague saves first
        journeys.update_step(session, workspace_id, target.id, {"thinking": "Ihre Sicht"})
    at.button(key="step.form.save").click().run()
    assert any("Carla saved this step while you were editing it" in w.value for w in at.warning)  # who changed it
    table = at.table[0].value
    assert table.iloc[0].tolist()[2:5] == ["Ihre Sicht", "Meine Sicht", "Ihre Sicht\nMeine Sicht"]
    [stored] = rows(database, Step, Step.id == target.id)
    assert stored.thinking == "Ihre Sicht"  # nothing overwritten silently
    assert at.button(key="step.conflict.merge").proto.type == "primary"  # the safe action
    assert at.button(key="step.conflict.mine").proto.type != "primary"

    at.button(key="step.conflict.mine").click().run()
    [stored] = rows(database, Step, Step.id == target.id)
    assert stored.thinking == "Meine Sicht"


def test_a_three_way_merge_keeps_both_colleagues_words(database: Engine, small_journey: int, workspace_id: int) -> None:
    at = open_editor(small_journey)
    target = next(s for s in rows(database, Step) if s.title == "Warenkorb")
    at.selectbox(key="journey.editor.step_id.picker").set_value(target.id).run()
    at.text_area(key="step.form.thinking").set_value("Was kostet der Versand?")
    at.text_area(key="step.form.feeling").set_value("unsicher")
    with unit_of_work(database, actor="Carla") as session:  # a colleague saves other fields, and one of mine
        journeys.update_step(session, workspace_id, target.id, {"needs": "Bedürfnisse: A braucht", "feeling": "genervt"})
    at.button(key="step.form.save").click().run()
    why = dict(zip(at.table[0].value.iloc[:, 0], at.table[0].value.iloc[:, -1], strict=True))
    assert why == {"Thinking": "yours (only you changed it)", "Feeling": "both changed it: check the merged text",
                   "Needs": "theirs (only they changed it)"}

    at.button(key="step.conflict.merge").click().run()
    assert at.text_area(key="step.form.needs").value == "Bedürfnisse: A braucht"  # theirs, pre-filled
    assert at.text_area(key="step.form.thinking").value == "Was kostet der Versand?"  # mine
    assert at.text_area(key="step.form.feeling").value == "genervt\nunsicher"  # both, marked
    assert any("Both of you changed: Feeling" in i.value for i in at.info)
    at.text_area(key="step.form.feeling").set_value("genervt und unsicher")
    at.button(key="step.form.save").click().run()
    assert not at.exception, at.exception
    [stored] = rows(database, Step, Step.id == target.id)
    assert (stored.needs, stored.thinking, stored.feeling) == (
        "Bedürfnisse: A braucht", "Was kostet der Versand?", "genervt und unsicher")


def test_the_editor_shows_who_changed_the_map(database: Engine, small_journey: int, workspace_id: int) -> None:
    """(That a refresh keeps half-typed text is a browser's matter: tests/browser/test_workshop_browser.py.)"""
    at = open_editor(small_journey)
    target = next(s for s in rows(database, Step) if s.title == "Warenkorb")
    at.selectbox(key="journey.editor.step_id.picker").set_value(target.id).run()
    with unit_of_work(database, actor="Carla") as session:  # a colleague on another screen
        kauf = session.exec(select(Stage.id).where(Stage.name == "Kauf")).one()
        journeys.create_step(session, workspace_id, kauf, {"title": "Gutschein eingelöst"})
    at.run()  # the next poll
    assert not at.exception, at.exception
    assert any("Carla added the step “Gutschein eingelöst”" in c.value for c in at.caption)
    assert "Gutschein eingelöst" in " ".join(h.value for h in at.html) + " ".join(m.value for m in at.markdown)
    assert at.selectbox(key="journey.editor.step_id.picker").value == target.id  # still on my step


def test_deleting_a_step_someone_just_edited_asks_first(database: Engine, small_journey: int, workspace_id: int) -> None:
    target = next(s for s in rows(database, Step) if s.title == "Warenkorb")
    with unit_of_work(database, actor="Carla") as session:
        journeys.update_step(session, workspace_id, target.id, {"needs": "Klare Versandkosten"})
    at = open_editor(small_journey)
    at.selectbox(key="journey.editor.step_id.picker").set_value(target.id).run()
    at.button(key="step.delete").click().run()
    assert any("Carla changed this step a moment ago" in w.value for w in at.warning)
    assert len(rows(database, Step, Step.id == target.id)) == 1
    at.button(key="step.delete.anyway").click().run()
    assert rows(database, Step, Step.id == target.id) == []


def test_fast_capture_keeps_the_stage_and_connects_each_new_step(database: Engine, small_journey: int) -> None:
    at = open_editor(small_journey)
    kauf = next(s for s in rows(database, Stage) if s.name == "Kauf")
    at.selectbox(key="journey.add_step.stage").set_value(kauf.id)
    for title in ("Prüft Versand", "Wählt Zahlart", "Gibt Adresse ein"):
        at.text_input(key="journey.add_step.title").set_value(title)
        at.button(key="FormSubmitter:journey.add_step-Add step").click().run()
        assert not at.exception, at.exception
        assert at.selectbox(key="journey.add_step.stage").value == kauf.id  # the stage stays chosen
        assert at.text_input(key="journey.add_step.title").value == ""  # the field is empty for the next one
    at.toggle(key="journey.add_step.connect").set_value(False)
    at.text_input(key="journey.add_step.title").set_value("Nebenbei")
    at.button(key="FormSubmitter:journey.add_step-Add step").click().run()
    ids = {s.title: s.id for s in rows(database, Step)}
    chain = [ids[t] for t in ("Bezahlt", "Prüft Versand", "Wählt Zahlart", "Gibt Adresse ein")]
    pairs = {(t.source_step_id, t.target_step_id) for t in rows(database, Transition)}
    assert pairs == set(zip(chain[1:], chain[2:], strict=False))  # "Bezahlt" is an exit: the chain starts after it
    assert at.toggle(key="journey.add_step.connect").value is False  # the choice stays too


def test_quick_added_step_opens_with_its_own_values_and_saves_twice(database: Engine, small_journey: int) -> None:
    at = open_editor(small_journey)
    suche = next(s for s in rows(database, Stage) if s.name == "Suche")
    at.selectbox(key="journey.add_step.stage").set_value(suche.id)
    at.text_input(key="journey.add_step.title").set_value("Liest Testberichte")
    at.button(key="FormSubmitter:journey.add_step-Add step").click().run()
    assert at.text_input(key="step.form.title").value == "Liest Testberichte"
    assert at.checkbox(key="step.form.is_entry").value is False  # not the previous step's values
    at.text_area(key="step.form.thinking").set_value("Erste Fassung")
    at.button(key="step.form.save").click().run()
    at.text_area(key="step.form.thinking").set_value("Zweite Fassung")
    at.button(key="step.form.save").click().run()
    assert not any("Someone else saved" in w.value for w in at.warning)  # my own save is no conflict
    [step] = rows(database, Step, Step.title == "Liest Testberichte")
    assert (step.thinking, step.is_entry) == ("Zweite Fassung", False)
    assert [s.title for s in rows(database, Step, Step.title == "Googelt")] == ["Googelt"]
