"""Kano survey items and answers."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from models import KanoAnswer
from services import journeys
from services.core.errors import NotFoundError
from services.kano import crud as kano
from tests.dialects import CHECK_FAILED


def test_kano_item_round_trip(session, workspace, raises_domain_error):
    ws = workspace.id
    journey = journeys.create_journey(session, ws, {"name": "Sommerurlaub"})
    wifi = kano.create_kano_item(session, ws, {"name": "Free WiFi", "journey_id": journey.id})
    kano.create_kano_item(session, ws, {"name": "Babysitting"})
    assert [i.name for i in kano.list_kano_items(session, ws)] == ["Babysitting", "Free WiFi"]
    updated = kano.update_kano_item(session, ws, wifi.id, {"description": "in every room", "journey_id": None})
    assert (updated.description, updated.journey_id, updated.version) == ("in every room", None, 2)
    kano.delete_kano_item(session, ws, wifi.id)
    with raises_domain_error(error=NotFoundError):
        kano.get_kano_item(session, ws, wifi.id)


def test_kano_item_validation(session, workspace, other_workspace, raises_domain_error):
    ws = workspace.id
    kano.create_kano_item(session, ws, {"name": "Free WiFi"})
    kano.create_kano_item(session, other_workspace.id, {"name": "Free WiFi"})
    foreign = journeys.create_journey(session, other_workspace.id, {"name": "F"})
    with raises_domain_error("A Kano item with this name already exists in the workspace.", "name"):
        kano.create_kano_item(session, ws, {"name": "Free WiFi"})
    with raises_domain_error("Choose a journey from this workspace.", "journey_id"):
        kano.create_kano_item(session, ws, {"name": "Pool", "journey_id": foreign.id})
    with raises_domain_error("This field is required.", "name"):
        kano.create_kano_item(session, ws, {"name": ""})


def test_answers_by_number_or_code(session, workspace):
    ws = workspace.id
    wifi = kano.create_kano_item(session, ws, {"name": "Free WiFi"})
    pool = kano.create_kano_item(session, ws, {"name": "Pool"})
    first = kano.add_kano_answer(session, ws, wifi.id, "like", "dislike", "R1")
    kano.add_kano_answer(session, ws, wifi.id, 2, 5, "R2")
    kano.add_kano_answer(session, ws, pool.id, "Neutral", " tolerate ", "R1")
    assert (first.functional, first.dysfunctional) == (1, 5)

    frame = kano.list_kano_answers(session, ws)
    assert list(frame["item"]) == ["Free WiFi", "Free WiFi", "Pool"]
    assert list(frame["functional_answer"]) == ["like", "expect", "neutral"]
    assert list(frame["dysfunctional_answer"]) == ["dislike", "dislike", "tolerate"]
    assert list(kano.list_kano_answers(session, ws, item_id=pool.id)["respondent"]) == ["R1"]

    kano.delete_kano_answer(session, ws, first.id)
    assert len(kano.list_kano_answers(session, ws, item_id=wifi.id)) == 1


def test_answer_validation(session, workspace, raises_domain_error):
    wifi = kano.create_kano_item(session, workspace.id, {"name": "Free WiFi"})
    with raises_domain_error("Must be between {low} and {high}.", "functional"):
        kano.add_kano_answer(session, workspace.id, wifi.id, 6, 1)
    with raises_domain_error("Must be between {low} and {high}.", "dysfunctional"):
        kano.add_kano_answer(session, workspace.id, wifi.id, 1, 0)
    with raises_domain_error("Choose one of the offered answers.", "dysfunctional"):
        kano.add_kano_answer(session, workspace.id, wifi.id, "like", "hate")


@pytest.mark.parametrize("column", ["functional", "dysfunctional"])
def test_database_checks_answer_ranges(session, workspace, column):
    wifi = kano.create_kano_item(session, workspace.id, {"name": "Free WiFi"})
    answer = kano.add_kano_answer(session, workspace.id, wifi.id, 1, 5)
    with pytest.raises(IntegrityError, match=CHECK_FAILED), session.begin_nested():
        session.exec(text(f"UPDATE kano_answer SET {column} = 9 WHERE id = :id"), params={"id": answer.id})


def test_answers_of_another_workspace(session, workspace, other_workspace, raises_domain_error):
    foreign = kano.create_kano_item(session, other_workspace.id, {"name": "Free WiFi"})
    answer = kano.add_kano_answer(session, other_workspace.id, foreign.id, 1, 5)
    with raises_domain_error(error=NotFoundError):
        kano.add_kano_answer(session, workspace.id, foreign.id, 1, 5)
    with raises_domain_error(error=NotFoundError):
        kano.delete_kano_answer(session, workspace.id, answer.id)
    assert kano.list_kano_answers(session, workspace.id).empty


def test_answers_go_with_their_item_and_items_outlive_their_journey(session, workspace):
    ws = workspace.id
    journey = journeys.create_journey(session, ws, {"name": "J"})
    wifi = kano.create_kano_item(session, ws, {"name": "Free WiFi", "journey_id": journey.id})
    pool = kano.create_kano_item(session, ws, {"name": "Pool"})
    kano.add_kano_answer(session, ws, pool.id, 1, 5)
    journeys.delete_journey(session, ws, journey.id)
    session.refresh(wifi)
    assert wifi.journey_id is None
    kano.delete_kano_item(session, ws, pool.id)
    assert session.exec(select(KanoAnswer)).all() == []
