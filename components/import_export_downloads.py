"""The export side of the import/export page: exchange JSON, spreadsheets, Mermaid, CJML, poster and report.

Quick files are made when their download button is clicked (``data`` is a callable).
Posters and reports take seconds: a button prepares them under ``st.status`` and
keeps the bytes in ``io.prepared`` (plain bytes, per workspace) for the download buttons.
"""

import re
from collections.abc import Callable
from datetime import date

import streamlit as st
from sqlalchemy import Engine

from components.i18n import _, current_language
from components.import_export_common import SHEET_LABELS
from components.labels import translated
from models.db import read_session
from services import exchange, reports
from services import journeys as journey_service

PREPARED = "io.prepared"
JSON, CSV, ZIP = "application/json", "text/csv", "application/zip"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "export"


def _reading(engine: Engine, make: Callable[..., bytes | str]) -> Callable[[], bytes | str]:
    def produce() -> bytes | str:
        with read_session(engine) as session:
            return make(session)
    return produce


def exchange_downloads(engine: Engine, workspace_id: int, workspace_name: str, journeys: dict[int, str]) -> None:
    st.subheader(_("Exchange file (JSON)"), anchor=False)
    st.caption(_("Everything, with its links, in one file another Journey Workbench can import. "
                 "The format is described in data/schema/workspace-export.schema.json."))
    scope = st.selectbox(_("What to export"), options=[0, *journeys], key="io.export.scope",
                         format_func={0: _("The whole workspace"), **journeys}.get)
    if scope:
        make = _reading(engine, lambda s: exchange.dumps(exchange.export_journey(s, workspace_id, scope)))
        name = f"{slug(journeys[scope])}.journey.json"
    else:
        make = _reading(engine, lambda s: exchange.dumps(exchange.export_workspace(s, workspace_id)))
        name = f"{slug(workspace_name)}.workspace.json"
    st.download_button(_("Download exchange file"), make, file_name=name, mime=JSON, key="io.export.json",
                       icon=":material/download:", on_click="ignore", type="primary")


def spreadsheet_downloads(engine: Engine, workspace_id: int, workspace_name: str) -> None:
    st.subheader(_("Spreadsheets"), anchor=False)
    flavours = {"de": _("German Excel (; decimal comma, WAHR/FALSCH)"), "intl": _("International (, decimal point, true/false)")}
    flavour = st.radio(_("CSV format"), options=list(flavours), format_func=flavours.get, horizontal=True, key="io.export.csv")
    german = flavour == "de"
    language = current_language()  # headers and coded values as the viewer reads them; imports read both languages
    base = slug(workspace_name)
    left, middle, right = st.columns(3)
    left.download_button(_("Excel workbook (all sheets)"), _reading(engine, lambda s: exchange.to_xlsx(
        exchange.export_tables(s, workspace_id, language), language)), file_name=f"{base}.xlsx", mime=XLSX, key="io.export.xlsx",
        icon=":material/table:", on_click="ignore")
    middle.download_button(_("All tables as CSV (zip)"), _reading(engine, lambda s: exchange.csv_zip(
        exchange.export_tables(s, workspace_id, language), german=german)), file_name=f"{base}-csv.zip", mime=ZIP,
        key="io.export.zip", icon=":material/folder_zip:", on_click="ignore")
    with right:
        sheet = st.selectbox(_("One table"), options=list(SHEET_LABELS), format_func=translated(SHEET_LABELS).get,
                             key="io.export.sheet")
        st.download_button(_("Download CSV"), _reading(engine, lambda s: exchange.to_csv(
            exchange.export_tables(s, workspace_id, language)[sheet], german=german)), file_name=f"{base}-{sheet}.csv", mime=CSV,
            key="io.export.one_csv", icon=":material/download:", on_click="ignore")


def journey_downloads(engine: Engine, workspace_id: int, journeys: dict[int, str]) -> int | None:
    """Mermaid and CJML of the chosen journey; returns the journey for the poster."""
    st.subheader(_("Diagram formats"), anchor=False)
    if not journeys:
        st.info(_("There are no journeys yet."))
        return None
    journey_id = st.selectbox(_("Journey"), options=list(journeys), format_func=journeys.get, key="io.export.journey")
    name = slug(journeys[journey_id])
    with read_session(engine) as session:
        mermaid = exchange.mermaid_journey(session, workspace_id, journey_id)
    left, right = st.columns(2)
    left.download_button(_("Mermaid diagram (.mmd)"), mermaid, file_name=f"{name}.mmd", mime="text/plain",
                         key="io.export.mermaid", icon=":material/schema:", on_click="ignore")
    right.download_button(_("CJML 2.0 (XML)"), _reading(engine, lambda s: exchange.cjml_xml(s, workspace_id, journey_id)),
                          file_name=f"{name}.cjml.xml", mime="application/xml", key="io.export.cjml",
                          icon=":material/code:", on_click="ignore")
    with st.expander(_("Mermaid text (paste it into a wiki or README)")):
        st.caption(_("Step and stage names longer than {limit} characters end with … in the diagram; the full name "
                     "stands in a comment line above it and in the JSON and CJML files.").format(limit=exchange.MERMAID_LABEL_MAX))
        st.code(mermaid, language=None)
    return journey_id


def _prepared(kind: str, workspace_id: int) -> dict[str, tuple[str, bytes, str]]:
    store = st.session_state.setdefault(PREPARED, {})
    return store.setdefault((kind, workspace_id), {})


def poster_section(engine: Engine, workspace_id: int, journey_id: int | None, journeys: dict[int, str]) -> None:
    st.subheader(_("Poster"), anchor=False)
    if journey_id is None:
        return
    paper = st.segmented_control(_("Paper (landscape)"), options=list(reports.PAPERS), default="A2", key="io.poster.paper")
    files = _prepared("poster", workspace_id)
    if st.button(_("Prepare poster"), key="io.poster.prepare", icon=":material/image:"):
        with st.status(_("Drawing the poster …"), expanded=True) as status:
            with read_session(engine) as session:
                jmap = journey_service.load_journey_map(session, workspace_id, journey_id)
            status.write(_("PNG …"))
            name = slug(journeys[journey_id])
            files.clear()
            files["png"] = (f"{name}-poster.png", reports.poster_png(jmap, paper=paper or "A2", language=current_language()),
                            "image/png")
            status.write(_("PDF …"))
            files["pdf"] = (f"{name}-poster.pdf", reports.poster_pdf(jmap, paper=paper or "A2", language=current_language()),
                            "application/pdf")
            status.update(label=_("Poster ready."), state="complete", expanded=False)
    _download_prepared(files, "io.poster")
    if "png" in files:
        st.image(files["png"][1], caption=files["png"][0], width="stretch")


def report_section(engine: Engine, workspace_id: int, journeys: dict[int, str]) -> None:
    st.subheader(_("Stakeholder report"), anchor=False)
    st.caption(_("Personas, the map, flow, importance–performance, KPIs against targets, top pain points and "
                 "opportunities — as an HTML file that opens offline, and as PDF."))
    scope = st.selectbox(_("Report on"), options=[0, *journeys], key="io.report.scope",
                         format_func={0: _("The whole workspace"), **journeys}.get)
    files = _prepared("report", workspace_id)
    if st.button(_("Prepare report"), key="io.report.prepare", icon=":material/summarize:"):
        with st.status(_("Writing the report …"), expanded=True) as status:
            bar = st.progress(0.0)
            with read_session(engine) as session:
                data = reports.report_data(session, workspace_id, scope or None, language=current_language(),
                                           progress=lambda m: status.write(m))
            bar.progress(0.3, _("HTML with interactive charts …"))
            html_text = reports.report_html(data)
            bar.progress(0.7, _("PDF …"))
            pdf = reports.report_pdf(data)
            bar.progress(1.0)
            name = f"{slug(data.title)}-report-{date.today().isoformat()}"
            files.clear()
            files["html"] = (f"{name}.html", html_text.encode("utf-8"), "text/html")
            files["pdf"] = (f"{name}.pdf", pdf, "application/pdf")
            status.update(label=_("Report ready."), state="complete", expanded=False)
    _download_prepared(files, "io.report")


def _download_prepared(files: dict[str, tuple[str, bytes, str]], key: str) -> None:
    if not files:
        return
    columns = st.columns(len(files))
    for column, (kind, (name, data, mime)) in zip(columns, files.items(), strict=True):
        column.download_button(f"{kind.upper()} · {name}", data, file_name=name, mime=mime, key=f"{key}.{kind}",
                               icon=":material/download:", on_click="ignore")
