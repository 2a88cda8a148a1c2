"""Showing DomainErrors: a summary message, and each field's message next to its widget.

Field errors are UI state: a failed save stores them under the form's key and
reruns, so the form can render each message right under the widget it concerns.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from components.i18n import _
from components.identity import current_actor
from components.text import md
from models.db import is_busy
from services.core import N_, ConflictError, DomainError, ValidationErrors
from services.unit_of_work import unit_of_work


def plain_message(err: DomainError) -> str:
    """The translated message as plain text (for tables and downloads, which show no Markdown)."""
    return err.render(_)


def message(err: DomainError) -> str:
    """The translated message; its values (names, titles users typed) are escaped for Markdown."""
    safe = type(err).__new__(type(err))
    safe.__dict__.update(err.__dict__)
    safe.params = {k: md(v) if isinstance(v, str) else v for k, v in err.params.items()}
    return safe.render(_)


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
    """For reads only (writes go through :func:`attempt`): a DomainError becomes a readable message."""
    try:
        yield
    except DomainError as err:
        st.error(message(err), icon="⚠️")




def raise_or_show(err: DomainError, form: str | None) -> None:
    """Show ``err`` next to the fields of ``form`` (for the rerun) or right here."""
    if form:
        set_field_errors(form, err)
    else:
        st.error(message(err), icon="⚠️")


@dataclass(frozen=True)
class Done:
    """A unit of work that succeeded, with what the action returned (truthy even when that is None)."""

    value: Any = None


BUSY = N_("The database is busy right now; nothing was saved. Please try again in a moment.")


def attempt(
    engine: Engine,
    action: Callable[[Session], Any],
    success: str | Callable[[Any], str] | None,
    *,
    form: str | None = None,
    on_conflict: Callable[[ConflictError], None] | None = None,
    on_error: Callable[[DomainError], None] | None = None,
    kind: str = "success",
) -> Done | None:
    """Run ``action(session)`` as one unit of work of the current actor (all or nothing).

    Every write from a page goes through here. On success the ``success`` message (or
    ``success(value)``) is queued for the next rerun and a :class:`Done` returned. A
    DomainError is shown, never raised: next to the fields of ``form`` when given (stored for
    the rerun), through ``on_error`` (a list of problems, say), else right here; then None is
    returned and nothing was written. A ConflictError (someone else saved the row first) goes
    to ``on_conflict`` when given, so the caller can show both versions instead of a bare
    message. A database busy with another writer is a message too, never a traceback. ``kind``:
    how the success message looks ("info" for deletions).
    """
    try:
        with unit_of_work(engine, current_actor(engine)) as session:
            value = action(session)
    except ConflictError as err:
        if on_conflict is None:
            raise_or_show(err, form)
        else:
            on_conflict(err)
        return None
    except DomainError as err:
        if on_error is None:
            raise_or_show(err, form)
        else:
            on_error(err)
        return None
    except DBAPIError as err:
        if not is_busy(err):
            raise
        raise_or_show(DomainError(BUSY), form)
        return None
    if form:
        clear_field_errors(form)
    if success:
        flash(success(value) if callable(success) else success, kind)
    return Done(value)
