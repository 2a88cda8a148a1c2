"""Move a team: copy a whole database (every workspace, account, history entry) into an EMPTY one, usually
the SQLite file into PostgreSQL::

    python -m models.copy_database sqlite:///data/workbench.db postgresql+psycopg://team@db.example/workbench

The target is migrated to the newest schema first; the source must be at the same revision (start the app on
it once, or the command says so). Rows keep their ids, so every reference stays; the PostgreSQL id sequences
are moved past the copied ids (models/db.py). Tables are copied parents first, in batches, in ONE transaction
on the target: a failure leaves it empty. Afterwards the row count of every table is compared and printed.

No Streamlit here; the verification with the exchange export lives in the tests (tests/unit/test_copy_database.py).
"""

import argparse
import sys
from collections.abc import Callable

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlmodel import SQLModel

from models.db import alembic_config, create_db_engine, upgrade_to_head

BATCH = 5_000


class CopyRefused(RuntimeError):
    """The copy cannot start: schemas differ or the target already holds data."""


def _revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the app's schema."""
    with engine.connect() as conn:
        return {table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in SQLModel.metadata.sorted_tables}


def copy_database(source: Engine, target: Engine, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target``; returns the row count per table (equal on both)."""
    head = ScriptDirectory.from_config(alembic_config(source)).get_current_head()
    if _revision(source) != head:
        raise CopyRefused(f"the source database is at schema {_revision(source)}, not {head}: start the app on it once to migrate it")
    upgrade_to_head(target)
    if any(row_counts(target).values()):
        raise CopyRefused("the target database already holds data: copy into an empty database only")
    with source.connect() as reading, target.begin() as writing:
        for table in SQLModel.metadata.sorted_tables:  # parents before children: foreign keys hold at every insert
            order = list(table.primary_key.columns) or list(table.columns)
            result = reading.execution_options(stream_results=True, yield_per=BATCH).execute(select(table).order_by(*order))
            # A row may point at a later row of its own table (a journey leading into the next): such columns are
            # written NULL first and set once the whole table is there.
            later = sorted({fk.parent.name for fk in table.foreign_keys if fk.column.table is table and fk.parent.nullable})
            links: list[dict] = []
            copied = 0
            for rows in result.mappings().partitions(BATCH):
                batch = [dict(row) for row in rows]
                if later:
                    links += [{"_id": row["id"], **{name: row[name] for name in later}}
                              for row in batch if any(row[name] is not None for name in later)]
                    batch = [{**row, **dict.fromkeys(later)} for row in batch]
                writing.execute(insert(table), batch)
                copied += len(batch)
            if links:
                writing.execute(update(table).where(table.c.id == bindparam("_id")), links)
            if progress:
                progress(f"{table.name}: {copied}")
    before, after = row_counts(source), row_counts(target)
    if before != after:  # pragma: no cover - a copy in one transaction cannot lose rows; checked all the same
        raise RuntimeError(f"row counts differ after the copy: {before} != {after}")
    return after


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Copy a whole Journey Workbench database into an empty one.")
    parser.add_argument("source", help="SQLAlchemy URL of the database to copy (e.g. sqlite:///data/workbench.db)")
    parser.add_argument("target", help="SQLAlchemy URL of the EMPTY database to fill (e.g. postgresql+psycopg://…)")
    args = parser.parse_args(argv)
    source, target = create_db_engine(args.source), create_db_engine(args.target)
    try:
        counts = copy_database(source, target, progress=lambda line: print(line, file=sys.stderr))  # noqa: T201
    except CopyRefused as exc:
        print(f"Not copied: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    finally:
        source.dispose()
        target.dispose()
    width = max(map(len, counts))
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>9}  (source and target)")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
