"""What customers really did, and how it compares with the map the room drew.

Every figure is SQL over the log's events table, run where the events are; Python only assembles the
small results. The queries are written once and run on DuckDB (the workspace's file, the default) and
on PostgreSQL (:mod:`services.eventlog.pgstore`, a team database) with identical results: they keep to
SQL both engines accept, and the store's :class:`~services.eventlog.dialect.Dialect` fills in the two
fragments that cannot be portable (the case-id hash; "the last step so far", which PostgreSQL, lacking
``IGNORE NULLS``, computes with a running count and a ``max``). The steps:

1. once per log and mapping (:func:`build_sequences`, two window passes ``PARTITION BY case ORDER BY
   ts``, kept as tables until the mapping changes): ``…_ev``, every event with its mapping (step,
   ``error`` or unmapped) and the previous step event of its case; ``…_visit``, per case the mapped
   step events in time order with consecutive repeats of one step collapsed (a reload is a *repeat*,
   not a transition), each with its previous and next step;
2. per page run, aggregating queries over those two tables, filtered by case (segment values at the
   case's first event, the date of its first event): directly-follows counts with times between steps, variants (whole paths), entry
   points and exits, drop-off per step (cases whose last step it is), repeats and loops, planned vs
   observed shares, and the four deviation kinds of CJML (Halvorsrud, Kvale and Følstad 2016):

   - *ad hoc*: events mapped to no step;
   - *irregular sequence*: observed transitions the map does not have;
   - *failing*: error events after a step (attributed to the last step seen before them);
   - *missing*: planned steps skipped — an irregular transition s → u where the map leads from s
     to u through other steps counts the steps on the shortest planned path between them.

   Per case the conformance is the share of its transitions that the map allows (a case with one
   step has nothing to break and counts as conforming); per step the share of its cases that
   deviate there (an irregular transition out of it or an error event after it).

Observed share of a planned transition s → t = transitions s → t / visits of s, the same base as the
planned share (% of the source's customers), so both stand side by side.

Incidents: per step with planned successors and per calendar week, the conversion (visits followed
by a planned successor) is compared with the step's own baseline, all other weeks together, by a
one-sided two-proportion z-test. A week is flagged when z < the 99 % quantile after a Bonferroni
correction over all step-weeks tested (so about one false alarm in a hundred analyses, not one per
hundred tests); weeks with fewer than :data:`MIN_WEEK_VISITS` visits are not tested.
"""

from collections import deque
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from services.eventlog.dialect import DUCKDB, Dialect, SqlStore
from services.eventlog.planned import PlannedMap
from services.eventlog.store import events_table, get_log, sequence_tables

ALPHA = 0.01
MIN_WEEK_VISITS = 30
START, END = -1, -2  # the pseudo steps "enters" and "leaves" in the directly-follows graph


@dataclass(frozen=True)
class Filters:
    """Which events to analyse: segment values (by segment column name) and a date range of the cases' first event."""

    segments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    start: date | None = None
    end: date | None = None


@dataclass
class Analysis:
    summary: dict[str, Any]
    steps: pd.DataFrame  # per step: visits, cases, entries, exits, drop_off, repeats, loop_cases, deviating_cases …
    dfg: pd.DataFrame  # source, target (START/END pseudo steps), transitions, cases, planned, median_h, p90_h
    planned: pd.DataFrame  # per planned transition: planned share, observed transitions and share, difference
    irregular: pd.DataFrame  # observed transitions not on the map: source, target, transitions, cases, skipped
    missing: pd.DataFrame  # step_id, title, skipped, cases
    ad_hoc: pd.DataFrame  # event, events, cases
    failing: pd.DataFrame  # step_id, title, error_events, cases, errors (names)
    variants: pd.DataFrame  # path (titles), steps, cases, share
    conformance: pd.DataFrame  # bucket (0 … 100 % in tens), cases
    weekly: pd.DataFrame  # step_id, title, week, visits, converted, rate, baseline, z, incident
    incidents: pd.DataFrame  # the flagged rows of ``weekly``
    threshold_z: float = 0.0


def build_sequences(cursor: Any, log: dict[str, Any], journey_id: int, dialect: Dialect = DUCKDB) -> None:
    """Order every case's events once per log and mapping (two window passes), and keep the result.

    ``…_ev``: every event with its role, the step of the previous step event in the case
    (``last_step``: a repeat when equal to its own step; the failing step of an error event), and the
    case's attributes (start time, segment values at its first event). ``…_visit``: the step events
    without repeats, numbered per case (``n``), with the previous and next step and the next step's
    time, and ``k`` / ``kt`` numbering the visits of the same step / the same transition within a
    case (``k = 1`` counts cases, ``k = 2`` cases with a loop). ``…_case``: each case's path.
    Cases are keyed by a 64-bit hash of their id (integer sorting and counting); events at the same
    time keep the order of the log (``rowid``), so every engine orders ties alike.
    """
    ev_table, visit_table, case_table = sequence_tables(log["id"], journey_id)
    segments = range(len(log["segments"]))
    seg_raw = "".join(f", e.seg_{i}" for i in segments)
    seg_case = "".join(f", first_value(seg_{i}) OVER c AS seg_{i}" for i in segments)
    seg_cols = "".join(f", seg_{i}" for i in segments)
    for table in (ev_table, visit_table, case_table):
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    cursor.execute(f"""
        CREATE TABLE {ev_table} AS
        SELECT case_key, ts, rid, event, step_id, role, case_start{seg_cols}, {dialect.last_step_outer}
        FROM (
            SELECT case_key, ts, rid, event, step_id, role, min(ts) OVER (PARTITION BY case_key) AS case_start{seg_case},
                   {dialect.last_step_inner}
            FROM (
                SELECT {dialect.case_key.format(column="e.case_id")} AS case_key, e.ts, e.rowid AS rid, e.event, m.step_id,
                       coalesce(m.role, '') AS role{seg_raw}
                FROM {events_table(log['id'])} e
                LEFT JOIN event_mapping m ON m.log_id = ? AND m.journey_id = ? AND m.event = e.event
            ) AS mapped
            WINDOW c AS (PARTITION BY case_key ORDER BY ts, rid)
        ) AS ordered
    """, [log["id"], journey_id])
    cursor.execute(f"""
        CREATE TABLE {visit_table} AS
        SELECT *,
               row_number() OVER (PARTITION BY case_key, step_id ORDER BY n) AS k,
               row_number() OVER (PARTITION BY case_key, step_id, next_step ORDER BY n) AS kt
        FROM (
            SELECT case_key, ts, CAST(date_trunc('week', ts) AS DATE) AS week, step_id, case_start{seg_cols},
                   row_number() OVER o AS n, lag(step_id) OVER o AS prev_step, lead(step_id) OVER o AS next_step,
                   lead(ts) OVER o AS next_ts
            FROM {ev_table}
            WHERE role = 'step' AND last_step IS DISTINCT FROM step_id
            WINDOW o AS (PARTITION BY case_key ORDER BY ts, rid)
        ) AS visits
    """)
    cursor.execute(f"""
        CREATE TABLE {case_table} AS
        SELECT case_key, min(case_start) AS case_start{''.join(f', min(seg_{i}) AS seg_{i}' for i in segments)},
               string_agg(CAST(step_id AS VARCHAR), '>' ORDER BY n) AS path
        FROM {visit_table} GROUP BY case_key
    """)


def _planned_rows(planned: PlannedMap) -> str:
    """The map's transitions as a derived table ``p(source, target)`` (ids are integers: safe to splice)."""
    pairs = ", ".join(f"({int(s)}, {int(t)})" for s, t in zip(planned.transitions["source"], planned.transitions["target"],
                                                               strict=True))
    rows = f"VALUES {pairs}" if pairs else "SELECT CAST(NULL AS INTEGER), CAST(NULL AS INTEGER) WHERE FALSE"
    return f"({rows}) AS p(source, target)"


def _where(log: dict[str, Any], filters: Filters) -> tuple[str, list[Any]]:
    """Case-level filters: segment values at the case's first event, and the date of its first event."""
    clauses, params = ["TRUE"], []
    segments = list(log["segments"])
    for name, values in filters.segments.items():
        if name in segments and values:
            clauses.append(f"seg_{segments.index(name)} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if filters.start:
        clauses.append("case_start >= ?")
        params.append(filters.start)
    if filters.end:
        clauses.append("case_start < ?")
        params.append(filters.end + timedelta(days=1))
    return " AND ".join(clauses), params


def _shortest_planned_path(successors: dict[int, list[int]], source: int, target: int) -> list[int] | None:
    """The steps strictly between ``source`` and ``target`` on a shortest planned path, or None."""
    seen = {source: None}
    queue = deque([source])
    while queue:
        node = queue.popleft()
        for nxt in successors.get(node, []):
            if nxt in seen:
                continue
            seen[nxt] = node
            if nxt == target:
                path, cur = [], seen[nxt]
                while cur is not None and cur != source:
                    path.append(cur)
                    cur = seen[cur]
                return path[::-1]
            queue.append(nxt)
    return None


def _titles(planned: PlannedMap) -> dict[int, str]:
    return {int(s): str(t) for s, t in zip(planned.steps["step_id"], planned.steps["title"], strict=True)}


def _name(titles: dict[int, str], step: Any) -> str:
    if pd.isna(step):
        return ""
    step = int(step)
    return {START: "▶", END: "■"}.get(step, titles.get(step, str(step)))


def analyse(store: SqlStore, log_id: int, planned: PlannedMap, filters: Filters | None = None, *,
            top_variants: int = 10, alpha: float = ALPHA) -> Analysis:
    """Every figure of the comparison for one log, journey and filter (a handful of aggregating queries).

    ``store`` is where the events are: the workspace's DuckDB file (:class:`services.eventlog.store.EventStore`)
    or a PostgreSQL database (:class:`services.eventlog.pgstore.PostgresEventStore`); the queries are
    the same, the store's :attr:`dialect` fills in the few fragments that differ.
    """
    filters = filters or Filters()
    log = get_log(store, log_id)
    titles = _titles(planned)
    ev, visit, cases_table = sequence_tables(log_id, planned.journey_id)
    where, params = _where(log, filters)
    planned_rows = _planned_rows(planned)
    with store.cursor() as cursor:
        present = {r[0] for r in cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (?, ?, ?)",
            [ev, visit, cases_table]).fetchall()}
        if present != {ev, visit, cases_table}:
            with store.transaction() as writer:
                build_sequences(writer, log, planned.journey_id, store.dialect)

        def q(sql: str) -> pd.DataFrame:
            return cursor.execute(sql, params).df()

        # visits with "allowed" (the map has their transition to the next step), filtered by case
        v = f"""(SELECT vt.*, (p.source IS NOT NULL) AS allowed FROM {visit} vt
                 LEFT JOIN {planned_rows} ON p.source = vt.step_id AND p.target = vt.next_step WHERE {where}) AS v"""
        e = f"(SELECT * FROM {ev} WHERE {where}) AS e"
        totals = cursor.execute(f"""
            SELECT count(*), count(DISTINCT case_key), count(*) FILTER (WHERE role = 'step'),
                   count(*) FILTER (WHERE role = 'error'), count(*) FILTER (WHERE role = '') FROM {e}""", params).fetchone()
        steps = q(f"""
            SELECT step_id, count(*) AS visits, count(*) FILTER (WHERE k = 1) AS cases, count(*) FILTER (WHERE k = 2) AS loop_cases,
                   count(*) FILTER (WHERE n = 1) AS entries, count(*) FILTER (WHERE next_step IS NULL) AS exits
            FROM {v} GROUP BY step_id""")
        repeats = q(f"SELECT step_id, count(*) AS repeats FROM {e} WHERE role = 'step' AND last_step = step_id GROUP BY step_id")
        dfg = cursor.execute(f"""
            SELECT step_id AS source, coalesce(next_step, {END}) AS target, count(*) AS transitions,
                   count(*) FILTER (WHERE kt = 1) AS cases,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM next_ts - ts)) / 3600 AS median_h,
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM next_ts - ts)) / 3600 AS p90_h
            FROM {v} GROUP BY step_id, coalesce(next_step, {END})
            UNION ALL
            SELECT {START}, step_id, count(*), count(*), NULL, NULL FROM {visit} WHERE n = 1 AND {where} GROUP BY step_id""",
                             params + params).df()
        # per-case conformance: only cases with a transition off the map need counting; the rest conform fully
        per_case = q(f"""
            SELECT moves, ok, count(*) AS cases FROM (
                SELECT case_key, count(next_step) AS moves, count(*) FILTER (WHERE allowed) AS ok FROM {v}
                WHERE case_key IN (SELECT case_key FROM {visit} WHERE next_step IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM {planned_rows} WHERE p.source = step_id AND p.target = next_step))
                GROUP BY case_key
            ) AS off_map GROUP BY moves, ok""")
        with_steps = cursor.execute(f"SELECT count(*) FROM {cases_table} WHERE {where}", params).fetchone()[0]
        per_case = pd.concat([per_case, pd.DataFrame({"moves": [0], "ok": [0], "cases": [with_steps - int(per_case["cases"].sum())]})],
                             ignore_index=True)
        variants = q(f"SELECT path, count(*) AS cases FROM {cases_table} WHERE {where} GROUP BY path "
                     f'ORDER BY cases DESC, path COLLATE "C" LIMIT {int(top_variants)}')
        ad_hoc = q(f"SELECT event, count(*) AS events, count(DISTINCT case_key) AS cases FROM {e} WHERE role = '' "
                   'GROUP BY event ORDER BY events DESC, event COLLATE "C"')
        failing = q(f"""
            SELECT last_step AS step_id, count(*) AS error_events, count(DISTINCT case_key) AS cases,
                   string_agg(DISTINCT event COLLATE "C", ', ' ORDER BY event COLLATE "C") AS errors
            FROM {e} WHERE role = 'error' AND last_step IS NOT NULL GROUP BY last_step ORDER BY error_events DESC, last_step""")
        deviating = cursor.execute(f"""
            SELECT step_id, count(DISTINCT case_key) AS deviating_cases FROM (
                SELECT case_key, step_id FROM {v} WHERE next_step IS NOT NULL AND NOT allowed
                UNION ALL
                SELECT case_key, last_step FROM {e} WHERE role = 'error' AND last_step IS NOT NULL
            ) AS deviations GROUP BY step_id""", params + params).df()
        weekly = q(f"""
            SELECT step_id, week, count(*) AS visits,
                   count(*) FILTER (WHERE allowed) AS converted
            FROM {v} WHERE step_id IN (SELECT source FROM {planned_rows})
            GROUP BY step_id, week ORDER BY step_id, week""")
    return _assemble(planned, titles, totals, steps, repeats, dfg, per_case, variants, ad_hoc, failing, deviating, weekly,
                     alpha)


def _assemble(planned: PlannedMap, titles: dict[int, str], totals: tuple, steps: pd.DataFrame, repeats: pd.DataFrame,
              dfg: pd.DataFrame, per_case: pd.DataFrame, variants: pd.DataFrame, ad_hoc: pd.DataFrame,
              failing: pd.DataFrame, deviating: pd.DataFrame, weekly: pd.DataFrame, alpha: float) -> Analysis:
    events, cases, step_events, error_events, unmapped_events = (int(v or 0) for v in totals)
    allowed = planned.allowed()
    exit_steps = {int(s) for s, e in zip(planned.steps["step_id"], planned.steps["is_exit"], strict=True) if e}
    entry_steps = {int(s) for s, e in zip(planned.steps["step_id"], planned.steps["is_entry"], strict=True) if e}

    # per step, in the map's reading order
    table = planned.steps[["step_id", "title", "stage", "is_entry", "is_exit", "exit_kind"]].copy()
    for frame in (steps, repeats, deviating):
        table = table.merge(frame.astype({"step_id": "int64"}), on="step_id", how="left")
    table = table.fillna({c: 0 for c in ("visits", "cases", "entries", "exits", "repeats", "loop_cases", "deviating_cases")})
    for column in ("visits", "cases", "entries", "exits", "repeats", "loop_cases", "deviating_cases"):
        table[column] = table[column].astype("int64")
    table["drop_off"] = np.where(table["is_exit"], 0, table["exits"]).astype("int64")
    table["drop_off_share"] = _share(table["drop_off"], table["visits"])
    table["deviating_share"] = _share(table["deviating_cases"], table["cases"])

    # directly-follows graph
    dfg = dfg.astype({"source": "int64", "target": "int64"})
    dfg["planned"] = [(s, t) in allowed for s, t in zip(dfg["source"], dfg["target"], strict=True)]
    dfg.loc[dfg["source"] == START, "planned"] = dfg.loc[dfg["source"] == START, "target"].isin(entry_steps)
    dfg.loc[dfg["target"] == END, "planned"] = dfg.loc[dfg["target"] == END, "source"].isin(exit_steps)
    dfg.insert(0, "source_title", [_name(titles, s) for s in dfg["source"]])
    dfg.insert(1, "target_title", [_name(titles, t) for t in dfg["target"]])
    dfg = dfg.sort_values(["transitions", "source", "target"], ascending=[False, True, True], ignore_index=True)

    # planned transitions: planned share beside the observed one
    visits = dict(zip(table["step_id"], table["visits"], strict=True))
    moves = {(int(s), int(t)): int(n) for s, t, n in zip(dfg["source"], dfg["target"], dfg["transitions"], strict=True)}
    plan = planned.transitions.copy()
    plan["source_title"] = [_name(titles, s) for s in plan["source"]]
    plan["target_title"] = [_name(titles, t) for t in plan["target"]]
    plan["observed"] = [moves.get((int(s), int(t)), 0) for s, t in zip(plan["source"], plan["target"], strict=True)]
    plan["source_visits"] = [int(visits.get(int(s), 0)) for s in plan["source"]]
    plan["observed_share"] = _share(plan["observed"], plan["source_visits"])
    plan["difference"] = plan["observed_share"] - plan["share"]
    timing = dfg.set_index(["source", "target"])[["median_h", "p90_h"]]
    plan = plan.join(timing, on=["source", "target"])
    plan = plan.rename(columns={"share": "planned_share"})

    # irregular sequences and the planned steps they skip
    successors = planned.successors()
    irregular = dfg[(dfg["source"] != START) & (dfg["target"] != END) & ~dfg["planned"]].copy()
    skipped_paths = [_shortest_planned_path(successors, int(s), int(t)) for s, t in zip(irregular["source"], irregular["target"],
                                                                                          strict=True)]
    irregular["skipped"] = [", ".join(titles.get(s, str(s)) for s in path) if path else "" for path in skipped_paths]
    irregular = irregular[["source", "target", "source_title", "target_title", "transitions", "cases", "skipped"]].reset_index(drop=True)
    missing_counts: dict[int, list[int]] = {}
    for path, n, c in zip(skipped_paths, irregular["transitions"], irregular["cases"], strict=True):
        for step in path or []:
            entry = missing_counts.setdefault(step, [0, 0])
            entry[0] += int(n)
            entry[1] += int(c)
    missing = pd.DataFrame([(s, titles.get(s, str(s)), n, c) for s, (n, c) in missing_counts.items()],
                           columns=["step_id", "title", "skipped", "cases"]).sort_values("skipped", ascending=False,
                                                                                        ignore_index=True)

    failing = failing.astype({"step_id": "int64"})
    failing.insert(1, "title", [titles.get(int(s), str(s)) for s in failing["step_id"]])

    # variants and per-case conformance
    with_steps = int(per_case["cases"].sum())
    variants["steps"] = [len(p.split(">")) for p in variants["path"]]
    variants["path"] = [" → ".join(titles.get(int(s), s) for s in p.split(">")) for p in variants["path"]]
    variants["share"] = _share(variants["cases"], pd.Series(with_steps, index=variants.index))
    ratio = np.where(per_case["moves"] > 0, per_case["ok"] / per_case["moves"].where(per_case["moves"] > 0, 1), 1.0)
    buckets = np.minimum((ratio * 10).astype(int), 10) * 10
    conformance = (pd.DataFrame({"bucket": buckets, "cases": per_case["cases"]}).groupby("bucket", as_index=False)["cases"].sum()
                   .set_index("bucket").reindex(range(0, 101, 10), fill_value=0).reset_index())
    conforming = int(per_case.loc[per_case["ok"] == per_case["moves"], "cases"].sum())
    mean_conformance = float((ratio * per_case["cases"]).sum() / with_steps) if with_steps else 0.0

    weekly, threshold = _incidents(weekly, titles, alpha)
    summary = {
        "events": events, "cases": cases, "cases_with_steps": with_steps, "step_events": step_events,
        "error_events": error_events, "unmapped_events": unmapped_events,
        "mapped_share": 100.0 * step_events / events if events else 0.0,
        "conforming_cases": conforming, "conforming_share": 100.0 * conforming / with_steps if with_steps else 0.0,
        "mean_conformance": 100.0 * mean_conformance,
        "irregular_transitions": int(irregular["transitions"].sum()), "ad_hoc_events": int(ad_hoc["events"].sum()),
        "failing_events": int(failing["error_events"].sum()), "missing_steps": int(missing["skipped"].sum()) if len(missing) else 0,
        "incidents": int(weekly["incident"].sum()),
    }
    return Analysis(summary, table, dfg, plan, irregular, missing, ad_hoc, failing, variants, conformance, weekly,
                    weekly[weekly["incident"]].reset_index(drop=True), threshold)


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    whole = pd.Series(whole, index=part.index).astype("float64")
    return (100.0 * part.astype("float64") / whole.where(whole > 0)).astype("float64")


def _incidents(weekly: pd.DataFrame, titles: dict[int, str], alpha: float) -> tuple[pd.DataFrame, float]:
    """Each step-week's conversion against the step's other weeks (one-sided two-proportion z-test, Bonferroni)."""
    weekly = weekly.astype({"step_id": "int64", "visits": "int64", "converted": "int64"}).copy()
    weekly.insert(1, "title", [titles.get(int(s), str(s)) for s in weekly["step_id"]])
    weekly["week"] = pd.to_datetime(weekly["week"]).dt.date
    total = weekly.groupby("step_id")[["visits", "converted"]].transform("sum")
    n1, x1 = weekly["visits"].astype(float), weekly["converted"].astype(float)
    n0, x0 = total["visits"] - n1, total["converted"] - x1
    weekly["rate"] = 100 * x1 / n1.where(n1 > 0)
    weekly["baseline"] = 100 * x0 / n0.where(n0 > 0)
    pooled = (x0 + x1) / (n0 + n1)
    spread = np.sqrt(pooled * (1 - pooled) * (1 / n1.where(n1 > 0) + 1 / n0.where(n0 > 0)))
    weekly["z"] = ((x1 / n1.where(n1 > 0) - x0 / n0.where(n0 > 0)) / spread.where(spread > 0)).astype(float)
    tested = (n1 >= MIN_WEEK_VISITS) & (n0 >= MIN_WEEK_VISITS) & weekly["z"].notna()
    threshold = NormalDist().inv_cdf(alpha / max(int(tested.sum()), 1))
    weekly["tested"] = tested
    weekly["incident"] = tested & (weekly["z"] < threshold)
    return weekly, threshold
