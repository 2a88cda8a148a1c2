"""Journey posters (PNG, PDF) and the stakeholder report (HTML, PDF): produced without a browser, they open,
contain the journey's stage names, and show user text as text."""

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import Engine
from sqlmodel import select

from models import Journey, Step
from models.db import read_session
from services import journeys, reports
from services.journeys import grid as journey_map
from services.personas import crud as personas
from services.reports.html import _h
from services.unit_of_work import unit_of_work
from services.workspaces import demo

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    from models.db import create_db_engine, upgrade_to_head

    engine = create_db_engine(f"sqlite:///{tmp_path_factory.mktemp('reports') / 'reports.db'}")
    upgrade_to_head(engine)
    with unit_of_work(engine) as session:
        ws = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
        journey_id = session.exec(select(Journey.id).where(Journey.workspace_id == ws, Journey.name == "Sommerurlaub buchen")).one()
        step = session.exec(select(Step).where(Step.journey_id == journey_id).order_by(Step.id)).first()
        journeys.update_step(session, ws, step.id, {"title": HOSTILE, "doing": "Pays $5 and $10 — not TeX"})
        personas.create_persona(session, ws, {"name": "</script><img src=x onerror=alert(2)>"})
    engine.info = {"ws": ws, "journey_id": journey_id}  # type: ignore[attr-defined]
    return engine


def _map(engine: Engine) -> journey_map.JourneyMap:
    with read_session(engine) as session:
        return journey_map.load_journey_map(session, engine.info["ws"], engine.info["journey_id"])  # type: ignore[attr-defined]


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def pdf_fonts(data: bytes) -> dict[str, tuple[str, str, bool]]:
    """Every font the PDF uses (pages and the forms they draw): base name → (subtype, descendant's subtype,
    whether a TrueType font program is embedded)."""
    fonts: dict[str, tuple[str, str, bool]] = {}

    def collect(resources: Any) -> None:
        resources = resources.get_object() if resources is not None else {}
        for reference in (resources.get("/Font") or {}).values():
            font = reference.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            fonts[str(font.get("/BaseFont", font.get("/Name", "?")))] = (
                str(font["/Subtype"]), str(descendant["/Subtype"]) if descendant is not font else "", embedded)
            if "/Resources" in font:  # a Type 3 font draws its glyphs with resources of its own
                collect(font["/Resources"])
        for reference in (resources.get("/XObject") or {}).values():
            form = reference.get_object()
            if form.get("/Subtype") == "/Form" and "/Resources" in form:
                collect(form["/Resources"])

    for page in PdfReader(io.BytesIO(data)).pages:
        collect(page.get("/Resources"))
    return fonts


def assert_truetype_fonts_only(data: bytes) -> None:
    fonts = pdf_fonts(data)
    assert fonts, "no fonts found"
    for name, (subtype, descendant, embedded) in fonts.items():
        assert subtype != "/Type3", f"{name} is a Type 3 font"
        assert (subtype, descendant) in {("/TrueType", ""), ("/Type0", "/CIDFontType2")}, (name, subtype, descendant)
        assert embedded, f"{name} is not embedded as a TrueType program (FontFile2)"
    assert any("DejaVuSans" in name for name in fonts)


def test_the_poster_as_png(demo_engine: Engine) -> None:
    jmap = _map(demo_engine)
    data = reports.poster_png(jmap, paper="A2", dpi=100)
    image = Image.open(io.BytesIO(data))
    image.verify()
    width, height = Image.open(io.BytesIO(data)).size
    assert abs(width - 594 / 25.4 * 100) <= 2 and abs(height - 420 / 25.4 * 100) <= 2  # A2 landscape
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "poster-sommerurlaub.png").write_bytes(reports.poster_png(jmap, paper="A2", dpi=110))


def test_the_poster_as_pdf_holds_stages_steps_and_lanes(demo_engine: Engine) -> None:
    jmap = _map(demo_engine)
    data = reports.poster_pdf(jmap, paper="A1", language="en")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (841, 594)
    text = _pdf_text(data)
    for stage in jmap.stages:
        assert stage.name in text
    assert "Pain points" in text and "Branches" in text
    assert HOSTILE in text and "Pays $5 and $10" in text  # as text, no TeX
    assert_truetype_fonts_only(data)  # archivable: no Type 3 fonts


def test_a_long_journey_gets_a_wider_poster(demo_engine: Engine) -> None:
    jmap = _map(demo_engine)
    many = jmap.steps.loc[jmap.steps.index.repeat(5)].reset_index(drop=True)
    many["id"] = range(10_000, 10_000 + len(many))
    wide = journey_map.JourneyMap(**{**jmap.__dict__, "steps": many, "transitions": jmap.transitions.iloc[0:0]})
    figure = reports.poster_figure(wide, paper="A2")
    assert figure.get_figwidth() > 594 / 25.4


def test_an_empty_journey_still_makes_a_poster(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        from services.workspaces.crud import create_workspace

        ws = create_workspace(session, "Empty").id
        journey = journeys.create_journey(session, ws, {"name": "Nothing yet"})
    with read_session(engine) as session:
        jmap = journey_map.load_journey_map(session, ws, journey.id)
    assert Image.open(io.BytesIO(reports.poster_png(jmap, dpi=40))).size[0] > 0


def test_the_html_report_is_self_contained_and_escapes_user_text(demo_engine: Engine) -> None:
    with read_session(demo_engine) as session:
        data = reports.report_data(session, demo_engine.info["ws"], language="en", today=date(2025, 6, 15))  # type: ignore[attr-defined]
    page = reports.report_html(data)
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]*\bsrc=", page) and not re.search(r"<link[^>]*\bhref=", page)
    assert page.count("plotly.js v") == 1 or page.count("* plotly.js") == 1  # the library once, inline
    assert page.count('class="plotly-graph-div"') >= 4  # emotion curves, funnels, importance–performance, KPIs
    assert page.count("<img class='poster'") == page.count("src='data:image/png;base64,") == len(data.journeys)
    for section in data.journeys:
        for stage in section.map.stages:
            assert _h(stage.name) in page
    assert HOSTILE not in page and "</script><img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Top pain points" in page and "Sandra Berger" in page


def test_the_pdf_report_opens_and_has_every_part(demo_engine: Engine) -> None:
    with read_session(demo_engine) as session:
        data = reports.report_data(session, demo_engine.info["ws"], demo_engine.info["journey_id"], language="en",  # type: ignore[attr-defined]
                                   today=date(2025, 6, 15))
    pdf = reports.report_pdf(data)
    text = _pdf_text(pdf)
    for stage in data.journeys[0].map.stages:
        assert stage.name in text
    for part in ("Stakeholder report", "Importance–performance", "KPIs against their targets", "Top pain points",
                 "Top opportunities", "Sandra Berger"):
        assert part in text, part
    assert_truetype_fonts_only(pdf)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report-sommerurlaub.pdf").write_bytes(pdf)


def test_report_progress_is_reported(demo_engine: Engine) -> None:
    said: list[str] = []
    with read_session(demo_engine) as session:
        data = reports.report_data(session, demo_engine.info["ws"], progress=said.append)  # type: ignore[attr-defined]
    assert len(said) == len(data.journeys) >= 3


def test_kpis_are_compared_as_share_of_target() -> None:
    import pandas as pd

    kpis = pd.DataFrame({"name": ["Conversion", "Wait time", "No target"], "unit": ["%", "min", ""],
                         "last_value": [4.0, 10.0, 3.0], "target": [5.0, 5.0, None], "direction": ["higher", "lower", "higher"],
                         "status": ["off_target", "off_target", "no_target"]})
    shown = reports.kpi_attainment(kpis)
    assert shown["name"].tolist() == ["Conversion", "Wait time"] and shown["attainment"].tolist() == [80.0, 50.0]


def test_a_pdf_with_type3_fonts_is_caught() -> None:
    """The font check itself: matplotlib's default (Type 3) fails it, the reports' setting passes."""
    import matplotlib
    from matplotlib.figure import Figure

    def pdf(fonttype: int) -> bytes:
        figure = Figure(figsize=(2, 1))
        figure.text(0.1, 0.5, "Größe ÄÖÜ ß €", fontfamily=reports.FONT, parse_math=False)
        buffer = io.BytesIO()
        with matplotlib.rc_context({"pdf.fonttype": fonttype}):
            figure.savefig(buffer, format="pdf")
        return buffer.getvalue()

    with pytest.raises(AssertionError, match="Type 3"):
        assert_truetype_fonts_only(pdf(3))
    assert_truetype_fonts_only(pdf(reports.PDF_FONTS["pdf.fonttype"]))
