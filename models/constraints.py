"""Helpers that spell the database's own rules (CHECK constraints) once."""

from collections.abc import Iterable

from sqlalchemy import CheckConstraint


def check_in(column: str, values: Iterable[str], name: str) -> CheckConstraint:
    """CHECK that a text column holds one of the allowed codes."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name)


def check_range(column: str, low: float, high: float, name: str) -> CheckConstraint:
    """CHECK low <= column <= high, letting NULL through (an unset rating)."""
    return CheckConstraint(f"{column} IS NULL OR ({column} BETWEEN {low} AND {high})", name=name)


# A link users can click: a web address or an e-mail address, nothing a browser would run
# ("javascript:", "data:"). Empty means no link. Pydantic checks it with Rust's regex engine.
SAFE_URL = r"^$|^(?i:https?://\S+|mailto:\S+)$"
