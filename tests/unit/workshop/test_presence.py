"""Presence on a map, the facilitator's focus and timer."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from models import Presence
from models.db import read_session
from services import journeys
from services.core.errors import DomainError
from services.unit_of_work import unit_of_work
from services.workshop import presence
from services.workspaces import crud as workspaces


@pytest.fixture
def room(engine):
    with unit_of_work(engine) as s:
        ws = workspaces.create_workspace(s, "Room", with_channels=False).id
        journey = journeys.create_journey(s, ws, {"name": "J"}).id
        other = journeys.create_journey(s, ws, {"name": "K"}).id
        stages = [journeys.create_stage(s, ws, journey, {"name": n}).id for n in ("A", "B")]
    return ws, journey, other, stages


def beat(engine, ws, journey, key, name, facilitator=False):
    with unit_of_work(engine) as s:
        presence.heartbeat(s, ws, journey, key, name, is_facilitator=facilitator)


def age(engine, key, seconds):
    with unit_of_work(engine) as s:
        s.execute(update(Presence).where(Presence.session_key == key)
                  .values(last_seen=datetime.now(UTC) - timedelta(seconds=seconds)))


def test_heartbeats_upsert_one_row_per_browser_session(engine, room, count_queries):
    ws, journey, other, _ = room
    beat(engine, ws, journey, "k1", "Anna", facilitator=True)
    beat(engine, ws, journey, "k2", " Ben ")
    beat(engine, ws, journey, "k3", "Ben")  # a second tab
    beat(engine, ws, other, "k4", "Carla")
    with unit_of_work(engine) as s, count_queries() as statements:
        presence.heartbeat(s, ws, journey, "k2", "Ben")
    assert [q.split()[0] for q in statements] == ["BEGIN", "INSERT"]  # one upsert; no log, no revision
    with read_session(engine) as s:
        assert len(s.exec(select(Presence)).all()) == 4
        assert presence.present(s, ws, journey) == [("Anna", True), ("Ben", False)]
        assert presence.present(s, ws, None) == [("Anna", True), ("Ben", False), ("Carla", False)]
    age(engine, "k1", presence.PRESENT_SECONDS + 1)
    with read_session(engine) as s:
        assert presence.present(s, ws, journey) == [("Ben", False)]
        assert presence.present(s, ws, journey, within_seconds=2 * presence.PRESENT_SECONDS) == [("Anna", True), ("Ben", False)]


def test_a_heartbeat_does_not_move_the_revision(engine, room):
    ws, journey, *_ = room
    with read_session(engine) as s:
        before = workspaces.revision(s, ws)
    beat(engine, ws, journey, "k1", "Anna", facilitator=True)
    with unit_of_work(engine) as s:
        presence.set_focus(s, ws, journey, None)
        presence.set_timer(s, ws, journey, 5)
        presence.leave(s, "k1")
    with read_session(engine) as s:
        assert workspaces.revision(s, ws) == before


def test_a_name_is_needed(engine, room):
    ws, journey, *_ = room
    with unit_of_work(engine) as s, pytest.raises(DomainError) as info:
        presence.heartbeat(s, ws, journey, "k1", "  ")
    assert info.value.field == "display_name"


def test_participants_follow_the_newest_facilitator_focus(engine, room):
    ws, journey, other, (a, b) = room
    beat(engine, ws, journey, "lead", "Anna", facilitator=True)
    beat(engine, ws, journey, "co", "Ben", facilitator=True)
    beat(engine, ws, journey, "p", "Carla")
    with read_session(engine) as s:
        assert presence.focus(s, ws, journey) is None
    with unit_of_work(engine) as s:
        presence.set_focus(s, ws, journey, a, session_key="lead")
    with unit_of_work(engine) as s:
        presence.set_focus(s, ws, journey, b, session_key="co")
    with read_session(engine) as s:
        assert presence.focus(s, ws, journey) == b
        assert presence.focus(s, ws, other) is None
    with unit_of_work(engine) as s:
        presence.set_focus(s, ws, journey, None)  # no key: every facilitator on the map
    with read_session(engine) as s:
        assert presence.focus(s, ws, journey) is None
    with unit_of_work(engine) as s:
        presence.set_focus(s, ws, journey, a)
        journeys.delete_stage(s, ws, a)  # the database forgets a focus on a deleted stage
    with read_session(engine) as s:
        assert presence.focus(s, ws, journey) is None


def test_only_a_facilitator_steers_and_only_to_a_stage_of_the_map(engine, room):
    ws, journey, other, (a, _b) = room
    beat(engine, ws, journey, "p", "Carla")
    with unit_of_work(engine) as s, pytest.raises(DomainError) as info:
        presence.set_focus(s, ws, journey, a)
    assert info.value.message == "Only a facilitator on this map can do this."
    with unit_of_work(engine) as s, pytest.raises(DomainError) as info:
        presence.set_focus(s, ws, other, a, session_key="p")
    assert info.value.field == "stage_id"


def test_a_silent_facilitator_stops_steering(engine, room):
    ws, journey, _other, (a, _b) = room
    beat(engine, ws, journey, "lead", "Anna", facilitator=True)
    with unit_of_work(engine) as s:
        presence.set_focus(s, ws, journey, a, session_key="lead")
    age(engine, "lead", presence.FOCUS_SECONDS + 1)
    with read_session(engine) as s:
        assert presence.focus(s, ws, journey) is None


def test_the_timer_counts_down_for_the_room(engine, room):
    ws, journey, *_ = room
    beat(engine, ws, journey, "lead", "Anna", facilitator=True)
    with unit_of_work(engine) as s:
        ends = presence.set_timer(s, ws, journey, 5)
    assert timedelta(minutes=4, seconds=58) < ends - datetime.now(UTC) <= timedelta(minutes=5)
    with read_session(engine) as s:
        assert presence.timer(s, ws, journey) == ends
    with unit_of_work(engine) as s:
        assert presence.set_timer(s, ws, journey, None) is None
    with read_session(engine) as s:
        assert presence.timer(s, ws, journey) is None
    with unit_of_work(engine) as s, pytest.raises(DomainError):
        presence.set_timer(s, ws, journey, 0)


def test_stale_sessions_are_forgotten(engine, room):
    ws, journey, *_ = room
    beat(engine, ws, journey, "old", "Anna")
    beat(engine, ws, journey, "new", "Ben")
    age(engine, "old", 2 * 24 * 3600)
    with unit_of_work(engine) as s:
        assert presence.forget_stale(s) == 1
        assert [p.session_key for p in s.exec(select(Presence)).all()] == ["new"]


def test_presence_goes_with_its_journey(engine, room):
    ws, journey, *_ = room
    beat(engine, ws, journey, "k", "Anna")
    with unit_of_work(engine) as s:
        journeys.delete_journey(s, ws, journey)
        assert s.exec(select(Presence)).all() == []


def test_the_room_is_one_statement_with_every_rule_applied(engine, room, count_queries):
    """What every open workshop page polls: revision, who is here, focus and timer in one SELECT."""
    ws, journey, other, (a, b) = room
    beat(engine, ws, journey, "lead", "Anna", facilitator=True)
    beat(engine, ws, journey, "gone", "Gerd", facilitator=True)
    beat(engine, ws, journey, "p1", "ben")
    beat(engine, ws, journey, "p2", "ben")  # a second tab counts once
    beat(engine, ws, other, "elsewhere", "Carla")
    with unit_of_work(engine) as s:
        presence.set_focus(s, ws, journey, b, session_key="gone")
        presence.set_focus(s, ws, journey, a, session_key="lead")
        ends = presence.set_timer(s, ws, journey, 5, session_key="lead")
    age(engine, "gone", presence.FOCUS_SECONDS + 1)  # the newer focus on b was set by someone since gone
    with unit_of_work(engine) as s:
        presence.set_focus(s, ws, journey, b, session_key="gone")
    age(engine, "gone", presence.FOCUS_SECONDS + 1)
    with read_session(engine) as s, count_queries() as statements:
        state = presence.room_state(s, ws, journey)
    assert len([q for q in statements if q.split()[0] == "SELECT"]) == 1
    assert state == presence.RoomState(revision=state.revision,
                                       people=(("Anna", True), ("ben", False)), focus=a, timer_ends_at=ends)
    with read_session(engine) as s:
        assert state.revision == workspaces.revision(s, ws)
        assert presence.room_state(s, ws, other).people == (("Carla", False),)
        assert presence.room_state(s, ws + 1000, journey) == presence.RoomState(0, (), None, None)
    age(engine, "p1", presence.PRESENT_SECONDS + 1)
    age(engine, "p2", presence.PRESENT_SECONDS + 1)
    with read_session(engine) as s:
        assert presence.room_state(s, ws, journey).people == (("Anna", True),)
