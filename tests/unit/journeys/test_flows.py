"""Flow and drop-off of branched journeys, against cases computed by hand."""

import numpy as np
import pandas as pd
import pytest

from models import Workspace
from services import journeys
from services.core.errors import DomainError
from services.journeys import flows
from services.journeys.flows import compute_flow
from services.metrics import crud as metrics

STEP_FIELDS = ["step_id", "title", "stage_id", "stage_name", "is_entry", "entry_share", "is_exit", "exit_kind"]


def step(step_id: int, stage: int = 1, *, entry: float | bool | None = None, exit_kind: str | None = None) -> dict:
    """A step row; ``entry=True`` marks an entry point without a share, a number gives its share."""
    return {"step_id": step_id, "title": f"S{step_id}", "stage_id": stage, "stage_name": f"Stage {stage}",
            "is_entry": entry is not None and entry is not False, "entry_share": None if entry in (None, True) else entry,
            "is_exit": exit_kind is not None, "exit_kind": exit_kind or ""}


def frame(*steps: dict) -> pd.DataFrame:
    return pd.DataFrame(list(steps), columns=STEP_FIELDS)


def links(*triples: tuple[int, int, float | None]) -> pd.DataFrame:
    return pd.DataFrame(triples, columns=["source_step_id", "target_step_id", "share"])


def by_step(result: flows.FlowResult, column: str) -> dict[int, float]:
    return {int(s): round(float(v), 6) for s, v in zip(result.steps["step_id"], result.steps[column], strict=True)}


def assert_conserved(result: flows.FlowResult) -> None:
    """Every customer ends exactly once: at an exit or by dropping off."""
    assert result.exits["customers"].sum() + result.steps["dropped_here"].sum() == pytest.approx(result.customers)


def test_linear_journey_with_drop_off_remainder() -> None:
    # 1000 enter at S1; 80 % go on to S2 (20 % drop off); 90 % of those reach the exit S3.
    result = compute_flow(frame(step(1, entry=100), step(2), step(3, 2, exit_kind="purchase")),
                          links((1, 2, 80), (2, 3, 90)), customers=1000)
    assert by_step(result, "visits") == {1: 1000, 2: 800, 3: 720}
    assert by_step(result, "dropped_here") == {1: 200, 2: 80, 3: 0}
    assert by_step(result, "exits_here") == {1: 0, 2: 0, 3: 720}
    assert by_step(result, "lost_pct")[2] == pytest.approx(10)
    assert result.links["customers"].tolist() == pytest.approx([800, 720])
    assert result.links["share"].tolist() == pytest.approx([80, 90])
    stages = result.stages.set_index("stage_name")
    assert stages.loc["Stage 1", ["entering", "lost", "finished"]].tolist() == pytest.approx([1000, 280, 0])
    assert stages.loc["Stage 2", ["entering", "lost", "finished", "drop_off_pct"]].tolist() == pytest.approx([720, 0, 720, 0])
    assert stages.loc["Stage 1", "drop_off_pct"] == pytest.approx(28)
    assert result.exits[["title", "exit_kind", "customers", "pct"]].values.tolist() == [["S3", "purchase", 720.0, 72.0]]
    assert_conserved(result)
    assert result.notes == ()


def test_two_way_branch_70_30() -> None:
    # S1 → S2 70 %, S1 → S3 30 %; S2 buys, S3 aborts.
    result = compute_flow(frame(step(1, entry=100), step(2, exit_kind="purchase"), step(3, exit_kind="abort")),
                          links((1, 2, 70), (1, 3, 30)), customers=1000)
    assert by_step(result, "visits") == {1: 1000, 2: 700, 3: 300}
    assert by_step(result, "to_loss_exits") == {1: 300, 2: 0, 3: 0}
    assert by_step(result, "lost") == {1: 300, 2: 0, 3: 0}
    outcomes = result.outcomes().set_index("kind")["customers"].to_dict()
    assert outcomes == pytest.approx({"purchase": 700, "abort": 300, "dropped": 0})
    losses = result.biggest_losses(3)
    assert losses["title"].tolist() == ["S1"] and losses["pct_of_customers"].tolist() == pytest.approx([30])
    assert_conserved(result)


def test_entry_point_in_the_middle() -> None:
    # 80 % enter at S1, 20 % at S3 (second stage). S1 → S2 100 %, S2 → S3 50 %, S3 → S4 (exit) 100 %.
    steps = frame(step(1, entry=80), step(2), step(3, 2, entry=20), step(4, 2, exit_kind="complete"))
    result = compute_flow(steps, links((1, 2, 100), (2, 3, 50), (3, 4, 100)), customers=1000)
    # S3: 200 entering + 800 · 50 % = 600; S2 drops 400.
    assert by_step(result, "entering") == {1: 800, 2: 0, 3: 200, 4: 0}
    assert by_step(result, "visits") == {1: 800, 2: 800, 3: 600, 4: 600}
    assert by_step(result, "dropped_here") == {1: 0, 2: 400, 3: 0, 4: 0}
    stages = result.stages.set_index("stage_name")
    assert stages.loc["Stage 2", "entering"] == pytest.approx(600)  # 200 start there + 400 from stage 1
    assert stages.loc["Stage 1", "drop_off_pct"] == pytest.approx(50)
    assert_conserved(result)


def test_loop_is_solved_exactly() -> None:
    # S1 → S2 100 %; S2 goes back to S1 with 20 %, on to the exit S3 with 80 %.
    # Visits of S1 and S2: 1000 / (1 − 0.2) = 1250 (a geometric series 1000 · (1 + 0.2 + 0.04 + …)).
    result = compute_flow(frame(step(1, entry=100), step(2), step(3, exit_kind="purchase")),
                          links((1, 2, 100), (2, 1, 20), (2, 3, 80)), customers=1000)
    assert by_step(result, "visits") == {1: 1250, 2: 1250, 3: 1000}
    assert result.links.set_index(["source_step_id", "target_step_id"])["customers"].to_dict() == pytest.approx(
        {(1, 2): 1250, (2, 1): 250, (2, 3): 1000})
    assert_conserved(result)


def test_loop_with_drop_off() -> None:
    # As above, but S2 → S3 only 60 %: 20 % of S2's visits drop off. v = 1000 / 0.8 = 1250; exit 750, dropped 250.
    result = compute_flow(frame(step(1, entry=100), step(2), step(3, exit_kind="purchase")),
                          links((1, 2, 100), (2, 1, 20), (2, 3, 60)), customers=1000)
    assert by_step(result, "visits") == {1: 1250, 2: 1250, 3: 750}
    assert by_step(result, "dropped_here") == {1: 0, 2: 250, 3: 0}
    assert_conserved(result)


def test_closed_loop_is_refused_with_the_steps_named() -> None:
    steps = frame(step(1, entry=100), step(2), step(3), step(4, exit_kind="purchase"))
    with pytest.raises(DomainError) as info:
        compute_flow(steps, links((1, 2, 100), (2, 3, 100), (3, 2, 100)), customers=1000)
    assert "“S2”, “S3”" in info.value.render()
    assert "S1" not in info.value.params["steps"]


def test_closed_loop_that_nobody_reaches_is_harmless() -> None:
    steps = frame(step(1, entry=100), step(2, exit_kind="purchase"), step(3), step(4))
    result = compute_flow(steps, links((1, 2, 100), (3, 4, 100), (4, 3, 100)), customers=100)
    assert by_step(result, "visits") == {1: 100, 2: 100, 3: 0, 4: 0}


def test_entry_shares_are_relative_weights() -> None:
    result = compute_flow(frame(step(1, entry=60), step(2, entry=20), step(3, exit_kind="purchase")),
                          links((1, 3, 100), (2, 3, 100)), customers=1000)
    assert by_step(result, "entering") == {1: 750, 2: 250, 3: 0}
    assert [n.kind for n in result.notes] == ["entry_scaled"]


def test_unknown_entry_shares_split_evenly_or_take_the_rest() -> None:
    even = compute_flow(frame(step(1, entry=True), step(2, entry=True), step(3, exit_kind="purchase")),
                        links((1, 3, 100), (2, 3, 100)), customers=1000)
    assert by_step(even, "entering") == {1: 500, 2: 500, 3: 0}
    assert [n.kind for n in even.notes] == ["entry_even"]
    rest = compute_flow(frame(step(1, entry=70), step(2, entry=True), step(3, entry=True), step(4, exit_kind="purchase")),
                        links((1, 4, 100), (2, 4, 100), (3, 4, 100)), customers=1000)
    assert by_step(rest, "entering") == {1: 700, 2: 150, 3: 150, 4: 0}


def test_an_entry_share_of_0_means_nobody_enters_there() -> None:
    result = compute_flow(frame(step(1, entry=0), step(2, entry=True), step(3, exit_kind="purchase")),
                          links((1, 3, 100), (2, 3, 100)), customers=1000)
    assert by_step(result, "entering") == {1: 0, 2: 1000, 3: 0}
    assert "entry_even" not in [n.kind for n in result.notes]
    result = compute_flow(frame(step(1, entry=0), step(2, entry=40), step(3, exit_kind="purchase")),
                          links((1, 3, 100), (2, 3, 100)), customers=1000)
    assert by_step(result, "entering") == {1: 0, 2: 1000, 3: 0}


def test_every_entry_share_0_is_refused() -> None:
    with pytest.raises(DomainError) as info:
        compute_flow(frame(step(1, entry=0), step(2, entry=0), step(3, exit_kind="purchase")),
                     links((1, 3, 100), (2, 3, 100)), customers=1000)
    assert info.value.message == flows.ENTRY_ALL_ZERO


def test_no_entry_marked_starts_where_no_branch_leads() -> None:
    result = compute_flow(frame(step(1), step(2), step(3, exit_kind="purchase")), links((1, 2, 100), (2, 3, 100)), 10)
    assert by_step(result, "entering") == {1: 10, 2: 0, 3: 0}
    assert [n.kind for n in result.notes] == ["no_entry"]


def test_unknown_branch_shares_split_the_rest_and_excess_is_scaled() -> None:
    steps = frame(step(1, entry=100), step(2, exit_kind="purchase"), step(3, exit_kind="abort"), step(4, exit_kind="churn"))
    unknown = compute_flow(steps, links((1, 2, 50), (1, 3, None), (1, 4, None)), customers=100)
    assert by_step(unknown, "visits") == {1: 100, 2: 50, 3: 25, 4: 25}
    over = compute_flow(steps, links((1, 2, 90), (1, 3, 60)), customers=100)
    assert by_step(over, "visits") == {1: 100, 2: 60, 3: 40, 4: 0}
    assert [n.kind for n in over.notes] == ["shares_scaled"]


def test_dead_end_loses_everyone_and_exits_are_absorbing() -> None:
    # S2 is a dead end (not an exit); the exit S3's own way onward is ignored.
    steps = frame(step(1, entry=100), step(2), step(3, exit_kind="complete"), step(4))
    result = compute_flow(steps, links((1, 2, 40), (1, 3, 60), (3, 4, 100)), customers=100)
    assert by_step(result, "dropped_here") == {1: 0, 2: 40, 3: 0, 4: 0}
    assert by_step(result, "visits")[4] == 0
    assert_conserved(result)


def test_biggest_losses_ranks_steps_and_skips_those_losing_nobody() -> None:
    steps = frame(step(1, entry=100), step(2), step(3), step(4, exit_kind="purchase"), step(5, exit_kind="abort"))
    result = compute_flow(steps, links((1, 2, 90), (2, 3, 50), (2, 5, 20), (3, 4, 100)), customers=1000)
    # S1 loses 100 (drop); S2 900 visits: 270 dropped + 180 to abort = 450; S3 loses nobody.
    losses = result.biggest_losses(5)
    assert losses["title"].tolist() == ["S2", "S1"]
    assert losses["lost"].tolist() == pytest.approx([450, 100])
    assert losses["lost_pct"].tolist() == pytest.approx([50, 10])
    assert result.biggest_losses(1)["title"].tolist() == ["S2"]
    assert result.lost == pytest.approx(550)


def test_empty_journey_and_bad_customer_count() -> None:
    empty = compute_flow(frame(), links(), customers=100)
    assert empty.steps.empty and empty.biggest_losses().empty
    with pytest.raises(DomainError):
        compute_flow(frame(step(1, entry=100, exit_kind="purchase")), links(), customers=0)


def test_large_chain_stays_exact() -> None:
    # 300 steps in a chain, 99 % onward each: visits fall geometrically.
    n = 300
    steps = frame(*(step(i, entry=100 if i == 1 else None, exit_kind="purchase" if i == n else None) for i in range(1, n + 1)))
    result = compute_flow(steps, links(*((i, i + 1, 99.0) for i in range(1, n))), customers=1000)
    assert result.steps["visits"].iat[-1] == pytest.approx(1000 * 0.99 ** (n - 1))
    assert np.isclose(result.exits["customers"].sum() + result.steps["dropped_here"].sum(), 1000)


# --- from the database ----------------------------------------------------------------------------


@pytest.fixture
def stored_journey(session, workspace: Workspace):  # type: ignore[no-untyped-def]
    ws = workspace.id
    journey = journeys.create_journey(session, ws, {"name": "Shop"})
    first = journeys.create_stage(session, ws, journey.id, {"name": "Kauf"})
    cart = journeys.create_step(session, ws, first.id, {"title": "Warenkorb", "is_entry": True, "entry_share": 100})
    pay = journeys.create_step(session, ws, first.id, {"title": "Zahlung"})
    done = journeys.create_step(session, ws, first.id, {"title": "Bestellt", "is_exit": True, "exit_kind": "purchase"})
    abort = journeys.create_step(session, ws, first.id, {"title": "Abbruch", "is_exit": True, "exit_kind": "abort"})
    journeys.create_transition(session, ws, cart.id, pay.id, {"share": 90})
    journeys.create_transition(session, ws, pay.id, done.id, {"share": 75})
    journeys.create_transition(session, ws, pay.id, abort.id, {"share": 20})
    return journey, cart, pay, done


def test_journey_flow_reads_the_stored_journey_in_three_queries(session, workspace, stored_journey, count_queries) -> None:
    journey, *_ = stored_journey
    session.expunge_all()  # nothing cached: count what a fresh page run sends
    with count_queries() as statements:
        result = flows.journey_flow(session, workspace.id, journey.id, customers=200)
    assert len(statements) == 3
    assert result.steps["visits"].tolist() == pytest.approx([200, 180, 135, 36])


def test_journey_flow_of_another_workspace_is_not_found(session, other_workspace, stored_journey, raises_domain_error) -> None:
    journey, *_ = stored_journey
    with raises_domain_error(message="This item no longer exists. Someone may have deleted it."):
        flows.journey_flow(session, other_workspace.id, journey.id)


def test_measured_step_rates_beside_the_model(session, workspace, stored_journey, count_queries) -> None:
    journey, cart, pay, _done = stored_journey
    ws = workspace.id
    conversion = metrics.create_metric(session, ws, {"name": "Checkout conversion", "kind": "conversion_rate", "unit": "%",
                                                     "target": 80, "scope": "step", "step_id": pay.id})
    metrics.create_metric(session, ws, {"name": "Cart drop-off", "kind": "drop_off_rate", "unit": "%",
                                         "scope": "step", "step_id": cart.id})
    metrics.create_metric(session, ws, {"name": "CSAT", "kind": "csat", "scope": "step", "step_id": pay.id})
    metrics.add_measurement(session, ws, conversion.id, "2025-01-31", 70.0)
    metrics.add_measurement(session, ws, conversion.id, "2025-02-28", 72.5)
    flow = flows.journey_flow(session, ws, journey.id)
    with count_queries() as statements:
        rates = flows.measured_step_rates(session, ws, journey.id, flow)
    assert len(statements) == 1
    rows = rates.set_index("metric").to_dict("index")
    assert set(rows) == {"Checkout conversion", "Cart drop-off"}
    # Zahlung: 75 % go on to the purchase, 20 % abort, 5 % drop off → modelled conversion 75 %.
    assert rows["Checkout conversion"]["measured"] == 72.5
    assert str(rows["Checkout conversion"]["measured_on"].date()) == "2025-02-28"
    assert rows["Checkout conversion"]["modelled"] == pytest.approx(75)
    assert rows["Checkout conversion"]["difference"] == pytest.approx(-2.5)
    assert rows["Cart drop-off"]["modelled"] == pytest.approx(10)
    assert np.isnan(rows["Cart drop-off"]["measured"])
