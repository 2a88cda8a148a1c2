"""Two participants on one map: joining, capture, focus, voting, comments — each through its own AppTest session."""

import time

from sqlalchemy import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import Comment, Journey, Membership, PainPoint, Stage, Step, Vote, VoteRound
from models.db import read_session
from services import accounts, journeys
from services.unit_of_work import unit_of_work
from tests.pages.conftest import APP, component_data, send_trigger, start_app

PAGE = "pages/map/workshop.py"


def journey(engine: Engine, workspace_id: int) -> int:
    with unit_of_work(engine) as session:
        created = journeys.create_journey(session, workspace_id, {"name": "Workshop-Reise"})
        for name in ("Suche", "Kauf"):
            stage = journeys.create_stage(session, workspace_id, created.id, {"name": name})
            journeys.create_step(session, workspace_id, stage.id, {"title": f"Schritt in {name}"})
        return created.id


def join(engine: Engine, workspace_id: int, name: str, facilitator: bool = False):  # type: ignore[no-untyped-def]
    """``name`` opens the Workshop page signed in: an account that runs workshops, or an editor."""
    with unit_of_work(engine) as session:
        account = accounts.create_account(session, f"{name.lower()}@example.com", name, "correct horse battery")
        session.add(Membership(workspace_id=workspace_id, account_id=account.id, role="facilitator" if facilitator else "editor"))
    at = start_app(PAGE, account_id=account.id)
    assert not at.exception, at.exception
    return at


def page_html(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(h.value for h in at.html)


def room(at) -> dict:  # type: ignore[no-untyped-def]
    """What the room's watch component was given to draw (who is here, the countdown) and to compare."""
    return component_data(at, "room_watch")


def vote(at, step_id: int, dots: int):  # type: ignore[no-untyped-def]
    """The person ends on ``dots`` on the step's card of the dot board (what the browser sends after the clicks:
    the numbers, and the send's number)."""
    seq = component_data(at, "dot_board")["seen"] + 1
    return send_trigger(at, "dot_board", "dots", {"seq": seq, "dots": {f"step_id.{step_id}": dots}})


def board(at) -> dict:  # type: ignore[no-untyped-def]
    """The dot board as drawn: card → the person's dots, and the budget line's values."""
    data = component_data(at, "dot_board")
    return {"have": data["have"], "elsewhere": data["elsewhere"], "budget": data["budget"],
            "cards": [label for _key, label in data["cards"]]}


def open_round(database: Engine, anna, ben, name: str, hidden: bool = False) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The facilitator opens the journey's first voting round, the participant's next poll shows it;
    returns its id and the id of the step "Schritt in Kauf"."""
    anna.text_input(key="workshop.round.name").set_value(name)
    if hidden:
        anna.checkbox(key="workshop.round.hidden").check()
    anna.button(key="FormSubmitter:workshop.round-Open round").click().run()
    ben.run()
    with read_session(database) as session:
        round_id = session.exec(select(VoteRound.id)).one()
        step_id = session.exec(select(Step.id).where(Step.title == "Schritt in Kauf")).one()
    return round_id, step_id  # type: ignore[return-value]


def test_a_guest_link_needs_a_name_and_admits_to_its_journey_only(database: Engine, workspace_id: int) -> None:
    journey_id = journey(database, workspace_id)
    with unit_of_work(database) as session:
        journeys.create_journey(session, workspace_id, {"name": "Andere Reise"})
        _link, token = accounts.create_guest_link(session, workspace_id, journey_id, hours=1)
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = "en"
    at.query_params["join"] = token
    at.run()
    at.button(key="FormSubmitter:auth.join-Join").click().run()
    assert any("This field is required." in e.value for e in at.error)
    at.text_input(key="auth.join.name").set_value("Gina")
    at.button(key="FormSubmitter:auth.join-Join").click().run()
    assert not at.exception, at.exception
    assert at.selectbox(key="workshop.journey").options == ["Workshop-Reise"]  # the other journey is not offered
    assert "Signed in as Gina" in " ".join(c.value for c in at.sidebar.caption)


def test_a_capture_by_one_shows_for_the_other_and_both_are_present(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join(database, workspace_id, "Anna", facilitator=True), join(database, workspace_id, "Ben")
    with read_session(database) as session:
        kauf_step = session.exec(select(Step.id).where(Step.title == "Schritt in Kauf")).one()
    ben.selectbox(key="workshop.capture.step").set_value(kauf_step)
    ben.text_input(key="workshop.capture.text").set_value("Versandkosten erst im Warenkorb")
    ben.button(key="FormSubmitter:workshop.capture-Add").click().run()
    with read_session(database) as session:  # on the chosen step, no placeholder step
        assert [(p.text, p.step_id) for p in session.exec(select(PainPoint)).all()] == [("Versandkosten erst im Warenkorb", kauf_step)]
        assert len(session.exec(select(Step)).all()) == 2
    assert ben.text_input(key="workshop.capture.text").value == ""  # ready for the next thought
    assert ben.selectbox(key="workshop.capture.step").value == kauf_step  # on the same step
    anna.run()  # the next poll
    assert "Versandkosten erst im Warenkorb" in page_html(anna)
    assert room(anna)["room"]["people"] == [["Anna", True], ["Ben", False]]  # facilitators first


def test_focus_follows_the_facilitator(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join(database, workspace_id, "Anna", facilitator=True), join(database, workspace_id, "Ben")
    with read_session(database) as session:
        kauf_id = session.exec(select(Stage.id).where(Stage.name == "Kauf")).one()
    anna.selectbox(key="workshop.focus.stage").set_value(kauf_id)
    anna.button(key="FormSubmitter:workshop.focus-Set focus").click().run()
    ben.run()
    html = page_html(ben)
    assert "Schritt in Kauf" in html and "Schritt in Suche" not in html


def test_the_facilitators_countdown_reaches_the_room_and_names_stay_text(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join(database, workspace_id, "Anna", facilitator=True), join(database, workspace_id, "<b>Ben</b>")
    anna.number_input(key="workshop.timer.minutes").set_value(3)
    anna.button(key="FormSubmitter:workshop.timer-Start").click().run()
    ben.run()
    seen = room(ben)
    assert 170_000 < seen["room"]["ends"] - time.time() * 1000 <= 180_000  # 3 minutes less the seconds the runs took
    assert seen["labels"] == {"left": "Time left", "up": "Time is up!"}
    assert seen["room"]["people"] == [["Anna", True], ["<b>Ben</b>", False]]  # data the component draws as text
    assert "<b>Ben" not in page_html(ben)
    anna.button(key="FormSubmitter:workshop.timer-Stop").click().run()
    ben.run()
    assert room(ben)["room"]["ends"] is None


def test_dot_voting_counts_show_for_everyone(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join(database, workspace_id, "Anna", facilitator=True), join(database, workspace_id, "Ben")
    anna.text_input(key="workshop.round.name").set_value("Größte Schmerzen")
    anna.number_input(key="workshop.round.dots").set_value(2)
    anna.button(key="FormSubmitter:workshop.round-Open round").click().run()
    ben.run()
    with read_session(database) as session:
        step_id = session.exec(select(Step.id).where(Step.title == "Schritt in Suche")).one()
    assert board(ben) == {"have": {}, "elsewhere": 0, "budget": 2, "cards": ["👣 Schritt in Suche", "👣 Schritt in Kauf"]}
    vote(ben, step_id, 2)
    assert board(ben)["have"] == {f"step_id.{step_id}": 2}  # the database's answer
    assert "● 2" in page_html(ben)  # the voter's own card counts them in the same run, not at the next poll
    ben.run()  # a poll replaying the same state adds no dot
    vote(ben, step_id, 2)  # nor does the same number sent again (a retry)
    with read_session(database) as session:
        assert len(session.exec(select(Vote)).all()) == 2
    anna.run()
    assert "● 2" in page_html(anna)
    results = anna.dataframe[-1].value
    assert list(results.columns) == ["Rank", "Kind", "Item", "On step", "Dots", "Voters"]
    assert results.values.tolist() == [[1, "Step", "Schritt in Suche", "Schritt in Suche", 2, 1]]


def test_dots_over_the_budget_or_malformed_change_nothing(database: Engine, workspace_id: int) -> None:
    journey_id = journey(database, workspace_id)
    anna, ben = join(database, workspace_id, "Anna", facilitator=True), join(database, workspace_id, "Ben")
    anna.number_input(key="workshop.round.dots").set_value(2)
    _round_id, step_id = open_round(database, anna, ben, "Knapp")
    vote(ben, step_id, 3)
    assert not ben.exception, ben.exception
    assert any("All 2 dots of this round are used." in e.value for e in ben.error)
    assert board(ben)["have"] == {}  # the board shows the database's count again
    dots = f"step_id.{step_id}"
    for sent in ({"step_id.x": 1}, {"comment_id.1": 1}, {dots: -1}, {dots: True}, {dots: "1"}, {dots: 1000}):
        send_trigger(ben, "dot_board", "dots", {"seq": 5, "dots": sent})
        assert not ben.exception, (sent, ben.exception)
    for sent in ({dots: 1}, ["step_id", 1], "1", {"seq": "6", "dots": {dots: 1}}, {"seq": -1, "dots": {dots: 1}}):
        send_trigger(ben, "dot_board", "dots", sent)  # not the board's message at all
        assert not ben.exception, (sent, ben.exception)
    assert component_data(ben, "dot_board")["seen"] == 5  # what the browser learns: sends up to 5 are answered
    vote(ben, step_id + 1000, 1)  # a card of no map here
    with read_session(database) as session:
        assert session.exec(select(Vote)).all() == []
    vote(ben, step_id, 2)
    assert board(ben)["have"] == {f"step_id.{step_id}": 2}
    with read_session(database) as session:
        other = session.exec(select(Step.id).where(Step.title == "Schritt in Suche")).one()
    seq = component_data(ben, "dot_board")["seen"] + 1  # a dot moved with the budget full: both numbers in one send
    send_trigger(ben, "dot_board", "dots", {"seq": seq, "dots": {f"step_id.{step_id}": 1, f"step_id.{other}": 1}})
    assert not ben.error
    assert board(ben)["have"] == {f"step_id.{step_id}": 1, f"step_id.{other}": 1}
    anna.run()
    assert board(anna)["have"] == {}  # each person sees their own dots …
    assert anna.session_state[f"workshop.vote.data.{journey_id}"]["dots"] is None  # … and keeps no one else's


def test_hidden_votes_stay_hidden_until_the_round_is_closed(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join(database, workspace_id, "Anna", facilitator=True), join(database, workspace_id, "Ben")
    round_id, step_id = open_round(database, anna, ben, "Blind", hidden=True)
    vote(ben, step_id, 1)
    anna.run()
    assert "● 1" not in page_html(anna) and not anna.dataframe
    assert "Dots placed so far: 1, voters: 1." in " ".join(i.value for i in anna.info)
    anna.button(key=f"workshop.vote.close.{round_id}").click().run()
    assert not anna.exception, anna.exception
    assert "● 1" in page_html(anna)
    assert anna.dataframe[-1].value["Dots"].tolist() == [1]


def test_comments_can_be_added_and_resolved(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    ben = join(database, workspace_id, "Ben")
    ben.text_area(key="workshop.comment.body").set_value("Gibt es dazu Daten?")
    ben.button(key="FormSubmitter:workshop.comment.add-Comment").click().run()
    assert not ben.exception
    with read_session(database) as session:
        [comment] = session.exec(select(Comment)).all()
    assert (comment.author, comment.is_resolved) == ("Ben", False)
    ben.button(key=f"workshop.comment.resolve.{comment.id}").click().run()
    with read_session(database) as session:
        assert session.get(Comment, comment.id).is_resolved


def test_the_facilitator_locks_the_structure_and_editors_see_why_they_cannot_add(database: Engine, workspace_id: int) -> None:
    journey_id = journey(database, workspace_id)
    anna, ben = join(database, workspace_id, "Anna", facilitator=True), join(database, workspace_id, "Ben")
    anna.toggle(key=f"workshop.lock.{journey_id}").set_value(True).run()
    assert not anna.exception, anna.exception
    with read_session(database) as session:
        assert session.get(Journey, journey_id).structure_locked
    ben.session_state["journey.editor.journey_id"] = journey_id
    ben.switch_page("pages/map/journey_editor.py").run()
    assert not ben.exception, ben.exception
    assert any("locked this map's structure" in i.value for i in ben.info)
    assert not [t for t in ben.text_input if t.key == "journey.add_step.title"]
    ben.switch_page(PAGE).run()
    ben.text_input(key="workshop.capture.text").set_value("Geht trotzdem")  # capturing still works
    ben.button(key="FormSubmitter:workshop.capture-Add").click().run()
    with read_session(database) as session:
        assert [p.text for p in session.exec(select(PainPoint)).all()] == ["Geht trotzdem"]
    anna.toggle(key=f"workshop.lock.{journey_id}").set_value(False).run()
    with read_session(database) as session:
        assert not session.get(Journey, journey_id).structure_locked


def test_an_earlier_round_keeps_its_ranking_for_everyone_after_a_new_one_opens(database: Engine, workspace_id: int) -> None:
    journey(database, workspace_id)
    anna, ben = join(database, workspace_id, "Anna", facilitator=True), join(database, workspace_id, "Ben")
    first, step_id = open_round(database, anna, ben, "Erste Runde")
    vote(ben, step_id, 3)
    anna.run()
    anna.button(key=f"workshop.vote.close.{first}").click().run()
    anna.text_input(key="workshop.round.name").set_value("Zweite Runde")
    anna.button(key="FormSubmitter:workshop.round-Open round").click().run()
    for person in (ben, anna):  # the earlier round's ranking is read once per change for the whole server
        person.run()
        assert not [s for s in person.selectbox if s.key == "workshop.vote.round"]  # built only when asked for
        person.toggle(key="workshop.vote.earlier").set_value(True).run()
        assert person.selectbox(key="workshop.vote.round").options == ["Erste Runde (closed)"]
        assert person.dataframe[-1].value.values.tolist() == [[1, "Step", "Schritt in Kauf", "Schritt in Kauf", 3, 1]]
