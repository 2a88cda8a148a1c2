"""The persona page through its widgets: what is rendered and what is stored."""

from sqlalchemy import Engine
from sqlmodel import select

from models import Journey, JourneyPersona, Membership, Persona, PersonaChannel
from models.db import read_session
from services import accounts
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from tests.pages.conftest import start_app

PAGE = "pages/map/personas.py"


def stored(engine: Engine) -> list[Persona]:
    with read_session(engine) as session:
        return list(session.exec(select(Persona).order_by(Persona.name)).all())


def fill_and_save(at, **fields) -> None:
    for field, value in fields.items():
        widget = at.number_input(key=f"persona.form.{field}") if field in ("age", "customer_share") \
            else (at.text_area(key=f"persona.form.{field}") if field in personas.PSYCHOGRAPHICS + ("bio",)
                  else at.text_input(key=f"persona.form.{field}"))
        widget.set_value(value)
    at.button(key="persona.form.save").click().run()


def test_empty_gallery_invites_the_first_persona(database: Engine, workspace_id: int) -> None:
    at = start_app(PAGE)
    assert at.title[0].value == "Personas"
    assert any("No personas yet" in info.value for info in at.info)


def test_create_persona_through_the_form(database: Engine, workspace_id: int) -> None:
    at = start_app(PAGE)
    at.button(key="persona.new").click().run()
    fill_and_save(at, name="Familie Sommer", role="Eltern", age=41, customer_share=22.5,
                  goals="Erholung\nKinder betreut", communication_style="persönlich")
    assert not at.exception
    rows = stored(database)
    assert [(p.name, p.age, p.customer_share, p.goals) for p in rows] == [
        ("Familie Sommer", 41, 22.5, "Erholung\nKinder betreut")
    ]
    assert any("Familie Sommer" in h.value for h in at.subheader)
    assert any("Persona saved" in s.value for s in at.success)


def test_bad_input_shows_messages_and_saves_nothing(database: Engine, workspace_id: int) -> None:
    at = start_app(PAGE)
    at.button(key="persona.new").click().run()
    fill_and_save(at, name="   ", age=150, customer_share=120)
    errors = [e.value for e in at.error]
    assert "This field is required." in errors
    assert "Must be between 0 and 120." in errors
    assert "Must be between 0 and 100." in errors
    assert stored(database) == []
    # the form stays open with what the user typed
    assert at.number_input(key="persona.form.age").value == 150


def test_duplicate_name_is_refused(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        personas.create_persona(session, workspace_id, {"name": "Mia"})
    at = start_app(PAGE)
    at.button(key="persona.new").click().run()
    fill_and_save(at, name="Mia")
    assert any("already exists" in e.value for e in at.error)
    assert len(stored(database)) == 1


def test_edit_duplicate_and_delete(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        mia = personas.create_persona(session, workspace_id, {"name": "Mia", "age": 29})
        journey = Journey(workspace_id=workspace_id, name="Online-Kauf")
        session.add(journey)
        session.flush()
        session.add(JourneyPersona(journey_id=journey.id, persona_id=mia.id, workspace_id=workspace_id))
    at = start_app(PAGE)

    at.button(key=f"persona.card.{mia.id}.edit").click().run()
    assert at.text_input(key="persona.form.name").value == "Mia"
    fill_and_save(at, name="Mia Müller", age=30)
    assert [(p.name, p.age) for p in stored(database)] == [("Mia Müller", 30)]

    at.button(key=f"persona.card.{mia.id}.duplicate").click().run()
    assert [p.name for p in stored(database)] == ["Mia Müller", "Mia Müller (copy)"]

    at.button(key=f"persona.card.{mia.id}.delete").click().run()
    warning = (" ".join(w.value for w in at.warning) + " ".join(m.value for m in at.markdown)).replace("\\", "")
    assert "Online-Kauf" in warning  # the confirmation names the journey using the persona
    assert len(stored(database)) == 2  # nothing deleted before the confirmation
    at.button(key="persona.delete.confirm").click().run()
    assert [p.name for p in stored(database)] == ["Mia Müller (copy)"]
    with read_session(database) as session:
        assert session.exec(select(JourneyPersona)).all() == []


def test_channels_are_saved_from_the_table(database: Engine, workspace_id: int) -> None:
    at = start_app(PAGE)
    at.button(key="persona.new").click().run()
    at.session_state["persona.form.channels"] = {
        "edited_rows": {}, "deleted_rows": [],
        "added_rows": [{"channel": "E-Mail", "intensity": 5, "purpose": "Angebote"}, {"channel": "Website"}],
    }
    fill_and_save(at, name="Lena")
    with read_session(database) as session:
        prefs = session.exec(select(PersonaChannel.intensity, PersonaChannel.purpose)
                             .order_by(PersonaChannel.intensity)).all()
    assert [tuple(p) for p in prefs] == [(3, ""), (5, "Angebote")]


def test_search_segment_filter_and_compare(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        for name, segment in [("Anna", "B2B"), ("Ben", "B2C"), ("Carla", "B2C")]:
            personas.create_persona(session, workspace_id, {"name": name, "segment": segment, "occupation": name + " job"})
    at = start_app(PAGE)
    at.text_input(key="persona.search").set_value("an").run()
    assert {h.value for h in at.subheader} >= {"Anna"} and "Ben" not in {h.value for h in at.subheader}
    at.text_input(key="persona.search").set_value("").run()
    at.selectbox(key="persona.segment").set_value("B2C").run()
    names = {h.value for h in at.subheader}
    assert {"Ben", "Carla"} <= names and "Anna" not in names

    ids = [p.id for p in stored(database)][:2]
    at.multiselect(key="persona.compare").set_value(ids).run()
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Anna", "Ben"]
    assert table.loc["Occupation", "Anna"] == "Anna job"


def test_a_viewer_sees_no_edit_controls_and_a_forged_save_changes_nothing(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        personas.create_persona(session, workspace_id, {"name": "Mia"})
        viewer = accounts.create_account(session, "v@example.com", "Vera", "correct horse battery")
        session.add(Membership(workspace_id=workspace_id, account_id=viewer.id, role="viewer"))
    at = start_app(PAGE, account_id=viewer.id)
    assert not [b for b in at.button if b.key in ("persona.new",) or (b.key or "").startswith("persona.card.")]
    assert any("viewer" in i.value for i in at.sidebar.info)
    at.session_state["persona.editing"] = "new"  # as if the form had been opened by hand
    at.run()
    fill_and_save(at, name="Eingeschmuggelt")
    assert any("does not allow" in e.value for e in at.error)
    assert [p.name for p in stored(database)] == ["Mia"]
