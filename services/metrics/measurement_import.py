"""Measurements from a CSV or Excel file: read and check outside any write, then add them in one short write.

:func:`plan_import` reads the file with the one tabular reader (:mod:`services.core.tabular`: encoding,
separator, header names, row limit) and checks every line; it writes nothing and holds no write lock.
:func:`write_measurements` adds a checked plan's rows in one ``executemany`` (all or none);
:func:`import_measurements` does both in one call (scripts and tests).
"""

import dataclasses
import itertools
import re
from array import array
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from models import Measurement, Metric
from models.base import utcnow
from services import core
from services.core import N_, DomainError, Problem, ProblemLog, Problems, Table

# Column names the header may use; German ones too, since a German team's spreadsheet speaks German.
COLUMNS = core.Columns({
    "metric": ("metrik", "kennzahl", "kpi", "indikator", "indicator", "name"),
    "date": ("datum", "measured_on", "messdatum", "stichtag", "tag", "day", "gemessen am"),
    "value": ("wert", "messwert", "ergebnis", "result", "amount"),
    "note": ("notiz", "bemerkung", "kommentar", "anmerkung", "comment", "remark"),
}, required=("metric", "date", "value"))
COLUMNS = core.Columns({c: (*names, *core.labels.header_names(c)) for c, names in COLUMNS.names.items()},
                       required=COLUMNS.required)  # and the spreadsheet export's headers in either language
IMPORT_COLUMNS: dict[str, tuple[str, ...]] = COLUMNS.names
REQUIRED_COLUMNS = COLUMNS.required
SEPARATORS = core.tabular.SEPARATORS
LIMITS = core.Limits(rows=1_000_000, megabytes=64)  # server.maxUploadSize is 64 MB
NO_ROWS = N_("The file has no measurements below its header.")

# A number with one decimal separator (point or comma) — that one is always the decimal separator —
# or with thousands grouped by the other one ("1.234,5", "1,234.5"). Nothing else: "1e3", "nan", "12 %".
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")
_GROUPED_BY_POINT = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d*)?")
_GROUPED_BY_COMMA = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_SPACES = re.compile(r"[\s\u00a0\u202f']")
_WHOLE = re.compile(r"\d+")
_SIGNED_WHOLE = re.compile(r"[+-]?\d+")


def parse_number(text: str) -> float | None:
    """A number as people type it in German or English spreadsheets, or None."""
    value = _SPACES.sub("", text)
    if _PLAIN_NUMBER.fullmatch(value):
        return float(value.replace(",", "."))
    if _GROUPED_BY_POINT.fullmatch(value):
        return float(value.replace(".", "").replace(",", "."))
    if _GROUPED_BY_COMMA.fullmatch(value):
        return float(value.replace(",", ""))
    return None


def parse_iso_date(text: str) -> date | None:
    """An ISO 8601 date ("2024-03-31", "20240331", "2024-W13-7"; a date-time keeps its date), or None."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(value).date() if len(value) > 10 else None
    except ValueError:
        return None


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do: the measurements to add, and every problem found (then nothing is added)."""

    rows: pd.DataFrame  # line, metric_id, metric, measured_on (date), value, note
    problems: tuple[Problem, ...] = ()
    separator: str = ","
    metrics_before: dict[int, int] = dataclasses.field(default_factory=dict)  # metric id → measurements it has now
    encoding: str | None = None
    sheet: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.rows.empty

    def summary(self) -> pd.DataFrame:
        """Per metric: how many measurements the import adds, from when to when, and how many it has now."""
        columns = ["metric_id", "metric", "added", "first", "last", "before"]
        if self.rows.empty:
            return pd.DataFrame(columns=columns)
        grouped = (
            self.rows.groupby(["metric_id", "metric"], sort=False)
            .agg(added=("line", "size"), first=("measured_on", "min"), last=("measured_on", "max"))
            .reset_index()
        )
        grouped["before"] = grouped["metric_id"].map(self.metrics_before).fillna(0).astype(int)
        return grouped.sort_values("metric", key=lambda s: s.str.lower(), kind="stable")[columns].reset_index(drop=True)


_ROW_COLUMNS = ["line", "metric_id", "metric", "measured_on", "value", "note"]


def plan_import(session: Session, workspace_id: int, data: bytes | str | Table, *, filename: str = "",
                encoding: str = "auto", sheet: str | None = None, progress: Any = None) -> ImportPlan:
    """Read a file of measurements (``metric, date, value[, note]``) and check every line; writes nothing.

    - CSV or Excel; the encoding, separator and header names as :mod:`services.core.tabular` reads them.
    - ``metric`` is a metric's name in this workspace (exact, else ignoring case); ``date`` ISO 8601;
      ``value`` with a decimal point or comma (see :func:`parse_number`); ``note`` optional.
    - A line is bad when its metric is unknown, its date or value cannot be read, the metric already
      has a measurement on that date, or an earlier line of the file has the same metric and date.
      Empty lines are skipped. Line numbers are the file's (the header is line 1).
    - ``progress(fraction)`` is called now and then for a long file.

    Three queries: the workspace's metric names, the measurements the metrics have, the dates taken.
    """
    empty = pd.DataFrame(columns=_ROW_COLUMNS)
    try:
        table = data if isinstance(data, Table) else core.read_table(
            data, filename, limits=LIMITS, encoding=encoding, sheet=sheet, wanted=core.labels.sheet_names("measurements"))
        positions, header_problems = COLUMNS.match(table.header, table.header_line)
    except Problems as exc:
        return ImportPlan(empty, tuple(exc.problems))
    facts = {"separator": table.separator or ",", "encoding": table.encoding, "sheet": table.sheet}
    if header_problems:
        return ImportPlan(empty, tuple(header_problems), **facts)
    problems = ProblemLog()
    try:
        rows = _parse(table, positions, _metric_names(session, workspace_id), problems, progress)
    except Problems as exc:  # more rows than allowed, a broken line
        return ImportPlan(empty, tuple(exc.problems), **facts)
    if rows.empty and not problems:
        return ImportPlan(empty, (Problem(None, None, DomainError(NO_ROWS)),), **facts)
    before = _measurement_counts(session, rows)
    problems.extend(_duplicates(session, rows))
    return ImportPlan(rows.drop(columns="day"), tuple(problems.result(sort=True)), metrics_before=before, **facts)


def _metric_names(session: Session, workspace_id: int) -> dict[str, tuple[int, str]]:
    """Name (exact, and case-folded when unambiguous) → (metric id, name)."""
    found = session.exec(select(Metric.id, Metric.name).where(Metric.workspace_id == workspace_id)).all()
    by_name: dict[str, tuple[int, str]] = {}
    folded: dict[str, list[tuple[int, str]]] = {}
    for metric_id, name in found:
        by_name[name] = (metric_id, name)
        folded.setdefault(name.casefold(), []).append((metric_id, name))
    for key, matches in folded.items():
        if len(matches) == 1:
            by_name.setdefault(key, matches[0])
    return by_name


def _parse(table: Table, positions: dict[str, int], metric_ids: dict[str, tuple[int, str]], problems: ProblemLog,
           progress: Any) -> pd.DataFrame:
    """Every line checked; the good ones as columns (compact arrays, not a dict per row)."""
    lines, ids, values, ordinals = array("q"), array("q"), array("d"), array("q")
    names: list[str] = []
    days: list[date] = []
    notes: list[str] = []
    width = max(positions.values()) + 1
    m, d, v = positions["metric"], positions["date"], positions["value"]
    n = positions.get("note")
    comma = table.separator == ","
    date_cache: dict[str, date | None] = {}
    for line, cells in core.progressing(table.rows, table.lines, progress):
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            message = (
                N_("Too many values: {found} instead of {expected}. A decimal comma in a comma-separated file must be "
                   "in quotes, or use ; as separator.")
                if comma else N_("Too many values: {found} instead of {expected}."))
            problems.add(Problem(line, None, DomainError(message, found=len(cells), expected=width)))
            continue
        cells = core.padded(cells, width)
        name, day_text, value_text = cells[m].strip(), cells[d].strip(), cells[v].strip()
        note = core.tabular.unneutralise(cells[n].strip()) if n is not None else ""
        metric = metric_ids.get(name) or metric_ids.get(name.casefold())
        day = date_cache.get(day_text) if day_text in date_cache else date_cache.setdefault(day_text, parse_iso_date(day_text))
        value = parse_number(value_text) if value_text else None
        if metric is not None and day is not None and value is not None and not (
                comma and n is not None and _WHOLE.fullmatch(note) and _SIGNED_WHOLE.fullmatch(value_text)):
            lines.append(line)
            ids.append(metric[0])
            names.append(metric[1])
            days.append(day)
            ordinals.append(day.toordinal())
            values.append(value)
            notes.append(note)
            continue
        for error in _line_errors(name, metric, day_text, day, value_text, value, comma and n is not None, note):
            problems.add(Problem(line, None, error))
    # One array per column, not consolidated into blocks (copy=False): a million rows built the frame twice over.
    columns = {"line": np.frombuffer(lines, dtype=np.int64), "metric_id": np.frombuffer(ids, dtype=np.int64),
               "metric": _objects(names), "measured_on": _objects(days), "value": np.frombuffer(values, dtype=np.float64),
               "note": _objects(notes), "day": np.frombuffer(ordinals, dtype=np.int64)}
    return pd.DataFrame(columns, columns=[*_ROW_COLUMNS, "day"], copy=False)


def _objects(values: list[Any]) -> np.ndarray:
    """The list as an object column, emptied at once so the two do not both hold a million pointers for long."""
    column = np.empty(len(values), dtype=object)
    column[:] = values
    values.clear()
    return column


def _line_errors(name: str, metric: Any, day_text: str, day: date | None, value_text: str, value: float | None,
                 note_after_comma: bool, note: str) -> list[DomainError]:
    errors: list[DomainError] = []
    if not name:
        errors.append(DomainError(N_("The metric is missing.")))
    elif metric is None:
        errors.append(DomainError(N_("Unknown metric “{name}”: no metric of this workspace has that name."), name=name[:80]))
    if not day_text:
        errors.append(DomainError(N_("The date is missing.")))
    elif day is None:
        errors.append(DomainError(N_("“{value}” is not a date in ISO 8601 form (YYYY-MM-DD)."), value=day_text[:40]))
    if not value_text:
        errors.append(DomainError(N_("The value is missing.")))
    elif value is None:
        errors.append(DomainError(N_("“{value}” is not a number."), value=value_text[:40]))
    elif note_after_comma and _WHOLE.fullmatch(note) and _SIGNED_WHOLE.fullmatch(value_text):
        # "NPS,2024-03-31,3,5" is 3 with the note "5" — or an unquoted 3,5. Refuse to guess.
        errors.append(DomainError(N_("Ambiguous: is the value {whole},{fraction}? A decimal comma in a comma-separated "
                                     "file must be in quotes, or use ; as separator."), whole=value_text, fraction=note))
    return errors


def _measurement_counts(session: Session, rows: pd.DataFrame) -> dict[int, int]:
    if rows.empty:
        return {}
    ids = sorted({int(i) for i in rows["metric_id"].unique()})
    found = session.exec(
        select(Measurement.metric_id, func.count(Measurement.id))
        .where(col(Measurement.metric_id).in_(ids))
        .group_by(Measurement.metric_id)
    ).all()
    return {int(metric_id): int(count) for metric_id, count in found}


def _duplicates(session: Session, rows: pd.DataFrame) -> list[Problem]:
    """Lines whose metric and date repeat an earlier line, or a measurement already stored (one query)."""
    if rows.empty:
        return []
    problems: list[Problem] = []
    first_line = rows.groupby(["metric_id", "day"], sort=False)["line"].transform("min")
    repeated = rows["line"] != first_line
    for line, earlier in zip(rows.loc[repeated, "line"], first_line[repeated], strict=True):
        problems.append(Problem(int(line), None, DomainError(
            N_("Duplicate of line {other}: the same metric and date appear twice in the file."), other=int(earlier))))
    ids = sorted({int(i) for i in rows["metric_id"].unique()})
    stored = pd.DataFrame(session.exec(
        select(Measurement.metric_id, Measurement.measured_on).where(
            col(Measurement.metric_id).in_(ids),
            col(Measurement.measured_on) >= date.fromordinal(int(rows["day"].min())),
            col(Measurement.measured_on) <= date.fromordinal(int(rows["day"].max())),
        )
    ).all(), columns=["metric_id", "measured_on"])
    if stored.empty:
        return problems
    stored["day"] = [d.toordinal() for d in stored["measured_on"]]
    clash = rows[~repeated].merge(stored[["metric_id", "day"]], on=["metric_id", "day"])
    for line, metric, day in zip(clash["line"], clash["metric"], clash["measured_on"], strict=True):
        problems.append(Problem(int(line), None, DomainError(
            N_("“{metric}” already has a measurement on {date}: the import only adds new dates."),
            metric=metric, date=day.isoformat())))
    return problems


_WRITE_COLUMNS = ("metric_id", "measured_on", "value", "note", "created_at", "updated_at", "version")


def write_measurements(session: Session, workspace_id: int, plan: ImportPlan) -> int:
    """Add a checked plan's measurements in the caller's unit of work: one ``executemany``, all or none.

    The rows are made ready before the first statement, so the write lock is held only for the insert.
    A date taken since the plan was made (a colleague typed it in) is refused by the database's unique
    index; the lines are then found again and reported. Raises :class:`Problems` for a plan with problems.
    """
    if plan.problems:
        raise Problems(plan.problems)
    if plan.rows.empty:
        raise Problems([Problem(None, None, DomainError(NO_ROWS))])
    now = utcnow()
    frame = plan.rows.sort_values(["metric_id", "measured_on"], kind="stable")  # the unique index fills in order
    stored_on = {day: text for day, text in zip(*_day_texts(session, frame["measured_on"].unique()), strict=True)}
    created = core.stored_rows(session, Measurement, ("created_at",), [(now,)])[0][0]

    def rows() -> Any:  # converted chunk by chunk while written: memory stays bounded
        for start in range(0, len(frame), core.rows_chunk()):
            part = frame.iloc[start:start + core.rows_chunk()]
            yield from zip(part["metric_id"].tolist(), [stored_on[d] for d in part["measured_on"]], part["value"].tolist(),
                           part["note"].tolist(), itertools.repeat(created), itertools.repeat(created),
                           itertools.repeat(1))

    try:
        with session.begin_nested():
            count = core.fast_insert(session, Measurement, _WRITE_COLUMNS, rows(), workspace_id=workspace_id)
    except core.Forbidden:
        raise
    except (DomainError, IntegrityError):
        metric_ids = _metric_names(session, workspace_id)
        known = {metric_id for metric_id, _name in metric_ids.values()}
        gone = [Problem(int(line), None, DomainError(N_("Unknown metric “{name}”: no metric of this workspace has that name."),
                                                     name=name))
                for line, metric_id, name in zip(plan.rows["line"], plan.rows["metric_id"], plan.rows["metric"], strict=True)
                if int(metric_id) not in known]
        rows_frame = plan.rows.assign(day=[d.toordinal() for d in plan.rows["measured_on"]])
        raise Problems(gone or _duplicates(session, rows_frame)
                       or [Problem(None, None, DomainError(N_("The measurements changed meanwhile: check the file again.")))]
                       ) from None
    return count


def _day_texts(session: Session, days: Any) -> tuple[list[date], list[Any]]:
    days = list(days)
    return days, [row[0] for row in core.stored_rows(session, Measurement, ("measured_on",), [(d,) for d in days])]


def import_measurements(session: Session, workspace_id: int, data: bytes | str, **options: Any) -> int:
    """Check the file in the caller's unit of work and add all its measurements, or none (:class:`Problems`)."""
    return write_measurements(session, workspace_id, plan_import(session, workspace_id, data, **options))
