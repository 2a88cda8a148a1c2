"""Fast capture: a new step joins the flow from the step before it."""

from models import Step
from services import journeys
from services.journeys import validate_branches


def pairs(session, m):
    return {(t.source_step_id, t.target_step_id) for t in journeys.list_transitions(session, m.ws, m.journey.id)}


def test_quick_steps_make_one_chain_not_loose_cards(session, journey_map):
    m = journey_map
    added = [journeys.add_step(session, m.ws, m.stages[1].id, {"title": f"Schritt {n}"}) for n in range(10)]
    chain = [m.c.id, *(s.id for s in added)]
    assert pairs(session, m) == set(zip(chain, chain[1:], strict=False))
    journey_map_now = journeys.load_journey_map(session, m.ws, m.journey.id)
    kinds = [w.kind for w in validate_branches(journey_map_now.steps, journey_map_now.transitions)
             if w.step_id in {s.id for s in added}]
    assert kinds == ["dead_end"]  # only the last one, where the chain ends for now


def test_an_empty_stage_continues_from_the_previous_stage_and_loose_steps_stay_loose(session, journey_map):
    m = journey_map
    third = journeys.create_stage(session, m.ws, m.journey.id, {"name": "Kauf"})
    first_of_third = journeys.add_step(session, m.ws, third.id, {"title": "Bezahlt"})
    assert journeys.previous_step(session, first_of_third).id == m.c.id
    loose = journeys.add_step(session, m.ws, third.id, {"title": "Nebenbei"}, connect=False)
    assert pairs(session, m) == {(m.c.id, first_of_third.id)}
    assert journeys.previous_step(session, loose).id == first_of_third.id
    journeys.update_step(session, m.ws, loose.id, {"is_exit": True, "exit_kind": "purchase"})
    after_exit = journeys.add_step(session, m.ws, third.id, {"title": "Nach dem Ende"})
    assert (loose.id, after_exit.id) not in pairs(session, m)  # an exit leads nowhere
    first = journeys.add_step(session, m.ws, m.stages[0].id, {"title": "Am Anfang"})
    assert journeys.previous_step(session, first).id == m.b.id
    assert isinstance(first, Step)
