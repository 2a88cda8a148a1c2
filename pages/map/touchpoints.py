"""Touchpoints: the catalogue (filters, table editing, form), where each one is used, and its evaluation per step."""

import streamlit as st

from components.cache import snapshot
from components.comments import comment_thread
from components.feedback import show_field_error
from components.i18n import _
from components.labels import translated
from components.page import journey_names_in, open_page
from components.text import md
from components.touchpoint_forms import (
    ATTACH,
    EDITING,
    attach_form,
    close_form,
    delete_confirmation,
    new_channel_popover,
    open_form,
    touchpoint_form,
)
from components.touchpoint_labels import DIRECT_FILTER, ONLINE_FILTER
from components.touchpoint_tables import CATALOGUE, catalogue_editor, evaluation_editor, reset_editor
from services import touchpoints, workspaces
from services.touchpoints import CatalogueFilter

engine, workspace_id = open_page()
view = snapshot(engine, workspace_id)  # the reads below: once per change of the workspace (and filter)
SELECTED = "touchpoint.selected"
DELETING = "touchpoint.deleting"

st.title(_("Touchpoints"))
st.caption(_("Every place where customers meet the company. Direct touchpoints the company controls; indirect ones "
             "(reviews, forums, press, social comments) it can only watch and answer."))

channel_list = view.data(workspaces.list_channels)
channel_names = {c.id: c.name for c in channel_list}
channel_online = {c.id: c.is_online for c in channel_list}
all_departments = view.data(touchpoints.departments)
journey_names = view.data(journey_names_in)

on_change = {"on_change": reset_editor, "args": (CATALOGUE,)}  # new filters: the table starts afresh
channel_col, direct_col, online_col, department_col, journey_col = st.columns([2, 2, 2, 2, 2])
chosen_channels = channel_col.multiselect(_("Channel"), list(channel_names), format_func=channel_names.get,
                                          key="touchpoint.filter.channel", **on_change)
direct = direct_col.selectbox(_("Direct or indirect"), list(DIRECT_FILTER), format_func=translated(DIRECT_FILTER).get,
                              key="touchpoint.filter.direct", **on_change)
online = online_col.selectbox(_("Online or offline"), list(ONLINE_FILTER), format_func=translated(ONLINE_FILTER).get,
                              key="touchpoint.filter.online", **on_change)
chosen_departments = department_col.multiselect(_("Owning department"), all_departments,
                                                key="touchpoint.filter.department", **on_change)
chosen_journeys = journey_col.multiselect(_("Used in journey"), list(journey_names), format_func=journey_names.get,
                                          key="touchpoint.filter.journey", **on_change)
filters = CatalogueFilter(
    channel_ids=tuple(chosen_channels), is_direct=(direct == "direct") if direct else None,
    is_online=(online == "online") if online else None, departments=tuple(chosen_departments),
    journey_ids=tuple(chosen_journeys),
)

catalogue = view.data(touchpoints.catalogue, filters)
rows = {int(r["id"]): r for r in catalogue.to_dict("records")}

new_col, channel_popover_col, _spacer = st.columns([1, 1, 4])
new_col.button(_("New touchpoint"), key="touchpoint.new", type="primary", width="stretch", on_click=open_form, args=(None,))
with channel_popover_col:
    new_channel_popover(engine, workspace_id)

editing = st.session_state.get(EDITING)
if editing is not None:
    if editing != "new" and editing not in rows:
        close_form()
        st.warning(_("This touchpoint was deleted in the meantime, or the filters hide it."))
    else:
        touchpoint_form(engine, workspace_id, {None: _("— no channel —"), **channel_names}, channel_online)

if catalogue.empty:
    st.info(_("No touchpoints match these filters.") if any(vars(filters).values()) else
            _("No touchpoints yet. Create the first one."))
    st.stop()

st.caption(_("{count} touchpoints. Edit cells, then save: every changed row is checked, and nothing is saved while "
             "one is wrong.").format(count=len(catalogue)))
catalogue_editor(engine, workspace_id, catalogue, channel_names)

st.subheader(_("Where used and evaluation"), anchor=False)
if st.session_state.get(SELECTED) not in rows:
    st.session_state[SELECTED] = next(iter(rows))
selected = st.selectbox(_("Touchpoint"), list(rows), format_func=lambda i: rows[i]["name"], key=SELECTED)
row = rows[selected]
kind = _("direct") if row["is_direct"] else _("indirect")
place = _("online") if row["is_online"] else _("offline")
no_channel, external = _("no channel"), _("external")
st.markdown(f"**{md(row['name'])}** · {md(row['channel'] or no_channel)} · {kind} · {place}"
            + (f" · {md(row['owner_department'])}" if row["owner_department"] else "")
            + (f" · {external}: {md(row['external_provider'])}" if row["external_provider"] else ""))

edit_col, delete_col, _spacer = st.columns([1, 1, 4])
edit_col.button(_("Edit"), key="touchpoint.edit", icon=":material/edit:", width="stretch", on_click=open_form, args=(row,))
delete_col.button(_("Delete"), key="touchpoint.delete", icon=":material/delete:", width="stretch",
                  on_click=st.session_state.__setitem__, args=(DELETING, selected))
if st.session_state.get(DELETING) == selected:
    delete_confirmation(engine, workspace_id, row)

attach_journey = st.session_state.get(f"{ATTACH}.journey")
links = view.data(touchpoints.where_used, selected)
steps = view.data(touchpoints.step_choices, attach_journey) if attach_journey in journey_names else None

if links.empty:
    st.info(_("This touchpoint is not attached to any step yet."))
else:
    evaluation_editor(engine, workspace_id, selected, links)

with st.expander(_("Comments on this touchpoint")):
    comment_thread(engine, workspace_id, key="touchpoint.comment", touchpoint_id=selected)
with st.expander(_("Attach to a step"), expanded=links.empty):
    st.selectbox(_("Journey"), list(journey_names), format_func=journey_names.get, key=f"{ATTACH}.journey", index=None,
                 placeholder=_("Choose a journey"))
    if steps is None:
        st.caption(_("Choose the journey first, then the step."))
        show_field_error(ATTACH, "step_id")
    elif steps.empty:
        st.caption(_("This journey has no steps yet."))
    else:
        attach_form(engine, workspace_id, selected, steps)
