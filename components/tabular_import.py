"""What every tabular import shows next to its uploader, and how it checks a file once.

- :func:`import_facts`: the row and size limit of the kind, the encodings read, and (folded) the column
  names the import understands in English and German (the kind's declaration in the service).
- :func:`checked`: the file's check (parsing and validating every row, in a read session, no write
  lock) runs once per file, options and workspace revision — not on every rerun — with a progress
  bar for a large file. The page then writes the checked result through ``attempt``.
"""

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.i18n import _
from models.db import read_session
from services import workspaces
from services.core import Columns, Limits

T = TypeVar("T")
PROGRESS_FROM_BYTES = 512 * 1024


def import_facts(columns: Columns, limits: Limits, *, key: str) -> None:
    st.caption(_("At most {rows} rows and {megabytes} MB per file. CSV as UTF-8 (with or without BOM) or Windows-1252 "
                 "(“ANSI”, also chosen as Latin-1), separated by ; , or tab — or an Excel workbook (.xlsx).").format(
        rows=f"{limits.rows:,}", megabytes=limits.megabytes))
    with st.expander(_("Column names the import understands")):
        frame = pd.DataFrame(columns.table(), columns=["column", "also", "required"])
        st.dataframe(frame, hide_index=True, width="stretch", key=f"{key}.columns", column_config={
            "column": st.column_config.TextColumn(_("Column")),
            "also": st.column_config.TextColumn(_("Also understood"), width="large"),
            "required": st.column_config.CheckboxColumn(_("Required")),
        })
        st.caption(_("Case, spaces, underscores and hyphens, units and symbols such as %, €, (Jahre) or [EUR] do not "
                     "matter: “Anteil Kunden (%)” is read as customer_share."))


def _revision(engine: Engine, workspace_id: int) -> int:
    with read_session(engine) as session:
        return workspaces.revision(session, workspace_id)


def checked(engine: Engine, workspace_id: int, key: str, data: bytes, options: tuple[Any, ...],
            check: Callable[[Callable[[float], None] | None], T]) -> T:
    """``check(progress)`` once per file, options and workspace revision; the result is kept in the session."""
    identity = (hashlib.blake2b(data, digest_size=16).hexdigest(), options, workspace_id, _revision(engine, workspace_id))
    kept = st.session_state.get(f"{key}.checked")
    if kept is not None and kept[0] == identity:
        return kept[1]
    bar = st.progress(0.0, text=_("Checking the file …")) if len(data) >= PROGRESS_FROM_BYTES else None

    def progress(fraction: float) -> None:
        if bar is not None:
            bar.progress(min(1.0, fraction), text=_("Checking the file … {percent} %").format(percent=round(fraction * 100)))

    try:
        result = check(progress if bar is not None else None)
    finally:
        if bar is not None:
            bar.empty()
    st.session_state[f"{key}.checked"] = (identity, result)
    return result


def forget(key: str) -> None:
    """Drop the kept check (after the import, or when the file is discarded)."""
    st.session_state.pop(f"{key}.checked", None)
