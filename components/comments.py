"""A comment thread on one step or one touchpoint: author and time, resolve and reopen."""

import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt
from components.i18n import _
from components.identity import run_actor
from components.text import md
from models.db import read_session
from services import workshop


def comment_thread(engine: Engine, workspace_id: int, *, key: str, step_id: int | None = None,
                   touchpoint_id: int | None = None) -> None:
    """Comments of the target (one query) and a form to add one, signed with the viewer's name."""
    with read_session(engine) as session:
        comments = workshop.list_comments(session, workspace_id, step_id=step_id, touchpoint_id=touchpoint_id)
    if not comments:
        st.caption(_("No comments yet."))
    for comment in comments:
        with st.container(border=True):
            st.markdown(f"**{md(comment.author)}** · {comment.created_at:%Y-%m-%d %H:%M}" + (" · ✅" if comment.is_resolved else ""))
            st.markdown(md(comment.body))
            if comment.is_resolved:
                if st.button(_("Reopen"), key=f"{key}.reopen.{comment.id}"):
                    if attempt(engine, lambda s, c=comment.id: workshop.reopen_comment(s, workspace_id, c), _("Reopened.")):
                        st.rerun()
            elif st.button(_("Resolve"), key=f"{key}.resolve.{comment.id}"):
                if attempt(engine, lambda s, c=comment.id: workshop.resolve_comment(s, workspace_id, c), _("Resolved.")):
                    st.rerun()
    with st.form(f"{key}.add", clear_on_submit=True):
        author = run_actor().name
        body = st.text_area(_("New comment"), key=f"{key}.body", height=80)
        if st.form_submit_button(_("Comment")):
            added = attempt(engine, lambda s: workshop.add_comment(
                s, workspace_id, author, body, step_id=step_id, touchpoint_id=touchpoint_id), _("Comment added."))
            if added:
                st.rerun()
