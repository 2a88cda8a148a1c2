"""Who is acting in this browser session, for every unit of work a page opens."""

import streamlit as st
from sqlalchemy import Engine

from models.db import read_session
from services import accounts
from services.core import Actor

TOKEN_KEY, ACCOUNT_KEY = "auth.token", "auth.account_id"
ANONYMOUS = Actor(name="", account_id=0)  # nobody signed in: every write is refused


def current_actor(engine: Engine) -> Actor:
    """The signed-in account with its roles (one query), else nobody."""
    account_id = st.session_state.get(ACCOUNT_KEY)
    if not account_id:
        return ANONYMOUS
    with read_session(engine) as session:
        account = accounts.get_account(session, account_id)
        return accounts.actor_for(session, account) if account is not None else ANONYMOUS


def role_in(engine: Engine, workspace_id: int) -> str | None:
    """The account's role in the workspace (to show the controls it may use; services check again)."""
    return current_actor(engine).role_in(workspace_id)
