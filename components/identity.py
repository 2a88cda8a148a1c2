"""Who is acting in this browser session, for every unit of work a page opens."""

import streamlit as st
from sqlalchemy import Engine

from models.db import read_session
from services import accounts
from services.core import Actor

TOKEN_KEY, ACCOUNT_KEY, RUN_ACTOR = "auth.token", "auth.account_id", "auth.actor"
ANONYMOUS = Actor(name="", account_id=0)  # nobody signed in: every write is refused


def run_actor() -> Actor:
    """Who this run of the page is for, as app.py read it at the top of the run (for what to show;
    every write reads the roles afresh through :func:`current_actor`)."""
    actor = st.session_state.get(RUN_ACTOR)
    return actor if isinstance(actor, Actor) else ANONYMOUS


def current_actor(engine: Engine) -> Actor:
    """The signed-in account with its roles, read now (two queries), else nobody."""
    account_id = st.session_state.get(ACCOUNT_KEY)
    if not account_id:
        return ANONYMOUS
    with read_session(engine) as session:
        account = accounts.get_account(session, account_id)
        return accounts.actor_for(session, account) if account is not None else ANONYMOUS


def role_in(workspace_id: int) -> str | None:
    """The account's role in the workspace (to show the controls it may use; services check again)."""
    return run_actor().role_in(workspace_id)
