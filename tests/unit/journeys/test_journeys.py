"""Journeys, stages, steps, pain points, opportunities and transitions."""

from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from models import (
    JourneyPersona,
    Opportunity,
    OpportunityPainPoint,
    PainPoint,
    Stage,
    Step,
    StepPersonaEmotion,
    StepTouchpoint,
    Transition,
)
from services import journeys
from services.core import crud as common
from services.core.errors import ConflictError, NotFoundError
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints
from tests.dialects import CHECK_FAILED


def persona(session, ws, name):
    return personas.create_persona(session, ws, {"name": name})


# --- journeys -----------------------------------------------------------------------------------


def test_create_journey_with_personas_and_list_them_sorted(session, workspace, count_queries):
    ws = workspace.id
    zoe, anna = persona(session, ws, "Zoe"), persona(session, ws, "anna")
    holiday = journeys.create_journey(session, ws, {"name": " Sommerurlaub ", "goal": "Relax"}, persona_ids=[zoe.id, anna.id])
    journeys.create_journey(session, ws, {"name": "Buchung", "next_journey_id": holiday.id})

    with count_queries() as statements:
        frame = journeys.list_journeys(session, ws)
    assert len(statements) == 1
    assert list(frame["name"]) == ["Buchung", "Sommerurlaub"]
    rows = frame.set_index("name")
    assert rows.loc["Sommerurlaub", "personas"] == "anna, Zoe"
    assert rows.loc["Sommerurlaub", "persona_count"] == 2
    assert rows.loc["Buchung", "personas"] == ""
    assert rows.loc["Buchung", "next_journey"] == "Sommerurlaub"
    assert rows.loc["Buchung", "next_journey_id"] == holiday.id
    assert journeys.journey_persona_ids(session, ws, holiday.id) == sorted([zoe.id, anna.id])


def test_journey_list_counts_steps_and_carries_persona_ids_and_origin(session, journey_map, count_queries):
    m = journey_map
    mia = persona(session, m.ws, "Mia")
    journeys.set_journey_personas(session, m.ws, m.journey.id, [mia.id])
    copy = journeys.duplicate_journey(session, m.ws, m.journey.id)
    journeys.create_journey(session, m.ws, {"name": "Empty"})
    with count_queries() as statements:
        frame = journeys.list_journeys(session, m.ws).set_index("name")
    assert len(statements) == 1
    assert frame.loc["Sommerurlaub", "steps"] == 3 and frame.loc["Empty", "steps"] == 0
    assert frame.loc["Sommerurlaub (to-be)", "persona_ids"] == (mia.id,) and frame.loc["Empty", "persona_ids"] == ()
    assert frame.loc["Sommerurlaub (to-be)", "origin_journey_id"] == m.journey.id
    assert pd.isna(frame.loc["Sommerurlaub", "origin_journey_id"])
    assert frame.loc["Sommerurlaub (to-be)", "id"] == copy.id


def test_filter_journeys_by_search_status_and_persona(session, workspace):
    ws = workspace.id
    mia, tom = persona(session, ws, "Mia"), persona(session, ws, "Tom")
    journeys.create_journey(session, ws, {"name": "Sommerurlaub", "goal": "Relax at the BEACH"}, persona_ids=[mia.id])
    journeys.create_journey(session, ws, {"name": "Buchung", "status": "final"}, persona_ids=[tom.id, mia.id])
    journeys.create_journey(session, ws, {"name": "Reklamation", "status": "in_review"})
    listing = journeys.list_journeys(session, ws)

    def names(**filters):
        return list(journeys.filter_journeys(listing, **filters)["name"])

    assert names() == ["Buchung", "Reklamation", "Sommerurlaub"]
    assert names(search="beach") == ["Sommerurlaub"]
    assert names(search=" tom ") == ["Buchung"]  # persona names count too
    assert names(statuses=["final", "in_review"]) == ["Buchung", "Reklamation"]
    assert names(persona_ids=[mia.id]) == ["Buchung", "Sommerurlaub"]
    assert names(persona_ids=[tom.id], statuses=["draft"]) == []
    assert names(search="(") == []  # plain text, not a pattern
    assert journeys.filter_journeys(listing.iloc[0:0], search="x", persona_ids=[1]).empty


def test_update_journey_replaces_personas_and_keeps_remaining_links(session, workspace):
    ws = workspace.id
    a, b, c = (persona(session, ws, n) for n in "ABC")
    journey = journeys.create_journey(session, ws, {"name": "J"}, persona_ids=[a.id, b.id])
    kept = session.get(JourneyPersona, (journey.id, b.id))

    updated = journeys.update_journey(session, ws, journey.id, {"status": "final", "state": "to_be"}, persona_ids=[b.id, c.id])

    assert (updated.status, updated.state, updated.version) == ("final", "to_be", 2)
    assert journeys.journey_persona_ids(session, ws, journey.id) == [b.id, c.id]
    assert session.get(JourneyPersona, (journey.id, b.id)) is kept


def test_journey_personas_must_be_of_the_same_workspace(session, workspace, other_workspace, raises_domain_error):
    journey = journeys.create_journey(session, workspace.id, {"name": "J"})
    stranger = persona(session, other_workspace.id, "Stranger")
    with raises_domain_error("Choose personas from this workspace.", "persona_ids"):
        journeys.set_journey_personas(session, workspace.id, journey.id, [stranger.id])
    with raises_domain_error("Choose personas from this workspace.", "persona_ids"):
        journeys.create_journey(session, workspace.id, {"name": "K"}, persona_ids=[stranger.id, 999])


def test_database_refuses_a_journey_persona_link_across_workspaces(session, workspace, other_workspace, raises_domain_error):
    journey = journeys.create_journey(session, workspace.id, {"name": "J"})
    stranger = persona(session, other_workspace.id, "Stranger")
    with raises_domain_error("This refers to something that does not exist, or is still in use."):
        common.create(
            session, JourneyPersona, {"journey_id": journey.id, "persona_id": stranger.id, "workspace_id": workspace.id},
        )


def test_next_journey_must_be_another_journey_of_the_workspace(session, workspace, other_workspace, raises_domain_error):
    journey = journeys.create_journey(session, workspace.id, {"name": "J"})
    foreign = journeys.create_journey(session, other_workspace.id, {"name": "F"})
    with raises_domain_error("A journey cannot lead into itself.", "next_journey_id"):
        journeys.update_journey(session, workspace.id, journey.id, {"next_journey_id": journey.id})
    with raises_domain_error("Choose a journey from this workspace.", "next_journey_id"):
        journeys.update_journey(session, workspace.id, journey.id, {"next_journey_id": foreign.id})
    with raises_domain_error("Choose a journey from this workspace.", "next_journey_id"):
        journeys.create_journey(session, workspace.id, {"name": "K", "next_journey_id": foreign.id})


def test_database_check_refuses_a_journey_leading_into_itself(session, workspace, raises_domain_error):
    journey = journeys.create_journey(session, workspace.id, {"name": "J"})
    with raises_domain_error("A value is out of its allowed range."):
        common.update(session, type(journey), journey.id, {"next_journey_id": journey.id})


def test_journey_names_are_unique_per_workspace(session, workspace, other_workspace, raises_domain_error):
    journeys.create_journey(session, workspace.id, {"name": "J"})
    journeys.create_journey(session, other_workspace.id, {"name": "J"})
    with raises_domain_error("A journey with this name already exists in the workspace.", "name"):
        journeys.create_journey(session, workspace.id, {"name": "J "})


def test_journey_validation_messages(session, workspace, raises_domain_error):
    with raises_domain_error("This field is required.", "name"):
        journeys.create_journey(session, workspace.id, {"name": "  "})
    with raises_domain_error("Choose one of the offered values.", "status"):
        journeys.create_journey(session, workspace.id, {"name": "J", "status": "done"})
    with raises_domain_error("At most {max} characters.", "name"):
        journeys.create_journey(session, workspace.id, {"name": "x" * 161})


def test_update_with_an_old_version_is_a_conflict(session, workspace, raises_domain_error):
    journey = journeys.create_journey(session, workspace.id, {"name": "J"})
    journeys.update_journey(session, workspace.id, journey.id, {"goal": "first"}, expected_version=1)
    with raises_domain_error(error=ConflictError):
        journeys.update_journey(session, workspace.id, journey.id, {"goal": "second"}, expected_version=1)


def test_journey_of_another_workspace_is_not_found(session, workspace, other_workspace, raises_domain_error):
    journey = journeys.create_journey(session, other_workspace.id, {"name": "J"})
    with raises_domain_error(error=NotFoundError):
        journeys.get_journey(session, workspace.id, journey.id)
    with raises_domain_error(error=NotFoundError):
        journeys.delete_journey(session, workspace.id, journey.id)
    with raises_domain_error(error=NotFoundError):
        journeys.create_stage(session, workspace.id, journey.id, {"name": "S"})


def test_deleting_a_journey_removes_everything_on_it(session, journey_map):
    m = journey_map
    p = persona(session, m.ws, "P")
    journeys.set_journey_personas(session, m.ws, m.journey.id, [p.id])
    pain = journeys.create_pain_point(session, m.ws, m.a.id, {"text": "Slow"})
    opportunity = journeys.create_opportunity(session, m.ws, m.a.id, {"text": "Faster"})
    journeys.set_opportunity_pain_points(session, m.ws, opportunity.id, [pain.id])
    journeys.create_transition(session, m.ws, m.a.id, m.b.id)
    follower = journeys.create_journey(session, m.ws, {"name": "Next", "next_journey_id": m.journey.id})

    journeys.delete_journey(session, m.ws, m.journey.id)

    for model in (Stage, Step, PainPoint, Opportunity, OpportunityPainPoint, Transition, JourneyPersona):
        assert session.exec(select(model)).all() == [], model
    assert session.exec(text("SELECT next_journey_id FROM journey WHERE id = :id"), params={"id": follower.id}).one()[0] is None
    assert personas.get_persona(session, m.ws, p.id).name == "P"


def test_deleting_a_persona_removes_its_journey_links(session, workspace):
    p = persona(session, workspace.id, "P")
    journey = journeys.create_journey(session, workspace.id, {"name": "J"}, persona_ids=[p.id])
    personas.delete_persona(session, workspace.id, p.id)
    assert journeys.journey_persona_ids(session, workspace.id, journey.id) == []


# --- stages -------------------------------------------------------------------------------------


def test_stages_are_appended_and_listed_by_position(session, journey_map):
    m = journey_map
    third = journeys.create_stage(session, m.ws, m.journey.id, {"name": "Purchase"})
    assert [(s.name, s.position) for s in journeys.list_stages(session, m.ws, m.journey.id)] == [
        ("Awareness", 0), ("Interest", 1), ("Purchase", 2),
    ]
    assert third.position == 2


def test_update_stage_changes_text_but_not_structure(session, journey_map, other_workspace):
    m = journey_map
    other = journeys.create_journey(session, other_workspace.id, {"name": "Other"})
    stage = journeys.update_stage(
        session, m.ws, m.stages[0].id, {"name": "Aufmerksamkeit", "position": 7, "journey_id": other.id},
    )
    assert (stage.name, stage.position, stage.journey_id) == ("Aufmerksamkeit", 0, m.journey.id)


def test_deleting_a_stage_that_holds_steps_is_refused(session, journey_map, raises_domain_error):
    m = journey_map
    with raises_domain_error(
        "This stage still holds steps ({count}). Move them to another stage, or delete them together with the stage.",
        "stage_id",
    ) as info:
        journeys.delete_stage(session, m.ws, m.stages[0].id)
    assert info.value.params == {"count": 2}
    assert "(2)" in str(info.value)
    assert len(journeys.list_steps(session, m.ws, m.journey.id)) == 3


def test_deleting_a_stage_with_its_steps_when_asked(session, journey_map):
    m = journey_map
    journeys.create_pain_point(session, m.ws, m.a.id, {"text": "Slow"})
    journeys.create_transition(session, m.ws, m.b.id, m.c.id)
    journeys.delete_stage(session, m.ws, m.stages[0].id, delete_steps=True)
    assert [s.title for s in journeys.list_steps(session, m.ws, m.journey.id)] == ["Compares offers"]
    assert [s.name for s in journeys.list_stages(session, m.ws, m.journey.id)] == ["Interest"]
    assert session.exec(select(PainPoint)).all() == []
    assert journeys.list_transitions(session, m.ws, m.journey.id) == []


def test_deleting_an_empty_stage(session, journey_map):
    m = journey_map
    empty = journeys.create_stage(session, m.ws, m.journey.id, {"name": "Loyalty"})
    journeys.delete_stage(session, m.ws, empty.id)
    assert len(journeys.list_stages(session, m.ws, m.journey.id)) == 2


def test_database_refuses_deleting_a_stage_that_holds_steps(session, journey_map, raises_domain_error):
    with raises_domain_error("This refers to something that does not exist, or is still in use."):
        common.delete(session, Stage, journey_map.stages[0].id)


# --- steps --------------------------------------------------------------------------------------


def test_steps_are_appended_to_their_stage_and_listed_in_reading_order(session, journey_map, count_queries):
    m = journey_map
    d = journeys.create_step(session, m.ws, m.stages[0].id, {"title": "Reads reviews", "emotion": -2})
    assert (d.position, d.journey_id, d.emotion) == (2, m.journey.id, -2)
    with count_queries() as statements:
        steps = journeys.list_steps(session, m.ws, m.journey.id)
    assert len(statements) == 1
    assert [s.title for s in steps] == ["Sees an ad", "Asks friends", "Reads reviews", "Compares offers"]
    assert [s.position for s in steps] == [0, 1, 2, 0]


def test_update_and_delete_a_step(session, journey_map):
    m = journey_map
    step = journeys.update_step(
        session, m.ws, m.a.id, {"doing": "Scrolls", "is_moment_of_truth": True, "stage_id": m.stages[1].id, "position": 9},
    )
    assert (step.doing, step.is_moment_of_truth, step.stage_id, step.position) == ("Scrolls", True, m.stages[0].id, 0)
    journeys.delete_step(session, m.ws, m.a.id)
    assert [s.title for s in journeys.list_steps(session, m.ws, m.journey.id)] == ["Asks friends", "Compares offers"]


def test_step_validation_messages(session, journey_map, raises_domain_error):
    m = journey_map
    with raises_domain_error("Must be between {low} and {high}.", "emotion") as info:
        journeys.update_step(session, m.ws, m.a.id, {"emotion": 4})
    assert info.value.params == {"low": "-3", "high": "3"}
    with raises_domain_error("Must be between {low} and {high}.", "entry_share"):
        journeys.update_step(session, m.ws, m.a.id, {"entry_share": 120.0})
    with raises_domain_error("Choose one of the offered values.", "exit_kind"):
        journeys.create_step(session, m.ws, m.stages[0].id, {"title": "Leaves", "exit_kind": "gone"})
    with raises_domain_error("This field is required.", "title"):
        journeys.create_step(session, m.ws, m.stages[0].id, {"title": ""})


@pytest.mark.parametrize("column, value", [("emotion", 5), ("entry_share", -1), ("exit_kind", "'gone'"), ("position", -1)])
def test_database_checks_step_ranges(session, journey_map, column, value):
    with pytest.raises(IntegrityError, match=CHECK_FAILED), session.begin_nested():
        session.exec(text(f"UPDATE step SET {column} = {value} WHERE id = :id"), params={"id": journey_map.a.id})


def test_step_of_another_workspace_is_not_found(session, journey_map, other_workspace, raises_domain_error):
    with raises_domain_error(error=NotFoundError):
        journeys.update_step(session, other_workspace.id, journey_map.a.id, {"title": "Hijacked"})
    with raises_domain_error(error=NotFoundError):
        journeys.create_step(session, other_workspace.id, journey_map.stages[0].id, {"title": "Intruder"})


def test_deleting_a_step_removes_its_items_and_transitions(session, journey_map):
    m = journey_map
    journeys.create_pain_point(session, m.ws, m.b.id, {"text": "Slow"})
    journeys.create_opportunity(session, m.ws, m.b.id, {"text": "Faster"})
    journeys.create_transition(session, m.ws, m.a.id, m.b.id)
    journeys.create_transition(session, m.ws, m.b.id, m.c.id)
    journeys.delete_step(session, m.ws, m.b.id)
    assert journeys.list_pain_points(session, m.ws, m.journey.id) == []
    assert journeys.list_opportunities(session, m.ws, m.journey.id) == []
    assert journeys.list_transitions(session, m.ws, m.journey.id) == []


# --- pain points and opportunities --------------------------------------------------------------


def test_pain_point_round_trip(session, journey_map, raises_domain_error):
    m = journey_map
    first = journeys.create_pain_point(session, m.ws, m.a.id, {"text": "Too many ads", "severity": 4})
    second = journeys.create_pain_point(session, m.ws, m.a.id, {"text": "Unclear prices"})
    journeys.create_pain_point(session, m.ws, m.c.id, {"text": "No comparison"})
    assert (first.position, second.position, second.severity) == (0, 1, 3)
    assert [p.text for p in journeys.list_pain_points(session, m.ws, m.journey.id, step_id=m.a.id)] == [
        "Too many ads", "Unclear prices",
    ]
    assert len(journeys.list_pain_points(session, m.ws, m.journey.id)) == 3

    updated = journeys.update_pain_point(session, m.ws, first.id, {"severity": 5, "step_id": m.c.id})
    assert (updated.severity, updated.step_id) == (5, m.a.id)
    with raises_domain_error("Must be between {low} and {high}.", "severity"):
        journeys.update_pain_point(session, m.ws, first.id, {"severity": 0})
    journeys.delete_pain_point(session, m.ws, second.id)
    assert [p.text for p in journeys.list_pain_points(session, m.ws, m.journey.id, step_id=m.a.id)] == ["Too many ads"]


def test_pain_point_of_another_workspace_is_not_found(session, journey_map, other_workspace, raises_domain_error):
    pain = journeys.create_pain_point(session, journey_map.ws, journey_map.a.id, {"text": "Slow"})
    with raises_domain_error(error=NotFoundError):
        journeys.delete_pain_point(session, other_workspace.id, pain.id)
    assert journeys.list_pain_points(session, other_workspace.id, journey_map.journey.id) == []


def test_opportunity_round_trip_and_status(session, journey_map, raises_domain_error):
    m = journey_map
    opportunity = journeys.create_opportunity(
        session, m.ws, m.a.id, {"text": "Price calculator", "customer_value": 5, "business_value": 4, "effort": 2},
    )
    assert (opportunity.status, opportunity.position) == ("idea", 0)
    updated = journeys.update_opportunity(session, m.ws, opportunity.id, {"status": "planned"})
    assert updated.status == "planned"
    with raises_domain_error("Choose one of the offered values.", "status"):
        journeys.update_opportunity(session, m.ws, opportunity.id, {"status": "someday"})
    with raises_domain_error("Must be between {low} and {high}.", "effort"):
        journeys.update_opportunity(session, m.ws, opportunity.id, {"effort": 6})
    journeys.delete_opportunity(session, m.ws, opportunity.id)
    assert journeys.list_opportunities(session, m.ws, m.journey.id) == []


def test_opportunity_addresses_pain_points(session, journey_map, other_workspace, raises_domain_error):
    m = journey_map
    slow = journeys.create_pain_point(session, m.ws, m.a.id, {"text": "Slow"})
    costly = journeys.create_pain_point(session, m.ws, m.c.id, {"text": "Costly"})
    opportunity = journeys.create_opportunity(session, m.ws, m.a.id, {"text": "Faster"})

    journeys.set_opportunity_pain_points(session, m.ws, opportunity.id, [slow.id, costly.id, slow.id])
    assert journeys.opportunity_pain_points(session, m.ws, m.journey.id) == {opportunity.id: sorted([slow.id, costly.id])}
    journeys.set_opportunity_pain_points(session, m.ws, opportunity.id, [costly.id])
    assert journeys.opportunity_pain_points(session, m.ws, m.journey.id) == {opportunity.id: [costly.id]}

    foreign_journey = journeys.create_journey(session, other_workspace.id, {"name": "F"})
    foreign_stage = journeys.create_stage(session, other_workspace.id, foreign_journey.id, {"name": "S"})
    foreign_step = journeys.create_step(session, other_workspace.id, foreign_stage.id, {"title": "T"})
    foreign_pain = journeys.create_pain_point(session, other_workspace.id, foreign_step.id, {"text": "X"})
    with raises_domain_error("Choose pain points from this workspace.", "pain_point_ids"):
        journeys.set_opportunity_pain_points(session, m.ws, opportunity.id, [foreign_pain.id])

    journeys.delete_pain_point(session, m.ws, costly.id)
    assert journeys.opportunity_pain_points(session, m.ws, m.journey.id) == {}


# --- transitions --------------------------------------------------------------------------------


def test_transition_round_trip(session, journey_map, raises_domain_error):
    m = journey_map
    to_b = journeys.create_transition(session, m.ws, m.a.id, m.b.id, {"label": "asks", "share": 60})
    to_c = journeys.create_transition(session, m.ws, m.a.id, m.c.id, {"share": 40})
    assert to_b.journey_id == m.journey.id
    assert [(t.source_step_id, t.target_step_id) for t in journeys.list_transitions(session, m.ws, m.journey.id)] == [
        (m.a.id, m.b.id), (m.a.id, m.c.id),
    ]
    updated = journeys.update_transition(session, m.ws, to_c.id, {"label": "compares", "share": 35.5, "target_step_id": m.b.id})
    assert (updated.label, updated.share, updated.target_step_id) == ("compares", 35.5, m.c.id)
    with raises_domain_error("Must be between {low} and {high}.", "share"):
        journeys.update_transition(session, m.ws, to_c.id, {"share": 101})
    journeys.delete_transition(session, m.ws, to_b.id)
    assert [t.id for t in journeys.list_transitions(session, m.ws, m.journey.id)] == [to_c.id]


def test_transition_between_journeys_is_refused(session, journey_map, raises_domain_error):
    m = journey_map
    other = journeys.create_journey(session, m.ws, {"name": "Other"})
    stage = journeys.create_stage(session, m.ws, other.id, {"name": "S"})
    elsewhere = journeys.create_step(session, m.ws, stage.id, {"title": "Elsewhere"})
    with raises_domain_error("Both steps must belong to the same journey.", "target_step_id"):
        journeys.create_transition(session, m.ws, m.a.id, elsewhere.id)


def test_database_refuses_a_transition_between_journeys(session, journey_map, raises_domain_error):
    m = journey_map
    other = journeys.create_journey(session, m.ws, {"name": "Other"})
    stage = journeys.create_stage(session, m.ws, other.id, {"name": "S"})
    elsewhere = journeys.create_step(session, m.ws, stage.id, {"title": "Elsewhere"})
    with raises_domain_error("This refers to something that does not exist, or is still in use."):
        common.create(session, Transition, {"journey_id": m.journey.id, "source_step_id": m.a.id, "target_step_id": elsewhere.id})


def test_transition_rules(session, journey_map, other_workspace, raises_domain_error):
    m = journey_map
    with raises_domain_error("A step cannot lead to itself.", "target_step_id"):
        journeys.create_transition(session, m.ws, m.a.id, m.a.id)
    journeys.create_transition(session, m.ws, m.a.id, m.b.id)
    with raises_domain_error():
        journeys.create_transition(session, m.ws, m.a.id, m.b.id)
    with raises_domain_error("Choose a step from this workspace.", "source_step_id"):
        journeys.create_transition(session, other_workspace.id, m.a.id, m.b.id)


def test_connecting_two_steps_twice_names_the_field(session, journey_map, raises_domain_error):
    m = journey_map
    journeys.create_transition(session, m.ws, m.a.id, m.b.id)
    with raises_domain_error("These two steps are already connected.", "target_step_id"):
        journeys.create_transition(session, m.ws, m.a.id, m.b.id)


# --- moving stages and steps --------------------------------------------------------------------


def stage_order(session, m):
    return [(s.name, s.position) for s in journeys.list_stages(session, m.ws, m.journey.id)]


def layout(session, m):
    """{stage name: [(step title, position)]} straight from the database."""
    names = {s.id: s.name for s in journeys.list_stages(session, m.ws, m.journey.id)}
    result = {name: [] for name in names.values()}
    for step in journeys.list_steps(session, m.ws, m.journey.id):
        result[names[step.stage_id]].append((step.title, step.position))
    return result


def test_move_stage_swaps_with_its_neighbour_and_stops_at_the_edges(session, journey_map, count_queries):
    m = journey_map
    journeys.create_stage(session, m.ws, m.journey.id, {"name": "Purchase"})
    with count_queries() as statements:
        journeys.move_stage(session, m.ws, m.stages[0].id, "right")
    assert len(statements) <= 4  # 3 + the workspace revision bump (services/audit/log.py)
    assert stage_order(session, m) == [("Interest", 0), ("Awareness", 1), ("Purchase", 2)]
    journeys.move_stage(session, m.ws, m.stages[1].id, "left")  # Interest is already first
    assert stage_order(session, m) == [("Interest", 0), ("Awareness", 1), ("Purchase", 2)]
    journeys.move_stage(session, m.ws, m.stages[0].id, "right")
    journeys.move_stage(session, m.ws, m.stages[0].id, "right")  # at the right edge
    assert stage_order(session, m) == [("Interest", 0), ("Purchase", 1), ("Awareness", 2)]


def test_move_stage_renumbers_gaps_densely(session, journey_map):
    m = journey_map
    third = journeys.create_stage(session, m.ws, m.journey.id, {"name": "Purchase"})
    journeys.delete_stage(session, m.ws, m.stages[1].id, delete_steps=True)  # leaves positions 0, 2
    journeys.move_stage(session, m.ws, third.id, "left")
    assert stage_order(session, m) == [("Purchase", 0), ("Awareness", 1)]


def test_moving_a_stage_is_not_an_edit_of_its_content(session, journey_map):
    """A position change keeps the version, so someone editing the stage's name is not refused."""
    m = journey_map
    version = journeys.get_stage(session, m.ws, m.stages[0].id).version
    journeys.move_stage(session, m.ws, m.stages[0].id, "right")
    renamed = journeys.update_stage(session, m.ws, m.stages[0].id, {"name": "Aufmerksamkeit"}, expected_version=version)
    assert (renamed.name, renamed.position) == ("Aufmerksamkeit", 1)


def test_move_step_up_and_down_within_its_stage(session, journey_map):
    m = journey_map
    journeys.move_step(session, m.ws, m.b.id, "up")
    assert layout(session, m)["Awareness"] == [("Asks friends", 0), ("Sees an ad", 1)]
    journeys.move_step(session, m.ws, m.b.id, "up")  # already first
    journeys.move_step(session, m.ws, m.c.id, "down")  # alone in its stage
    assert layout(session, m) == {"Awareness": [("Asks friends", 0), ("Sees an ad", 1)], "Interest": [("Compares offers", 0)]}
    journeys.move_step(session, m.ws, m.b.id, "down")
    assert layout(session, m)["Awareness"] == [("Sees an ad", 0), ("Asks friends", 1)]


def test_move_step_to_the_neighbouring_stage_appends_it_and_keeps_both_dense(session, journey_map, count_queries):
    m = journey_map
    with count_queries() as statements:
        journeys.move_step(session, m.ws, m.a.id, "right")
    assert len(statements) <= 5
    assert layout(session, m) == {"Awareness": [("Asks friends", 0)], "Interest": [("Compares offers", 0), ("Sees an ad", 1)]}
    assert session.get(Step, m.a.id).stage_id == m.stages[1].id
    journeys.move_step(session, m.ws, m.a.id, "right")  # no stage to the right
    journeys.move_step(session, m.ws, m.b.id, "left")  # no stage to the left
    assert layout(session, m) == {"Awareness": [("Asks friends", 0)], "Interest": [("Compares offers", 0), ("Sees an ad", 1)]}
    journeys.move_step(session, m.ws, m.c.id, "left")
    assert layout(session, m) == {"Awareness": [("Asks friends", 0), ("Compares offers", 1)], "Interest": [("Sees an ad", 0)]}


def test_move_step_into_an_empty_stage(session, journey_map):
    m = journey_map
    journeys.create_stage(session, m.ws, m.journey.id, {"name": "Purchase"})
    journeys.move_step(session, m.ws, m.c.id, "right")
    assert layout(session, m) == {
        "Awareness": [("Sees an ad", 0), ("Asks friends", 1)], "Interest": [], "Purchase": [("Compares offers", 0)],
    }


def test_move_refuses_unknown_directions_and_foreign_rows(session, journey_map, other_workspace, raises_domain_error):
    m = journey_map
    with raises_domain_error("Choose one of the offered values.", "direction"):
        journeys.move_step(session, m.ws, m.a.id, "sideways")
    with raises_domain_error("Choose one of the offered values.", "direction"):
        journeys.move_stage(session, m.ws, m.stages[0].id, "up")
    with raises_domain_error(error=NotFoundError):
        journeys.move_step(session, other_workspace.id, m.a.id, "down")
    with raises_domain_error(error=NotFoundError):
        journeys.move_stage(session, other_workspace.id, m.stages[0].id, "right")


# --- per-persona emotions -----------------------------------------------------------------------


def emotions(session):
    return sorted((e.step_id, e.persona_id, e.emotion) for e in session.exec(select(StepPersonaEmotion)).all())


def test_set_persona_emotion_adds_changes_and_removes(session, journey_map):
    m = journey_map
    mia = persona(session, m.ws, "Mia")
    journeys.set_journey_personas(session, m.ws, m.journey.id, [mia.id])
    row = journeys.set_persona_emotion(session, m.ws, m.a.id, mia.id, -2)
    assert (row.emotion, emotions(session)) == (-2, [(m.a.id, mia.id, -2)])
    journeys.set_persona_emotion(session, m.ws, m.a.id, mia.id, 3)
    assert emotions(session) == [(m.a.id, mia.id, 3)]
    assert journeys.set_persona_emotion(session, m.ws, m.a.id, mia.id, None) is None
    assert journeys.set_persona_emotion(session, m.ws, m.a.id, mia.id, None) is None  # nothing to remove: fine
    assert emotions(session) == []


def test_persona_emotion_rules(session, journey_map, other_workspace, raises_domain_error):
    m = journey_map
    mia, tom = persona(session, m.ws, "Mia"), persona(session, m.ws, "Tom")
    journeys.set_journey_personas(session, m.ws, m.journey.id, [mia.id])
    with raises_domain_error("This persona is not attached to the journey.", "persona_id"):
        journeys.set_persona_emotion(session, m.ws, m.a.id, tom.id, 1)
    with raises_domain_error("Must be between {low} and {high}.", "emotion"):
        journeys.set_persona_emotion(session, m.ws, m.a.id, mia.id, 4)
    with raises_domain_error(error=NotFoundError):
        journeys.set_persona_emotion(session, other_workspace.id, m.a.id, mia.id, 1)


def test_database_checks_persona_emotion_range_and_cascades(session, journey_map):
    m = journey_map
    mia = persona(session, m.ws, "Mia")
    journeys.set_journey_personas(session, m.ws, m.journey.id, [mia.id])
    journeys.set_persona_emotion(session, m.ws, m.a.id, mia.id, 1)
    journeys.set_persona_emotion(session, m.ws, m.b.id, mia.id, 2)
    with pytest.raises(IntegrityError, match=CHECK_FAILED), session.begin_nested():
        session.exec(text("UPDATE step_persona_emotion SET emotion = -4"))
    journeys.delete_step(session, m.ws, m.a.id)
    assert emotions(session) == [(m.b.id, mia.id, 2)]
    personas.delete_persona(session, m.ws, mia.id)
    assert emotions(session) == []


# --- duplicating --------------------------------------------------------------------------------


def rich_journey(session, m):
    """The fixture map with something of every kind on it."""
    mia, tom = persona(session, m.ws, "Mia"), persona(session, m.ws, "Tom")
    journeys.update_journey(session, m.ws, m.journey.id, {"scenario": "Family", "goal": "Relax", "status": "final"},
                            persona_ids=[mia.id, tom.id])
    journeys.update_step(session, m.ws, m.a.id, {"is_entry": True, "entry_share": 80, "emotion": 2, "doing": "Scrolls"})
    journeys.update_step(session, m.ws, m.c.id, {"is_exit": True, "exit_kind": "purchase", "is_moment_of_truth": True})
    slow = journeys.create_pain_point(session, m.ws, m.a.id, {"text": "Slow", "severity": 5})
    costly = journeys.create_pain_point(session, m.ws, m.c.id, {"text": "Costly"})
    faster = journeys.create_opportunity(session, m.ws, m.b.id, {"text": "Faster", "effort": 1, "status": "planned"})
    journeys.set_opportunity_pain_points(session, m.ws, faster.id, [slow.id, costly.id])
    journeys.create_transition(session, m.ws, m.a.id, m.b.id, {"label": "asks", "share": 60})
    journeys.create_transition(session, m.ws, m.a.id, m.c.id, {"share": 40})
    journeys.create_transition(session, m.ws, m.b.id, m.c.id)
    shop = touchpoints.create_touchpoint(session, m.ws, {"name": "Shop"})
    touchpoints.attach_touchpoint(session, m.ws, m.a.id, shop.id, {"importance": 5, "satisfaction": 2, "is_decisive": True})
    journeys.set_persona_emotion(session, m.ws, m.a.id, mia.id, -1)
    journeys.set_persona_emotion(session, m.ws, m.c.id, tom.id, 3)
    return SimpleNamespace(mia=mia, tom=tom, shop=shop)


def content(session, ws, journey_id):
    """Everything on a journey, ids replaced by positions/titles so a copy compares equal."""
    steps = journeys.list_steps(session, ws, journey_id)
    stages = journeys.list_stages(session, ws, journey_id)
    title = {s.id: s.title for s in steps}
    stage_name = {s.id: s.name for s in stages}
    pains = journeys.list_pain_points(session, ws, journey_id)
    pain_text = {p.id: p.text for p in pains}
    opportunities = journeys.list_opportunities(session, ws, journey_id)
    opportunity_text = {o.id: o.text for o in opportunities}
    skip = {"id", "journey_id", "stage_id", "step_id", "created_at", "updated_at", "version", "source_step_id", "target_step_id"}

    def dump(row):
        return {k: v for k, v in row.model_dump().items() if k not in skip}

    links = session.exec(select(StepTouchpoint).where(col(StepTouchpoint.step_id).in_(list(title)))).all()
    feelings = session.exec(select(StepPersonaEmotion).where(col(StepPersonaEmotion.step_id).in_(list(title)))).all()
    return {
        "stages": [dump(s) for s in stages],
        "steps": [(stage_name[s.stage_id], dump(s)) for s in steps],
        "pains": [(title[p.step_id], dump(p)) for p in pains],
        "opportunities": [(title[o.step_id], dump(o)) for o in opportunities],
        "addresses": sorted((opportunity_text[o], sorted(pain_text[p] for p in ps))
                            for o, ps in journeys.opportunity_pain_points(session, ws, journey_id).items()),
        "transitions": sorted((title[t.source_step_id], title[t.target_step_id], t.label, t.share)
                              for t in journeys.list_transitions(session, ws, journey_id)),
        "touchpoints": sorted((title[t.step_id], t.touchpoint_id, t.importance, t.satisfaction, t.is_decisive) for t in links),
        "emotions": sorted((title[e.step_id], e.persona_id, e.emotion) for e in feelings),
        "personas": journeys.journey_persona_ids(session, ws, journey_id),
    }


def test_duplicate_deep_copies_everything_with_new_ids(session, journey_map, count_queries):
    m = journey_map
    rich_journey(session, m)
    before = content(session, m.ws, m.journey.id)

    with count_queries() as statements:
        copy = journeys.duplicate_journey(session, m.ws, m.journey.id)
    assert len(statements) <= 25

    assert (copy.name, copy.state, copy.status, copy.origin_journey_id) == ("Sommerurlaub (to-be)", "to_be", "draft", m.journey.id)
    assert (copy.scenario, copy.goal, copy.next_journey_id) == ("Family", "Relax", None)
    assert content(session, m.ws, copy.id) == before
    assert content(session, m.ws, m.journey.id) == before  # the source is untouched
    old_steps = {s.id for s in journeys.list_steps(session, m.ws, m.journey.id)}
    new_steps = {s.id for s in journeys.list_steps(session, m.ws, copy.id)}
    assert not old_steps & new_steps
    for t in journeys.list_transitions(session, m.ws, copy.id):
        assert {t.source_step_id, t.target_step_id} <= new_steps and t.journey_id == copy.id
    copied_pains = {p.id for p in journeys.list_pain_points(session, m.ws, copy.id)}
    assert set().union(*journeys.opportunity_pain_points(session, m.ws, copy.id).values()) == copied_pains


def test_duplicate_statement_count_does_not_grow_with_the_journey(session, journey_map, count_queries):
    m = journey_map
    rich_journey(session, m)
    with count_queries() as small:
        journeys.duplicate_journey(session, m.ws, m.journey.id)
    for n in range(30):
        step = journeys.create_step(session, m.ws, m.stages[n % 2].id, {"title": f"Step {n}"})
        journeys.create_pain_point(session, m.ws, step.id, {"text": "P"})
        journeys.create_transition(session, m.ws, m.a.id, step.id)
    with count_queries() as large:
        copy = journeys.duplicate_journey(session, m.ws, m.journey.id)
    assert len(large) == len(small)
    assert len(journeys.list_steps(session, m.ws, copy.id)) == 33


def test_duplicate_names_are_unique_and_can_be_chosen(session, journey_map, raises_domain_error):
    m = journey_map
    first = journeys.duplicate_journey(session, m.ws, m.journey.id)
    second = journeys.duplicate_journey(session, m.ws, m.journey.id)
    german = journeys.duplicate_journey(session, m.ws, m.journey.id, suffix=" (Soll)", as_to_be=False)
    named = journeys.duplicate_journey(session, m.ws, m.journey.id, name="Urlaub 2027")
    assert [first.name, second.name, german.name, named.name] == [
        "Sommerurlaub (to-be)", "Sommerurlaub (to-be 2)", "Sommerurlaub (Soll)", "Urlaub 2027",
    ]
    assert german.state == "as_is"
    with raises_domain_error("A journey with this name already exists in the workspace.", "name"):
        journeys.duplicate_journey(session, m.ws, m.journey.id, name="Urlaub 2027")


def test_duplicate_of_a_journey_with_a_long_name_fits(session, workspace):
    journey = journeys.create_journey(session, workspace.id, {"name": "x" * 160})
    copy = journeys.duplicate_journey(session, workspace.id, journey.id)
    assert len(copy.name) == 160 and copy.name.endswith(" (to-be)")


def test_duplicate_of_another_workspaces_journey_is_not_found(session, journey_map, other_workspace, raises_domain_error):
    with raises_domain_error(error=NotFoundError):
        journeys.duplicate_journey(session, other_workspace.id, journey_map.journey.id)


def test_duplicate_leaves_out_emotions_of_detached_personas(session, journey_map):
    m = journey_map
    extra = rich_journey(session, m)
    journeys.set_journey_personas(session, m.ws, m.journey.id, [extra.tom.id])
    copy = journeys.duplicate_journey(session, m.ws, m.journey.id)
    assert content(session, m.ws, copy.id)["emotions"] == [("Compares offers", extra.tom.id, 3)]


# --- lifecycle ----------------------------------------------------------------------------------


def chain_names(chains):
    return [[link.name for link in chain] for chain in chains]


def test_lifecycle_chains_follow_the_links(session, workspace, count_queries):
    ws = workspace.id
    mia, tom = persona(session, ws, "Mia"), persona(session, ws, "tom")
    rebooking = journeys.create_journey(session, ws, {"name": "Rebooking"}, persona_ids=[mia.id])
    holiday = journeys.create_journey(session, ws, {"name": "Holiday", "next_journey_id": rebooking.id}, persona_ids=[tom.id, mia.id])
    journeys.create_journey(session, ws, {"name": "Booking", "next_journey_id": holiday.id, "state": "to_be"})
    journeys.create_journey(session, ws, {"name": "Alone"}, persona_ids=[tom.id])

    with count_queries() as statements:
        chains = journeys.lifecycle_chains(session, ws)
    assert len(statements) == 2
    assert chain_names(chains) == [["Alone"], ["Booking", "Holiday", "Rebooking"]]
    booking = chains[1][0]
    assert (booking.state, booking.status, booking.persona_names) == ("to_be", "draft", ())
    assert chains[1][1].persona_names == ("Mia", "tom")
    assert chain_names(journeys.lifecycle_chains(session, ws, persona_id=mia.id)) == [["Booking", "Holiday", "Rebooking"]]
    assert chain_names(journeys.lifecycle_chains(session, ws, persona_id=tom.id)) == [
        ["Alone"], ["Booking", "Holiday", "Rebooking"],
    ]


def test_lifecycle_chains_stop_at_loops(session, workspace):
    ws = workspace.id
    a, b, c = (journeys.create_journey(session, ws, {"name": n}) for n in ("A", "B", "C"))
    # A → B → C → B (a tail into a loop), and a closed loop X ⇄ Y nobody leads into
    journeys.update_journey(session, ws, a.id, {"next_journey_id": b.id})
    journeys.update_journey(session, ws, b.id, {"next_journey_id": c.id})
    journeys.update_journey(session, ws, c.id, {"next_journey_id": b.id})
    y = journeys.create_journey(session, ws, {"name": "Y"})
    x = journeys.create_journey(session, ws, {"name": "X", "next_journey_id": y.id})
    journeys.update_journey(session, ws, y.id, {"next_journey_id": x.id})
    assert chain_names(journeys.lifecycle_chains(session, ws)) == [["A", "B", "C"], ["X", "Y"]]


def test_lifecycle_chains_share_a_tail_and_stay_in_the_workspace(session, workspace, other_workspace):
    ws = workspace.id
    end = journeys.create_journey(session, ws, {"name": "End"})
    journeys.create_journey(session, ws, {"name": "First", "next_journey_id": end.id})
    journeys.create_journey(session, ws, {"name": "Second", "next_journey_id": end.id})
    journeys.create_journey(session, other_workspace.id, {"name": "Foreign"})
    assert chain_names(journeys.lifecycle_chains(session, ws)) == [["First", "End"], ["Second", "End"]]
    assert journeys.lifecycle_chains(session, ws, persona_id=12345) == []
