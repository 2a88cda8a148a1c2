"""Journey Workbench — entry point: page config, database start-up, the shared
sidebar (workspace, language) and the navigation. Pages live in ``pages/``."""

import streamlit as st

from components.auth import keep_cookie, require_account, sign_out
from components.db import get_engine
from components.feedback import show_flash
from components.i18n import _, language_switch
from components.identity import role_in
from components.text import md
from components.workspace import workspace_switcher

st.set_page_config(page_title="Journey Workbench", page_icon="🧭", layout="wide")

engine = get_engine()
language_switch()
account = require_account(engine)
keep_cookie()
st.sidebar.caption(_("Signed in as {name}").format(name=md(account.display_name)))
if st.sidebar.button(_("Sign out"), key="auth.sign_out", icon=":material/logout:"):
    sign_out(engine)
    st.rerun()
workspace = workspace_switcher(engine, account)

if workspace is None:  # no workspace (yet): the switcher shows the create form
    st.info(_("Create a workspace to begin."))
    st.stop()

if role_in(workspace.id) == "viewer":
    st.sidebar.info(_("You are a viewer here: read, charts and exports. Changes are not saved."), icon="👁️")

if account.guest_link_id is not None:  # a workshop guest sees the workshop of its journey, nothing else
    navigation = st.navigation([st.Page("pages/map/workshop.py", title=_("Workshop"), icon="🧑‍🤝‍🧑", default=True)])
    show_flash()
    navigation.run()
    st.stop()

pages = {
    _("Workbench"): [
        st.Page("pages/workbench/overview.py", title=_("Overview"), icon="🏠", default=True),
        st.Page("pages/workbench/dashboard.py", title=_("Dashboard"), icon="📋"),
    ],
    _("Map"): [
        st.Page("pages/map/personas.py", title=_("Personas"), icon="👥"),
        st.Page("pages/map/journeys.py", title=_("Journeys"), icon="🗺️"),
        st.Page("pages/map/journey_editor.py", title=_("Journey map"), icon="🧭"),
        st.Page("pages/map/workshop.py", title=_("Workshop"), icon="🧑‍🤝‍🧑"),
        st.Page("pages/map/touchpoints.py", title=_("Touchpoints"), icon="📍"),
        st.Page("pages/map/content.py", title=_("Content"), icon="📰"),
    ],
    _("Analyse"): [
        st.Page("pages/analyse/touchpoint_analysis.py", title=_("Touchpoint analysis"), icon="📊"),
        st.Page("pages/analyse/flows.py", title=_("Flow and drop-off"), icon="🔀"),
        st.Page("pages/analyse/planned_vs_actual.py", title=_("Planned vs actual"), icon="🧾"),
        st.Page("pages/analyse/emotions.py", title=_("Emotion curves"), icon="📈"),
        st.Page("pages/analyse/kano.py", title=_("Kano"), icon="🎯"),
        st.Page("pages/analyse/metrics.py", title=_("Metrics"), icon="📏"),
        st.Page("pages/analyse/opportunities.py", title=_("Opportunity portfolio"), icon="💡"),
    ],
    _("Workspace"): [
        st.Page("pages/workspace/history.py", title=_("History"), icon="🕘"),
        st.Page("pages/workspace/settings.py", title=_("Settings"), icon="⚙️"),
        st.Page("pages/workspace/import_export.py", title=_("Import / Export"), icon="🔁"),
    ],
}

navigation = st.navigation(pages)
show_flash()
navigation.run()
