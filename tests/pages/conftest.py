"""AppTest fixtures: each test gets its own SQLite file and a fresh engine.

``st.cache_resource`` is process-global, so the engine of one test would leak
into the next; it is cleared before and after every test.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from models.db import create_db_engine, upgrade_to_head
from services.unit_of_work import unit_of_work
from services.workspaces import crud as workspaces

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """An empty, migrated database that the app under test will open."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_resource.clear()
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    yield engine
    st.cache_resource.clear()
    engine.dispose()


@pytest.fixture
def workspace_id(database: Engine) -> int:
    """An empty workspace (so the app does not load the demo)."""
    with unit_of_work(database) as session:
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


def problems(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The rows of the problems table (components.problems) as "line · column: problem" texts."""
    frame = next(f.value for f in reversed(at.dataframe) if list(f.value.columns) == ["line", "column", "problem"])
    return [f"{r.line} · {r.column}: {r.problem}" if r.column else f"{r.line}: {r.problem}" for r in frame.itertuples()]
