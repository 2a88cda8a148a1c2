"""The analyses on PostgreSQL: the same SQL over the same log gives the same Analysis as DuckDB.

A simulated shop log (every deviation kind, an incident week, two segment columns, and one case whose
events share one timestamp so only the log's order decides) and the hand-computed small log are
imported into DuckDB, copied into a database of the suite's throwaway PostgreSQL cluster, and analysed
on both with the same mapping and filters. Every frame must be equal, in the same order, with the
same dtypes; the summary and the incident threshold too.

Without PostgreSQL (not installed, or ``--engines sqlite``) these tests are skipped, and the run's
summary says so (``tests/conftest.py``).
"""

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from services.eventlog import conformance, ingest, mapping, pgstore, simulate
from services.eventlog import store as eventstore
from services.eventlog.conformance import Analysis, Filters
from services.eventlog.planned import PlannedMap
from tests.pgcluster import Cluster
from tests.unit.eventlog.eventlog_helpers import (
    CART,
    COLUMNS,
    NAMES,
    PAY,
    SHOP,
    SMALL_LOG,
    SMALL_MAPPING,
    small_map,
    small_store,
    write,
)

FRAMES = ("steps", "dfg", "planned", "irregular", "missing", "ad_hoc", "failing", "variants", "conformance", "weekly", "incidents")
# a case whose events all share one second: only the log's row order says that the error follows
# "stoebert" and that "stoebert" is then repeated
TIES = "".join(f"TIE,2026-01-20 12:00:00,{event},Website,web,seo\r\n"  # csv.writer's line ends
               for event in ("startseite", "stoebert", "zahlung_fehlgeschlagen", "stoebert", "produktdetail", "chat_geoeffnet"))
FILTERS = {
    "all": Filters(),
    "segment": Filters(segments={"platform": ("web",)}),
    "two values": Filters(segments={"acquisition": ("seo", "sea")}),
    "dates": Filters(start=date(2026, 1, 19), end=date(2026, 2, 22)),
    "segment and dates": Filters(segments={"platform": ("app",), "acquisition": ("seo",)}, start=date(2026, 2, 1)),
    "nothing": Filters(segments={"platform": ("tv",)}),
}
_databases = itertools.count(1)


@dataclass
class Engines:
    duck: eventstore.EventStore
    pg: pgstore.PostgresEventStore
    shop: int  # the simulated log's id
    small: int  # the hand-computed log's id


@pytest.fixture(scope="module")
def engines(pg_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engines]:
    """Both logs in a DuckDB file and copied into a fresh PostgreSQL database (one per module: the tests only read them)."""
    folder = tmp_path_factory.mktemp("eventlog-pg")
    duck = eventstore.open_store(1, folder / "eventlogs")
    path = folder / "shop.csv"
    scenario = simulate.Scenario(skip={PAY: 0.05}, ad_hoc={"chat_geoeffnet": 0.05, "newsletter": 0.02},
                                 errors={PAY: ("zahlung_fehlgeschlagen", 0.03)}, repeat=0.05, incident=(CART, 3, 0.3), weeks=6)
    simulate.write_csv(SHOP, 3000, path, scenario, event_names=NAMES, seed=7)
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(TIES)
    shop = ingest.import_log(duck, path, "shop", ingest.ColumnMapping("case_id", "timestamp", "event", "channel",
                                                                      ("platform", "acquisition")))["id"]
    mapping.accept_suggestions(duck, shop, SHOP)
    small = small_store(duck, folder)
    name = f"eventlog_{next(_databases)}"
    pg = pgstore.PostgresEventStore(pg_cluster.create_database(name))
    for log_id in (shop, small):
        pgstore.copy_log(duck, pg, log_id)
    try:
        yield Engines(duck, pg, shop, small)
    finally:
        eventstore.close_all()
        pg_cluster.drop_database(name)


def assert_same(duck: Analysis, pg: Analysis) -> None:
    """Every figure alike: the summary, the threshold and each frame (order, values, dtypes)."""
    assert pg.summary.keys() == duck.summary.keys()
    for key, value in duck.summary.items():
        assert pg.summary[key] == pytest.approx(value, rel=1e-12), key
    assert math.isclose(pg.threshold_z, duck.threshold_z, rel_tol=1e-12)
    for name in FRAMES:
        pd.testing.assert_frame_equal(getattr(pg, name), getattr(duck, name), check_exact=False, rtol=1e-9, obj=name)


def both(engines: Engines, log_id: int, planned: PlannedMap, filters: Filters) -> tuple[Analysis, Analysis]:
    return (conformance.analyse(engines.duck, log_id, planned, filters),
            conformance.analyse(engines.pg, log_id, planned, filters))


@pytest.mark.parametrize("filters", FILTERS.values(), ids=FILTERS.keys())
def test_the_simulated_log_gives_the_same_analysis_on_both_engines(engines: Engines, filters: Filters) -> None:
    duck, pg = both(engines, engines.shop, SHOP, filters)
    assert_same(duck, pg)
    if filters == Filters():  # the comparison is not vacuous: every kind of figure is there
        assert duck.summary["cases"] == 3001
        assert min(len(duck.irregular), len(duck.missing), len(duck.ad_hoc), len(duck.failing), len(duck.incidents)) > 0
        assert duck.steps["repeats"].sum() > 0 and duck.steps["loop_cases"].sum() > 0
    if filters == FILTERS["nothing"]:
        assert pg.summary["cases"] == 0 and pg.variants.empty


def test_events_at_the_same_time_keep_the_log_order(engines: Engines) -> None:
    duck, pg = both(engines, engines.shop, SHOP, Filters(start=date(2026, 1, 20), end=date(2026, 1, 20)))
    assert_same(duck, pg)
    ev_table = eventstore.sequence_tables(engines.shop, SHOP.journey_id)[0]
    for store in (engines.duck, engines.pg):
        with store.cursor() as cursor:
            rows = cursor.execute(f"SELECT event, last_step FROM {ev_table} "
                                  f"WHERE case_key = {store.dialect.case_key.format(column='?')} ORDER BY rid", ["TIE"]).fetchall()
        assert rows == [("startseite", None), ("stoebert", 1), ("zahlung_fehlgeschlagen", 2), ("stoebert", 2),
                        ("produktdetail", 2), ("chat_geoeffnet", 3)], store.dialect.name


@pytest.mark.parametrize("filters", [Filters(), Filters(segments={"platform": ("web",)}), Filters(start=date(2026, 3, 9))],
                         ids=["all", "segment", "date"])
def test_the_hand_computed_log_gives_the_same_analysis_on_both_engines(engines: Engines, filters: Filters) -> None:
    duck, pg = both(engines, engines.small, small_map(), filters)
    assert_same(duck, pg)
    if filters == Filters():
        assert pg.summary["conforming_cases"] == 3 and pg.summary["events"] == 18  # see test_eventlog_conformance


def test_the_sequences_are_built_in_postgresql_and_rebuilt_after_a_new_mapping(engines: Engines, tmp_path: Path) -> None:
    log_id = ingest.import_log(engines.duck, write(tmp_path, SMALL_LOG), "small, remapped", COLUMNS)["id"]
    mapping.save_mapping(engines.duck, log_id, small_map(), SMALL_MAPPING)
    pgstore.copy_log(engines.duck, engines.pg, log_id)
    assert_same(*both(engines, log_id, small_map(), Filters()))
    with engines.pg.cursor() as cursor:
        tables = {r[0] for r in cursor.execute("SELECT table_name FROM information_schema.tables "
                                               "WHERE table_schema = 'eventlog' AND table_name LIKE 'seq%'").fetchall()}
    assert set(eventstore.sequence_tables(log_id, small_map().journey_id)) <= tables
    remapped = SMALL_MAPPING.assign(role=SMALL_MAPPING["role"].where(SMALL_MAPPING["event"] != "chat", "error"))
    mapping.save_mapping(engines.duck, log_id, small_map(), remapped)
    pgstore.copy_log(engines.duck, engines.pg, log_id)  # drops the sequences built under the old mapping
    duck, pg = both(engines, log_id, small_map(), Filters())
    assert_same(duck, pg)
    assert pg.summary["error_events"] == 2 and pg.ad_hoc.empty


def test_a_sqlalchemy_url_names_the_driver_psycopg_does_not() -> None:
    assert pgstore._libpq_url("postgresql+psycopg://u@h:5/db") == "postgresql://u@h:5/db"
    assert pgstore._libpq_url("postgresql://u@h/db") == "postgresql://u@h/db"
