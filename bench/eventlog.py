"""Event-log benchmark (``python -m bench.eventlog``; part of ``make bench``).

Simulates customers on the demo shop journey (``data/demo/workspace_de.json``, with the demo's
deviations and incident week) into a CSV file of about ``--events`` rows, then measures:

- **import**: :func:`services.eventlog.ingest.import_log` into a fresh DuckDB file — seconds, rows/s,
  and the peak resident memory of the process during the import above the level before it
  (``/proc/self/status`` sampled every 20 ms; DuckDB's memory is not visible to ``tracemalloc``);
- **mapping**: the name-similarity suggestions saved for the journey, with the per-mapping sequence
  tables built in the same transaction (the ordering work done once, not per page run);
- **comparison**: :func:`services.eventlog.conformance.analyse` (every figure of the page at once):
  first run and median of ``--runs``, unfiltered and with a segment filter;
- **pandas**: the core figures (collapsed step sequence, directly-follows counts, visits and drop-off,
  variants, per-case conformance) computed with plain pandas on the same events already in memory,
  and the ratio pandas / DuckDB;
- **page**: the page's comparison view rerun with Streamlit's ``AppTest`` on that log (median of
  ``--runs``), the server-side time one viewer waits per rerun.

Prints a table; writes nothing into the repository. 10,000,000 events: ``--events 10000000``.
"""

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bench import say
from services.eventlog import conformance, ingest, mapping, simulate
from services.eventlog import store as eventstore
from services.eventlog.planned import PlannedMap, make_map

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo" / "workspace_de.json"
JOURNEY = "Online-Kauf im Shop"
COLUMNS = ingest.ColumnMapping("case_id", "timestamp", "event", "channel", ("platform", "acquisition"))


def shop_map(journey_id: int = 0) -> PlannedMap:
    """The demo shop journey as a planned map, read from the demo data file (titles, entries, exits, shares)."""
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    journey = next(j for j in document["journeys"] if j["name"] == JOURNEY)
    steps, ids = [], {}
    for index, stage in enumerate(journey["stages"]):
        for step in stage["steps"]:
            ids[step["title"]] = len(ids) + 1
            steps.append({"step_id": ids[step["title"]], "title": step["title"], "stage": stage["name"], "stage_position": index,
                          "is_entry": bool(step.get("is_entry")), "entry_share": step.get("entry_share"),
                          "is_exit": bool(step.get("is_exit")), "exit_kind": step.get("exit_kind") or ""})
    edges = [(ids[t["from"]], ids[t["to"]], t.get("share")) for t in journey["transitions"]]
    return make_map(steps, edges, journey_id)


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class PeakMemory:
    """The highest RSS seen while the block runs (sampled in a thread)."""

    def __enter__(self) -> "PeakMemory":
        self.before = rss_mib()
        self.peak = self.before
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_mib())

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mib())


def pandas_figures(events: pd.DataFrame, mapped: dict[str, int], allowed: set[tuple[int, int]], top: int = 10) -> dict[str, Any]:
    """The core figures with plain pandas: the comparison point for DuckDB."""
    frame = events.assign(step_id=events["event"].map(mapped)).dropna(subset=["step_id"])
    frame = frame.sort_values(["case_id", "ts"], kind="stable")
    step = frame["step_id"].astype("int64")
    case = frame["case_id"]
    repeat = (step == step.shift()) & (case == case.shift())
    visits = frame.loc[~repeat, ["case_id", "ts", "step_id"]].astype({"step_id": "int64"})
    grouped = visits.groupby("case_id", sort=False)
    visits["next_step"] = grouped["step_id"].shift(-1)
    visits["next_ts"] = grouped["ts"].shift(-1)
    visits["n"] = grouped.cumcount()
    moves = visits.dropna(subset=["next_step"])
    dfg = moves.groupby(["step_id", "next_step"]).agg(transitions=("case_id", "size"), cases=("case_id", "nunique"))
    hours = (moves["next_ts"] - moves["ts"]).dt.total_seconds() / 3600
    timing = hours.groupby([moves["step_id"], moves["next_step"]]).quantile([0.5, 0.9])
    per_step = visits.groupby("step_id").agg(visits=("case_id", "size"), cases=("case_id", "nunique"))
    per_step["exits"] = visits[visits["next_step"].isna()].groupby("step_id").size()
    paths = grouped["step_id"].agg(lambda s: ">".join(map(str, s)))
    variants = paths.value_counts().head(top)
    pairs = pd.MultiIndex.from_arrays([moves["step_id"], moves["next_step"].astype("int64")])
    ok = pd.Series(pairs.isin(list(allowed)), index=moves.index)
    per_case = pd.DataFrame({"moves": grouped["next_step"].count(), "ok": ok.groupby(moves["case_id"]).sum()}).fillna(0)
    conforming = int((per_case["moves"] == per_case["ok"]).sum())
    return {"dfg": dfg, "timing": timing, "steps": per_step, "variants": variants, "conforming": conforming}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def open_app() -> tuple[Any, PlannedMap, eventstore.EventStore]:
    """Start the app with ``AppTest`` (it creates its database with the demo workspace); the shop journey and the store."""
    from sqlmodel import select
    from streamlit.testing.v1 import AppTest

    from components.identity import ACCOUNT_KEY
    from models import Account, Journey, Workspace
    from models.db import create_db_engine, read_session
    from services.eventlog.planned import planned_map

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.query_params["lang"] = "en"
    at.run()  # creates the database, the demo and the first administrator; the page measured runs signed in as it
    engine = create_db_engine()
    with read_session(engine) as session:
        at.session_state[ACCOUNT_KEY] = session.exec(select(Account.id).where(Account.is_site_admin)).first()
        workspace_id = session.exec(select(Workspace.id)).first()
        journey_id = session.exec(select(Journey.id).where(Journey.name == JOURNEY, Journey.workspace_id == workspace_id)).one()
        planned = planned_map(session, workspace_id, journey_id)
    engine.dispose()
    return at, planned, eventstore.open_store(workspace_id)


def page_rerun(at: Any, planned: PlannedMap, log_id: int, runs: int) -> tuple[float, float]:
    """Median and first rerun (s) of the page's comparison view on the benchmark's log, through ``AppTest``."""
    at.run()  # signed in: the navigation now registers the pages
    at.switch_page("pages/analyse/planned_vs_actual.py")
    at.run()
    at.selectbox(key="pva.journey").set_value(planned.journey_id)
    at.selectbox(key="pva.log").set_value(log_id)
    at.radio(key="pva.view").set_value("compare")
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    if at.exception or len(at.get("plotly_chart")) < 5:
        raise RuntimeError(f"the page failed: {at.exception}")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - started)
    return _median(times), first


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Import, map and compare a large simulated event log.")
    parser.add_argument("--events", type=int, default=1_000_000, help="about this many events (default 1,000,000)")
    parser.add_argument("--runs", type=int, default=5, help="reruns per timing (median)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas comparison (it needs the log in memory)")
    parser.add_argument("--no-page", action="store_true", help="skip the AppTest page rerun")
    args = parser.parse_args(argv)
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="bench-eventlog-") as name:
        folder = Path(name)
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'app.db'}"
        os.environ.pop("EVENTLOG_DIR", None)
        if args.no_page:
            at, planned, store = None, shop_map(), eventstore.open_store(0, folder / "eventlogs")
        else:
            at, planned, store = open_app()
        scenario, names = simulate.demo_scenario(planned)
        _, pilot = simulate.simulate(planned, 2_000, scenario, event_names=names, seed=1)
        cases = max(1, round(args.events / (pilot.events / pilot.cases)))
        path = folder / "events.csv"
        started = time.perf_counter()
        truth = simulate.write_csv(planned, cases, path, scenario, event_names=names, seed=7)
        generated = time.perf_counter() - started
        size = path.stat().st_size / 2**20
        say(f"Event-log benchmark: {truth.events:,} events of {truth.cases:,} cases, {size:,.0f} MiB CSV, generated in {generated:.1f} s")
        with PeakMemory() as memory:
            started = time.perf_counter()
            log = ingest.import_log(store, path, "bench", COLUMNS)
            imported = time.perf_counter() - started
        rows += [("events / cases", f"{log['events']:,} / {log['cases']:,}"),
                 ("import (s)", f"{imported:.2f}"), ("import rows/s", f"{log['rows'] / imported:,.0f}"),
                 ("import peak RSS above start (MiB)", f"{memory.peak - memory.before:,.0f}"),
                 ("process peak RSS during import (MiB)", f"{memory.peak:,.0f}")]
        started = time.perf_counter()
        mapping.accept_suggestions(store, log["id"], planned)
        rows.append(("mapping saved, sequences built (s)", f"{time.perf_counter() - started:.2f}"))

        timings = {}
        for label, filters in (("comparison, all cases", conformance.Filters()),
                               ("comparison, segment platform = app", conformance.Filters({"platform": ("app",)}))):
            times = []
            for _ in range(args.runs + 1):
                started = time.perf_counter()
                result = conformance.analyse(store, log["id"], planned, filters)
                times.append(time.perf_counter() - started)
            timings[label] = _median(times[1:])
            rows += [(f"{label}: first (s)", f"{times[0]:.3f}"), (f"{label}: median (s)", f"{timings[label]:.3f}")]
        rows.append(("incidents found", ", ".join(f"{t} {w}" for t, w in zip(result.incidents["title"], result.incidents["week"],
                                                                               strict=True)) or "–"))
        if not args.no_pandas:
            events = store.frame(f"SELECT case_id, ts, event FROM {eventstore.events_table(log['id'])}")
            saved = mapping.saved_mapping(store, log["id"], planned.journey_id)
            mapped = {e: int(s) for e, s, r in zip(saved["event"], saved["step_id"], saved["role"], strict=True) if r == "step"}
            times = []
            for _ in range(max(1, args.runs // 2)):
                started = time.perf_counter()
                figures = pandas_figures(events, mapped, planned.allowed())
                times.append(time.perf_counter() - started)
            full = conformance.analyse(store, log["id"], planned)
            if figures["conforming"] != full.summary["conforming_cases"]:
                raise RuntimeError("pandas and DuckDB disagree")
            pandas_s = _median(times)
            rows += [("pandas, core figures only (s)", f"{pandas_s:.3f}"),
                     ("pandas / DuckDB (all figures)", f"{pandas_s / timings['comparison, all cases']:.1f}×")]
            del events
        if not args.no_page:
            median, first = page_rerun(at, planned, log["id"], args.runs)
            rows += [("page rerun, comparison view: first (s)", f"{first:.2f}"), ("page rerun, comparison view: median (s)",
                                                                                   f"{median:.2f}")]
        eventstore.close_all()
    width = max(len(k) for k, _ in rows)
    say("")
    say(f"{'measure':<{width}}  value")
    say(f"{'-' * width}  {'-' * 16}")
    for key, value in rows:
        say(f"{key:<{width}}  {value}")
    say("")
    say("Targets (issue 16): 1M events import ≤ 10 s; every figure ≤ 1 s per rerun; DuckDB ≥ 5× faster than pandas; "
        "10M events import ≤ 1.5 GB peak memory, reruns ≤ 3 s.")


if __name__ == "__main__":
    main()
