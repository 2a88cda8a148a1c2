"""Shared pieces of the event-log tests: a store in a temporary folder and a small hand-drawn map."""

from pathlib import Path

import pandas as pd

from services.eventlog import ingest
from services.eventlog.planned import PlannedMap, make_map
from services.eventlog.store import EventStore

COLUMNS = ingest.ColumnMapping("case", "time", "event", "channel", ("platform",))
A, B, C, D = 1, 2, 3, 4


def small_map() -> PlannedMap:
    """A (entry) → B 70 %, A → D 30 %, D → B 50 %, B → C (purchase exit) 80 %."""
    return make_map(
        [{"step_id": A, "title": "Sieht Anzeige", "is_entry": True, "entry_share": 100},
         {"step_id": B, "title": "Besucht Produktseite"},
         {"step_id": C, "title": "Kauft ein", "is_exit": True, "exit_kind": "purchase"},
         {"step_id": D, "title": "Liest Bewertungen"}],
        [(A, B, 70), (A, D, 30), (B, C, 80), (D, B, 50)], journey_id=9)


# a shop journey for simulated customers (ground truth, both engines)
START_, BROWSE, DETAIL, CART, PAY, DONE, ABORT = range(1, 8)
SHOP = make_map(
    [{"step_id": START_, "title": "Startseite", "is_entry": True, "entry_share": 100}, {"step_id": BROWSE, "title": "Stöbert"},
     {"step_id": DETAIL, "title": "Produktdetail"}, {"step_id": CART, "title": "Warenkorb"}, {"step_id": PAY, "title": "Bezahlung"},
     {"step_id": DONE, "title": "Bestellt", "is_exit": True, "exit_kind": "purchase"},
     {"step_id": ABORT, "title": "Abbruch", "is_exit": True, "exit_kind": "abort"}],
    [(START_, BROWSE, 100), (BROWSE, DETAIL, 70), (DETAIL, BROWSE, 20), (DETAIL, CART, 50), (CART, PAY, 80), (CART, ABORT, 10),
     (PAY, DONE, 90)], journey_id=5)
NAMES = {START_: ["startseite"], BROWSE: ["stoebert", "stoebern_in_kategorie"], DETAIL: ["produktdetail"], CART: ["warenkorb"],
         PAY: ["bezahlung"], DONE: ["bestellt"], ABORT: ["abbruch"]}


# case, time, event, channel, platform — five cases, then two bad rows (unreadable time, empty case id)
SMALL_LOG = """case,time,event,channel,platform
k1,2026-03-02 10:00:00,a,web,web
k1,2026-03-02 11:00:00,b,web,web
k1,2026-03-02 13:00:00,c,web,web
k2,2026-03-02 10:00:00,a,web,web
k2,2026-03-02 10:00:30,a,web,web
k2,2026-03-02 10:30:00,d,web,web
k2,2026-03-02 11:00:00,b,web,web
k2,2026-03-02 15:00:00,c,web,web
k3,2026-03-02 09:00:00,a,app,app
k3,2026-03-02 09:10:00,c,app,app
k4,2026-03-02 09:00:00,a,app,app
k4,2026-03-02 09:05:00,b,app,app
k4,2026-03-02 09:06:00,err,app,app
k5,2026-03-10 08:00:00,chat,app,app
k5,2026-03-10 08:01:00,a2,app,app
k5,2026-03-10 08:02:00,b,app,app
k5,2026-03-10 08:03:00,a,app,app
k5,2026-03-10 08:04:00,b,app,app
k6,kaputt,a,app,app
,2026-03-02 09:00:00,a,app,app
"""
SMALL_MAPPING = pd.DataFrame({"event": ["a", "a2", "b", "c", "d", "err", "chat"],
                              "step_id": [A, A, B, C, D, None, None],
                              "role": ["step", "step", "step", "step", "step", "error", ""]})


def write(tmp_path: Path, text: str, name: str = "log.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def small_store(store: EventStore, tmp_path: Path) -> int:
    from services.eventlog import mapping

    log = ingest.import_log(store, write(tmp_path, SMALL_LOG), "small", COLUMNS)
    mapping.save_mapping(store, log["id"], small_map(), SMALL_MAPPING)
    return log["id"]
