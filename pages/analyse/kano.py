"""Kano: survey answers per feature, classified with the standard evaluation table, and the better/worse chart."""

import streamlit as st

from components.analysis_charts import kano_scatter_figure
from components.charts import chart_panel
from components.i18n import _
from components.kano_labels import KANO_CATEGORIES
from components.kano_tables import answer_editor, csv_import, delete_item, item_form, stored_answers
from components.labels import translated
from components.page import open_page
from models.db import read_session
from services import journeys, kano

engine, workspace_id = open_page()

st.title(_("Kano"))
st.caption(_("Each respondent answers two questions per feature: how do you feel if it is there (functional), and if "
             "it is missing (dysfunctional)? The pair gives the category; the majority decides (ties: must-be before "
             "one-dimensional before attractive before indifferent)."))

with read_session(engine) as session:
    evaluation = kano.evaluate(session, workspace_id)
    journey_names = {int(i): n for i, n in journeys.list_journeys(session, workspace_id)[["id", "name"]].itertuples(index=False)}
items = {int(i): name for i, name in zip(evaluation["item_id"], evaluation["item"], strict=True)}

results, enter, upload, features = st.tabs([_("Evaluation"), _("Enter answers"), _("Import CSV"), _("Features")])
with results:
    if evaluation["answers"].sum() == 0:
        st.info(_("No answers yet. Enter them in a table or import a CSV file."))
    else:
        st.caption(_("Better: share of attractive and one-dimensional answers (satisfaction when the feature is there). "
                     "Worse: share of one-dimensional and must-be answers (dissatisfaction when it is missing)."))
        chart_panel(kano_scatter_figure(evaluation, _("Kano: satisfaction and dissatisfaction coefficients")),
                    evaluation, key="kano.scatter", filename="kano-better-worse")
        st.dataframe(
            evaluation.assign(category=evaluation["category"].map(translated(KANO_CATEGORIES)),
                              journey=evaluation["journey_id"].map(journey_names)),
            hide_index=True, width="stretch",
            column_order=("item", "journey", "category", "answers", "A", "O", "M", "I", "R", "Q", "better", "worse"),
            column_config={
                "item": st.column_config.TextColumn(_("Feature"), width="large"),
                "journey": _("Journey"), "category": _("Category"), "answers": _("Answers"),
                **{code: st.column_config.NumberColumn(code, help=_(KANO_CATEGORIES[code])) for code in kano.CATEGORIES},
                "better": st.column_config.NumberColumn(_("Better"), format="%.2f"),
                "worse": st.column_config.NumberColumn(_("Worse"), format="%.2f"),
            },
        )

with enter:
    if not items:
        st.info(_("Add a feature first (Features tab), or import a CSV file."))
    else:
        item_id = st.selectbox(_("Feature"), list(items), format_func=items.get, key="kano.answers.item")
        answer_editor(engine, workspace_id, item_id)
        st.subheader(_("Stored answers"), anchor=False)
        stored_answers(engine, workspace_id, item_id)

with upload:
    csv_import(engine, workspace_id)

with features:
    item_form(engine, workspace_id, journey_names)
    delete_item(engine, workspace_id, items)
