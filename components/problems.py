"""The one way a refused input is shown: every :class:`~services.core.Problem` in one table
(where — line or row, column — and why), so a user fixes a file, a pasted table or an edited grid
in one go. Cells are plain text: nothing from the input is interpreted as Markdown or HTML."""

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from components.feedback import message, plain_message
from components.i18n import _
from components.labels import label
from services.core import DomainError, Problem, Problems


def show_problems(
    problems: Sequence[Problem], *, key: str, line: str | None = None, column: str | None = None,
    fields: dict[str, str] | None = None,
) -> None:
    """The problems as a table; ``line``/``column`` name those columns (default "Line", "Column"),
    ``fields`` translates field codes into the labels the user saw."""
    frame = pd.DataFrame({
        "line": ["" if p.line is None else str(p.line) for p in problems],
        "column": [label(fields, p.column) if fields and p.column else (p.column or "") for p in problems],
        "problem": [plain_message(p.error) for p in problems],
    })
    st.dataframe(frame, hide_index=True, width="stretch", key=key, column_config={
        "line": st.column_config.TextColumn(line or _("Line")),
        "column": st.column_config.TextColumn(column or _("Column")),
        "problem": st.column_config.TextColumn(_("Problem"), width="large"),
    })


def show_refused(
    err: DomainError, *, key: str, line: str | None = None, column: str | None = None, fields: dict[str, str] | None = None,
    title: str | None = None,
) -> None:
    """A refused action: its message (or ``title`` over a list of problems), and for a
    :class:`Problems` every problem in the table."""
    listed = isinstance(err, Problems) and (len(err.problems) > 1 or err.problems[0].line is not None)
    st.error(title if listed and title else message(err), icon="⚠️")
    if isinstance(err, Problems) and listed:
        show_problems(err.problems, key=key, line=line, column=column, fields=fields)
