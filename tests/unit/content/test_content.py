"""Content items and the content map (persona × stage × channel → content)."""

import pytest
from sqlmodel import select

from models import ContentMapping
from services import journeys
from services.content import crud as content
from services.core import crud as common
from services.core.errors import NotFoundError
from services.personas import crud as personas
from services.workspaces import channels

DUPLICATE = "This content is already mapped to that cell."


@pytest.fixture
def cell(session, journey_map):
    """Everything one mapping needs, in the journey map's workspace."""
    ws = journey_map.ws
    return {
        "content_item_id": content.create_content_item(session, ws, {"title": "Packliste", "format": "faq"}).id,
        "stage_id": journey_map.stages[0].id,
        "channel_id": next(c.id for c in channels.list_channels(session, ws) if c.name == "Website"),
    }


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "ftp://x", "http://"])
def test_a_content_url_must_be_a_web_or_mail_address(session, workspace, raises_domain_error, url):
    message = "Use a web address starting with http:// or https://, or a mailto: address."
    with raises_domain_error(message, "url"):
        content.create_content_item(session, workspace.id, {"title": "Trap", "url": url})
    item = content.create_content_item(session, workspace.id, {"title": "Fine", "url": "HTTPS://x.example"})
    with raises_domain_error(message, "url"):
        content.update_content_item(session, workspace.id, item.id, {"url": url})
    assert content.update_content_item(session, workspace.id, item.id, {"url": "mailto:a@example.com"}).url == "mailto:a@example.com"


def test_content_item_round_trip(session, workspace, raises_domain_error):
    ws = workspace.id
    item = content.create_content_item(session, ws, {"title": " Reise-FAQ ", "format": "faq", "url": "https://x.example/faq"})
    content.create_content_item(session, ws, {"title": "Newsletter Juni", "format": "newsletter", "status": "live"})
    assert (item.title, item.status) == ("Reise-FAQ", "planned")
    assert [i.title for i in content.list_content_items(session, ws)] == ["Newsletter Juni", "Reise-FAQ"]
    assert [i.title for i in content.list_content_items(session, ws, status="live")] == ["Newsletter Juni"]

    updated = content.update_content_item(session, ws, item.id, {"status": "in_production", "owner": "Marketing"})
    assert (updated.status, updated.owner, updated.version) == ("in_production", "Marketing", 2)
    content.delete_content_item(session, ws, item.id)
    with raises_domain_error(error=NotFoundError):
        content.get_content_item(session, ws, item.id)


def test_content_item_validation(session, workspace, other_workspace, raises_domain_error):
    ws = workspace.id
    content.create_content_item(session, ws, {"title": "FAQ"})
    content.create_content_item(session, other_workspace.id, {"title": "FAQ"})
    with raises_domain_error("A content item with this title already exists in the workspace.", "title"):
        content.create_content_item(session, ws, {"title": "FAQ"})
    with raises_domain_error("Choose one of the offered values.", "format"):
        content.create_content_item(session, ws, {"title": "Podcast", "format": "podcast"})
    with raises_domain_error("Choose one of the offered values.", "status"):
        content.update_content_item(session, ws, 1, {"status": "published"})


def test_mapping_round_trip_for_all_personas_and_for_one(session, journey_map, cell, count_queries):
    ws = journey_map.ws
    family = personas.create_persona(session, ws, {"name": "Familie Berger"})
    for_all = content.create_content_mapping(session, ws, {**cell, "need": "What to pack"})
    for_family = content.create_content_mapping(session, ws, {**cell, "persona_id": family.id})
    assert for_all.persona_id is None

    with count_queries() as statements:
        frame = content.list_content_mappings(session, ws, journey_id=journey_map.journey.id)
    assert len(statements) == 1
    assert sorted(frame["persona"]) == ["", "Familie Berger"]
    assert set(frame["stage"]) == {"Awareness"} and set(frame["channel"]) == {"Website"}
    assert set(frame["journey"]) == {"Sommerurlaub"} and set(frame["content"]) == {"Packliste"}

    updated = content.update_content_mapping(session, ws, for_all.id, "Checklist for kids")
    assert updated.need == "Checklist for kids"
    content.delete_content_mapping(session, ws, for_family.id)
    assert list(content.list_content_mappings(session, ws)["id"]) == [for_all.id]


def test_the_same_cell_cannot_be_mapped_twice(session, journey_map, cell, raises_domain_error):
    ws = journey_map.ws
    family = personas.create_persona(session, ws, {"name": "Familie Berger"})
    content.create_content_mapping(session, ws, cell)
    content.create_content_mapping(session, ws, {**cell, "persona_id": family.id})
    # Without a persona the UNIQUE constraint cannot see the duplicate (NULL ≠ NULL): the service does.
    with raises_domain_error(DUPLICATE, "content_item_id"):
        content.create_content_mapping(session, ws, cell)
    with raises_domain_error(DUPLICATE, "content_item_id"):
        content.create_content_mapping(session, ws, {**cell, "persona_id": family.id})


@pytest.mark.parametrize("field, message", [
    ("content_item_id", "Choose content from this workspace."),
    ("persona_id", "Choose a persona from this workspace."),
    ("channel_id", "Choose a channel from this workspace."),
    ("stage_id", "Choose a stage from this workspace."),
])
def test_mapping_parts_must_be_of_the_workspace(session, journey_map, cell, other_workspace, raises_domain_error, field, message):
    other = other_workspace.id
    foreign_journey = journeys.create_journey(session, other, {"name": "F"})
    foreign = {
        "content_item_id": content.create_content_item(session, other, {"title": "F"}).id,
        "persona_id": personas.create_persona(session, other, {"name": "F"}).id,
        "channel_id": channels.list_channels(session, other)[0].id,
        "stage_id": journeys.create_stage(session, other, foreign_journey.id, {"name": "F"}).id,
    }
    with raises_domain_error(message, field):
        content.create_content_mapping(session, journey_map.ws, {**cell, field: foreign[field]})


def test_mapping_needs_its_parts(session, journey_map, cell, raises_domain_error):
    with raises_domain_error("This field is required.", "stage_id"):
        content.create_content_mapping(session, journey_map.ws, {k: v for k, v in cell.items() if k != "stage_id"})


def test_database_refuses_a_mapping_to_another_workspaces_item(session, journey_map, cell, other_workspace, raises_domain_error):
    foreign = content.create_content_item(session, other_workspace.id, {"title": "F"})
    with raises_domain_error("This refers to something that does not exist, or is still in use."):
        common.create(session, ContentMapping, {**cell, "content_item_id": foreign.id, "workspace_id": journey_map.ws})


def test_mapping_of_another_workspace_is_not_found(session, journey_map, cell, other_workspace, raises_domain_error):
    mapping = content.create_content_mapping(session, journey_map.ws, cell)
    with raises_domain_error(error=NotFoundError):
        content.delete_content_mapping(session, other_workspace.id, mapping.id)
    assert content.list_content_mappings(session, other_workspace.id).empty


@pytest.mark.parametrize("what", ["persona", "item", "stage"])
def test_mappings_go_with_their_persona_item_or_stage(session, journey_map, cell, what):
    ws = journey_map.ws
    family = personas.create_persona(session, ws, {"name": "Familie Berger"})
    empty_stage = journeys.create_stage(session, ws, journey_map.journey.id, {"name": "Loyalty"})
    content.create_content_mapping(session, ws, {**cell, "persona_id": family.id, "stage_id": empty_stage.id})
    if what == "persona":
        personas.delete_persona(session, ws, family.id)
    elif what == "item":
        content.delete_content_item(session, ws, cell["content_item_id"])
    else:
        journeys.delete_stage(session, ws, empty_stage.id)
    assert session.exec(select(ContentMapping)).all() == []
