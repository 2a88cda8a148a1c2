"""Forms of the touchpoint page: a touchpoint (new or edited), a new channel, attaching to a step, deleting.

Widget keys are fixed (``touchpoint.form.<field>``); opening the form fills them
from the touchpoint, so tests and the page address the same keys for new and
existing touchpoints. Each error is shown under the field it concerns.
"""

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt, clear_field_errors, field_errors, show_field_error
from components.i18n import _
from components.labels import translated
from components.touchpoint_labels import DIRECT_CHOICES, ONLINE_CHOICES
from components.touchpoint_tables import CATALOGUE, reset_editor
from services import touchpoints, workspaces

FORM = "touchpoint.form"
EDITING = "touchpoint.editing"  # None, "new" or a touchpoint id
ATTACH = "touchpoint.attach"
TEXT_FIELDS = ("name", "owner_department", "external_provider", "description")
ATTACH_FIELDS = ("step", "importance", "satisfaction", "decisive", "abort", "notes")


def key(field: str) -> str:
    return f"{FORM}.{field}"


def open_form(row: dict[str, Any] | None) -> None:
    """Fill the form's widgets from a catalogue row (or empty ones for a new touchpoint)."""
    st.session_state[EDITING] = int(row["id"]) if row else "new"
    st.session_state[key("version")] = int(row["version"]) if row else None
    for field in TEXT_FIELDS:
        st.session_state[key(field)] = (row[field] or "") if row else ""
    channel_id = row["channel_id"] if row else None
    st.session_state[key("channel_id")] = int(channel_id) if channel_id is not None and pd.notna(channel_id) else None
    cost = row["cost_per_contact"] if row else None
    st.session_state[key("cost_per_contact")] = float(cost) if cost is not None and pd.notna(cost) else None
    st.session_state[key("online")] = ("online" if row["is_online"] else "offline") if row else None  # the form fills it in
    st.session_state[key("direct")] = ("direct" if row["is_direct"] else "indirect") if row else "channel"
    clear_field_errors(FORM)


def close_form() -> None:
    st.session_state[EDITING] = None
    clear_field_errors(FORM)


def online_choices(channel_online: bool | None) -> list[str]:
    """What the form offers: a touchpoint on a channel is online exactly when its channel is
    (the service refuses anything else); without a channel the user decides."""
    return ["online", "offline"] if channel_online is None else ["online" if channel_online else "offline"]


def touchpoint_form(engine: Engine, workspace_id: int, channel_names: dict[int | None, str],
                    channel_online: dict[int, bool] | None = None) -> None:
    """``channel_online``: channel id → whether it is online (the choices the form offers follow it)."""
    editing = st.session_state.get(EDITING)
    st.subheader(_("New touchpoint") if editing == "new" else _("Edit touchpoint"), anchor=False)
    # Outside the form: choosing a channel changes what "online or offline" may be, at once.
    st.selectbox(_("Channel"), options=list(channel_names), format_func=channel_names.get, key=key("channel_id"))
    show_field_error(FORM, "channel_id")
    channel_id = st.session_state.get(key("channel_id"))
    choices = online_choices((channel_online or {}).get(channel_id) if channel_id is not None else None)
    if st.session_state.get(key("online")) not in choices:
        st.session_state[key("online")] = choices[0]
    with st.form(FORM, border=True):
        if "_form" in field_errors(FORM):
            show_field_error(FORM, "_form")
        left, right = st.columns(2)
        with left:
            st.text_input(_("Name"), key=key("name"), max_chars=160)
            show_field_error(FORM, "name")
            st.radio(_("Online or offline"), options=choices, format_func=translated(ONLINE_CHOICES).get,
                     key=key("online"), horizontal=True,
                     help=_("A touchpoint on a channel is online or offline as its channel is.") if len(choices) == 1 else None)
            show_field_error(FORM, "is_online")
            st.radio(_("Direct or indirect"), options=list(DIRECT_CHOICES), format_func=translated(DIRECT_CHOICES).get,
                     key=key("direct"), help=_("Direct: the company controls it (own website, e-mail, shop …). Indirect: "
                                               "it cannot (social comments, press, inbound links, reviews, forums)."))
            show_field_error(FORM, "is_direct")
        with right:
            st.text_input(_("Owning department"), key=key("owner_department"), placeholder=_("Marketing, sales, service …"))
            show_field_error(FORM, "owner_department")
            st.text_input(_("External provider"), key=key("external_provider"))
            show_field_error(FORM, "external_provider")
            st.number_input(_("Cost per contact (€)"), key=key("cost_per_contact"), value=None, step=0.05, format="%.2f")
            show_field_error(FORM, "cost_per_contact")
            st.text_area(_("Description"), key=key("description"))
        save, cancel = st.columns(2)
        saved = save.form_submit_button(_("Save touchpoint"), type="primary", width="stretch", key=key("save"))
        cancelled = cancel.form_submit_button(_("Cancel"), width="stretch", key=key("cancel"))
    if cancelled:
        close_form()
        st.rerun()
    if saved:
        _save(engine, workspace_id)


def _flag(choice: str | None, yes: str) -> bool | None:
    return None if choice in (None, "channel") else choice == yes


def _save(engine: Engine, workspace_id: int) -> None:
    editing = st.session_state.get(EDITING)
    data: dict[str, Any] = {field: st.session_state.get(key(field)) or "" for field in TEXT_FIELDS}
    data["channel_id"] = st.session_state.get(key("channel_id"))
    data["cost_per_contact"] = st.session_state.get(key("cost_per_contact"))
    data["is_online"] = _flag(st.session_state.get(key("online")), "online")
    data["is_direct"] = _flag(st.session_state.get(key("direct")), "direct")
    version = st.session_state.get(key("version"))

    def save(session) -> None:  # type: ignore[no-untyped-def]
        if editing == "new":
            touchpoints.create_touchpoint(session, workspace_id, data)
        else:
            touchpoints.update_touchpoint(session, workspace_id, int(editing), data, expected_version=version)

    if attempt(engine, save, _("Touchpoint saved."), form=FORM):
        close_form()
        reset_editor(CATALOGUE)
    st.rerun()  # shows the saved catalogue, or each error next to its field


def new_channel_popover(engine: Engine, workspace_id: int) -> None:
    """Extend the workspace's channel list without leaving the page."""
    with st.popover(_("New channel"), icon=":material/add:"), st.form("touchpoint.channel", clear_on_submit=True, border=False):
        name = st.text_input(_("Channel"), key="touchpoint.channel.name")
        online = st.checkbox(_("Online"), value=True, key="touchpoint.channel.online")
        if st.form_submit_button(_("Add channel"), key="touchpoint.channel.add"):
            if attempt(engine, lambda s: workspaces.create_channel(s, workspace_id, {"name": name, "is_online": online}),
                       _("Channel added.")):
                st.rerun()


def attach_form(engine: Engine, workspace_id: int, touchpoint_id: int, steps: pd.DataFrame) -> None:
    """Attach the touchpoint to a step of the journey chosen above the form, with an optional evaluation."""
    labels = {int(i): f"{stage} › {title}" for i, stage, title in zip(steps["id"], steps["stage"], steps["title"], strict=True)}
    with st.form(ATTACH, clear_on_submit=False):
        st.selectbox(_("Step"), options=list(labels), format_func=labels.get, key=f"{ATTACH}.step", index=None,
                     placeholder=_("Choose a step"))
        show_field_error(ATTACH, "step_id")
        show_field_error(ATTACH, "touchpoint_id")
        importance, satisfaction = st.columns(2)
        with importance:
            st.number_input(_("Importance (1–5)"), key=f"{ATTACH}.importance", value=None, step=1)
            show_field_error(ATTACH, "importance")
        with satisfaction:
            st.number_input(_("Satisfaction (1–5)"), key=f"{ATTACH}.satisfaction", value=None, step=1)
            show_field_error(ATTACH, "satisfaction")
        decisive, abort = st.columns(2)
        decisive.checkbox(_("Decisive for the purchase"), key=f"{ATTACH}.decisive")
        abort.checkbox(_("Leads to abort"), key=f"{ATTACH}.abort")
        st.text_input(_("Notes"), key=f"{ATTACH}.notes")
        if st.form_submit_button(_("Attach to step"), type="primary", key=f"{ATTACH}.save"):
            state = st.session_state
            data = {"importance": state.get(f"{ATTACH}.importance"), "satisfaction": state.get(f"{ATTACH}.satisfaction"),
                    "is_decisive": bool(state.get(f"{ATTACH}.decisive")), "leads_to_abort": bool(state.get(f"{ATTACH}.abort")),
                    "notes": state.get(f"{ATTACH}.notes") or ""}
            if attempt(engine, lambda s: touchpoints.attach_touchpoint(s, workspace_id, state.get(f"{ATTACH}.step"), touchpoint_id, data),
                       _("Touchpoint attached."), form=ATTACH):
                reset_editor(f"touchpoint.links.{touchpoint_id}")
                reset_editor(CATALOGUE)
                for field in ATTACH_FIELDS:  # the next assignment starts empty, not with these ticks
                    state.pop(f"{ATTACH}.{field}", None)
            st.rerun()


def delete_confirmation(engine: Engine, workspace_id: int, row: dict[str, Any]) -> None:
    """Deleting removes the touchpoint's step links too: say how many, and ask."""
    with st.container(border=True):
        st.warning(_("Delete this touchpoint? Its {count} step links and their evaluations go with it. This cannot be "
                     "undone.").format(count=int(row["steps"])))
        confirm, cancel = st.columns(2)
        if confirm.button(_("Delete touchpoint"), key="touchpoint.delete.confirm", type="primary", width="stretch"):
            delete = lambda s: touchpoints.delete_touchpoint(s, workspace_id, int(row["id"]), expected_version=int(row["version"]))  # noqa: E731
            if attempt(engine, delete, _("Touchpoint deleted."), kind="info"):
                st.session_state["touchpoint.deleting"] = None
                reset_editor(CATALOGUE)
                st.rerun()
        if cancel.button(_("Cancel"), key="touchpoint.delete.cancel", width="stretch"):
            st.session_state["touchpoint.deleting"] = None
            st.rerun()
