"""Page data and figures computed once per change of the workspace, not once per rerun.

A page takes a :class:`Snapshot` at the top of its run (one SELECT) and reads through it::

    view = snapshot(engine, workspace_id)
    scores = view.data(touchpoints.touchpoint_scores, journey_id)        # the service's own signature
    figure = view.figure(importance_performance_figure, scores, title, inputs=(journey_id,))

The key of every entry comes from the database, never from process state: the database, the
workspace, its ``revision`` (raised by every write transaction that touches the workspace, decision
9) and its creation time (a new workspace that gets a deleted one's id starts at a low revision
again), today's date (KPI status and overdue reviews depend on it), then the view's own inputs (and
for figures and derived tables the viewer's language). So a change anywhere in the workspace, made
on this server or another, invalidates exactly that workspace's entries, and a rerun with no change
costs one SELECT plus rendering. The revision is read before the data, so an entry may hold data
newer than its key (read again on the next change) but never older.

Who may read the workspace is not part of the key: app.py checks the account's memberships on
every rerun before the page runs, and :func:`snapshot` refuses a workspace the run's account has
no role in, so an entry is only ever handed to a run that may read its workspace.

Bounds, per server process: at most :data:`MAX_DATA` data entries, as many derived tables and
:data:`MAX_FIGURES` figures, the least recently used dropped first, each at most :data:`TTL` old
(don't cache reads that carry uploads, such as persona avatars: an entry would be megabytes). Data is returned as a copy
(pickled, so a page may change its frame); a figure is the same object for every viewer (unpickling
a plotly figure validates it again, as slow as building it) — never change a figure from here.
"""

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVar

import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from components.i18n import current_language
from components.identity import run_actor
from models.db import read_session
from services import workspaces

MAX_DATA = 256  # data entries per process (a workspace's views are a few hundred kB to a few MB each)
MAX_FIGURES = 256  # figures per process
TTL = timedelta(hours=1)

T = TypeVar("T")


def _name(function: Callable[..., Any]) -> str:
    """A function's identity across pages (page scripts all run as ``__main__``: their file tells them apart)."""
    code = getattr(function, "__code__", None)
    return f"{function.__module__}.{function.__qualname__}@{code.co_filename if code else ''}"


@st.cache_data(max_entries=MAX_DATA, ttl=TTL, show_spinner=False)
def _data(key: tuple, name: str, inputs: tuple, options: tuple, _engine: Engine, _load: Callable[..., Any]) -> Any:
    del name  # part of the key only
    with read_session(_engine) as session:
        return _load(session, key[1], *inputs, **dict(options))


@st.cache_data(max_entries=MAX_DATA, ttl=TTL, show_spinner=False)
def _computed(key: tuple, name: str, inputs: tuple, options: tuple, language: str, _compute: Callable[..., Any],
              _args: tuple) -> Any:
    del key, name, inputs, language  # part of the key only
    return _compute(*_args, **dict(options))


@st.cache_resource(max_entries=MAX_FIGURES, ttl=TTL, show_spinner=False)
def _figure(key: tuple, name: str, inputs: tuple, language: str, _build: Callable[..., go.Figure], _args: tuple) -> go.Figure:
    del key, name, inputs, language  # part of the key only
    return _build(*_args)


class NotReadable(PermissionError):
    """The run's account has no role in the workspace (app.py lets no such run reach a page)."""


@dataclass(frozen=True)
class Snapshot:
    """One workspace as of one revision: reads through it are served from the cache while nothing changed."""

    engine: Engine
    workspace_id: int
    key: tuple

    def data(self, load: Callable[..., T], *inputs: Hashable, **options: Hashable) -> T:
        """``load(session, workspace_id, *inputs, **options)`` once per revision, inputs and options, in a read
        session of its own."""
        return _data(self.key, _name(load), inputs, tuple(sorted(options.items())), _engine=self.engine, _load=load)

    def computed(self, compute: Callable[..., T], *args: Any, inputs: tuple = (), **options: Hashable) -> T:
        """``compute(*args, **options)`` (pure: tables derived from loaded data) once per revision, ``inputs``, options
        and language; the inputs must name everything the arguments were made from beyond this snapshot."""
        return _computed(self.key, _name(compute), inputs, tuple(sorted(options.items())), current_language(), _compute=compute,
                         _args=args)

    def figure(self, build: Callable[..., go.Figure], *args: Any, inputs: tuple = ()) -> go.Figure:
        """``build(*args)`` once per revision, language and ``inputs``: the inputs must name everything the
        arguments were made from beyond this snapshot (the journey filter the data was read with, …)."""
        return _figure(self.key, _name(build), inputs, current_language(), _build=build, _args=args)


def snapshot(engine: Engine, workspace_id: int) -> Snapshot:
    """The workspace as of now (one SELECT): the key of every cached read of this rerun."""
    if run_actor().role_in(workspace_id) is None:
        raise NotReadable(workspace_id)
    with read_session(engine) as session:
        stamp = workspaces.revision_stamp(session, workspace_id)
    database = engine.url.render_as_string(hide_password=True)
    return Snapshot(engine, workspace_id, (database, workspace_id, stamp, date.today().isoformat()))


def clear() -> None:
    """Drop every entry (tests start each database afresh)."""
    _data.clear()
    _computed.clear()
    _figure.clear()


__all__ = ["MAX_DATA", "MAX_FIGURES", "TTL", "NotReadable", "Snapshot", "clear", "snapshot"]
