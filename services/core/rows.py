"""Rows as plain values: query results as DataFrames or dicts, and bulk inserts that keep the
database's refusals readable. Shared by every aggregate (reading tables for charts, copying,
snapshots for undo, imports)."""

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

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
