"""Quick building of a map: add a step in two interactions, add/rename/move/delete
stages, and the undo banner after a delete."""

import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt
from components.fragments import rerun_here
from components.i18n import _
from components.labels import unique_labels
from components.step_editor import SELECTED, UNDO
from services import history, journeys
from services.journeys import JourneyMap

LAST_STAGE = "journey.editor.last_stage"


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
    """Type a title and press Enter: the step lands at the end of the chosen stage."""
    if not journey_map.stages:
        return
    names = unique_labels({stage.id: stage.name for stage in journey_map.stages})
    default = st.session_state.get(LAST_STAGE)
    index = list(names).index(default) if default in names else 0
    with st.form("journey.add_step", clear_on_submit=True, border=True):
        stage, title, add = st.columns([2, 4, 1], vertical_alignment="bottom")
        stage_id = stage.selectbox(_("Stage"), list(names), format_func=names.get, index=index, key="journey.add_step.stage")
        text = title.text_input(_("New step: what does the customer do?"), key="journey.add_step.title")
        if add.form_submit_button(_("Add step"), type="primary", width="stretch"):
            st.session_state[LAST_STAGE] = stage_id
            created = attempt(engine, lambda s: journeys.create_step(s, workspace_id, stage_id, {"title": text}),
                              _("Step added."))
            if created:
                st.session_state[SELECTED] = created.value.id
                rerun_here()


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
