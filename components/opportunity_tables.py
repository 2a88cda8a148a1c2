"""The opportunity portfolio as an editable table: scores and status, saved in one transaction.

An ``st.data_editor`` inside a form; like the touchpoint tables it pins the rows (id and version)
it first showed, so an opportunity someone else adds meanwhile cannot shift the user's edits onto
the wrong row, and one someone else changed is reported as a conflict.
"""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.i18n import N_, _
from components.labels import translated
from components.metric_labels import OPPORTUNITY_STATUS_LABELS
from components.table_editing import editor_key, pinned, save_table
from models.journey import OPPORTUNITY_STATUSES
from services import journeys
from services.core import table_changes

PORTFOLIO = "opportunity.portfolio"
# How a refused row names the field (the step editor's labels).
OPPORTUNITY_FIELDS: dict[str, str] = {
    "customer_value": N_("Customer value"), "business_value": N_("Business value"), "effort": N_("Effort"),
    "status": N_("Status"),
}


def portfolio_editor(engine: Engine, workspace_id: int, portfolio: pd.DataFrame, owner: str) -> None:
    """Edit customer value, business value, effort (1–5) and status; the rest is read-only here."""
    key = editor_key(owner)
    shown = pinned(portfolio, key)
    score = {"min_value": 1, "max_value": 5, "step": 1, "required": True}
    with st.form(f"{PORTFOLIO}.form", border=False):
        edited = st.data_editor(
            shown, key=key, hide_index=True, width="stretch", num_rows="fixed",
            column_order=("text", "customer_value", "business_value", "effort", "status", "votes", "value", "priority",
                          "journey", "step", "pain_points"),
            disabled=("journey", "step", "text", "votes", "value", "priority", "pain_points"),
            column_config={
                "journey": st.column_config.TextColumn(_("Journey")),
                "step": st.column_config.TextColumn(_("Step")),
                "text": st.column_config.TextColumn(_("Opportunity"), width="medium", pinned=True),
                "customer_value": st.column_config.NumberColumn(_("Customer value (1–5)"), **score),
                "business_value": st.column_config.NumberColumn(_("Business value (1–5)"), **score),
                "effort": st.column_config.NumberColumn(_("Effort (1–5)"), **score),
                "status": st.column_config.SelectboxColumn(
                    _("Status"), options=OPPORTUNITY_STATUSES, required=True,
                    format_func=translated(OPPORTUNITY_STATUS_LABELS).get,
                ),
                "votes": st.column_config.NumberColumn(_("Votes")),
                "value": st.column_config.NumberColumn(_("Value (2–10)"), help=_("Customer value + business value.")),
                "priority": st.column_config.NumberColumn(_("Value per effort"), format="%.2f"),
                "pain_points": st.column_config.TextColumn(_("Pain points addressed"), width="large"),
            },
        )
        saved = st.form_submit_button(_("Save scores"), type="primary", key=f"{PORTFOLIO}.save")
    if not saved:
        return
    changes = table_changes(shown, edited, journeys.SCORE_FIELDS, label="text")
    save_table(engine, owner, lambda s: journeys.save_portfolio(s, workspace_id, changes),
               anything=bool(changes), fields=OPPORTUNITY_FIELDS)
