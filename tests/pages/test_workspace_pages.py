"""Overview, settings and the sidebar's workspace switcher, through their widgets."""

from sqlalchemy import Engine
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from components.identity import ACCOUNT_KEY
from models import Channel, Membership, Persona, Workspace
from models.db import read_session
from services import accounts, workspaces
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from tests.pages.conftest import APP, start_app


def workspace_names(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return list(session.exec(select(Workspace.name).order_by(Workspace.id)).all())


def test_first_start_loads_the_demo_and_the_overview_counts_it(database: Engine) -> None:
    at = start_app()
    assert workspace_names(database) == ["Demo: Customer Journeys"]
    metrics = {m.label: m.value for m in at.metric}
    with read_session(database) as session:
        persona_count = len(session.exec(select(Persona)).all())
    assert metrics["Personas"] == str(persona_count) and persona_count >= 4
    assert int(metrics["Journeys"]) >= 3
    assert not at.dataframe[0].value.empty  # recently changed


def test_german_ui(database: Engine, workspace_id: int) -> None:
    at = start_app(language="de")
    assert at.title[0].value == "Übersicht"
    at.sidebar.radio(key="app.language").set_value("en").run()
    assert at.title[0].value == "Overview"


def test_overview_shortcut_opens_a_new_persona_form(database: Engine, workspace_id: int) -> None:
    at = start_app()
    at.button(key="overview.new_persona").click().run()
    assert at.text_input(key="persona.form.name").value == ""
    assert at.title[0].value == "Personas"


def test_create_rename_and_delete_a_workspace(database: Engine, workspace_id: int) -> None:
    at = start_app()
    at.sidebar.text_input(key="workspace.create.name").set_value("Workshop Berlin")
    at.sidebar.button(key="FormSubmitter:workspace.create-Create workspace").click().run()
    assert workspace_names(database) == ["Test workspace", "Workshop Berlin"]
    assert at.sidebar.selectbox(key="app.workspace_select").value != workspace_id  # switched to the new one

    at.sidebar.text_input(key="workspace.rename.name").set_value("Workshop Hamburg")
    at.sidebar.button(key="FormSubmitter:workspace.rename-Rename").click().run()
    assert workspace_names(database) == ["Test workspace", "Workshop Hamburg"]

    at.sidebar.text_input(key="workspace.delete.confirm").set_value("wrong name")
    at.sidebar.button(key="FormSubmitter:workspace.delete-Delete workspace").click().run()
    assert any("Type the workspace's name exactly" in e.value for e in at.sidebar.error)
    assert len(workspace_names(database)) == 2

    at.sidebar.text_input(key="workspace.delete.confirm").set_value("Workshop Hamburg")
    at.sidebar.button(key="FormSubmitter:workspace.delete-Delete workspace").click().run()
    assert workspace_names(database) == ["Test workspace"]
    assert not at.exception


def test_duplicate_workspace_name_is_refused(database: Engine, workspace_id: int) -> None:
    at = start_app()
    at.sidebar.text_input(key="workspace.create.name").set_value("Test workspace")
    at.sidebar.button(key="FormSubmitter:workspace.create-Create workspace").click().run()
    assert any("already exists" in e.value for e in at.sidebar.error)
    assert workspace_names(database) == ["Test workspace"]


def test_settings_channels_and_demo(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        personas.create_persona(session, workspace_id, {"name": "Mia"})
    at = start_app("pages/workspace/settings.py")
    at.text_input(key="settings.channel.name").set_value("Podcast")
    at.button(key="FormSubmitter:settings.channel.add-Add channel").click().run()
    with read_session(database) as session:
        names = set(session.exec(select(Channel.name).where(Channel.workspace_id == workspace_id)).all())
    assert "Podcast" in names

    at.button(key="settings.load_demo").click().run()
    assert workspace_names(database) == ["Test workspace", "Demo: Customer Journeys"]
    assert not at.exception


def test_a_member_of_one_workspace_never_sees_another(database: Engine) -> None:
    """Reads are scoped to the account's workspaces: a link to another workspace opens one's own."""
    with unit_of_work(database) as session:
        mine = workspaces.create_workspace(session, "Meins").id
        theirs = workspaces.create_workspace(session, "Fremd").id
        account = accounts.create_account(session, "m@example.com", "Mo", "correct horse battery")
        session.add(Membership(workspace_id=mine, account_id=account.id, role="editor"))
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = "en"
    at.query_params["ws"] = str(theirs)
    at.session_state[ACCOUNT_KEY] = account.id
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="app.workspace_select").options == ["Meins"]
    assert at.session_state["app.workspace_id"] == mine
    at.switch_page("pages/workspace/history.py").run()
    assert "Fremd" not in " ".join(str(v) for frame in at.dataframe for v in frame.value.to_numpy().ravel())
