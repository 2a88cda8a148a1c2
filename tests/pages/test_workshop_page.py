"""Two participants on one map: joining, capture, focus, voting, comments — each through its own AppTest session."""

from sqlalchemy import Engine
from sqlmodel import select

from models import Comment, PainPoint, Stage, Vote
from models.db import read_session
from services.journeys import crud as journeys
from services.unit_of_work import unit_of_work
from tests.pages.conftest import start_app

PAGE = "pages/map/workshop.py"


def journey(engine: Engine, workspace_id: int) -> int:
    with unit_of_work(engine) as session:
        created = journeys.create_journey(session, workspace_id, {"name": "Workshop-Reise"})
        for name in ("Suche", "Kauf"):
            stage = journeys.create_stage(session, workspace_id, created.id, {"name": name})
            journeys.create_step(session, workspace_id, stage.id, {"title": f"Schritt in {name}"})
        return created.id


def join(name: str, facilitator: bool = False):  # type: ignore[no-untyped-def]
    at = start_app(PAGE)
    at.text_input(key="workshop.join.name").set_value(name)
    if facilitator:
        at.checkbox(key="workshop.join.facilitator").check()
    at.button(key="FormSubmitter:workshop.join-Join").click().run()
    assert not at.exception, at.exception
    return at


def page_html(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(h.value for h in at.html)


def test_join_requires_a_name(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    at = start_app(PAGE)
    at.button(key="FormSubmitter:workshop.join-Join").click().run()
    assert any("Please enter a name" in e.value for e in at.error)


def test_a_capture_by_one_shows_for_the_other_and_both_are_present(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join("Anna", facilitator=True), join("Ben")
    ben.text_input(key="workshop.capture.text").set_value("Versandkosten erst im Warenkorb")
    ben.button(key="FormSubmitter:workshop.capture-Add").click().run()
    with read_session(database) as session:
        assert [p.text for p in session.exec(select(PainPoint)).all()] == ["Versandkosten erst im Warenkorb"]
    anna.run()  # the next poll
    assert "Versandkosten erst im Warenkorb" in page_html(anna)
    people = " ".join(m.value for m in anna.markdown)
    assert "Anna" in people and "Ben" in people


def test_focus_follows_the_facilitator(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join("Anna", facilitator=True), join("Ben")
    with read_session(database) as session:
        kauf_id = session.exec(select(Stage.id).where(Stage.name == "Kauf")).one()
    anna.selectbox(key="workshop.focus.stage").set_value(kauf_id)
    anna.button(key="FormSubmitter:workshop.focus-Set focus").click().run()
    ben.run()
    html = page_html(ben)
    assert "Schritt in Kauf" in html and "Schritt in Suche" not in html


def test_dot_voting_counts_show_for_everyone(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join("Anna", facilitator=True), join("Ben")
    anna.text_input(key="workshop.round.name").set_value("Größte Schmerzen")
    anna.number_input(key="workshop.round.dots").set_value(2)
    anna.button(key="FormSubmitter:workshop.round-Open round").click().run()
    ben.run()
    for _ in range(2):
        ben.button(key="workshop.vote.give").click().run()
    assert ben.button(key="workshop.vote.give").disabled  # two dots per participant: no third
    with read_session(database) as session:
        assert len(session.exec(select(Vote)).all()) == 2
    anna.run()
    assert "● 2" in page_html(anna)
    assert anna.dataframe[-1].value["votes"].tolist()[0] == 2


def test_comments_can_be_added_and_resolved(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    ben = join("Ben")
    ben.text_area(key="workshop.comment.body").set_value("Gibt es dazu Daten?")
    ben.button(key="FormSubmitter:workshop.comment.add-Comment").click().run()
    assert not ben.exception
    with read_session(database) as session:
        [comment] = session.exec(select(Comment)).all()
    assert (comment.author, comment.is_resolved) == ("Ben", False)
    ben.button(key=f"workshop.comment.resolve.{comment.id}").click().run()
    with read_session(database) as session:
        assert session.get(Comment, comment.id).is_resolved
