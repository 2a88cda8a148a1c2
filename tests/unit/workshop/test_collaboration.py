"""Comments, dot-voting rounds and votes, activity entries."""

from datetime import date

import pytest
from sqlmodel import select

from models import Comment, Vote
from services import audit, journeys
from services.core import crud as common
from services.core.errors import NotFoundError
from services.touchpoints import crud as touchpoints
from services.workshop import collaboration

ONE_TARGET = "A comment belongs to exactly one step or one touchpoint."
DOTS_USED = "All {dots} dots of this round are used. Take one back to vote elsewhere."


# --- comments -----------------------------------------------------------------------------------


def test_comment_round_trip(session, journey_map):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline"})
    on_step = collaboration.add_comment(session, m.ws, " Anna ", "Is this really the first contact?", step_id=m.a.id)
    on_touchpoint = collaboration.add_comment(session, m.ws, "Ben", "Waiting time?", touchpoint_id=hotline.id)
    collaboration.add_comment(session, m.ws, "Ben", "Agreed", step_id=m.c.id)
    assert (on_step.author, on_step.is_resolved) == ("Anna", False)

    resolved = collaboration.resolve_comment(session, m.ws, on_step.id)
    assert (resolved.is_resolved, resolved.version) == (True, 2)
    assert [c.body for c in collaboration.list_comments(session, m.ws, journey_id=m.journey.id)] == [
        "Is this really the first contact?", "Agreed",
    ]
    open_only = collaboration.list_comments(session, m.ws, journey_id=m.journey.id, include_resolved=False)
    assert [c.body for c in open_only] == ["Agreed"]
    assert [c.id for c in collaboration.list_comments(session, m.ws, touchpoint_id=hotline.id)] == [on_touchpoint.id]
    assert collaboration.reopen_comment(session, m.ws, on_step.id).is_resolved is False
    collaboration.delete_comment(session, m.ws, on_touchpoint.id)
    assert len(collaboration.list_comments(session, m.ws)) == 2


def test_comment_rules(session, journey_map, other_workspace, raises_domain_error):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline"})
    with raises_domain_error(ONE_TARGET, "step_id"):
        collaboration.add_comment(session, m.ws, "Anna", "Hm", step_id=m.a.id, touchpoint_id=hotline.id)
    with raises_domain_error(ONE_TARGET, "step_id"):
        collaboration.add_comment(session, m.ws, "Anna", "Hm")
    with raises_domain_error("This field is required.", "author"):
        collaboration.add_comment(session, m.ws, "  ", "Hm", step_id=m.a.id)
    with raises_domain_error("Choose a step from this workspace.", "step_id"):
        collaboration.add_comment(session, other_workspace.id, "Anna", "Hm", step_id=m.a.id)
    with raises_domain_error("Choose a touchpoint from this workspace.", "touchpoint_id"):
        collaboration.add_comment(session, other_workspace.id, "Anna", "Hm", touchpoint_id=hotline.id)
    comment = collaboration.add_comment(session, m.ws, "Anna", "Hm", step_id=m.a.id)
    with raises_domain_error(error=NotFoundError):
        collaboration.resolve_comment(session, other_workspace.id, comment.id)


def test_database_checks_a_comment_has_one_target(session, journey_map, raises_domain_error):
    with raises_domain_error("A value is out of its allowed range."):
        common.create(session, Comment, {"workspace_id": journey_map.ws, "author": "Anna", "body": "Hm"})


# --- voting -------------------------------------------------------------------------------------


@pytest.fixture
def voting(session, journey_map):
    m = journey_map
    m.pain = journeys.create_pain_point(session, m.ws, m.a.id, {"text": "Slow"})
    m.idea = journeys.create_opportunity(session, m.ws, m.b.id, {"text": "Faster"})
    m.round = collaboration.open_vote_round(session, m.ws, m.journey.id, "Pain points", dots_per_participant=3)
    return m


def test_vote_rounds_open_and_close(session, voting, other_workspace, raises_domain_error):
    m = voting
    second = collaboration.open_vote_round(session, m.ws, m.journey.id, "Opportunities")
    assert (second.is_open, second.dots_per_participant) == (True, 5)
    assert [r.name for r in collaboration.list_vote_rounds(session, m.ws, m.journey.id)] == ["Pain points", "Opportunities"]
    assert collaboration.close_vote_round(session, m.ws, second.id).is_open is False
    with raises_domain_error("Must be between {low} and {high}.", "dots_per_participant"):
        collaboration.open_vote_round(session, m.ws, m.journey.id, "Too many", dots_per_participant=51)
    with raises_domain_error(error=NotFoundError):
        collaboration.open_vote_round(session, other_workspace.id, m.journey.id, "Intruders")
    with raises_domain_error(error=NotFoundError):
        collaboration.close_vote_round(session, other_workspace.id, m.round.id)


def test_a_voter_cannot_spend_more_dots_than_the_round_gives(session, voting, raises_domain_error):
    m = voting
    collaboration.cast_vote(session, m.ws, m.round.id, "Anna", pain_point_id=m.pain.id)
    collaboration.cast_vote(session, m.ws, m.round.id, "Anna", pain_point_id=m.pain.id)
    collaboration.cast_vote(session, m.ws, m.round.id, " Anna", opportunity_id=m.idea.id)
    assert collaboration.dots_left(session, m.ws, m.round.id, "Anna") == 0
    with raises_domain_error(DOTS_USED, "voter") as info:
        collaboration.cast_vote(session, m.ws, m.round.id, "Anna", step_id=m.c.id)
    assert str(info.value) == "All 3 dots of this round are used. Take one back to vote elsewhere."

    collaboration.cast_vote(session, m.ws, m.round.id, "Ben", step_id=m.c.id)
    collaboration.retract_vote(session, m.ws, m.round.id, "Anna", pain_point_id=m.pain.id)
    assert collaboration.dots_left(session, m.ws, m.round.id, "Anna") == 1
    collaboration.cast_vote(session, m.ws, m.round.id, "Anna", step_id=m.c.id)

    tally = collaboration.vote_tally(session, m.ws, m.round.id)
    assert list(tally.itertuples(index=False, name=None)) == [
        ("step_id", m.c.id, 2, 2), ("opportunity_id", m.idea.id, 1, 1), ("pain_point_id", m.pain.id, 1, 1),
    ]


def test_retracting_needs_a_dot_on_the_item(session, voting, raises_domain_error):
    m = voting
    collaboration.cast_vote(session, m.ws, m.round.id, "Anna", step_id=m.a.id)
    with raises_domain_error("You have no dot on this item to take back.", "voter"):
        collaboration.retract_vote(session, m.ws, m.round.id, "Ben", step_id=m.a.id)


def test_a_closed_round_refuses_votes(session, voting, raises_domain_error):
    m = voting
    collaboration.cast_vote(session, m.ws, m.round.id, "Anna", step_id=m.a.id)
    collaboration.close_vote_round(session, m.ws, m.round.id)
    with raises_domain_error("This voting round is closed.", "round_id"):
        collaboration.cast_vote(session, m.ws, m.round.id, "Ben", step_id=m.a.id)
    with raises_domain_error("This voting round is closed.", "round_id"):
        collaboration.retract_vote(session, m.ws, m.round.id, "Anna", step_id=m.a.id)


def test_votes_go_to_one_item_of_the_rounds_journey(session, voting, raises_domain_error):
    m = voting
    other = journeys.create_journey(session, m.ws, {"name": "Other"})
    stage = journeys.create_stage(session, m.ws, other.id, {"name": "S"})
    elsewhere = journeys.create_step(session, m.ws, stage.id, {"title": "Elsewhere"})
    with raises_domain_error("A vote goes to exactly one step, pain point or opportunity.", "step_id"):
        collaboration.cast_vote(session, m.ws, m.round.id, "Anna", step_id=m.a.id, pain_point_id=m.pain.id)
    with raises_domain_error("A vote goes to exactly one step, pain point or opportunity.", "step_id"):
        collaboration.cast_vote(session, m.ws, m.round.id, "Anna")
    with raises_domain_error("Vote only on items of the round's journey.", "step_id"):
        collaboration.cast_vote(session, m.ws, m.round.id, "Anna", step_id=elsewhere.id)
    with raises_domain_error(field="opportunity_id", error=NotFoundError):
        collaboration.cast_vote(session, m.ws, m.round.id, "Anna", opportunity_id=9999)
    with raises_domain_error("This field is required.", "voter"):
        collaboration.cast_vote(session, m.ws, m.round.id, " ", step_id=m.a.id)


def test_votes_and_comments_go_with_their_step(session, voting):
    m = voting
    collaboration.cast_vote(session, m.ws, m.round.id, "Anna", step_id=m.a.id)
    collaboration.cast_vote(session, m.ws, m.round.id, "Anna", pain_point_id=m.pain.id)
    collaboration.cast_vote(session, m.ws, m.round.id, "Anna", opportunity_id=m.idea.id)
    collaboration.add_comment(session, m.ws, "Anna", "Hm", step_id=m.a.id)
    journeys.delete_step(session, m.ws, m.a.id)
    assert [v.opportunity_id for v in session.exec(select(Vote)).all()] == [m.idea.id]
    assert collaboration.list_comments(session, m.ws) == []


# --- activity -----------------------------------------------------------------------------------


def test_record_and_list_activity(session, journey_map, other_workspace):
    m = journey_map
    before = {"title": "Sees an ad", "avatar_image": b"\x89PNG\xff", "measured_on": date(2024, 3, 1)}
    first = audit.record(
        session, m.ws, "Anna", "update", "step", m.a.id, "Renamed a step", before, {"title": "Sees a poster"},
        journey_id=m.journey.id,
    )
    audit.record(session, m.ws, "Ben", "create", "persona", 7, "Created a persona", None, {"name": "P"})
    audit.record(session, other_workspace.id, "Eve", "delete", "journey", 1, "Elsewhere", None, None)

    # Besides these, the log wrote an entry of its own for every row the fixtures created (actor "").
    recent = [e for e in audit.list_activity(session, m.ws) if e.actor]
    assert [e.summary for e in recent] == ["Created a persona", "Renamed a step"]
    assert recent[1].before == {"title": "Sees an ad", "avatar_image": "<5 bytes>", "measured_on": "2024-03-01"}
    on_journey = audit.list_activity(session, m.ws, journey_id=m.journey.id)
    assert [e.id for e in on_journey if e.actor] == [first.id]
    assert len(audit.list_activity(session, m.ws, limit=1)) == 1


def test_activity_action_is_short(session, workspace, raises_domain_error):
    with raises_domain_error("At most {max} characters.", "action"):
        audit.record(session, workspace.id, "Anna", "x" * 21, "step", 1, "", None, None)
