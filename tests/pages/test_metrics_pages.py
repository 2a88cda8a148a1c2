"""The metrics, opportunity and dashboard pages through their widgets: what is shown, what is stored."""

from types import SimpleNamespace

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from models import Measurement, Metric, Opportunity
from models.db import read_session
from services import journeys
from services.metrics import crud as metrics
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from services.workspaces import crud as workspaces
from tests.pages.conftest import figures as charts
from tests.pages.conftest import problems, start_app, values

METRICS = "pages/analyse/metrics.py"
OPPORTUNITIES = "pages/analyse/opportunities.py"
DASHBOARD = "pages/workbench/dashboard.py"


def errors(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.value for e in at.error]


def stored_metrics(engine: Engine) -> list[Metric]:
    with read_session(engine) as session:
        return list(session.exec(select(Metric).order_by(Metric.name)).all())


def stored_measurements(engine: Engine) -> list[tuple]:
    with read_session(engine) as session:
        rows = session.exec(select(Measurement).order_by(Measurement.metric_id, Measurement.measured_on)).all()
        return [(m.measured_on.isoformat(), m.value, m.note) for m in rows]


@pytest.fixture
def journey(database: Engine, workspace_id: int) -> SimpleNamespace:
    with unit_of_work(database) as session:
        journey = journeys.create_journey(session, workspace_id, {"name": "Sommerurlaub"})
        stage = journeys.create_stage(session, workspace_id, journey.id, {"name": "Buchung"})
        step = journeys.create_step(session, workspace_id, stage.id, {"title": "Bezahlt"})
    return SimpleNamespace(id=journey.id, step=step.id)


@pytest.fixture
def nps(database: Engine, workspace_id: int, journey: SimpleNamespace) -> int:
    with unit_of_work(database) as session:
        metric = metrics.create_metric(session, workspace_id, {
            "name": "NPS", "unit": "points", "target": 40, "scope": "journey", "journey_id": journey.id})
        metrics.add_measurement(session, workspace_id, metric.id, "2025-01-31", 30)
        metrics.add_measurement(session, workspace_id, metric.id, "2025-02-28", 45, "Kampagne")
    return metric.id


def test_define_a_metric_through_the_form(database: Engine, workspace_id: int, journey: SimpleNamespace) -> None:
    at = start_app(METRICS)
    assert any("No metrics yet" in i.value for i in at.info)
    at.radio(key="metric.form.scope").set_value("step").run()
    at.selectbox(key="metric.form.journey_id").set_value(journey.id).run()
    at.text_input(key="metric.form.name").set_value("Abbruch <Zahlung>")
    at.selectbox(key="metric.form.kind").set_value("drop_off_rate")
    at.text_input(key="metric.form.unit").set_value("%")
    at.number_input(key="metric.form.target").set_value(10.0)
    at.radio(key="metric.form.direction").set_value("lower")
    at.number_input(key="metric.form.review_every_days").set_value(14)
    at.button(key="metric.form.save").click().run()
    assert "Choose the step this metric measures." in errors(at)  # the step is still missing
    assert stored_metrics(database) == []
    assert at.text_input(key="metric.form.name").value == "Abbruch <Zahlung>"  # what was typed stays

    at.selectbox(key="metric.form.step_id").set_value(journey.step)
    at.button(key="metric.form.save").click().run()
    assert not at.exception and not errors(at)
    [metric] = stored_metrics(database)
    assert (metric.name, metric.kind, metric.unit, metric.target, metric.direction, metric.review_every_days,
            metric.scope, metric.step_id, metric.journey_id) == (
        "Abbruch <Zahlung>", "drop_off_rate", "%", 10.0, "lower", 14, "step", journey.step, journey.id)
    assert any("Metric saved." in s.value for s in at.success)


def test_a_duplicate_name_is_refused_under_its_field(database: Engine, workspace_id: int, nps: int) -> None:
    at = start_app(METRICS)
    at.segmented_control(key="metric.view").set_value("define").run()
    at.text_input(key="metric.form.name").set_value("NPS")
    at.button(key="metric.form.save").click().run()
    assert "A metric with this name already exists in the workspace." in errors(at)
    assert [m.name for m in stored_metrics(database)] == ["NPS"]

    at.selectbox(key="metric.form.metric").set_value(nps).run()  # edit the existing one
    assert at.text_input(key="metric.form.name").value == "NPS"
    assert at.number_input(key="metric.form.target").value == 40.0
    at.number_input(key="metric.form.target").set_value(42.0)
    at.button(key="metric.form.save").click().run()
    assert not errors(at)
    assert stored_metrics(database)[0].target == 42.0


def test_status_and_trend_chart_against_the_target(database: Engine, workspace_id: int, nps: int) -> None:
    at = start_app(METRICS)
    assert at.title[0].value == "Metrics"
    [trend] = charts(at)
    assert trend["layout"]["title"]["text"] == "NPS"
    assert trend["layout"]["shapes"][0]["y0"] == 40.0
    by_name = {trace["name"]: values(trace["y"]) for trace in trend["data"][1:]}
    assert by_name == {"On target": [45.0], "Off target": [30.0]}
    assert [m.value for m in at.metric] == ["1", "0", "1", "0"]  # on target, off target, overdue, no data


def test_edit_measurements_in_the_table(database: Engine, workspace_id: int, nps: int) -> None:
    at = start_app(METRICS)
    key = f"metric.measurements.{nps}.table.0"
    # newest first: 0 = 2025-02-28, 1 = 2025-01-31
    at.session_state[key] = {"edited_rows": {0: {"measured_on": "2025-01-31"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="metric.measurements.save").click().run()
    assert "Nothing was saved. Please correct these rows:" in errors(at)
    assert "2025-02-28 · Date: This metric already has a measurement on that date." in problems(at)
    assert stored_measurements(database) == [("2025-01-31", 30.0, ""), ("2025-02-28", 45.0, "Kampagne")]

    at.session_state[key] = {
        "edited_rows": {0: {"value": 44.5}},
        "added_rows": [{"measured_on": "2025-03-31", "value": 47, "note": "neu"}],
        "deleted_rows": [1],
    }
    at.button(key="metric.measurements.save").click().run()
    assert not at.exception and not errors(at)
    assert stored_measurements(database) == [("2025-02-28", 44.5, "Kampagne"), ("2025-03-31", 47.0, "neu")]
    assert any("3 rows saved." in s.value for s in at.success)


def test_import_previews_and_then_adds_all_rows(database: Engine, workspace_id: int, nps: int) -> None:
    at = start_app(METRICS)
    at.segmented_control(key="metric.view").set_value("import").run()
    at.text_area(key="metric.import.paste").set_value("Kennzahl;Datum;Wert\nNPS;2025-03-31;41,5\nNPS;2025-01-31;1\n").run()
    assert "Nothing can be imported yet: 1 problems in the file. Correct them and load it again." in errors(at)
    problems = table_with(at, "problem")
    assert problems.values.tolist() == [["3", "", "“NPS” already has a measurement on 2025-01-31: the import only adds new dates."]]
    assert "metric.import.save" not in [b.key for b in at.button]  # nothing to import while a line is bad

    at.text_area(key="metric.import.paste").set_value("Kennzahl;Datum;Wert\nNPS;2025-03-31;41,5\nNPS;2025-04-30;43\n").run()
    assert any("The import adds 2 measurements to 1 metrics." in i.value for i in at.info)
    assert len(stored_measurements(database)) == 2  # the preview writes nothing
    at.button(key="metric.import.save").click().run()
    assert not at.exception and not errors(at)
    assert stored_measurements(database)[-2:] == [("2025-03-31", 41.5, ""), ("2025-04-30", 43.0, "")]
    assert any("2 measurements imported." in s.value for s in at.success)
    assert at.text_area(key="metric.import.paste").value == ""


def test_opportunity_scores_edited_in_the_table_update_the_matrix(database: Engine, workspace_id: int,
                                                                   journey: SimpleNamespace) -> None:
    with unit_of_work(database) as session:
        for text, effort in (("Endpreis zeigen", 2), ("Wallet-Zahlung", 4)):
            journeys.create_opportunity(session, workspace_id, journey.step, {"text": text, "effort": effort})
    at = start_app(OPPORTUNITIES)
    [matrix] = charts(at)
    assert [trace["name"] for trace in matrix["data"]] == ["Idea"]
    key = "opportunity.portfolio.0.table.0"
    at.session_state[key] = {"edited_rows": {0: {"effort": 9}, 1: {"status": "maybe"}}, "added_rows": [], "deleted_rows": []}
    at.button(key="opportunity.portfolio.save").click().run()
    assert "Endpreis zeigen · Effort: Must be between 1 and 5." in problems(at)
    assert "Wallet-Zahlung · Status: Choose one of the offered values." in problems(at)  # a plain-text cell

    at.session_state[key] = {"edited_rows": {0: {"customer_value": 5, "business_value": 5}, 1: {"status": "done"}},
                             "added_rows": [], "deleted_rows": []}
    at.button(key="opportunity.portfolio.save").click().run()
    assert not at.exception and not errors(at)
    with read_session(database) as session:
        stored = {o.text: (o.customer_value, o.business_value, o.effort, o.status)
                  for o in session.exec(select(Opportunity)).all()}
    assert stored == {"Endpreis zeigen": (5, 5, 2, "idea"), "Wallet-Zahlung": (3, 3, 4, "done")}
    [matrix] = charts(at)
    by_status = {trace["name"]: [round(v) for v in values(trace["y"])] for trace in matrix["data"]}
    assert by_status == {"Idea": [10], "Done": [6]}  # the matrix shows the saved scores


def demo_ids(engine: Engine) -> tuple[list[int], list[int]]:
    """The demo workspace's journey and persona ids (the only workspace of a fresh app database)."""
    with read_session(engine) as session:
        [workspace] = workspaces.list_workspaces(session)
        return (list(journeys.list_journeys(session, workspace.id)["id"]),
                [p.id for p in personas.list_personas(session, workspace.id)])


def test_dashboard_renders_on_the_demo(database: Engine) -> None:
    at = start_app(DASHBOARD)
    assert at.title[0].value == "Dashboard"
    figures = charts(at)
    assert figures, "no sparkline on the demo dashboard"
    assert all(f["layout"]["height"] < 250 and f["layout"]["title"]["text"] for f in figures)
    assert all(f["layout"]["xaxis"]["title"]["text"] == "Date" for f in figures)
    health = at.dataframe[0].value
    assert {"journey", "on_target", "off_target", "lowest_step", "top_pain_point", "fix_first"} <= set(health.columns)
    assert len(health) == len(at.multiselect(key="dashboard.journey").options)
    assert any("Biggest drop-off" in m.value for m in at.markdown)
    assert not at.main.button and not at.main.text_input  # read-only: nothing to click or type that changes data

    journey_id = demo_ids(database)[0][0]
    at.multiselect(key="dashboard.journey").set_value([journey_id]).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 1


def test_dashboard_in_german_and_filtered_by_persona(database: Engine) -> None:
    at = start_app(DASHBOARD, language="de")
    assert not at.exception
    persona_id = demo_ids(database)[1][0]
    at.multiselect(key="dashboard.persona").set_value([persona_id]).run()
    assert not at.exception
    assert 0 < len(at.dataframe[0].value) <= len(at.multiselect(key="dashboard.journey").options)


def test_delete_a_metric_with_its_measurements(database: Engine, workspace_id: int, nps: int) -> None:
    at = start_app(METRICS)
    assert len(charts(at)) == 1  # NPS is charted
    at.segmented_control(key="metric.view").set_value("define").run()
    at.selectbox(key="metric.form.metric").set_value(nps).run()
    at.button(key="metric.form.delete").click().run()
    assert not at.exception
    assert stored_metrics(database) == [] and stored_measurements(database) == []
    assert any("Metric deleted." in i.value for i in at.info)
    assert any("No metrics yet" in i.value for i in at.info)


@pytest.mark.parametrize(("page", "hint"), [
    (DASHBOARD, "No journeys yet."), (OPPORTUNITIES, "No opportunities yet."), (METRICS, "No metrics yet."),
])
def test_an_empty_workspace_gets_a_hint(database: Engine, workspace_id: int, page: str, hint: str) -> None:
    at = start_app(page)
    assert any(hint in i.value for i in at.info)


def test_dashboard_of_a_bare_journey(database: Engine, workspace_id: int, journey: SimpleNamespace) -> None:
    with unit_of_work(database) as session:
        journeys.create_journey(session, workspace_id, {"name": "Ohne Schritte"})
    at = start_app(DASHBOARD)
    assert not at.exception and not at.get("plotly_chart")
    assert list(at.dataframe[0].value["journey"]) == ["Ohne Schritte", "Sommerurlaub"]
    assert any("No KPIs defined for this journey yet." in c.value for c in at.caption)


def table_with(at, column: str):  # type: ignore[no-untyped-def]
    """The last table on the page that has ``column`` (the import's column list is a table too)."""
    return [d.value for d in at.dataframe if column in d.value.columns][-1]
