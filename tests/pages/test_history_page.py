"""History page: the log, undo of one's own last change, an earlier version, the trash."""

from sqlalchemy import Engine
from sqlmodel import select

from models import Membership, Persona, Step
from models.db import read_session
from services import accounts, journeys
from services.audit import log as activity
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from tests.pages.conftest import start_app

PAGE = "pages/workspace/history.py"


def test_undo_my_last_change_and_restore_an_earlier_version(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database) as session:
        account = accounts.create_account(session, "anna@example.com", "Anna", "correct horse battery")
        session.add(Membership(workspace_id=workspace_id, account_id=account.id, role="editor"))
        session.flush()
        anna = accounts.actor_for(session, account)
    with unit_of_work(database, anna) as session:
        mia = personas.create_persona(session, workspace_id, {"name": "Mia", "role": "Kundin"})
    with unit_of_work(database, anna) as session:
        personas.update_persona(session, workspace_id, mia.id, {"role": "Stammkundin"})
    at = start_app(PAGE)  # the tester: nothing of its own to undo
    who = " ".join(str(v) for v in at.dataframe[0].value["actor"])
    assert "Anna" in who
    at.button(key="history.undo").click().run()
    assert any("no change left to undo" in e.value for e in at.error)
    with read_session(database) as session:
        assert session.get(Persona, mia.id).role == "Stammkundin"
    at = start_app(PAGE, account_id=account.id)  # Anna herself
    at.button(key="history.undo").click().run()
    with read_session(database) as session:
        assert session.get(Persona, mia.id).role == "Kundin"

    with read_session(database) as session:
        log = activity.history(session, workspace_id, entity_type="persona", entity_id=mia.id)
    promoted = int(log[(log["action"] == "update") & log["after"].map(lambda a: (a or {}).get("role") == "Stammkundin")]
                   ["id"].iloc[0])
    at.selectbox(key="history.version").set_value(promoted)
    at.button(key="history.restore").click().run()
    assert not at.error, [e.value for e in at.error]
    with read_session(database) as session:
        assert session.get(Persona, mia.id).role == "Stammkundin"  # any earlier state of a card comes back


def test_deleted_step_comes_back_from_the_trash(database: Engine, workspace_id: int) -> None:
    with unit_of_work(database, actor="Ben") as session:
        journey = journeys.create_journey(session, workspace_id, {"name": "J"})
        stage = journeys.create_stage(session, workspace_id, journey.id, {"name": "S"})
        step = journeys.create_step(session, workspace_id, stage.id, {"title": "Wird gelöscht"})
        journeys.create_pain_point(session, workspace_id, step.id, {"text": "Lange Wartezeit"})
    with unit_of_work(database, actor="Ben") as session:
        journeys.delete_step(session, workspace_id, step.id)
    at = start_app(PAGE)
    assert "Wird gelöscht" in " ".join(at.dataframe[-1].value["summary"].astype(str))
    at.button(key="history.trash.restore").click().run()
    with read_session(database) as session:
        assert [s.title for s in session.exec(select(Step)).all()] == ["Wird gelöscht"]
