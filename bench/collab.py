"""Live collaboration figures: what polling costs when N people keep one journey map open.

Every participant's page polls the workspace revision (``services.workspaces.revision``) every
``--poll`` seconds and re-reads the map (``load_journey_map`` + vote counts) only when it moved,
as the workshop page's fragment does. Here each participant is a thread with its own sessions
on ONE engine (as Streamlit's sessions share the app's engine), and a facilitator thread saves an
edit to the map every ``--edit-every`` seconds.

Printed:
- the cost of one poll when nothing changed (time and SQL statements) — the work every open
  page does every few seconds,
- the map reload alone (one session, no load) and with N sessions polling while edits arrive,
- how long after a save every participant had re-read the map (staleness; includes the poll interval),
- the time of one save with the activity log (the facilitator's edit).

``python -m bench.collab`` (``--help`` for the knobs). Generates the map into a temporary SQLite file.
"""

import argparse
import random
import statistics
import threading
import time

from sqlalchemy import event

from bench import say
from bench.generate import generate_workspace
from bench.run import bench_database
from models.db import create_db_engine, read_session, upgrade_to_head
from services import journeys
from services.journeys.grid import load_journey_map
from services.unit_of_work import unit_of_work
from services.workshop import collaboration
from services.workspaces import crud as workspaces


def quantiles(values: list[float]) -> tuple[float, float, float]:
    """median, p90 (nearest rank), max."""
    ordered = sorted(values)
    if not ordered:
        return (float("nan"),) * 3
    p90 = ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered)) - 1))]
    return statistics.median(ordered), p90, ordered[-1]


def ms(values: list[float]) -> str:
    median, p90, top = quantiles(values)
    return f"median {median * 1000:7.2f} ms  p90 {p90 * 1000:7.2f} ms  max {top * 1000:7.2f} ms  (n={len(values)})"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=8, help="participants polling at once (default 8)")
    parser.add_argument("--seconds", type=float, default=12.0, help="how long the live phase runs (default 12)")
    parser.add_argument("--poll", type=float, default=1.0, help="poll interval of each participant in seconds (default 1)")
    parser.add_argument("--edit-every", type=float, default=2.0, help="seconds between the facilitator's saves (default 2)")
    parser.add_argument("--journeys", type=int, default=20, help="journeys of 12 stages × 60 steps in the workspace (default 20)")
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite",
                        help="database engine (postgresql: a throwaway local cluster, tests/pgcluster.py)")
    args = parser.parse_args(argv)

    with bench_database(args.engine) as url:
        run(args, url)


def run(args: argparse.Namespace, url: str) -> None:
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    generated = generate_workspace(engine, journeys=args.journeys, touchpoints=100, step_touchpoint_links=5000, progress=None)
    ws, journey_id = generated.workspace_id, generated.largest_journey_id
    with read_session(engine) as session:
        step_ids = [s.id for s in journeys.list_steps(session, ws, journey_id)]
    say(f"Map: {generated.largest_journey_steps} steps, workspace of {args.journeys} journeys; "
        f"{args.sessions} participants polling every {args.poll:g} s, an edit every {args.edit_every:g} s for {args.seconds:g} s")

    statements = threading.local()

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args: object) -> None:
        statements.n = getattr(statements, "n", 0) + 1

    # 1. one poll when nothing changed, and the map reload, in one session without load
    idle, idle_sql = [], []
    for _ in range(300):
        statements.n = 0
        began = time.perf_counter()
        with read_session(engine) as session:
            workspaces.revision(session, ws)
        idle.append(time.perf_counter() - began)
        idle_sql.append(statements.n)
    alone = []
    for _ in range(20):
        began = time.perf_counter()
        with read_session(engine) as session:
            load_journey_map(session, ws, journey_id)
            collaboration.journey_vote_counts(session, ws, journey_id)
        alone.append(time.perf_counter() - began)

    # 2. live: N participants polling while the facilitator edits
    stop = threading.Event()
    lock = threading.Lock()
    committed: dict[int, float] = {}  # revision → when its save committed
    polls_idle: list[float] = []
    reloads: list[float] = []
    staleness: list[float] = []
    saves: list[float] = []
    errors: list[str] = []

    def participant(number: int) -> None:
        rng = random.Random(number)
        seen = -1
        time.sleep(rng.random() * args.poll)  # pages do not poll in step
        while not stop.is_set():
            began = time.perf_counter()
            try:
                with read_session(engine) as session:
                    revision = workspaces.revision(session, ws)
                    if revision != seen:
                        load_journey_map(session, ws, journey_id)
                        collaboration.journey_vote_counts(session, ws, journey_id)
                took = time.perf_counter() - began
                with lock:
                    if revision == seen:
                        polls_idle.append(took)
                    else:
                        reloads.append(took)
                        if revision in committed:
                            staleness.append(time.perf_counter() - committed[revision])
                seen = revision
            except Exception as exc:  # noqa: BLE001 - counted and printed
                with lock:
                    errors.append(repr(exc))
            stop.wait(args.poll)

    def facilitator() -> None:
        rng = random.Random(99)
        n = 0
        while not stop.wait(args.edit_every):
            began = time.perf_counter()
            with unit_of_work(engine, actor="Facilitator") as session:
                journeys.update_step(session, ws, rng.choice(step_ids), {"doing": f"edit {n}"})
                revision = workspaces.revision(session, ws)
            done = time.perf_counter()
            with lock:
                saves.append(done - began)
                committed[revision] = done
            n += 1

    threads = [threading.Thread(target=participant, args=(n,)) for n in range(args.sessions)]
    threads.append(threading.Thread(target=facilitator))
    for thread in threads:
        thread.start()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    engine.dispose()

    n = args.sessions
    rows = [
        ("poll, nothing changed (1 session)", ms(idle) + f"; SQL statements per poll: {statistics.median(idle_sql):g}"),
        ("map reload (1 session, no load)", ms(alone)),
        (f"poll, nothing changed ({n} sessions live)", ms(polls_idle)),
        (f"map reload ({n} sessions live)", ms(reloads)),
        ("save with activity log", ms(saves)),
        (f"save → re-read by a participant (poll {args.poll:g} s)", ms(staleness)),
    ]
    width = max(len(label) for label, _v in rows)
    say("")
    say(f"Engine: {engine.dialect.name}")
    for label, value in rows:
        say(f"{label:<{width}}  {value}")
    worst = quantiles(staleness)[2]
    say(f"live refresh within 3 s of a save: worst {worst:.2f} s — {'met' if worst <= 3 else 'NOT met'}")
    say(f"errors: {len(errors)}" + (f" — first: {errors[0]}" if errors else ""))

if __name__ == "__main__":
    main()
