"""Members of the workspace and their roles (admins), and new accounts (site admins)."""

import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt, show_field_error
from components.i18n import N_, _
from components.labels import translated
from models.db import read_session
from services import accounts

ROLE_LABELS = {"viewer": N_("Viewer — reads, charts, exports"), "editor": N_("Editor — all content"),
               "facilitator": N_("Facilitator — editor who runs workshops"), "admin": N_("Admin — members and the workspace"),
               "participant": N_("Workshop guest")}
ADD, ACCOUNT = "members.add", "members.account"


def members_panel(engine: Engine, workspace_id: int) -> None:
    """Who may do what in this workspace; change a role or remove a member (a workspace keeps one admin)."""
    with read_session(engine) as session:
        members = accounts.list_members(session, workspace_id)
    labels = translated(ROLE_LABELS)
    for row in members.to_dict("records"):
        name_col, role_col, remove_col = st.columns([3, 3, 1], vertical_alignment="center")
        who = row["email"] or _("guest")
        name_col.text(f"{row['display_name']} · {who}")
        if row["role"] == "participant":
            role_col.text(labels["participant"])
        else:
            options = list(accounts.MEMBER_ROLES)
            chosen = role_col.selectbox(_("Role"), options, index=options.index(row["role"]), format_func=labels.get,
                                        key=f"members.role.{row['id']}", label_visibility="collapsed")
            if chosen != row["role"] and attempt(engine, lambda s, r=row, c=chosen: accounts.set_role(
                    s, workspace_id, int(r["id"]), c, expected_version=int(r["version"])), _("Role changed.")):
                st.rerun()
        if remove_col.button(":material/person_remove:", key=f"members.remove.{row['id']}", help=_("Remove from the workspace")):
            if attempt(engine, lambda s, r=row: accounts.remove_member(s, workspace_id, int(r["id"])), _("Member removed."), kind="info"):
                st.rerun()
    with st.form(ADD, clear_on_submit=True):
        email_col, role_col = st.columns([3, 2])
        email = email_col.text_input(_("E-mail of an existing account"), key=f"{ADD}.email")
        role = role_col.selectbox(_("Role"), list(accounts.MEMBER_ROLES), format_func=labels.get, key=f"{ADD}.role")
        show_field_error(ADD, "email")
        if st.form_submit_button(_("Add member")):
            if attempt(engine, lambda s: accounts.add_member(s, workspace_id, email, role), _("Member added."), form=ADD):
                st.rerun()


def new_account_form(engine: Engine) -> None:
    """A site admin creates an account with a first password to hand over."""
    with st.form(ACCOUNT, clear_on_submit=True):
        email_col, name_col, password_col = st.columns(3)
        email = email_col.text_input(_("E-mail"), key=f"{ACCOUNT}.email")
        name = name_col.text_input(_("Name"), key=f"{ACCOUNT}.name")
        password = password_col.text_input(_("First password"), type="password", key=f"{ACCOUNT}.password")
        show_field_error(ACCOUNT, "email")
        show_field_error(ACCOUNT, "password")
        if st.form_submit_button(_("Create account")):
            if attempt(engine, lambda s: accounts.create_account(s, email, name, password), _("Account created."), form=ACCOUNT):
                st.rerun()
