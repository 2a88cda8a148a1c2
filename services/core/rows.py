"""Rows as plain values: query results as DataFrames or dicts, and bulk inserts that keep the
database's refusals readable. Shared by every aggregate (reading tables for charts, copying,
snapshots for undo, imports)."""

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from models import Workspace
from services.core.crud import integrity_error


def read_frame(session: Session, query: Any) -> pd.DataFrame:
    """A query's rows as a DataFrame whose columns are the query's labels (also when there are no rows)."""
    result = session.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def table_rows(session: Session, query: Any) -> list[dict[str, Any]]:
    """A Core query's rows as plain dicts (no ORM objects: cheap for hundreds of rows, easy to copy or store)."""
    return [dict(row) for row in session.execute(query).mappings()]


def bulk_insert(session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows in one executemany; the database's refusals become a DomainError like :func:`services.core.crud.flush`.

    A Core insert into the table: the ORM's bulk insert would reset ``version``
    to 1, and an undo must put a row back with the version it had.
    """
    if not rows:
        return
    try:
        session.execute(insert(model.__table__), list(rows))  # type: ignore[attr-defined]
    except IntegrityError as exc:
        raise integrity_error(exc) from exc


def insert_mapped(
    session: Session, model: type[SQLModel], rows: Sequence[dict[str, Any]], old_ids: Sequence[int], key: tuple[str, ...]
) -> dict[int, int]:
    """Insert rows in one statement and map each old id to its new one.

    SQLite cannot batch an INSERT … RETURNING whose rows must come back in
    parameter order (SQLAlchemy then sends one statement per row), so the rows
    are matched by ``key`` instead: columns the caller made unique within
    ``rows`` (a parent id and a dense position).
    """
    if not rows:
        return {}
    table = model.__table__  # type: ignore[attr-defined]
    try:
        result = session.execute(insert(table).returning(table.c.id, *(table.c[name] for name in key)), list(rows))
    except IntegrityError as exc:
        raise integrity_error(exc) from exc
    new_by_key = {tuple(found): new_id for new_id, *found in result.all()}
    return {old: new_by_key[tuple(row[name] for name in key)] for old, row in zip(old_ids, rows, strict=True)}


def fast_insert(session: Session, model: type[SQLModel], columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
                workspace_id: int) -> int:
    """Insert many rows given as tuples in ``columns`` order, holding the write lock as briefly as possible.

    Every value is turned into what the database stores *before* the first statement (a unit of work
    takes SQLite's write lock only when its session first talks to the database), then SQLite gets one
    ``executemany`` with no per-row work left. Other databases get one Core ``executemany``. Bulk
    writes are not logged row by row (the caller writes one summary entry); the revision of
    ``workspace_id`` is raised (live views see the change).
    """
    if not rows:
        return 0
    table = model.__table__  # type: ignore[attr-defined]
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        try:
            session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])
        except IntegrityError as exc:
            raise integrity_error(exc) from exc
        return len(rows)
    processors = [table.c[name].type.bind_processor(bind.dialect) for name in columns]
    converting = [(index, processor, {}) for index, processor in enumerate(processors) if processor is not None]
    if converting:
        def stored(row: Sequence[Any]) -> tuple[Any, ...]:
            values = list(row)
            for index, processor, cache in converting:
                value = values[index]
                if value is not None:
                    found = cache.get(value)
                    if found is None:
                        found = cache[value] = processor(value)
                    values[index] = found
            return tuple(values)
        rows = [stored(row) for row in rows]
    names = ", ".join('"' + c + '"' for c in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    try:
        session.connection().exec_driver_sql(statement, list(rows))
    except IntegrityError as exc:
        raise integrity_error(exc) from exc
    raise_revision(session, workspace_id)
    return len(rows)


def raise_revision(session: Session, workspace_id: int) -> None:
    """Move the workspace's revision (what live views poll) for a write the activity hook does not see."""
    table = Workspace.__table__  # type: ignore[attr-defined]
    session.execute(update(table).where(table.c.id == workspace_id).values(revision=table.c.revision + 1))
