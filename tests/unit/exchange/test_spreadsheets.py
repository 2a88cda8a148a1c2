"""Spreadsheets: export to CSV and Excel (formula injection neutralised), import of German-style CSV and
Excel files with a preview and per-row errors, and the safety checks on Excel files."""

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import openpyxl.xml
import pandas as pd
import pytest
from sqlalchemy import Engine, update
from sqlmodel import select

from models import Journey, Measurement, Metric, Persona, Touchpoint
from models.db import read_session
from services.core import Problems, tabular
from services.exchange import sheet_import, spreadsheets
from services.journeys import grid
from services.metrics import crud as metrics
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from services.workspaces import demo
from services.workspaces.crud import create_workspace
from tests.dialects import dump

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "bad_imports"
INJECTIONS = ["=1+1", "+49 30 1234", "-2 Grad", "@SUM(A1)", "\tTab", "\rReturn", "\0Nul", "=HYPERLINK(\"http://x\")"]
# What a reader that trims blanks, or an East Asian spreadsheet, would still run as a formula.
DISGUISED = [" =1+1", "\u00a0=1+1", "\u3000=1+1", "\u200b=1+1", "\ufeff@SUM(A1)", "\n=1+1", "  \t -2",
             "＝cmd|' /C calc'!A0", "＋49 30 1234", "－2 Grad", "＠SUM(A1)", "﹦1+1", "\u2212 2 Grad", "\u00a0＝1+1"]
HARMLESS = ["Sandra = Kundin", " Kundin", "'Zitat", "", "   ", "2 - 1", "E-Mail", "Preis: =", "\u00a0Preis", "＃1"]


@pytest.fixture
def ws(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        workspace = create_workspace(session, "Sheets")
        metrics.create_metric(session, workspace.id, {"name": "NPS", "kind": "nps", "unit": "points", "target": 30})
        return workspace.id


def tables(engine: Engine, workspace_id: int) -> dict:
    with read_session(engine) as session:
        return spreadsheets.export_tables(session, workspace_id)


def preview(engine: Engine, workspace_id: int, kind: str, data: bytes, name: str = "f.csv", **options):
    with read_session(engine) as session:
        return sheet_import.preview(session, workspace_id, kind, data, name, **options)


def import_rows(engine: Engine, workspace_id: int, kind: str, data: bytes, name: str = "f.csv", **options):
    with unit_of_work(engine) as session:
        return sheet_import.import_rows(session, workspace_id, kind, data, name, **options)


# --- export -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", INJECTIONS)
def test_cells_that_would_run_as_formulas_get_a_quote(text: str) -> None:
    assert spreadsheets.neutralise(text) == "'" + text
    assert spreadsheets.unneutralise(spreadsheets.neutralise(text)) == text


@pytest.mark.parametrize("text", DISGUISED)
def test_formulas_behind_blanks_and_in_full_width_signs_get_a_quote(text: str) -> None:
    assert spreadsheets.neutralise(text) == "'" + text
    assert spreadsheets.unneutralise(spreadsheets.neutralise(text)) == text
    assert tabular.normalise(spreadsheets.neutralise(text)) == tabular.normalise(text)


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_cells_and_numbers_stay_as_they_are(text: str) -> None:
    assert spreadsheets.neutralise(text) == text
    assert spreadsheets.unneutralise(text) == text


def test_numbers_are_never_quoted() -> None:
    assert spreadsheets.neutralise(-12.5) == -12.5
    assert spreadsheets.neutralise(None) is None


def test_disguised_formulas_are_quoted_in_csv_and_excel_and_come_back_unchanged() -> None:
    frame = pd.DataFrame({"quote": DISGUISED, f"{DISGUISED[7]}": range(len(DISGUISED))})
    for german in (True, False):
        text = spreadsheets.to_csv(frame, german=german).decode("utf-8-sig" if german else "utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if german else ","))
        assert rows[0] == ["quote", "'" + DISGUISED[7]]  # a header cell too
        assert [row[0] for row in rows[1:]] == ["'" + t for t in DISGUISED]
        assert [tabular.unneutralise(row[0]) for row in rows[1:]] == DISGUISED
    sheet = openpyxl.load_workbook(io.BytesIO(spreadsheets.to_xlsx({"s": frame})))["s"]
    assert [c.value for c in sheet["A"][1:]] == ["'" + t for t in DISGUISED]
    assert sheet["B1"].value == "'" + DISGUISED[7]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_csv_and_excel_exports_neutralise_injected_text(engine: Engine, ws: int) -> None:
    with unit_of_work(engine) as session:
        for index, text in enumerate(INJECTIONS):
            personas.create_persona(session, ws, {"name": f"P{index}", "quote": text, "age": 30 + index})
        metric = session.exec(select(Metric).where(Metric.workspace_id == ws)).one()
        metrics.add_measurement(session, ws, metric.id, date(2025, 1, 31), -12.5, "=cmd|' /C calc'!A0")
        # The forms strip white space; an exchange file or the database may still hold a leading tab or CR.
        session.execute(update(Persona).where(Persona.name == "P4").values(quote="\tTab"))
        session.execute(update(Persona).where(Persona.name == "P5").values(quote="\rReturn"))
        # The forms drop NUL characters (PostgreSQL's text cannot hold them); an SQLite file may still hold one.
        if engine.dialect.name == "sqlite":
            session.execute(update(Persona).where(Persona.name == "P6").values(quote="\0Nul"))
    exported = tables(engine, ws)
    rows = list(csv.reader(io.StringIO(spreadsheets.to_csv(exported["personas"]).decode("utf-8-sig"), newline=""), delimiter=";"))
    quotes = [row[rows[0].index("quote")] for row in rows[1:]]
    expected = ["'" + text for text in INJECTIONS]
    if engine.dialect.name != "sqlite":
        expected[INJECTIONS.index("\0Nul")] = "Nul"
    assert quotes == expected
    measurement = list(csv.reader(io.StringIO(spreadsheets.to_csv(exported["measurements"]).decode("utf-8-sig")), delimiter=";"))[1]
    assert measurement[2:] == ["-12,5", "'=cmd|' /C calc'!A0"]  # the number stays a number (decimal comma)
    workbook = openpyxl.load_workbook(io.BytesIO(spreadsheets.to_xlsx(exported)))
    sheet = workbook["personas"]
    header = [c.value for c in sheet[1]]
    cells = [row[header.index("quote")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(c.startswith("'") for c in cells if c and c != "Nul")
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formula anywhere
    assert workbook["measurements"]["C2"].value == -12.5 and workbook["measurements"]["D2"].value.startswith("'=")


def test_every_table_is_exported_as_a_sheet_and_as_csv(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    exported = tables(engine, workspace_id)
    assert list(exported) == list(spreadsheets.SHEETS) and all(not t.empty for t in exported.values())
    workbook = openpyxl.load_workbook(io.BytesIO(spreadsheets.to_xlsx(exported)), read_only=True)
    assert workbook.sheetnames == list(spreadsheets.SHEETS)
    with zipfile.ZipFile(io.BytesIO(spreadsheets.csv_zip(exported, german=False))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{name}.csv" for name in spreadsheets.SHEETS)
        links = archive.read("touchpoint_links.csv").decode("utf-8")
    assert links.startswith("journey,stage,step,touchpoint,importance,satisfaction")


def test_the_workbook_holds_the_whole_journey_map(engine: Engine) -> None:
    """Readable without the app: every stage, every step with its lanes, every branch with its share, every pain
    point and opportunity of every journey, in reading order, in the UI language."""
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    with read_session(engine) as session:
        plain = spreadsheets.export_tables(session, workspace_id)
        journey_id = session.exec(select(Journey.id).where(Journey.workspace_id == workspace_id,
                                                          Journey.name == "Sommerurlaub buchen")).one()
        jmap = grid.load_journey_map(session, workspace_id, journey_id)
        german = spreadsheets.export_tables(session, workspace_id, "de")
    mine = {name: frame[frame["journey"] == "Sommerurlaub buchen"] for name, frame in plain.items() if "journey" in frame}
    assert list(mine["stages"]["stage"]) == [stage.name for stage in jmap.stages]
    steps = mine["steps"]
    assert list(steps["step"]) == list(jmap.steps["title"])  # reading order: stage, then position
    for lane in ("doing", "thinking", "feeling", "emotion", "needs", "touchpoints", "backstage", "owner_department",
                 "is_moment_of_truth", "is_entry", "entry_share", "is_exit", "exit_kind"):
        assert lane in steps.columns, lane
    first = jmap.steps.iloc[0]
    assert steps.iloc[0][["doing", "thinking", "emotion"]].tolist() == [first["doing"], first["thinking"], first["emotion"]]
    assert len(mine["transitions"]) == len(jmap.transitions) and mine["transitions"]["share"].notna().any()
    assert set(mine["pain_points"]["pain_point"]) == set(jmap.pain_points["text"])
    assert set(mine["opportunities"]["opportunity"]) == set(jmap.opportunities["text"])
    workbook = openpyxl.load_workbook(io.BytesIO(spreadsheets.to_xlsx(german, "de")), read_only=True)
    assert workbook.sheetnames[:6] == ["Journeys", "Phasen", "Schritte", "Verzweigungen", "Pain Points", "Chancen"]
    header = [c.value for c in next(workbook["Schritte"].iter_rows(max_row=1))]
    assert header[:4] == ["Journey", "Phase", "Schritt", "Handeln"], header
    assert "Zustand" in [c.value for c in next(workbook["Journeys"].iter_rows(max_row=1))]
    assert {"Ist", "Soll"} & {row[1] for row in workbook["Journeys"].iter_rows(min_row=2, values_only=True)}


def test_an_export_imports_back_unchanged(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    exported = tables(engine, workspace_id)
    before = dump(engine)
    for kind in ("personas", "touchpoints", "content_items"):
        for data, name in ((spreadsheets.to_csv(exported[kind]), "x.csv"), (spreadsheets.to_xlsx(exported), "x.xlsx")):
            result = preview(engine, workspace_id, kind, data, name)
            assert not result.problems and set(result.counts()) == {"update"}, (kind, name, result.problems[:2])
    assert dump(engine) == before


TAKEN = "“{metric}” already has a measurement on {date}: the import only adds new dates."


@pytest.mark.parametrize("language", ["de", "en"])
def test_an_export_in_the_ui_language_imports_back_unchanged(engine: Engine, language: str) -> None:
    """Headers, sheet names and coded values (income band, format, status) as a person reads them, in either
    language, and the imports read them back: nothing changes."""
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    with read_session(engine) as session:
        exported = spreadsheets.export_tables(session, workspace_id, language)
    workbook = spreadsheets.to_xlsx(exported, language)
    names = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True).sheetnames
    if language == "de":
        assert names[0] == "Journeys" and "Personas" in names and "Messwerte" in names and "Kano-Antworten" in names, names
        assert {"Name", "Einkommensklasse", "Kurzbiografie"} <= set(exported["personas"].columns)
        assert "avatar_emoji" not in exported["personas"].columns and "is_online" not in exported["touchpoints"].columns
        assert not set(exported["personas"]["Einkommensklasse"]) & {"middle", "upper_middle", "lower_middle"}
    before = dump(engine)
    for kind in ("personas", "touchpoints", "content_items", "measurements"):
        for data, name in ((spreadsheets.to_csv(exported[kind]), "x.csv"), (workbook, "x.xlsx")):
            result = preview(engine, workspace_id, kind, data, name)
            if kind == "measurements":  # every row read, and each refused only because its date is taken
                assert {p.error.message for p in result.problems} == {TAKEN}, (name, result.problems[:2])
                assert len(result.problems) == len(exported[kind])
            else:
                assert not result.problems and set(result.counts()) == {"update"}, (kind, name, result.problems[:2])
    assert dump(engine) == before


BOOLEAN_COLUMNS = {"touchpoints": ("is_online", "is_direct"), "touchpoint_links": ("is_decisive", "leads_to_abort")}


def _column_values(data: bytes, column: str, *, german: bool) -> list[str]:
    text = data.decode("utf-8-sig" if german else "utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if german else ","))
    return [row[rows[0].index(column)] for row in rows[1:]]


def test_german_csv_writes_yes_no_as_wahr_and_falsch(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    exported = tables(engine, workspace_id)
    cells = 0
    for sheet, columns in BOOLEAN_COLUMNS.items():
        for column in columns:
            german = _column_values(spreadsheets.to_csv(exported[sheet]), column, german=True)
            international = _column_values(spreadsheets.to_csv(exported[sheet], german=False), column, german=False)
            assert set(german) <= {"WAHR", "FALSCH", ""} and {"WAHR", "FALSCH"} <= set(german), (sheet, column)
            assert set(international) <= {"true", "false", ""} and {"true", "false"} <= set(international), (sheet, column)
            assert [{"WAHR": "true", "FALSCH": "false"}.get(v, v) for v in german] == international
            cells += sum(v != "" for v in german)
    assert cells > 200  # every yes/no cell of the demo, none left as text a German spreadsheet cannot read
    with zipfile.ZipFile(io.BytesIO(spreadsheets.csv_zip(exported))) as archive:
        assert "WAHR" in archive.read("touchpoint_links.csv").decode("utf-8-sig")


@pytest.mark.parametrize("yes, no", [("WAHR", "FALSCH"), ("wahr", "falsch"), ("ja", "nein"), ("Ja", "Nein"),
                                     ("true", "false"), ("TRUE", "FALSE"), ("1", "0")])
def test_yes_and_no_are_read_in_every_spelling(engine: Engine, ws: int, yes: str, no: str) -> None:
    data = f"Name;Online;Direkt\nKontaktformular;{yes};{no}\nHotline;{no};{yes}\n".encode()
    import_rows(engine, ws, "touchpoints", data)
    with read_session(engine) as session:
        stored = {t.name: (t.is_online, t.is_direct) for t in session.exec(select(Touchpoint).where(Touchpoint.workspace_id == ws))}
    assert stored == {"Kontaktformular": (True, False), "Hotline": (False, True)}


def test_german_csv_with_wahr_and_falsch_imports_back_unchanged(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
    data = spreadsheets.to_csv(tables(engine, workspace_id)["touchpoints"])
    assert b";WAHR;" in data or b";FALSCH;" in data
    result = preview(engine, workspace_id, "touchpoints", data)
    assert not result.problems and set(result.counts()) == {"update"}
    with read_session(engine) as session:
        rows = session.exec(select(Touchpoint).where(Touchpoint.workspace_id == workspace_id)).all()
        stored = {t.name: (t.is_online, t.is_direct) for t in rows}
    assert {r["name"]: (r["is_online"], r["is_direct"]) for r in result.records} == stored


# --- import -----------------------------------------------------------------------------------------

GERMAN = "Name;Alter;Wohnort;Kundenanteil;Zitat\nJürgen Müller;52;Köln;12,5;Schön, dass es läuft\nÄnne Öztürk;41;Düsseldorf;3;'=Formel\n"


@pytest.mark.parametrize("encoding, raw", [
    ("auto", GERMAN.encode("cp1252")),
    ("auto", GERMAN.encode("latin-1")),
    ("auto", GERMAN.encode("utf-8")),
    ("auto", GERMAN.encode("utf-8-sig")),
    ("auto", GERMAN.encode("utf-16")),
    ("cp1252", GERMAN.encode("cp1252")),
    ("latin-1", GERMAN.encode("latin-1")),
])
def test_german_csv_with_umlauts_semicolons_and_decimal_commas(engine: Engine, ws: int, encoding: str, raw: bytes) -> None:
    result = preview(engine, ws, "personas", raw, encoding=encoding)
    assert not result.problems and result.separator == ";"
    assert [r["name"] for r in result.records] == ["Jürgen Müller", "Änne Öztürk"]
    assert result.records[0]["customer_share"] == 12.5 and result.records[1]["quote"] == "=Formel"
    import_rows(engine, ws, "personas", raw, encoding=encoding)
    with read_session(engine) as session:
        stored = {p.name: p for p in session.exec(select(Persona).where(Persona.workspace_id == ws)).all()}
    assert stored["Jürgen Müller"].location == "Köln" and stored["Jürgen Müller"].age == 52


def test_a_wrongly_chosen_encoding_is_said_plainly(engine: Engine, ws: int) -> None:
    with pytest.raises(Problems, match="not UTF-8 text"):
        preview(engine, ws, "personas", GERMAN.encode("cp1252"), encoding="utf-8")


def test_an_excel_file_of_touchpoints_updates_and_creates(engine: Engine, ws: int) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Kanal", "Online", "Direkt", "Abteilung", "Kosten pro Kontakt"])
    sheet.append(["Hotline", "Telefon", "nein", "ja", "Service", 2.5])
    sheet.append(["Newsletter", "E-Mail", None, None, "Marketing", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    import_rows(engine, ws, "touchpoints", buffer.getvalue(), "tp.xlsx")
    with read_session(engine) as session:
        stored = {t.name: t for t in session.exec(select(Touchpoint).where(Touchpoint.workspace_id == ws)).all()}
    assert stored["Hotline"].cost_per_contact == 2.5 and stored["Hotline"].is_online is False
    assert stored["Newsletter"].is_online is True  # left open: follows the channel
    again = preview(engine, ws, "touchpoints", buffer.getvalue(), "tp.xlsx")
    assert again.counts() == {"update": 2}


def test_measurements_from_german_csv_and_from_excel(engine: Engine, ws: int) -> None:
    csv_data = "Kennzahl;Datum;Wert;Notiz\nNPS;2025-01-31;31,5;Jänner\nNPS;2025-02-28;-4;\n".encode("cp1252")
    result = import_rows(engine, ws, "measurements", csv_data)
    assert result.counts() == {"add": 2}
    workbook = openpyxl.Workbook()
    workbook.active.append(["metric", "date", "value"])
    workbook.active.append(["NPS", date(2025, 3, 31), 33])
    buffer = io.BytesIO()
    workbook.save(buffer)
    import_rows(engine, ws, "measurements", buffer.getvalue(), "m.xlsx")
    with read_session(engine) as session:
        values = session.exec(select(Measurement.value).order_by(Measurement.measured_on)).all()
    assert values == [31.5, -4.0, 33.0]


def test_every_bad_row_is_reported_and_nothing_is_written(engine: Engine, ws: int) -> None:
    data = (b"name;age;income_band;customer_share\nGood;30;middle;10\nOld;130;middle;5\n;20;;\nRich;40;billionaire;x\n"
            b"Good;31;;\n")
    before = dump(engine)
    result = preview(engine, ws, "personas", data)
    found = {(p.line, p.column) for p in result.problems}
    assert {(3, "age"), (4, "name"), (5, "income_band"), (5, "customer_share"), (6, "name")} <= found
    with pytest.raises(Problems):
        import_rows(engine, ws, "personas", data)
    assert dump(engine) == before


@pytest.mark.parametrize("name, kind, expected", [
    ("personas_renamed_columns.csv", "personas", "Unknown column “Lieblingsfarbe”"),
    ("measurements_missing_columns.csv", "measurements", "The column “value” is missing"),
])
def test_missing_or_renamed_columns_refuse_the_file(engine: Engine, ws: int, name: str, kind: str, expected: str) -> None:
    data = (BAD / name).read_bytes()
    before = dump(engine)
    result = preview(engine, ws, kind, data, name)
    assert any(expected in p.render() for p in result.problems), [p.render() for p in result.problems]
    with pytest.raises(Problems):
        import_rows(engine, ws, kind, data, name)
    assert dump(engine) == before


def test_missing_name_column_is_named(engine: Engine, ws: int) -> None:
    result = preview(engine, ws, "content_items", b"format;url\narticle;https://x\n")
    assert any("The column “title” is missing" in p.render() for p in result.problems)


def test_empty_and_oversize_spreadsheets(engine: Engine, ws: int) -> None:
    with pytest.raises(Problems, match="empty"):
        preview(engine, ws, "personas", b"")
    with pytest.raises(Problems, match="larger than"):
        preview(engine, ws, "personas", b"x" * (sheet_import.LIMITS["personas"].bytes + 1))


def test_html_in_a_spreadsheet_is_stored_as_text(engine: Engine, ws: int) -> None:
    import_rows(engine, ws, "personas", b"name;quote\n<script>alert(1)</script>;<b>bold</b>\n")
    with read_session(engine) as session:
        stored = session.exec(select(Persona).where(Persona.workspace_id == ws)).one()
    assert (stored.name, stored.quote) == ("<script>alert(1)</script>", "<b>bold</b>")


# --- Excel safety -----------------------------------------------------------------------------------


def test_defusedxml_protects_openpyxl() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


def _xlsx_with(path: str, content: bytes, base: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(base))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == path else source.read(item.filename))
    return buffer.getvalue()


def _small_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["name"])
    workbook.active.append(["Sandra"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(engine: Engine, ws: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tabular, "MAX_XLSX_UNPACKED", 1024 * 1024)
    bomb = _xlsx_with("docProps/app.xml", b"\0" * (3 * 1024 * 1024), _small_workbook())
    assert len(bomb) < 50_000
    with pytest.raises(Problems, match="zip bomb"):
        preview(engine, ws, "personas", bomb, "bomb.xlsx")


def test_external_entities_in_a_workbook_are_refused(engine: Engine, ws: int, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    base = _small_workbook()
    sheet = zipfile.ZipFile(io.BytesIO(base)).read("xl/worksheets/sheet1.xml").decode()
    assert "<t>Sandra</t>" in sheet
    evil = (f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">]>'
            + sheet.replace("<t>Sandra</t>", "<t>&xxe;</t>"))
    before = dump(engine)
    with pytest.raises(Problems, match="cannot be read") as info:
        preview(engine, ws, "personas", _xlsx_with("xl/worksheets/sheet1.xml", evil.encode(), base), "evil.xlsx")
    assert "top secret" not in info.value.render()
    assert dump(engine) == before


def test_not_an_excel_file(engine: Engine, ws: int) -> None:
    with pytest.raises(Problems, match="not an Excel workbook"):
        preview(engine, ws, "personas", b"PK\x03\x04 broken", "x.xlsx")


def test_a_content_url_that_is_no_web_or_mail_address_is_refused_on_import(engine: Engine, ws: int) -> None:
    data = b"title;url\nFAQ;https://x.example/faq\nBoom;javascript:alert(1)\nMail;mailto:team@example.com\n"
    result = preview(engine, ws, "content_items", data)
    assert [p.render() for p in result.problems if "http://" in p.render()], [p.render() for p in result.problems]
    with pytest.raises(Problems):
        import_rows(engine, ws, "content_items", data)
