"""The journey editor follows other people's changes live, and says who changed what.

A small fragment polls the workspace revision every ``POLL_SECONDS`` (one integer). When it
moved because of someone else, it reads what they changed on this journey from the activity log
(one query), keeps the last few lines to show ("Anna added the step “Bucht”") and reruns the page
so the map is drawn afresh. Forms keep what the user typed: their widgets hold their values in
the session under fixed keys, and the step form is refilled only when another step is chosen
(a save over someone's change becomes the three-way merge of the step editor).
"""

import streamlit as st
from sqlalchemy import Engine

from components.i18n import N_, _
from components.identity import run_actor
from components.text import md
from models import ActivityEntry
from models.db import read_session
from services import audit, workspaces

POLL_SECONDS = 2.0
SHOWN = 3
KINDS = {"journey": N_("the journey"), "stage": N_("the stage"), "step": N_("the step"), "transition": N_("a branch"),
         "pain_point": N_("the pain point"), "opportunity": N_("the opportunity"), "step_touchpoint": N_("a touchpoint link"),
         "comment": N_("a comment")}
ACTIONS = {"create": N_("{who} added {kind} “{item}”"), "update": N_("{who} changed {kind} “{item}”"),
           "delete": N_("{who} deleted {kind} “{item}”")}


def describe(entry: ActivityEntry) -> str:
    """One line for people: who did what to which card (the card's name as it was logged)."""
    text = ACTIONS.get(entry.action, N_("{who} changed {kind} “{item}”"))
    return _(text).format(who=entry.actor or _("Someone"), kind=_(KINDS.get(entry.entity_type, entry.entity_type)),
                          item=entry.summary)


PAGE_RUNS = "journey.live.page_runs"  # counts the page's full runs
WATCHED_RUN = "journey.live.watched_run"  # the full run the watcher last ran in


def live_changes(engine: Engine, workspace_id: int, journey_id: int) -> None:
    st.session_state[PAGE_RUNS] = st.session_state.get(PAGE_RUNS, 0) + 1
    st.fragment(run_every=POLL_SECONDS)(_watch)(engine, workspace_id, journey_id)


def _watch(engine: Engine, workspace_id: int, journey_id: int) -> None:
    # Only a poll of its own (no page run since the last one) reruns the page: a rerun during a full
    # run would swallow the click that started it; a change seen there is redrawn by the next poll.
    page_run = st.session_state.get(PAGE_RUNS)
    poll_only = st.session_state.get(WATCHED_RUN) == page_run
    st.session_state[WATCHED_RUN] = page_run
    key = f"journey.live.{journey_id}"
    seen = st.session_state.get(key)
    news: list[str] = []
    with read_session(engine) as session:
        revision = workspaces.revision(session, workspace_id)
        if seen is None or seen["revision"] != revision:
            latest = audit.latest_entry_id(session, workspace_id)
            if seen is not None:
                me = run_actor().name
                news = [describe(e) for e in audit.changes_since(session, workspace_id, journey_id, seen["entry"])
                        if e.actor != me]
            seen = {"revision": revision, "entry": latest, "news": ([*seen["news"], *news] if seen else [])[-SHOWN:],
                    "redraw": bool(news) or bool(seen and seen.get("redraw"))}
            st.session_state[key] = seen
    if seen.get("redraw") and poll_only:
        seen["redraw"] = False
        st.rerun()  # someone else changed this map: draw it afresh (what the user typed stays, see above)
    # In a full run the map above may have been read just before the change: the next poll redraws.
    for line in seen["news"]:
        st.caption("🔄 " + md(line))
