"""The persona editor: every field, grouped, with each error next to its widget.

Widget keys are fixed (``persona.form.<field>``); opening the editor fills them
from the persona, so tests and the page address the same keys for new and
existing personas.
"""

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from components.feedback import attempt, clear_field_errors, field_errors, show_field_error
from components.i18n import _
from components.labels import INCOME_BANDS, PERSONA_FIELDS, label, translated
from models import Channel, Persona
from services import personas
from services.personas import ChannelPreference

FORM = "persona.form"
EDITING = "persona.editing"  # None, "new" or a persona id
AVATAR_MB = personas.MAX_AVATAR_BYTES // (1024 * 1024)  # the uploader says and enforces the service's limit
TEXT_FIELDS = ("name", "role", "avatar_emoji", "quote", "bio", "occupation", "family", "location", "segment",
               *personas.PSYCHOGRAPHICS)


def key(field: str) -> str:
    return f"{FORM}.{field}"


def open_editor(persona: Persona | None) -> None:
    """Fill the form's widgets from ``persona`` (or empty ones for a new persona)."""
    st.session_state[EDITING] = persona.id if persona else "new"
    st.session_state[key("version")] = persona.version if persona else None
    for field in TEXT_FIELDS:
        st.session_state[key(field)] = getattr(persona, field) if persona else ("🙂" if field == "avatar_emoji" else "")
    st.session_state[key("age")] = persona.age if persona else None
    st.session_state[key("customer_share")] = persona.customer_share if persona else None
    st.session_state[key("income_band")] = persona.income_band if persona else ""
    st.session_state[key("remove_avatar")] = False
    st.session_state.pop(key("channels"), None)
    st.session_state.pop(key("avatar_upload"), None)
    clear_field_errors(FORM)


def close_editor() -> None:
    st.session_state[EDITING] = None
    clear_field_errors(FORM)


def _error_summary() -> None:
    """Errors sit next to their fields, which may be on another tab: name them all up here too."""
    errors = field_errors(FORM)
    if not errors:
        return
    shown = [label(PERSONA_FIELDS, f) for f in errors if f in PERSONA_FIELDS]
    if shown:
        st.error(_("Please check these fields") + ": " + ", ".join(shown), icon="⚠️")
    for field, text in errors.items():
        if field not in PERSONA_FIELDS:
            st.error(text, icon="⚠️")


def _text(field: str, area: bool = False) -> None:
    widget = st.text_area if area else st.text_input
    widget(label(PERSONA_FIELDS, field), key=key(field),
           help=_("One item per line.") if area and field in personas.PSYCHOGRAPHICS else None)
    show_field_error(FORM, field)


def _channel_table(channels: list[Channel], preferences: list[ChannelPreference]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"channel": p.channel_name, "intensity": p.intensity, "purpose": p.purpose} for p in preferences],
        columns=["channel", "intensity", "purpose"],
    )


def persona_form(engine: Engine, workspace_id: int, channels: list[Channel], preferences: list[ChannelPreference]) -> None:
    editing = st.session_state.get(EDITING)
    title = _("New persona") if editing == "new" else _("Edit persona")
    with st.form(FORM, border=True):
        st.subheader(title, anchor=False)
        _error_summary()
        basics, demographics, psychographics, channel_tab = st.tabs(
            [_("Basics"), _("Demographics"), _("Psychographics"), _("Channels and segment")]
        )
        with basics:
            _text("name")
            _text("role")
            emoji, upload = st.columns([1, 3])
            with emoji:
                _text("avatar_emoji")
            with upload:
                st.file_uploader(_("Avatar image (PNG or JPEG, at most {mb} MB)").format(mb=AVATAR_MB), type=["png", "jpg", "jpeg"],
                                 key=key("avatar_upload"), max_upload_size=AVATAR_MB)
                show_field_error(FORM, "avatar_image")
                st.checkbox(_("Remove the uploaded image"), key=key("remove_avatar"))
            _text("quote")
            _text("bio", area=True)
        with demographics:
            st.number_input(label(PERSONA_FIELDS, "age"), key=key("age"), step=1, value=None)
            show_field_error(FORM, "age")
            _text("occupation")
            _text("family")
            _text("location")
            st.selectbox(label(PERSONA_FIELDS, "income_band"), options=list(INCOME_BANDS),
                         format_func=translated(INCOME_BANDS).get, key=key("income_band"))
        with psychographics:
            for field in personas.PSYCHOGRAPHICS:
                _text(field, area=True)
        with channel_tab:
            _text("segment")
            st.number_input(label(PERSONA_FIELDS, "customer_share"), key=key("customer_share"), value=None,
                            step=1.0, format="%.1f")
            show_field_error(FORM, "customer_share")
            st.data_editor(
                _channel_table(channels, preferences), key=key("channels"), num_rows="dynamic", width="stretch",
                column_config={
                    "channel": st.column_config.SelectboxColumn(_("Channel"), options=[c.name for c in channels], required=True),
                    "intensity": st.column_config.NumberColumn(_("Intensity (1–5)"), min_value=1, max_value=5, step=1,
                                                               default=3, required=True),
                    "purpose": st.column_config.TextColumn(_("What for")),
                },
            )
            show_field_error(FORM, "channels")
        save, cancel = st.columns(2)
        saved = save.form_submit_button(_("Save persona"), type="primary", width="stretch", key=key("save"))
        cancelled = cancel.form_submit_button(_("Cancel"), width="stretch", key=key("cancel"))
    if cancelled:
        close_editor()
        st.rerun()
    if saved:
        _save(engine, workspace_id, channels, preferences)


def _channels_from_editor(channels: list[Channel], preferences: list[ChannelPreference]) -> list[tuple[int, int, str]]:
    """Apply the data editor's edits to the original rows and resolve channel names to ids."""
    table = _channel_table(channels, preferences)
    state = st.session_state.get(key("channels")) or {}
    for index, edits in state.get("edited_rows", {}).items():
        for column, value in edits.items():
            table.loc[int(index), column] = value
    table = table.drop(index=[int(i) for i in state.get("deleted_rows", [])], errors="ignore")
    added = pd.DataFrame(state.get("added_rows", []), columns=table.columns)
    table = pd.concat([table, added], ignore_index=True)
    by_name = {c.name: c.id for c in channels}
    rows = []
    for record in table.to_dict("records"):
        name = record.get("channel")
        if not isinstance(name, str) or name not in by_name:
            continue  # an empty new row
        intensity = record.get("intensity")
        intensity = 3 if intensity is None or pd.isna(intensity) else int(intensity)
        purpose = record.get("purpose")
        rows.append((by_name[name], intensity, "" if purpose is None or pd.isna(purpose) else str(purpose)))
    return rows


def _save(engine: Engine, workspace_id: int, channels: list[Channel], preferences: list[ChannelPreference]) -> None:
    editing = st.session_state.get(EDITING)
    data: dict[str, Any] = {field: st.session_state.get(key(field)) or "" for field in TEXT_FIELDS}
    data["age"] = st.session_state.get(key("age"))
    data["customer_share"] = st.session_state.get(key("customer_share"))
    data["income_band"] = st.session_state.get(key("income_band")) or ""
    upload = st.session_state.get(key("avatar_upload"))
    avatar = upload.getvalue() if upload is not None else None

    def save(session: Session) -> None:
        chosen = _channels_from_editor(channels, preferences)
        if editing == "new":
            personas.create_persona(session, workspace_id, data, avatar=avatar, channels=chosen)
        else:
            personas.update_persona(
                session, workspace_id, int(editing), data, expected_version=st.session_state.get(key("version")),
                avatar=avatar, remove_avatar=bool(st.session_state.get(key("remove_avatar"))), channels=chosen,
            )

    if attempt(engine, save, _("Persona saved."), form=FORM):
        close_editor()
    st.rerun()
