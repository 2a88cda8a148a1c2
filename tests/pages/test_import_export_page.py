"""The import/export page through its widgets (AppTest): downloads offered, previews before writing,
bad files refused with the database unchanged, posters and reports prepared."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from models import Journey, Persona, Workspace
from models.db import read_session
from services import exchange
from services.exchange import plan
from services.unit_of_work import unit_of_work
from services.workspaces import demo
from tests.dialects import dump
from tests.pages.conftest import start_app

PAGE = "pages/workspace/import_export.py"
BAD = Path(__file__).resolve().parents[1] / "fixtures" / "bad_imports"


def table(at, column: str):  # type: ignore[no-untyped-def]
    """The first data frame on the page that has ``column`` (AppTest finds plain data frames by position only)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


@pytest.fixture
def demo_id(database: Engine) -> int:
    with unit_of_work(database) as session:
        return demo.load_demo_workspace(session).id


def test_the_page_offers_every_export(database: Engine, demo_id: int) -> None:
    at = start_app(PAGE)
    assert at.title[0].value == "Import / Export"
    labels = [b.label for b in at.get("download_button")]
    for label in ("Download exchange file", "Excel workbook (all sheets)", "All tables as CSV (zip)", "Download CSV",
                  "Mermaid diagram (.mmd)", "CJML 2.0 (XML)"):
        assert label in labels
    assert any(code.value.startswith('%%{init: {"journey": {"width": 200}}}%%\njourney\n    title ') for code in at.code)


def test_the_page_in_german(database: Engine, demo_id: int) -> None:
    at = start_app(PAGE, language="de")
    assert not at.exception and at.get("download_button")


def test_a_bad_file_shows_every_problem_and_changes_nothing(database: Engine, demo_id: int) -> None:
    at = start_app(PAGE)
    before = dump(database)
    at.get("file_uploader")[0].set_value(("bad.json", (BAD / "out_of_range.json").read_bytes(), "application/json")).run()
    assert "4 problems were found" in at.error[0].value
    problems = table(at, "column")
    assert len(problems) == 4 and problems["problem"].str.contains("out of range").all()
    assert not [b for b in at.button if b.key == "io.import.run"]
    assert dump(database) == before


@pytest.mark.parametrize("name", ["truncated.json", "empty.json", "newer_version.json", "unknown_format.json"])
def test_one_problem_files(database: Engine, demo_id: int, name: str) -> None:
    at = start_app(PAGE)
    before = dump(database)
    at.get("file_uploader")[0].set_value((name, (BAD / name).read_bytes(), "application/json")).run()
    assert at.error and "nothing was changed" in at.error[0].value
    assert dump(database) == before


def test_preview_then_import_into_a_new_workspace(database: Engine, demo_id: int) -> None:
    at = start_app(PAGE)
    data = (BAD / "html_script.json").read_bytes()
    before = dump(database)
    at.get("file_uploader")[0].set_value(("x.json", data, "application/json")).run()
    counts = table(at, "what")
    assert dict(zip(counts["what"], counts["create"], strict=True))["Steps"] == 2
    assert "\\<b\\>Markup\\</b\\> workspace" in at.info[0].value  # the file's text, escaped
    assert dump(database) == before  # the preview wrote nothing
    at.button(key="io.import.run").click().run()
    assert not at.exception
    with read_session(database) as session:
        new = session.exec(select(Workspace).where(Workspace.name == "<b>Markup</b> workspace")).one()
    assert at.query_params["ws"] == str(demo_id)  # still here, told where the import went, offered to go there
    assert any("\\<b\\>Markup\\</b\\> workspace" in s.value and "new workspace" in s.value for s in at.success)
    assert at.button(key="io.import.switch").label == "Open “\\<b\\>Markup\\</b\\> workspace”"
    at.button(key="io.import.switch").click().run()
    assert not at.exception
    assert at.query_params["ws"] == str(new.id) and at.selectbox(key="app.workspace_select").value == new.id
    assert not [b for b in at.button if b.key == "io.import.switch"]  # offered once


def test_a_file_is_read_and_checked_once_for_preview_options_and_import(database: Engine, demo_id: int,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading and checking a large file takes seconds: the preview, a changed option and "Import now" share one."""
    reads: list[int] = []
    read_document = exchange.read_document

    def counted(data, **kwargs):  # type: ignore[no-untyped-def]
        reads.append(len(data))
        return read_document(data, **kwargs)

    monkeypatch.setattr(exchange, "read_document", counted)  # the page's way in
    monkeypatch.setattr(plan, "read_document", counted)  # the service's, for a file passed as bytes
    at = start_app(PAGE)
    at.get("file_uploader")[0].set_value(("x.json", (BAD / "html_script.json").read_bytes(), "application/json")).run()
    at.text_input(key="io.import.name").set_value("Named by hand").run()
    at.button(key="io.import.run").click().run()
    assert not at.exception
    with read_session(database) as session:
        assert session.exec(select(Workspace).where(Workspace.name == "Named by hand")).one()
    assert len(reads) == 1


def test_after_an_import_one_may_stay(database: Engine, demo_id: int) -> None:
    at = start_app(PAGE)
    at.get("file_uploader")[0].set_value(("x.json", (BAD / "html_script.json").read_bytes(), "application/json")).run()
    at.button(key="io.import.run").click().run()
    at.button(key="io.import.stay").click().run()
    assert at.query_params["ws"] == str(demo_id) and not [b for b in at.button if b.key == "io.import.switch"]


def test_import_into_this_workspace_by_replacing(database: Engine, demo_id: int) -> None:
    with read_session(database) as session:
        document = exchange.export_workspace(session, demo_id)
    sandra = next(p for p in document["personas"] if p["name"] == "Sandra Berger")
    sandra["occupation"] = "Imported occupation"
    at = start_app(PAGE)
    at.radio(key="io.import.target").set_value("existing").run()
    at.radio(key="io.import.mode").set_value("replace").run()
    at.get("file_uploader")[0].set_value(("x.json", exchange.dumps(document), "application/json")).run()
    counts = table(at, "what")
    assert dict(zip(counts["what"], counts["replace"], strict=True))["Personas"] == 4
    assert any("Replacing also removes" in w.value for w in at.warning)
    at.button(key="io.import.run").click().run()
    with read_session(database) as session:
        occupations = session.exec(select(Persona.occupation).where(Persona.workspace_id == demo_id, Persona.name == "Sandra Berger")).all()
    assert occupations == ["Imported occupation"]


def test_spreadsheet_preview_reports_rows_and_imports(database: Engine, workspace_id: int) -> None:
    at = start_app(PAGE)
    bad = "Name;Alter\nJürgen Müller;52\nÄnne;alt\n".encode("cp1252")
    at.get("file_uploader")[1].set_value(("p.csv", bad, "text/csv")).run()
    problems = table(at, "line")
    assert problems.to_dict("records") == [{"line": "3", "column": "age", "problem": "“alt” is not a number."}]
    assert at.button(key="io.sheet.run").disabled
    good = "Name;Alter;Kundenanteil\nJürgen Müller;52;12,5\n".encode("cp1252")
    at.get("file_uploader")[1].set_value(("p.csv", good, "text/csv")).run()
    assert "cp1252" in at.caption[-1].value or any("cp1252" in c.value for c in at.caption)
    at.button(key="io.sheet.run").click().run()
    with read_session(database) as session:
        stored = session.exec(select(Persona).where(Persona.workspace_id == workspace_id)).one()
    assert (stored.name, stored.customer_share) == ("Jürgen Müller", 12.5)


def test_poster_and_report_are_prepared_with_progress(database: Engine, demo_id: int) -> None:
    at = start_app(PAGE)
    at.button(key="io.poster.prepare").click().run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert any(label.startswith("PNG · ") for label in labels) and any(label.startswith("PDF · ") for label in labels)
    with read_session(database) as session:
        journey_id = session.exec(select(Journey.id).where(Journey.workspace_id == demo_id)).first()
    at.selectbox(key="io.report.scope").set_value(journey_id).run()
    at.button(key="io.report.prepare").click().run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert any(label.startswith("HTML · ") for label in labels)
