"""Quick building of a map: add a step in two interactions, add/rename/move/delete
stages, and the undo banner after a delete."""

import json

import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt
from components.fragments import rerun_here
from components.i18n import _
from components.identity import run_actor
from components.labels import unique_labels
from components.step_editor import SELECTED, UNDO
from services import history, journeys
from services.journeys import JourneyMap

ADD_STAGE = "journey.add_step.stage"
ADD_TITLE = "journey.add_step.title"
ADD_CONNECT = "journey.add_step.connect"
REFOCUS = "journey.add_step.refocus"
FOCUS_SCRIPT = """<script>
setTimeout(() => { const field = window.parent.document.querySelector('input[aria-label=' + JSON.stringify(LABEL) + ']')
  || document.querySelector('input[aria-label=' + JSON.stringify(LABEL) + ']'); if (field) field.focus(); }, 50);
</script>"""


def undo_banner(engine: Engine, workspace_id: int) -> None:
    activity_id = st.session_state.get(UNDO)
    if activity_id is None:
        return
    text, undo, dismiss = st.columns([6, 1, 1], vertical_alignment="center")
    text.info(_("Deleted. You can undo this."), icon="🗑️")
    if undo.button(_("Undo"), key="journey.editor.undo.button", type="primary", width="stretch"):
        if attempt(engine, lambda s: history.undo_delete(s, workspace_id, activity_id), _("Restored.")):
            st.session_state[UNDO] = None
            rerun_here()
    if dismiss.button(_("Dismiss"), key="journey.editor.undo.dismiss", width="stretch"):
        st.session_state[UNDO] = None
        rerun_here()


def quick_add_step(engine: Engine, workspace_id: int, journey_map: JourneyMap) -> None:
    """Type a title and press Enter: the step lands at the end of the chosen stage, connected from
    the step before it (unless "connect" is off). The stage and the toggle stay as they were, the
    title field empties and has the keyboard again, so the next step is just typing."""
    if not journey_map.stages:
        return
    if journey_map.journey.structure_locked and run_actor().role_in(workspace_id) not in ("facilitator", "admin"):
        st.info(_("A facilitator has locked this map's structure for the workshop. Votes, comments and captured cards "
                  "still work."), icon="🔒")
        return
    names = unique_labels({stage.id: stage.name for stage in journey_map.stages})
    if st.session_state.get(ADD_STAGE) not in names:
        st.session_state.pop(ADD_STAGE, None)  # a stage deleted meanwhile, or another journey
    title_label = _("New step: what does the customer do?")
    with st.form("journey.add_step", border=True):
        stage, title, add = st.columns([2, 4, 1], vertical_alignment="bottom")
        stage_id = stage.selectbox(_("Stage"), list(names), format_func=names.get, key=ADD_STAGE)
        text = title.text_input(title_label, key=ADD_TITLE)
        added = add.form_submit_button(_("Add step"), type="primary", width="stretch")
        connect = st.toggle(_("Connect from the previous step"), value=True, key=ADD_CONNECT,
                            help=_("Off: the new step stands alone; connect it later on the Branches view."))
    if added:
        created = attempt(engine, lambda s: journeys.add_step(s, workspace_id, stage_id, {"title": text}, connect=connect),
                          _("Step added."))
        if created:
            st.session_state[SELECTED] = created.value.id
            st.session_state.pop(ADD_TITLE, None)  # the field empties; stage and toggle stay
            st.session_state[REFOCUS] = True
            rerun_here()
    if st.session_state.pop(REFOCUS, False):
        # Give the keyboard back to the title field after the rerun (a fixed script; the label is ours, JSON-quoted).
        st.html(FOCUS_SCRIPT.replace("LABEL", json.dumps(title_label)), unsafe_allow_javascript=True)


def stage_tools(engine: Engine, workspace_id: int, journey_map: JourneyMap) -> None:
    with st.form("journey.add_stage", clear_on_submit=True):
        name = st.text_input(_("New stage"), key="journey.add_stage.name")
        if st.form_submit_button(_("Add stage")):
            if attempt(engine, lambda s: journeys.create_stage(s, workspace_id, journey_map.journey.id, {"name": name}),
                    _("Stage added.")):
                rerun_here()
    if not journey_map.stages:
        return
    stages = {stage.id: stage for stage in journey_map.stages}
    stage_labels = unique_labels({stage_id: stage.name for stage_id, stage in stages.items()})
    stage_id = st.selectbox(_("Stage to change"), list(stages), format_func=stage_labels.get, key="journey.stage.id")
    stage = stages[stage_id]
    step_count = int((journey_map.steps["stage_id"] == stage_id).sum())
    with st.form("journey.stage.rename"):
        new_name = st.text_input(_("Stage name"), value=stage.name, key=f"journey.stage.name.{stage_id}")
        if st.form_submit_button(_("Rename stage")):
            if attempt(engine, lambda s: journeys.update_stage(s, workspace_id, stage_id, {"name": new_name},
                                                           expected_version=stage.version), _("Stage renamed.")):
                rerun_here()
    left, right, delete = st.columns(3)
    for column, direction, arrow in ((left, "left", "←"), (right, "right", "→")):
        if column.button(f"{arrow} " + _("Move stage"), key=f"journey.stage.move.{direction}", width="stretch"):
            if attempt(engine, lambda s, d=direction: journeys.move_stage(s, workspace_id, stage_id, d), _("Stage moved.")):
                rerun_here()
    confirm = True
    if step_count:
        confirm = st.checkbox(_("Also delete its {count} steps").format(count=step_count), key=f"journey.stage.confirm.{stage_id}")
    if delete.button(_("Delete stage"), key="journey.stage.delete", width="stretch"):
        if not confirm:
            st.error(_("This stage still holds {count} steps. Move them, or tick the box to delete them too.").format(
                count=step_count), icon="⚠️")
        else:
            activity = attempt(engine, lambda s: history.delete_stage_with_undo(s, workspace_id, stage_id), _("Stage deleted."))
            if activity:
                st.session_state[UNDO] = activity.value
                rerun_here()
