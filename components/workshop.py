"""Workshop pieces: joining, presence, the live map that follows the facilitator's
focus, dot voting, comments and quick capture.

Live updates: :func:`live_map` runs as a fragment every ``POLL_SECONDS``. Each
poll reads one row set (revision, presence, focus, timer: ``workshop.room_state``);
the grid for that revision and focus is rendered once per server (:func:`room_grid`), not
once per participant.
Typing in forms outside the fragment is never interrupted by a poll.
"""

import uuid
from datetime import UTC, datetime, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from components.comments import comment_thread
from components.feedback import attempt
from components.i18n import N_, _, current_language
from components.identity import run_actor
from components.journey_grid import journey_grid_html
from components.labels import translated, unique_labels
from components.text import md
from models.db import read_session
from services import accounts, workshop
from services.journeys import JourneyMap, load_journey_map

POLL_SECONDS = 2.0
GRID_CACHE_ENTRIES = 64  # rendered grids kept per server (about 100–300 kB each: at most ~20 MB)
HEARTBEAT_SECONDS = 20.0  # presence is written this often; it counts for PRESENT_SECONDS
SESSION = "workshop.session_key"
CAPTURE_KINDS = {"pain": N_("Pain point"), "idea": N_("Idea"), "question": N_("Question")}


def participant(engine: Engine, workspace_id: int) -> tuple[str, bool]:
    """The signed-in person's name (a guest's marked "(guest)") and whether its role runs workshops."""
    st.session_state.setdefault(SESSION, uuid.uuid4().hex)
    actor = run_actor()
    return actor.name, actor.role_in(workspace_id) in ("facilitator", "admin")


def guest_links_panel(engine: Engine, workspace_id: int, journey_id: int) -> None:
    """Links for guests of this journey: make one (shown once), see who joined, withdraw it."""
    with st.form("workshop.link.form", clear_on_submit=True):
        label_col, hours_col = st.columns([3, 1])
        label = label_col.text_input(_("Label (e.g. the workshop's date)"), key="workshop.link.label", max_chars=80)
        hours = hours_col.number_input(_("Valid for hours"), min_value=1, max_value=24 * 14, value=8, key="workshop.link.hours")
        made = st.form_submit_button(_("Create guest link"))
    if made:
        done = attempt(engine, lambda s: accounts.create_guest_link(s, workspace_id, journey_id, hours=hours, label=label)[1],
                       _("Guest link created. Copy it now: it is shown only once."))
        if done:
            st.session_state["workshop.link.new"] = done.value
    token = st.session_state.pop("workshop.link.new", None)
    if token:
        base = str(getattr(st.context, "url", "") or "").split("?")[0]
        st.code(f"{base}?join={token}", language=None)
    with read_session(engine) as session:
        links = accounts.guest_links(session, workspace_id)
    for row in links.to_dict("records"):
        text_col, revoke_col = st.columns([5, 1], vertical_alignment="center")
        state = _("active") if row["active"] else _("withdrawn or expired")
        text_col.markdown(f"**{md(row['label'] or row['journey'])}** · {state} · "
                          + _("{count} joined").format(count=int(row["guests"])))
        if row["active"] and revoke_col.button(_("Withdraw"), key=f"workshop.link.revoke.{row['id']}"):
            revoke = lambda s, i=int(row["id"]): accounts.revoke_guest_link(s, workspace_id, i)  # noqa: E731
            if attempt(engine, revoke, _("Link withdrawn."), kind="info"):
                st.rerun()


def focused_map(journey_map: JourneyMap, stage_id: int | None) -> JourneyMap:
    """The map reduced to the focused stage (everything when no stage is focused)."""
    if stage_id is None or stage_id not in {s.id for s in journey_map.stages}:
        return journey_map
    steps = journey_map.steps[journey_map.steps["stage_id"] == stage_id]
    keep = set(steps["id"])

    def only(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["step_id"].isin(keep)] if not frame.empty else frame

    from dataclasses import replace  # noqa: PLC0415 - local: only this helper needs it

    return replace(journey_map, stages=tuple(s for s in journey_map.stages if s.id == stage_id), steps=steps,
                   pain_points=only(journey_map.pain_points), opportunities=only(journey_map.opportunities),
                   step_touchpoints=only(journey_map.step_touchpoints))


def _timer(ends_at: datetime | None) -> None:
    if ends_at is None:
        return
    left = ends_at - datetime.now(UTC)
    if left.total_seconds() <= 0:
        st.warning(_("Time is up!"), icon="⏰")
    else:
        minutes, seconds = divmod(int(left.total_seconds()), 60)
        st.metric(_("Time left"), f"{minutes:02d}:{seconds:02d}")


@st.cache_data(max_entries=GRID_CACHE_ENTRIES, show_spinner=False)
def room_grid(_engine: Engine, database: str, workspace_id: int, journey_id: int, revision: int, focus: int | None,
              language: str) -> str:
    """The map grid as the room sees it at ``revision`` with ``focus``: rendered once per change for the whole
    server, not once per participant (Streamlit computes a missing key once while the others wait). The key
    comes from the database, so several servers stay right; ``database`` keeps databases apart (tests), and
    ``language`` is the one the labels are rendered in."""
    with read_session(_engine) as session:
        journey_map = load_journey_map(session, workspace_id, journey_id)
        counts = workshop.journey_vote_counts(session, workspace_id, journey_id)
    return journey_grid_html(focused_map(journey_map, focus), votes=counts)


def live_map(engine: Engine, workspace_id: int, journey_id: int, who: tuple[str, bool]) -> None:
    """The part every participant sees change within seconds (a fragment polled every ``POLL_SECONDS``).

    A poll with nothing changed costs one SELECT (:func:`services.workshop.room_state`) and re-renders
    the grid from :func:`room_grid`; Streamlit sends an unchanged large element as a reference to what
    the browser already holds. The presence heartbeat is written every ``HEARTBEAT_SECONDS`` only."""
    name, is_facilitator = who
    now = datetime.now(UTC)
    last_beat = st.session_state.get("workshop.last_heartbeat")
    if last_beat is None or now - last_beat > timedelta(seconds=HEARTBEAT_SECONDS):
        attempt(engine, lambda s: workshop.heartbeat(s, workspace_id, journey_id, st.session_state[SESSION], name,
                                                     is_facilitator=is_facilitator), "")
        st.session_state.pop("app.flash", None)  # a heartbeat is not news
        st.session_state["workshop.last_heartbeat"] = now
    with read_session(engine) as session:
        room = workshop.room_state(session, workspace_id, journey_id)
    grid = room_grid(engine, str(engine.url), workspace_id, journey_id, room.revision, room.focus, current_language())
    people_col, timer_col = st.columns([4, 1])
    people_col.markdown("👥 " + ", ".join(("⭐ " if lead else "") + md(person) for person, lead in room.people))
    with timer_col:
        _timer(room.timer_ends_at)
    st.html(grid)


def facilitator_controls(engine: Engine, workspace_id: int, journey_map: JourneyMap) -> None:
    """Focus, timer and voting rounds: what the facilitator steers for the room."""
    journey_id = journey_map.journey.id
    stages = unique_labels({0: _("Whole map"), **{s.id: s.name for s in journey_map.stages}})
    focus_col, timer_col, round_col = st.columns(3)
    with focus_col.form("workshop.focus"):
        stage_id = st.selectbox(_("Focus the room on"), list(stages), format_func=stages.get, key="workshop.focus.stage")
        if st.form_submit_button(_("Set focus")):
            if attempt(engine, lambda s: workshop.set_focus(s, workspace_id, journey_id, stage_id or None), _("Focus set.")):
                st.rerun()
    with timer_col.form("workshop.timer"):
        minutes = st.number_input(_("Timer (minutes)"), min_value=1, max_value=120, value=5, key="workshop.timer.minutes")
        start, stop = st.columns(2)
        if start.form_submit_button(_("Start")):
            if attempt(engine, lambda s: workshop.set_timer(s, workspace_id, journey_id, int(minutes)), _("Timer started.")):
                st.rerun()
        if stop.form_submit_button(_("Stop")):
            if attempt(engine, lambda s: workshop.set_timer(s, workspace_id, journey_id, None), _("Timer stopped.")):
                st.rerun()
    with round_col.form("workshop.round", clear_on_submit=True):
        name = st.text_input(_("New voting round"), key="workshop.round.name", placeholder=_("e.g. Biggest pains"))
        dots = st.number_input(_("Dots per participant"), min_value=1, max_value=50, value=5, key="workshop.round.dots")
        if st.form_submit_button(_("Open round")):
            if attempt(engine, lambda s: workshop.open_vote_round(s, workspace_id, journey_id, name, int(dots)),
                       _("Voting round opened.")):
                st.rerun()
    with st.expander(_("Guest links for this journey")):
        guest_links_panel(engine, workspace_id, journey_id)


def voting_panel(engine: Engine, workspace_id: int, journey_map: JourneyMap, voter: str, is_facilitator: bool) -> None:
    """Spend dots on the focused stage's steps, pain points and opportunities; see the ranking live."""
    journey_id = journey_map.journey.id
    with read_session(engine) as session:
        rounds = workshop.list_vote_rounds(session, workspace_id, journey_id)
    if not rounds:
        st.caption(_("No voting round yet. The facilitator opens one."))
        return
    state = {True: _("open"), False: _("closed")}
    names = {r.id: f"{r.name} ({state[r.is_open]})" for r in rounds}
    round_id = st.selectbox(_("Voting round"), list(names), format_func=names.get, key="workshop.vote.round",
                            index=len(names) - 1)
    current = next(r for r in rounds if r.id == round_id)
    with read_session(engine) as session:
        left = workshop.dots_left(session, workspace_id, round_id, voter)
        ranking = workshop.ranked_results(session, workspace_id, round_id)
    if current.is_open:
        st.markdown(_("You have **{left}** of {dots} dots left.").format(left=left, dots=current.dots_per_participant))
        targets = _vote_targets(journey_map)
        if targets:
            labels = unique_labels(dict(targets))
            target = st.selectbox(_("Vote for"), list(labels), format_func=labels.get, key="workshop.vote.target")
            give, take = st.columns(2)
            kind, target_id = target
            if give.button(_("Give a dot"), key="workshop.vote.give", type="primary", disabled=left <= 0, width="stretch"):
                attempt(engine, lambda s: workshop.cast_vote(s, workspace_id, round_id, voter, **{kind: target_id}),
                        _("Dot placed."))
                st.rerun()
            if take.button(_("Take a dot back"), key="workshop.vote.take", width="stretch"):
                attempt(engine, lambda s: workshop.retract_vote(s, workspace_id, round_id, voter, **{kind: target_id}),
                        _("Dot taken back."))
                st.rerun()
        if is_facilitator and st.button(_("Close this round"), key="workshop.vote.close"):
            attempt(engine, lambda s: workshop.close_vote_round(s, workspace_id, round_id), _("Round closed."))
            st.rerun()
    st.dataframe(ranking, hide_index=True, width="stretch")


def _vote_targets(journey_map: JourneyMap) -> list[tuple[tuple[str, int], str]]:
    """(keyword, id) → label for every votable card of the (focused) map."""
    targets = [(("step_id", int(r.id)), f"👣 {r.title}") for r in journey_map.steps.itertuples()]
    targets += [(("pain_point_id", int(r.id)), f"⚡ {r.text}") for r in journey_map.pain_points.itertuples()]
    targets += [(("opportunity_id", int(r.id)), f"💡 {r.text}") for r in journey_map.opportunities.itertuples()]
    return targets


def quick_capture(engine: Engine, workspace_id: int, journey_map: JourneyMap, author: str, stage_id: int | None) -> None:
    """One field for participants: a pain point, an idea or a question lands on the focused stage."""
    if not journey_map.stages:
        return
    stage = stage_id if stage_id in {s.id for s in journey_map.stages} else journey_map.stages[0].id
    kinds = translated(CAPTURE_KINDS)
    with st.form("workshop.capture", clear_on_submit=True):
        kind_col, text_col, add_col = st.columns([1, 4, 1], vertical_alignment="bottom")
        kind = kind_col.selectbox(_("Kind"), list(kinds), format_func=kinds.get, key="workshop.capture.kind")
        text = text_col.text_input(_("Capture a thought for the focused stage"), key="workshop.capture.text")
        if add_col.form_submit_button(_("Add"), type="primary", width="stretch"):
            if attempt(engine, lambda s: workshop.quick_capture(
                    s, workspace_id, journey_map.journey.id, stage, kind, text, author,
                    parking_title=_(workshop.PARKING_LOT_TITLE)), _("Captured.")):
                st.rerun()


def comments_panel(engine: Engine, workspace_id: int, journey_map: JourneyMap) -> None:
    steps = unique_labels(dict(zip(journey_map.steps["id"], journey_map.steps["title"], strict=True)))
    if not steps:
        return
    step_id = st.selectbox(_("Comments on step"), list(steps), format_func=steps.get, key="workshop.comment.step")
    comment_thread(engine, workspace_id, key="workshop.comment", step_id=step_id)
