"""The content map as a stages × channels matrix, and the panel that edits one cell.

The matrix is a read-only ``st.dataframe`` (user text is shown as text, never
interpreted); clicking a cell chooses it for the panel below, where mappings are
added and removed. Gap cells are tinted and marked with ⚠️.
"""

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler
from sqlalchemy import Engine

from components.cache import Snapshot
from components.content_labels import CONTENT_FORMATS, STATUS_ICONS
from components.feedback import attempt, show_field_error
from components.i18n import _
from components.labels import label, unique_labels
from components.text import md
from services import content
from services.content import ContentMap, gaps, visible_mappings

MATRIX = "content.map.matrix"
STAGE = "content.map.stage"
CHANNEL = "content.map.channel"
ADD = "content.map.add"
GAP_TINT = "background-color: #fbe0cf"  # light vermillion (Okabe–Ito family): needs content
USED_TINT = "background-color: #e3eef7"  # light blue: steps use this channel here


def _item_text(row: dict, with_persona: bool) -> str:
    text = f"{STATUS_ICONS.get(row['status'], '')} {row['content']}"
    if row["need"]:
        text += f" ({row['need']})"
    if with_persona:
        text += " [" + (row["persona"] or _("everyone")) + "]"
    return text


def matrix_frame(cmap: ContentMap, channels: pd.DataFrame, persona_id: int | None,
                 found: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The matrix text (rows: stages, columns: channels) and a same-shaped frame of cell styles (``found``:
    the gaps, when the caller has them)."""
    mappings = visible_mappings(cmap, persona_id)
    found = gaps(cmap, persona_id) if found is None else found
    missing = found.groupby(["stage_id", "channel_id"])["persona"].agg(lambda names: ", ".join(sorted(names)))
    used = set(zip(cmap.usage["stage_id"], cmap.usage["channel_id"], strict=True))
    items: dict[tuple[int, int], list[str]] = {}
    for row in mappings.to_dict("records"):
        items.setdefault((row["stage_id"], row["channel_id"]), []).append(_item_text(row, persona_id is None))
    text, style = [], []
    for stage_id in cmap.stages["stage_id"]:
        text_row, style_row = [], []
        for channel_id in channels["channel_id"]:
            cell = list(items.get((stage_id, channel_id), []))
            if (stage_id, channel_id) in missing.index:
                gap = _("gap") if persona_id is not None else _("gap for {personas}").format(personas=missing[(stage_id, channel_id)])
                cell.insert(0, f"⚠️ {gap}")
                style_row.append(GAP_TINT)
            else:
                style_row.append(USED_TINT if (stage_id, channel_id) in used else "")
            text_row.append(" · ".join(cell))
        text.append(text_row)
        style.append(style_row)
    # stage names may repeat within a journey: the table needs distinct row labels
    index, columns = list(unique_labels(dict(enumerate(cmap.stages["stage"]))).values()), list(channels["channel"])
    return pd.DataFrame(text, index=index, columns=columns), pd.DataFrame(style, index=index, columns=columns)


def _cell_chosen(cmap: ContentMap, channels: pd.DataFrame) -> None:
    """A click on a matrix cell chooses the stage and channel of the panel below."""
    cells = st.session_state[MATRIX]["selection"]["cells"]
    if cells:
        row, column = cells[0]
        st.session_state[STAGE] = int(cmap.stages["stage_id"].iloc[int(row)])
        st.session_state[CHANNEL] = int(channels.loc[channels["channel"] == column, "channel_id"].iloc[0])


def content_matrix(cmap: ContentMap, channels: pd.DataFrame, persona_id: int | None, found: pd.DataFrame | None = None,
                   cache: Snapshot | None = None) -> None:
    """The matrix (built once per change of the workspace, persona and channel choice when ``cache`` is given)."""
    text, style = cache.computed(matrix_frame, cmap, channels, persona_id, found,
                                 inputs=(cmap.journey_id, persona_id, tuple(channels["channel_id"]))) \
        if cache else matrix_frame(cmap, channels, persona_id, found)
    styled: Styler = text.style.apply(lambda _frame: style, axis=None)
    st.dataframe(
        styled, key=MATRIX, width="stretch", on_select=lambda: _cell_chosen(cmap, channels), selection_mode="single-cell",
        column_config={name: st.column_config.TextColumn(name, width="medium") for name in text.columns},
        height=min(40 + 35 * len(text), 640),
    )
    st.caption(_("✅ live · 🛠️ in production · 📝 planned · 🗄️ retired. Tinted orange: a gap (the persona prefers the "
                 "channel, steps of the stage use it, no live content). Tinted blue: steps use the channel. Click a cell "
                 "to edit it below."))


def cell_panel(engine: Engine, workspace_id: int, cmap: ContentMap, channels: pd.DataFrame, persona_id: int | None,
               items: dict[int, str], persona_names: dict[int | None, str], found: pd.DataFrame | None = None) -> None:
    """The chosen cell: its mappings with a remove button each, and a form to map more content there."""
    stage_names = dict(zip(cmap.stages["stage_id"], cmap.stages["stage"], strict=True))
    channel_names = dict(zip(channels["channel_id"], channels["channel"], strict=True))
    if st.session_state.get(STAGE) not in stage_names:
        st.session_state[STAGE] = next(iter(stage_names))
    if st.session_state.get(CHANNEL) not in channel_names:
        st.session_state[CHANNEL] = next(iter(channel_names))
    stage_col, channel_col = st.columns(2)
    stage_id = stage_col.selectbox(_("Stage"), list(stage_names), format_func=stage_names.get, key=STAGE)
    channel_id = channel_col.selectbox(_("Channel"), list(channel_names), format_func=channel_names.get, key=CHANNEL)

    found = gaps(cmap, persona_id) if found is None else found
    here = found[(found["stage_id"] == stage_id) & (found["channel_id"] == channel_id)]
    if not here.empty:
        st.warning(_("Gap: this channel is preferred by {personas}, and {steps} steps of this stage use it, but no live "
                     "content is mapped.").format(personas=", ".join(md(p) for p in here["persona"]), steps=int(here["steps"].max())))
    mappings = visible_mappings(cmap, persona_id)
    mappings = mappings[(mappings["stage_id"] == stage_id) & (mappings["channel_id"] == channel_id)]
    for row in mappings.to_dict("records"):
        text_col, remove_col = st.columns([6, 1], vertical_alignment="center")
        text_col.markdown(
            f"{STATUS_ICONS.get(row['status'], '')} **{md(row['content'])}** ({label(CONTENT_FORMATS, row['format'])})"
            + (f" — {md(row['need'])}" if row["need"] else "") + " · " + md(row["persona"] or _("everyone"))
        )
        if remove_col.button(":material/link_off:", help=_("Remove from this cell"), key=f"content.map.remove.{row['id']}"):
            _write(engine, lambda s, r=row: content.delete_content_mapping(s, workspace_id, int(r["id"]),
                                                                            expected_version=int(r["version"])),
                   _("Mapping removed."))
    if mappings.empty:
        st.caption(_("No content is mapped to this cell yet."))
    if not items:
        st.info(_("Create a content item first (tab Content items)."))
        return
    with st.form(ADD):
        st.selectbox(_("Content item"), list(items), format_func=items.get, key=f"{ADD}.item", index=None,
                     placeholder=_("Choose content"))
        show_field_error(ADD, "content_item_id")
        persona_options = list(persona_names)
        st.selectbox(_("For persona"), persona_options, format_func=persona_names.get, key=f"{ADD}.persona",
                     index=persona_options.index(persona_id) if persona_id in persona_options else 0)
        show_field_error(ADD, "persona_id")
        st.text_input(_("Need it serves"), key=f"{ADD}.need", placeholder=_("What the persona needs here"))
        show_field_error(ADD, "need")
        if st.form_submit_button(_("Map content to this cell"), type="primary", key=f"{ADD}.save"):
            data = {"content_item_id": st.session_state.get(f"{ADD}.item"), "stage_id": stage_id, "channel_id": channel_id,
                    "persona_id": st.session_state.get(f"{ADD}.persona"), "need": st.session_state.get(f"{ADD}.need") or ""}
            _write(engine, lambda s: content.create_content_mapping(s, workspace_id, data), _("Content mapped."), form=ADD)
        show_field_error(ADD, "_form")


def _write(engine: Engine, action, done: str, form: str | None = None) -> None:  # type: ignore[no-untyped-def]
    if attempt(engine, action, done, form=form):
        if form:
            for field in ("item", "need"):  # ready for the next mapping; the persona stays
                st.session_state.pop(f"{form}.{field}", None)
        st.rerun()
    elif form:
        st.rerun()