"""Opportunity portfolio: every opportunity of a journey (or the workspace) in one table and one value–effort matrix."""

import streamlit as st

from components.cache import snapshot
from components.charts import chart_panel
from components.i18n import _
from components.labels import translated
from components.metric_labels import OPPORTUNITY_STATUS_LABELS
from components.opportunity_charts import opportunity_matrix_figure
from components.opportunity_tables import PORTFOLIO, portfolio_editor
from components.page import journey_names_in, open_page
from models.journey import OPPORTUNITY_STATUSES
from services import journeys

engine, workspace_id = open_page()
view = snapshot(engine, workspace_id)  # the reads and the matrix below: once per change of the workspace (and filter)

st.title(_("Opportunity portfolio"))
st.caption(_("Opportunities from every step, scored by customer value, business value and effort: quick wins sit top "
             "left. Bubble size: votes; colour and shape: status."))

journey_names = view.data(journey_names_in)
scopes = {0: _("All journeys"), **journey_names}
left, right = st.columns([2, 3])
scope = left.selectbox(_("Journey"), list(scopes), format_func=scopes.get, key="opportunity.journey")
statuses = right.multiselect(_("Status"), OPPORTUNITY_STATUSES, format_func=translated(OPPORTUNITY_STATUS_LABELS).get,
                             key="opportunity.status", placeholder=_("All statuses"))

portfolio = view.data(journeys.portfolio, scope or None)
shown = portfolio[portfolio["status"].isin(statuses)] if statuses else portfolio

if portfolio.empty:
    st.info(_("No opportunities yet. Add them to the steps of a journey map."))
    st.page_link("pages/map/journey_editor.py", label=_("Open the journey map"), icon="🧭")
    st.stop()

counts = journeys.status_counts(portfolio)
labels = translated(OPPORTUNITY_STATUS_LABELS)
for column, status in zip(st.columns(len(counts)), counts, strict=True):
    column.metric(labels[status], counts[status], border=True)

if shown.empty:
    st.info(_("No opportunity has the chosen status."))
    st.stop()

title = _("Opportunity matrix") + (f" · {journey_names[scope]}" if scope else "")
matrix = view.figure(opportunity_matrix_figure, shown, title, inputs=(scope, tuple(statuses)))
chart_panel(matrix, shown.assign(status=shown["status"].map(labels)),
            key="opportunity.matrix", filename="opportunity-matrix")
st.caption(_("Points that share a score are spread slightly so each stays visible; hover for the exact scores."))

st.subheader(_("Scores"), anchor=False)
portfolio_editor(engine, workspace_id, shown, owner=f"{PORTFOLIO}.{scope}" + (f".{'-'.join(statuses)}" if statuses else ""))
