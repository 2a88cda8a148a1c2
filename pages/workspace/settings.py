"""Workspace settings: description, channels, a fresh demo workspace; members (admins); accounts and database facts (site admins)."""

import pandas as pd
import streamlit as st

from components.feedback import attempt
from components.i18n import _
from components.identity import run_actor
from components.members import members_panel, new_account_form
from components.page import open_page
from components.workspace import WORKSPACE_KEY
from models.db import read_session
from services import workspaces

engine, workspace_id = open_page()

with read_session(engine) as session:
    workspace = workspaces.get_workspace(session, workspace_id)
    workspace_channels = workspaces.list_channels(session, workspace_id)

st.title(_("Settings"))

st.subheader(_("Workspace"), anchor=False)
with st.form("settings.workspace"):
    description = st.text_area(_("Description"), value=workspace.description, key="settings.description")
    if st.form_submit_button(_("Save description")):
        if attempt(engine, lambda s: workspaces.update_description(s, workspace_id, description, expected_version=workspace.version),
                   _("Saved.")):
            st.rerun()

st.subheader(_("Channels"), anchor=False)
st.caption(_("The channels personas, touchpoints and content refer to. Extend the list as you need."))
st.dataframe(
    pd.DataFrame([{"name": c.name, "online": c.is_online, "category": c.category} for c in workspace_channels]),
    hide_index=True, width="stretch",
    column_config={
        "name": st.column_config.TextColumn(_("Channel")),
        "online": st.column_config.CheckboxColumn(_("Online")),
        "category": st.column_config.TextColumn(_("Category")),
    },
)
add, remove = st.columns(2)
with add, st.form("settings.channel.add", clear_on_submit=True):
    name = st.text_input(_("New channel"), key="settings.channel.name")
    online = st.checkbox(_("Online"), value=True, key="settings.channel.online")
    if st.form_submit_button(_("Add channel")):
        if attempt(engine, lambda s: workspaces.create_channel(s, workspace_id, {"name": name, "is_online": online}), _("Channel added.")):
            st.rerun()
with remove, st.form("settings.channel.remove"):
    by_id = {c.id: c.name for c in workspace_channels}
    doomed = st.selectbox(_("Remove channel"), options=list(by_id), format_func=by_id.get, key="settings.channel.doomed")
    sure = st.checkbox(_("Yes, remove it: personas and content lose this channel, touchpoints keep no channel."),
                       key="settings.channel.sure")
    if st.form_submit_button(_("Remove channel")):
        if not sure:
            st.error(_("Tick the box to confirm."))
        else:
            if attempt(engine, lambda s: workspaces.delete_channel(s, workspace_id, doomed), _("Channel removed."), kind="info"):
                st.rerun()

st.subheader(_("Demo workspace"), anchor=False)
st.caption(_("Load the demo (family summer holiday, online shop, complaint via call centre) into a new workspace."))
if st.button(_("Load demo workspace"), key="settings.load_demo"):
    with st.status(_("Loading the demo workspace …"), expanded=False) as status:
        loaded = attempt(engine, lambda s: workspaces.load_demo_workspace(s).id, _("Demo workspace loaded."))
        status.update(label=_("Demo workspace loaded.") if loaded else _("Nothing was imported."), state="complete" if loaded else "error")
    if loaded:
        st.session_state.pop(WORKSPACE_KEY, None)
        st.query_params["ws"] = str(loaded.value)
        st.rerun()

actor = run_actor()
if actor.role_in(workspace_id) == "admin":
    st.subheader(_("Members"), anchor=False)
    members_panel(engine, workspace_id)
if actor.site_admin:
    st.subheader(_("Accounts"), anchor=False)
    new_account_form(engine)
    st.subheader(_("Database"), anchor=False)
    st.code(engine.url.render_as_string(hide_password=True), language=None)
