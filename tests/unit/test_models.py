"""The database itself enforces the rules: migrations, pragmas, constraints, cascades, versions."""

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import SQLModel, select

from models import Journey, JourneyPersona, Persona, Stage, Step, Transition, Workspace
from models.db import create_db_engine, read_session, upgrade_to_head
from services.unit_of_work import unit_of_work


@pytest.fixture
def db(tmp_path: Path) -> Engine:
    engine = create_db_engine(f"sqlite:///{tmp_path / 'models.db'}")
    upgrade_to_head(engine)
    return engine


@pytest.fixture
def journey(db: Engine) -> Journey:
    with unit_of_work(db) as session:
        workspace = Workspace(name="W")
        session.add(workspace)
        session.flush()
        journey = Journey(workspace_id=workspace.id, name="J")
        session.add(journey)
        session.flush()
        return journey


def test_migrations_match_the_models(db: Engine) -> None:
    with db.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_migrations_from_empty_match_the_models_on_each_engine(engine: Engine) -> None:
    """``engine`` is migrated from an empty database on SQLite and on PostgreSQL (tests/conftest.py)."""
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_upgrade_is_idempotent(db: Engine) -> None:
    upgrade_to_head(db)
    with db.connect() as connection:
        assert connection.execute(text("select count(*) from alembic_version")).scalar() == 1


def test_sqlite_pragmas(db: Engine) -> None:
    with db.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_write_sessions_take_the_write_lock_up_front(db: Engine, journey: Journey) -> None:
    """A second writer waits for the first instead of failing with 'database is locked'."""
    order: list[str] = []
    first_inside = threading.Event()

    def slow_writer() -> None:
        with unit_of_work(db) as session:
            session.add(Stage(journey_id=journey.id, name="slow"))
            session.flush()  # BEGIN IMMEDIATE: this writer now holds the lock
            first_inside.set()
            threading.Event().wait(0.3)
            order.append("slow")

    thread = threading.Thread(target=slow_writer)
    thread.start()
    first_inside.wait()
    with unit_of_work(db) as session:
        session.add(Stage(journey_id=journey.id, name="fast"))
        session.flush()  # BEGIN IMMEDIATE waits here until the slow writer commits
        order.append("fast")
    thread.join()
    assert order == ["slow", "fast"]


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO persona (workspace_id, name, age, created_at, updated_at, version, avatar_emoji, role, occupation,"
        " family, location, income_band, segment, bio, quote, goals, needs, pains, behaviours, preferences, \"values\","
        " communication_style) VALUES (:w, 'Old', 121, '2026-01-01', '2026-01-01', 1, '', '', '', '', '', '', '', '', '',"
        " '', '', '', '', '', '', '')",
        "UPDATE step SET emotion = 4",
        "UPDATE step SET entry_share = 100.5",
        "UPDATE transition SET share = -1",
    ],
)
def test_check_constraints_hold_without_the_forms(db: Engine, journey: Journey, sql: str) -> None:
    with unit_of_work(db) as session:
        stage = Stage(journey_id=journey.id, name="S")
        session.add(stage)
        session.flush()
        a, b = Step(journey_id=journey.id, stage_id=stage.id, title="a"), Step(journey_id=journey.id, stage_id=stage.id, title="b")
        session.add_all([a, b])
        session.flush()
        session.add(Transition(journey_id=journey.id, source_step_id=a.id, target_step_id=b.id))
    with pytest.raises(IntegrityError, match="CHECK"), unit_of_work(db) as session:
        session.execute(text(sql), {"w": journey.workspace_id})


def test_persona_names_are_unique_per_workspace(db: Engine, journey: Journey) -> None:
    with unit_of_work(db) as session:
        session.add(Persona(workspace_id=journey.workspace_id, name="Mia"))
        other = Workspace(name="Other")
        session.add(other)
        session.flush()
        session.add(Persona(workspace_id=other.id, name="Mia"))  # another workspace: fine
    with pytest.raises(IntegrityError, match="UNIQUE"), unit_of_work(db) as session:
        session.add(Persona(workspace_id=journey.workspace_id, name="Mia"))


def test_cross_workspace_and_cross_journey_links_are_refused(db: Engine, journey: Journey) -> None:
    with unit_of_work(db) as session:
        other = Workspace(name="Other")
        session.add(other)
        session.flush()
        stranger = Persona(workspace_id=other.id, name="Stranger")
        second = Journey(workspace_id=journey.workspace_id, name="J2")
        session.add_all([stranger, second])
        session.flush()
        stage = Stage(journey_id=second.id, name="S2")
        session.add(stage)
        session.flush()
        foreign_step = Step(journey_id=second.id, stage_id=stage.id, title="elsewhere")
        session.add(foreign_step)
        session.flush()
        ids = stranger.id, stage.id, foreign_step.id
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), unit_of_work(db) as session:
        session.add(JourneyPersona(journey_id=journey.id, persona_id=ids[0], workspace_id=journey.workspace_id))
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), unit_of_work(db) as session:
        session.add(Step(journey_id=journey.id, stage_id=ids[1], title="in another journey's stage"))


def test_stage_with_steps_cannot_be_deleted_but_journey_cascades(db: Engine, journey: Journey) -> None:
    with unit_of_work(db) as session:
        stage = Stage(journey_id=journey.id, name="S")
        session.add(stage)
        session.flush()
        a, b = Step(journey_id=journey.id, stage_id=stage.id, title="a"), Step(journey_id=journey.id, stage_id=stage.id, title="b")
        session.add_all([a, b])
        session.flush()
        session.add(Transition(journey_id=journey.id, source_step_id=a.id, target_step_id=b.id, share=60))
        stage_id = stage.id
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), unit_of_work(db) as session:
        session.delete(session.get(Stage, stage_id))
    with read_session(db) as session:
        assert len(session.exec(select(Step)).all()) == 2
    with unit_of_work(db) as session:
        session.delete(session.get(Journey, journey.id))
    with read_session(db) as session:
        assert session.exec(select(Step)).all() == []
        assert session.exec(select(Transition)).all() == []
        assert session.exec(select(Stage)).all() == []


def test_stale_update_is_refused(db: Engine, journey: Journey) -> None:
    """version_id_col: an UPDATE of a row whose version moved raises instead of overwriting."""
    with pytest.raises(StaleDataError), unit_of_work(db) as session:
        mine = session.get(Journey, journey.id)
        # someone else's committed edit, as the database would show it
        session.execute(text("UPDATE journey SET goal = 'Bob''s goal', version = version + 1 WHERE id = :id"),
                        {"id": journey.id})
        mine.goal = "Alice's goal"
        session.flush()
    with read_session(db) as session:
        assert session.get(Journey, journey.id).version == 1  # the whole unit of work was rolled back
