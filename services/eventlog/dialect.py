"""The few places where DuckDB's and PostgreSQL's SQL differ, for the analyses' one set of queries.

The analyses (:mod:`services.eventlog.conformance`) are written once, in SQL both engines accept: explicit
``GROUP BY`` columns, ``min`` instead of ``any_value``, ``percentile_cont(…) WITHIN GROUP (ORDER BY …)``,
``extract(epoch FROM …)``, ``DROP TABLE IF EXISTS`` + ``CREATE TABLE … AS``, aliased subqueries, the
planned transitions as a ``VALUES`` list, ``COLLATE "C"`` wherever text order decides ties (so a
team database's locale cannot reorder them) and ``?`` parameters (the PostgreSQL cursor,
:class:`services.eventlog.pgstore.PostgresCursor`, binds them). The events table carries ``rowid`` in both:
DuckDB's own row number, an explicit column in PostgreSQL.

What cannot be written portably is a fragment of a :class:`Dialect`, and only that:

- the 64-bit key a case id is hashed to (integer grouping and counting is cheaper than text);
- "the last step so far": DuckDB says ``last_value(… IGNORE NULLS)`` in one window pass;
  PostgreSQL has no ``IGNORE NULLS`` and counts the step events before each row (a run number that
  grows at each step event), so every row of a run has the same last step: ``max`` over the run of the
  step just before the run's first row. That takes a second window level, which DuckDB skips (it
  would double the ordering work on a large log).

A store that the analyses run on says its dialect (:class:`SqlStore`).
"""

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

LAST_STEP_FRAME = "c ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"  # the events before this one in its case


@dataclass(frozen=True)
class Dialect:
    """SQL fragments that differ between the engines (see the module text)."""

    name: str
    case_key: str  # an expression of ``{column}``: the case id hashed to a 64-bit integer
    last_step_inner: str  # select-list items over the ordered events (window ``c``)
    last_step_outer: str  # the select-list item ``last_step`` one level up


DUCKDB = Dialect(
    name="duckdb",
    case_key="hash({column})",
    last_step_inner=f"last_value(step_id IGNORE NULLS) OVER ({LAST_STEP_FRAME}) AS last_step",
    last_step_outer="last_step",
)

POSTGRESQL = Dialect(
    name="postgresql",
    case_key="hashtextextended({column}, 0)",
    last_step_inner=f"lag(step_id) OVER c AS step_before, count(step_id) OVER ({LAST_STEP_FRAME}) AS step_run",
    last_step_outer="max(step_before) OVER (PARTITION BY case_key, step_run) AS last_step",
)


class SqlStore(Protocol):
    """What the analyses need of a store: its dialect and DB-API-like cursors.

    The cursors answer ``execute(sql, params)`` (returning the cursor), ``fetchone``, ``fetchall`` and
    ``df`` (a pandas frame), as DuckDB's do.
    """

    dialect: Dialect

    def cursor(self) -> AbstractContextManager[Any]: ...

    def transaction(self) -> AbstractContextManager[Any]: ...
