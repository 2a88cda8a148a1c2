"""A facilitator's lock on a map's structure: enforced below the services, participants go on."""

import pytest
from sqlalchemy import select

from models import Journey, Stage, Step, Transition
from models.db import read_session
from services import accounts, journeys, workshop
from services.core import Forbidden
from services.unit_of_work import unit_of_work
from services.workspaces import load_demo_workspace
from tests.unit.accounts.test_access import account_with

LOCKED = "locked this map's structure"


@pytest.fixture
def room(engine):
    """The demo's first journey, locked by its facilitator; an editor; a guest of the journey."""
    with unit_of_work(engine) as session:
        ws = load_demo_workspace(session).id
    facilitator = account_with(engine, "facilitator", ws, email="f@example.com")
    editor = account_with(engine, "editor", ws, email="e@example.com")
    with read_session(engine) as session:
        journey = session.exec(select(Journey.id).where(Journey.workspace_id == ws).order_by(Journey.id)).scalars().first()
        stage, step = session.execute(
            select(Step.stage_id, Step.id).where(Step.journey_id == journey).order_by(Step.id)).first()
        transition = session.exec(select(Transition.id).where(Transition.journey_id == journey)).scalars().first()
    with unit_of_work(engine) as session:
        _link, token = accounts.create_guest_link(session, ws, journey, hours=1)
        round_ = workshop.open_vote_round(session, ws, journey, "Dots")
        guest = accounts.actor_for(session, accounts.join(session, token, "Gina"))
    with pytest.raises(Forbidden), unit_of_work(engine, editor) as session:
        workshop.set_structure_lock(session, ws, journey, True)  # only a facilitator locks
    with unit_of_work(engine, facilitator) as session:
        assert workshop.set_structure_lock(session, ws, journey, True).structure_locked
    return ws, journey, stage, step, transition, round_.id, facilitator, editor, guest


def test_a_locked_structure_refuses_editors_and_lets_the_facilitator_change_it(engine, room):
    ws, journey, stage, step, transition, _round, facilitator, editor, _guest = room
    changes = [
        lambda s: journeys.create_stage(s, ws, journey, {"name": "Neu"}),
        lambda s: journeys.update_stage(s, ws, stage, {"name": "Umbenannt"}),
        lambda s: journeys.create_step(s, ws, stage, {"title": "Neu"}),
        lambda s: journeys.add_step(s, ws, stage, {"title": "Neu"}),
        lambda s: journeys.update_step(s, ws, step, {"title": "Anders"}),
        lambda s: journeys.move_step(s, ws, step, "down"),
        lambda s: journeys.move_stage(s, ws, stage, "right"),
        lambda s: journeys.delete_step(s, ws, step),
        lambda s: journeys.delete_transition(s, ws, transition),
    ]
    for change in changes:
        with pytest.raises(Forbidden, match=LOCKED), unit_of_work(engine, editor) as session:
            change(session)
    with unit_of_work(engine, editor) as session:  # the cards' content is not structure
        journeys.create_pain_point(session, ws, step, {"text": "Zu teuer"})
    with unit_of_work(engine, facilitator) as session:
        journeys.update_step(session, ws, step, {"title": "Von der Moderation"})
        workshop.set_structure_lock(session, ws, journey, False)
    with unit_of_work(engine, editor) as session:  # unlocked: editors build again
        journeys.create_stage(session, ws, journey, {"name": "Neu"})


def test_participants_still_vote_comment_and_capture_on_a_locked_map(engine, room):
    ws, journey, stage, step, _transition, round_id, _facilitator, _editor, guest = room
    with unit_of_work(engine) as session:
        empty = journeys.create_stage(session, ws, journey, {"name": "Leer"}).id
    with unit_of_work(engine, guest) as session:
        workshop.set_dots(session, ws, round_id, guest.name, 1, step_id=step)
        workshop.add_comment(session, ws, guest.name, "Warum?", step_id=step)
        workshop.quick_capture(session, ws, journey, stage, "pain", "Dauert", guest.name, step_id=step)
        parked = workshop.quick_capture(session, ws, journey, empty, "idea", "Chat", guest.name)  # its parking lot
    with read_session(engine) as session:
        assert session.get(Step, parked.step_id).stage_id == empty
        assert session.get(Stage, empty).journey_id == journey
