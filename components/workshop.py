"""Workshop pieces: joining, presence, the live map that follows the facilitator's
focus, dot voting, comments and quick capture.

Live updates: :func:`live_map` is a fragment the browser reruns when the room's poll route
(:mod:`components.room_watch`) says the map moved. Each run reads one row set (revision,
presence, focus, timer: ``workshop.room_state``); the grid for that revision and focus is
rendered once per server (:func:`room_grid`), not once per participant.
Typing in forms outside the fragment is never interrupted by a poll.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from components.comments import comment_thread
from components.dot_board import changed_dots, dot_board
from components.feedback import attempt
from components.i18n import N_, _, current_language
from components.identity import run_actor
from components.journey_grid import journey_grid_html
from components.labels import translated, unique_labels
from components.room_watch import room_watch
from components.text import BuiltHtml, md
from models.db import read_session
from services import accounts, workshop
from services.journeys import JourneyMap, load_journey_map

GRID_CACHE_ENTRIES = 64  # rendered grids kept per server (about 100–300 kB each: at most ~20 MB)
SESSION = "workshop.session_key"
SEATED = "workshop.seated"  # ((workspace, journey, who), when): the seat this session last wrote
GRID_HELD = "workshop.grid"  # (what it shows, grid, vote targets) as this session last drew it
CAPTURE_STEP = "workshop.capture.step"
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


@st.cache_data(max_entries=GRID_CACHE_ENTRIES, show_spinner=False)
def room_grid(_engine: Engine, database: str, workspace_id: int, journey_id: int, revision: int, focus: int | None,
              language: str) -> tuple[str, list[tuple[tuple[str, int], str]]]:
    """The map grid as the room sees it at ``revision`` with ``focus``, and its votable cards
    (:func:`vote_targets`): rendered once per change for the whole server, not once per participant
    (Streamlit computes a missing key once while the others wait). The key comes from the database, so
    several servers stay right; ``database`` keeps databases apart (tests), and ``language`` is the one
    the labels are rendered in."""
    with read_session(_engine) as session:
        journey_map = load_journey_map(session, workspace_id, journey_id)
        counts = workshop.journey_vote_counts(session, workspace_id, journey_id)
    shown = focused_map(journey_map, focus)
    return journey_grid_html(shown, votes=counts), vote_targets(shown)


def live_map(engine: Engine, workspace_id: int, journey_id: int, who: tuple[str, bool], presenting: bool = False) -> None:
    """The part every participant sees change within seconds: who is here, the timer, the map and the
    voting round (a fragment the browser reruns when the room's poll route says the map moved:
    :mod:`components.room_watch`).

    A run reads the room in one SELECT (:func:`services.workshop.room_state`) and re-sends the grid only
    when the map or the focus changed since this session drew it (Streamlit sends an unchanged large
    element as a reference to what the browser has). The page writes the presence heartbeat when it
    takes its seat (and when the route found none, or is missing); afterwards the route writes it."""
    name, is_facilitator = who
    if st.session_state.get(SEATED, (None,))[0] != (workspace_id, journey_id, who):  # first here, or another map or
        _take_seat(engine, workspace_id, journey_id, who)  # role: seen with it at once
    _save_my_dots(engine, workspace_id, name)
    with read_session(engine) as session:
        room = workshop.room_state(session, workspace_id, journey_id)
    shown = (str(engine.url), workspace_id, journey_id, room.revision, room.focus, current_language())
    held = st.session_state.get(GRID_HELD)
    if held is None or held[0] != shown:  # the map changed: the server's one rendering of it (a run that finds
        held = (shown, *room_grid(engine, *shown))  # nothing new does not even look it up)
        st.session_state[GRID_HELD] = held
    _shown, grid, targets = held
    asked = room_watch(st.session_state[SESSION], room)
    # The route writes the heartbeats; the page only when the route found no seat (forgotten meanwhile, or the
    # account changed) or is not there at all (then this run is the poll). Not on every run a change asks for:
    # a room of 100 would queue 100 writes behind each change.
    taken = st.session_state[SEATED][1]
    if asked == "seat" or (asked == "poll" and datetime.now(UTC) - taken > timedelta(seconds=workshop.HEARTBEAT_SECONDS)):
        _take_seat(engine, workspace_id, journey_id, who)
    st.html(BuiltHtml(grid))
    if not presenting:  # on the projector the map shows the dots on its cards
        with st.container(border=True):
            voting_panel(engine, workspace_id, journey_id, targets, name, is_facilitator, room.revision)


def _take_seat(engine: Engine, workspace_id: int, journey_id: int, who: tuple[str, bool]) -> None:
    """Write this session's presence (map, name, role, account): the route's heartbeats only refresh it,
    so a changed journey or role takes the seat again at once."""
    name, is_facilitator = who
    attempt(engine, lambda s: workshop.heartbeat(s, workspace_id, journey_id, st.session_state[SESSION], name,
                                                 is_facilitator=is_facilitator), "")
    st.session_state.pop("app.flash", None)  # a heartbeat is not news
    st.session_state[SEATED] = ((workspace_id, journey_id, who), datetime.now(UTC))


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
        hidden = st.checkbox(_("Hide the votes until the round is closed"), key="workshop.round.hidden")
        if st.form_submit_button(_("Open round")):
            if attempt(engine, lambda s: workshop.open_vote_round(s, workspace_id, journey_id, name, int(dots), hide_votes=hidden),
                       _("Voting round opened.")):
                st.rerun()
    lock_key = f"workshop.lock.{journey_id}"
    st.session_state[lock_key] = bool(journey_map.journey.structure_locked)
    st.toggle(_("Lock the map's structure (stages, steps, branches) for the workshop"), key=lock_key,
              help=_("Participants and editors can still vote, comment and capture cards; only facilitators change the map."),
              on_change=_set_lock, args=(engine, workspace_id, journey_id, lock_key))
    with st.expander(_("Guest links for this journey")):
        guest_links_panel(engine, workspace_id, journey_id)


def _set_lock(engine: Engine, workspace_id: int, journey_id: int, lock_key: str) -> None:
    locked = bool(st.session_state[lock_key])
    attempt(engine, lambda s: workshop.set_structure_lock(s, workspace_id, journey_id, locked),
            _("Map structure locked.") if locked else _("Map structure unlocked."))


VOTE_KINDS = {"step": N_("Step"), "pain_point": N_("Pain point"), "opportunity": N_("Opportunity")}
RESULT_LABELS = {"rank": N_("Rank"), "target_kind": N_("Kind"), "title": N_("Item"), "step_title": N_("On step"),
                 "votes": N_("Dots"), "voters": N_("Voters")}
PENDING = "workshop.vote.pending"


def results_table(ranking: pd.DataFrame) -> pd.DataFrame:
    """A round's ranking as people read it: translated column names and kinds, no ids."""
    kinds = translated(VOTE_KINDS)
    table = ranking[list(RESULT_LABELS)].copy()
    table["target_kind"] = table["target_kind"].map(kinds)
    return table.rename(columns=translated(RESULT_LABELS))


def _remember_dots(board: str, round_id: int) -> None:
    """The board's callback: keep the numbers the person set (per round) until the fragment's run saves them."""
    st.session_state.setdefault(PENDING, {}).setdefault(round_id, {}).update(changed_dots(board))


@dataclass(frozen=True)
class RoundInfo:
    """What the panel shows of a voting round (plain values: kept between polls, never an ORM row)."""

    id: int
    name: str
    is_open: bool
    hide_votes: bool
    dots_per_participant: int


def _round_facts(engine: Engine, workspace_id: int, journey_id: int) -> dict:
    """The rounds of the journey, and the progress, visible ranking and everyone's dots of the newest: read once
    for the room (each person is shown only their own dots)."""
    with read_session(engine) as session:
        rounds = [RoundInfo(int(r.id), r.name, r.is_open, r.hide_votes, r.dots_per_participant)  # type: ignore[arg-type]
                  for r in workshop.list_vote_rounds(session, workspace_id, journey_id)]
        facts = {"rounds": rounds, "progress": (0, 0), "ranking": None, "dots": {}}
        if rounds:
            current = rounds[-1]
            facts["progress"] = workshop.round_progress(session, workspace_id, current.id)
            facts["ranking"] = _visible_ranking(session, workspace_id, current)
            facts["dots"] = workshop.dots_by_voter(session, workspace_id, current.id)  # each person is handed their own
    return facts


def _visible_ranking(session: Session, workspace_id: int, voting_round: RoundInfo) -> list[dict] | None:
    """A round's ranking as records, or None while the round hides its votes."""
    if not workshop.votes_visible(voting_round):  # type: ignore[arg-type]
        return None
    return workshop.ranked_results(session, workspace_id, voting_round.id).to_dict("records")


@st.cache_data(max_entries=GRID_CACHE_ENTRIES, show_spinner=False)
def room_rounds(_engine: Engine, database: str, workspace_id: int, journey_id: int, revision: int) -> dict:
    """:func:`_round_facts` read once per change for the whole server (like :func:`room_grid`): when a round
    opens, the room's fifty sessions do not each run the same queries."""
    return _round_facts(_engine, workspace_id, journey_id)


def _voting_data(engine: Engine, workspace_id: int, journey_id: int, voter: str, revision: int | None) -> dict:
    """The rounds, the voter's dots, the progress and the visible ranking of the newest round, read
    again only when the workspace revision moved (every vote and round change moves it), and then
    once for the whole server (:func:`room_rounds`): a change costs no query per person."""
    key = f"workshop.vote.data.{journey_id}"
    data = st.session_state.get(key)
    if revision is not None and data is not None and (data["revision"], data["voter"]) == (revision, voter):
        return data
    facts = (_round_facts(engine, workspace_id, journey_id) if revision is None
             else room_rounds(engine, str(engine.url), workspace_id, journey_id, revision))
    # the person's own dots only: the others' stay out of this session (a hidden round's votes are secret)
    data = {**facts, "dots": None, "revision": revision, "voter": voter, "mine": facts["dots"].get(voter.strip(), {})}
    st.session_state[key] = data
    return data


def voting_panel(engine: Engine, workspace_id: int, journey_id: int, targets: list, voter: str, is_facilitator: bool,
                 revision: int | None = None) -> None:
    """The newest voting round of the journey: each person sets their dots per card of the focused
    stage; the ranking (or, while the round hides its votes, only how many voted).

    Called from the room's live fragment, so a round opened or closed reaches everyone within a poll.
    The person's dots are one element (:mod:`components.dot_board`), which sends the numbers they
    ended on: :func:`services.workshop.set_my_dots` makes the database say exactly that (idempotent),
    so no click is lost or counted twice. ``targets``: :func:`vote_targets` of the focused map;
    ``revision``: the workspace revision this run read (None: read afresh).
    """
    data = _voting_data(engine, workspace_id, journey_id, voter, revision)
    rounds = data["rounds"]
    if not rounds:
        st.caption(_("No voting round yet. The facilitator opens one."))
        return
    current = rounds[-1]
    round_id = current.id
    dots_cast, voters = data["progress"]
    ranking = None if data["ranking"] is None else pd.DataFrame(data["ranking"], columns=workshop.RESULT_COLUMNS)
    state = _("open") if current.is_open else _("closed")
    st.subheader(_("Voting round: {name} ({state})").format(name=current.name, state=state), anchor=False)
    if current.is_open:
        board = f"workshop.dots.{round_id}"
        dot_board(board, targets, data["mine"], current.dots_per_participant, on_dots=partial(_remember_dots, board, round_id))
        if is_facilitator and st.button(_("Close this round"), key=f"workshop.vote.close.{round_id}"):
            if attempt(engine, lambda s: workshop.close_vote_round(s, workspace_id, round_id), None):
                st.rerun()
    if ranking is None:
        st.info(_("The votes stay hidden until the facilitator closes the round. Dots placed so far: {dots}, voters: {voters}.")
                .format(voters=voters, dots=dots_cast), icon="🙈")
    elif ranking.empty:
        st.caption(_("No dots placed yet."))
    else:
        st.dataframe(results_table(ranking), hide_index=True, width="stretch", key=f"workshop.vote.results.{round_id}")
    # A toggle, not an expander: a closed expander's content is still built and sent on every run, and a
    # change reruns this panel for everyone in the room.
    if len(rounds) > 1 and st.toggle(_("Show earlier rounds"), key="workshop.vote.earlier"):
        _earlier_rounds(engine, workspace_id, rounds[:-1], revision)


def _save_my_dots(engine: Engine, workspace_id: int, voter: str) -> None:
    """Save the numbers the person set on the dot board since the last run (:func:`_remember_dots`), all of a
    round in one unit of work (a dot moved between cards is taken back before it is placed). Called before the
    run reads the room, so the same run's grid already counts them; a refused number (over the budget, a round
    closed meanwhile) says why and changes nothing, and the board shows the database's counts again."""
    pending: dict[int, dict[tuple[str, int], int]] = st.session_state.pop(PENDING, None) or {}
    for round_id, counts in pending.items():
        attempt(engine, lambda s, r=round_id, c=counts: workshop.set_my_dots(s, workspace_id, r, voter, c), None)


def _earlier_rounds(engine: Engine, workspace_id: int, rounds: list[RoundInfo], revision: int | None) -> None:
    state = {True: _("open"), False: _("closed")}
    names = {int(r.id): f"{r.name} ({state[r.is_open]})" for r in reversed(rounds)}
    round_id = st.selectbox(_("Voting round"), list(names), format_func=names.get, key="workshop.vote.round")
    chosen = next(r for r in rounds if r.id == round_id)
    ranking = (_round_ranking(engine, workspace_id, chosen) if revision is None
               else room_round_ranking(engine, str(engine.url), workspace_id, chosen, revision))
    if ranking is None:
        st.caption(_("The votes stay hidden until the facilitator closes the round."))
    else:
        st.dataframe(results_table(pd.DataFrame(ranking, columns=workshop.RESULT_COLUMNS)), hide_index=True, width="stretch")


def _round_ranking(engine: Engine, workspace_id: int, voting_round: RoundInfo) -> list[dict] | None:
    with read_session(engine) as session:
        return _visible_ranking(session, workspace_id, voting_round)


@st.cache_data(max_entries=GRID_CACHE_ENTRIES, show_spinner=False)
def room_round_ranking(_engine: Engine, database: str, workspace_id: int, voting_round: RoundInfo,
                       revision: int) -> list[dict] | None:
    """:func:`_visible_ranking` read once per change for the whole server (like :func:`room_rounds`): a change
    reruns the room's fragment in every session, and each would read the same earlier round again."""
    return _round_ranking(_engine, workspace_id, voting_round)


def vote_targets(journey_map: JourneyMap) -> list[tuple[tuple[str, int], str]]:
    """(keyword, id) → label for every votable card of the (focused) map."""
    targets = [(("step_id", int(r.id)), f"👣 {r.title}") for r in journey_map.steps.itertuples()]
    targets += [(("pain_point_id", int(r.id)), f"⚡ {r.text}") for r in journey_map.pain_points.itertuples()]
    targets += [(("opportunity_id", int(r.id)), f"💡 {r.text}") for r in journey_map.opportunities.itertuples()]
    return targets


def quick_capture(engine: Engine, workspace_id: int, journey_map: JourneyMap, author: str, stage_id: int | None) -> None:
    """One field for participants: a pain point, an idea or a question lands on the chosen step of
    the focused stage (or on the stage's parking-lot step when the stage has no steps yet)."""
    if not journey_map.stages:
        return
    stage = stage_id if stage_id in {s.id for s in journey_map.stages} else None
    shown = focused_map(journey_map, stage)
    steps = unique_labels(dict(zip(shown.steps["id"].astype(int), shown.steps["title"], strict=True)))
    if st.session_state.get(CAPTURE_STEP) not in steps:
        st.session_state.pop(CAPTURE_STEP, None)  # the focus moved on: start at its first step
    kinds = translated(CAPTURE_KINDS)
    with st.form("workshop.capture"):
        kind_col, step_col, text_col, add_col = st.columns([1, 2, 4, 1], vertical_alignment="bottom")
        kind = kind_col.selectbox(_("Kind"), list(kinds), format_func=kinds.get, key="workshop.capture.kind")
        step_id = step_col.selectbox(_("On step"), list(steps), format_func=steps.get, key=CAPTURE_STEP) if steps else None
        text = text_col.text_input(_("Capture a thought for the focused stage"), key="workshop.capture.text")
        if add_col.form_submit_button(_("Add"), type="primary", width="stretch"):
            if attempt(engine, lambda s: workshop.quick_capture(
                    s, workspace_id, journey_map.journey.id, stage, kind, text, author, step_id=step_id,
                    parking_title=_(workshop.PARKING_LOT_TITLE)), _("Captured.")):
                st.session_state.pop("workshop.capture.text", None)  # empty for the next thought; kind and step stay
                st.rerun()


def comments_panel(engine: Engine, workspace_id: int, journey_map: JourneyMap) -> None:
    steps = unique_labels(dict(zip(journey_map.steps["id"], journey_map.steps["title"], strict=True)))
    if not steps:
        return
    step_id = st.selectbox(_("Comments on step"), list(steps), format_func=steps.get, key="workshop.comment.step")
    comment_thread(engine, workspace_id, key="workshop.comment", step_id=step_id)
