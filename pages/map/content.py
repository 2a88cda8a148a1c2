"""Content: the content map of a journey (stages × channels, per persona), its gaps and coverage; the content items."""

import streamlit as st

from components.cache import snapshot
from components.charts import chart_panel, plot_text
from components.content_charts import coverage_figure
from components.content_forms import DELETING, EDITING, close_form, content_form, delete_confirmation, items_table, open_form
from components.content_labels import CONTENT_FORMATS, CONTENT_STATUSES
from components.content_matrix import cell_panel, content_matrix
from components.i18n import _
from components.labels import translated
from components.page import journey_names_in, open_page
from components.text import md
from services import content

engine, workspace_id = open_page()
view = snapshot(engine, workspace_id)  # the reads and the chart below: once per change of the workspace
JOURNEY = "content.map.journey"
PERSONA = "content.map.persona"

st.title(_("Content"))

journey_names = view.data(journey_names_in)
items = view.data(content.content_overview)
if st.session_state.get(JOURNEY) not in journey_names and journey_names:
    st.session_state[JOURNEY] = next(iter(journey_names))
cmap = view.data(content.load_content_map, st.session_state[JOURNEY]) if journey_names else None

map_tab, items_tab = st.tabs([_("Content map"), _("Content items")])

with map_tab:
    if cmap is None:
        st.info(_("The content map needs a journey: its stages are the rows. Create one on the Journeys page."))
    else:
        personas = dict(zip(cmap.personas["persona_id"], cmap.personas["persona"], strict=True))
        options = {0: _("All personas of the journey"), **personas}
        if st.session_state.get(PERSONA) not in options:
            st.session_state[PERSONA] = 0
        journey_col, persona_col, channels_col = st.columns([2, 2, 1], vertical_alignment="bottom")
        journey_col.selectbox(_("Journey"), list(journey_names), format_func=journey_names.get, key=JOURNEY)
        persona_id = persona_col.selectbox(_("Persona"), list(options), format_func=options.get, key=PERSONA) or None
        every_channel = channels_col.toggle(_("All channels"), key="content.map.all_channels")
        channels = content.shown_channels(cmap, persona_id, every_channel=every_channel)
        shown_as = (cmap.journey_id, persona_id)
        gaps = view.computed(content.gaps, cmap, persona_id, inputs=shown_as)

        if cmap.stages.empty:
            st.info(_("This journey has no stages yet."))
        elif channels.empty:
            st.info(_("No channel matters here yet: attach touchpoints with a channel to steps, give the personas channel "
                      "preferences, or show all channels."))
        else:
            content_matrix(cmap, channels, persona_id, gaps, cache=view)
            st.subheader(_("Edit a cell"), anchor=False)
            item_names = dict(zip(items["id"], items["title"], strict=True))
            cell_panel(engine, workspace_id, cmap, channels, persona_id, item_names, {None: _("Everyone"), **personas}, gaps)

        st.subheader(_("Gaps, most urgent first"), anchor=False)
        if gaps.empty:
            st.success(_("No gaps: wherever a persona uses a preferred channel, live content is there."))
        else:
            st.caption(_("Urgency: how intensively the persona uses the channel (1–5) × steps of the stage on it."))
            st.dataframe(
                gaps[["persona", "stage", "channel", "intensity", "steps", "score"]], hide_index=True, width="stretch",
                column_config={
                    "persona": st.column_config.TextColumn(_("Persona")),
                    "stage": st.column_config.TextColumn(_("Stage")),
                    "channel": st.column_config.TextColumn(_("Channel")),
                    "intensity": st.column_config.NumberColumn(_("Intensity (1–5)")),
                    "steps": st.column_config.NumberColumn(_("Steps on the channel")),
                    "score": st.column_config.NumberColumn(_("Urgency")),
                },
            )

        coverage = view.computed(content.coverage, cmap, persona_id, inputs=shown_as)
        st.subheader(_("Coverage per persona and stage"), anchor=False)
        if coverage.empty:
            st.info(_("No persona to show: create personas with channel preferences."))
        else:
            title = _("Live content coverage: {journey}").format(journey=plot_text(journey_names[cmap.journey_id]))
            chart_panel(view.figure(coverage_figure, coverage, title, inputs=shown_as), coverage, key="content.map.coverage",
                        filename="content-coverage")

with items_tab:
    filter_col, format_col, new_col = st.columns([2, 2, 1], vertical_alignment="bottom")
    statuses = filter_col.multiselect(_("Status"), list(CONTENT_STATUSES), format_func=translated(CONTENT_STATUSES).get,
                                      key="content.filter.status")
    formats = format_col.multiselect(_("Format"), list(CONTENT_FORMATS), format_func=translated(CONTENT_FORMATS).get,
                                     key="content.filter.format")
    new_col.button(_("New content item"), key="content.new", type="primary", width="stretch", on_click=open_form, args=(None,))
    rows = {int(r["id"]): r for r in items.to_dict("records")}

    editing = st.session_state.get(EDITING)
    if editing is not None:
        if editing != "new" and editing not in rows:
            close_form()
            st.warning(_("This content item was deleted in the meantime."))
        else:
            content_form(engine, workspace_id)

    shown = items[items["status"].isin(statuses or list(CONTENT_STATUSES)) & items["format"].isin(formats or list(CONTENT_FORMATS))]
    if items.empty:
        st.info(_("No content items yet. Create the first one."))
    elif shown.empty:
        st.info(_("No content items match."))
    else:
        items_table(shown)
        pick_col, edit_col, delete_col = st.columns([4, 1, 1], vertical_alignment="bottom")
        titles = dict(zip(shown["id"], shown["title"], strict=True))
        chosen = pick_col.selectbox(_("Content item"), list(titles), format_func=titles.get, key="content.selected")
        edit_col.button(_("Edit"), key="content.edit", icon=":material/edit:", width="stretch", on_click=open_form,
                        args=(rows[chosen],))
        delete_col.button(_("Delete"), key="content.delete", icon=":material/delete:", width="stretch",
                          on_click=st.session_state.__setitem__, args=(DELETING, chosen))
        if st.session_state.get(DELETING) == chosen:
            delete_confirmation(engine, workspace_id, rows[chosen])
        if rows[chosen]["description"]:
            st.caption(md(rows[chosen]["description"]))
