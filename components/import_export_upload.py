"""The import side of the import/export page: an exchange file, or a spreadsheet of personas, touchpoints,
content items or measurements. Both show what will happen (or every problem) before anything is written."""

import streamlit as st
from sqlalchemy import Engine

from components.feedback import attempt
from components.i18n import N_, _
from components.import_export_common import (
    ENCODING_LABELS,
    SHEET_LABELS,
    TABLE_LABELS,
    counts_frame,
    safe_message,
)
from components.labels import translated
from components.problems import show_problems
from components.tabular_import import checked, forget, import_facts
from components.text import md
from components.workspace import WORKSPACE_KEY
from models.db import read_session
from services import exchange, workspaces
from services.core import DomainError, Problems

UPLOAD_MB = exchange.MAX_IMPORT_BYTES // (1024 * 1024)
PREVIEW_ROWS = 1_000
EXCHANGE_FILE = "io.import.file"  # the uploader's key; its checked document is kept under it
IMPORTED = "io.import.new_workspace"  # the workspace the last import created, offered until opened or dismissed
TARGETS = {"new": N_("A new workspace"), "existing": N_("This workspace")}
MODES = {
    exchange.COPY: N_("Add as copies (names already taken get a number)"),
    exchange.REPLACE: N_("Replace by name (same name: overwritten; the rest added)"),
}


def exchange_import(engine: Engine, workspace_id: int, workspace_name: str) -> None:
    st.subheader(_("Import an exchange file"), anchor=False)
    upload = st.file_uploader(_("Journey Workbench file (.json)"), type=["json"], key=EXCHANGE_FILE, max_upload_size=UPLOAD_MB)
    target = st.radio(_("Import into"), options=list(TARGETS), format_func=translated(TARGETS).get, horizontal=True,
                      key="io.import.target")
    mode = exchange.COPY
    if target == "existing":
        mode = st.radio(_("Entities with the same name"), options=list(MODES), format_func=translated(MODES).get,
                        key="io.import.mode")
        st.caption(_("Into “{name}”.").format(name=md(workspace_name)))
    name = st.text_input(_("Name of the new workspace"), key="io.import.name",
                         placeholder=_("Leave empty: the name in the file")) if target == "new" else None
    if upload is None:
        forget(EXCHANGE_FILE)
        return
    data = upload.getvalue()
    options = {"workspace_id": workspace_id if target == "existing" else None, "mode": mode, "workspace_name": name or None}
    try:
        # The file is read and checked once per upload and workspace revision (JSON, schema, form rules: seconds for a
        # large workspace), not on every rerun and again on "Import now"; the plan (names taken) is made each time.
        document = checked(engine, workspace_id, EXCHANGE_FILE, data, (), lambda _progress: exchange.read_document(data))
        with read_session(engine) as session:
            plan = exchange.plan_import(session, document, **options)
    except Problems as err:
        if len(err.problems) > 1:
            st.error(_("This file cannot be imported; nothing was changed. {count} problems were found:").format(
                count=len(err.problems)), icon="⚠️")
        else:
            st.error(_("This file cannot be imported; nothing was changed.") + " " + safe_message(err), icon="⚠️")
        show_problems(err.problems, key="io.import.problems", column=_("Where"))
        return
    except DomainError as err:
        st.error(safe_message(err), icon="⚠️")
        return
    _preview(plan)
    if st.button(_("Import now"), type="primary", key="io.import.run", icon=":material/upload:"):
        done = attempt(engine, lambda session: exchange.import_document(session, document, **options).workspace_id,
                       _("Imported."))
        if done:
            if target == "new":  # say where it went, and offer to go there
                st.session_state[IMPORTED] = int(done.value)
            st.rerun()


def offer_switch(engine: Engine, workspace_id: int, workspace_name: str) -> None:
    """After an import into a new workspace: where it is, and a button to open it (until opened or dismissed). The
    page shows it above its tabs, so it is seen whichever tab the browser shows after the rerun."""
    new_id = st.session_state.get(IMPORTED)
    if new_id is None or new_id == workspace_id:
        st.session_state.pop(IMPORTED, None)
        return
    try:
        with read_session(engine) as session:
            new_name = workspaces.get_workspace(session, new_id).name
    except DomainError:  # deleted meanwhile
        st.session_state.pop(IMPORTED, None)
        return
    with st.container(border=True, key="io.import.done"):
        st.success(_("The file was imported into a new workspace, “{new}”. You are still in “{current}”.").format(
            new=md(new_name), current=md(workspace_name)), icon="✅")
        switch, stay = st.columns(2)
        switch.button(_("Open “{name}”").format(name=md(new_name)), key="io.import.switch", type="primary",
                      icon=":material/swap_horiz:", on_click=_switch_to, args=(new_id,))
        stay.button(_("Stay here"), key="io.import.stay", on_click=st.session_state.pop, args=(IMPORTED, None))


def _switch_to(workspace_id: int) -> None:
    st.session_state.pop(IMPORTED, None)
    st.session_state[WORKSPACE_KEY] = workspace_id  # the sidebar's switcher follows (components.workspace)
    st.query_params["ws"] = str(workspace_id)


def _preview(plan: exchange.ImportPlan) -> None:
    where = md(plan.workspace_name)
    st.info(_("Preview — nothing is written until you press “Import now”. Target: {name}.").format(name=where), icon="🔎")
    st.dataframe(counts_frame(plan.counts), hide_index=True, width="stretch", key="io.import.counts", column_config={
        "what": st.column_config.TextColumn(_("What")), "create": st.column_config.NumberColumn(_("New")),
        "replace": st.column_config.NumberColumn(_("Replaced")), "reuse": st.column_config.NumberColumn(_("Used as they are")),
    })
    if plan.renamed:
        st.caption(_("Names already taken get a number: {names}").format(
            names=", ".join(f"{md(old)} → {md(new)}" for _list, old, new in plan.renamed[:20])))
    if plan.removed:
        st.warning(_("Replacing also removes: {what}").format(
            what=", ".join(f"{_(label)}: {count}" for label, count in _removed_labels(plan.removed))), icon="⚠️")


def _removed_labels(removed: dict[str, int]) -> list[tuple[str, int]]:
    return [(TABLE_LABELS.get(kind, kind), count) for kind, count in removed.items()]


def spreadsheet_import(engine: Engine, workspace_id: int) -> None:
    st.subheader(_("Import from a spreadsheet"), anchor=False)
    st.caption(_("CSV or Excel, one row per entry, the first row names the columns (as in the export). Personas, "
                 "touchpoints and content items with an existing name are updated; measurements are added."))
    kinds = {k: SHEET_LABELS[k] for k in exchange.IMPORT_KINDS}
    left, right = st.columns(2)
    kind = left.selectbox(_("The file holds"), options=list(kinds), format_func=translated(kinds).get, key="io.sheet.kind")
    encoding = right.selectbox(_("Encoding (CSV)"), options=list(ENCODING_LABELS), format_func=translated(ENCODING_LABELS).get,
                               key="io.sheet.encoding")
    import_facts(exchange.HEADERS[kind], exchange.LIMITS[kind], key="io.sheet")
    upload = st.file_uploader(_("CSV or Excel file"), type=["csv", "txt", "xlsx"], key="io.sheet.file",
                              max_upload_size=exchange.LIMITS[kind].megabytes)
    if upload is None:
        return
    data, filename = upload.getvalue(), upload.name

    def check(progress):  # type: ignore[no-untyped-def]
        with read_session(engine) as session:
            return exchange.preview(session, workspace_id, kind, data, filename, encoding=encoding, progress=progress)

    try:
        result = checked(engine, workspace_id, "io.sheet", data, (kind, filename, encoding), check)
    except DomainError as err:
        st.error(safe_message(err), icon="⚠️")
        show_problems(getattr(err, "problems", []), key="io.sheet.problems")
        return
    facts = [f for f in (result.encoding, result.separator and repr(result.separator), result.sheet) if f]
    st.caption(_("Read as: {facts}").format(facts=md(" · ".join(facts))))
    if result.problems:
        st.error(_("{count} problems: nothing will be imported until they are fixed.").format(count=len(result.problems)), icon="⚠️")
        show_problems(result.problems, key="io.sheet.problems")
    counts = result.counts()
    st.write(_("Rows: {new} new, {updated} updated, {added} added.").format(
        new=counts.get("create", 0), updated=counts.get("update", 0), added=counts.get("add", 0)))
    st.dataframe(result.frame(PREVIEW_ROWS), hide_index=True, width="stretch", key="io.sheet.rows")
    total = sum(counts.values())
    if total > PREVIEW_ROWS:
        st.caption(_("The first {shown} of {count} rows.").format(shown=f"{PREVIEW_ROWS:,}", count=f"{total:,}"))
    if st.button(_("Import rows"), type="primary", key="io.sheet.run", disabled=not result.ok, icon=":material/upload:"):
        with st.spinner(_("Importing …")):
            done = attempt(engine, lambda s: exchange.write_rows(s, workspace_id, result), _("Imported."))
        if done:
            forget("io.sheet")
            st.rerun()
