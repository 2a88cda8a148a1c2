"""AppTest fixtures: each test gets its own database (on each engine: see
``tests/conftest.py``) and a fresh engine.

``st.cache_resource`` is process-global, so the engine of one test would leak
into the next; it is cleared before and after every test.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from models.db import create_db_engine, write_session
from services import workspaces

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture
def database(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An empty, migrated database that the app under test will open."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    st.cache_resource.clear()
    engine = create_db_engine(db_url)
    yield engine
    st.cache_resource.clear()
    engine.dispose()


@pytest.fixture
def workspace_id(database: Engine) -> int:
    """An empty workspace (so the app does not load the demo)."""
    with write_session(database) as session:
        return workspaces.create_workspace(session, "Test workspace").id


def start_app(page: str | None = None, *, language: str = "en") -> AppTest:
    """Run the app (optionally switched to ``page``) in the given UI language."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = language
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, at.exception
    return at
