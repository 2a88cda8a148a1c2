"""Import and export: the exchange file, spreadsheets, Mermaid/CJML, the journey poster and the stakeholder report."""

import streamlit as st

from components.i18n import _
from components.import_export_downloads import (
    exchange_downloads,
    journey_downloads,
    poster_section,
    report_section,
    spreadsheet_downloads,
)
from components.import_export_upload import exchange_import, offer_switch, spreadsheet_import
from components.page import open_page
from models.db import read_session
from services import journeys, workspaces

engine, workspace_id = open_page()
with read_session(engine) as session:
    workspace = workspaces.get_workspace(session, workspace_id)
    listing = journeys.list_journeys(session, workspace_id)
journey_names = dict(zip(listing["id"].astype(int), listing["name"], strict=True))

st.title(_("Import / Export"))
st.caption(_("Take the workspace to other systems and people, and bring their data in. Every import is previewed "
             "and written all at once, or not at all."))
offer_switch(engine, workspace_id, workspace.name)

export_tab, import_tab, poster_tab = st.tabs([_("Export"), _("Import"), _("Poster and report")])
with export_tab:
    exchange_downloads(engine, workspace_id, workspace.name, journey_names)
    spreadsheet_downloads(engine, workspace_id, workspace.name)
with import_tab:
    exchange_import(engine, workspace_id, workspace.name)
    st.divider()
    spreadsheet_import(engine, workspace_id)
with poster_tab:
    chosen = journey_downloads(engine, workspace_id, journey_names)
    poster_section(engine, workspace_id, chosen, journey_names)
    st.divider()
    report_section(engine, workspace_id, journey_names)
