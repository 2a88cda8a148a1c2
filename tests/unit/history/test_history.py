"""Deletes with undo: the snapshot in the activity log puts back exactly what was deleted."""

from datetime import datetime

import pytest
from sqlalchemy import select as core_select
from sqlalchemy import update
from sqlmodel import select

from models import (
    ActivityEntry,
    Opportunity,
    OpportunityPainPoint,
    PainPoint,
    Stage,
    Step,
    StepPersonaEmotion,
    StepTouchpoint,
    Transition,
)
from models.db import read_session, upgrade_to_head
from services import audit, journeys
from services.core.errors import NotFoundError
from services.history import undo as history
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints

TABLES = (Stage, Step, PainPoint, Opportunity, OpportunityPainPoint, StepTouchpoint, Transition, StepPersonaEmotion)


def database(session) -> dict[str, list[dict]]:
    """Every row of the journey tables, all columns (timestamps and versions too)."""
    result = {}
    for model in TABLES:
        table = model.__table__
        rows = session.execute(core_select(table).order_by(*table.primary_key.columns)).mappings().all()
        result[table.name] = [dict(row) for row in rows]
    return result


@pytest.fixture
def rich(session, journey_map):
    """The fixture map (a, b in stage 1; c in stage 2) plus d in stage 1, with something of every kind on b."""
    m = journey_map
    m.d = journeys.create_step(session, m.ws, m.stages[0].id, {"title": "Reads reviews"})
    mia = personas.create_persona(session, m.ws, {"name": "Mia"})
    journeys.set_journey_personas(session, m.ws, m.journey.id, [mia.id])
    journeys.update_step(session, m.ws, m.b.id, {"doing": "Calls", "emotion": -2, "entry_share": 20.5, "is_entry": True})
    slow = journeys.create_pain_point(session, m.ws, m.b.id, {"text": "Slow", "severity": 5})
    elsewhere = journeys.create_pain_point(session, m.ws, m.c.id, {"text": "Costly"})
    faster = journeys.create_opportunity(session, m.ws, m.b.id, {"text": "Faster", "status": "planned"})
    other = journeys.create_opportunity(session, m.ws, m.a.id, {"text": "Chat"})
    journeys.set_opportunity_pain_points(session, m.ws, faster.id, [slow.id, elsewhere.id])
    journeys.set_opportunity_pain_points(session, m.ws, other.id, [slow.id])
    journeys.create_transition(session, m.ws, m.a.id, m.b.id, {"label": "asks", "share": 60})
    journeys.create_transition(session, m.ws, m.b.id, m.c.id, {"share": 100})
    journeys.create_transition(session, m.ws, m.a.id, m.c.id, {"share": 40})
    shop = touchpoints.create_touchpoint(session, m.ws, {"name": "Shop"})
    touchpoints.attach_touchpoint(session, m.ws, m.b.id, shop.id, {"importance": 5, "satisfaction": 1, "notes": "busy"})
    journeys.set_persona_emotion(session, m.ws, m.b.id, mia.id, -3)
    journeys.update_step(session, m.ws, m.b.id, {"title": "Asks friends (edited)"})  # version 3
    m.mia, m.shop = mia, shop
    return m


def test_delete_step_and_undo_restores_exactly(session, rich):
    m = rich
    before = database(session)
    activity_id = history.delete_step_with_undo(session, m.ws, m.b.id, actor="Ana")

    after_delete = database(session)
    assert m.b.id not in {s["id"] for s in after_delete["step"]}
    assert after_delete["pain_point"] == [p for p in before["pain_point"] if p["step_id"] != m.b.id]  # cascade
    assert len(after_delete["transition"]) == 1 and after_delete["step_touchpoint"] == []
    assert after_delete["step_persona_emotion"] == [] and len(after_delete["opportunity_pain_point"]) == 0

    history.undo_delete(session, m.ws, activity_id)
    assert database(session) == before


def test_the_snapshot_is_stored_as_json_in_the_activity_log(session, rich):
    m = rich
    activity_id = history.delete_step_with_undo(session, m.ws, m.b.id, actor="Ana")
    entry = session.get(ActivityEntry, activity_id)
    assert (entry.action, entry.entity_type, entry.entity_id, entry.journey_id, entry.actor) == (
        "delete", "step", m.b.id, m.journey.id, "Ana",
    )
    assert entry.summary == "Asks friends (edited)"
    step = entry.before["steps"][0]
    assert isinstance(step["created_at"], str) and datetime.fromisoformat(step["created_at"])
    assert {k: len(v) for k, v in entry.before.items()} == {
        "steps": 1, "pain_points": 1, "opportunities": 1, "opportunity_pain_points": 3,
        "step_touchpoints": 1, "transitions": 2, "persona_emotions": 1,
    }


def test_delete_stage_and_undo_restores_the_stage_with_all_its_steps(session, rich, count_queries):
    m = rich
    before = database(session)
    with count_queries() as statements:
        activity_id = history.delete_stage_with_undo(session, m.ws, m.stages[0].id)
    assert len(statements) <= 16
    assert [s.title for s in journeys.list_steps(session, m.ws, m.journey.id)] == ["Compares offers"]

    history.undo_delete(session, m.ws, activity_id)
    assert database(session) == before
    undo = session.exec(select(ActivityEntry).where(ActivityEntry.action == "undo")).one()
    assert (undo.entity_type, undo.entity_id, undo.journey_id) == ("activity_entry", activity_id, m.journey.id)
    assert undo.after["restored"]["stages"] == [m.stages[0].id]


def test_delete_transition_and_undo(session, rich):
    m = rich
    before = database(session)
    transition = journeys.list_transitions(session, m.ws, m.journey.id)[0]
    activity_id = history.delete_transition_with_undo(session, m.ws, transition.id)
    assert len(journeys.list_transitions(session, m.ws, m.journey.id)) == 2
    history.undo_delete(session, m.ws, activity_id)
    assert database(session) == before


def test_a_second_undo_of_the_same_entry_is_refused(session, rich, raises_domain_error):
    m = rich
    activity_id = history.delete_step_with_undo(session, m.ws, m.b.id)
    history.undo_delete(session, m.ws, activity_id)
    with raises_domain_error("This change has already been undone."):
        history.undo_delete(session, m.ws, activity_id)
    assert len(journeys.list_steps(session, m.ws, m.journey.id)) == 4


def test_only_logged_deletes_can_be_undone(session, rich, other_workspace, raises_domain_error):
    m = rich
    other = audit.record(session, m.ws, "Ana", "update", "step", m.a.id, "x", {"title": "old"}, {"title": "new"})
    with raises_domain_error("This change cannot be undone."):
        history.undo_delete(session, m.ws, other.id)
    activity_id = history.delete_step_with_undo(session, m.ws, m.b.id)
    with raises_domain_error(error=NotFoundError):
        history.undo_delete(session, other_workspace.id, activity_id)
    with raises_domain_error(error=NotFoundError):
        history.delete_step_with_undo(session, other_workspace.id, m.a.id)


def test_a_step_returns_to_its_old_place_after_the_others_moved(session, rich):
    m = rich
    activity_id = history.delete_step_with_undo(session, m.ws, m.b.id)  # stage 1: a, (b), d
    journeys.move_step(session, m.ws, m.d.id, "up")  # renumbers densely: d 0, a 1
    history.undo_delete(session, m.ws, activity_id)
    steps = [(s.title, s.position) for s in journeys.list_steps(session, m.ws, m.journey.id) if s.stage_id == m.stages[0].id]
    assert steps == [("Reads reviews", 0), ("Asks friends (edited)", 1), ("Sees an ad", 2)]


def test_a_stage_returns_to_its_old_place(session, rich):
    m = rich
    third = journeys.create_stage(session, m.ws, m.journey.id, {"name": "Purchase"})
    activity_id = history.delete_stage_with_undo(session, m.ws, m.stages[1].id)
    journeys.move_stage(session, m.ws, third.id, "left")  # Purchase 0, Awareness 1
    history.undo_delete(session, m.ws, activity_id)
    assert [(s.name, s.position) for s in journeys.list_stages(session, m.ws, m.journey.id)] == [
        ("Purchase", 0), ("Interest", 1), ("Awareness", 2),
    ]


def test_ids_taken_by_newer_rows_get_new_ids_and_references_follow(session, rich):
    m = rich
    last = journeys.create_step(session, m.ws, m.stages[1].id, {"title": "Last"})  # the highest step id
    journeys.create_pain_point(session, m.ws, last.id, {"text": "Lost"})
    journeys.create_transition(session, m.ws, m.c.id, last.id, {"share": 100})
    activity_id = history.delete_step_with_undo(session, m.ws, last.id)
    newcomer = journeys.create_step(session, m.ws, m.stages[0].id, {"title": "Newcomer"})
    if session.get_bind().dialect.name == "sqlite":
        assert newcomer.id == last.id  # SQLite hands out the freed highest id again
    else:  # a PostgreSQL sequence never does: another path (a copied database) takes the id
        session.expunge(newcomer)
        session.execute(update(Step).where(Step.id == newcomer.id).values(id=last.id).execution_options(synchronize_session=False))
        newcomer.id = last.id

    history.undo_delete(session, m.ws, activity_id)
    steps = {s.title: s for s in journeys.list_steps(session, m.ws, m.journey.id)}
    restored = steps["Last"]
    assert restored.id != last.id and steps["Newcomer"].id == last.id
    assert [p.text for p in journeys.list_pain_points(session, m.ws, m.journey.id, step_id=restored.id)] == ["Lost"]
    assert journeys.list_pain_points(session, m.ws, m.journey.id, step_id=newcomer.id) == []
    pairs = {(t.source_step_id, t.target_step_id) for t in journeys.list_transitions(session, m.ws, m.journey.id)}
    assert (m.c.id, restored.id) in pairs and (m.c.id, newcomer.id) not in pairs


def test_rows_whose_other_end_is_gone_are_skipped(session, rich):
    m = rich
    activity_id = history.delete_step_with_undo(session, m.ws, m.b.id)
    journeys.delete_step(session, m.ws, m.c.id)  # b → c and the pain point b's opportunity addresses on c go
    touchpoints.delete_touchpoint(session, m.ws, m.shop.id)
    personas.delete_persona(session, m.ws, m.mia.id)

    history.undo_delete(session, m.ws, activity_id)
    pairs = {(t.source_step_id, t.target_step_id) for t in journeys.list_transitions(session, m.ws, m.journey.id)}
    assert pairs == {(m.a.id, m.b.id)}
    addressed = journeys.opportunity_pain_points(session, m.ws, m.journey.id)
    assert sorted(len(v) for v in addressed.values()) == [1, 1]  # faster → slow, chat → slow; costly is gone
    assert session.exec(select(StepTouchpoint)).all() == [] and session.exec(select(StepPersonaEmotion)).all() == []


def test_undo_is_refused_when_what_the_row_belonged_to_is_gone(session, rich, raises_domain_error):
    m = rich
    step_entry = history.delete_step_with_undo(session, m.ws, m.c.id)
    journeys.delete_stage(session, m.ws, m.stages[1].id)
    with raises_domain_error("This cannot be restored: something it belonged to has been deleted in the meantime."):
        history.undo_delete(session, m.ws, step_entry)

    transition = journeys.list_transitions(session, m.ws, m.journey.id)[0]
    transition_entry = history.delete_transition_with_undo(session, m.ws, transition.id)
    journeys.delete_step(session, m.ws, transition.target_step_id)
    with raises_domain_error("This cannot be restored: something it belonged to has been deleted in the meantime."):
        history.undo_delete(session, m.ws, transition_entry)

    stage_entry = history.delete_stage_with_undo(session, m.ws, m.stages[0].id)
    journeys.delete_journey(session, m.ws, m.journey.id)
    with raises_domain_error("The journey of this change no longer exists."):
        history.undo_delete(session, m.ws, stage_entry)


def test_a_reconnected_branch_cannot_be_restored_twice(session, rich, raises_domain_error):
    m = rich
    transition = journeys.list_transitions(session, m.ws, m.journey.id)[0]
    activity_id = history.delete_transition_with_undo(session, m.ws, transition.id)
    journeys.create_transition(session, m.ws, transition.source_step_id, transition.target_step_id)
    with raises_domain_error("These two steps are already connected.", "target_step_id"):
        history.undo_delete(session, m.ws, activity_id)


def test_deleting_with_undo_respects_the_version(session, rich, raises_domain_error):
    from services.core.errors import ConflictError

    with raises_domain_error(error=ConflictError):
        history.delete_step_with_undo(session, rich.ws, rich.b.id, expected_version=1)
    assert session.exec(select(ActivityEntry).where(ActivityEntry.action == "delete")).all() == []


def test_migration_0004_gives_old_undo_entries_their_reverts_id(tmp_path):
    """Undo entries from before ``reverts_id`` pointed at their delete only by entity id; after the
    data migration the trash (which checks ``reverts_id`` only) no longer lists what they restored."""
    from alembic import command
    from sqlalchemy import text

    from models.db import alembic_config, create_db_engine
    from services.history import restore

    engine = create_db_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "71414cee1a50")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workspace (id, name, description, revision, created_at, updated_at, version) "
                          "VALUES (1, 'Old', '', 0, '2026-01-01', '2026-01-01', 1)"))
        columns = "workspace_id, at, actor, action, entity_type, entity_id, summary, batch, created_at, updated_at, version"
        conn.execute(text(f"INSERT INTO activity_entry (id, {columns}) VALUES "
                          "(1, 1, '2026-01-01', 'Ana', 'delete', 'persona', 9, 'Mia', 'b1', '2026-01-01', '2026-01-01', 1), "
                          "(2, 1, '2026-01-02', 'Ana', 'undo', 'activity_entry', 1, 'Mia', 'b2', '2026-01-02', '2026-01-02', 1)"))
    upgrade_to_head(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT reverts_id FROM activity_entry WHERE id = 2")).scalar_one() == 1
    with read_session(engine) as session:
        assert restore.trash(session, 1).empty
    engine.dispose()
