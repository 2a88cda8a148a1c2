"""Showing DomainErrors: a summary message, and each field's message next to its widget.

Field errors are UI state: a failed save stores them under the form's key and
reruns, so the form can render each message right under the widget it concerns.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from components.i18n import _
from services.errors import DomainError, ValidationErrors


def message(err: DomainError) -> str:
    return err.render(_)


def field_errors(form_key: str) -> dict[str, str]:
    return st.session_state.get(f"{form_key}.errors", {})


def set_field_errors(form_key: str, err: DomainError) -> None:
    errors = err.errors if isinstance(err, ValidationErrors) else [err]
    st.session_state[f"{form_key}.errors"] = {(e.field or "_form"): message(e) for e in errors}


def clear_field_errors(form_key: str) -> None:
    st.session_state.pop(f"{form_key}.errors", None)


def show_field_error(form_key: str, field: str) -> None:
    """Render the stored message for ``field`` (if any) right where this is called."""
    text = field_errors(form_key).get(field)
    if text:
        st.error(text, icon="⚠️")


def flash(text: str, kind: str = "success") -> None:
    """Queue a message for the next rerun (after st.rerun, a plain st.success would be lost)."""
    st.session_state["app.flash"] = (kind, text)


def show_flash() -> None:
    kind, text = st.session_state.pop("app.flash", (None, None))
    if text:
        {"success": st.success, "info": st.info, "warning": st.warning}.get(kind, st.info)(text)


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Run a user action; a DomainError becomes a readable message, never a traceback."""
    try:
        yield
    except DomainError as err:
        st.error(message(err), icon="⚠️")
