"""Edited tables saved as a whole: which rows changed, each row validated like a form in a
savepoint, every refused row reported, all rows saved or none."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlmodel import Session

from services.core.errors import N_, DomainError, Problem, Problems

TABLE_REFUSED = N_("Nothing was saved. Please correct these rows:")


@dataclass(frozen=True)
class RowChange:
    """One edited row of a table: its id, the version it was read at, the changed fields, and a label for messages."""

    row_id: int
    version: int | None
    changes: dict[str, Any]
    label: str = ""


def _same(a: Any, b: Any) -> bool:
    a_missing = a is None or (not isinstance(a, str) and pd.isna(a))
    b_missing = b is None or (not isinstance(b, str) and pd.isna(b))
    if a_missing or b_missing:
        return a_missing and b_missing
    return a == b


def plain_value(value: Any) -> Any:
    """A table cell as a plain Python value (NA → None, numpy scalars → int/float/bool)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def table_changes(
    original: pd.DataFrame, edited: pd.DataFrame, fields: Iterable[str], *, label: str = "name"
) -> list[RowChange]:
    """Compare an edited table with the one shown (both with ``id`` and ``version`` columns, same rows)."""
    fields = [f for f in fields if f in edited.columns]
    before = original.set_index("id")
    changes = []
    for record in edited.to_dict("records"):
        row_id = int(record["id"])
        old = before.loc[row_id]
        changed = {f: plain_value(record[f]) for f in fields if not _same(record[f], old[f])}
        if changed:
            changes.append(RowChange(row_id, plain_value(old.get("version")), changed, str(old.get(label, row_id))))
    return changes


def apply_rows(session: Session, changes: Sequence[RowChange], apply: Callable[[RowChange], Any]) -> int:
    """Run ``apply(change)`` for every row, each in a savepoint, so every bad row is reported; raise if any was bad.

    The caller's unit of work then rolls the whole transaction back: all rows are saved, or none.
    """
    problems: list[Problem] = []
    for change in changes:
        try:
            with session.begin_nested():
                apply(change)
        except DomainError as err:
            problems.append(Problem(change.label, err.field, err))
    if problems:
        raise Problems(problems, TABLE_REFUSED)
    return len(changes)
