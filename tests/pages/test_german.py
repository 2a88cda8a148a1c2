"""German first: every page, the poster, the report and the Excel workbook, in German on the demo workspace, show
no stored code ("as_is", "in_review", "kano_answer" …), no technical column name and no English message that has a
German translation."""

import io
import json
import re
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import select

from models import Journey
from models.db import read_session
from services import exchange, journeys, reports
from services.core import labels
from services.core.i18n import catalogue
from services.unit_of_work import unit_of_work
from services.workspaces import demo
from tests.pages.conftest import start_app
from tests.pages.test_smoke import PAGES

# Stored codes that differ from their German label (the label dictionaries are the one place that knows them),
# and what a missing value turns into.
CODES = {code for mapping in (labels.JOURNEY_STATES, labels.JOURNEY_STATUSES, labels.EXIT_KINDS, labels.INCOME_BANDS,
                              labels.CONTENT_STATUSES, labels.OPPORTUNITY_STATUSES, labels.METRIC_KINDS,
                              labels.METRIC_DIRECTIONS, labels.METRIC_SCOPES, labels.ACTIONS, labels.ENTITY_TYPES)
         for code in mapping if code and "_" in code or code in ("as_is", "purchase", "abort", "churn", "create", "delete")}
RAW = CODES | {"MoT", "None", "nan", "NaN", "<NA>", "empty"}
ENGLISH = {message for message, german in catalogue("de").items() if german != message and len(message) > 3}


def _texts(at) -> list[str]:  # type: ignore[no-untyped-def]
    """What a person reads on the page: headings, texts, notices, widget labels and options, table cells."""
    found: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success"):
        found += [str(e.value) for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "radio", "multiselect", "checkbox", "text_input", "text_area", "number_input",
                 "tabs", "expander", "metric", "toggle", "slider", "date_input"):
        for element in getattr(at, kind, []):
            found += [str(getattr(element, "label", ""))]
            found += [str(option) for option in getattr(element, "options", []) or []]
    for frame in at.dataframe:
        found += _cells(frame)
    return [text for text in found if text]


def _cells(frame) -> list[str]:  # type: ignore[no-untyped-def]
    """The text cells a table shows: its visible columns, a select box column's values by their option labels."""
    config = json.loads(frame.proto.columns) if frame.proto.columns else {}
    order = list(frame.proto.column_order) or list(frame.value.columns)
    cells: list[str] = []
    for column in order:
        settings = config.get(column) or config.get(f"name:{column}") or {}
        if column not in frame.value.columns or settings.get("hidden"):
            continue
        options = {o.get("value"): o.get("label", o.get("value")) for o in settings.get("type_config", {}).get("options", [])
                   if isinstance(o, dict)}
        cells += [options.get(v, v) for v in frame.value[column].head(300) if isinstance(v, str)]
    return cells


def _offending(texts: list[str]) -> list[str]:
    bad = []
    for text in texts:
        if text.strip() in RAW or text.strip() in ENGLISH:
            bad.append(text)
        elif re.search(r"(?<![\w.])(as_is|in_review|kano_answer|step_touchpoint|persona_channel|upper_middle|lower_middle)(?![\w.])",
                       text):
            bad.append(text)
    return bad


@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_german(database: Engine, page: str) -> None:
    at = start_app(page, language="de")  # empty database: the demo workspace is loaded on start
    assert not at.exception
    offending = _offending(_texts(at))
    assert not offending, f"{page}: {offending[:10]}"


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, int]:
    from models.db import create_db_engine, upgrade_to_head

    engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('german') / 'german.db'}")
    upgrade_to_head(engine)
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    return engine, workspace_id


def _words(text: str) -> list[str]:
    return [word for word in re.findall(r"[\w-]+", text) if word in RAW]


def test_poster_and_report_speak_german(demo_workspace: tuple[Engine, int]) -> None:
    engine, workspace_id = demo_workspace
    with read_session(engine) as session:
        journey_id = session.exec(select(Journey.id).where(Journey.workspace_id == workspace_id,
                                                           Journey.name == "Sommerurlaub buchen")).one()
        jmap = journeys.load_journey_map(session, workspace_id, journey_id)
        data = reports.report_data(session, workspace_id, journey_id, language="de", today=date(2025, 6, 15))
    poster = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(reports.poster_pdf(jmap, language="de"))).pages)
    assert "Zustand" in poster and not _words(poster), _words(poster)
    page = reports.report_html(data)
    visible = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    assert not _words(re.sub(r"<[^>]+>", " ", visible))
    for english in ("Customers per stage (of 1,000 entering)", "KPIs against their targets", "Top pain points",
                    "Top opportunities", "Importance–performance"):
        assert english not in page, english
    pdf = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(reports.report_pdf(data))).pages)
    assert "Wichtigste Pain Points" in pdf and not _words(pdf), _words(pdf)


def test_the_excel_workbook_speaks_german(demo_workspace: tuple[Engine, int]) -> None:
    engine, workspace_id = demo_workspace
    with read_session(engine) as session:
        workbook = openpyxl.load_workbook(io.BytesIO(exchange.to_xlsx(exchange.export_tables(session, workspace_id, "de"), "de")))
    for sheet in workbook.worksheets:
        assert sheet.title not in labels.SHEETS, sheet.title
        header = [str(c.value) for c in sheet[1]]
        assert not [h for h in header if "_" in h or h in ENGLISH], (sheet.title, header)
        cells = [str(v) for row in sheet.iter_rows(min_row=2, values_only=True) for v in row if isinstance(v, str)]
        assert not [c for c in cells if c in RAW], (sheet.title, [c for c in cells if c in RAW][:5])
