"""Spreadsheet import: personas, touchpoints and content items (created, or updated when the name or
title exists) and measurements (added, :mod:`services.metrics` checks them), from CSV or Excel.

Reading (encoding, separator, header names, row limits, Excel's zip-bomb and XXE checks) is the one
tabular reader's (:mod:`services.core.tabular`). Values: decimal comma or point; yes/no as
``WAHR``/``FALSCH``, ``ja``/``nein``, ``true``/``false``, ``1``/``0`` (any case); a cell the export
neutralised (``'=…``) loses its quote again. Every row is checked with the rules the forms apply
(the table model's fields, :func:`services.core.check_row`); every bad row is reported with its line
and column, and nothing is written while any row is bad.

Two steps, so an import never keeps others from saving: :func:`preview` reads and checks the whole
file in a read session (no write lock); :func:`write_rows` writes a checked preview in the caller's
unit of work — the new rows in one ``executemany``, the updated ones in another — after one query
that finds which names exist by now. :func:`import_rows` does both (scripts and tests). The import
is logged as one activity entry, not one per row.

No Streamlit here.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import bindparam, select, update
from sqlmodel import Session, SQLModel

from models import Channel, ContentItem, Persona, Touchpoint
from models.base import utcnow
from models.content import CONTENT_FORMATS, CONTENT_STATUSES
from models.persona import INCOME_BANDS
from services import audit, core, metrics, touchpoints
from services.core import IMPORT_REFUSED, N_, Columns, DomainError, Limits, Problem, Problems, ValidationErrors, labels
from services.exchange.spreadsheets import CONTENT_COLUMNS, PERSONA_COLUMNS, TOUCHPOINT_COLUMNS

IMPORT_KINDS = ("personas", "touchpoints", "content_items", "measurements")
TRUE_WORDS = frozenset({"true", "yes", "ja", "wahr", "1", "x", "y", "j", "✓", "✔"})  # compared case-insensitively
FALSE_WORDS = frozenset({"false", "no", "nein", "falsch", "0", "n", "-"})

# Every column's other names (German and English), compared with services.core.tabular.normalise:
# case, spacing, underscores, units and symbols do not count ("Anteil Kunden %" is customer_share).
PERSONA_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("persona", "persona name", "vollständiger name"), "avatar_emoji": ("avatar", "emoji"),
    "role": ("rolle", "funktion"), "age": ("alter", "age in years", "alter in jahren"),
    "occupation": ("beruf", "job", "tätigkeit"), "family": ("familie", "familienstand", "family status"),
    "location": ("wohnort", "ort", "stadt", "city", "place"),
    "income_band": ("einkommen", "einkommensgruppe", "income", "einkommensklasse"),
    "segment": ("kundensegment", "customer segment", "zielgruppe"),
    "customer_share": ("kundenanteil", "anteil", "anteil kunden", "anteil an kunden", "share", "share of customers"),
    "bio": ("biografie", "biographie", "biography", "steckbrief"), "quote": ("zitat",),
    "goals": ("ziele",), "needs": ("bedürfnisse",), "pains": ("schmerzpunkte", "pain points", "probleme", "frust"),
    "behaviours": ("verhalten", "behaviour", "behaviors", "behavior"),
    "preferences": ("vorlieben", "präferenzen"), "values": ("werte",),
    "communication_style": ("kommunikationsstil", "kommunikation", "communication"),
}
TOUCHPOINT_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("touchpoint", "kontaktpunkt", "berührungspunkt"), "channel": ("kanal",),
    "is_online": ("online",), "is_direct": ("direkt", "direct"),
    "owner_department": ("abteilung", "verantwortliche abteilung", "department", "owner"),
    "external_provider": ("dienstleister", "externer dienstleister", "provider", "anbieter"),
    "description": ("beschreibung",), "cost_per_contact": ("kosten pro kontakt", "kosten", "cost", "kosten je kontakt"),
}
CONTENT_NAMES: dict[str, tuple[str, ...]] = {
    "title": ("titel", "name", "inhalt"), "format": ("typ", "type", "art"), "url": ("link", "adresse", "address"),
    "owner": ("verantwortlich", "verantwortliche", "autor", "author"), "status": ("stand",),
    "description": ("beschreibung",),
}
# Coded columns whose labels (English or German, as the export writes them) are read as their codes.
CODE_LABELS: dict[str, dict[str, str]] = {"income_band": labels.INCOME_BANDS, "format": labels.CONTENT_FORMATS,
                                          "status": labels.CONTENT_STATUSES}
# Columns the export writes that an import reads past (they are computed or belong to another table).
EXPORT_ONLY = {"personas": ("channels",), "touchpoints": (), "content_items": ()}


@dataclass(frozen=True)
class Spec:
    model: type[SQLModel]
    columns: tuple[str, ...]
    name: str
    codes: dict[str, tuple[str, ...]]
    header: Columns
    limits: Limits


def _spec(model: type[SQLModel], columns: tuple[str, ...], name: str, names: dict[str, tuple[str, ...]],
          codes: dict[str, tuple[str, ...]], ignored: tuple[str, ...]) -> Spec:
    # The export's own headers in either language (services.core.labels.HEADERS) are read too.
    header = Columns({c: (*names.get(c, ()), *labels.header_names(c)) for c in columns}, required=(name,),
                     ignored=(*ignored, *(n for c in ignored for n in labels.header_names(c))))
    return Spec(model, columns, name, codes, header, Limits(rows=50_000, megabytes=60))


SPECS: dict[str, Spec] = {
    "personas": _spec(Persona, PERSONA_COLUMNS, "name", PERSONA_NAMES, {"income_band": INCOME_BANDS}, ("channels", "kanäle")),
    "touchpoints": _spec(Touchpoint, TOUCHPOINT_COLUMNS, "name", TOUCHPOINT_NAMES, {}, ()),
    "content_items": _spec(ContentItem, CONTENT_COLUMNS, "title", CONTENT_NAMES,
                           {"format": CONTENT_FORMATS, "status": CONTENT_STATUSES}, ()),
}
LIMITS: dict[str, Limits] = {**{kind: spec.limits for kind, spec in SPECS.items()}, "measurements": metrics.LIMITS}
HEADERS: dict[str, Columns] = {**{kind: spec.header for kind, spec in SPECS.items()}, "measurements": metrics.COLUMNS}
ALIASES: dict[str, str] = {alias: column for spec in SPECS.values() for column, names in spec.header.names.items()
                           for alias in names}
MAX_SPREADSHEET_BYTES = max(limits.bytes for limits in LIMITS.values())
MAX_ROWS = SPECS["personas"].limits.rows


@dataclass
class SheetImport:
    """What a file would do: ``records`` (line, action create/update, and the values as they will be
    written) or, for measurements, the checked ``plan``; and every problem."""

    kind: str
    problems: list[Problem] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    plan: Any = None  # measurements: the metrics.ImportPlan

    def frame(self, limit: int | None = None) -> pd.DataFrame:
        """The rows as a table (the first ``limit`` of them): line, action and the values."""
        if self.plan is not None:
            rows = self.plan.rows.head(limit) if limit else self.plan.rows
            return rows.assign(action="add") if not rows.empty else pd.DataFrame(columns=["line", "action"])
        records = self.records[:limit] if limit else self.records
        columns = ["line", "action", *(SPECS[self.kind].columns if not records else [])]
        return pd.DataFrame(records) if records else pd.DataFrame(columns=columns)

    @property
    def rows(self) -> pd.DataFrame:
        return self.frame()

    @property
    def ok(self) -> bool:
        return not self.problems and (bool(self.records) or (self.plan is not None and not self.plan.rows.empty))

    def counts(self) -> dict[str, int]:
        if self.plan is not None:
            return {"add": len(self.plan.rows)} if not self.plan.rows.empty else {}
        return dict(Counter(str(r["action"]) for r in self.records))


def _cell_kind(spec: Spec, column: str) -> str:
    """How a column's text is read: channel, bool, int, float, code or text (from the model's field)."""
    if column == "channel":
        return "channel"
    annotation = spec.model.model_fields[column].annotation
    kinds = getattr(annotation, "__args__", (annotation,))
    if bool in kinds:
        return "bool"
    if int in kinds:
        return "int"
    if float in kinds:
        return "float"
    return "code" if column in spec.codes else "text"


def _parse_cell(spec: Spec, column: str, text: str, channels: dict[str, tuple[int, bool, str]],
                kind: str | None = None) -> tuple[str, Any]:
    """(column as stored, value); raises DomainError for a value that cannot be read."""
    kind = kind or _cell_kind(spec, column)
    text = core.tabular.unneutralise(text.strip())
    if kind == "text":
        return column, text
    if kind == "channel":
        if not text:
            return "channel_id", None
        channel = channels.get(text.casefold())
        if channel is None:
            raise DomainError(N_("Unknown channel “{name}”: add it under Settings first."), name=text[:60])
        return "channel_id", channel[0]
    if kind == "bool":
        word = text.casefold()
        if not word:  # left open: a touchpoint follows its channel
            return column, None
        if word in TRUE_WORDS:
            return column, True
        if word in FALSE_WORDS:
            return column, False
        raise DomainError(N_("“{value}” is not yes or no."), value=text[:40])
    if kind in ("int", "float"):
        if not text:
            return column, None
        number = metrics.parse_number(text)
        if number is None:
            raise DomainError(N_("“{value}” is not a number."), value=text[:40])
        if kind == "int":
            if not number.is_integer():
                raise DomainError(N_("“{value}” is not a whole number."), value=text[:40])
            return column, int(number)
        return column, number
    allowed = {code.casefold(): code for code in spec.codes[column]}
    if text.casefold() in allowed:
        return column, allowed[text.casefold()]
    code = labels.code_of(CODE_LABELS[column], text) if column in CODE_LABELS else None  # a label, as exported
    if code is None or code not in spec.codes[column]:
        raise DomainError(N_("“{value}” is not allowed: use one of {allowed}."), value=text[:40],
                          allowed=", ".join(c or "“”" for c in spec.codes[column]))
    return column, code


def _channels(session: Session, workspace_id: int) -> dict[str, tuple[int, bool, str]]:
    """Case-folded name → (id, online, category)."""
    rows = session.execute(select(Channel.name, Channel.id, Channel.is_online, Channel.category)
                           .where(Channel.workspace_id == workspace_id)).all()
    return {name.casefold(): (channel_id, bool(online), category) for name, channel_id, online, category in rows}


def _existing(session: Session, workspace_id: int, spec: Spec) -> dict[str, tuple[int, int | None]]:
    """Case-folded name → (id, channel id) of the rows the workspace has."""
    model: Any = spec.model
    channel = model.channel_id if model is Touchpoint else model.id
    rows = session.execute(select(getattr(model, spec.name), model.id, channel).where(model.workspace_id == workspace_id)).all()
    return {name.casefold(): (row_id, channel_id if model is Touchpoint else None) for name, row_id, channel_id in rows}


def _channel_rules(values: dict[str, Any], current_channel: int | None, creating: bool,
                   by_id: dict[int, tuple[bool, str]]) -> None:
    """The touchpoint rules of :mod:`services.touchpoints` for one row: open flags follow the channel, a
    contrary online flag is refused."""
    for flag in ("is_online", "is_direct"):
        if flag in values and values[flag] is None:
            del values[flag]
    channel_id = values["channel_id"] if "channel_id" in values else current_channel
    if channel_id is None:
        return
    online, category = by_id[channel_id]
    if "is_online" not in values:
        if creating or "channel_id" in values:
            values["is_online"] = online
    elif bool(values["is_online"]) != online:
        raise DomainError(N_("The channel is online: a touchpoint on it is online too.") if online
                          else N_("The channel is offline: a touchpoint on it is offline too."), field="is_online")
    if creating and "is_direct" not in values:
        values["is_direct"] = touchpoints.suggested_direct(category)


def preview(session: Session, workspace_id: int, kind: str, data: bytes, filename: str = "", *,
            encoding: str = "auto", sheet: str | None = None, progress: Any = None) -> SheetImport:
    """Read and check the file; writes nothing. Raises Problems only for a file that cannot be read at all."""
    if kind not in IMPORT_KINDS:
        raise DomainError(N_("Choose what the file holds."), field="kind")
    table = core.read_table(data, filename, limits=LIMITS[kind], encoding=encoding, sheet=sheet, wanted=labels.sheet_names(kind))
    if kind == "measurements":
        return _measurements(session, workspace_id, table, progress)
    spec = SPECS[kind]
    positions, problems = spec.header.match(table.header, table.header_line)
    result = SheetImport(kind, problems, encoding=table.encoding, separator=table.separator, sheet=table.sheet)
    if problems:
        return result
    channels = _channels(session, workspace_id) if kind == "touchpoints" else {}
    by_id = {channel_id: (online, category) for channel_id, online, category in channels.values()}
    existing = _existing(session, workspace_id, spec)
    log = core.ProblemLog()
    seen: dict[str, int] = {}
    parsed: list[dict[str, Any]] = []
    width = max(positions.values()) + 1
    reading = [(column, index, _cell_kind(spec, column)) for column, index in positions.items()]
    fixed = {**_dummy_ids(spec.model), "workspace_id": workspace_id}
    for line, cells in core.progressing(table.rows, table.lines, progress, every=5_000):
        cells = core.padded(cells, width)
        values: dict[str, Any] = {}
        row_problems: list[Problem] = []
        for column, index, cell_kind in reading:
            try:
                stored, value = _parse_cell(spec, column, cells[index], channels, cell_kind)
            except DomainError as exc:
                row_problems.append(Problem(line, column, exc))
                continue
            values[stored] = value
        name = (values.get(spec.name) or "").strip()
        key = name.casefold()
        if name and key in seen:
            row_problems.append(Problem(line, spec.name, DomainError(
                N_("“{name}” appears twice in the file (also in line {other})."), name=name[:60], other=seen[key])))
        current = existing.get(key)
        if not row_problems:
            try:
                if kind == "touchpoints":
                    _channel_rules(values, current[1] if current else None, current is None, by_id)
                checked = core.check_row(spec.model, {**values, **fixed}).__dict__
                values = {k: checked[k] for k in values}  # as the model stores them (blanks stripped)
            except ValidationErrors as exc:
                row_problems += [Problem(line, e.field, e) for e in exc.errors]
            except DomainError as exc:
                row_problems.append(Problem(line, exc.field, exc))
        log.extend(row_problems)
        if name:
            seen.setdefault(key, line)
        if not row_problems:
            parsed.append({"line": line, "action": "update" if current else "create", **values})
    result.problems = log.result()
    result.records = parsed
    if not parsed and not result.problems:
        result.problems.append(Problem(None, None, DomainError(N_("The file has no rows below its header."))))
    return result


def _dummy_ids(model: type[SQLModel]) -> dict[str, Any]:
    return {name: 1 for name in model.model_fields if name.endswith("_id") and model.model_fields[name].is_required()}


def _measurements(session: Session, workspace_id: int, table: core.Table, progress: Any) -> SheetImport:
    """Measurements are checked by :func:`services.metrics.plan_import` (the same rules as its own import)."""
    plan = metrics.plan_import(session, workspace_id, table, progress=progress)
    problems = [Problem(p.line, p.column or p.error.field, p.error) for p in plan.problems]
    return SheetImport("measurements", problems, encoding=table.encoding, separator=table.separator, sheet=table.sheet,
                       plan=plan)


def write_rows(session: Session, workspace_id: int, result: SheetImport) -> SheetImport:
    """Write a checked preview in the caller's unit of work: all rows or none (:class:`Problems`).

    Everything is made ready before the first statement; then one query finds the names that exist
    by now (someone may have added one since the preview), and the new rows go in one ``executemany``,
    the changed ones in another. One activity entry says what the import did.
    """
    if result.problems:
        raise Problems(result.problems, IMPORT_REFUSED)
    if result.kind == "measurements":
        try:
            metrics.write_measurements(session, workspace_id, result.plan)
        except Problems as exc:
            raise Problems(exc.problems, IMPORT_REFUSED) from exc
        return result
    spec = SPECS[result.kind]
    model: Any = spec.model
    now = utcnow()
    defaults = core.check_row(model, {spec.name: "x", **_dummy_ids(model), "workspace_id": workspace_id}).model_dump()
    inserted = [c for c in defaults if c != "id"]
    template = {**defaults, "workspace_id": workspace_id, "created_at": now, "updated_at": now, "version": 1}
    skip = ("line", "action")
    keys = [record[spec.name].casefold() for record in result.records]
    ready = core.stored_rows(session, model, inserted, [tuple({**template, **record}[c] for c in inserted)
                                                        for record in result.records])
    existing = _existing(session, workspace_id, spec)  # the first statement: the write lock is held from here
    creates = [row for key, row in zip(keys, ready, strict=True) if key not in existing]
    updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}  # by the columns a row sets (a flag left open keeps its value)
    for key, record in zip(keys, result.records, strict=True):
        found = existing.get(key)
        if found:
            values = {c: v for c, v in record.items() if c not in skip}
            updates.setdefault(tuple(values), []).append({**{f"v_{c}": v for c, v in values.items()}, "row_id": found[0]})
    core.fast_insert(session, model, inserted, creates, workspace_id=workspace_id)
    table = model.__table__
    for columns, rows in updates.items():
        session.execute(update(table).where(table.c.id == bindparam("row_id"), table.c.workspace_id == workspace_id)
                        .values(**{c: bindparam(f"v_{c}") for c in columns}, version=table.c.version + 1, updated_at=now),
                        rows)
    updated = sum(len(rows) for rows in updates.values())
    audit.record(session, workspace_id, "", "import", model.__tablename__, None,
                 f"{len(creates)} created, {updated} updated", None, {"created": len(creates), "updated": updated})
    return result


def import_rows(session: Session, workspace_id: int, kind: str, data: bytes, filename: str = "", *,
                encoding: str = "auto", sheet: str | None = None) -> SheetImport:
    """Check and write in the caller's unit of work (scripts and tests; pages preview first, then :func:`write_rows`)."""
    return write_rows(session, workspace_id, preview(session, workspace_id, kind, data, filename, encoding=encoding,
                                                     sheet=sheet))
