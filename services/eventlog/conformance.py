"""What customers really did, and how it compares with the map the room drew.

Every figure is SQL over the log's events table (window functions over ``PARTITION BY case_id ORDER BY
ts``), run by DuckDB where the events are; Python only assembles the small results. The steps:

1. ``ev`` — the filtered events with their mapping (step, ``error`` or unmapped);
2. ``visit`` — per case, the mapped step events in time order with consecutive repeats of one step
   collapsed (a reload is a *repeat*, not a transition), each with its previous and next step;
3. the figures: directly-follows counts with times between steps, variants (whole paths), entry
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

from services.eventlog.planned import PlannedMap
from services.eventlog.store import EventStore, events_table, get_log

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


def _where(store: EventStore, log: dict[str, Any], filters: Filters) -> tuple[str, list[Any]]:
    clauses, params = ["TRUE"], []
    segments = list(log["segments"])
    for name, values in filters.segments.items():
        if name in segments and values:
            clauses.append(f"e.seg_{segments.index(name)} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    if filters.start or filters.end:
        start = filters.start or date(1, 1, 1)
        end = (filters.end or date(9999, 12, 30)) + timedelta(days=1)
        clauses.append(f"e.case_id IN (SELECT case_id FROM {events_table(log['id'])} GROUP BY case_id "
                       "HAVING min(ts) >= ? AND min(ts) < ?)")
        params.extend([start, end])
    return " AND ".join(clauses), params


def _prepare(cursor: Any, log: dict[str, Any], journey_id: int, filters: Filters, store: EventStore, planned: PlannedMap) -> None:
    where, params = _where(store, log, filters)
    cursor.execute("DROP TABLE IF EXISTS ev; DROP TABLE IF EXISTS visit; DROP TABLE IF EXISTS planned_t")
    cursor.execute(f"""
        CREATE TEMP TABLE ev AS
        SELECT e.case_id, e.ts, e.rowid AS rid, e.event, m.step_id, coalesce(m.role, '') AS role
        FROM {events_table(log['id'])} e
        LEFT JOIN event_mapping m ON m.log_id = ? AND m.journey_id = ? AND m.event = e.event
        WHERE {where}""", [log["id"], journey_id, *params])
    transitions = planned.transitions[["source", "target"]].astype("int64")
    cursor.register("planned_frame", transitions)
    cursor.execute("CREATE TEMP TABLE planned_t AS SELECT source, target FROM planned_frame")
    cursor.unregister("planned_frame")
    # the mapped step events with repeats (the same step again) collapsed; previous and next step of each visit
    cursor.execute("""
        CREATE TEMP TABLE visit AS
        WITH s AS (
            SELECT case_id, ts, rid, step_id,
                   lag(step_id) OVER (PARTITION BY case_id ORDER BY ts, rid) AS before
            FROM ev WHERE role = 'step'
        ), v AS (
            SELECT case_id, ts, rid, step_id FROM s WHERE before IS DISTINCT FROM step_id
        ), w AS (
            SELECT *, row_number() OVER o AS n, lag(step_id) OVER o AS prev_step, lead(step_id) OVER o AS next_step,
                   lead(ts) OVER o AS next_ts
            FROM v WINDOW o AS (PARTITION BY case_id ORDER BY ts, rid)
        )
        SELECT w.*, (p.source IS NOT NULL) AS allowed
        FROM w LEFT JOIN planned_t p ON p.source = w.step_id AND p.target = w.next_step
    """)


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


def analyse(store: EventStore, log_id: int, planned: PlannedMap, filters: Filters | None = None, *,
            top_variants: int = 10, alpha: float = ALPHA) -> Analysis:
    """Every figure of the comparison for one log, journey and filter (a handful of SQL queries)."""
    filters = filters or Filters()
    log = get_log(store, log_id)
    titles = _titles(planned)
    with store.cursor() as cursor:
        _prepare(cursor, log, planned.journey_id, filters, store, planned)
        q = lambda sql, params=None: cursor.execute(sql, params or []).df()  # noqa: E731
        totals = cursor.execute("""
            SELECT count(*), count(DISTINCT case_id), count(*) FILTER (WHERE role = 'step'),
                   count(*) FILTER (WHERE role = 'error'), count(*) FILTER (WHERE role = '') FROM ev""").fetchone()
        steps = q("""
            SELECT step_id, count(*) AS visits, count(DISTINCT case_id) AS cases,
                   count(*) FILTER (WHERE n = 1) AS entries, count(*) FILTER (WHERE next_step IS NULL) AS exits
            FROM visit GROUP BY step_id""")
        repeats = q("""
            SELECT step_id, count(*) AS repeats FROM (
                SELECT step_id, lag(step_id) OVER (PARTITION BY case_id ORDER BY ts, rid) AS before FROM ev WHERE role = 'step'
            ) WHERE before = step_id GROUP BY step_id""")
        loops = q("""
            SELECT step_id, count(*) AS loop_cases FROM (
                SELECT case_id, step_id FROM visit GROUP BY case_id, step_id HAVING count(*) > 1
            ) GROUP BY step_id""")
        dfg = q(f"""
            SELECT step_id AS source, coalesce(next_step, {END}) AS target, count(*) AS transitions,
                   count(DISTINCT case_id) AS cases,
                   median(epoch(next_ts - ts)) / 3600 AS median_h,
                   quantile_cont(epoch(next_ts - ts), 0.9) / 3600 AS p90_h
            FROM visit GROUP BY ALL
            UNION ALL
            SELECT {START}, step_id, count(*), count(DISTINCT case_id), NULL, NULL FROM visit WHERE n = 1 GROUP BY ALL""")
        per_case = q("""
            SELECT moves, ok, count(*) AS cases FROM (
                SELECT case_id, count(next_step) AS moves, count(*) FILTER (WHERE allowed) AS ok FROM visit GROUP BY case_id
            ) GROUP BY ALL""")
        variants = q(f"""
            SELECT path, count(*) AS cases FROM (
                SELECT case_id, string_agg(CAST(step_id AS VARCHAR), '>' ORDER BY n) AS path FROM visit GROUP BY case_id
            ) GROUP BY path ORDER BY cases DESC, path LIMIT {int(top_variants)}""")
        ad_hoc = q("SELECT event, count(*) AS events, count(DISTINCT case_id) AS cases FROM ev WHERE role = '' "
                   "GROUP BY event ORDER BY events DESC, event")
        failing = q("""
            SELECT step_id, count(*) AS error_events, count(DISTINCT case_id) AS cases,
                   string_agg(DISTINCT event, ', ' ORDER BY event) AS errors
            FROM (
                SELECT case_id, event, role,
                       last_value(step_id IGNORE NULLS) OVER (PARTITION BY case_id ORDER BY ts, rid
                                                              ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS step_id
                FROM ev WHERE role IN ('step', 'error')
            ) WHERE role = 'error' AND step_id IS NOT NULL GROUP BY step_id ORDER BY error_events DESC""")
        deviating = q("""
            SELECT step_id, count(DISTINCT case_id) AS deviating_cases FROM (
                SELECT case_id, step_id FROM visit WHERE next_step IS NOT NULL AND NOT allowed
                UNION ALL
                SELECT case_id, step_id FROM (
                    SELECT case_id, role, last_value(step_id IGNORE NULLS) OVER (PARTITION BY case_id ORDER BY ts, rid
                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS step_id
                    FROM ev WHERE role IN ('step', 'error')
                ) WHERE role = 'error' AND step_id IS NOT NULL
            ) GROUP BY step_id""")
        weekly = q("""
            SELECT v.step_id, CAST(date_trunc('week', v.ts) AS DATE) AS week, count(*) AS visits,
                   count(*) FILTER (WHERE v.allowed) AS converted
            FROM visit v WHERE v.step_id IN (SELECT source FROM planned_t)
            GROUP BY ALL ORDER BY v.step_id, week""")
    return _assemble(planned, titles, totals, steps, repeats, loops, dfg, per_case, variants, ad_hoc, failing, deviating, weekly,
                     alpha)


def _assemble(planned: PlannedMap, titles: dict[int, str], totals: tuple, steps: pd.DataFrame, repeats: pd.DataFrame,
              loops: pd.DataFrame, dfg: pd.DataFrame, per_case: pd.DataFrame, variants: pd.DataFrame, ad_hoc: pd.DataFrame,
              failing: pd.DataFrame, deviating: pd.DataFrame, weekly: pd.DataFrame, alpha: float) -> Analysis:
    events, cases, step_events, error_events, unmapped_events = (int(v or 0) for v in totals)
    allowed = planned.allowed()
    exit_steps = {int(s) for s, e in zip(planned.steps["step_id"], planned.steps["is_exit"], strict=True) if e}
    entry_steps = {int(s) for s, e in zip(planned.steps["step_id"], planned.steps["is_entry"], strict=True) if e}

    # per step, in the map's reading order
    table = planned.steps[["step_id", "title", "stage", "is_entry", "is_exit", "exit_kind"]].copy()
    for frame in (steps, repeats, loops, deviating):
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
