"""Branches: the transitions of a journey as a table, and forms to add, change
and remove them (removal can be undone)."""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt
from components.fragments import rerun_here
from components.i18n import _
from components.labels import unique_labels
from components.step_editor import UNDO
from components.text import md
from services import history, journeys
from services.journeys import BranchWarning, JourneyMap


def branch_warnings(warnings: list[BranchWarning]) -> None:
    """The graph checks, in words a facilitator understands; drop-off notes apart from real problems."""
    problems = [w for w in warnings if not w.is_notice]
    notices = [w for w in warnings if w.is_notice]
    if not problems:
        st.success(_("The branches are consistent: every step is reachable, shares add up, every path ends in an exit."),
                   icon="✅")
    else:
        with st.expander(_("{count} warnings about the branches").format(count=len(problems)),
                         expanded=len(problems) <= 3, icon="⚠️"):
            for warning in problems:
                st.warning(_escaped(warning))
    if notices:
        with st.expander(_("{count} steps where customers leave the journey").format(count=len(notices)), icon="ℹ️"):
            for notice in notices:
                st.info(_escaped(notice))


def _escaped(warning: BranchWarning) -> str:
    """The warning's text with the step titles in it escaped for Markdown."""
    return _(warning.message).format(**{k: md(v) if isinstance(v, str) else v for k, v in warning.params.items()})


def _step_titles(journey_map: JourneyMap) -> dict[int, str]:
    return unique_labels(dict(zip(journey_map.steps["id"], journey_map.steps["title"], strict=True)))


def transitions_table(journey_map: JourneyMap) -> pd.DataFrame:
    titles = _step_titles(journey_map)
    frame = journey_map.transitions
    return pd.DataFrame({
        _("From"): frame["source_step_id"].map(titles), _("To"): frame["target_step_id"].map(titles),
        _("Condition"): frame["label"], _("Share (%)"): frame["share"],
    })


def add_transition_form(engine: Engine, workspace_id: int, journey_map: JourneyMap) -> None:
    titles = _step_titles(journey_map)
    if len(titles) < 2:
        st.caption(_("A branch needs at least two steps."))
        return
    with st.form("branch.add", clear_on_submit=True):
        st.markdown("**" + _("Add a branch") + "**")
        source, target = st.columns(2)
        source_id = source.selectbox(_("From step"), list(titles), format_func=titles.get, key="branch.add.source")
        target_id = target.selectbox(_("To step"), list(titles), format_func=titles.get, key="branch.add.target", index=1)
        condition, share = st.columns([2, 1])
        label = condition.text_input(_("Condition (label)"), key="branch.add.label")
        value = share.number_input(_("Share of customers (%)"), value=None, step=5.0, key="branch.add.share")
        if st.form_submit_button(_("Add branch"), type="primary"):
            action = lambda s: journeys.create_transition(  # noqa: E731
                s, workspace_id, source_id, target_id, {"label": label, "share": value})
            if attempt(engine, action, _("Branch added.")):
                rerun_here()


def edit_transition_form(engine: Engine, workspace_id: int, journey_map: JourneyMap) -> None:
    frame = journey_map.transitions
    if frame.empty:
        return
    titles = _step_titles(journey_map)
    names = unique_labels({row.id: f"{titles.get(row.source_step_id)} → {titles.get(row.target_step_id)}"
                           for row in frame.itertuples()})
    chosen = st.selectbox(_("Branch to change"), list(names), format_func=names.get, key="branch.edit.id")
    row = frame[frame["id"] == chosen].iloc[0]
    with st.form("branch.edit"):
        condition, share = st.columns([2, 1])
        label = condition.text_input(_("Condition (label)"), value=row["label"], key=f"branch.edit.label.{chosen}")
        value = share.number_input(_("Share of customers (%)"), value=None if pd.isna(row["share"]) else float(row["share"]),
                                   step=5.0, key=f"branch.edit.share.{chosen}")
        save, delete = st.columns(2)
        saved = save.form_submit_button(_("Save branch"), type="primary")
        deleted = delete.form_submit_button(_("Remove branch"))
    if saved:
        action = lambda s: journeys.update_transition(  # noqa: E731
            s, workspace_id, chosen, {"label": label, "share": value}, expected_version=int(row["version"]))
        if attempt(engine, action, _("Branch saved.")):
            rerun_here()
    if deleted:
        removed = attempt(engine, lambda s: history.delete_transition_with_undo(s, workspace_id, chosen), _("Branch removed."))
        if removed:
            st.session_state[UNDO] = removed.value
            rerun_here()
