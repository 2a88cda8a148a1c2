"""The touchpoint catalogue and step links with their evaluation."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models import StepTouchpoint
from services import journeys
from services.core.errors import NotFoundError
from services.touchpoints import crud as touchpoints
from services.workspaces import channels
from tests.dialects import CHECK_FAILED


def channel_id(session, ws, name="Telefon"):
    return next(c.id for c in channels.list_channels(session, ws) if c.name == name)


def test_touchpoint_round_trip_and_list_with_channel_names(session, workspace, count_queries):
    ws = workspace.id
    hotline = touchpoints.create_touchpoint(session, ws, {
        "name": "Hotline", "channel_id": channel_id(session, ws), "is_online": False, "owner_department": "Service",
        "cost_per_contact": 4.5,
    })
    touchpoints.create_touchpoint(session, ws, {"name": "Bewertungen", "is_direct": False})

    with count_queries() as statements:
        frame = touchpoints.list_touchpoints(session, ws)
    assert len(statements) == 1
    assert list(frame["name"]) == ["Bewertungen", "Hotline"]
    assert list(frame["channel"]) == ["", "Telefon"]
    assert frame.loc[1, "channel_id"] == hotline.channel_id
    assert frame["channel_id"].isna().tolist() == [True, False]

    updated = touchpoints.update_touchpoint(session, ws, hotline.id, {"external_provider": "CallCo", "channel_id": None})
    assert (updated.external_provider, updated.channel_id, updated.version) == ("CallCo", None, 2)
    touchpoints.delete_touchpoint(session, ws, hotline.id)
    assert list(touchpoints.list_touchpoints(session, ws)["name"]) == ["Bewertungen"]


def test_touchpoint_validation(session, workspace, other_workspace, raises_domain_error):
    ws = workspace.id
    touchpoints.create_touchpoint(session, ws, {"name": "Hotline"})
    with raises_domain_error("A touchpoint with this name already exists in the workspace.", "name"):
        touchpoints.create_touchpoint(session, ws, {"name": "Hotline"})
    with raises_domain_error("Choose a channel from this workspace.", "channel_id"):
        touchpoints.create_touchpoint(session, ws, {"name": "Shop", "channel_id": channel_id(session, other_workspace.id)})
    with raises_domain_error("Must be at least {low}.", "cost_per_contact"):
        touchpoints.create_touchpoint(session, ws, {"name": "Shop", "cost_per_contact": -1})


def test_touchpoint_of_another_workspace_is_not_found(session, workspace, other_workspace, raises_domain_error):
    foreign = touchpoints.create_touchpoint(session, other_workspace.id, {"name": "Hotline"})
    with raises_domain_error(error=NotFoundError):
        touchpoints.update_touchpoint(session, workspace.id, foreign.id, {"name": "Mine"})
    with raises_domain_error(error=NotFoundError):
        touchpoints.delete_touchpoint(session, workspace.id, foreign.id)


def test_deleting_a_channel_keeps_its_touchpoints(session, workspace):
    ws = workspace.id
    hotline = touchpoints.create_touchpoint(session, ws, {"name": "Hotline", "channel_id": channel_id(session, ws)})
    channels.delete_channel(session, ws, hotline.channel_id)
    session.refresh(hotline)
    assert hotline.channel_id is None


def test_attach_update_detach_a_step_link(session, journey_map, count_queries):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline", "channel_id": channel_id(session, m.ws)})
    website = touchpoints.create_touchpoint(session, m.ws, {"name": "Website"})
    link = touchpoints.attach_touchpoint(
        session, m.ws, m.a.id, hotline.id, {"importance": 5, "satisfaction": 2, "notes": "long wait"},
    )
    touchpoints.attach_touchpoint(session, m.ws, m.c.id, website.id)

    with count_queries() as statements:
        frame = touchpoints.list_step_touchpoints(session, m.ws, m.journey.id)
    assert len(statements) == 1
    assert list(zip(frame["step_id"], frame["touchpoint"], frame["channel"], strict=True)) == [
        (m.a.id, "Hotline", "Telefon"), (m.c.id, "Website", ""),
    ]
    assert list(frame["importance"].isna()) == [False, True]

    updated = touchpoints.update_step_touchpoint(
        session, m.ws, link.id, {"is_decisive": True, "leads_to_abort": True, "satisfaction": 1, "step_id": m.b.id},
    )
    assert (updated.is_decisive, updated.leads_to_abort, updated.satisfaction, updated.step_id) == (True, True, 1, m.a.id)
    touchpoints.detach_touchpoint(session, m.ws, link.id)
    assert list(touchpoints.list_step_touchpoints(session, m.ws, m.journey.id)["touchpoint"]) == ["Website"]
    assert touchpoints.get_touchpoint(session, m.ws, hotline.id).name == "Hotline"


def test_step_link_rules(session, journey_map, other_workspace, raises_domain_error):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline"})
    foreign = touchpoints.create_touchpoint(session, other_workspace.id, {"name": "Foreign"})
    with raises_domain_error("Must be between {low} and {high}.", "importance"):
        touchpoints.attach_touchpoint(session, m.ws, m.a.id, hotline.id, {"importance": 6})
    with raises_domain_error("Choose a touchpoint from this workspace.", "touchpoint_id"):
        touchpoints.attach_touchpoint(session, m.ws, m.a.id, foreign.id)
    with raises_domain_error("Choose a step from this workspace.", "step_id"):
        touchpoints.attach_touchpoint(session, other_workspace.id, m.a.id, foreign.id)
    link = touchpoints.attach_touchpoint(session, m.ws, m.a.id, hotline.id)
    with raises_domain_error():
        touchpoints.attach_touchpoint(session, m.ws, m.a.id, hotline.id)
    with raises_domain_error(error=NotFoundError):
        touchpoints.update_step_touchpoint(session, other_workspace.id, link.id, {"importance": 1})


def test_attaching_twice_names_the_field(session, journey_map, raises_domain_error):
    hotline = touchpoints.create_touchpoint(session, journey_map.ws, {"name": "Hotline"})
    touchpoints.attach_touchpoint(session, journey_map.ws, journey_map.a.id, hotline.id)
    with raises_domain_error("This touchpoint is already attached to the step.", "touchpoint_id"):
        touchpoints.attach_touchpoint(session, journey_map.ws, journey_map.a.id, hotline.id)


@pytest.mark.parametrize("column", ["importance", "satisfaction"])
def test_database_checks_rating_ranges(session, journey_map, column):
    hotline = touchpoints.create_touchpoint(session, journey_map.ws, {"name": "Hotline"})
    link = touchpoints.attach_touchpoint(session, journey_map.ws, journey_map.a.id, hotline.id)
    with pytest.raises(IntegrityError, match=CHECK_FAILED), session.begin_nested():
        session.exec(text(f"UPDATE step_touchpoint SET {column} = 0 WHERE id = :id"), params={"id": link.id})


def test_links_go_with_their_step_or_touchpoint(session, journey_map):
    m = journey_map
    hotline = touchpoints.create_touchpoint(session, m.ws, {"name": "Hotline"})
    website = touchpoints.create_touchpoint(session, m.ws, {"name": "Website"})
    touchpoints.attach_touchpoint(session, m.ws, m.a.id, hotline.id)
    touchpoints.attach_touchpoint(session, m.ws, m.b.id, website.id)
    journeys.delete_step(session, m.ws, m.a.id)
    touchpoints.delete_touchpoint(session, m.ws, website.id)
    assert session.exec(select(StepTouchpoint)).all() == []
