"""Content items: the list with filters, the form (new or edited), and a confirmed delete.

Widget keys are fixed (``content.form.<field>``); opening the form fills them
from the item. Each error is shown under its field; nothing is saved while one is wrong.
"""

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.content_labels import CONTENT_FORMATS, CONTENT_STATUSES
from components.feedback import attempt, clear_field_errors, show_field_error
from components.i18n import _
from components.labels import translated
from components.text import md
from models.constraints import SAFE_URL
from services import content

FORM = "content.form"
EDITING = "content.editing"  # None, "new" or an item id
DELETING = "content.deleting"
FIELDS = ("title", "format", "url", "owner", "status", "description")


def key(field: str) -> str:
    return f"{FORM}.{field}"


def open_form(row: dict[str, Any] | None) -> None:
    st.session_state[EDITING] = int(row["id"]) if row else "new"
    st.session_state[key("version")] = int(row["version"]) if row else None
    defaults = {"format": "article", "status": "planned"}
    for field in FIELDS:
        st.session_state[key(field)] = (row[field] or "") if row else defaults.get(field, "")
    clear_field_errors(FORM)


def close_form() -> None:
    st.session_state[EDITING] = None
    clear_field_errors(FORM)


def items_table(items: pd.DataFrame) -> None:
    formats, statuses = translated(CONTENT_FORMATS), translated(CONTENT_STATUSES)
    # Only web and mail addresses become links; one stored before that rule (javascript: …) is not shown as one.
    safe = items["url"].fillna("").astype(str).str.fullmatch(SAFE_URL)
    st.dataframe(
        items.assign(format=items["format"].map(formats), status=items["status"].map(statuses),
                     url=items["url"].where(safe, "")),
        hide_index=True, width="stretch",
        column_order=("title", "format", "status", "owner", "mappings", "url", "description"),
        column_config={
            "title": st.column_config.TextColumn(_("Title")),
            "format": st.column_config.TextColumn(_("Format")),
            "status": st.column_config.TextColumn(_("Status")),
            "owner": st.column_config.TextColumn(_("Owner")),
            "mappings": st.column_config.NumberColumn(_("Mapped cells")),
            "url": st.column_config.LinkColumn(_("URL")),
            "description": st.column_config.TextColumn(_("Description"), width="large"),
        },
    )


def content_form(engine: Engine, workspace_id: int) -> None:
    editing = st.session_state.get(EDITING)
    with st.form(FORM, border=True):
        st.subheader(_("New content item") if editing == "new" else _("Edit content item"), anchor=False)
        show_field_error(FORM, "_form")
        left, right = st.columns(2)
        with left:
            st.text_input(_("Title"), key=key("title"), max_chars=200)
            show_field_error(FORM, "title")
            st.selectbox(_("Format"), list(CONTENT_FORMATS), format_func=translated(CONTENT_FORMATS).get, key=key("format"))
            show_field_error(FORM, "format")
            st.selectbox(_("Status"), list(CONTENT_STATUSES), format_func=translated(CONTENT_STATUSES).get, key=key("status"))
            show_field_error(FORM, "status")
        with right:
            st.text_input(_("URL"), key=key("url"), placeholder="https://")
            show_field_error(FORM, "url")
            st.text_input(_("Owner"), key=key("owner"))
            show_field_error(FORM, "owner")
            st.text_area(_("Description"), key=key("description"))
        save, cancel = st.columns(2)
        saved = save.form_submit_button(_("Save content item"), type="primary", width="stretch", key=key("save"))
        cancelled = cancel.form_submit_button(_("Cancel"), width="stretch", key=key("cancel"))
    if cancelled:
        close_form()
        st.rerun()
    if saved:
        data = {field: st.session_state.get(key(field)) or "" for field in FIELDS}
        version = st.session_state.get(key("version"))

        def save(session) -> None:  # type: ignore[no-untyped-def]
            if editing == "new":
                content.create_content_item(session, workspace_id, data)
            else:
                content.update_content_item(session, workspace_id, int(editing), data, expected_version=version)

        if attempt(engine, save, _("Content item saved."), form=FORM):
            close_form()
        st.rerun()


def delete_confirmation(engine: Engine, workspace_id: int, row: dict[str, Any]) -> None:
    with st.container(border=True):
        st.warning(_("Delete the content item “{title}”? It is mapped to {count} cells; those mappings go with it.")
                   .format(title=md(row["title"]), count=int(row["mappings"])))
        confirm, cancel = st.columns(2)
        if confirm.button(_("Delete content item"), key="content.delete.confirm", type="primary", width="stretch"):
            if attempt(engine, lambda s: content.delete_content_item(s, workspace_id, int(row["id"]), expected_version=int(row["version"])),
                       _("Content item deleted."), kind="info"):
                st.session_state[DELETING] = None
                st.rerun()
        if cancel.button(_("Cancel"), key="content.delete.cancel", width="stretch"):
            st.session_state[DELETING] = None
            st.rerun()
