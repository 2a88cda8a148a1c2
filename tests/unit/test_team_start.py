"""Several app servers starting at once on one empty PostgreSQL database: the schema is migrated once and
one demo workspace is loaded (migration lock and write lock in models/db.py), without an error anywhere."""

import threading

from sqlalchemy import func
from sqlmodel import select

from models import Workspace
from models.db import create_db_engine, read_session, upgrade_to_head
from services.startup import ensure_demo_workspace
from tests.pgcluster import Cluster

SERVERS = 4


def test_servers_starting_together_migrate_once_and_load_one_demo(pg_cluster: Cluster) -> None:
    url = pg_cluster.create_database("team_start")
    engines = [create_db_engine(url) for _ in range(SERVERS)]
    errors: list[BaseException] = []
    start = threading.Barrier(SERVERS)

    def server(engine) -> None:  # type: ignore[no-untyped-def]
        try:
            start.wait()
            upgrade_to_head(engine)  # what components/db.get_engine does on start
            ensure_demo_workspace(engine)
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=server, args=(engine,)) for engine in engines]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        with read_session(engines[0]) as session:
            assert session.exec(select(func.count()).select_from(Workspace)).one() == 1
    finally:
        for engine in engines:
            engine.dispose()
        pg_cluster.drop_database("team_start")
