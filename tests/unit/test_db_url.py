"""``DATABASE_URL`` with ``%`` in it (a URL-encoded password, a folder name) starts the app: Alembic's config
parser must not read the ``%`` as interpolation."""

from sqlalchemy import create_engine, inspect

from models.db import alembic_config, create_db_engine, upgrade_to_head
from tests.pgcluster import Cluster


def test_alembic_config_keeps_a_url_encoded_password() -> None:
    engine = create_engine("postgresql+psycopg://team:p%40ss%25w0rd@db.example:5432/workbench")
    config = alembic_config(engine)  # raised "ValueError: invalid interpolation syntax" before
    assert config.get_main_option("sqlalchemy.url") == "postgresql+psycopg://team:p%40ss%25w0rd@db.example:5432/workbench"
    assert config.attributes["engine"] is engine


def test_an_sqlite_file_in_a_folder_with_percent_signs_migrates(tmp_path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'team%40site' / 'workbench.db'}")
    upgrade_to_head(engine)
    assert "workspace" in inspect(engine).get_table_names()
    assert (tmp_path / "team@site" / "workbench.db").exists()  # the URL's "%40" is an encoded "@"
    engine.dispose()


def test_postgresql_with_a_url_encoded_password_migrates(pg_cluster: Cluster) -> None:
    pg_cluster.execute("CREATE ROLE team LOGIN PASSWORD 'p@ss%w0rd'", "CREATE DATABASE encoded OWNER team")
    try:
        engine = create_db_engine(f"postgresql+psycopg://team:p%40ss%25w0rd@127.0.0.1:{pg_cluster.port}/encoded")
        upgrade_to_head(engine)
        assert "workspace" in inspect(engine).get_table_names()
        engine.dispose()
    finally:
        pg_cluster.drop_database("encoded")
        pg_cluster.execute("DROP ROLE team")
