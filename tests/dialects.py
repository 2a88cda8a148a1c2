"""What tests expect where SQLite and PostgreSQL word things differently."""

from sqlalchemy import Engine, text

# A CHECK constraint refused the row: SQLite "CHECK constraint failed: …", PostgreSQL "… violates check constraint …".
CHECK_FAILED = "CHECK constraint failed|violates check constraint"


def foreign_key_violations(engine: Engine) -> list:
    """Rows whose foreign keys point nowhere. SQLite checks on request (``PRAGMA foreign_key_check``);
    PostgreSQL enforces every foreign key at once and has no such rows to report."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as conn:
        return list(conn.execute(text("PRAGMA foreign_key_check")).all())


def integrity_ok(engine: Engine) -> bool:
    """SQLite's ``PRAGMA integrity_check`` (PostgreSQL checks pages itself as it reads them)."""
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as conn:
        return conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def dump(engine: Engine) -> str:
    """Every row of every table, in primary-key order, as text: equal dumps mean equal data.

    (``sqlite3``'s ``iterdump`` reads a file: it would open a stray empty file for a PostgreSQL URL.)
    """
    from sqlalchemy import MetaData, select

    metadata = MetaData()
    metadata.reflect(engine)
    lines: list[str] = []
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            lines.append(f"-- {table.name}")
            lines.extend(repr(tuple(row)) for row in conn.execute(select(table).order_by(*order)))
    return "\n".join(lines)
