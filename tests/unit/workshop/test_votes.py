"""Vote counts on the cards, ranked results, quick capture."""

import pytest

from models import Comment, Opportunity, PainPoint
from services import journeys
from services.core.errors import DomainError
from services.workshop import collaboration

DOTS_USED = "All {dots} dots of this round are used. Take one back to vote elsewhere."


@pytest.fixture
def voting(session, journey_map):
    m = journey_map
    m.pain = journeys.create_pain_point(session, m.ws, m.a.id, {"text": "Slow"})
    m.idea = journeys.create_opportunity(session, m.ws, m.b.id, {"text": "Faster"})
    m.first = collaboration.open_vote_round(session, m.ws, m.journey.id, "Pains", dots_per_participant=3)
    m.second = collaboration.open_vote_round(session, m.ws, m.journey.id, "Ideas", dots_per_participant=3)
    for voter, round_, targets in [
        ("Anna", m.first, {"pain_point_id": m.pain.id}), ("Anna", m.first, {"pain_point_id": m.pain.id}),
        ("Ben", m.first, {"pain_point_id": m.pain.id}), ("Ben", m.first, {"step_id": m.c.id}),
        ("Anna", m.second, {"opportunity_id": m.idea.id}), ("Ben", m.second, {"step_id": m.c.id}),
    ]:
        collaboration.cast_vote(session, m.ws, round_.id, voter, **targets)
    return m


def rows(frame):
    return sorted(frame.itertuples(index=False, name=None))


def test_journey_vote_counts_over_all_rounds_or_one_in_one_query(session, voting, count_queries):
    m = voting
    with count_queries() as statements:
        counts = collaboration.journey_vote_counts(session, m.ws, m.journey.id)
    assert len(statements) == 1
    assert list(counts.columns) == ["target_kind", "target_id", "votes"]
    assert rows(counts) == sorted([("pain_point", m.pain.id, 3), ("step", m.c.id, 2), ("opportunity", m.idea.id, 1)])
    assert rows(collaboration.journey_vote_counts(session, m.ws, m.journey.id, m.second.id)) == sorted(
        [("step", m.c.id, 1), ("opportunity", m.idea.id, 1)]
    )


def test_vote_counts_of_another_workspace_are_empty(session, voting, other_workspace):
    assert collaboration.journey_vote_counts(session, other_workspace.id, voting.journey.id).empty


def test_ranked_results_name_the_items_and_rank_ties_alike(session, voting, count_queries):
    m = voting
    with count_queries() as statements:
        ranking = collaboration.ranked_results(session, m.ws, m.first.id)
    assert len(statements) == 2
    assert list(ranking.itertuples(index=False, name=None)) == [
        (1, "pain_point", m.pain.id, "Slow", m.a.id, "Sees an ad", 3, 2),
        (2, "step", m.c.id, "Compares offers", m.c.id, "Compares offers", 1, 1),
    ]
    tied = collaboration.ranked_results(session, m.ws, m.second.id)
    assert tied[["rank", "title", "step_title"]].values.tolist() == [
        [1, "Compares offers", "Compares offers"], [1, "Faster", "Asks friends"],
    ]


def test_ranked_results_of_an_empty_round(session, journey_map):
    m = journey_map
    round_ = collaboration.open_vote_round(session, m.ws, m.journey.id, "Empty")
    ranking = collaboration.ranked_results(session, m.ws, round_.id)
    assert ranking.empty and list(ranking.columns) == collaboration.RESULT_COLUMNS


@pytest.mark.parametrize(("kind", "model"), [("pain", PainPoint), ("idea", Opportunity), ("question", Comment)])
def test_quick_capture_lands_on_the_stages_parking_lot(session, journey_map, kind, model):
    m = journey_map
    card = collaboration.quick_capture(session, m.ws, m.journey.id, m.stages[1].id, kind, " Why so expensive? ", "Ben")
    again = collaboration.quick_capture(session, m.ws, m.journey.id, m.stages[1].id, kind, "And shipping?", "Carla")
    assert isinstance(card, model) and card.step_id == again.step_id
    steps = journeys.list_steps(session, m.ws, m.journey.id)
    assert [(s.title, s.stage_id) for s in steps][-1] == ("Captured in workshop", m.stages[1].id)
    text = card.body if kind == "question" else card.text
    assert text == "Why so expensive?"
    if kind == "question":
        assert (card.author, again.author) == ("Ben", "Carla")


def test_quick_capture_without_focus_goes_to_the_first_stage_and_checks_its_input(
    session, journey_map, other_workspace, raises_domain_error):
    m = journey_map
    card = collaboration.quick_capture(session, m.ws, m.journey.id, None, "idea", "Chat", "Ben", parking_title="Im Workshop erfasst")
    assert journeys.get_step(session, m.ws, card.step_id).stage_id == m.stages[0].id
    assert journeys.get_step(session, m.ws, card.step_id).title == "Im Workshop erfasst"
    with raises_domain_error("Choose one of the offered values.", "kind"):
        collaboration.quick_capture(session, m.ws, m.journey.id, None, "wish", "x", "Ben")
    with raises_domain_error("This field is required.", "text"):
        collaboration.quick_capture(session, m.ws, m.journey.id, None, "pain", "  ", "Ben")
    with raises_domain_error("This field is required.", "author"):
        collaboration.quick_capture(session, m.ws, m.journey.id, None, "pain", "x", " ")
    other = journeys.create_journey(session, m.ws, {"name": "Other"})
    with raises_domain_error("Choose a stage of this journey.", "stage_id"):
        collaboration.quick_capture(session, m.ws, other.id, m.stages[0].id, "pain", "x", "Ben")
    with raises_domain_error("Add a stage to the journey first.", "stage_id"):
        collaboration.quick_capture(session, m.ws, other.id, None, "pain", "x", "Ben")
    with pytest.raises(DomainError):
        with session.begin_nested():
            collaboration.quick_capture(session, other_workspace.id, m.journey.id, m.stages[0].id, "pain", "x", "Ben")


def test_set_dots_is_idempotent_and_keeps_the_budget(session, journey_map, raises_domain_error):
    m = journey_map
    round_ = collaboration.open_vote_round(session, m.ws, m.journey.id, "Pains", dots_per_participant=3)
    assert collaboration.set_dots(session, m.ws, round_.id, "Anna", 2, step_id=m.a.id) == 1
    assert collaboration.set_dots(session, m.ws, round_.id, "Anna", 2, step_id=m.a.id) == 1  # replayed: no double vote
    assert collaboration.set_dots(session, m.ws, round_.id, "Anna", 1, step_id=m.c.id) == 0
    assert collaboration.my_dots(session, m.ws, round_.id, "Anna") == {("step_id", m.a.id): 2, ("step_id", m.c.id): 1}
    with raises_domain_error(DOTS_USED, "voter"):
        collaboration.set_dots(session, m.ws, round_.id, "Anna", 1, step_id=m.b.id)
    assert collaboration.set_dots(session, m.ws, round_.id, "Anna", 0, step_id=m.a.id) == 2  # taken back
    assert collaboration.set_dots(session, m.ws, round_.id, "Ben", 3, step_id=m.b.id) == 0  # each person's own budget
    assert collaboration.round_progress(session, m.ws, round_.id) == (4, 2)
    with raises_domain_error("Must be between {low} and {high}.", "count"):
        collaboration.set_dots(session, m.ws, round_.id, "Anna", -1, step_id=m.a.id)
    collaboration.close_vote_round(session, m.ws, round_.id)
    with raises_domain_error("This voting round is closed.", "round_id"):
        collaboration.set_dots(session, m.ws, round_.id, "Anna", 1, step_id=m.a.id)


def test_hidden_votes_show_only_once_the_round_is_closed(session, journey_map, raises_domain_error):
    m = journey_map
    hidden = collaboration.open_vote_round(session, m.ws, m.journey.id, "Blind", dots_per_participant=2, hide_votes=True)
    collaboration.set_dots(session, m.ws, hidden.id, "Anna", 2, step_id=m.a.id)
    assert not collaboration.votes_visible(hidden)
    assert collaboration.journey_vote_counts(session, m.ws, m.journey.id).empty  # no count on the cards either
    assert collaboration.my_dots(session, m.ws, hidden.id, "Anna") == {("step_id", m.a.id): 2}  # one's own dots
    assert collaboration.round_progress(session, m.ws, hidden.id) == (2, 1)
    for reveal in (collaboration.ranked_results, collaboration.vote_tally):
        with raises_domain_error("The votes stay hidden until the facilitator closes the round.", "round_id"):
            reveal(session, m.ws, hidden.id)
    closed = collaboration.close_vote_round(session, m.ws, hidden.id)
    assert collaboration.votes_visible(closed)
    assert collaboration.ranked_results(session, m.ws, hidden.id)["votes"].tolist() == [2]
    assert rows(collaboration.journey_vote_counts(session, m.ws, m.journey.id)) == [("step", m.a.id, 2)]


def test_everyone_s_dots_in_one_query_each_person_their_own(session, journey_map, count_queries):
    m = journey_map
    round_ = collaboration.open_vote_round(session, m.ws, m.journey.id, "Alle", dots_per_participant=5, hide_votes=True)
    collaboration.set_dots(session, m.ws, round_.id, "Anna", 2, step_id=m.a.id)
    collaboration.set_dots(session, m.ws, round_.id, "Ben", 1, step_id=m.a.id)
    collaboration.set_dots(session, m.ws, round_.id, "Ben", 3, step_id=m.c.id)
    with count_queries() as statements:
        everyone = collaboration.dots_by_voter(session, m.ws, round_.id)
    assert len(statements) == 2  # the round (scoped to the workspace), the dots
    assert everyone == {"Anna": {("step_id", m.a.id): 2}, "Ben": {("step_id", m.a.id): 1, ("step_id", m.c.id): 3}}
    assert collaboration.dots_by_voter(session, m.ws, round_.id, " Ben ") == {"Ben": everyone["Ben"]}
    assert collaboration.my_dots(session, m.ws, round_.id, "Carla") == {}


def test_a_board_s_numbers_move_dots_within_a_full_budget_all_or_nothing(session, journey_map, raises_domain_error):
    m = journey_map
    round_ = collaboration.open_vote_round(session, m.ws, m.journey.id, "Knapp", dots_per_participant=2)
    assert collaboration.set_my_dots(session, m.ws, round_.id, "Anna", {("step_id", m.a.id): 2}) == 0
    # a dot moved from a to c with the budget full: taken back first, then placed
    assert collaboration.set_my_dots(session, m.ws, round_.id, "Anna", {("step_id", m.c.id): 1, ("step_id", m.a.id): 1}) == 0
    assert collaboration.my_dots(session, m.ws, round_.id, "Anna") == {("step_id", m.a.id): 1, ("step_id", m.c.id): 1}
    with raises_domain_error(DOTS_USED, "voter"):  # one more than the budget allows: nothing changes
        collaboration.set_my_dots(session, m.ws, round_.id, "Anna", {("step_id", m.a.id): 0, ("step_id", m.b.id): 2})
    assert collaboration.my_dots(session, m.ws, round_.id, "Anna") == {("step_id", m.a.id): 1, ("step_id", m.c.id): 1}
