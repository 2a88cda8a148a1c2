"""Editing tables in place: ``st.data_editor`` inside a form, saved as one transaction.

Shared by the touchpoint catalogue, the evaluations of a touchpoint, the measurements of a metric and
the opportunity portfolio. A data editor keeps its edits by row *position*, so each editor pins the rows
(id and version) it first showed: a row someone else adds or deletes meanwhile cannot shift the user's
edits onto the wrong row, and a row someone else changed is reported as a conflict.
"""

from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from components.feedback import attempt
from components.i18n import _
from components.problems import show_refused
from services.core import DomainError


def editor_key(owner: str) -> str:
    """The data editor's current key; a new generation starts it afresh (after a save, or new filters)."""
    return f"{owner}.table.{st.session_state.get(f'{owner}.generation', 0)}"


def reset_editor(owner: str) -> None:
    """Forget the editor's edits and pinned rows (the next run shows the current rows)."""
    st.session_state.pop(f"{editor_key(owner)}.rows", None)
    st.session_state[f"{owner}.generation"] = st.session_state.get(f"{owner}.generation", 0) + 1


def pinned(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` in the row order (and with the versions) the editor ``key`` showed when its pending edits were made.

    Without pending edits the editor simply shows the current rows. With edits, the rows stay where they
    were: a row deleted meanwhile stays as an empty row (saving it reports that it is gone), a new one
    waits for the next save, and the column types stay the same so the editor keeps the edits.
    """
    rows_key = f"{key}.rows"
    state = st.session_state.get(key) or {}
    if rows_key not in st.session_state or not state.get("edited_rows"):
        st.session_state[rows_key] = [[int(i), int(v)] for i, v in zip(frame["id"], frame["version"], strict=True)]
    rows = st.session_state[rows_key]
    shown = frame.set_index("id").reindex([row_id for row_id, _version in rows])
    shown["version"] = [version for _row_id, version in rows]
    for column, dtype in frame.dtypes.items():
        if column in shown.columns and str(dtype) in ("bool", "int64"):
            shown[column] = shown[column].fillna(0).astype(dtype)
    return shown.reset_index()


def show_table_errors(err: DomainError, fields: dict[str, str], owner: str) -> None:
    """Every refused row with its label, the field (named through ``fields``) and the reason."""
    show_refused(err, key=f"{owner}.problems", line=_("Row"), column=_("Field"), fields=fields,
                 title=_("Nothing was saved. Please correct these rows:"))


def save_table(engine: Engine, owner: str, write: Callable[[Session], int], *, anything: bool,
               fields: dict[str, str]) -> None:
    """Run ``write`` (returns the number of rows saved) as one transaction; on success start the editor afresh."""
    if not anything:
        st.info(_("Nothing to save: no cell was changed."))
        return
    if attempt(engine, write, lambda count: _("{count} rows saved.").format(count=count),
               on_error=lambda err: show_table_errors(err, fields, owner)):
        reset_editor(owner)
        st.rerun()
