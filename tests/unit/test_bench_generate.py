"""The benchmark's data generator writes what it promises and what the schema allows;
the benchmark driver skips scenarios whose page does not exist yet."""

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from bench.generate import SMALL_JOURNEY_STEPS, GeneratedWorkspace, generate_workspace
from bench.run import (
    EDITOR_JOURNEY_KEY,
    SCENARIOS,
    Scenario,
    available_scenarios,
    open_journey,
    percentile,
    shows_journey,
    targets,
)
from models import Journey, Measurement, Metric, Opportunity, PainPoint, Persona, Stage, Step, StepTouchpoint, Touchpoint, Transition
from tests.dialects import foreign_key_violations, integrity_ok

SMALL = {
    "personas": 3, "journeys": 4, "stages": 3, "steps_per_journey": 8, "touchpoints": 10,
    "step_touchpoint_links": 40, "metrics": 2, "measurements_per_metric": 5,
}


@pytest.fixture
def generated(engine: Engine) -> GeneratedWorkspace:
    return generate_workspace(engine, **SMALL, progress=None)


def scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine: Engine, sql: str, **params: object) -> list:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def test_counts_in_the_database(engine: Engine, generated: GeneratedWorkspace) -> None:
    ws = generated.workspace_id
    journeys = SMALL["journeys"] + 1  # the small journey comes on top
    steps = SMALL["journeys"] * SMALL["steps_per_journey"] + SMALL_JOURNEY_STEPS
    assert scalar(engine, "SELECT count(*) FROM persona WHERE workspace_id = :ws", ws=ws) == 3
    assert scalar(engine, "SELECT count(*) FROM journey WHERE workspace_id = :ws", ws=ws) == journeys
    assert scalar(engine, "SELECT count(*) FROM stage") == SMALL["journeys"] * SMALL["stages"] + 3
    assert scalar(engine, "SELECT count(*) FROM step") == steps
    assert scalar(engine, "SELECT count(*) FROM touchpoint WHERE workspace_id = :ws", ws=ws) == 10
    assert scalar(engine, "SELECT count(*) FROM step_touchpoint") == 40
    assert scalar(engine, "SELECT count(*) FROM metric WHERE workspace_id = :ws", ws=ws) == 2
    assert scalar(engine, "SELECT count(*) FROM measurement") == 2 * 5
    assert scalar(engine, "SELECT count(*) FROM channel WHERE workspace_id = :ws", ws=ws) > 0
    assert scalar(engine, "SELECT count(*) FROM persona_channel") > 0
    assert scalar(engine, "SELECT count(*) FROM journey_persona") >= journeys
    assert scalar(engine, "SELECT count(*) FROM pain_point") > 0
    assert scalar(engine, "SELECT count(*) FROM opportunity") > 0

    # The reported counts are the database's.
    for table in ("persona", "journey", "stage", "step", "transition", "pain_point", "opportunity",
                  "touchpoint", "step_touchpoint", "metric", "measurement"):
        assert generated.counts[table] == scalar(engine, f"SELECT count(*) FROM {table}"), table

    # The large and the small journey the benchmark opens.
    per_journey = dict(rows(engine, "SELECT journey_id, count(*) FROM step GROUP BY journey_id"))
    assert per_journey[generated.largest_journey_id] == SMALL["steps_per_journey"] == generated.largest_journey_steps
    assert per_journey[generated.small_journey_id] == SMALL_JOURNEY_STEPS == generated.small_journey_steps
    assert scalar(engine, "SELECT count(*) FROM stage WHERE journey_id = :j", j=generated.small_journey_id) == 3
    # No stage is left empty.
    assert scalar(engine, "SELECT count(*) FROM stage WHERE id NOT IN (SELECT stage_id FROM step)") == 0


def test_constraints_hold(engine: Engine, generated: GeneratedWorkspace) -> None:
    assert foreign_key_violations(engine) == []
    assert integrity_ok(engine)
    # Every row also passes the models' own validation (what the services check before writing).
    with Session(engine) as session:
        for model in (Persona, Journey, Stage, Step, Transition, PainPoint, Opportunity, Touchpoint, StepTouchpoint,
                      Metric, Measurement):
            for row in session.exec(select(model)).all():
                model.model_validate(row.model_dump())


def test_branches_entries_and_exits(engine: Engine, generated: GeneratedWorkspace) -> None:
    # Outgoing shares per step stay within 100 %, in every journey.
    over = rows(engine, "SELECT journey_id, source_step_id, sum(share) FROM transition "
                        "GROUP BY journey_id, source_step_id HAVING sum(share) > 100")
    assert over == []
    # Some steps branch (two ways out), and transitions stay inside their journey.
    assert scalar(engine, "SELECT count(*) FROM (SELECT source_step_id FROM transition GROUP BY 1 HAVING count(*) > 1) AS branching") > 0
    assert scalar(engine, "SELECT count(*) FROM transition t JOIN step s ON s.id = t.target_step_id "
                          "WHERE s.journey_id <> t.journey_id") == 0
    # Entry shares add up to 100 % per journey; every journey ends in a purchase/complete exit without way out.
    for journey_id, entry_total in rows(engine, "SELECT journey_id, sum(entry_share) FROM step WHERE is_entry GROUP BY 1"):
        assert entry_total == pytest.approx(100), journey_id
    assert scalar(engine, "SELECT count(DISTINCT journey_id) FROM step WHERE is_entry") == SMALL["journeys"] + 1
    dead_ends = rows(engine, "SELECT id, is_exit, exit_kind FROM step WHERE id NOT IN (SELECT source_step_id FROM transition)")
    assert len(dead_ends) == SMALL["journeys"] + 1
    assert all(is_exit and kind in ("purchase", "complete") for _id, is_exit, kind in dead_ends)
    # Every step is reachable: the chain step → next step covers them all.
    assert scalar(engine, "SELECT count(*) FROM step WHERE NOT is_entry AND id NOT IN (SELECT target_step_id FROM transition)") == 0


def test_measurements_on_consecutive_days(engine: Engine, generated: GeneratedWorkspace) -> None:
    with Session(engine) as session:
        for metric in session.exec(select(Metric)).all():
            days = sorted(session.exec(select(Measurement.measured_on).where(Measurement.metric_id == metric.id)).all())
            assert len(days) == 5
            assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:], strict=False))
            assert metric.scope in ("journey", "step", "touchpoint")


def test_a_second_workspace_in_the_same_database(engine: Engine, generated: GeneratedWorkspace) -> None:
    second = generate_workspace(engine, **{**SMALL, "metrics": 0}, seed=2, progress=None)
    assert second.workspace_id != generated.workspace_id
    assert foreign_key_violations(engine) == []
    assert scalar(engine, "SELECT count(*) FROM journey") == 2 * (SMALL["journeys"] + 1)


def test_refuses_impossible_sizes(engine: Engine) -> None:
    with pytest.raises(ValueError):
        generate_workspace(engine, **{**SMALL, "step_touchpoint_links": 10_000}, progress=None)


# --- bench.run: scenario registry ---------------------------------------------------------------------------------


def test_scenarios_without_a_page_file_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "there.py").write_text("")
    scenarios = [Scenario("there", "pages/there.py"), Scenario("not yet", "pages/not_yet.py")]
    runnable, skipped = available_scenarios(scenarios, root=tmp_path)
    assert [s.name for s in runnable] == ["there"]
    assert [s.name for s in skipped] == ["not yet"]


def test_default_registry() -> None:
    names = [s.name for s in SCENARIOS]
    assert len(names) == len(set(names))
    assert {"overview", "personas (50)", "journeys list", "journey editor (60 steps)", "journey editor (6 steps)"} <= set(names)
    runnable, _skipped = available_scenarios()
    assert {"overview", "personas (50)"} <= {s.name for s in runnable}  # these pages exist today


def test_editor_setup_opens_the_journey() -> None:
    at = SimpleNamespace(session_state={})
    workspace = GeneratedWorkspace(workspace_id=1, largest_journey_id=7, largest_journey_steps=60,
                                   small_journey_id=9, small_journey_steps=6)
    open_journey("largest")(at, workspace)  # type: ignore[arg-type]
    assert at.session_state[EDITOR_JOURNEY_KEY] == 7
    open_journey("small")(at, workspace)  # type: ignore[arg-type]
    assert at.session_state[EDITOR_JOURNEY_KEY] == 9
    assert shows_journey("small")(at, workspace) is None  # type: ignore[arg-type]
    assert "instead of #7" in shows_journey("largest")(at, workspace)  # type: ignore[arg-type]


def test_targets_and_percentile() -> None:
    assert percentile(list(range(1, 16)), 0.9) == 14
    results = {
        "journey editor (60 steps)": {"median_ms": 120.0, "sql_per_rerun": 9},
        "journey editor (6 steps)": {"median_ms": 50.0, "sql_per_rerun": 9},
    }
    (line,) = targets(results)
    assert line["ratio"] == pytest.approx(2.4) and line["ratio_met"] and line["sql_met"]
    assert "ratio 2.40× (target ≤ 3×)" in line["text"] and "9 vs 9 (target: equal)" in line["text"]
    (missing,) = targets({})
    assert not missing["measured"]
