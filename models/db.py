"""Engine, sessions and schema migrations.

One engine per process: the UI caches the result of :func:`create_db_engine`
with ``st.cache_resource``; tests, scripts and benchmarks call it directly.
``DATABASE_URL`` picks the database: an SQLite file by default, or
PostgreSQL (``postgresql+psycopg://…``) for a team with several app servers.

SQLite is tuned for several people writing at once:
- foreign keys on (SQLite ships them off),
- WAL journal, so readers never block the writer,
- a busy timeout, so a writer waits for the lock instead of failing,
- write transactions begin with ``BEGIN IMMEDIATE``: a deferred transaction
  that reads and later writes can get ``database is locked`` despite the
  timeout, because SQLite cannot upgrade its read lock while another writer
  waits. Taking the write lock up front removes that failure.

Where PostgreSQL differs, this module makes it behave the same (the one place
that knows, so services stay engine-neutral):
- **One writer at a time.** PostgreSQL lets write transactions run side by side;
  the services were written for SQLite's one writer (read a max position, then
  insert; check "nobody loaded the demo yet", then load it). ``write_session``
  takes a transaction-level advisory lock first (``pg_advisory_xact_lock``), the
  counterpart of ``BEGIN IMMEDIATE``: writers queue, readers never wait (MVCC),
  and the lock ends with the transaction. The optimistic ``version`` check works
  unchanged on both: an UPDATE … WHERE version = :seen that finds no row is a
  conflict.
- **Ids given explicitly** (undo, restore, copying a database) do not move a
  PostgreSQL sequence: :func:`_advance_id_sequences` moves it.
- Constraint failures are worded differently: ``services/core/crud.integrity_error``
  reads SQLite's text and PostgreSQL's SQLSTATE codes.
- Text: PostgreSQL's cannot hold NUL characters, which ``services/core/crud.clean``
  drops on every engine. Uniqueness of names is case-sensitive on both engines
  (SQLite's default BINARY collation, PostgreSQL's ``C.UTF-8``/deterministic ones);
  ``lower()`` sorts ASCII only on SQLite, all letters on PostgreSQL.
- JSON: the activity log stores its before/after values as JSON *text* in a
  ``JSON`` column on both (SQLAlchemy's ``JSON`` is ``json`` on PostgreSQL);
  no query looks inside it, so nothing engine-specific is needed.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, create_engine

import models  # noqa: F401 - registers every table on SQLModel.metadata

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_PATH = ROOT / "data" / "workbench.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
# The key of PostgreSQL's advisory lock that write transactions take (any constant; "JWB\x01").
WRITE_LOCK_KEY = 0x4A574201
MIGRATION_LOCK_KEY = 0x4A574202  # held while one server migrates the schema


def database_url() -> str:
    """The SQLAlchemy URL: ``DATABASE_URL`` if set, else the embedded SQLite file."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_DATABASE_PATH}"


def create_db_engine(url: str | None = None, *, echo: bool = False) -> Engine:
    """Create the process's engine; on SQLite also the folder and the pragmas."""
    url = url or database_url()
    if not url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, pool_pre_ping=True)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "after_execute", _advance_id_sequences)
            event.listen(engine, "begin", _take_write_lock)
        return engine

    path = make_url(url).database or ""  # decoded: "%40" in the URL is "@" in the file name
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


def _take_write_lock(connection) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL's ``BEGIN IMMEDIATE``: a write transaction waits for the others to finish (see above)."""
    if connection.get_execution_options().get("write_lock"):
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def _advance_id_sequences(connection, statement, _multiparams, _params, _options, result) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL: after an INSERT that gave explicit ids, move the table's id sequence past them.

    SQLite hands out ``max(rowid) + 1``, so rows put back with their original ids (undo, restore from the
    trash, copying a database) never collide with the next new row. A PostgreSQL ``serial`` column draws from
    a sequence that explicit ids do not move: the next plain INSERT would take an id that is already there.
    ``setval`` never moves the sequence backwards here (``GREATEST`` with its current value), so ids other
    transactions drew meanwhile stay free. Inserts without explicit ids (nearly all) cost nothing.
    """
    context = getattr(result, "context", None)
    if context is None or not getattr(context, "isinsert", False):
        return
    table = getattr(statement, "table", None)
    if table is None or "id" not in getattr(table, "c", {}) or not table.c.id.primary_key:
        return
    ids = [params["id"] for params in (context.compiled_parameters or []) if params.get("id") is not None]
    if not ids:
        return
    connection.exec_driver_sql(
        "SELECT setval(pg_get_serial_sequence(%(table)s, 'id'), "
        "GREATEST(%(top)s, COALESCE(pg_sequence_last_value(pg_get_serial_sequence(%(table)s, 'id')::regclass), 0)))",
        {"table": connection.dialect.identifier_preparer.format_table(table), "top": max(ids)},
    )


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reading; objects stay usable after it closes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A write transaction: the write lock first (SQLite ``BEGIN IMMEDIATE``, PostgreSQL an advisory
    transaction lock), commit on success, roll back on any error.

    The app writes through ``services.unit_of_work.unit_of_work``, which adds who acts and the
    activity log; this is the bare transaction underneath it (and under migrations' data fixes).
    """
    bind = engine.execution_options(sqlite_begin="IMMEDIATE", write_lock=True)
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
    """Alembic's configuration for ``engine``; ``env.py`` migrates through the engine itself.

    The URL is set too (for tools that read it), with ``%`` doubled: Alembic's config is a
    ``ConfigParser`` that reads ``%`` as interpolation, so a URL-encoded password (``p%40ss``)
    would stop start-up with "invalid interpolation syntax".
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database).

    Several app servers may start at once: on PostgreSQL the first one migrates while holding a
    session-level advisory lock, the others wait for it and then find the schema at head (a no-op).
    SQLite serialises the migration's writes by itself.
    """
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), "head")
        return
    with engine.connect() as lock:
        lock.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
        try:
            command.upgrade(alembic_config(engine), "head")
        finally:
            lock.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
            lock.commit()
