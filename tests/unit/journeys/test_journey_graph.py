"""Branch validation on hand-built graphs: one test per warning kind, and clean graphs without any."""

import pandas as pd
import pytest

from services import journeys
from services.core import DomainError
from services.core.i18n import translate
from services.journeys import flows
from services.journeys.graph import MESSAGES, BranchWarning, load, validate_branches

STEP_COLUMNS = ["id", "title", "is_entry", "entry_share", "is_exit", "exit_kind"]
TRANSITION_COLUMNS = ["id", "source_step_id", "target_step_id", "share", "label"]


def graph(steps: str, *edges: tuple[int, int, float | None]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Steps from a compact spec: "1e 2 3x" = step 1 is the entry (100 %), 2 plain, 3 an exit."""
    rows = []
    for token in steps.split():
        step_id = int(token.rstrip("ex"))
        entry, exit_ = "e" in token, "x" in token
        rows.append((step_id, f"S{step_id}", entry, 100.0 if entry else None, exit_, "complete" if exit_ else ""))
    transitions = [(n, source, target, share, "") for n, (source, target, share) in enumerate(edges, start=1)]
    return pd.DataFrame(rows, columns=STEP_COLUMNS), pd.DataFrame(transitions, columns=TRANSITION_COLUMNS)


def kinds(warnings: list[BranchWarning]) -> list[tuple[str, int | None]]:
    return [(w.kind, w.step_id) for w in warnings]


def test_a_clean_diamond_has_no_warnings():
    steps, transitions = graph("1e 2 3 4x", (1, 2, 60), (1, 3, 40), (2, 4, 100), (3, 4, 100))
    assert validate_branches(steps, transitions) == []


def test_an_empty_journey_has_no_warnings():
    assert validate_branches(pd.DataFrame(columns=STEP_COLUMNS), pd.DataFrame(columns=TRANSITION_COLUMNS)) == []


def test_unknown_shares_are_not_summed():
    steps, transitions = graph("1e 2x 3x", (1, 2, None), (1, 3, 30))
    assert validate_branches(steps, transitions) == []


def test_shares_over_100():
    steps, transitions = graph("1e 2x 3x", (1, 2, 70), (1, 3, 45.5))
    [warning] = validate_branches(steps, transitions)
    assert (warning.kind, warning.step_id, warning.params) == ("shares_over_100", 1, {"title": "S1", "total": "115.5"})
    assert warning.render() == "The shares leaving “S1” add up to 115.5 % – more than 100 %."


def test_known_shares_over_100_are_reported_even_with_an_unknown_one():
    steps, transitions = graph("1e 2x 3x 4x", (1, 2, 80), (1, 3, 30), (1, 4, None))
    assert kinds(validate_branches(steps, transitions)) == [("shares_over_100", 1)]


def test_shares_under_100_says_how_much_is_missing():
    steps, transitions = graph("1e 2x 3x", (1, 2, 50), (1, 3, 20))
    [warning] = validate_branches(steps, transitions)
    assert (warning.kind, warning.params) == ("shares_under_100", {"title": "S1", "total": "70", "missing": "30"})


def test_decimal_shares_that_add_up_are_fine():
    steps, transitions = graph("1e 2x 3x 4x", (1, 2, 33.3), (1, 3, 33.3), (1, 4, 33.4))
    assert validate_branches(steps, transitions) == []


def test_entry_shares_over_100():
    steps, transitions = graph("1e 2e 3x", (1, 3, 100), (2, 3, 100))
    steps.loc[steps["id"] == 2, "entry_share"] = 30.0
    [warning] = validate_branches(steps, transitions)
    assert (warning.kind, warning.step_id, warning.params) == ("entry_shares_over_100", None, {"total": "130"})


def test_no_entry_is_one_warning_not_one_per_step():
    steps, transitions = graph("1 2x", (1, 2, 100))
    assert kinds(validate_branches(steps, transitions)) == [("no_entry", None)]


def test_unreachable_steps():
    steps, transitions = graph("1e 2x 3 4x", (1, 2, 100), (3, 4, 100))
    assert kinds(validate_branches(steps, transitions)) == [("unreachable", 3), ("unreachable", 4)]


def test_a_loop_is_reachable_and_terminates():
    steps, transitions = graph("1e 2 3 4x", (1, 2, 100), (2, 3, 100), (3, 2, 50), (3, 4, 50))
    assert validate_branches(steps, transitions) == []


def test_dead_end():
    steps, transitions = graph("1e 2 3x", (1, 2, 50), (1, 3, 50))
    [warning] = validate_branches(steps, transitions)
    assert (warning.kind, warning.step_id, warning.params) == ("dead_end", 2, {"title": "S2"})


def test_exit_has_outgoing():
    steps, transitions = graph("1e 2x 3x", (1, 2, 100), (2, 3, 100))
    assert kinds(validate_branches(steps, transitions)) == [("exit_has_outgoing", 2)]


def test_an_exit_may_pass_on_only_part_of_its_customers_without_an_under_100_warning():
    steps, transitions = graph("1e 2x 3x", (1, 2, 100), (2, 3, 10))
    assert kinds(validate_branches(steps, transitions)) == [("exit_has_outgoing", 2)]


def test_warnings_come_in_step_order_with_journey_wide_ones_first():
    steps, transitions = graph("3 1 2", (3, 1, 80), (3, 2, 30))
    assert kinds(validate_branches(steps, transitions)) == [
        ("no_entry", None), ("shares_over_100", 3), ("dead_end", 1), ("dead_end", 2),
    ]


def test_transitions_to_unknown_steps_are_ignored():
    steps, transitions = graph("1e 2x", (1, 2, 100), (1, 99, 50))
    assert validate_branches(steps, transitions) == []


def test_nan_shares_from_a_database_frame_count_as_unknown():
    steps, transitions = graph("1e 2x 3x", (1, 2, None), (1, 3, None))
    transitions["share"] = transitions["share"].astype(float)
    steps["entry_share"] = steps["entry_share"].astype(float)
    assert validate_branches(steps, transitions) == []


@pytest.mark.parametrize("kind_and_params", [
    ("shares_over_100", {"title": "Bucht", "total": "120"}),
    ("shares_under_100", {"title": "Bucht", "total": "80", "missing": "20"}),
    ("unreachable", {"title": "Bucht"}),
])
def test_warnings_render_translated(kind_and_params):
    kind, params = kind_and_params
    warning = BranchWarning(kind, 1, MESSAGES[kind], params)
    text = warning.render(lambda message: translate(message, "de"))
    assert "„Bucht“" in text and "{" not in text


def test_load_reads_a_stored_journey(session, journey_map):
    m = journey_map
    journeys.create_transition(session, m.ws, m.a.id, m.b.id, {"share": 100})
    journeys.create_transition(session, m.ws, m.a.id, m.c.id, {"share": 10})
    assert kinds(load(session, m.ws, m.journey.id)) == [
        ("no_entry", None), ("shares_over_100", m.a.id), ("dead_end", m.b.id), ("dead_end", m.c.id),
    ]


def test_every_entry_share_0_is_a_warning():
    steps, transitions = graph("1e 2e 3x", (1, 3, 100), (2, 3, 100))
    steps["entry_share"] = [0.0, 0.0, None]
    assert kinds(validate_branches(steps, transitions)) == [("entry_shares_zero", None)]
    steps.loc[1, "entry_share"] = None  # an entry point without a share takes the rest
    assert validate_branches(steps, transitions) == []


@pytest.mark.parametrize("edges, loop", [
    ([(1, 2, 100), (2, 3, 100), (3, 2, 100), (1, 4, None)], ["S2", "S3"]),  # every share of the loop is 100 %
    ([(1, 2, 100), (2, 3, None), (3, 2, None)], ["S2", "S3"]),  # unknown shares take the rest: 100 %
    ([(1, 2, 100), (2, 3, 60), (2, 3, 40), (3, 2, 100)], ["S2", "S3"]),  # two branches, together 100 %
    ([(1, 2, 100), (2, 3, 100), (3, 2, 100), (3, 4, 0)], ["S2", "S3"]),  # a way out with 0 % is none
])
def test_a_loop_with_no_way_out_is_warned_about_as_the_flow_refuses_it(edges, loop):
    steps, transitions = graph("1e 2 3 4x", *edges)
    warnings = [w for w in validate_branches(steps, transitions) if w.kind == "closed_loop"]
    assert len(warnings) == 1 and warnings[0].params == {"steps": ", ".join(f"“{t}”" for t in loop)}
    flow_steps = steps.rename(columns={"id": "step_id"}).assign(stage_id=1, stage_name="Stage")
    with pytest.raises(DomainError) as refused:
        flows.compute_flow(flow_steps, transitions, customers=100)
    assert refused.value.render() == warnings[0].render()  # the same rule, the same words


@pytest.mark.parametrize("edges", [
    [(1, 2, 100), (2, 3, 100), (3, 2, 90), (3, 4, 10)],  # a way out to the exit
    [(1, 2, 100), (2, 3, 100), (3, 2, 80)],  # 20 % drop off at S3
    [(1, 4, 100), (2, 3, 100), (3, 2, 100)],  # a closed loop nobody reaches (S2 is reported as unreachable)
])
def test_a_loop_customers_can_leave_is_no_closed_loop(edges):
    steps, transitions = graph("1e 2 3 4x", *edges)
    assert "closed_loop" not in [w.kind for w in validate_branches(steps, transitions)]
    flows.compute_flow(steps.rename(columns={"id": "step_id"}).assign(stage_id=1, stage_name="Stage"), transitions, 100)
