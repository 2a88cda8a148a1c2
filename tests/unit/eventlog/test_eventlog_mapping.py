"""Event → step mapping: suggestions by name similarity, error events, saving per journey and log."""

from pathlib import Path

import pandas as pd
import pytest

from services.core import DomainError
from services.eventlog import ingest, mapping
from services.eventlog import store as eventstore
from services.eventlog.planned import make_map
from services.eventlog.simulate import DEMO_EVENTS
from tests.unit.eventlog.eventlog_helpers import COLUMNS, SMALL_LOG, small_map, write


@pytest.fixture
def store(tmp_path: Path):  # type: ignore[no-untyped-def]
    yield eventstore.open_store(1, tmp_path / "eventlogs")
    eventstore.close_all()


def test_suggestions_for_the_demo_shop_events() -> None:
    titles = list(DEMO_EVENTS)
    shop = make_map([{"step_id": i, "title": t} for i, t in enumerate(titles)], [])
    names = [e for v in DEMO_EVENTS.values() for e in v] + ["zahlung_fehlgeschlagen", "chat_geoeffnet", "PAYMENT_ERROR"]
    found = mapping.suggest(names, shop).set_index("event")
    step = {e: (titles[int(s)] if pd.notna(s) else None) for e, s in found["step_id"].items()}
    assert step["produktseite_aufgerufen"] == "Landet auf der Produktseite"
    assert step["warenkorb_zur_kasse"] == step["kasse_aufgerufen"] == "Geht zur Kasse"  # many events → one step
    assert step["zahlungsart_gewaehlt"] == "Wählt Zahlungsart"
    assert step["rabattcode_eingeloest"] == "Kauft erneut mit Rabattcode"  # a tie broken by the whole name
    assert step["kauf_abgebrochen"] == "Bricht Kauf ab"
    assert found.loc["zahlung_fehlgeschlagen", "role"] == found.loc["PAYMENT_ERROR", "role"] == "error"
    assert step["chat_geoeffnet"] is None and found.loc["chat_geoeffnet", "role"] == ""
    assert step["retoure_angemeldet"] is None  # no shared word: left to the user


def test_similarity_folds_umlauts_and_ignores_filler_words() -> None:
    assert mapping.similarity("groessentabelle_geoeffnet", "Öffnet die Größentabelle") > 0.95
    assert mapping.similarity("the_and", "der die das") == 0.0
    assert mapping.similarity("faq", "Liest die FAQ") == 1.0


def test_mapping_table_save_and_reload(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = ingest.import_log(store, write(tmp_path, SMALL_LOG), "log", COLUMNS)
    planned = small_map()
    table = mapping.mapping_table(store, log["id"], planned)
    assert table["event"].tolist() == ["a", "b", "c", "a2", "chat", "d", "err"]  # by events, then name
    assert table.set_index("event").loc["a", ["events", "cases"]].tolist() == [6, 5]
    assert not table["saved"].any()
    edited = table.assign(step_id=[1, 2, 3, 1, pd.NA, 4, pd.NA], role=["step", "step", "step", "", "", "step", "error"])
    assert mapping.save_mapping(store, log["id"], planned, edited) == 5  # "a2" with a step and no role is a step mapping
    saved = mapping.saved_mapping(store, log["id"], planned.journey_id).set_index("event")
    assert saved.loc["a2", "role"] == "step" and saved.loc["err", "role"] == "error" and pd.isna(saved.loc["err", "step_id"])
    again = mapping.mapping_table(store, log["id"], planned).set_index("event")
    assert again["saved"].all() and again.loc["d", "step_id"] == 4 and again.loc["chat", "role"] == ""
    # another journey's mapping of the same log is separate; a step that left the map counts as unmapped
    other = make_map([{"step_id": 1, "title": "x"}, {"step_id": 2, "title": "y"}], [], journey_id=10)
    assert not mapping.mapping_table(store, log["id"], other)["saved"].any()
    shrunk = make_map([{"step_id": 1, "title": "Sieht Anzeige"}], [], journey_id=planned.journey_id)
    assert pd.isna(mapping.mapping_table(store, log["id"], shrunk).set_index("event").loc["d", "step_id"])


def test_a_step_of_another_journey_is_refused(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = ingest.import_log(store, write(tmp_path, SMALL_LOG), "log", COLUMNS)
    rows = pd.DataFrame({"event": ["a"], "step_id": [99], "role": ["step"]})
    with pytest.raises(DomainError) as info:
        mapping.save_mapping(store, log["id"], small_map(), rows)
    assert info.value.field == "step_id" and info.value.params == {"event": "a"}
    assert mapping.accept_suggestions(store, log["id"], small_map()) >= 0
