"""The sidebar's workspace switcher: choose, create, rename, delete (confirmed by name).

The chosen workspace is UI state (``app.workspace_id``) mirrored in the URL
(``?ws=3``) so a shared link opens the same workspace.
"""

import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt
from components.i18n import _
from components.identity import role_in
from models import Account, Workspace
from models.db import read_session
from services import workspaces

WORKSPACE_KEY = "app.workspace_id"  # the truth for pages; kept apart from the widget's own key (see i18n.py)
SELECT_KEY = "app.workspace_select"


def current_workspace_id() -> int:
    """The workspace the pages work in (set by :func:`workspace_switcher` in app.py)."""
    return st.session_state[WORKSPACE_KEY]


def _choose_initial(all_workspaces: list[Workspace]) -> int | None:
    ids = [w.id for w in all_workspaces]
    wanted = st.session_state.get(WORKSPACE_KEY) or st.query_params.get("ws")
    try:
        wanted = int(wanted) if wanted is not None else None
    except ValueError:
        wanted = None
    return wanted if wanted in ids else (ids[0] if ids else None)


def _workspace_chosen() -> None:
    st.session_state[WORKSPACE_KEY] = st.session_state[SELECT_KEY]


def workspace_switcher(engine: Engine, account: Account) -> Workspace | None:
    """Choose among the workspaces the account is a member of (a site admin: all of them)."""
    with read_session(engine) as session:
        all_workspaces = workspaces.list_workspaces(session, None if account.is_site_admin else account.id)
    if not all_workspaces:
        st.title("Journey Workbench")
        _create_form(engine, first=True)
        return None
    st.session_state[WORKSPACE_KEY] = _choose_initial(all_workspaces)
    by_id = {w.id: w for w in all_workspaces}
    options = list(by_id)
    # Follow a switch made elsewhere (a new, imported or deleted workspace) by setting the widget's value: a
    # browser keeps showing a widget's old choice when its key is only dropped (seen after an import).
    st.session_state[SELECT_KEY] = st.session_state[WORKSPACE_KEY]
    st.sidebar.selectbox(
        _("Workspace"), options=options, format_func=lambda i: by_id[i].name, key=SELECT_KEY, on_change=_workspace_chosen,
    )
    st.query_params["ws"] = str(st.session_state[WORKSPACE_KEY])
    workspace = by_id[st.session_state[WORKSPACE_KEY]]
    if account.guest_link_id is None:  # the forms a role allows; the services check again
        admin = account.is_site_admin or role_in(workspace.id) == "admin"
        with st.sidebar.expander(_("Manage workspaces")):
            _create_form(engine)
            if admin:
                _rename_form(engine, workspace)
                _delete_form(engine, workspace)
    return workspace


def _create_form(engine: Engine, first: bool = False) -> None:
    with st.form("workspace.create", clear_on_submit=True, border=first):
        name = st.text_input(_("New workspace"), key="workspace.create.name", placeholder=_("Name"))
        if st.form_submit_button(_("Create workspace")):
            done = attempt(engine, lambda s: workspaces.create_workspace(s, name).id, _("Workspace created."))
            if done:
                st.session_state.pop(WORKSPACE_KEY, None)
                st.query_params["ws"] = str(done.value)
                st.rerun()


def _rename_form(engine: Engine, workspace: Workspace) -> None:
    with st.form("workspace.rename", border=False):
        name = st.text_input(_("Rename workspace"), value=workspace.name, key="workspace.rename.name")
        if st.form_submit_button(_("Rename")):
            if attempt(engine, lambda s: workspaces.rename_workspace(s, workspace.id, name, expected_version=workspace.version),
                       _("Workspace renamed.")):
                st.rerun()


def _delete_form(engine: Engine, workspace: Workspace) -> None:
    with st.form("workspace.delete", clear_on_submit=True, border=False):
        st.caption(_("Deleting a workspace removes everything in it. Type its name to confirm."))
        typed = st.text_input(_("Workspace name"), key="workspace.delete.confirm")
        if st.form_submit_button(_("Delete workspace"), type="primary"):
            if attempt(engine, lambda s: workspaces.delete_workspace(s, workspace.id, confirm_name=typed), _("Workspace deleted."),
                       kind="info"):
                st.session_state.pop(WORKSPACE_KEY, None)
                st.query_params.pop("ws", None)
                st.rerun()
