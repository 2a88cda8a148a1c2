"""Persona services: validation, avatars, channels, completeness, duplicate, comparison, delete."""

import io

import pytest
from PIL import Image
from sqlmodel import Session, select

from models import Journey, JourneyPersona, Persona, PersonaChannel, Workspace
from services.core.errors import DomainError
from services.personas import crud as personas
from services.workspaces import channels


def image_bytes(fmt: str, size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=fmt)
    return buffer.getvalue()


def channel_ids(session: Session, workspace: Workspace) -> dict[str, int]:
    return {c.name: c.id for c in channels.list_channels(session, workspace.id)}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "   "}, "name", "This field is required."),
        ({"name": "A", "age": 121}, "age", "Must be between 0 and 120."),
        ({"name": "A", "age": -1}, "age", "Must be between 0 and 120."),
        ({"name": "A", "customer_share": 100.5}, "customer_share", "Must be between 0 and 100."),
        ({"name": "A", "age": "alt"}, "age", "Please enter a number."),
    ],
)
def test_bad_input_is_refused_with_a_field_message(session: Session, workspace: Workspace, data, field, message) -> None:
    with pytest.raises(DomainError) as caught:
        personas.create_persona(session, workspace.id, data)
    assert (caught.value.field, caught.value.render()) == (field, message)


def test_bad_input_saves_nothing(session: Session, workspace: Workspace) -> None:
    with pytest.raises(DomainError), session.begin_nested():
        personas.create_persona(session, workspace.id, {"name": "Mia", "age": 300})
    assert session.exec(select(Persona)).all() == []


def test_names_are_trimmed_and_unique(session: Session, workspace: Workspace) -> None:
    personas.create_persona(session, workspace.id, {"name": "  Mia "})
    with pytest.raises(DomainError, match="already exists") as caught, session.begin_nested():
        personas.create_persona(session, workspace.id, {"name": "Mia"})
    assert caught.value.field == "name"


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_png_and_jpeg_avatars_are_accepted(session: Session, workspace: Workspace, fmt: str) -> None:
    persona = personas.create_persona(session, workspace.id, {"name": "Mia"}, avatar=image_bytes(fmt))
    assert persona.avatar_mime == f"image/{fmt.lower()}"
    assert persona.avatar_image.startswith(image_bytes(fmt)[:4])


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"<svg onload=alert(1)>", "This file is not a PNG or JPEG image."),
        (b"\x89PNG\r\n\x1a\n" + b"broken", "This file is not a PNG or JPEG image."),
        (image_bytes("GIF"), "This file is not a PNG or JPEG image."),
        (b"\x00" * (2 * 1024 * 1024 + 1), "The image is larger than 2 MB."),
    ],
)
def test_bad_avatars_are_refused(session: Session, workspace: Workspace, payload: bytes, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        personas.create_persona(session, workspace.id, {"name": "Mia"}, avatar=payload)
    assert (caught.value.field, caught.value.message) == ("avatar_image", message)


def test_channel_preferences_replace_and_validate(session: Session, workspace: Workspace) -> None:
    ids = channel_ids(session, workspace)
    mia = personas.create_persona(session, workspace.id, {"name": "Mia"},
                                  channels=[(ids["Website"], 5, "Recherche"), (ids["E-Mail"], 2, "")])
    prefs = personas.channel_preferences(session, workspace.id)[mia.id]
    assert [(p.channel_name, p.intensity) for p in prefs] == [("Website", 5), ("E-Mail", 2)]

    personas.update_persona(session, workspace.id, mia.id, {}, channels=[(ids["Chat"], 4, "Fragen")])
    assert [p.channel_name for p in personas.channel_preferences(session, workspace.id)[mia.id]] == ["Chat"]

    with pytest.raises(DomainError, match="only once"):
        personas.set_channel_preferences(session, workspace.id, mia.id, [(ids["Chat"], 4, ""), (ids["Chat"], 2, "")])
    with pytest.raises(DomainError, match="between 1 and 5"):
        personas.set_channel_preferences(session, workspace.id, mia.id, [(ids["Chat"], 6, "")])


def test_completeness_names_the_missing_fields(session: Session, workspace: Workspace) -> None:
    mia = personas.create_persona(session, workspace.id, {"name": "Mia", "age": 30, "goals": "Zeit sparen"})
    done = personas.completeness(mia, [])
    assert done.total == len(personas.RECOMMENDED) + 1
    assert done.filled == 2
    assert "age" not in done.missing and "channels" in done.missing and "values" in done.missing


def test_duplicate_copies_fields_and_channels_under_a_free_name(session: Session, workspace: Workspace) -> None:
    ids = channel_ids(session, workspace)
    mia = personas.create_persona(session, workspace.id, {"name": "Mia", "age": 30, "values": "Ehrlichkeit"},
                                  avatar=image_bytes("PNG"), channels=[(ids["Website"], 5, "")])
    first = personas.duplicate_persona(session, workspace.id, mia.id)
    second = personas.duplicate_persona(session, workspace.id, mia.id)
    assert (first.name, second.name) == ("Mia (copy)", "Mia (copy 2)")
    assert (second.age, second.values, second.avatar_image) == (30, "Ehrlichkeit", mia.avatar_image)
    assert [p.channel_name for p in personas.channel_preferences(session, workspace.id)[second.id]] == ["Website"]


def test_search_segment_and_comparison(session: Session, workspace: Workspace) -> None:
    for name, segment, age in [("Anna", "B2B", 40), ("Ben", "B2C", 25), ("Carla", "B2C", 33)]:
        personas.create_persona(session, workspace.id, {"name": name, "segment": segment, "age": age})
    assert [p.name for p in personas.list_personas(session, workspace.id, search="AN")] == ["Anna"]
    assert [p.name for p in personas.list_personas(session, workspace.id, segment="B2C")] == ["Ben", "Carla"]
    assert personas.segments(session, workspace.id) == ["B2B", "B2C"]

    ids = {p.name: p.id for p in personas.list_personas(session, workspace.id)}
    table = personas.comparison(session, workspace.id, [ids["Carla"], ids["Anna"]])
    assert list(table.columns) == ["Carla", "Anna"]
    assert table.loc["age"].tolist() == [33, 40]
    with pytest.raises(DomainError, match="two to four"):
        personas.comparison(session, workspace.id, [ids["Anna"]])


def test_delete_names_journeys_then_cascades(session: Session, workspace: Workspace) -> None:
    mia = personas.create_persona(session, workspace.id, {"name": "Mia"}, channels=[(channel_ids(session, workspace)["Chat"], 3, "")])
    journey = Journey(workspace_id=workspace.id, name="Online-Kauf")
    session.add(journey)
    session.flush()
    session.add(JourneyPersona(journey_id=journey.id, persona_id=mia.id, workspace_id=workspace.id))
    session.flush()
    assert personas.journeys_using(session, workspace.id, mia.id) == ["Online-Kauf"]
    personas.delete_persona(session, workspace.id, mia.id)
    session.flush()
    assert session.exec(select(JourneyPersona)).all() == []
    assert session.exec(select(PersonaChannel)).all() == []
    assert session.get(Journey, journey.id) is not None


def test_stale_edit_is_a_conflict(session: Session, workspace: Workspace) -> None:
    mia = personas.create_persona(session, workspace.id, {"name": "Mia"})
    personas.update_persona(session, workspace.id, mia.id, {"role": "Kundin"}, expected_version=1)
    with pytest.raises(DomainError, match="Someone else changed"):
        personas.update_persona(session, workspace.id, mia.id, {"role": "Käuferin"}, expected_version=1)


def test_a_small_file_with_a_huge_image_is_refused(session: Session, workspace: Workspace) -> None:
    with pytest.raises(DomainError, match="too large") as caught:
        personas.create_persona(session, workspace.id, {"name": "Mia"}, avatar=image_bytes("PNG", (5000, 4000)))
    assert caught.value.field == "avatar_image"
