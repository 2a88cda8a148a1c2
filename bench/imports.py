"""Tabular imports at scale, and whether they keep others from saving (``python -m bench.imports``; part of
``make bench``).

For each case a fresh SQLite file gets a workspace, the generated file is imported as the pages do it —
check in a read session (no write lock), then write the checked rows in one unit of work — while a second
*process* makes small edits (rename a persona, one unit of work each, the app's 10 s busy timeout) until
the import is done and it has made at least ``--edits``. Each case runs in a process of its own, so its
peak memory (``ru_maxrss``) is its own; the file is generated beforehand by the parent process and read by the
case's process as an upload is held (its bytes in memory), so the generator's lists do not count. Printed as a
table:

- ``rows``, ``MB``: the file;
- ``check s`` / ``write s`` / ``total s``: reading and checking; writing; end to end;
- ``lock s``: how long the import's write transaction held SQLite's write lock (BEGIN IMMEDIATE → COMMIT);
- ``before MB``: the process's resident memory when the check starts (the interpreter with pandas, SQLAlchemy
  and the app loaded, and the file's bytes); ``peak MB``: its peak resident memory;
- ``locked``: "database is locked" errors the editor met; ``edits``; ``wait s``: the editor's longest save.

Targets (issue 11): 50,000 personas ≤ 3 s, lock ≤ 1 s, ≤ 300 MB; 1,000,000 measurements or Kano
answers ≤ 15 s, ≤ 400 MB; 0 locked errors. ``--legacy`` runs each import the old way instead (check
and write inside one unit of work: the lock is held for the whole check).
"""

import argparse
import json
import multiprocessing
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bench import say
from models.db import create_db_engine, is_busy, read_session, upgrade_to_head
from services.unit_of_work import unit_of_work

CASES = {"personas": 50_000, "measurements": 1_000_000, "kano": 1_000_000}
METRICS, ITEMS = 200, 50


# --- files ------------------------------------------------------------------------------------------


def persona_csv(rows: int) -> bytes:
    """German headers with units and odd spacing, Windows-1252 (as Excel on Windows saves "CSV")."""
    rnd = random.Random(11)
    towns = ["Köln", "München", "Düsseldorf", "Görlitz", "Straße am See", "Hamburg"]
    lines = ["Name;Alter (Jahre);Wohnort;Anteil Kunden (%);Einkommen;Biografie;Zitat"]
    for n in range(rows):
        bio = f"Reist gern mit der Familie – {rnd.choice(towns)}, {n}. " * 3
        lines.append(f"Persona {n:06d};{rnd.randint(18, 90)};{rnd.choice(towns)};{rnd.randint(0, 99)},5;middle;{bio};"
                     f"„Das würde mich freuen“ {n}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def measurement_csv(rows: int) -> bytes:
    per_metric = rows // METRICS
    lines = ["Kennzahl;Datum;Wert;Notiz"]
    start = 730_120  # 2000-01-01 as an ordinal
    from datetime import date
    days = [date.fromordinal(start + d).isoformat() for d in range(per_metric)]
    for m in range(METRICS):
        name = f"Kennzahl {m:03d}"
        lines.extend(f"{name};{day};{(d * 7 + m) % 1000},{d % 10};" for d, day in enumerate(days))
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def kano_csv(rows: int) -> bytes:
    words = ["like", "expect", "neutral", "live_with", "dislike", "gefällt mir", "nehme ich hin", "Tolerate", "4", "1"]
    lines = ["Merkmal,Funktional,Dysfunktional,Befragte Person"]
    lines.extend(f"Merkmal {n % ITEMS:02d},{words[n % 10]},{words[(n * 7 + 3) % 10]},B{n // ITEMS:07d}" for n in range(rows))
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- the import as the pages do it ------------------------------------------------------------------


def _prepare(engine: Any, case: str) -> int:
    from services import kano, metrics, workspaces
    with unit_of_work(engine) as session:
        ws = workspaces.create_workspace(session, "Bench").id
        if case == "measurements":
            for m in range(METRICS):
                metrics.create_metric(session, ws, {"name": f"Kennzahl {m:03d}"})
        if case == "kano":
            for i in range(ITEMS // 2):  # half the items exist, half are created by the import
                kano.create_kano_item(session, ws, {"name": f"Merkmal {i:02d}"})
        from services import personas
        personas.create_persona(session, ws, {"name": "Bearbeitet 0"})  # what the colleague renames
    return ws


def _check(engine: Any, case: str, ws: int, data: bytes) -> Any:
    from services import exchange, kano, metrics
    with read_session(engine) as session:
        if case == "personas":
            result = exchange.preview(session, ws, "personas", data, "personas.csv")
        elif case == "measurements":
            result = metrics.plan_import(session, ws, data)
        else:
            result = kano.preview_answers_csv(session, ws, data)
    assert not result.problems, result.problems[:3]
    return result


def _write(session: Any, case: str, ws: int, checked: Any) -> None:
    from services import exchange, kano, metrics
    if case == "personas":
        exchange.write_rows(session, ws, checked)
    elif case == "measurements":
        metrics.write_measurements(session, ws, checked)
    else:
        kano.write_answers(session, ws, checked)


def _legacy(session: Any, case: str, ws: int, data: bytes) -> None:
    from services import exchange, kano, metrics
    if case == "personas":
        exchange.import_rows(session, ws, "personas", data, "personas.csv")
    elif case == "measurements":
        metrics.import_measurements(session, ws, data)
    else:
        kano.import_answers_csv(session, ws, data)


def _editor(url: str, ws: int, edits: int, done: Any, report: Any) -> None:
    """A colleague renaming a persona again and again (one unit of work per save)."""
    from models import Persona
    engine = create_db_engine(url)
    made = locked = 0
    longest = 0.0
    while made < edits or not done.is_set():
        started = time.perf_counter()
        try:
            with unit_of_work(engine) as session:
                from sqlmodel import select
                persona = session.exec(select(Persona).where(Persona.workspace_id == ws, Persona.name.startswith("Bearbeitet"))).first()
                persona.name = f"Bearbeitet {made + 1}"
                session.add(persona)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            locked += 1
        made += 1
        longest = max(longest, time.perf_counter() - started)
        time.sleep(0.02)
    report.put({"edits": made, "locked": locked, "wait": longest})
    engine.dispose()


FILES = {"personas": persona_csv, "measurements": measurement_csv, "kano": kano_csv}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_case(case: str, rows: int, edits: int, legacy: bool, file: Path | None = None) -> dict[str, Any]:
    data = file.read_bytes() if file else FILES[case](rows)
    with tempfile.TemporaryDirectory(prefix="wt11-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'imports.db'}"
        engine = create_db_engine(url)
        upgrade_to_head(engine)
        ws = _prepare(engine, case)
        held: list[float] = []
        began: list[float] = []

        @event.listens_for(engine, "after_cursor_execute")
        def _began(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            if statement == "BEGIN IMMEDIATE":
                began.append(time.perf_counter())

        @event.listens_for(engine, "commit")
        def _committed(_conn) -> None:  # type: ignore[no-untyped-def]
            if began:
                held.append(time.perf_counter() - began.pop())

        context = multiprocessing.get_context("spawn")
        done, report = context.Event(), context.Queue()
        editor = context.Process(target=_editor, args=(url, ws, edits, done, report))
        editor.start()
        time.sleep(1.0)  # the editor is saving before the import starts
        before = _rss_mb()
        started = time.perf_counter()
        if legacy:
            checked_at = started
            with unit_of_work(engine) as session:
                _legacy(session, case, ws, data)
        else:
            checked = _check(engine, case, ws, data)
            checked_at = time.perf_counter()
            with unit_of_work(engine) as session:
                _write(session, case, ws, checked)
        finished = time.perf_counter()
        committed = time.perf_counter()
        lock = max(held) if held else 0.0
        done.set()
        edited = report.get(timeout=600)
        editor.join()
        engine.dispose()
    return {"case": case, "rows": rows, "mb": len(data) / 1024 / 1024, "check": checked_at - started,
            "write": finished - checked_at, "total": committed - started, "lock": lock, "before": before,
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, **edited}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Time the tabular imports and count the locks a colleague meets.")
    parser.add_argument("--case", choices=list(CASES), help="run one case in this process (prints JSON)")
    parser.add_argument("--rows", type=int, help="rows of the generated file (default: the issue's size per case)")
    parser.add_argument("--edits", type=int, default=200, help="small saves the second process makes at least")
    parser.add_argument("--legacy", action="store_true", help="check and write inside one unit of work (the old way)")
    parser.add_argument("--file", type=Path, help="with --case: import this file instead of generating one")
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case, args.rows or CASES[args.case], args.edits, args.legacy, args.file)))  # noqa: T201
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="wt11-files-") as folder:
        for case, rows in CASES.items():
            file = Path(folder) / f"{case}.csv"
            file.write_bytes(FILES[case](args.rows or rows))
            command = [sys.executable, "-m", "bench.imports", "--case", case, "--rows", str(args.rows or rows),
                       "--edits", str(args.edits), "--file", str(file), *(["--legacy"] if args.legacy else [])]
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
            results.append(json.loads(output))
    say(f"Import benchmark{' (legacy: check inside the write)' if args.legacy else ''}")
    say(f"{'case':<14}{'rows':>10}{'MB':>7}{'check s':>9}{'write s':>9}{'total s':>9}{'lock s':>8}{'before MB':>10}"
        f"{'peak MB':>9}{'locked':>8}{'edits':>7}{'wait s':>8}")
    for r in results:
        say(f"{r['case']:<14}{r['rows']:>10,}{r['mb']:>7.1f}{r['check']:>9.2f}{r['write']:>9.2f}{r['total']:>9.2f}"
            f"{r['lock']:>8.2f}{r['before']:>10.0f}{r['peak']:>9.0f}{r['locked']:>8}{r['edits']:>7}{r['wait']:>8.2f}")


if __name__ == "__main__":
    main()
