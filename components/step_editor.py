"""Editing one step in place: its fields, per-persona emotions, pain points,
opportunities and touchpoints; moving it; deleting it (with undo).

The form's widgets use fixed keys (``step.form.<field>``) filled by
:func:`select_step`, so the page, the graph click and the tests all address
the same widgets.
"""

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt, clear_field_errors, field_errors, show_field_error
from components.fragments import rerun_here
from components.i18n import N_, _
from components.identity import run_actor
from components.labels import label, translated, unique_labels
from components.text import md
from models.db import read_session
from services import audit, history, journeys, touchpoints
from services.core import plain_value, three_way_merge
from services.core.labels import EXIT_KINDS
from services.journeys import JourneyMap

FORM = "step.form"
SELECTED = "journey.editor.step_id"
UNDO = "journey.editor.undo"
CONFLICT = "step.conflict"
CONFIRM_DELETE = "step.delete.confirm"
BASE = "step.form.base"
TO_CHECK = "step.form.to_check"  # fields a merge filled with both people's words: the user checks them
LOADED_FOR = "step.form.loaded_for"  # the step (and version) the form's widgets were filled from
TEXT_FIELDS = ("title", "doing", "thinking", "feeling", "needs", "owner_department", "backstage")
FLAGS = ("is_moment_of_truth", "is_entry", "is_exit")
STEP_FIELDS: dict[str, str] = {
    "title": N_("What the customer does (step)"),
    "doing": N_("Doing (details)"),
    "thinking": N_("Thinking"),
    "feeling": N_("Feeling"),
    "emotion": N_("Emotion (−3 … +3)"),
    "needs": N_("Needs"),
    "owner_department": N_("Owner department"),
    "backstage": N_("Backstage"),
    "is_moment_of_truth": N_("Moment of truth"),
    "is_entry": N_("Entry point"),
    "entry_share": N_("Share entering here (%)"),
    "is_exit": N_("Exit"),
    "exit_kind": N_("Kind of exit"),
}
MERGE_FIELDS = (*TEXT_FIELDS, *FLAGS, "emotion", "entry_share", "exit_kind")
MERGE_STATES = {"theirs": N_("theirs (only they changed it)"), "mine": N_("yours (only you changed it)"),
                "same": N_("both made the same change"), "conflict": N_("both changed it: check the merged text")}


def in_form(engine: Engine, action, success: str):  # type: ignore[no-untyped-def]
    """A unit of work whose errors show at the top of the step form."""
    return attempt(engine, action, success, form=FORM)


def key(field: str) -> str:
    return f"{FORM}.{field}"


def select_step(journey_map: JourneyMap, step_id: int | None) -> None:
    """Make ``step_id`` the step being edited and fill the form from the database's values."""
    st.session_state[SELECTED] = step_id
    st.session_state[LOADED_FOR] = step_id
    st.session_state.pop(TO_CHECK, None)
    clear_field_errors(FORM)
    rows = journey_map.steps[journey_map.steps["id"] == step_id]
    if rows.empty:
        return
    step = rows.iloc[0]
    for field in TEXT_FIELDS:
        st.session_state[key(field)] = step[field] or ""
    for field in FLAGS:
        st.session_state[key(field)] = bool(step[field])
    st.session_state[key("emotion")] = int(step["emotion"])
    st.session_state[key("entry_share")] = None if pd.isna(step["entry_share"]) else float(step["entry_share"])
    st.session_state[key("exit_kind")] = step["exit_kind"] or ""
    st.session_state[key("version")] = int(step["version"])
    st.session_state[BASE] = _form_values()  # what this person starts from: the base of a three-way merge
    emotions = journey_map.persona_emotions
    for persona in journey_map.personas:
        match = emotions[(emotions["step_id"] == step_id) & (emotions["persona_id"] == persona.id)]
        st.session_state[key(f"persona.{persona.id}")] = None if match.empty else int(match.iloc[0]["emotion"])


def _form_values() -> dict[str, Any]:
    return {field: st.session_state.get(key(field)) for field in MERGE_FIELDS}


def _fill_form(values: dict[str, Any]) -> None:
    for field, value in values.items():
        plain = plain_value(value)
        st.session_state[key(field)] = ("" if plain is None else plain) if field in TEXT_FIELDS + ("exit_kind",) else plain


def step_editor(engine: Engine, workspace_id: int, journey_map: JourneyMap, catalogue: pd.DataFrame) -> None:
    steps = journey_map.steps
    if steps.empty:
        st.caption(_("Add a step to edit it here."))
        return
    options = steps["id"].tolist()
    stage_names = {stage.id: stage.name for stage in journey_map.stages}
    titles = unique_labels({row.id: f"{stage_names.get(row.stage_id, '')} › {row.title}" for row in steps.itertuples()})
    if st.session_state.get(SELECTED) not in options:
        select_step(journey_map, options[0])
    elif st.session_state.get(LOADED_FOR) != st.session_state[SELECTED]:
        select_step(journey_map, st.session_state[SELECTED])  # chosen elsewhere (a new step): load its values
    # Chosen elsewhere (graph click, a new step): the picker is told through its state, which the browser follows
    # (a changed ``index`` alone would not move a picker the browser already shows).
    st.session_state[SELECTED + ".picker"] = st.session_state[SELECTED]
    st.selectbox(_("Step to edit"), options, format_func=titles.get, key=SELECTED + ".picker",
                 on_change=lambda: select_step(journey_map, st.session_state[SELECTED + ".picker"]))
    step_id = st.session_state[SELECTED]
    for text in field_errors(FORM).values():
        st.error(text, icon="⚠️")
    _move_and_delete(engine, workspace_id, journey_map, step_id)
    if not _conflict_panel(engine, workspace_id, journey_map, step_id):
        _fields_form(engine, workspace_id, journey_map, step_id)
    pains, opportunities, links = st.tabs([_("Pain points"), _("Opportunities"), _("Touchpoints")])
    with pains:
        _pain_points(engine, workspace_id, journey_map, step_id)
    with opportunities:
        _opportunities(engine, workspace_id, journey_map, step_id)
    with links:
        _touchpoints(engine, workspace_id, journey_map, step_id, catalogue)


def _move_and_delete(engine: Engine, workspace_id: int, journey_map: JourneyMap, step_id: int) -> None:
    columns = st.columns(5)
    moves = (("left", "←", N_("Move to the previous stage")), ("right", "→", N_("Move to the next stage")),
             ("up", "↑", N_("Move up")), ("down", "↓", N_("Move down")))
    for column, (direction, arrow, help_text) in zip(columns, moves, strict=False):
        if column.button(arrow, key=f"step.move.{direction}", help=_(help_text), width="stretch"):
            if in_form(engine, lambda s, d=direction: journeys.move_step(s, workspace_id, step_id, d), _("Step moved.")):
                rerun_here()
    confirming = st.session_state.get(CONFIRM_DELETE)
    if columns[4].button(":material/delete:", key="step.delete", help=_("Delete step"), width="stretch"):
        with read_session(engine) as session:
            other = audit.recently_edited_by_other(session, workspace_id, "step", step_id, run_actor().name)
        if other:  # someone is working on this card right now: ask first
            st.session_state[CONFIRM_DELETE] = {"step_id": step_id, "other": other}
            rerun_here()
        _delete(engine, workspace_id, step_id)
    if confirming and confirming["step_id"] == step_id:
        st.warning(_("{name} changed this step a moment ago. Delete it anyway?").format(name=md(confirming["other"])))
        yes, no = st.columns(2)
        if yes.button(_("Delete anyway"), key="step.delete.anyway", type="primary", width="stretch"):
            st.session_state.pop(CONFIRM_DELETE, None)
            _delete(engine, workspace_id, step_id)
        if no.button(_("Keep it"), key="step.delete.keep", width="stretch"):
            st.session_state.pop(CONFIRM_DELETE, None)
            rerun_here()


def _delete(engine: Engine, workspace_id: int, step_id: int) -> None:
    """Delete the step into the undo buffer (it can be restored from the banner or the trash)."""
    deleted = in_form(engine, lambda s: history.delete_step_with_undo(s, workspace_id, step_id), _("Step deleted."))
    if deleted:
        st.session_state[UNDO] = deleted.value
        st.session_state[SELECTED] = None
        rerun_here()


def _fields_form(engine: Engine, workspace_id: int, journey_map: JourneyMap, step_id: int) -> None:
    exit_labels = translated(EXIT_KINDS)
    to_check = st.session_state.get(TO_CHECK)
    if to_check:
        st.info(_("Merged. Both of you changed: {fields}. These fields hold both versions; check them, then save.")
                .format(fields=", ".join(label(STEP_FIELDS, f) for f in to_check)), icon="🔀")
    elif to_check is not None:
        st.info(_("Merged: their changes and yours are in the form. Save to keep them."), icon="🔀")
    with st.form(FORM):
        st.text_input(label(STEP_FIELDS, "title"), key=key("title"))
        show_field_error(FORM, "title")
        left, right = st.columns(2)
        with left:
            st.text_area(label(STEP_FIELDS, "doing"), key=key("doing"), height=80)
            st.text_area(label(STEP_FIELDS, "thinking"), key=key("thinking"), height=80)
            st.text_area(label(STEP_FIELDS, "feeling"), key=key("feeling"), height=80)
            st.slider(label(STEP_FIELDS, "emotion"), min_value=-3, max_value=3, key=key("emotion"))
            for persona in journey_map.personas:
                st.number_input(_("Emotion for {persona} (empty: as above)").format(persona=persona.name),
                                min_value=-3, max_value=3, step=1, value=None, key=key(f"persona.{persona.id}"))
        with right:
            st.text_area(label(STEP_FIELDS, "needs"), key=key("needs"), height=80)
            st.text_input(label(STEP_FIELDS, "owner_department"), key=key("owner_department"))
            st.text_area(label(STEP_FIELDS, "backstage"), key=key("backstage"), height=80)
            st.checkbox(label(STEP_FIELDS, "is_moment_of_truth"), key=key("is_moment_of_truth"))
            entry, share = st.columns(2)
            entry.checkbox(label(STEP_FIELDS, "is_entry"), key=key("is_entry"))
            share.number_input(label(STEP_FIELDS, "entry_share"), value=None, step=5.0, key=key("entry_share"))
            show_field_error(FORM, "entry_share")
            leave, kind = st.columns(2)
            leave.checkbox(label(STEP_FIELDS, "is_exit"), key=key("is_exit"))
            kind.selectbox(label(STEP_FIELDS, "exit_kind"), list(EXIT_KINDS), format_func=exit_labels.get, key=key("exit_kind"))
        saved = st.form_submit_button(_("Save step"), type="primary", key=key("save"))
    if saved:
        changes: dict[str, Any] = _form_values()

        def save(session) -> None:  # type: ignore[no-untyped-def]
            journeys.update_step(session, workspace_id, step_id, changes, expected_version=st.session_state.get(key("version")))
            for persona in journey_map.personas:
                journeys.set_persona_emotion(session, workspace_id, step_id, persona.id,
                                             st.session_state.get(key(f"persona.{persona.id}")))

        def conflict(_err: Exception) -> None:
            with read_session(engine) as session:
                info = audit.conflict_details(session, workspace_id, "step", step_id,
                                                 int(st.session_state.get(key("version")) or 0))
            st.session_state[CONFLICT] = {"step_id": step_id, "mine": changes, "base": st.session_state.get(BASE) or changes,
                                          "who": ", ".join(a for a in info.actors if a)}

        if attempt(engine, save, _("Step saved."), form=FORM, on_conflict=conflict):
            st.session_state[LOADED_FOR] = None  # reload the saved values and their new version
            st.session_state.pop(TO_CHECK, None)
            rerun_here()
        if st.session_state.get(CONFLICT):
            rerun_here()


def _conflict_panel(engine: Engine, workspace_id: int, journey_map: JourneyMap, step_id: int) -> bool:
    """Someone saved this step after the form was filled: a three-way merge, field by field, of
    the version this person started from, theirs and mine. The safe action (primary) loads the
    merged version into the form to check and save; nothing is discarded without being shown."""
    pending = st.session_state.get(CONFLICT)
    if not pending or pending["step_id"] != step_id:
        return False
    rows = journey_map.steps[journey_map.steps["id"] == step_id]
    if rows.empty:  # deleted meanwhile: the form goes with it (the trash can bring it back)
        st.session_state.pop(CONFLICT, None)
        return False
    theirs_row = rows.iloc[0]
    theirs = {field: theirs_row[field] for field in MERGE_FIELDS}
    merged = three_way_merge(pending["base"], theirs, pending["mine"], fields=MERGE_FIELDS)
    shown = [m for m in merged if m.state != "unchanged"]
    states = translated(MERGE_STATES)
    with st.container(border=True):
        who = pending.get("who")
        st.warning(_("{who} saved this step while you were editing it. Both versions are merged below.").format(who=md(who))
                   if who else _("Someone else saved this step while you were editing it. Both versions are merged below."),
                   icon="⚠️")
        st.table(pd.DataFrame({
            _("Field"): [label(STEP_FIELDS, m.field) for m in shown],
            _("You started from"): [_shown(m.base) for m in shown],
            _("Their version"): [_shown(m.theirs) for m in shown],
            _("Your version"): [_shown(m.mine) for m in shown],
            _("Merged"): [_shown(m.merged) for m in shown],
            _("Why"): [states[m.state] for m in shown],
        }))
        version = int(theirs_row["version"])
        use, keep, overwrite = st.columns([3, 2, 2])
        if use.button(_("Check and save the merged version"), key="step.conflict.merge", type="primary", width="stretch"):
            st.session_state.pop(CONFLICT, None)
            select_step(journey_map, step_id)  # their values, their version (and the new base) …
            _fill_form({m.field: m.merged for m in merged})  # … with the merge on top, to check and save
            st.session_state[TO_CHECK] = [m.field for m in merged if m.conflict]
            rerun_here()
        if keep.button(_("Keep theirs, drop my changes"), key="step.conflict.theirs", width="stretch"):
            st.session_state.pop(CONFLICT, None)
            select_step(journey_map, step_id)
            rerun_here()
        if overwrite.button(_("Overwrite theirs with mine"), key="step.conflict.mine", width="stretch"):
            mine = pending["mine"]
            if in_form(engine, lambda s: journeys.update_step(s, workspace_id, step_id, mine, expected_version=version),
                       _("Step saved.")):
                st.session_state.pop(CONFLICT, None)
                st.session_state[LOADED_FOR] = None
                rerun_here()
    return True


def _shown(value: Any) -> str:
    value = plain_value(value)
    if isinstance(value, bool):
        return "✓" if value else "–"
    return "" if value is None else str(value)


def _item_list(frame: pd.DataFrame, step_id: int, describe, delete_key: str, on_delete) -> None:  # type: ignore[no-untyped-def]
    items = frame[frame["step_id"] == step_id] if not frame.empty else frame
    for row in items.itertuples():
        text, remove = st.columns([6, 1], vertical_alignment="center")
        text.markdown(describe(row))
        if remove.button(":material/close:", key=f"{delete_key}.{row.id}", help=_("Remove")):
            on_delete(row.id)


def _pain_points(engine: Engine, workspace_id: int, journey_map: JourneyMap, step_id: int) -> None:
    def remove(item_id: int) -> None:
        if in_form(engine, lambda s: journeys.delete_pain_point(s, workspace_id, item_id), _("Pain point removed.")):
            rerun_here()

    _item_list(journey_map.pain_points, step_id, lambda r: f"{md(r.text)} · **{r.severity}/5**", "step.pain.delete", remove)
    with st.form("step.pain.add", clear_on_submit=True):
        text = st.text_input(_("New pain point"), key="step.pain.text")
        severity = st.slider(_("Severity"), 1, 5, 3, key="step.pain.severity")
        if st.form_submit_button(_("Add pain point")):
            if in_form(engine, lambda s: journeys.create_pain_point(s, workspace_id, step_id, {"text": text, "severity": severity}),
                      _("Pain point added.")):
                rerun_here()


def _opportunities(engine: Engine, workspace_id: int, journey_map: JourneyMap, step_id: int) -> None:
    def remove(item_id: int) -> None:
        if in_form(engine, lambda s: journeys.delete_opportunity(s, workspace_id, item_id), _("Opportunity removed.")):
            rerun_here()

    _item_list(journey_map.opportunities, step_id,
               lambda r: md(r.text) + " · " + _("value {customer}/{business} · effort {effort}").format(
                   customer=r.customer_value, business=r.business_value, effort=r.effort),
               "step.opportunity.delete", remove)
    with st.form("step.opportunity.add", clear_on_submit=True):
        text = st.text_input(_("New opportunity"), key="step.opportunity.text")
        customer, business, effort = st.columns(3)
        values = {
            "customer_value": customer.slider(_("Customer value"), 1, 5, 3, key="step.opportunity.customer_value"),
            "business_value": business.slider(_("Business value"), 1, 5, 3, key="step.opportunity.business_value"),
            "effort": effort.slider(_("Effort"), 1, 5, 3, key="step.opportunity.effort"),
        }
        if st.form_submit_button(_("Add opportunity")):
            if in_form(engine, lambda s: journeys.create_opportunity(s, workspace_id, step_id, {"text": text, **values}),
                      _("Opportunity added.")):
                rerun_here()


def _touchpoints(engine: Engine, workspace_id: int, journey_map: JourneyMap, step_id: int, catalogue: pd.DataFrame) -> None:
    def detach(link_id: int) -> None:
        if in_form(engine, lambda s: touchpoints.detach_touchpoint(s, workspace_id, link_id), _("Touchpoint detached.")):
            rerun_here()

    def describe(row) -> str:  # type: ignore[no-untyped-def]
        ratings = " · ".join(part for part in (
            _("importance {value}").format(value=f"{row.importance:g}") if pd.notna(row.importance) else "",
            _("satisfaction {value}").format(value=f"{row.satisfaction:g}") if pd.notna(row.satisfaction) else "") if part)
        return f"**{md(row.touchpoint_name)}** ({md(row.channel_name)}) {ratings}"

    _item_list(journey_map.step_touchpoints, step_id, describe, "step.touchpoint.detach", detach)
    if catalogue.empty:
        st.caption(_("The touchpoint catalogue is empty."))
        return
    names = dict(zip(catalogue["id"], catalogue["name"], strict=True))
    with st.form("step.touchpoint.attach", clear_on_submit=True):
        touchpoint_id = st.selectbox(_("Touchpoint"), list(names), format_func=names.get, key="step.touchpoint.id")
        importance, satisfaction = st.columns(2)
        data = {
            "importance": importance.slider(_("Importance (1–5)"), 1, 5, 3, key="step.touchpoint.importance"),
            "satisfaction": satisfaction.slider(_("Satisfaction (1–5)"), 1, 5, 3, key="step.touchpoint.satisfaction"),
            "is_decisive": st.checkbox(_("Decisive for the purchase"), key="step.touchpoint.decisive"),
            "leads_to_abort": st.checkbox(_("Leads to abort"), key="step.touchpoint.abort"),
        }
        if st.form_submit_button(_("Attach touchpoint")):
            if in_form(engine, lambda s: touchpoints.attach_touchpoint(s, workspace_id, step_id, touchpoint_id, data),
                      _("Touchpoint attached.")):
                rerun_here()
