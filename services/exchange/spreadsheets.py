"""Spreadsheets out: CSV (one file per table, or a zip of them) and one Excel workbook.

The journey maps (journeys, stages, steps with every lane, branches with their shares, pain points,
opportunities: :func:`map_tables`), personas, touchpoints and their step links with ratings, content items and the content map,
metrics and measurements, Kano answers — by name, never by id (:func:`export_tables`). CSV comes
"for German Excel" (``;``, decimal comma, ``WAHR``/``FALSCH``, UTF-8 with BOM) or international
(``,``, decimal point, ``true``/``false``, UTF-8). Every text cell a spreadsheet could run as a formula
(``=``, ``+``, ``-``, ``@`` also after blanks and in full-width forms, tab, carriage return, NUL:
:func:`services.core.neutralise`, the one rule) gets a leading ``'`` (OWASP ASVS 5.0, 1.2.10, "CSV and
formula injection"); numbers stay numbers. The importer
(:mod:`services.exchange.sheet_import`, reading with :mod:`services.core.tabular`) takes that quote
off again.

No Streamlit here.
"""

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from models import (
    Channel,
    ContentItem,
    ContentMapping,
    Journey,
    JourneyPersona,
    KanoAnswer,
    KanoItem,
    Measurement,
    Metric,
    Opportunity,
    PainPoint,
    Persona,
    PersonaChannel,
    Stage,
    Step,
    StepTouchpoint,
    Touchpoint,
    Transition,
)
from services import kano
from services.core import labels, read_frame, translate
from services.core.tabular import neutralise, unneutralise

# The journey map first (what a manager takes into a meeting), then the catalogues and figures.
MAP_SHEETS = ("journeys", "stages", "steps", "transitions", "pain_points", "opportunities")
SHEETS = (*MAP_SHEETS, "personas", "touchpoints", "touchpoint_links", "content_items", "content_map", "metrics",
          "measurements", "kano_answers")
GERMAN_BOOLEANS = ("FALSCH", "WAHR")  # what a German Excel or LibreOffice writes and reads as a yes/no value
PERSONA_COLUMNS = (
    "name", "avatar_emoji", "role", "age", "occupation", "family", "location", "income_band", "segment", "customer_share",
    "bio", "quote", "goals", "needs", "pains", "behaviours", "preferences", "values", "communication_style",
)
TOUCHPOINT_COLUMNS = ("name", "channel", "is_online", "is_direct", "owner_department", "external_provider", "description",
                      "cost_per_contact")
CONTENT_COLUMNS = ("title", "format", "url", "owner", "status", "description")
__all__ = ["neutralise", "unneutralise"]


# --- export -------------------------------------------------------------------------------------


def _names(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values if v)


def export_tables(session: Session, workspace_id: int, language: str | None = None) -> dict[str, pd.DataFrame]:
    """One table per sheet (:data:`SHEETS`), by name; one query per table. With a ``language``, headers and coded
    values in that language (:func:`localised`); without, the stored column names and codes."""
    tables = _tables(session, workspace_id)
    return localised(tables, language) if language else tables


def _tables(session: Session, workspace_id: int) -> dict[str, pd.DataFrame]:
    return {**map_tables(session, workspace_id), **_catalogue_tables(session, workspace_id)}


def map_tables(session: Session, workspace_id: int) -> dict[str, pd.DataFrame]:
    """Every journey map of the workspace as tables a person reads without the app (:data:`MAP_SHEETS`): journeys,
    stages, steps with every lane (doing, thinking, feeling, emotion, needs, touchpoints, backstage, owner, moment of
    truth, entry and exit), branches with their shares, pain points, opportunities. By name, in reading order
    (journey, stage, step); one query per table."""
    ws = workspace_id
    journey_order = (func.lower(Journey.name), Journey.id)
    step_order = (*journey_order, Stage.position, Stage.id, Step.position, Step.id)
    journey_frame = read_frame(session, select(Journey.id, Journey.name, Journey.state, Journey.status, Journey.scenario,
                                               Journey.goal).where(Journey.workspace_id == ws).order_by(*journey_order))
    members = read_frame(session, select(JourneyPersona.journey_id, Persona.name)
                         .join(Persona, Persona.id == JourneyPersona.persona_id)
                         .where(JourneyPersona.workspace_id == ws).order_by(func.lower(Persona.name)))
    personas_of = {jid: _names(g["name"]) for jid, g in members.groupby("journey_id")}
    journey_frame["personas"] = [personas_of.get(jid, "") for jid in journey_frame["id"]]
    tables = {"journeys": journey_frame.drop(columns="id")}
    tables["stages"] = read_frame(session, (
        select(Journey.name.label("journey"), Stage.name.label("stage"), Stage.description)
        .join(Journey, Journey.id == Stage.journey_id).where(Journey.workspace_id == ws)
        .order_by(*journey_order, Stage.position, Stage.id)
    ))
    steps = read_frame(session, (
        select(Step.id, Journey.name.label("journey"), Stage.name.label("stage"), Step.title.label("step"), Step.doing,
               Step.thinking, Step.feeling, Step.emotion, Step.needs, Step.backstage, Step.owner_department,
               Step.is_moment_of_truth, Step.is_entry, Step.entry_share, Step.is_exit, Step.exit_kind)
        .join(Stage, Stage.id == Step.stage_id).join(Journey, Journey.id == Step.journey_id)
        .where(Journey.workspace_id == ws).order_by(*step_order)
    ))
    used = read_frame(session, (
        select(StepTouchpoint.step_id, Touchpoint.name).join(Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)
        .where(Touchpoint.workspace_id == ws).order_by(StepTouchpoint.step_id, func.lower(Touchpoint.name))
    ))
    touchpoints_of = {sid: _names(g["name"]) for sid, g in used.groupby("step_id")}
    steps.insert(steps.columns.get_loc("backstage"), "touchpoints", [touchpoints_of.get(sid, "") for sid in steps["id"]])
    tables["steps"] = steps.drop(columns="id")
    source, target = aliased(Step), aliased(Step)
    tables["transitions"] = read_frame(session, (
        select(Journey.name.label("journey"), source.title.label("from_step"), target.title.label("to_step"),
               Transition.share, Transition.label)
        .join(source, source.id == Transition.source_step_id).join(target, target.id == Transition.target_step_id)
        .join(Journey, Journey.id == Transition.journey_id).where(Journey.workspace_id == ws)
        .order_by(*journey_order, source.position, source.id, target.position, target.id)
    ))
    for sheet, model, text, extra in (
        ("pain_points", PainPoint, "pain_point", (PainPoint.severity,)),
        ("opportunities", Opportunity, "opportunity", (Opportunity.customer_value, Opportunity.business_value,
                                                       Opportunity.effort, Opportunity.status)),
    ):
        tables[sheet] = read_frame(session, (
            select(Journey.name.label("journey"), Stage.name.label("stage"), Step.title.label("step"),
                   model.text.label(text), *extra)
            .join(Step, Step.id == model.step_id).join(Stage, Stage.id == Step.stage_id)
            .join(Journey, Journey.id == Step.journey_id).where(Journey.workspace_id == ws)
            .order_by(*step_order, model.position, model.id)
        ))
    return tables


def _catalogue_tables(session: Session, workspace_id: int) -> dict[str, pd.DataFrame]:
    ws = workspace_id
    persona_frame = read_frame(session, select(*(getattr(Persona, f) for f in ("id", *PERSONA_COLUMNS)))
                               .where(Persona.workspace_id == ws).order_by(func.lower(Persona.name)))
    prefs = read_frame(session, select(PersonaChannel.persona_id, Channel.name, PersonaChannel.intensity)
                       .join(Channel, Channel.id == PersonaChannel.channel_id)
                       .where(PersonaChannel.workspace_id == ws).order_by(PersonaChannel.persona_id, Channel.name))
    channel_lists = {pid: _names(f"{n} ({i})" for n, i in zip(g["name"], g["intensity"], strict=True))
                     for pid, g in prefs.groupby("persona_id")}
    persona_frame["channels"] = [channel_lists.get(pid, "") for pid in persona_frame["id"]]
    tables = {"personas": persona_frame.drop(columns="id")}
    tables["touchpoints"] = read_frame(session, (
        select(Touchpoint.name, Channel.name.label("channel"), Touchpoint.is_online, Touchpoint.is_direct,
               Touchpoint.owner_department, Touchpoint.external_provider, Touchpoint.description, Touchpoint.cost_per_contact)
        .outerjoin(Channel, Channel.id == Touchpoint.channel_id)
        .where(Touchpoint.workspace_id == ws).order_by(func.lower(Touchpoint.name))
    ))
    tables["touchpoint_links"] = read_frame(session, (
        select(Journey.name.label("journey"), Stage.name.label("stage"), Step.title.label("step"),
               Touchpoint.name.label("touchpoint"), StepTouchpoint.importance, StepTouchpoint.satisfaction,
               StepTouchpoint.is_decisive, StepTouchpoint.leads_to_abort, StepTouchpoint.notes)
        .join(Step, Step.id == StepTouchpoint.step_id).join(Stage, Stage.id == Step.stage_id)
        .join(Journey, Journey.id == Step.journey_id).join(Touchpoint, Touchpoint.id == StepTouchpoint.touchpoint_id)
        .where(Journey.workspace_id == ws)
        .order_by(func.lower(Journey.name), Stage.position, Step.position, Step.id, func.lower(Touchpoint.name))
    ))
    tables["content_items"] = read_frame(session, (
        select(*(getattr(ContentItem, f) for f in CONTENT_COLUMNS))
        .where(ContentItem.workspace_id == ws).order_by(func.lower(ContentItem.title))
    ))
    tables["content_map"] = read_frame(session, (
        select(ContentItem.title.label("content_item"), Journey.name.label("journey"), Stage.name.label("stage"),
               func.coalesce(Persona.name, "").label("persona"), Channel.name.label("channel"), ContentMapping.need)
        .join(ContentItem, ContentItem.id == ContentMapping.content_item_id)
        .join(Stage, Stage.id == ContentMapping.stage_id).join(Journey, Journey.id == Stage.journey_id)
        .outerjoin(Persona, Persona.id == ContentMapping.persona_id).join(Channel, Channel.id == ContentMapping.channel_id)
        .where(ContentMapping.workspace_id == ws)
        .order_by(func.lower(ContentItem.title), func.lower(Journey.name), Stage.position, Channel.name)
    ))
    tables["metrics"] = read_frame(session, (
        select(Metric.name, Metric.kind, Metric.unit, Metric.target, Metric.direction, Metric.review_every_days, Metric.scope,
               Journey.name.label("journey"), Step.title.label("step"), Touchpoint.name.label("touchpoint"), Metric.description)
        .outerjoin(Journey, Journey.id == Metric.journey_id).outerjoin(Step, Step.id == Metric.step_id)
        .outerjoin(Touchpoint, Touchpoint.id == Metric.touchpoint_id)
        .where(Metric.workspace_id == ws).order_by(func.lower(Metric.name))
    ))
    tables["measurements"] = read_frame(session, (
        select(Metric.name.label("metric"), Measurement.measured_on.label("date"), Measurement.value, Measurement.note)
        .join(Metric, Metric.id == Measurement.metric_id)
        .where(Metric.workspace_id == ws).order_by(func.lower(Metric.name), Measurement.measured_on)
    ))
    answers = read_frame(session, (
        select(KanoItem.name.label("item"), KanoAnswer.functional, KanoAnswer.dysfunctional, KanoAnswer.respondent)
        .join(KanoItem, KanoItem.id == KanoAnswer.kano_item_id)
        .where(KanoItem.workspace_id == ws).order_by(func.lower(KanoItem.name), KanoAnswer.id)
    ))
    answers["category"] = [kano.classify(int(f), int(d)) for f, d in zip(answers["functional"], answers["dysfunctional"], strict=True)]
    tables["kano_answers"] = answers
    return tables


# The coded columns of each sheet, shown by their label in the chosen language.
SHEET_CHOICES: dict[str, dict[str, dict[str, str]]] = {
    "journeys": {"state": labels.JOURNEY_STATES, "status": labels.JOURNEY_STATUSES},
    "steps": {"exit_kind": labels.EXIT_KINDS},
    "opportunities": {"status": labels.OPPORTUNITY_STATUSES},
    "personas": {"income_band": labels.INCOME_BANDS},
    "content_items": {"format": labels.CONTENT_FORMATS, "status": labels.CONTENT_STATUSES},
    "metrics": {"kind": labels.METRIC_KINDS, "direction": labels.METRIC_DIRECTIONS, "scope": labels.METRIC_SCOPES},
    "kano_answers": {"category": labels.KANO_CATEGORIES},
}


def localised(tables: dict[str, pd.DataFrame], language: str) -> dict[str, pd.DataFrame]:
    """The tables as a person reads them in ``language``: headers (:data:`services.core.labels.HEADERS`) and coded
    values (income band, format, status, kind … :data:`SHEET_CHOICES`) by their labels. The imports read those
    labels back in either language (decision 25)."""
    shown = {}
    for name, frame in tables.items():
        frame = frame.copy()
        for column, mapping in SHEET_CHOICES.get(name, {}).items():
            if column in frame.columns:
                frame[column] = [v if v is None or (not isinstance(v, str) and pd.isna(v)) else labels.label(mapping, v, language)
                                 for v in frame[column]]
        shown[name] = frame.rename(columns={c: translate(labels.HEADERS[c], language) for c in frame.columns
                                            if c in labels.HEADERS})
    return shown


def _cell_text(value: Any, german: bool) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return (GERMAN_BOOLEANS if german else ("false", "true"))[bool(value)]
    if isinstance(value, float):
        text = f"{value:.10g}" if abs(value) < 1e15 else repr(value)
        return text.replace(".", ",") if german else text
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(neutralise(value))


def to_csv(frame: pd.DataFrame, *, german: bool = True) -> bytes:
    """``german``: ``;``, decimal comma and ``WAHR``/``FALSCH``, UTF-8 with BOM (a German Excel or LibreOffice
    opens it with numbers and yes/no values as such); else ``,``, point and ``true``/``false``, UTF-8."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";" if german else ",", lineterminator="\r\n")
    writer.writerow([neutralise(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        writer.writerow([_cell_text(v, german) for v in row])
    return buffer.getvalue().encode("utf-8-sig" if german else "utf-8")


def csv_zip(tables: dict[str, pd.DataFrame], *, german: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            archive.writestr(f"{name}.csv", to_csv(frame, german=german))
    return buffer.getvalue()


def _excel_value(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", neutralise(value))
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def to_xlsx(tables: dict[str, pd.DataFrame], language: str | None = None) -> bytes:
    """One workbook, a sheet per table: bold frozen header, filter, widths to fit (up to 60 characters); sheets named
    in ``language`` (by their code without one)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, frame in tables.items():
        sheet = workbook.create_sheet(labels.sheet_title(name, language))
        sheet.append([_excel_value(str(c)) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([_excel_value(v) for v in row])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        if len(frame.columns):
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(frame.columns))}{max(1, len(frame) + 1)}"
        for index, column in enumerate(frame.columns, start=1):
            longest = max([len(str(column))] + [len(str(v)) for v in frame[column].head(200) if v is not None])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, longest + 2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
