"""The page “Planned vs actual” through its widgets: a demo log generated and imported, the mapping
saved, the comparison rendered, observed shares taken into the map and undone; a SQL import with
bad rows shown and the log deleted; German texts."""

import json

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine
from sqlmodel import select

from models import Journey, Transition
from models.db import read_session
from services.eventlog import store as eventstore
from tests.pages.conftest import start_app

PAGE = "pages/analyse/planned_vs_actual.py"


@pytest.fixture(autouse=True)
def _close_stores():  # type: ignore[no-untyped-def]
    yield
    eventstore.close_all()


def journey_id(engine: Engine, name: str) -> int:
    with read_session(engine) as session:
        return session.exec(select(Journey.id).where(Journey.name == name)).one()


def shares(engine: Engine, journey: int) -> dict[int, float | None]:
    with read_session(engine) as session:
        return {t.id: t.share for t in session.exec(select(Transition).where(Transition.journey_id == journey))}


def workspace_store(engine: Engine) -> eventstore.EventStore:
    with read_session(engine) as session:
        ws = session.exec(select(Journey.workspace_id)).first()
    return eventstore.open_store(ws)


def test_demo_log_mapping_comparison_and_adopting_shares(database: Engine) -> None:
    at = start_app(PAGE)  # the demo workspace
    shop = journey_id(database, "Online-Kauf im Shop")
    at.selectbox(key="pva.journey").set_value(shop).run()
    assert at.selectbox(key="pva.log").value is None and at.radio(key="pva.view").value == "logs"
    at.number_input(key="pva.demo.cases").set_value(2000).run()
    at.button(key="pva.demo.generate").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Imported “Demo log: Online-Kauf im Shop (2000 customers)”:")
    store = workspace_store(database)
    logs = eventstore.list_logs(store)
    assert logs["cases"].tolist() == [2000] and logs["bad"].tolist() == [0]
    log_id = int(logs["id"].iat[0])
    assert at.selectbox(key="pva.log").value == log_id
    listed = at.dataframe[0].value
    assert listed["events"].tolist() == logs["events"].tolist()

    at.radio(key="pva.view").set_value("mapping").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Event names"] == "17" and metrics["Unmapped event names"] == "3"
    assert "suggestions by name similarity" in at.info[0].value
    at.button(key="pva.mapping.save").click().run()
    assert at.success[0].value == "Mapping saved: 13 event names stand for steps."
    saved = store.frame("SELECT event, step_id, role FROM event_mapping WHERE log_id = ? AND journey_id = ?", [log_id, shop])
    assert len(saved) == 17 and (saved["role"] == "step").sum() == 13
    assert saved.set_index("event").loc["zahlung_fehlgeschlagen", "role"] == "error"

    at.radio(key="pva.view").set_value("compare").run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cases"] == "2,000" and metrics["Incidents"] == "1"
    assert float(metrics["Follow the map"].rstrip(" %")) > 95
    figures = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    assert len(figures) == 7
    texts = [t for f in figures[:1] for trace in f["data"] for t in (trace.get("text") or []) if isinstance(t, str)]
    assert "Landet auf der Produktseite" in texts and any(t.startswith("92 % → ") for t in texts)
    assert {d.label for d in at.get("download_button")} == {"Download data (CSV)"}
    incidents = next(d.value for d in at.dataframe if "baseline" in d.value.columns)
    assert incidents["title"].tolist() == ["Geht zur Kasse"]

    before = shares(database, shop)
    at.button(key="pva.adopt").click().run()
    assert at.success[0].value == "The observed shares are in the map."
    after = shares(database, shop)
    changed = {t for t in before if before[t] != after[t]}
    assert changed and all(after[t] is not None and round(after[t], 1) == after[t] for t in changed)
    at.button(key="pva.undo").click().run()
    assert shares(database, shop) == before
    assert at.success[0].value == "The planned shares are back."
    assert not [b for b in at.button if b.key == "pva.undo"]


def test_sql_import_with_bad_rows_and_delete(database: Engine, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EVENTLOG_SQL_IMPORT", "on")
    source = create_engine(f"sqlite:///{tmp_path / 'crm.db'}")
    pd.DataFrame({
        "customer_id": ["c1", "c1", "c2", "", "c3"],
        "timestamp": ["2026-03-02 10:00:00", "2026-03-02 11:00:00", "2026-03-02 10:00:00", "2026-03-02 10:00:00", "gestern"],
        "event": ["faq_gelesen", "kasse_aufgerufen", "faq_gelesen", "faq_gelesen", "kasse_aufgerufen"],
    }).to_sql("crm_events", source, index=False)
    source.dispose()
    at = start_app(PAGE)
    at.text_input(key="pva.sql.url").input(f"sqlite:///{tmp_path / 'crm.db'}").run()
    at.text_area(key="pva.sql.query").input("SELECT * FROM crm_events").run()
    assert at.selectbox(key="pva.sql.columns.case").value == "customer_id"
    assert at.selectbox(key="pva.sql.columns.time").value == "timestamp"
    at.text_input(key="pva.sql.name").input("CRM März").run()
    at.button(key="pva.sql.import").click().run()
    assert not at.exception
    assert at.warning[0].value == "Imported “CRM März”: 3 events of 2 cases. 2 rows were refused (see the bad rows of the log)."
    listed = next(d.value for d in at.dataframe if "bad" in d.value.columns)
    assert listed[["name", "rows", "events", "bad_time", "bad_case", "bad"]].to_dict("records") == [
        {"name": "CRM März", "rows": 5, "events": 3, "bad_time": 1, "bad_case": 1, "bad": 2}]
    bad = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert sorted(bad["reason"]) == ["case", "time"] and "c3 | gestern | kasse_aufgerufen" in bad["text"].tolist()

    assert at.button(key="pva.delete").disabled
    at.checkbox(key="pva.delete.confirm").check().run()
    at.button(key="pva.delete").click().run()
    assert not at.exception
    assert eventstore.list_logs(workspace_store(database)).empty
    assert at.selectbox(key="pva.log").value is None
    assert "No event log yet." in [i.value for i in at.info]


def test_german_texts(database: Engine) -> None:
    at = start_app(PAGE, language="de")
    assert at.title[0].value == "Soll und Ist"
    assert [t.label for t in at.tabs] == ["Datei hochladen", "SQL-Abfrage", "Demo-Log"]
    assert any("SQL-Import ist auf diesem Server ausgeschaltet" in i.value for i in at.info)  # off unless switched on
    assert "Noch kein Ereignis-Log." in [i.value for i in at.info]
