"""Every export path with the same hostile texts in every field a user types: spreadsheet formulas (also behind
blanks and in full-width signs), HTML and script, TeX and Mermaid syntax. Spreadsheets get them neutralised
(:func:`services.core.neutralise`, the one rule), diagrams and reports get them as text, the JSON exchange file
keeps them exactly, and the tables' own CSV download is switched off (it would write them as they are)."""

import csv
import io
import json
import re
import tomllib
import zipfile
from datetime import date
from pathlib import Path
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET
import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, update
from sqlmodel import Session

from models import Persona
from models.db import read_session
from services import core, exchange, journeys, reports
from services.metrics import crud as metrics
from services.personas import crud as personas
from services.touchpoints import crud as touchpoints
from services.unit_of_work import unit_of_work
from services.workspaces.crud import create_workspace

ROOT = Path(__file__).resolve().parents[3]
FORMULAS = ["=cmd|' /C calc'!A0", " =1+1", "\u00a0=HYPERLINK(\"http://x\")", "＝1+1", "＋49 30", "－2", "＠SUM(A1)",
            "\u3000=1", "\u200b@A1", "-2+3", "+1", "@x"]
MARKUP = ["<img src=x onerror=alert(1)>", "<svg onload=alert(2)>", "<script>alert(3)</script>", "\"'><b>x</b>",
          "A & B &amp; C", "$\\alpha$ and $5", "%%{init: {\"securityLevel\": \"loose\"}}%%"]
PAYLOADS = FORMULAS + MARKUP
HTML_TAG = re.compile(r"<\s*(img|svg|script|b|iframe)\b", re.IGNORECASE)


@pytest.fixture
def hostile(engine: Engine) -> tuple[int, int]:
    """A workspace whose personas, journey, stages, steps, pain points, opportunities, touchpoints and notes carry
    the payloads."""
    with unit_of_work(engine) as session:
        ws = create_workspace(session, "Injection").id
        journey = journeys.create_journey(session, ws, {"name": "<script>alert(0)</script>", "scenario": FORMULAS[0]})
        stages = [journeys.create_stage(session, ws, journey.id, {"name": f"{payload} {index}"})
                  for index, payload in enumerate(PAYLOADS[::4])]
        for index, payload in enumerate(PAYLOADS):
            personas.create_persona(session, ws, {"name": f"P{index} {payload}", "quote": payload, "role": payload})
            stage = stages[index // 4]
            step = journeys.create_step(session, ws, stage.id, {"title": payload, "doing": payload, "thinking": payload})
            journeys.create_pain_point(session, ws, step.id, {"text": payload, "severity": 3})
            journeys.create_opportunity(session, ws, step.id, {"text": payload})
            point = touchpoints.create_touchpoint(session, ws, {"name": f"T{index} {payload}", "description": payload})
            touchpoints.attach_touchpoint(session, ws, step.id, point.id, {"importance": 4, "satisfaction": 2, "notes": payload})
        metric = metrics.create_metric(session, ws, {"name": "NPS", "kind": "nps", "unit": "points", "target": 30})
        for day, payload in enumerate(PAYLOADS, start=1):
            metrics.add_measurement(session, ws, metric.id, date(2025, 1, day), day, payload)
        # The forms strip blanks; an exchange file or another tool writing the database may keep them.
        for index, payload in enumerate(PAYLOADS):
            session.execute(update(Persona).where(Persona.workspace_id == ws, Persona.name.startswith(f"P{index} "))
                            .values(quote=payload))
        return ws, journey.id


def _unsafe_cells(cells: list[str]) -> list[str]:
    return [cell for cell in cells if core.is_formula(cell)]


def test_csv_files_hold_no_cell_a_spreadsheet_would_run(engine: Engine, hostile: tuple[int, int]) -> None:
    ws, _journey = hostile
    with read_session(engine) as session:
        tables = exchange.export_tables(session, ws)
    for german in (True, False):
        archive = zipfile.ZipFile(io.BytesIO(exchange.csv_zip(tables, german=german)))
        cells: list[str] = []
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            cells += [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";" if german else ",") for cell in row]
        assert not _unsafe_cells(cells)
        for payload in FORMULAS:
            assert "'" + payload in cells, payload  # kept, behind the quote


def test_the_excel_workbook_holds_no_formula(engine: Engine, hostile: tuple[int, int]) -> None:
    ws, _journey = hostile
    with read_session(engine) as session:
        workbook = openpyxl.load_workbook(io.BytesIO(exchange.to_xlsx(exchange.export_tables(session, ws))))
    strings = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    strings.append(cell.value)
    assert not _unsafe_cells(strings)
    assert "'＝1+1" in strings and "'\u00a0=HYPERLINK(\"http://x\")" in strings


def test_the_json_exchange_file_keeps_every_text_exactly(engine: Engine, hostile: tuple[int, int]) -> None:
    ws, _journey = hostile
    with read_session(engine) as session:
        document = json.loads(exchange.dumps(exchange.export_workspace(session, ws)))
    quotes = {p["quote"] for p in document["personas"]}
    assert quotes == set(PAYLOADS)  # lossless: the file is for another Journey Workbench, not a spreadsheet


def test_the_mermaid_diagram_carries_no_html(session: Session, hostile: tuple[int, int]) -> None:
    ws, journey = hostile
    text = exchange.mermaid_journey(session, ws, journey)
    first, body = text.split("\n", 1)
    assert first.startswith("%%{init: ") and "%%{" not in body  # no directive from user text
    assert not set("<>&\"'") & set(body)
    assert not HTML_TAG.search(text)


def _texts(element: Element) -> list[str]:
    return [e.text or "" for e in element.iter()] + [v for e in element.iter() for v in e.attrib.values()]


def test_cjml_carries_no_markup_the_modelling_tool_would_run(session: Session, hostile: tuple[int, int]) -> None:
    ws, journey = hostile
    data = exchange.cjml_xml(session, ws, journey)
    assert not HTML_TAG.search(data.decode("utf-8"))  # escaped in the file
    root = SafeET.fromstring(data)
    shown_tags = {"journeyID", "actorName", "companyName", "initiatorLabel", "receiverLabel", "comment"}
    shown = [e.text or "" for e in root.iter() if e.tag in shown_tags]
    assert shown and not any(set("<>&") & set(text) for text in shown)  # the tool reads these as HTML
    assert {tag for tag in (e.tag for e in root.iter())} <= {
        "CJML", "plannedJourney", "journeyID", "journeyTitle", "journeyPhases", "journeyPhase", "phaseName",
        "phaseDescription", "journeyShortSummary", "journeyLongSummary", "actors", "endUser", "actorName",
        "serviceProvider", "companyName", "touchpoints", "plannedCommunicationPoint", "plannedAction", "touchpointID",
        "belongsTo", "initiator", "refersTo", "initiatorLabel", "receiver", "receiverLabel", "channel", "channelName",
        "comment",
    } | {e.tag for e in root.iter() if not isinstance(e.tag, str)}
    assert any("‹script›" in text for text in _texts(root))


def test_the_html_report_shows_every_payload_as_text(engine: Engine, hostile: tuple[int, int]) -> None:
    ws, journey = hostile
    with read_session(engine) as session:
        data = reports.report_data(session, ws, journey, language="de", today=date(2025, 6, 15))
    page = reports.report_html(data)  # holds plotly's own script: look for the payloads, not for tags
    for payload in MARKUP:
        if "<" in payload:
            assert payload not in page and payload.replace("</", "<\\/") not in page, payload
    assert "&lt;script&gt;alert(0)&lt;/script&gt;" in page


def test_the_pdf_report_shows_payloads_as_written(engine: Engine, hostile: tuple[int, int]) -> None:
    ws, journey = hostile
    with read_session(engine) as session:
        data = reports.report_data(session, ws, journey, language="de", today=date(2025, 6, 15))
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(reports.report_pdf(data))).pages)
    assert "<script>alert(3)</script>" in text  # text, not markup
    assert "$\\alpha$ and $5" in text  # not TeX


def test_the_tables_own_csv_download_is_switched_off() -> None:
    """``st.dataframe``'s toolbar writes cells as they are (no neutralising): the app offers its own downloads."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True
