"""History: who changed what and when, undo of one's own last change, earlier versions, the trash."""

import streamlit as st

from components.feedback import attempt
from components.i18n import _
from components.labels import ACTIONS, ENTITY_TYPES, label_of
from components.page import open_page
from models.db import read_session
from services import audit, history, journeys

engine, workspace_id = open_page()

st.title(_("History"))
with read_session(engine) as session:
    listing = journeys.list_journeys(session, workspace_id)
journey_names = {0: _("Whole workspace"), **dict(zip(listing["id"], listing["name"], strict=True))}
journey_id = st.selectbox(_("Show"), list(journey_names), format_func=journey_names.get, key="history.journey")

with read_session(engine) as session:
    log = audit.history(session, workspace_id, journey_id=journey_id or None, limit=200)
    binned = history.trash(session, workspace_id, journey_id=journey_id or None)

history_tab, trash_tab = st.tabs([_("Changes"), _("Trash")])
with history_tab:
    if st.button(_("Undo my last change"), key="history.undo", type="primary"):
        done = attempt(engine, lambda s: history.undo_last(s, workspace_id), _("Undone."))
        if done:
            st.rerun()
    if log.empty:
        st.caption(_("Nothing has changed yet."))
    else:
        shown = log.assign(changed_fields=log["changed_fields"].map(", ".join), action=log["action"].map(label_of(ACTIONS)),
                           entity_type=log["entity_type"].map(label_of(ENTITY_TYPES)))
        st.dataframe(
            shown[["at", "actor", "action", "entity_type", "summary", "changed_fields"]], hide_index=True, width="stretch",
            column_config={
                "at": st.column_config.DatetimeColumn(_("When"), format="YYYY-MM-DD HH:mm:ss"),
                "actor": st.column_config.TextColumn(_("Who")), "action": st.column_config.TextColumn(_("What")),
                "entity_type": st.column_config.TextColumn(_("Kind")), "summary": st.column_config.TextColumn(_("Item")),
                "changed_fields": st.column_config.TextColumn(_("Fields")),
            },
        )
        versions = log[log["action"].isin(["create", "update"])]
        labels = {int(r.id): f"#{r.id} · {r.at:%Y-%m-%d %H:%M:%S} · {r.actor or '—'} · {r.summary}"
                  + (f" ({', '.join(r.changed_fields)})" if r.changed_fields else "") for r in versions.itertuples()}
        if labels:
            chosen = st.selectbox(_("Go back to the state after this change"), list(labels), format_func=labels.get,
                                  key="history.version")
            if st.button(_("Restore this version"), key="history.restore"):
                if attempt(engine, lambda s: history.restore_version(s, workspace_id, chosen), _("Version restored.")):
                    st.rerun()

with trash_tab:
    if binned.empty:
        st.caption(_("The trash is empty."))
    else:
        labels = {int(r.id): f"#{r.id} · {r.at:%Y-%m-%d %H:%M} · {r.actor or '—'} · {r.summary}" for r in binned.itertuples()}
        st.dataframe(binned[["at", "actor", "entity_type", "summary", "contents"]].assign(
            entity_type=binned["entity_type"].map(label_of(ENTITY_TYPES))), hide_index=True, width="stretch", column_config={
                "at": st.column_config.DatetimeColumn(_("When"), format="YYYY-MM-DD HH:mm"),
                "actor": st.column_config.TextColumn(_("Who")), "entity_type": st.column_config.TextColumn(_("Kind")),
                "summary": st.column_config.TextColumn(_("Item")), "contents": st.column_config.TextColumn(_("Contents")),
            })
        chosen = st.selectbox(_("Deleted item"), list(labels), format_func=labels.get, key="history.trash.item")
        if st.button(_("Restore from the trash"), key="history.trash.restore", type="primary"):
            if attempt(engine, lambda s: history.restore_from_trash(s, workspace_id, chosen), _("Restored.")):
                st.rerun()
