"""The Kano page's editing parts: items, answers typed into a table, answers imported from CSV.

Every write is one transaction through ``services.kano``: a table or a file is saved whole or not
at all, and each refused row is listed with its row or line number.
"""

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from components.feedback import attempt
from components.i18n import _
from components.kano_labels import KANO_ANSWER_LABELS, KANO_CATEGORIES
from components.labels import translated
from components.problems import show_refused
from components.tabular_import import checked, forget, import_facts
from components.text import md
from models.db import read_session
from services import kano
from services.core import Problems

ANSWERS = "kano.answers"
IMPORT = "kano.import"
IMPORT_DATA = f"{IMPORT}.csv"  # the uploaded file's bytes, kept until it is imported or discarded
BLANK_ROWS = 5
PREVIEW_ROWS = 1_000


def _generation(owner: str) -> int:
    return st.session_state.get(f"{owner}.generation", 0)


def _next_generation(owner: str) -> None:
    """A new key makes the widget start afresh (an empty table, an empty uploader)."""
    st.session_state[f"{owner}.generation"] = _generation(owner) + 1


def item_form(engine: Engine, workspace_id: int, journey_names: dict[int, str]) -> None:
    """Add a feature to survey, optionally tied to a journey."""
    with st.form("kano.item.form", clear_on_submit=True):
        name = st.text_input(_("Feature"), max_chars=200, key="kano.item.name",
                             placeholder=_("e.g. Free cancellation up to 30 days before departure"))
        description = st.text_input(_("Description"), key="kano.item.description")
        options = [0, *journey_names]
        journey = st.selectbox(_("Journey"), options, format_func={0: _("none"), **journey_names}.get, key="kano.item.journey")
        added = st.form_submit_button(_("Add feature"), type="primary", key="kano.item.add")
    if added:
        item = {"name": name, "description": description, "journey_id": journey or None}
        if attempt(engine, lambda s: kano.create_kano_item(s, workspace_id, item),
                   _("Feature “{name}” added.").format(name=md(name.strip()))):
            st.rerun()


def delete_item(engine: Engine, workspace_id: int, items: dict[int, str]) -> None:
    """Delete a feature with all its answers, after an explicit confirmation."""
    if not items:
        return
    with st.form("kano.item.delete.form"):
        item_id = st.selectbox(_("Feature to delete"), list(items), format_func=items.get, key="kano.item.delete.id")
        sure = st.checkbox(_("Yes, delete the feature and all its answers"), key="kano.item.delete.sure")
        deleted = st.form_submit_button(_("Delete feature"), key="kano.item.delete")
    if deleted:
        if not sure:
            st.warning(_("Tick the confirmation first."))
            return
        if attempt(engine, lambda s: kano.delete_kano_item(s, workspace_id, item_id),
                   _("Feature “{name}” deleted.").format(name=md(items[item_id]))):
            st.rerun()


def answer_editor(engine: Engine, workspace_id: int, item_id: int) -> None:
    """New answers for one item, typed into a table (respondent, both answers); saved all together."""
    labels = translated(KANO_ANSWER_LABELS)
    numbers = {text: number for number, text in labels.items()}
    blank = pd.DataFrame({"respondent": [""] * BLANK_ROWS, "functional": [None] * BLANK_ROWS,
                          "dysfunctional": [None] * BLANK_ROWS}, dtype="object")
    with st.form(f"{ANSWERS}.form", border=False):
        edited = st.data_editor(
            blank, key=f"{ANSWERS}.table.{item_id}.{_generation(ANSWERS)}", num_rows="dynamic", hide_index=True,
            width="stretch",
            column_config={
                "respondent": st.column_config.TextColumn(_("Respondent"), help=_("A name or number; optional.")),
                "functional": st.column_config.SelectboxColumn(
                    _("If the feature is there …"), options=list(labels.values()), width="medium"),
                "dysfunctional": st.column_config.SelectboxColumn(
                    _("If the feature is missing …"), options=list(labels.values()), width="medium"),
            },
        )
        saved = st.form_submit_button(_("Save answers"), type="primary", key=f"{ANSWERS}.save")
    if saved:
        rows = [{**row, "functional": numbers.get(row["functional"], row["functional"]),
                 "dysfunctional": numbers.get(row["dysfunctional"], row["dysfunctional"])}
                for row in edited.to_dict("records")]
        done = attempt(engine, lambda s: kano.add_answers(s, workspace_id, item_id, rows),
                       lambda count: _("{count} answers saved.").format(count=count) if count else "",
                       on_error=lambda err: show_refused(err, key=f"{ANSWERS}.problems", line=_("Row")))
        if done and not done.value:
            st.info(_("Nothing to save: the table has no answers."))
        elif done:
            _next_generation(ANSWERS)
            st.rerun()


def stored_answers(engine: Engine, workspace_id: int, item_id: int) -> None:
    """The item's answers; selected rows can be deleted."""
    with read_session(engine) as session:
        answers = kano.list_kano_answers(session, workspace_id, item_id=item_id)
    if answers.empty:
        st.caption(_("No answers for this feature yet."))
        return
    labels = translated(KANO_ANSWER_LABELS)
    shown = answers.assign(
        functional=answers["functional"].map(labels), dysfunctional=answers["dysfunctional"].map(labels),
        category=kano.categories(answers["functional"], answers["dysfunctional"]),
    )
    shown["category"] = shown["category"].map(translated(KANO_CATEGORIES))
    event = st.dataframe(
        shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="multi-row",
        key=f"{ANSWERS}.stored.{item_id}", column_order=("respondent", "functional", "dysfunctional", "category"),
        column_config={"respondent": _("Respondent"), "functional": _("If the feature is there …"),
                       "dysfunctional": _("If the feature is missing …"), "category": _("Category")},
    )
    selected = [int(answers["id"].iat[row]) for row in event.selection.rows]
    if selected and st.button(_("Delete {count} selected answers").format(count=len(selected)), key=f"{ANSWERS}.delete"):
        def delete(session: Session) -> None:
            for answer_id in selected:
                kano.delete_kano_answer(session, workspace_id, answer_id)

        if attempt(engine, delete, _("{count} answers deleted.").format(count=len(selected))):
            st.rerun()


def _uploaded(key: str) -> None:
    upload = st.session_state.get(key)
    st.session_state[IMPORT_DATA] = upload.getvalue() if upload is not None else None
    st.session_state[f"{IMPORT_DATA}.name"] = upload.name if upload is not None else ""


def csv_import(engine: Engine, workspace_id: int) -> None:
    """Upload → preview (every bad line listed) → import all answers in one transaction, or none."""
    st.caption(_("Columns: item, functional, dysfunctional and optionally respondent. Answers as 1–5 or in words: "
                 "like, expect, neutral, tolerate (live with), dislike — or gefällt mir, setze ich voraus, ist mir egal, "
                 "nehme ich hin, stört mich; case, underscores and hyphens do not matter. Unknown features are created."))
    import_facts(kano.COLUMNS, kano.LIMITS, key=IMPORT)
    key = f"{IMPORT}.file.{_generation(IMPORT)}"
    st.file_uploader(_("CSV or Excel file with answers"), type=["csv", "txt", "xlsx"], key=key, on_change=_uploaded,
                     args=(key,), max_upload_size=kano.LIMITS.megabytes)
    data = st.session_state.get(IMPORT_DATA)
    if not data:
        return
    if isinstance(data, str):
        data = data.encode("utf-8")
    name = st.session_state.get(f"{IMPORT_DATA}.name", "")

    def check(progress):  # type: ignore[no-untyped-def]
        with read_session(engine) as session:
            return kano.preview_answers_csv(session, workspace_id, data, filename=name, progress=progress)

    preview = checked(engine, workspace_id, IMPORT, data, (name,), check)
    if preview.problems:
        show_refused(Problems(list(preview.problems), kano.ROWS_REFUSED), key=f"{IMPORT}.problems")
        st.caption(_("Nothing was imported. Correct the lines and upload the file again."))
    else:
        st.success(_("{rows} answers for {items} features are ready to import.").format(
            rows=len(preview.rows), items=preview.rows["item"].nunique()))
        if preview.new_items:
            st.info(_("New features will be created: {names}").format(names=", ".join(md(n) for n in preview.new_items)))
        labels = translated(KANO_CATEGORIES)
        shown = preview.rows.head(PREVIEW_ROWS)
        st.dataframe(shown.assign(category=shown["category"].map(labels)), hide_index=True, width="stretch",
                     column_order=("line", "item", "respondent", "functional", "dysfunctional", "category"),
                     column_config={"line": _("Line"), "item": _("Feature"), "respondent": _("Respondent"),
                                    "functional": _("Functional (1–5)"), "dysfunctional": _("Dysfunctional (1–5)"),
                                    "category": _("Category")})
    confirm, discard, _spacer = st.columns([1, 1, 3])
    if not preview.problems and confirm.button(_("Import {count} answers").format(count=len(preview.rows)), type="primary",
                                               key=f"{IMPORT}.confirm"):
        _import(engine, workspace_id, preview)
    if discard.button(_("Discard the file"), key=f"{IMPORT}.discard"):
        forget(IMPORT)
        st.session_state[IMPORT_DATA] = None
        _next_generation(IMPORT)
        st.rerun()


def _import(engine: Engine, workspace_id: int, preview: kano.KanoImport) -> None:
    with st.status(_("Importing the answers …"), expanded=False) as status:
        done = attempt(engine, lambda s: kano.write_answers(s, workspace_id, preview),
                       lambda imported: _("{count} answers imported.").format(count=len(imported.rows)),
                       on_error=lambda err: show_refused(err, key=f"{IMPORT}.problems"))
        if not done:
            status.update(label=_("Nothing was imported."), state="error")
            return
        status.update(label=_("Imported."), state="complete")
    forget(IMPORT)
    st.session_state[IMPORT_DATA] = None
    _next_generation(IMPORT)
    st.rerun()
