"""Export and import of the large workspace (``python -m bench.exchange``; part of ``make bench``).

Generates the benchmark workload (:data:`bench.run.WORKLOAD`) into a temporary
SQLite file, then times, on the same database:

- export: :func:`services.exchange.export_workspace` plus serialising to JSON,
- check: reading the file back with every check of an import (JSON, schema, references),
- import: :func:`services.exchange.import_document` into a new workspace, in one transaction, from the file
  (check + write) and from the document the check returned (plan + write: what the page does after its preview),

and prints the sizes and the seconds of each, best of ``--runs``.
"""

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import say
from bench.generate import generate_workspace
from models.db import create_db_engine, read_session, upgrade_to_head
from services import exchange
from services.unit_of_work import unit_of_work

WORKLOAD: dict[str, int] = {
    "personas": 50, "journeys": 100, "stages": 12, "steps_per_journey": 60, "touchpoints": 300,
    "step_touchpoint_links": 20_000, "metrics": 200, "measurements_per_metric": 365,
}


def _best(runs: int, action: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time export and import of the large benchmark workspace.")
    parser.add_argument("--runs", type=int, default=1, help="repetitions; the best time is printed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_db_engine(f"sqlite:///{Path(folder) / 'exchange.db'}")
        upgrade_to_head(engine)
        generated = generate_workspace(engine, **WORKLOAD, progress=None)
        rows = sum(v for k, v in generated.counts.items() if k != "journey_links")
        say(f"Exchange benchmark: generated workspace of {rows:,} rows in {generated.seconds:.1f} s")

        def export() -> bytes:
            with read_session(engine) as session:
                return exchange.dumps(exchange.export_workspace(session, generated.workspace_id))

        def check() -> dict[str, Any]:
            return exchange.read_document(data)

        def import_() -> int:
            with unit_of_work(engine) as session:
                return exchange.import_document(session, data).workspace_id

        def import_checked() -> int:  # what the page does: the document its preview read and checked
            with unit_of_work(engine) as session:
                return exchange.import_document(session, document).workspace_id

        export_s, data = _best(args.runs, export)
        check_s, document = _best(args.runs, check)
        import_s, _workspace = _best(args.runs, import_)
        import_checked_s, _workspace = _best(args.runs, import_checked)
        engine.dispose()
    say(f"{'step':<34}{'seconds':>10}")
    say(f"{'export (query + JSON)':<34}{export_s:>10.2f}")
    say(f"{'read + check the file':<34}{check_s:>10.2f}")
    say(f"{'import (check + write, 1 tx)':<34}{import_s:>10.2f}")
    say(f"{'import of the checked document':<34}{import_checked_s:>10.2f}")
    say(f"{'page: check, then import':<34}{check_s + import_checked_s:>10.2f}")
    say(f"document: {len(data) / 1024 / 1024:.1f} MB")


if __name__ == "__main__":
    main()
