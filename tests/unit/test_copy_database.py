"""Moving a team: a whole SQLite database (two workspaces, history, presence) copied into an empty PostgreSQL
database has the same rows in every table and gives the same exchange export; new rows get new ids."""

from datetime import date

import pytest
from sqlmodel import select

from models import Workspace
from models.copy_database import CopyRefused, copy_database, row_counts
from models.db import create_db_engine, read_session, upgrade_to_head
from services import exchange, journeys, personas, workshop
from services.unit_of_work import unit_of_work
from services.workspaces import demo
from tests.pgcluster import Cluster


@pytest.fixture
def team_file(tmp_path):
    engine = create_db_engine(f"sqlite:///{tmp_path / 'team.db'}")
    upgrade_to_head(engine)
    with unit_of_work(engine, actor="Anna") as s:
        first = demo.load_demo_workspace(s, today=date(2025, 6, 15))
        second = demo.load_demo_workspace(s, "Zweites Team", today=date(2025, 6, 15))
    with unit_of_work(engine, actor="Ben") as s:  # history: an edit and a delete
        people = personas.list_personas(s, first.id)
        personas.update_persona(s, first.id, people[0].id, {"quote": "Anders gesagt"})
        personas.delete_persona(s, first.id, people[1].id)
        workshop.heartbeat(s, second.id, None, "tab-1", "Ben")
    yield engine
    engine.dispose()


def exports(engine) -> list[bytes]:
    with read_session(engine) as s:
        ids = s.exec(select(Workspace.id).order_by(Workspace.id)).all()
        return [exchange.dumps({**exchange.export_workspace(s, ws), "exported_at": ""}) for ws in ids]


def test_a_whole_sqlite_database_moves_into_an_empty_postgresql_database(team_file, pg_cluster: Cluster) -> None:
    target = create_db_engine(pg_cluster.create_database("moved"))
    try:
        counts = copy_database(team_file, target)
        assert counts == row_counts(team_file) == row_counts(target)
        assert counts["workspace"] == 2 and counts["activity_entry"] > 0 and counts["presence"] == 1
        assert exports(target) == exports(team_file)
        with unit_of_work(target, actor="Carla") as s:  # the sequences moved past the copied ids
            ws = s.exec(select(Workspace).order_by(Workspace.id)).first()
            journey = journeys.create_journey(s, ws.id, {"name": "Neu nach dem Umzug"})
        assert journey.id > counts["journey"]
        with pytest.raises(CopyRefused, match="already holds data"):
            copy_database(team_file, target)
    finally:
        target.dispose()
        pg_cluster.drop_database("moved")
