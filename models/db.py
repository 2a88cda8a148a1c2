"""Engine, sessions and schema migrations.

One engine per process: the UI caches the result of :func:`create_db_engine`
with ``st.cache_resource``; tests, scripts and benchmarks call it directly.

SQLite is tuned for several people writing at once:
- foreign keys on (SQLite ships them off),
- WAL journal, so readers never block the writer,
- a busy timeout, so a writer waits for the lock instead of failing,
- write transactions begin with ``BEGIN IMMEDIATE``: a deferred transaction
  that reads and later writes can get ``database is locked`` despite the
  timeout, because SQLite cannot upgrade its read lock while another writer
  waits. Taking the write lock up front removes that failure.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

import models  # noqa: F401 - registers every table on SQLModel.metadata

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = ROOT / "data" / "workbench.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000


def database_url() -> str:
    """The SQLAlchemy URL: ``DATABASE_URL`` if set, else the embedded SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE_PATH}"


def create_db_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """Create the process's engine; on SQLite also the folder and the pragmas."""
    url = url or database_url()
    if not url.startswith("sqlite"):
        return create_engine(url, echo=echo, pool_pre_ping=True)

    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy emit BEGIN itself (see _on_begin) instead of pysqlite's
        # implicit, always-deferred transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; objects stay usable after it closes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A write transaction: BEGIN IMMEDIATE, commit on success, roll back on any error.

    The app writes through ``services.unit_of_work.unit_of_work``, which adds who acts and the
    activity log; this is the bare transaction underneath it (and under migrations' data fixes).
    """
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if engine.dialect.name == "sqlite" else engine
    with Session(bind, expire_on_commit=False) as session:
        with session.begin():
            yield session


def is_busy(error: Exception) -> bool:
    """Whether a failed statement only met another writer's lock (try again later), not a real error.

    SQLite: "database is locked"/"busy" after the busy timeout. PostgreSQL: lock or statement
    timeouts, deadlocks and serialization failures (SQLSTATE 55P03, 57014, 40P01, 40001).
    """
    if not isinstance(error, OperationalError | DBAPIError):
        return False
    text = str(getattr(error, "orig", error)).lower()
    code = getattr(getattr(error, "orig", None), "sqlstate", None) or getattr(getattr(error, "orig", None), "pgcode", None)
    return "database is locked" in text or "database is busy" in text or code in {"55P03", "57014", "40P01", "40001"}


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database)."""
    command.upgrade(alembic_config(engine), "head")
