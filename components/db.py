"""The process's one engine, started once: migrations to head, demo on an empty database."""

import streamlit as st
from sqlalchemy import Engine
from streamlit.runtime.scriptrunner import get_script_run_ctx

from components.feedback import ACTOR_KEY
from models.db import create_db_engine, upgrade_to_head
from services import audit
from services.workspaces import ensure_demo_workspace


def _viewer_name() -> str:
    """The display name of the person whose script run is saving (empty outside a page run)."""
    if get_script_run_ctx(suppress_warning=True) is None:  # a test, a script, a worker thread
        return ""
    return str(st.session_state.get(ACTOR_KEY, "") or "")


@st.cache_resource(show_spinner=False)
def get_engine() -> Engine:
    audit.set_default_actor(_viewer_name)
    engine = create_db_engine()
    upgrade_to_head(engine)
    ensure_demo_workspace(engine)
    return engine
