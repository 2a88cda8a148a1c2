"""``make bench``: generate a large workspace into a temporary database and measure
server-side page reruns with Streamlit's ``AppTest``.

Per scenario (a page, opened on the generated workspace):

- wall time of ``at.run()`` over N reruns (median and p90, ``time.perf_counter``),
- SQL statements sent per rerun (a ``before_cursor_execute`` listener on the
  ``Engine`` class, so it sees the app's own cached engine) — median and max,
- peak memory allocated during a rerun (``tracemalloc``, in separate reruns so
  tracing does not slow the timed ones), and the process's max RSS.

It prints a table and the issue's target lines and writes ``bench/results.json``.
Scenarios are a registry (:data:`SCENARIOS`); one whose page file does not
exist yet is skipped, so the harness runs while pages are still being written.
See bench/README.md.
"""

import argparse
import json
import logging
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy
import streamlit as st
from sqlalchemy import Engine, event
from streamlit.testing.v1 import AppTest

from bench import say
from bench.generate import GeneratedWorkspace, generate_workspace
from components.identity import ACCOUNT_KEY
from models.db import create_db_engine, upgrade_to_head
from services import accounts
from services.unit_of_work import unit_of_work

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
RESULTS = Path(__file__).resolve().parent / "results.json"

# The workload of issues 3–5: 50 personas, 100 journeys of 12 stages and 60 steps, 300 touchpoints,
# 20,000 step–touchpoint links, 200 metrics × 365 daily measurements (about 1.5 s to generate).
WORKLOAD: dict[str, int] = {
    "personas": 50, "journeys": 100, "stages": 12, "steps_per_journey": 60, "touchpoints": 300,
    "step_touchpoint_links": 20_000, "metrics": 200, "measurements_per_metric": 365,
}

EDITOR_JOURNEY_KEY = "journey.editor.journey_id"  # the session-state key the journey editor opens

Setup = Callable[[AppTest, GeneratedWorkspace], None]
SIGNED_IN: dict[str, int] = {}  # the account every scenario's AppTest is signed in as
# After the page's first run: None if it shows what the scenario meant, else what is wrong.
Verify = Callable[[AppTest, GeneratedWorkspace], str | None]


def no_setup(_at: AppTest, _generated: GeneratedWorkspace) -> None:
    """Open the page as it is."""


def open_journey(which: str) -> Setup:
    """Setup that opens the generated journey ``which`` ("largest" or "small") in the journey editor."""

    def setup(at: AppTest, generated: GeneratedWorkspace) -> None:
        at.session_state[EDITOR_JOURNEY_KEY] = getattr(generated, f"{which}_journey_id")

    setup.__doc__ = f"session_state[{EDITOR_JOURNEY_KEY!r}] = the {which} journey"
    return setup


def shows_journey(which: str) -> Verify:
    """Check that the editor kept the journey it was given (else 60 vs 6 steps would compare the wrong pages)."""

    def verify(at: AppTest, generated: GeneratedWorkspace) -> str | None:
        wanted = getattr(generated, f"{which}_journey_id")
        shown = at.session_state[EDITOR_JOURNEY_KEY] if EDITOR_JOURNEY_KEY in at.session_state else None
        return None if shown == wanted else f"the page shows journey {shown!r} instead of #{wanted} ({which})"

    return verify


def shows_charts(at: AppTest, at_least: int) -> str | None:
    """Check that the page drew its charts (a page that stops early would look fast)."""
    charts = len(at.get("plotly_chart"))
    return None if charts >= at_least else f"the page shows {charts} charts, expected at least {at_least}"


def join_workshop(at: AppTest, generated: GeneratedWorkspace) -> None:
    """A joined participant on the largest journey (the page asks for a name first)."""
    at.query_params["journey"] = str(generated.largest_journey_id)


@dataclass(frozen=True)
class Scenario:
    """One measured page: ``page`` is relative to app.py; ``setup`` runs after switching to it, before its
    first run; ``verify`` (optional) checks after that run that the page shows what was meant."""

    name: str
    page: str
    setup: Setup = no_setup
    verify: Verify | None = None


# Append new pages here (see bench/README.md). Order = order in the table.
SCENARIOS: list[Scenario] = [
    Scenario("overview", "pages/workbench/overview.py"),
    Scenario("personas (50)", "pages/map/personas.py"),
    Scenario("journeys list", "pages/map/journeys.py"),
    Scenario("journey editor (60 steps)", "pages/map/journey_editor.py", open_journey("largest"), shows_journey("largest")),
    Scenario("journey editor (6 steps)", "pages/map/journey_editor.py", open_journey("small"), shows_journey("small")),
    Scenario("dashboard", "pages/workbench/dashboard.py", verify=lambda at, _g: shows_charts(at, 1)),
    Scenario("metrics", "pages/analyse/metrics.py", verify=lambda at, _g: shows_charts(at, 1)),
    Scenario("touchpoints (300, 20k links)", "pages/map/touchpoints.py"),
    Scenario("content map", "pages/map/content.py"),
    Scenario("touchpoint analysis", "pages/analyse/touchpoint_analysis.py", verify=lambda at, _g: shows_charts(at, 1)),
    Scenario("flow and drop-off", "pages/analyse/flows.py", verify=lambda at, _g: shows_charts(at, 1)),
    Scenario("workshop (60 steps)", "pages/map/workshop.py", join_workshop),
]

# Target lines: (large scenario, small scenario, label). Printed when both were measured.
COMPARISONS: list[tuple[str, str, str]] = [
    ("journey editor (60 steps)", "journey editor (6 steps)", "editor 60 vs 6 steps"),
]
MAX_RATIO = 3.0


def available_scenarios(
    scenarios: Iterable[Scenario] = SCENARIOS, root: Path = ROOT
) -> tuple[list[Scenario], list[Scenario]]:
    """Split into (runnable, skipped): a scenario runs only when its page file exists under ``root``."""
    runnable: list[Scenario] = []
    skipped: list[Scenario] = []
    for scenario in scenarios:
        (runnable if (root / scenario.page).is_file() else skipped).append(scenario)
    return runnable, skipped


class StatementCounter:
    """Counts SQL statements of every engine (listener on the Engine class) while ``active``."""

    def __init__(self) -> None:
        self.count = 0
        self.active = False

    def __call__(self, *_args: Any) -> None:
        if self.active:
            self.count += 1

    def install(self) -> None:
        event.listen(Engine, "before_cursor_execute", self)

    def remove(self) -> None:
        if event.contains(Engine, "before_cursor_execute", self):
            event.remove(Engine, "before_cursor_execute", self)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (p90 of 15 values is the 14th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _max_rss_mib() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024  # bytes on macOS, KiB on Linux


class ScenarioFailed(Exception):
    pass


class PageNotRegistered(ScenarioFailed):
    pass


def _raise_on_exception(at: AppTest, when: str) -> None:
    if at.exception:
        first = at.exception[0]
        trace = "\n".join(line.rstrip() for line in first.stack_trace or [])
        raise ScenarioFailed(f"{when}: {first.message}\n{trace[-3000:]}")


def start(scenario: Scenario, generated: GeneratedWorkspace, *, timeout: float = 120) -> AppTest:
    """The app in English on the generated workspace, switched to the scenario's page and run once."""
    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.query_params["lang"] = "en"
    at.query_params["ws"] = str(generated.workspace_id)
    at.session_state[ACCOUNT_KEY] = SIGNED_IN["account_id"]
    at.run()
    _raise_on_exception(at, "app start")
    try:
        at.switch_page(scenario.page)
    except ValueError as exc:  # a page file that app.py does not register (yet)
        raise PageNotRegistered(f"{scenario.page} is not registered in app.py ({exc})") from exc
    scenario.setup(at, generated)
    at.run()
    _raise_on_exception(at, "first run of the page")
    problem = scenario.verify(at, generated) if scenario.verify else None
    if problem:
        raise ScenarioFailed(f"after the first run of the page: {problem}")
    return at


def measure(
    scenario: Scenario, generated: GeneratedWorkspace, counter: StatementCounter, *, runs: int, warmup: int, memory_runs: int
) -> dict[str, Any]:
    """Time, SQL statements and memory of the scenario's reruns."""
    started = time.perf_counter()
    at = start(scenario, generated)
    first_ms = (time.perf_counter() - started) * 1000
    for _ in range(warmup):
        at.run()
    _raise_on_exception(at, "warm-up rerun")

    times_ms: list[float] = []
    statements: list[int] = []
    for _ in range(runs):
        counter.count, counter.active = 0, True
        t = time.perf_counter()
        at.run()
        times_ms.append((time.perf_counter() - t) * 1000)
        counter.active = False
        statements.append(counter.count)
        _raise_on_exception(at, "timed rerun")

    peaks: list[int] = []
    tracemalloc.start()
    try:
        for _ in range(memory_runs):
            tracemalloc.reset_peak()
            before, _peak = tracemalloc.get_traced_memory()
            at.run()
            peaks.append(tracemalloc.get_traced_memory()[1] - before)
    finally:
        tracemalloc.stop()
    _raise_on_exception(at, "memory rerun")

    return {
        "name": scenario.name, "page": scenario.page, "runs": runs,
        "median_ms": statistics.median(times_ms), "p90_ms": percentile(times_ms, 0.9),
        "min_ms": min(times_ms), "max_ms": max(times_ms), "first_run_ms": first_ms,
        "sql_per_rerun": statistics.median(statements), "sql_per_rerun_max": max(statements),
        "peak_mib": max(peaks) / 2**20 if peaks else None, "max_rss_mib": _max_rss_mib(),
        "times_ms": [round(t, 2) for t in times_ms], "statements": statements,
    }


def targets(results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets: time ratio ≤ 3× and equal SQL statements for the large vs the small journey."""
    lines = []
    for large, small, label in COMPARISONS:
        a, b = results.get(large), results.get(small)
        if not a or not b or "median_ms" not in a or "median_ms" not in b:
            lines.append({"label": label, "measured": False,
                          "text": f"{label}: not measured (needs both “{large}” and “{small}”)"})
            continue
        ratio = a["median_ms"] / b["median_ms"]
        sql_equal = a["sql_per_rerun"] == b["sql_per_rerun"]
        lines.append({
            "label": label, "measured": True, "ratio": ratio, "ratio_target": MAX_RATIO, "ratio_met": ratio <= MAX_RATIO,
            "sql_large": a["sql_per_rerun"], "sql_small": b["sql_per_rerun"], "sql_met": sql_equal,
            "text": (
                f"{label}: ratio {ratio:.2f}× (target ≤ {MAX_RATIO:g}×) — {'met' if ratio <= MAX_RATIO else 'MISSED'}\n"
                f"SQL per rerun {label.split(':')[0].removeprefix('editor ')}: {_num(a['sql_per_rerun'])} vs "
                f"{_num(b['sql_per_rerun'])} (target: equal) — {'met' if sql_equal else 'MISSED'}"
            ),
        })
    return lines


def _num(value: float) -> str:
    return f"{value:g}"


def table(rows: list[dict[str, Any]]) -> str:
    """The result table: one line per scenario, errors and skips in place of figures."""
    width = max([len("scenario")] + [len(r["name"]) for r in rows])
    header = f"{'scenario':<{width}} | {'median ms':>9} | {'p90 ms':>9} | {'SQL/rerun':>9} | {'peak MiB':>8}"
    lines = [header, "-" * len(header)]
    for r in rows:
        if "median_ms" in r:
            peak = f"{r['peak_mib']:8.1f}" if r["peak_mib"] is not None else f"{'–':>8}"
            lines.append(f"{r['name']:<{width}} | {r['median_ms']:9.1f} | {r['p90_ms']:9.1f} | "
                         f"{_num(r['sql_per_rerun']):>9} | {peak}")
        else:
            lines.append(f"{r['name']:<{width}} | {r['status']}: {r['reason']}")
    return "\n".join(lines)


def machine_info() -> dict[str, Any]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                timeout=5, check=False).stdout.strip() or None
    except OSError:
        commit = None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "cpu_count": os.cpu_count(),
        "python": platform.python_version(), "platform": platform.platform(), "machine": platform.machine(),
        "streamlit": st.__version__, "sqlalchemy": sqlalchemy.__version__, "git_commit": commit,
    }


@dataclass
class Options:
    runs: int = 15
    warmup: int = 2
    memory_runs: int = 3
    only: list[str] = field(default_factory=list)
    out: Path = RESULTS
    workload: dict[str, int] = field(default_factory=lambda: dict(WORKLOAD))
    engine: str = "sqlite"
    database_url: str | None = None


def results_path(engine: str) -> Path:
    return RESULTS if engine == "sqlite" else RESULTS.with_name(f"results-{engine}.json")


@contextmanager
def bench_database(engine: str, url: str | None = None) -> Iterator[str]:
    """An empty database for the benchmark: a temporary SQLite file; on PostgreSQL the given (empty) database,
    else a throwaway cluster (tests/pgcluster.py) that is removed afterwards."""
    if url:
        yield url
        return
    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="journey-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
        return
    from tests.pgcluster import Cluster

    cluster = Cluster.start(prefix="journey-bench-pg-")
    try:
        yield cluster.create_database("bench")
    finally:
        cluster.stop()


def besides(options: Options, rows: list[dict[str, Any]]) -> str:
    """This run's figures beside the last run's on the other engine (from its results file), if there is one."""
    other_engine = "postgresql" if options.engine == "sqlite" else "sqlite"
    path = results_path(other_engine)
    if not path.exists():
        return ""
    try:
        other = {r["name"]: r for r in json.loads(path.read_text(encoding="utf-8"))["scenarios"]}
    except (OSError, ValueError, KeyError):
        return ""
    names = {options.engine: {r["name"]: r for r in rows}, other_engine: other}
    first, second = sorted(names, key=lambda e: e != "sqlite")  # SQLite first
    width = max([len("scenario")] + [len(r["name"]) for r in rows])
    header = (f"{'scenario':<{width}} | {first + ' ms':>14} | {second + ' ms':>14} | "
              f"{first + ' SQL':>14} | {second + ' SQL':>14}")
    lines = [f"Beside the last {other_engine} run ({path.name}):", header, "-" * len(header)]
    for r in rows:
        a, b = names[first].get(r["name"], {}), names[second].get(r["name"], {})

        def cell(row: dict[str, Any], key: str) -> str:
            return f"{row[key]:.1f}" if key == "median_ms" and key in row else (_num(row[key]) if key in row else "–")

        lines.append(f"{r['name']:<{width}} | {cell(a, 'median_ms'):>14} | {cell(b, 'median_ms'):>14} | "
                     f"{cell(a, 'sql_per_rerun'):>14} | {cell(b, 'sql_per_rerun'):>14}")
    return "\n".join(lines)


def run(options: Options) -> int:
    """Generate, measure every available scenario, print and write the results; 1 if a scenario failed."""
    # Clearing the cache outside a script run logs "missing ScriptRunContext" warnings: harmless here.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").setLevel(logging.ERROR)
    wall = time.perf_counter()
    selected = [s for s in SCENARIOS if not options.only or any(o.lower() in s.name.lower() for o in options.only)]
    runnable, missing = available_scenarios(selected)
    rows: dict[str, dict[str, Any]] = {
        s.name: {"name": s.name, "page": s.page, "status": "skipped", "reason": f"{s.page} does not exist yet"}
        for s in missing
    }
    counter = StatementCounter()
    counter.install()
    previous_url = os.environ.get("DATABASE_URL")
    failed = False
    try:
        with bench_database(options.engine, options.database_url) as url:
            engine = create_db_engine(url)
            say("Migrating a fresh database …")
            upgrade_to_head(engine)
            generated = generate_workspace(engine, **options.workload)
            with unit_of_work(engine) as session:  # the pages are measured signed in, as a site admin
                SIGNED_IN["account_id"] = accounts.create_account(
                    session, "bench@example.com", "Bench", "bench password", site_admin=True).id  # type: ignore[assignment]
            engine.dispose()

            os.environ["DATABASE_URL"] = url
            st.cache_resource.clear()  # the app must open the temporary database, not a cached engine
            say(f"Measuring {len(runnable)} scenario(s): {options.warmup} warm-up + {options.runs} timed + "
                f"{options.memory_runs} traced reruns each")
            for scenario in runnable:
                t = time.perf_counter()
                try:
                    result = measure(scenario, generated, counter, runs=options.runs, warmup=options.warmup,
                                     memory_runs=options.memory_runs)
                except PageNotRegistered as exc:
                    rows[scenario.name] = {"name": scenario.name, "page": scenario.page, "status": "skipped", "reason": str(exc)}
                    say(f"  {scenario.name}: skipped — {exc}")
                    continue
                except Exception as exc:  # one broken page must not hide the others' figures
                    failed = True
                    reason = str(exc).strip()
                    rows[scenario.name] = {"name": scenario.name, "page": scenario.page, "status": "error",
                                           "reason": reason.splitlines()[0] if reason else type(exc).__name__, "detail": reason}
                    say(f"  {scenario.name}: ERROR — {reason}")
                    continue
                rows[scenario.name] = result
                say(f"  {scenario.name}: median {result['median_ms']:.1f} ms, {_num(result['sql_per_rerun'])} SQL/rerun "
                    f"({time.perf_counter() - t:.1f} s)")
            st.cache_resource.clear()
    finally:
        counter.remove()
        if previous_url is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous_url

    ordered = [rows[s.name] for s in selected if s.name in rows]
    target_lines = targets(rows)
    say("")
    say(f"Engine: {options.engine}")
    say(f"Page reruns on a workspace of {generated.counts.get('journey', 0) - 1} journeys × "
        f"{generated.largest_journey_steps} steps, {generated.counts.get('step_touchpoint', 0)} touchpoint links "
        f"({options.runs} timed reruns, {os.cpu_count()} CPUs, Python {platform.python_version()})")
    say("")
    say(table(ordered))
    say("")
    for line in target_lines:
        say(line["text"])
    say(f"max RSS of the process: {_max_rss_mib():.0f} MiB; total {time.perf_counter() - wall:.0f} s")

    other = besides(options, ordered)
    if other:
        say("")
        say(other)

    report = {
        "engine": options.engine,
        "machine": machine_info(),
        "settings": {"runs": options.runs, "warmup": options.warmup, "memory_runs": options.memory_runs},
        "workload": {**options.workload, "generated_rows": generated.counts,
                     "generation_seconds": round(generated.seconds, 2),
                     "largest_journey_id": generated.largest_journey_id, "small_journey_id": generated.small_journey_id},
        "scenarios": ordered,
        "targets": [{k: v for k, v in line.items() if k != "text"} for line in target_lines],
        "total_seconds": round(time.perf_counter() - wall, 1),
    }
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"Results written to {options.out}")
    return 1 if failed else 0


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="Measure page reruns on a large generated workspace.")
    parser.add_argument("--runs", type=int, default=15, help="timed reruns per scenario (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed reruns before timing (default 2)")
    parser.add_argument("--memory-runs", type=int, default=3, help="reruns traced with tracemalloc (default 3)")
    parser.add_argument("--only", action="append", default=[], metavar="TEXT",
                        help="run only scenarios whose name contains TEXT (repeatable)")
    parser.add_argument("--out", type=Path, default=None,
                        help="JSON results file (default bench/results.json, bench/results-postgresql.json)")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite",
                        help="database engine (postgresql: a throwaway local cluster unless --database-url is given)")
    parser.add_argument("--database-url", default=None, help="an EMPTY database to fill and measure on (any engine)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply the workload's sizes (e.g. 0.1 for a quick check; steps and stages stay)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    workload = dict(WORKLOAD)
    if args.scale != 1.0:
        for key in ("personas", "journeys", "touchpoints", "step_touchpoint_links", "metrics"):
            workload[key] = max(1, round(workload[key] * args.scale))
    engine = "sqlite" if (args.database_url or "").startswith("sqlite") else args.engine
    if args.database_url and not args.database_url.startswith("sqlite"):
        engine = "postgresql"
    return Options(runs=args.runs, warmup=args.warmup, memory_runs=args.memory_runs, only=args.only,
                   out=args.out or results_path(engine), workload=workload, engine=engine, database_url=args.database_url)


def main(argv: list[str] | None = None) -> None:
    sys.exit(run(parse_args(argv)))


if __name__ == "__main__":
    main()
