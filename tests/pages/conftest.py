"""AppTest fixtures: each test gets its own database (on each engine: see
``tests/conftest.py``) and a fresh engine.

``st.cache_resource`` is process-global, so the engine of one test would leak
into the next; it is cleared before and after every test, and so is the page cache
(components/cache.py: its keys name the database, this only keeps memory flat).
"""

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

from components import cache as page_cache
from components.identity import ACCOUNT_KEY
from models.db import create_db_engine
from services import accounts
from services.unit_of_work import unit_of_work
from services.workspaces import crud as workspaces

ROOT = Path(__file__).resolve().parents[2]
# The app shows users no tracebacks (.streamlit/config.toml); tests want them.
os.environ.setdefault("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "full")
APP = str(ROOT / "app.py")


TESTER = {"email": "tester@example.com", "name": "Tester", "password": "correct horse battery"}
SIGNED_IN = "WORKBENCH_TEST_ACCOUNT"  # the account start_app signs in (set by the database fixture)


@pytest.fixture
def database(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Engine]:
    """An empty, migrated database (on each engine) that the app under test will open, with one site
    administrator (every app started with :func:`start_app` is signed in as it). Event logs go to the
    test's own folder (on PostgreSQL they would otherwise land in the shared data/ folder)."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("EVENTLOG_DIR", str(tmp_path / "eventlogs"))
    st.cache_resource.clear()
    page_cache.clear()
    engine = create_db_engine(db_url)
    with unit_of_work(engine) as session:
        tester = accounts.create_account(session, TESTER["email"], TESTER["name"], TESTER["password"], site_admin=True)
    monkeypatch.setenv(SIGNED_IN, str(tester.id))
    yield engine
    st.cache_resource.clear()
    page_cache.clear()
    engine.dispose()


@pytest.fixture
def workspace_id(database: Engine) -> int:
    """An empty workspace (so the app does not load the demo)."""
    with unit_of_work(database) as session:
        return workspaces.create_workspace(session, "Test workspace").id


def start_app(page: str | None = None, *, language: str = "en", account_id: int | None = None) -> AppTest:
    """Run the app signed in (as the tester, or ``account_id``), optionally switched to ``page``, in the
    given UI language. AppTest has no cookies: the sign-in is put into the session as the sign-in form would."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = language
    at.session_state[ACCOUNT_KEY] = account_id or int(os.environ[SIGNED_IN])
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at


def problems(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The rows of the problems table (components.problems) as "line · column: problem" texts."""
    frame = next(f.value for f in reversed(at.dataframe) if list(f.value.columns) == ["line", "column", "problem"])
    return [f"{r.line} · {r.column}: {r.problem}" if r.column else f"{r.line}: {r.problem}" for r in frame.itertuples()]


def values(array) -> list:  # type: ignore[no-untyped-def]
    """A figure JSON array: plotly 7 sends numbers as base64 typed arrays."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def figures(at) -> list[dict]:  # type: ignore[no-untyped-def]
    """The page's Plotly figures as JSON (read their arrays with :func:`values`)."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def component(at, name: str):  # type: ignore[no-untyped-def]
    """The custom (``st.components.v2``) component registered as ``journey_workbench.<name>`` in the last run."""
    [found] = [c for c in at.get("bidi_component") if c.proto.component_name.endswith(f"journey_workbench.{name}")]
    return found


def component_data(at, name: str) -> dict:  # type: ignore[no-untyped-def]
    """What the page gave the custom component ``name`` to draw."""
    return json.loads(component(at, name).proto.json)


def send_trigger(at, name: str, event: str, value: object) -> AppTest:  # type: ignore[no-untyped-def]
    """Run as the browser does when the component ``name`` sends a trigger value (its JavaScript calls
    ``setTriggerValue(event, value)``): AppTest cannot click inside a custom component, so the run gets
    the trigger widget's state the frontend would send. (Streamlit's own naming of that widget.)"""
    states = at._tree.get_widget_states()
    trigger_id = _make_trigger_id(component(at, name).proto.id, "events")
    states.widgets.append(WidgetState(id=trigger_id, json_trigger_value=json.dumps([{"event": event, "value": value}])))
    return at._run(states)

