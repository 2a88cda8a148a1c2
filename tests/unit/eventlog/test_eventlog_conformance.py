"""Planned vs actual: every figure on a hand-computed small log, and the ground truth of simulated
customers (shares within sampling error, exactly the injected deviations and the incident week)."""

import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from services.eventlog import conformance, ingest, mapping, simulate
from services.eventlog import store as eventstore
from services.eventlog.conformance import END, START, Filters
from services.eventlog.planned import make_map, planned_map
from tests.unit.eventlog.eventlog_helpers import (
    BROWSE,
    CART,
    DONE,
    NAMES,
    PAY,
    SHOP,
    A,
    B,
    C,
    D,
    small_map,
    small_store,
)


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield eventstore.open_store(1, tmp_path / "eventlogs")
    eventstore.close_all()


@pytest.fixture
def small(store, tmp_path: Path):  # type: ignore[no-untyped-def]
    return conformance.analyse(store, small_store(store, tmp_path), small_map())


def by_step(frame: pd.DataFrame, column: str) -> dict[int, float]:
    return dict(zip(frame["step_id"].astype(int), frame[column], strict=True))


# k1: a b c · k2: a a d b c · k3: a c · k4: a b err · k5: chat a2 b a b   (see eventlog_helpers.SMALL_LOG)


def test_visits_entries_exits_drop_off_repeats_loops(small) -> None:  # type: ignore[no-untyped-def]
    steps = small.steps
    assert by_step(steps, "visits") == {A: 6, B: 5, C: 3, D: 1}
    assert by_step(steps, "cases") == {A: 5, B: 4, C: 3, D: 1}
    assert by_step(steps, "entries") == {A: 5, B: 0, C: 0, D: 0}
    assert by_step(steps, "exits") == {A: 0, B: 2, C: 3, D: 0}
    assert by_step(steps, "drop_off") == {A: 0, B: 2, C: 0, D: 0}  # C is the purchase exit: no drop-off
    assert by_step(steps, "drop_off_share")[B] == pytest.approx(40.0)
    assert by_step(steps, "repeats") == {A: 1, B: 0, C: 0, D: 0}  # k2's second "a"
    assert by_step(steps, "loop_cases") == {A: 1, B: 1, C: 0, D: 0}  # k5 comes back to A and B
    assert by_step(steps, "deviating_cases") == {A: 1, B: 2, C: 0, D: 0}  # k3 leaves A irregularly; k4 fails, k5 loops at B
    assert by_step(steps, "deviating_share")[B] == pytest.approx(50.0)


def test_directly_follows_graph_and_times(small) -> None:  # type: ignore[no-untyped-def]
    dfg = {(int(s), int(t)): (int(n), int(c), bool(p)) for s, t, n, c, p in
           zip(small.dfg["source"], small.dfg["target"], small.dfg["transitions"], small.dfg["cases"], small.dfg["planned"],
               strict=True)}
    assert dfg == {
        (START, A): (5, 5, True), (A, B): (4, 3, True), (A, D): (1, 1, True), (D, B): (1, 1, True), (B, C): (2, 2, True),
        (A, C): (1, 1, False), (B, A): (1, 1, False), (C, END): (3, 3, True), (B, END): (2, 2, False),
    }
    bc = small.dfg.set_index(["source", "target"]).loc[(B, C)]
    assert bc["median_h"] == pytest.approx(3.0) and bc["p90_h"] == pytest.approx(3.8)  # 2 h and 4 h
    assert small.dfg["source_title"].iat[0] == "▶"  # most transitions first: the entries


def test_planned_beside_observed_shares(small) -> None:  # type: ignore[no-untyped-def]
    plan = small.planned.set_index(["source", "target"])
    assert plan["planned_share"].to_dict() == {(A, B): 70, (A, D): 30, (B, C): 80, (D, B): 50}
    assert plan["observed"].to_dict() == {(A, B): 4, (A, D): 1, (B, C): 2, (D, B): 1}
    assert plan["observed_share"].to_dict() == pytest.approx({(A, B): 400 / 6, (A, D): 100 / 6, (B, C): 40, (D, B): 100})
    assert plan.loc[(B, C), "difference"] == pytest.approx(-40)


def test_the_four_deviation_kinds(small) -> None:  # type: ignore[no-untyped-def]
    assert small.ad_hoc.to_dict("records") == [{"event": "chat", "events": 1, "cases": 1}]
    irregular = small.irregular.set_index(["source", "target"])
    assert irregular["transitions"].to_dict() == {(A, C): 1, (B, A): 1}
    assert irregular.loc[(A, C), "skipped"] == "Besucht Produktseite" and irregular.loc[(B, A), "skipped"] == ""
    assert small.missing.to_dict("records") == [{"step_id": B, "title": "Besucht Produktseite", "skipped": 1, "cases": 1}]
    assert small.failing[["step_id", "title", "error_events", "cases", "errors"]].to_dict("records") == [
        {"step_id": B, "title": "Besucht Produktseite", "error_events": 1, "cases": 1, "errors": "err"}]


def test_case_conformance_variants_and_summary(small) -> None:  # type: ignore[no-untyped-def]
    # per case: k1 2/2, k2 3/3, k3 0/1, k4 1/1, k5 2/3
    assert dict(zip(small.conformance["bucket"], small.conformance["cases"], strict=True)) == {
        0: 1, 10: 0, 20: 0, 30: 0, 40: 0, 50: 0, 60: 1, 70: 0, 80: 0, 90: 0, 100: 3}
    summary = small.summary
    assert (summary["events"], summary["cases"], summary["step_events"], summary["error_events"], summary["unmapped_events"]) == (
        18, 5, 16, 1, 1)
    assert summary["conforming_cases"] == 3 and summary["conforming_share"] == pytest.approx(60)
    assert summary["mean_conformance"] == pytest.approx(100 * (1 + 1 + 0 + 1 + 2 / 3) / 5)
    assert (summary["irregular_transitions"], summary["missing_steps"], summary["ad_hoc_events"], summary["failing_events"]) == (
        2, 1, 1, 1)
    assert small.variants["cases"].tolist() == [1] * 5 and small.variants["share"].tolist() == [20.0] * 5
    assert set(small.variants["path"]) == {
        "Sieht Anzeige → Besucht Produktseite → Kauft ein", "Sieht Anzeige → Liest Bewertungen → Besucht Produktseite → Kauft ein",
        "Sieht Anzeige → Kauft ein", "Sieht Anzeige → Besucht Produktseite",
        "Sieht Anzeige → Besucht Produktseite → Sieht Anzeige → Besucht Produktseite"}


def test_segment_and_date_filters(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log_id = small_store(store, tmp_path)
    web = conformance.analyse(store, log_id, small_map(), Filters(segments={"platform": ("web",)}))
    assert web.summary["cases"] == 2 and web.summary["conforming_share"] == 100
    later = conformance.analyse(store, log_id, small_map(), Filters(start=date(2026, 3, 9)))
    assert later.summary["cases"] == 1 and by_step(later.steps, "loop_cases")[A] == 1
    first_day = conformance.analyse(store, log_id, small_map(), Filters(start=date(2026, 3, 2), end=date(2026, 3, 2)))
    assert first_day.summary["cases"] == 4
    nothing = conformance.analyse(store, log_id, small_map(), Filters(segments={"platform": ("tv",)}))
    assert nothing.summary["cases"] == 0 and nothing.variants.empty and nothing.incidents.empty
    assert eventstore.segment_values(store, log_id) == {"platform": ["app", "web"]}


def test_an_unmapped_log_is_all_ad_hoc(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log_id = small_store(store, tmp_path)
    other = make_map([{"step_id": 1, "title": "x"}], [], journey_id=77)
    result = conformance.analyse(store, log_id, other)
    assert result.summary["unmapped_events"] == 18 and result.summary["cases_with_steps"] == 0 and result.steps["visits"].sum() == 0


def test_planned_map_is_read_from_the_journey(session, journey_map) -> None:  # type: ignore[no-untyped-def]
    from services import journeys

    m = journey_map
    journeys.update_step(session, m.ws, m.a.id, {"is_entry": True, "entry_share": 100})
    journeys.create_transition(session, m.ws, m.a.id, m.b.id, {"share": 60})
    journeys.create_transition(session, m.ws, m.b.id, m.c.id, {"share": 90})
    planned = planned_map(session, m.ws, m.journey.id)
    assert planned.steps["title"].tolist() == ["Sees an ad", "Asks friends", "Compares offers"]
    assert planned.steps["stage"].tolist() == ["Awareness", "Awareness", "Interest"]
    assert planned.allowed() == {(m.a.id, m.b.id), (m.b.id, m.c.id)}
    assert planned.transitions["share"].tolist() == [60, 90]


# --- ground truth -----------------------------------------------------------------------------------

def _load(store, tmp_path: Path, scenario, cases: int, seed: int):  # type: ignore[no-untyped-def]
    path = tmp_path / f"sim-{seed}.csv"
    truth = simulate.write_csv(SHOP, cases, path, scenario, event_names=NAMES, seed=seed)
    log = ingest.import_log(store, path, f"sim {seed}", ingest.ColumnMapping("case_id", "timestamp", "event", "channel",
                                                                             ("platform", "acquisition")))
    assert log["events"] == truth.events and log["cases"] == truth.cases and log["bad_time"] == 0
    mapping.accept_suggestions(store, log["id"], SHOP)
    saved = mapping.saved_mapping(store, log["id"], SHOP.journey_id)
    expected = {n: s for s, names in NAMES.items() for n in names}
    assert saved[saved["role"] == "step"].set_index("event")["step_id"].to_dict() == expected  # every event found its step by name
    return log["id"], truth


def test_observed_shares_match_the_planned_within_sampling_error(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log_id, truth = _load(store, tmp_path, simulate.Scenario(), 20_000, seed=1)
    result = conformance.analyse(store, log_id, SHOP)
    for row in result.planned.itertuples():
        p, n = row.planned_share / 100, row.source_visits
        assert n == truth.visits[row.source]
        assert abs(row.observed_share / 100 - p) <= 4 * math.sqrt(p * (1 - p) / n), (row.source_title, row.target_title)
    assert result.summary["conforming_share"] == 100 and result.irregular.empty and result.ad_hoc.empty
    assert result.failing.empty and result.missing.empty and result.incidents.empty
    assert by_step(result.steps, "loop_cases")[BROWSE] > 0  # the loop detail → browse is walked
    assert by_step(result.steps, "drop_off") == {s: truth.dropped[s] for s in range(1, 8)}


def test_exactly_the_injected_deviations_and_the_incident_week(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scenario = simulate.Scenario(skip={PAY: 0.05}, ad_hoc={"chat_geoeffnet": 0.05, "newsletter": 0.02},
                                 errors={PAY: ("zahlung_fehlgeschlagen", 0.03)}, repeat=0.02, incident=(CART, 6, 0.5))
    log_id, truth = _load(store, tmp_path, scenario, 20_000, seed=2)
    result = conformance.analyse(store, log_id, SHOP)
    irregular = {(int(s), int(t)): int(n) for s, t, n in
                 zip(result.irregular["source"], result.irregular["target"], result.irregular["transitions"], strict=True)}
    assert irregular == dict(truth.irregular) and set(irregular) == {(CART, DONE)}
    assert by_step(result.missing, "skipped") == dict(truth.skipped)
    assert dict(zip(result.ad_hoc["event"], result.ad_hoc["events"], strict=True)) == dict(truth.ad_hoc)
    assert by_step(result.failing, "error_events") == dict(truth.failing)
    assert {s: n for s, n in by_step(result.steps, "repeats").items() if n} == dict(truth.repeats)
    incidents = result.incidents
    assert incidents[["step_id", "week"]].to_dict("records") == [{"step_id": CART, "week": date(2026, 2, 16)}]
    assert incidents["rate"].iat[0] < 0.6 * incidents["baseline"].iat[0] and result.threshold_z < -3
    assert result.summary["conforming_share"] == pytest.approx(100 * (1 - truth.skipped[PAY] / truth.cases), abs=0.01)
