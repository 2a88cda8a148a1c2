"""Signing in and out: e-mail and password, single sign-on (``st.login``) when ``[auth]`` is in
``.streamlit/secrets.toml``, and workshop guests through a link (``?join=…``).

A signed-in browser keeps a random token in a cookie (set by a tiny script,
``SameSite=Strict``); the database keeps only its hash and when it expires, so a
reload stays signed in and signing out (or an admin deactivating the account) ends it everywhere.
"""

import logging

import streamlit as st
from sqlalchemy import Engine

from components.feedback import message
from components.i18n import _
from components.identity import ACCOUNT_KEY, RUN_ACTOR, TOKEN_KEY
from models import Account
from models.db import read_session
from services import accounts
from services.core import Actor, DomainError
from services.unit_of_work import unit_of_work

COOKIE = "wb_sign_in"
COOKIE_KEY = "auth.cookie"
SIGN_IN = Actor("sign-in")  # the system acts for someone not signed in yet: the check is the password or the link
log = logging.getLogger(__name__)


def _client() -> str | None:
    """Who is trying (for throttling): the client address when Streamlit knows it."""
    try:
        return getattr(st.context, "ip_address", None)
    except Exception:  # noqa: BLE001 - outside a browser session (tests)
        return None


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False


def _cookie() -> str | None:
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and value else None  # (AppTest answers with a stand-in object)


def signed_in_account(engine: Engine) -> Account | None:
    """The account of this browser session (from its sign-in or its cookie), or None; also who this
    run is for (:func:`components.identity.run_actor`), read in the same session."""
    token = st.session_state.get(TOKEN_KEY) or _cookie()
    stale = False
    with read_session(engine) as session:
        if token:
            account = accounts.account_of(session, token)
            stale = account is not None and accounts.needs_touch(session, token)
        elif st.session_state.get(ACCOUNT_KEY):  # tests and sign-ins without a cookie
            account = accounts.get_account(session, st.session_state[ACCOUNT_KEY])
        else:
            account = None
        if account is not None:
            st.session_state[RUN_ACTOR] = accounts.actor_for(session, account)
    if account is None or not token:
        return account
    if stale:
        with unit_of_work(engine, SIGN_IN) as session:
            accounts.touch(session, token)
    st.session_state[TOKEN_KEY] = token
    st.session_state[ACCOUNT_KEY] = account.id
    return account


def _begin(engine: Engine, account_id: int) -> None:
    with unit_of_work(engine, SIGN_IN) as session:
        token = accounts.start_sign_in(session, account_id)
    st.session_state[TOKEN_KEY] = token
    st.session_state[ACCOUNT_KEY] = account_id


def keep_cookie() -> None:
    """Put this session's token into the browser's cookie (once per token), so a reload stays signed in."""
    token = st.session_state.get(TOKEN_KEY)
    if token and st.session_state.get(COOKIE_KEY) != token and _cookie() != token:
        # The token is URL-safe base64 (no quotes, no markup) made by the server; nothing a user typed.
        st.html(f"<script>document.cookie = '{COOKIE}={token}; path=/; max-age={7 * 24 * 3600}; SameSite=Strict'"
                " + (location.protocol === 'https:' ? '; Secure' : '');</script>", unsafe_allow_javascript=True)
        st.session_state[COOKIE_KEY] = token


def sign_out(engine: Engine) -> None:
    token = st.session_state.get(TOKEN_KEY) or _cookie()
    with unit_of_work(engine, SIGN_IN) as session:
        accounts.end_sign_in(session, token)
    for key in (TOKEN_KEY, ACCOUNT_KEY, COOKIE_KEY, RUN_ACTOR):
        st.session_state.pop(key, None)
    st.session_state["auth.signed_out"] = True


def _password_form(engine: Engine) -> None:
    with st.form("auth.form"):
        email = st.text_input(_("E-mail"), key="auth.email", autocomplete="username")
        password = st.text_input(_("Password"), type="password", key="auth.password", autocomplete="current-password")
        submitted = st.form_submit_button(_("Sign in"), type="primary")
    if submitted:
        with unit_of_work(engine, SIGN_IN) as session:  # commits a failure too: it counts towards the throttle
            account = accounts.authenticate(session, email, password, client=_client())
            account_id = account.id if account is not None else None
        if account_id is None:
            st.error(_(accounts.SIGN_IN_REFUSED), icon="⚠️")
            return
        _begin(engine, account_id)
        st.rerun()


def _single_sign_on(engine: Engine) -> None:
    user = getattr(st, "user", None)
    if user is not None and user.get("is_logged_in") and user.get("email") and user.get("email_verified", True):
        with read_session(engine) as session:
            account = accounts.account_for_email(session, str(user.get("email")))
        if account is not None:
            _begin(engine, account.id)  # type: ignore[arg-type]
            st.rerun()
        st.error(_("Your organisation account has no Journey Workbench account yet. Ask an administrator."), icon="⚠️")
    if st.button(_("Sign in with your organisation account"), key="auth.sso"):
        st.login()


def _join_form(engine: Engine, token: str) -> None:
    st.subheader(_("Join the workshop"), anchor=False)
    with st.form("auth.join"):
        name = st.text_input(_("Your name"), key="auth.join.name", max_chars=80)
        joined = st.form_submit_button(_("Join"), type="primary")
    if joined:
        try:
            with unit_of_work(engine, SIGN_IN) as session:
                guest_id = accounts.join(session, token, name).id
        except DomainError as err:
            st.error(message(err), icon="⚠️")
            return
        _begin(engine, guest_id)  # type: ignore[arg-type]
        st.query_params.pop("join", None)
        st.rerun()


def require_account(engine: Engine) -> Account:
    """The signed-in account; otherwise the sign-in (or the workshop join) page, and the script stops."""
    account = signed_in_account(engine)
    if account is not None:
        return account
    st.title("Journey Workbench")
    token = st.query_params.get("join")
    if token:
        _join_form(engine, token)
    else:
        if st.session_state.pop("auth.signed_out", False):
            st.info(_("You are signed out."))
        _password_form(engine)
        if sso_configured():
            _single_sign_on(engine)
    st.stop()
    raise AssertionError  # st.stop() does not return
