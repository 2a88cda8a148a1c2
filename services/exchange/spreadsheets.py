"""Spreadsheets in and out: CSV (one file per table, or a zip of them) and one Excel workbook.

Export (:func:`export_tables`, :func:`to_csv`, :func:`csv_zip`, :func:`to_xlsx`)
    Personas, touchpoints and their step links with ratings, content items and the
    content map, metrics and measurements, Kano answers — by name, never by id. CSV
    comes "for German Excel" (``;``, decimal comma, ``WAHR``/``FALSCH``, UTF-8 with
    BOM) or international (``,``, decimal point, ``true``/``false``, UTF-8). Every text cell that starts with ``=``, ``+``,
    ``-``, ``@``, tab, carriage return or NUL gets a leading ``'`` so a spreadsheet
    never runs it as a formula (OWASP ASVS 5.0, 1.2.10, "CSV and formula injection");
    numbers stay numbers. The importer takes that quote off again.

Import (:func:`preview` / :func:`import_rows`)
    Personas, touchpoints and content items (created, or updated when the name/title
    exists), and measurements (added; :mod:`services.metrics` checks them), from CSV
    or Excel. CSV: ``;``, tab or ``,`` (whatever the header line uses), decimal comma
    or point, yes/no as ``WAHR``/``FALSCH``, ``ja``/``nein``, ``true``/``false`` or
    ``1``/``0`` (any case), UTF-8 with or without BOM, UTF-16 with BOM, or Windows-1252/Latin-1
    (detected, or chosen by the user). Headers in English or German, any case; an
    unknown (renamed) or missing column refuses the file with the list of known
    ones. Every bad row is reported with its line and column; nothing is written
    while any row is bad.

    Excel files: ``defusedxml`` is installed, so openpyxl parses the workbook's XML
    with it (no external entities, no entity expansion bombs); before openpyxl sees
    the file, the zip's entries are counted and their uncompressed sizes added up
    (Python's zipfile never inflates an entry beyond its declared size), and a file
    that would unpack to more than :data:`MAX_XLSX_UNPACKED` is refused.

No Streamlit here.
"""

import csv
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import defusedxml  # noqa: F401 - openpyxl uses it for every XML part when it is installed
import numpy as np
import openpyxl
import openpyxl.xml
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from models import (
    Channel,
    ContentItem,
    ContentMapping,
    Journey,
    KanoAnswer,
    KanoItem,
    Measurement,
    Metric,
    Persona,
    PersonaChannel,
    Stage,
    Step,
    StepTouchpoint,
    Touchpoint,
)
from models.content import CONTENT_FORMATS, CONTENT_STATUSES
from models.persona import INCOME_BANDS
from services import content, core, kano, metrics, personas, touchpoints
from services.core import N_, DomainError, Problem, Problems, ValidationErrors, read_frame

MAX_SPREADSHEET_BYTES = 20 * 1024 * 1024
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
MAX_XLSX_ENTRIES = 2_000
MAX_ROWS = 50_000
DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r", "\0")
ENCODINGS = ("auto", "utf-8", "cp1252", "latin-1")
SHEETS = ("personas", "touchpoints", "touchpoint_links", "content_items", "content_map", "metrics", "measurements", "kano_answers")
IMPORT_KINDS = ("personas", "touchpoints", "content_items", "measurements")

TRUE_WORDS = frozenset({"true", "yes", "ja", "wahr", "1", "x", "y", "j", "✓", "✔"})  # compared case-insensitively
FALSE_WORDS = frozenset({"false", "no", "nein", "falsch", "0", "n", "-"})
GERMAN_BOOLEANS = ("FALSCH", "WAHR")  # what a German Excel or LibreOffice writes and reads as a yes/no value


# --- export -------------------------------------------------------------------------------------


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would read as a formula, with a leading single quote; else as it is."""
    if isinstance(value, str) and value.startswith(DANGEROUS_START):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """Undo :func:`neutralise` on a cell read back."""
    return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r\0" else text


def _names(values: Iterable[Any]) -> str:
    return "; ".join(str(v) for v in values if v)


def export_tables(session: Session, workspace_id: int) -> dict[str, pd.DataFrame]:
    """One table per sheet (:data:`SHEETS`), by name; one query per table."""
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


def to_xlsx(tables: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per table: bold frozen header, filter, widths to fit (up to 60 characters)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, frame in tables.items():
        sheet = workbook.create_sheet(name[:31])
        sheet.append([str(c) for c in frame.columns])
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


# --- reading a file -------------------------------------------------------------------------------


IMPORT_REFUSED = N_("Nothing was imported: {count} problems were found.")


def _refuse(message: str, **params: Any) -> Problems:
    return Problems([Problem(None, None, DomainError(message, **params))], IMPORT_REFUSED)


@dataclass(frozen=True)
class Table:
    """A sheet or CSV file as text cells: ``rows`` are (line number, cells) below the header."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text and the encoding used: ``auto`` = BOM, else UTF-8 if it is valid, else Windows-1252 (Latin-1)."""
    if encoding not in ENCODINGS:
        raise _refuse(N_("Unknown encoding “{encoding}”."), encoding=encoding)
    if encoding != "auto":
        try:
            return data.decode("utf-8-sig" if encoding == "utf-8" else encoding), encoding
        except UnicodeDecodeError:
            raise _refuse(N_("The file cannot be read as {encoding}: choose another encoding (or “detect”)."),
                          encoding=encoding) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_csv(data: bytes, encoding: str = "auto") -> Table:
    text, used = decode(data, encoding)
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), None)
    if header_line is None:
        raise _refuse(N_("The file is empty."))
    separator = max((";", "\t", ","), key=header_line.count) if any(s in header_line for s in ";\t,") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    start = 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append((line, cells))
        if len(rows) > MAX_ROWS:
            raise _refuse(N_("The file has more than {max} rows."), max=MAX_ROWS)
    return Table(header or [], rows, used, separator)


def check_xlsx(data: bytes) -> None:
    """Refuse what is no xlsx, or would unpack to too much (a zip bomb), before any XML is parsed."""
    if not openpyxl.xml.DEFUSEDXML:
        raise _refuse(N_("Excel files cannot be read safely here: the defusedxml package is missing."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse(N_("This is not an Excel workbook (.xlsx).")) from None
    with archive:
        entries = archive.infolist()
        unpacked = sum(entry.file_size for entry in entries)
        if len(entries) > MAX_XLSX_ENTRIES or unpacked > MAX_XLSX_UNPACKED:
            raise _refuse(N_("The workbook would unpack to {size} MB (more than {limit} MB): it is refused as a possible "
                             "zip bomb. Save only the sheet you need."),
                          size=unpacked // (1024 * 1024), limit=MAX_XLSX_UNPACKED // (1024 * 1024))
        if "xl/workbook.xml" not in archive.namelist():
            raise _refuse(N_("This is not an Excel workbook (.xlsx)."))


def _sheet_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes, sheet: str | None = None, *, wanted: str | None = None) -> Table:
    """The named sheet, else the one called ``wanted``, else the first; cells as text."""
    check_xlsx(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            names = workbook.sheetnames
            name = sheet if sheet in names else wanted if wanted in names else names[0]
            return _sheet_table(workbook[name], name)
        finally:
            workbook.close()
    except Problems:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl and defusedxml raise many kinds for a broken or hostile file
        raise _refuse(N_("The workbook cannot be read: it is damaged, or its XML contains what is not allowed here "
                         "(such as external entities). ({detail})"), detail=type(exc).__name__) from None


def _sheet_table(worksheet: Any, name: str) -> Table:
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
        cells = [_sheet_text(v) for v in values]
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = cells
        else:
            rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise _refuse(N_("The file has more than {max} rows."), max=MAX_ROWS)
    return Table(header or [], rows, sheet=name)


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def read_table(data: bytes, filename: str = "", *, encoding: str = "auto", sheet: str | None = None,
               wanted: str | None = None) -> Table:
    if len(data) > MAX_SPREADSHEET_BYTES:
        raise _refuse(N_("The file is larger than {limit} MB."), limit=MAX_SPREADSHEET_BYTES // (1024 * 1024))
    if not data.strip():
        raise _refuse(N_("The file is empty."))
    table = read_xlsx(data, sheet, wanted=wanted) if is_xlsx(data, filename) else read_csv(data, encoding)
    if not table.header:
        raise _refuse(N_("The file is empty."))
    return table


# --- import ---------------------------------------------------------------------------------------

PERSONA_COLUMNS = (
    "name", "avatar_emoji", "role", "age", "occupation", "family", "location", "income_band", "segment", "customer_share",
    "bio", "quote", "goals", "needs", "pains", "behaviours", "preferences", "values", "communication_style",
)
TOUCHPOINT_COLUMNS = ("name", "channel", "is_online", "is_direct", "owner_department", "external_provider", "description",
                      "cost_per_contact")
CONTENT_COLUMNS = ("title", "format", "url", "owner", "status", "description")

# German (and a few other) header names → column.
ALIASES: dict[str, str] = {
    "avatar": "avatar_emoji", "emoji": "avatar_emoji", "rolle": "role", "alter": "age", "beruf": "occupation",
    "familie": "family", "familienstand": "family", "wohnort": "location", "ort": "location", "einkommen": "income_band",
    "einkommensgruppe": "income_band", "kundenanteil": "customer_share", "anteil": "customer_share",
    "biografie": "bio", "zitat": "quote", "ziele": "goals", "bedürfnisse": "needs", "schmerzpunkte": "pains",
    "verhalten": "behaviours", "vorlieben": "preferences", "präferenzen": "preferences", "werte": "values",
    "kommunikationsstil": "communication_style", "kanal": "channel", "online": "is_online", "direkt": "is_direct",
    "direct": "is_direct", "abteilung": "owner_department", "verantwortliche abteilung": "owner_department",
    "dienstleister": "external_provider", "externer dienstleister": "external_provider", "beschreibung": "description",
    "kosten pro kontakt": "cost_per_contact", "titel": "title", "verantwortlich": "owner", "link": "url",
    "kanäle": "channels",
}
# Columns the export writes that an import reads past (they are computed or belong to another table).
EXPORT_ONLY = {"personas": ("channels",), "touchpoints": (), "content_items": ()}


@dataclass(frozen=True)
class Spec:
    model: type[SQLModel]
    columns: tuple[str, ...]
    name: str
    codes: dict[str, tuple[str, ...]]


SPECS: dict[str, Spec] = {
    "personas": Spec(Persona, PERSONA_COLUMNS, "name", {"income_band": INCOME_BANDS}),
    "touchpoints": Spec(Touchpoint, TOUCHPOINT_COLUMNS, "name", {}),
    "content_items": Spec(ContentItem, CONTENT_COLUMNS, "title", {"format": CONTENT_FORMATS, "status": CONTENT_STATUSES}),
}


@dataclass
class SheetImport:
    """What a file would do: ``rows`` (line, action create/update/add, and the values), ``problems``."""

    kind: str
    rows: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)  # the parsed rows as they will be written
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.rows.empty

    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.rows["action"].value_counts().items()} if "action" in self.rows else {}


def _header(kind: str, header: list[str]) -> tuple[dict[str, int], list[Problem]]:
    spec = SPECS[kind]
    known = set(spec.columns) | set(EXPORT_ONLY[kind])
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    for index, raw in enumerate(header):
        name = unneutralise(raw.strip().removeprefix("\ufeff")).strip().casefold()
        column = name.replace(" ", "_") if name.replace(" ", "_") in known else ALIASES.get(name, name)
        if not name:
            continue
        if column not in known:
            problems.append(Problem(1, raw.strip(), DomainError(
                N_("Unknown column “{name}”. The columns are: {columns}."), name=raw.strip()[:60], columns=", ".join(spec.columns))))
        elif column in positions:
            problems.append(Problem(1, raw.strip(), DomainError(N_("The column “{name}” appears twice."), name=raw.strip()[:60])))
        else:
            positions[column] = index
    if spec.name not in positions:
        problems.append(Problem(1, spec.name, DomainError(
            N_("The column “{name}” is missing: the first line must name the columns ({columns})."),
            name=spec.name, columns=", ".join(spec.columns))))
    return positions, problems


def _parse_cell(kind: str, column: str, text: str, channels: dict[str, int]) -> tuple[str, Any]:
    """(column as stored, value); raises DomainError for a value that cannot be read."""
    spec = SPECS[kind]
    text = unneutralise(text.strip())
    if column == "channel":
        if not text:
            return "channel_id", None
        channel_id = channels.get(text.casefold())
        if channel_id is None:
            raise DomainError(N_("Unknown channel “{name}”: add it under Settings first."), name=text[:60])
        return "channel_id", channel_id
    annotation = spec.model.model_fields[column].annotation
    kinds = getattr(annotation, "__args__", (annotation,))
    if bool in kinds:
        word = text.casefold()
        if not word:  # left open: a touchpoint follows its channel
            return column, None
        if word in TRUE_WORDS:
            return column, True
        if word in FALSE_WORDS:
            return column, False
        raise DomainError(N_("“{value}” is not yes or no."), value=text[:40])
    if int in kinds or float in kinds:
        if not text:
            return column, None
        number = metrics.parse_number(text)
        if number is None:
            raise DomainError(N_("“{value}” is not a number."), value=text[:40])
        if int in kinds:
            if not number.is_integer():
                raise DomainError(N_("“{value}” is not a whole number."), value=text[:40])
            return column, int(number)
        return column, number
    if column in spec.codes:
        allowed = {code.casefold(): code for code in spec.codes[column]}
        if text.casefold() not in allowed:
            raise DomainError(N_("“{value}” is not allowed: use one of {allowed}."), value=text[:40],
                              allowed=", ".join(c or "“”" for c in spec.codes[column]))
        return column, allowed[text.casefold()]
    return column, text


def _channel_names(session: Session, workspace_id: int) -> dict[str, int]:
    rows = session.execute(select(Channel.name, Channel.id).where(Channel.workspace_id == workspace_id)).all()
    return {name.casefold(): channel_id for name, channel_id in rows}


def _existing(session: Session, workspace_id: int, spec: Spec) -> dict[str, int]:
    column = getattr(spec.model, spec.name)
    rows = session.execute(select(column, spec.model.id).where(spec.model.workspace_id == workspace_id)).all()  # type: ignore[attr-defined]
    return {name.casefold(): row_id for name, row_id in rows}


def _dummy_ids(model: type[SQLModel]) -> dict[str, Any]:
    return {name: 1 for name in model.model_fields if name.endswith("_id") and model.model_fields[name].is_required()}


def preview(session: Session, workspace_id: int, kind: str, data: bytes, filename: str = "", *,
            encoding: str = "auto", sheet: str | None = None) -> SheetImport:
    """Read and check the file; writes nothing. Raises Problems only for a file that cannot be read at all."""
    if kind not in IMPORT_KINDS:
        raise DomainError(N_("Choose what the file holds."), field="kind")
    table = read_table(data, filename, encoding=encoding, sheet=sheet, wanted=kind)
    if kind == "measurements":
        return _measurements(session, workspace_id, table)
    spec = SPECS[kind]
    positions, problems = _header(kind, table.header)
    result = SheetImport(kind, pd.DataFrame(columns=["line", "action", *spec.columns]), problems,
                         encoding=table.encoding, separator=table.separator, sheet=table.sheet)
    if problems:
        return result
    channels = _channel_names(session, workspace_id) if kind == "touchpoints" else {}
    existing = _existing(session, workspace_id, spec)
    seen: dict[str, int] = {}
    parsed: list[dict[str, Any]] = []
    width = max(positions.values()) + 1
    for line, cells in table.rows:
        cells = cells + [""] * (width - len(cells))
        values: dict[str, Any] = {}
        row_problems: list[Problem] = []
        for column, index in positions.items():
            if column in EXPORT_ONLY[kind]:
                continue
            try:
                stored, value = _parse_cell(kind, column, cells[index], channels)
            except DomainError as exc:
                row_problems.append(Problem(line, column, exc))
                continue
            values[stored] = value
        name = values.get(spec.name) or ""
        if name and name.casefold() in seen:
            row_problems.append(Problem(line, spec.name, DomainError(
                N_("“{name}” appears twice in the file (also in line {other})."), name=name[:60], other=seen[name.casefold()])))
        if not row_problems:
            check = {k: v for k, v in values.items() if not (k in ("is_online", "is_direct") and v is None)}
            try:
                core.validate(spec.model, {**check, **_dummy_ids(spec.model), "workspace_id": workspace_id})
            except ValidationErrors as exc:
                row_problems += [Problem(line, e.field, e) for e in exc.errors]
            except DomainError as exc:
                row_problems.append(Problem(line, exc.field, exc))
        problems += row_problems
        if name:
            seen.setdefault(name.casefold(), line)
        if not row_problems:
            action = "update" if name.casefold() in existing else "create"
            parsed.append({"line": line, "action": action, **values})
    result.records = parsed
    result.rows = pd.DataFrame(parsed)
    if not parsed and not problems:
        problems.append(Problem(None, None, DomainError(N_("The file has no rows below its header."))))
    return result


def _measurements(session: Session, workspace_id: int, table: Table) -> SheetImport:
    """Measurements are checked by :func:`services.metrics.plan_import` (same rules as its own CSV import)."""
    text = _as_csv_text(table)
    plan = metrics.plan_import(session, workspace_id, text)
    problems = [Problem(p.line, p.error.field, p.error) for p in plan.problems]
    rows = plan.rows.assign(action="add") if not plan.rows.empty else pd.DataFrame(columns=["line", "action"])
    return SheetImport("measurements", rows, problems, encoding=table.encoding, separator=table.separator, sheet=table.sheet)


def _as_csv_text(table: Table) -> str:
    """The table as ``;`` CSV text whose line numbers are the table's (blank lines fill the gaps)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow([unneutralise(c) for c in table.header])
    line = 1
    for number, cells in table.rows:
        while line + 1 < number:
            buffer.write("\n")
            line += 1
        writer.writerow([unneutralise(c) for c in cells])
        line = number
    return buffer.getvalue()


def import_rows(session: Session, workspace_id: int, kind: str, data: bytes, filename: str = "", *,
                encoding: str = "auto", sheet: str | None = None) -> SheetImport:
    """Check again and write every row in the caller's transaction — or none: Problems with every problem."""
    result = preview(session, workspace_id, kind, data, filename, encoding=encoding, sheet=sheet)
    if result.problems:
        raise Problems(result.problems, IMPORT_REFUSED)
    if kind == "measurements":
        try:
            metrics.import_measurements(session, workspace_id, _as_csv_text(
                read_table(data, filename, encoding=encoding, sheet=sheet, wanted=kind)))
        except Problems as exc:
            raise Problems(exc.problems, IMPORT_REFUSED) from exc
        return result
    spec = SPECS[kind]
    existing = _existing(session, workspace_id, spec)
    create, update = _writers(kind)
    problems: list[Problem] = []
    for record in result.records:
        values = {k: v for k, v in record.items() if k not in ("line", "action")}
        line, action = record["line"], record["action"]
        try:
            with session.begin_nested():
                if action == "update":
                    update(session, workspace_id, existing[values[spec.name].casefold()], values)
                else:
                    create(session, workspace_id, values)
        except ValidationErrors as exc:
            problems += [Problem(line, e.field, e) for e in exc.errors]
        except DomainError as exc:
            problems.append(Problem(line, exc.field, exc))
    if problems:
        raise Problems(problems, IMPORT_REFUSED)
    return result


def _writers(kind: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
    if kind == "personas":
        return personas.create_persona, personas.update_persona
    if kind == "touchpoints":
        return touchpoints.create_touchpoint, touchpoints.update_touchpoint
    return content.create_content_item, content.update_content_item

