"""Rows as plain values: query results as DataFrames or dicts, and bulk inserts that keep the
database's refusals readable. Shared by every aggregate (reading tables for charts, copying,
snapshots for undo, imports)."""

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from models import Workspace
from services.core.access import check_bulk
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


def stored_rows(session: Session, model: type[SQLModel], columns: Sequence[str],
                rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """``rows`` (tuples in ``columns`` order) as the database stores them (dates as text on SQLite …).

    Pure Python, no statement: call it before the unit of work's first statement, so the write lock
    is not held while millions of values are converted. :func:`fast_insert` takes the result.
    """
    table = model.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        return [tuple(row) for row in rows]
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns]
    converting = [(index, processor, {}) for index, processor in enumerate(processors) if processor is not None]
    if not converting:
        return [tuple(row) for row in rows]

    def stored(row: Sequence[Any]) -> tuple[Any, ...]:
        values = list(row)
        for index, processor, cache in converting:
            value = values[index]
            if value is not None:
                try:
                    found = cache.get(value)
                except TypeError:  # unhashable: no cache
                    found = None
                if found is None:
                    found = processor(value)
                    try:
                        cache[value] = found
                    except TypeError:
                        pass
                values[index] = found
        return tuple(values)

    return [stored(row) for row in rows]


# Rows per executemany call, and SQLite's page cache while a bulk insert runs (its default is 2 MB). Measured on a
# million Kano answers and measurements (bench.imports): 100,000 rows and 64 MB held 12–23 MB more at the peak than
# 25,000 and 32 MB, and the write took no longer.
CHUNK = 25_000
BIG_CACHE_KIB = 32_768


def fast_insert(session: Session, model: type[SQLModel], columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                workspace_id: int) -> int:
    """Insert many rows (tuples in ``columns`` order, made ready by :func:`stored_rows` or already plain),
    holding the write lock as briefly as possible.

    SQLite gets one prepared INSERT and ``executemany`` calls of :data:`CHUNK` rows (no per-row work
    left for SQLAlchemy; memory stays bounded when ``rows`` is an iterator), with a larger page cache
    for the duration. Other databases get Core ``executemany`` calls. Bulk writes are not logged row by
    row (the caller writes one summary entry); the revision of ``workspace_id`` is raised, so live views
    see the change.
    """
    table = model.__table__  # type: ignore[attr-defined]
    check_bulk(session, table.name, "create", {workspace_id})  # past the unit of work's hook: its role check here
    sqlite = session.get_bind().dialect.name == "sqlite"
    names = ", ".join('"' + c + '"' for c in columns)
    statement = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    connection = session.connection()
    count = 0
    if sqlite:
        connection.exec_driver_sql(f"PRAGMA cache_size=-{BIG_CACHE_KIB}")
    try:
        for chunk in _chunks(rows, CHUNK):
            if sqlite:
                connection.exec_driver_sql(statement, chunk)
            else:
                session.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in chunk])
            count += len(chunk)
    except IntegrityError as exc:
        raise integrity_error(exc) from exc
    finally:
        if sqlite:
            connection.exec_driver_sql("PRAGMA cache_size=-2000")
    if count and sqlite:
        raise_revision(session, workspace_id)
    return count


def rows_chunk() -> int:
    return CHUNK


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    if isinstance(rows, list) and len(rows) <= size:
        if rows:
            yield rows
        return
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def raise_revision(session: Session, workspace_id: int) -> None:
    """Move the workspace's revision (what live views poll) for a write the activity hook does not see."""
    table = Workspace.__table__  # type: ignore[attr-defined]
    session.execute(update(table).where(table.c.id == workspace_id).values(revision=table.c.revision + 1))
