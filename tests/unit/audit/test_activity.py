"""The activity log on every change, the workspace revision, undo, restore, trash and conflict details."""

from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from models import ActivityEntry, PainPoint, Persona, Step
from models.db import create_db_engine, read_session, upgrade_to_head
from services import journeys
from services.audit import log as activity
from services.core.errors import ConflictError, DomainError
from services.history import restore
from services.history import undo as history
from services.journeys import templates as journey_templates
from services.kano import crud as kano
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from services.workshop import collaboration, presence
from services.workspaces import crud as workspaces

STEP_TEXT = ("title", "doing", "thinking", "feeling", "needs", "owner_department", "backstage")


@pytest.fixture
def board(engine):
    """A committed workspace with a journey, two stages and two steps (each test then writes in its own transactions)."""
    with unit_of_work(engine, actor="Setup") as s:
        ws = workspaces.create_workspace(s, "Workshop", with_channels=False).id
        journey = journeys.create_journey(s, ws, {"name": "Urlaub"})
        first = journeys.create_stage(s, ws, journey.id, {"name": "Awareness"})
        second = journeys.create_stage(s, ws, journey.id, {"name": "Booking"})
        a = journeys.create_step(s, ws, first.id, {"title": "Sees an ad"})
        b = journeys.create_step(s, ws, first.id, {"title": "Asks friends"})
    return SimpleNamespace(ws=ws, journey=journey.id, stages=[first.id, second.id], a=a.id, b=b.id)


def step_values(engine, step_id):
    with read_session(engine) as s:
        step = s.get(Step, step_id)
        return None if step is None else {k: v for k, v in step.model_dump().items() if k not in ("updated_at",)}


def revision(engine, ws):
    with read_session(engine) as s:
        return workspaces.revision(s, ws)


# --- every change is logged ------------------------------------------------------------------------


def test_create_update_delete_are_logged_with_actor_and_values(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        journeys.update_step(s, board.ws, board.a, {"title": "Sees a poster", "emotion": 2})
        pain = journeys.create_pain_point(s, board.ws, board.a, {"text": "Too small", "severity": 4})
    with unit_of_work(engine, actor="Ben") as s:
        journeys.delete_pain_point(s, board.ws, pain.id)
    with read_session(engine) as s:
        log = activity.history(s, board.ws, journey_id=board.journey, limit=3)
    assert list(log[["actor", "action", "entity_type", "summary"]].itertuples(index=False, name=None)) == [
        ("Ben", "delete", "pain_point", "Too small"),
        ("Anna", "create", "pain_point", "Too small"),
        ("Anna", "update", "step", "Sees a poster"),
    ]
    update = log.iloc[2]
    assert (update.before, update.after) == ({"title": "Sees an ad", "emotion": 0}, {"title": "Sees a poster", "emotion": 2})
    assert (update.changed_fields, update.entity_version, update.journey_id) == (["emotion", "title"], 2, board.journey)
    assert log.iloc[1].after["text"] == "Too small" and log.iloc[1].after["step_id"] == board.a
    assert log.iloc[0].before["severity"] == 4 and log.iloc[0].after is None
    assert log.iloc[0].batch != log.iloc[1].batch == log.iloc[2].batch  # one batch per save


def test_rows_without_a_workspace_column_are_logged_in_their_workspace(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        round_ = collaboration.open_vote_round(s, board.ws, board.journey, "Dots")
        collaboration.cast_vote(s, board.ws, round_.id, "Anna", step_id=board.a)
        item = kano.create_kano_item(s, board.ws, {"name": "Wifi"})
        kano.add_answers(s, board.ws, item.id, [{"functional": 1, "dysfunctional": 5}])
    with read_session(engine) as s:
        log = activity.history(s, board.ws, limit=10)
    assert {"vote_round", "vote", "kano_item"} <= set(log["entity_type"])
    assert log.loc[log["entity_type"] == "vote", "journey_id"].tolist() == [board.journey]


def test_the_revision_moves_once_per_save_and_heartbeats_do_not_move_it(engine, board, count_queries):
    start = revision(engine, board.ws)
    with unit_of_work(engine, actor="Anna") as s:
        for n in range(5):
            journeys.update_step(s, board.ws, board.a, {"doing": f"edit {n}"})
    assert revision(engine, board.ws) == start + 1
    with unit_of_work(engine) as s:
        presence.heartbeat(s, board.ws, board.journey, "tab-1", "Anna")
        presence.set_focus(s, board.ws, board.journey, board.stages[1], session_key="tab-1")
    assert revision(engine, board.ws) == start + 1
    with read_session(engine) as s, count_queries() as statements:
        workspaces.revision(s, board.ws)
    assert [q.split()[0] for q in statements] == ["BEGIN", "SELECT"]


@pytest.mark.parametrize("change", ["move_step", "move_stage", "duplicate", "template", "kano_answers", "undo_delete", "personas"])
def test_bulk_writes_move_the_revision_too(engine, board, change):
    with unit_of_work(engine) as s:
        item_id = kano.create_kano_item(s, board.ws, {"name": "Wifi"}).id
        entry_id = history.delete_step_with_undo(s, board.ws, board.b)
        persona_id = personas.create_persona(s, board.ws, {"name": "Mia"}).id
    start = revision(engine, board.ws)
    with unit_of_work(engine) as s:
        {
            "move_step": lambda: journeys.move_step(s, board.ws, board.a, "right"),
            "move_stage": lambda: journeys.move_stage(s, board.ws, board.stages[0], "right"),
            "duplicate": lambda: journeys.duplicate_journey(s, board.ws, board.journey),
            "template": lambda: journey_templates.create_journey_from_template(s, board.ws, {"name": "T"}, "aida_dl"),
            "kano_answers": lambda: kano.add_answers(s, board.ws, item_id, [{"functional": 1, "dysfunctional": 5}]),
            "undo_delete": lambda: history.undo_delete(s, board.ws, entry_id),
            "personas": lambda: journeys.set_journey_personas(s, board.ws, board.journey, [persona_id]),
        }[change]()
    assert revision(engine, board.ws) == start + 1


def test_a_change_in_one_workspace_leaves_the_others_revision(engine, board):
    with unit_of_work(engine) as s:
        other = workspaces.create_workspace(s, "Other", with_channels=False).id
    before = revision(engine, other)
    with unit_of_work(engine) as s:
        journeys.update_step(s, board.ws, board.a, {"title": "x"})
        journeys.move_step(s, board.ws, board.a, "down")
    assert revision(engine, other) == before


def test_a_100_row_save_costs_the_log_two_statements(engine, board, count_queries):
    with unit_of_work(engine, actor="Anna") as s:
        with count_queries() as statements:
            s.add_all(PainPoint(step_id=board.a, text=f"Pain {n}", position=n) for n in range(100))
            s.flush()
    log = [q for q in statements if "activity_entry" in q or "UPDATE workspace" in q]
    assert len(log) == 2  # one executemany of 100 entries + one revision UPDATE (the step's journey was cached)
    with read_session(engine) as s:
        assert len(activity.history(s, board.ws, entity_type="pain_point", limit=500)) == 100


def test_the_log_keeps_binary_values_exactly(engine, board):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    with unit_of_work(engine, actor="Anna") as s:
        persona = personas.create_persona(s, board.ws, {"name": "Mia"})
        persona.avatar_image, persona.avatar_mime = png, "image/png"
        s.add(persona)
    with unit_of_work(engine, actor="Anna") as s:
        personas.delete_persona(s, board.ws, persona.id)
    with unit_of_work(engine, actor="Anna") as s:
        entry = restore.trash(s, board.ws).iloc[0]
        assert entry.what["avatar_image"] == png
        restore.restore_from_trash(s, board.ws, int(entry.id))
    with read_session(engine) as s:
        assert s.get(Persona, persona.id).avatar_image == png


# --- undo ------------------------------------------------------------------------------------------


def test_undo_last_takes_back_ones_own_saves_one_by_one(engine, board):
    original = step_values(engine, board.a)
    with unit_of_work(engine, actor="Anna") as s:
        journeys.update_step(s, board.ws, board.a, {"title": "One", "emotion": 1})
    after_one = step_values(engine, board.a)
    with unit_of_work(engine, actor="Anna") as s:
        journeys.update_step(s, board.ws, board.a, {"title": "Two", "needs": "time"})
    with unit_of_work(engine, actor="Ben") as s:
        journeys.update_step(s, board.ws, board.b, {"title": "Ben's"})  # another card: does not block Anna

    with unit_of_work(engine, actor="Anna") as s:
        assert restore.undo_last(s, board.ws, "Anna") == "Two"
    assert _content(step_values(engine, board.a)) == _content(after_one)
    with unit_of_work(engine, actor="Anna") as s:
        restore.undo_last(s, board.ws, "Anna")
    assert _content(step_values(engine, board.a)) == _content(original)
    assert step_values(engine, board.b)["title"] == "Ben's"
    with unit_of_work(engine, actor="Anna") as s, pytest.raises(DomainError) as info:
        restore.undo_last(s, board.ws, "Anna")
    assert info.value.message == "You have no change left to undo."


def _content(values):
    return {k: v for k, v in values.items() if k not in ("version", "updated_at")}


def test_undo_is_refused_when_someone_else_changed_the_row_since(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        journeys.update_step(s, board.ws, board.a, {"title": "Anna's"})
    with unit_of_work(engine, actor="Ben") as s:
        journeys.update_step(s, board.ws, board.a, {"doing": "Ben's"})
    with unit_of_work(engine, actor="Anna") as s, pytest.raises(DomainError) as info:
        restore.undo_last(s, board.ws, "Anna")
    assert str(info.value) == "Ben has changed “Anna's” since; undoing yours would overwrite their change."
    assert step_values(engine, board.a)["title"] == "Anna's"


def test_undo_of_a_create_deletes_and_of_a_delete_restores(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        pain = journeys.create_pain_point(s, board.ws, board.a, {"text": "Slow", "severity": 5})
    with unit_of_work(engine, actor="Anna") as s:
        restore.undo_last(s, board.ws, "Anna")
    with read_session(engine) as s:
        assert s.get(PainPoint, pain.id) is None
        assert restore.trash(s, board.ws)["summary"].tolist() == ["Slow"]  # an undone create can come back

    with unit_of_work(engine, actor="Ben") as s:
        history.delete_step_with_undo(s, board.ws, board.b)
    before = step_values(engine, board.b)
    assert before is None
    with unit_of_work(engine, actor="Ben") as s:
        assert restore.undo_last(s, board.ws, "Ben") == "Asks friends"
    assert step_values(engine, board.b)["title"] == "Asks friends"
    with read_session(engine) as s:
        assert "Asks friends" not in restore.trash(s, board.ws)["summary"].tolist()


def test_undo_takes_back_everything_one_save_did(engine, board):
    with unit_of_work(engine, actor="Carla") as s:
        collaboration.quick_capture(s, board.ws, board.journey, board.stages[1], "pain", "Queue at the desk", "Carla")
    with read_session(engine) as s:
        assert [t.title for t in journeys.list_steps(s, board.ws, board.journey)][-1] == "Captured in workshop"
    with unit_of_work(engine, actor="Carla") as s:
        restore.undo_last(s, board.ws, "Carla")
    with read_session(engine) as s:
        assert [t.title for t in journeys.list_steps(s, board.ws, board.journey)] == ["Sees an ad", "Asks friends"]


def test_undo_of_a_create_is_refused_when_others_built_on_it(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        step = journeys.create_step(s, board.ws, board.stages[1], {"title": "Books"})
    with unit_of_work(engine, actor="Ben") as s:
        journeys.create_pain_point(s, board.ws, step.id, {"text": "Ben's pain"})
    with unit_of_work(engine, actor="Anna") as s, pytest.raises(DomainError) as info:
        restore.undo_last(s, board.ws, "Anna")
    assert str(info.value) == "Things have been added to “Books” since; delete it yourself if it should go."
    with unit_of_work(engine, actor="Zoe") as s:
        fresh = workspaces.create_workspace(s, "Fresh").id
    with unit_of_work(engine, actor="Zoe") as s, pytest.raises(DomainError) as info:
        restore.undo_last(s, fresh, "Zoe")
    assert info.value.message == "Creating a workspace cannot be undone; delete it in the workspace settings."


def test_undo_needs_a_name(engine, board):
    with unit_of_work(engine) as s, pytest.raises(DomainError):
        restore.undo_last(s, board.ws, " ")


# --- restore any earlier state, trash --------------------------------------------------------------


def test_restore_version_gives_the_values_after_that_entry(engine, board):
    entries, states = [], []
    for changes in [{"title": "v2"}, {"doing": "d3", "emotion": -2}, {"title": "v4", "emotion": 3}]:
        with unit_of_work(engine, actor="Anna") as s:
            journeys.update_step(s, board.ws, board.a, changes)
        with read_session(engine) as s:
            entries.append(int(activity.history(s, board.ws, entity_type="step", entity_id=board.a, limit=1).iloc[0].id))
        states.append(step_values(engine, board.a))
    with unit_of_work(engine, actor="Ben") as s:
        assert restore.restore_version(s, board.ws, entries[0]).version == 5
    assert _content(step_values(engine, board.a)) == _content(states[0])
    with unit_of_work(engine, actor="Ben") as s, pytest.raises(ConflictError):
        restore.restore_version(s, board.ws, entries[1], expected_version=4)
    with unit_of_work(engine, actor="Ben") as s:
        restore.restore_version(s, board.ws, entries[1], expected_version=5)
    assert _content(step_values(engine, board.a)) == _content(states[1])


def test_trash_lists_deletes_and_restores_them(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        pain = journeys.create_pain_point(s, board.ws, board.b, {"text": "Slow", "severity": 2})
        journeys.create_opportunity(s, board.ws, board.b, {"text": "Chat"})
    with unit_of_work(engine, actor="Anna") as s:
        journeys.update_pain_point(s, board.ws, pain.id, {"text": "Very slow"})
    with read_session(engine) as s:
        kept = journeys.get_pain_point(s, board.ws, pain.id).model_dump()
    with unit_of_work(engine, actor="Ben") as s:
        journeys.delete_pain_point(s, board.ws, pain.id)
    with unit_of_work(engine, actor="Ben") as s:
        journeys.delete_step(s, board.ws, board.b)  # a plain delete: the log keeps the step with what was on it
    with read_session(engine) as s:
        bin_ = restore.trash(s, board.ws)
    assert list(bin_[["actor", "entity_type", "summary", "contents"]].itertuples(index=False, name=None)) == [
        ("Ben", "step", "Asks friends", 1), ("Ben", "pain_point", "Very slow", 0),
    ]
    with unit_of_work(engine, actor="Ben") as s, pytest.raises(DomainError) as info:
        restore.restore_from_trash(s, board.ws, int(bin_.iloc[1].id))  # its step is gone
    assert info.value.message == "This cannot be restored: something it belonged to has been deleted in the meantime."
    with unit_of_work(engine, actor="Ben") as s:
        assert restore.restore_from_trash(s, board.ws, int(bin_.iloc[0].id)) == board.b
        assert restore.restore_from_trash(s, board.ws, int(bin_.iloc[1].id)) == pain.id
    with read_session(engine) as s:
        assert journeys.get_pain_point(s, board.ws, pain.id).model_dump() == kept
        assert [o.text for o in journeys.list_opportunities(s, board.ws, board.journey, step_id=board.b)] == ["Chat"]
        assert restore.trash(s, board.ws).empty
    with unit_of_work(engine, actor="Ben") as s, pytest.raises(DomainError) as info:
        restore.restore_from_trash(s, board.ws, int(bin_.iloc[1].id))
    assert info.value.message == "This change has already been undone."


def test_entries_of_another_workspace_are_not_found(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        other = workspaces.create_workspace(s, "Other", with_channels=False).id
        journeys.update_step(s, board.ws, board.a, {"title": "x"})
        entry_id = int(activity.history(s, board.ws, limit=1).iloc[0].id)
        with pytest.raises(DomainError):
            restore.restore_version(s, other, entry_id)
        with pytest.raises(DomainError):
            restore.restore_from_trash(s, other, entry_id)


# --- conflicts -------------------------------------------------------------------------------------


def test_conflict_details_say_who_changed_what(engine, board):
    with read_session(engine) as s:
        mine = journeys.get_step(s, board.ws, board.a)  # Ben's form, version 1
    with unit_of_work(engine, actor="Anna") as s:
        journeys.update_step(s, board.ws, board.a, {"title": "Sees a poster", "emotion": 2})
    with unit_of_work(engine, actor="Ben") as s, pytest.raises(ConflictError):
        journeys.update_step(s, board.ws, board.a, {"title": "Ben's title"}, expected_version=mine.version)
    with read_session(engine) as s:
        info = activity.conflict_details(s, board.ws, "step", board.a, mine.version)
    assert (info.actor, info.actors, info.changed_fields, info.current_version, info.deleted) == (
        "Anna", ("Anna",), ["title", "emotion"], 2, False,
    )
    assert info.their_values == {"title": "Sees a poster", "emotion": 2}
    with unit_of_work(engine, actor="Ben") as s:  # "overwrite": with the version now
        journeys.update_step(s, board.ws, board.a, {"title": "Ben's title"}, expected_version=info.current_version)

    with unit_of_work(engine, actor="Anna") as s:
        journeys.delete_step(s, board.ws, board.a)
    with read_session(engine) as s:
        gone = activity.conflict_details(s, board.ws, "step", board.a, 3)
    assert (gone.actor, gone.deleted, gone.current_version, gone.their_values["title"]) == ("Anna", True, None, "Ben's title")


def test_recently_edited_by_someone_else(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        journeys.update_step(s, board.ws, board.a, {"title": "x"})
    with read_session(engine) as s:
        assert activity.recently_edited_by_other(s, board.ws, "step", board.a, "Ben") == "Anna"  # the latest other
        assert activity.recently_edited_by_other(s, board.ws, "step", board.a, "Anna") == "Setup"  # created it just now
        assert activity.recently_edited_by_other(s, board.ws, "step", board.b, "Setup") is None
        assert activity.recently_edited_by_other(s, board.ws, "step", board.a, "Ben", within_seconds=-1) is None


# --- property-based: undo and restore give exactly the earlier values ------------------------------

edits = st.lists(
    st.fixed_dictionaries({}, optional={
        "title": st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zs")), min_size=1, max_size=30),
        "doing": st.text(max_size=40),
        "emotion": st.integers(-3, 3),
        "is_moment_of_truth": st.booleans(),
        "entry_share": st.none() | st.floats(0, 100, allow_nan=False),
    }).filter(bool),
    min_size=1, max_size=6,
)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'p.db'}")
    upgrade_to_head(engine)
    with unit_of_work(engine) as s:
        ws = workspaces.create_workspace(s, "Props", with_channels=False).id
        journey = journeys.create_journey(s, ws, {"name": "J"})
        stage = journeys.create_stage(s, ws, journey.id, {"name": "S"})
    yield SimpleNamespace(engine=engine, ws=ws, stage=stage.id, n=0)
    engine.dispose()


def _new_step(shared) -> int:
    shared.n += 1
    with unit_of_work(shared.engine, actor="Setup") as s:
        return journeys.create_step(s, shared.ws, shared.stage, {"title": f"Card {shared.n}", "doing": "start"}).id


def _states_after_edits(shared, step_id, changes_list, actor="Anna"):
    """Apply each edit in its own save; returns [(entry id after the edit, the step's values)] starting with the
    original. An edit that changes nothing writes no entry and adds no state."""
    engine = shared.engine
    with read_session(engine) as s:
        states = [(None, _content(s.get(Step, step_id).model_dump()))]
    for changes in changes_list:
        with unit_of_work(engine, actor=actor) as s:
            journeys.update_step(s, shared.ws, step_id, changes)
        with read_session(engine) as s:
            log = activity.history(s, shared.ws, entity_type="step", entity_id=step_id, limit=1)
            values = _content(s.get(Step, step_id).model_dump())
            if values != states[-1][1]:
                states.append((int(log.iloc[0].id), values))
    return states


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes_list=edits, pick=st.integers(0, 10))
def test_restore_version_gives_exactly_an_earlier_state(shared, changes_list, pick):
    step_id = _new_step(shared)
    states = _states_after_edits(shared, step_id, changes_list)
    assume(len(states) > 1)
    entry_id, wanted = states[1:][pick % (len(states) - 1)]
    with unit_of_work(shared.engine, actor="Ben") as s:
        restore.restore_version(s, shared.ws, entry_id)
    with read_session(shared.engine) as s:
        assert _content(s.get(Step, step_id).model_dump()) == wanted


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes_list=edits)
def test_undo_walks_back_through_every_earlier_state(shared, changes_list):
    step_id = _new_step(shared)
    states = _states_after_edits(shared, step_id, changes_list, actor=f"Anna {shared.n}")
    for _entry, wanted in reversed(states[:-1]):
        with unit_of_work(shared.engine, actor=f"Anna {shared.n}") as s:
            restore.undo_last(s, shared.ws, f"Anna {shared.n}")
        with read_session(shared.engine) as s:
            assert _content(s.get(Step, step_id).model_dump()) == wanted


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes_list=edits)
def test_delete_and_restore_from_trash_gives_exactly_the_last_state(shared, changes_list):
    step_id = _new_step(shared)
    states = _states_after_edits(shared, step_id, changes_list)
    with unit_of_work(shared.engine, actor="Ben") as s:
        journeys.create_pain_point(s, shared.ws, step_id, {"text": "On it"})
    with unit_of_work(shared.engine, actor="Ben") as s:
        journeys.delete_step(s, shared.ws, step_id)
    with unit_of_work(shared.engine, actor="Ben") as s:
        entry_id = int(restore.trash(s, shared.ws).iloc[0].id)
        assert restore.restore_from_trash(s, shared.ws, entry_id) == step_id
    with read_session(shared.engine) as s:
        assert _content(s.get(Step, step_id).model_dump()) == states[-1][1]
        assert [p.text for p in s.exec(select(PainPoint).where(PainPoint.step_id == step_id)).all()] == ["On it"]


def test_the_log_in_the_database_is_json(engine, board):
    with unit_of_work(engine, actor="Anna") as s:
        journeys.update_step(s, board.ws, board.a, {"title": "x"})
    with read_session(engine) as s:
        raw = s.exec(select(ActivityEntry).where(ActivityEntry.entity_type == "step").order_by(ActivityEntry.id.desc())).first()
        assert (raw.before, raw.after, raw.actor) == ({"title": "Sees an ad"}, {"title": "x"}, "Anna")
