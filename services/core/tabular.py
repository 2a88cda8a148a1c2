"""One reader for every tabular import (CSV and Excel): personas, touchpoints, content items,
measurements and Kano answers go through it, so they share one encoding rule, one header matcher,
one row limit rule and one list of problems.

Reading (:func:`read_table`)
    The file's bytes become a :class:`Table`: its header cells and an *iterator* of
    ``(line, cells)`` below it, so a million-row file is never held as a million lists.

    - **Encoding** (:func:`decode`): a UTF-8 BOM or valid UTF-8 is UTF-8; UTF-16 with a BOM is
      UTF-16; anything else is Windows-1252 — what Excel on Windows writes as "ANSI" and what a
      browser reads for the label "latin-1" (byte 0x96 is an en dash, not a control character).
      A hand-picked "Latin-1" therefore means Windows-1252 too. A file that holds UTF-8 sequences
      *and* bytes that are no UTF-8 (two files pasted together) is refused with its first bad
      line instead of being read as "JÃ¼rgen"; so is a file valid in neither encoding.
    - **Separator**: ``;``, tab or ``,`` — the one the header line uses most.
    - **Any field length** (up to the file's size): the csv module's 128 KB field limit is raised.
    - **Refused as a whole**: an empty file, a file of separators only, more rows than the kind
      allows (:class:`Limits`), a file larger than its byte limit.
    - Excel: :func:`check_xlsx` counts the zip's entries and adds up their sizes before any XML is
      parsed (zip bombs); openpyxl parses with defusedxml (no external entities, no entity bombs).

Header matching (:class:`Columns`, :func:`normalise`)
    Each import kind declares its columns once, with their English and German names. A header
    cell matches when it equals a name after :func:`normalise`: case, spacing, underscores,
    hyphens and dots, units and symbols (``%``, ``€``, ``(Jahre)``, ``[EUR]``, ``in €``) and a
    leading ``'`` (formula neutralising) do not count. ``Columns.table()`` lists them for the UI.

No Streamlit here.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import defusedxml  # noqa: F401 - openpyxl uses it for every XML part when it is installed
import openpyxl
import openpyxl.xml

from services.core.errors import N_, DomainError, Problem, Problems

MB = 1024 * 1024
MAX_XLSX_UNPACKED = 100 * MB
MAX_XLSX_ENTRIES = 2_000
ENCODINGS = ("auto", "utf-8", "cp1252", "latin-1")
SEPARATORS = (";", "\t", ",")
# What a spreadsheet may run as a formula when a text cell starts with it (OWASP ASVS 5.0, 1.2.10): these signs,
# also after blanks (a reader that trims, a non-breaking space) and as the full-width or small forms an East Asian
# spreadsheet takes for the same sign (``＝``, ``﹦``, ``＋``, ``－``, ``＠`` …: NFKC makes them ``=+-@``), and a
# leading tab, carriage return, line feed or NUL (:func:`is_formula`).
FORMULA_START = "=+-@\t\r\n\0"
FORMULA_SIGNS = frozenset("=+-@\u2212")  # after NFKC; U+2212 is the minus sign
IMPORT_REFUSED = N_("Nothing was imported: {count} problems were found.")

# A field may be as long as the file: a persona's 200 KB biography must come back in.
csv.field_size_limit(1 << 30)


@dataclass(frozen=True)
class Limits:
    """How much one import of a kind may hold; both are stated in the UI next to the uploader."""

    rows: int
    megabytes: int

    @property
    def bytes(self) -> int:
        return self.megabytes * MB


def refuse(message: str, **params: Any) -> Problems:
    """A whole file refused: one problem without a line."""
    return Problems([Problem(None, None, DomainError(message, **params))], IMPORT_REFUSED)


def refuse_at(at: int, message: str, **params: Any) -> Problems:
    return Problems([Problem(at, None, DomainError(message, **params))], IMPORT_REFUSED)


# --- header names ---------------------------------------------------------------------------------

_UNIT_IN = re.compile(r"\s+in\s+(%|€|\$|£|eur|euro|usd|chf|prozent|percent|tagen|days|jahren|years|stück|stk)\s*$")
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_SYMBOLS = re.compile(r"[%€$£#°*:?!\"'`´’“”„]+")
_SEPARATING = re.compile(r"[\s_\-./\\|,;+&]+")


def normalise(text: str) -> str:
    """A header cell as compared: ``"Anteil Kunden (%)"`` → ``"anteilkunden"``, ``"Alter (Jahre)"`` → ``"alter"``,
    ``"cost_per_contact in €"`` → ``"costpercontact"``."""
    name = unneutralise(text.strip().removeprefix("\ufeff")).strip().removeprefix("\ufeff").casefold().replace("ß", "ss")
    name = _UNIT_IN.sub("", name)
    name = _BRACKETS.sub(" ", name)
    name = _SYMBOLS.sub(" ", name)
    return _SEPARATING.sub("", name)


def is_formula(text: str) -> bool:
    """Whether a spreadsheet could read this text cell as a formula: it starts with a tab, carriage return, line
    feed or NUL, or its first character after blanks and invisible ones (spaces of any width, non-breaking spaces,
    zero-width and bidi marks) is ``=``, ``+``, ``-``, ``@`` or a full-width, small or typographic form of them."""
    if not text:
        return False
    if text[0] in FORMULA_START:
        return True
    for character in text:
        if character.isspace() or unicodedata.category(character) in ("Cc", "Cf"):
            continue
        return unicodedata.normalize("NFKC", character)[:1] in FORMULA_SIGNS
    return False


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet could run as a formula (:func:`is_formula`) with a leading ``'``; any other value
    as it is. The one neutralising rule of every tabular export (CSV, Excel); :func:`unneutralise` undoes it."""
    if isinstance(value, str) and is_formula(value):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """Take off the ``'`` that :func:`neutralise` puts before a cell a spreadsheet would run as a formula."""
    return text[1:] if text[:1] == "'" and is_formula(text[1:]) else text


@dataclass(frozen=True)
class Columns:
    """The columns an import kind reads: column → its names (English first, then German and others).

    ``required``: columns the header must have; ``ignored``: columns an export writes that this
    import reads past (computed ones). Declared once per kind; :meth:`match` and :meth:`table` use it.
    """

    names: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    ignored: tuple[str, ...] = ()
    _lookup: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for column, aliases in self.names.items():
            for alias in (column, *aliases):
                self._lookup.setdefault(normalise(alias), column)
        for column in self.ignored:
            self._lookup.setdefault(normalise(column), column)

    def column_of(self, header: str) -> str | None:
        return self._lookup.get(normalise(header))

    def match(self, header: list[str], line: int = 1) -> tuple[dict[str, int], list[Problem]]:
        """Column → position in ``header``; problems for unknown, repeated or missing columns."""
        positions: dict[str, int] = {}
        problems: list[Problem] = []
        known = ", ".join(self.names)
        for index, raw in enumerate(header):
            shown = raw.strip()[:60]
            if not normalise(raw):
                continue
            column = self.column_of(raw)
            if column is None:
                problems.append(Problem(line, shown, DomainError(
                    N_("Unknown column “{name}”. The columns are: {columns}."), name=shown, columns=known)))
            elif column in positions:
                problems.append(Problem(line, shown, DomainError(N_("The column “{name}” appears twice."), name=shown)))
            elif column not in self.ignored:
                positions[column] = index
        for column in self.required:
            if column not in positions:
                problems.append(Problem(line, column, DomainError(
                    N_("The column “{name}” is missing: the first line must name the columns ({columns})."),
                    name=column, columns=known)))
        return positions, problems

    def table(self) -> list[tuple[str, str, bool]]:
        """(column, the other names it is known by, required) — for the UI's "column names" list."""
        return [(column, ", ".join(aliases), column in self.required) for column, aliases in self.names.items()]


# --- encodings ------------------------------------------------------------------------------------

# A character beyond ASCII that decoded as UTF-8 (bytes that are no UTF-8 become U+FFFD): the file holds UTF-8 text.
_UTF8_TEXT = re.compile("[^\x00-\x7f\ufffd]")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """The text and the encoding used (``utf-8``, ``utf-16`` or ``cp1252``); see the module's rule."""
    if encoding not in ENCODINGS:
        raise refuse(N_("Unknown encoding “{encoding}”."), encoding=encoding)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) and encoding == "auto":
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise refuse(N_("The file cannot be read as UTF-16.")) from None
    if encoding in ("auto", "utf-8"):
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError as exc:
            bad = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
            if encoding == "utf-8":
                raise refuse_at(_line_of(data, bad), N_(
                    "The file is not UTF-8 text (line {line}): choose Windows-1252 (ANSI) or “detect”."),
                    line=_line_of(data, bad)) from None
            if data.startswith(b"\xef\xbb\xbf") or _UTF8_TEXT.search(data.decode("utf-8", errors="replace")):
                raise refuse_at(_line_of(data, bad), N_(
                    "The file mixes encodings: it holds UTF-8 text, but line {line} is not UTF-8 (perhaps two files "
                    "were pasted together). Save it again as “CSV UTF-8”."), line=_line_of(data, bad)) from None
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise refuse_at(_line_of(data, exc.start), N_(
            "The file is neither UTF-8 nor Windows-1252 text (line {line}). Save it as “CSV UTF-8”."),
            line=_line_of(data, exc.start)) from None


# --- tables ---------------------------------------------------------------------------------------


@dataclass
class Table:
    """A sheet or CSV file: its ``header`` cells (on ``header_line``) and the ``rows`` below as an
    iterator of (line number, cells). Blank rows are skipped; reading more than ``limit`` rows
    raises :class:`Problems`. ``count`` says how many rows were read so far."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    encoding: str | None = None
    separator: str | None = None
    sheet: str | None = None
    header_line: int = 1
    lines: int = 0  # about how many lines the file has (for progress)


def _limited(rows: Iterator[tuple[int, list[str]]], limit: int) -> Iterator[tuple[int, list[str]]]:
    count = 0
    for line, cells in rows:
        count += 1
        if count > limit:
            raise refuse_at(line, N_("The file has more than {max} rows: split it into smaller files."), max=f"{limit:,}")
        yield line, cells


LINES_CHUNK = 1 << 20  # characters


def _lines(text: str, chunk: int = LINES_CHUNK) -> Iterator[str]:
    """The text's lines with their endings, exactly as ``io.StringIO(text, newline="")`` gives them, through one
    StringIO per megabyte of text. A StringIO holds its text at four bytes a character (one over the whole 28 MB file
    of a million measurements took 114 MB). Chunks end after a ``\n``, so no line ending (``\r\n``) and no line is
    cut; a quoted field over several lines is joined by the CSV reader as before."""
    start = 0
    while start < len(text):
        end = text.find("\n", start + chunk)
        end = len(text) if end < 0 else end + 1
        yield from io.StringIO(text[start:end], newline="")
        start = end


def _csv_rows(text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(_lines(text), delimiter=separator)
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if any(c.strip() for c in cells):
                yield line, cells
    except csv.Error as exc:
        raise refuse_at(start, N_("Line {line} cannot be read as CSV ({detail})."), line=start, detail=str(exc)[:80]) from None


def read_csv(data: bytes | str, encoding: str = "auto", *, limit: int = 1_000_000) -> Table:
    if isinstance(data, str):
        text, used = data.removeprefix("\ufeff"), "utf-8"
    else:
        text, used = decode(data, encoding)
    first = next((line for line in _lines(text) if line.strip()), None)
    if first is None:
        raise refuse(N_("The file is empty."))
    separator = max(SEPARATORS, key=first.count) if any(s in first for s in SEPARATORS) else ","
    rows = _csv_rows(text, separator)
    found = next(rows, None)
    if found is None:
        raise refuse(N_("The file holds only separators and no values."))
    line, header = found
    return Table(header, _limited(rows, limit), used, separator, header_line=line, lines=text.count("\n") + 1)


def check_xlsx(data: bytes) -> None:
    """Refuse what is no xlsx, or would unpack to too much (a zip bomb), before any XML is parsed."""
    if not openpyxl.xml.DEFUSEDXML:
        raise refuse(N_("Excel files cannot be read safely here: the defusedxml package is missing."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise refuse(N_("This is not an Excel workbook (.xlsx).")) from None
    with archive:
        entries = archive.infolist()
        unpacked = sum(entry.file_size for entry in entries)
        if len(entries) > MAX_XLSX_ENTRIES:
            raise refuse(N_("The workbook holds {count} parts (more than {limit}): it is refused as a possible zip bomb."),
                         count=f"{len(entries):,}", limit=f"{MAX_XLSX_ENTRIES:,}")
        if unpacked > MAX_XLSX_UNPACKED:
            raise refuse(N_("The workbook would unpack to {size} MB (more than {limit} MB): it is refused as a possible "
                            "zip bomb. Save only the sheet you need."),
                         size=f"{unpacked / MB:,.0f}", limit=MAX_XLSX_UNPACKED // MB)
        if "xl/workbook.xml" not in archive.namelist():
            raise refuse(N_("This is not an Excel workbook (.xlsx)."))


def sheet_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _broken(exc: Exception) -> Problems:
    return refuse(N_("The workbook cannot be read: it is damaged, or its XML contains what is not allowed here "
                     "(such as external entities). ({detail})"), detail=type(exc).__name__)


def _sheet_rows(workbook: Any, worksheet: Any) -> Iterator[tuple[int, list[str]]]:
    try:
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = [sheet_text(v) for v in values]
            if any(c.strip() for c in cells):
                yield number, cells
    except Problems:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl and defusedxml raise many kinds for a broken or hostile file
        raise _broken(exc) from None
    finally:
        workbook.close()


def read_xlsx(data: bytes, sheet: str | None = None, *, wanted: str | tuple[str, ...] | None = None,
              limit: int = 1_000_000) -> Table:
    """The named sheet, else the first one called as ``wanted`` (a name or several), else the first; cells as text."""
    check_xlsx(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        names = workbook.sheetnames
        candidates = (wanted,) if isinstance(wanted, str) else wanted or ()
        name = sheet if sheet in names else next((w for w in candidates if w in names), names[0])
        worksheet = workbook[name]
        lines = worksheet.max_row or 0
        rows = _sheet_rows(workbook, worksheet)
        found = next(rows, None)
    except Problems:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _broken(exc) from None
    if found is None:
        raise refuse(N_("The file is empty."))
    line, header = found
    return Table(header, _limited(rows, limit), sheet=name, header_line=line, lines=lines)


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def read_table(data: bytes | str, filename: str = "", *, limits: Limits, encoding: str = "auto",
               sheet: str | None = None, wanted: str | tuple[str, ...] | None = None) -> Table:
    """The file as a :class:`Table` (CSV or Excel by name or content), or Problems refusing it whole."""
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > limits.bytes:
        raise refuse(N_("The file is larger than {limit} MB."), limit=limits.megabytes)
    if not data.strip():
        raise refuse(N_("The file is empty."))
    if isinstance(data, bytes) and is_xlsx(data, filename):
        return read_xlsx(data, sheet, wanted=wanted, limit=limits.rows)
    return read_csv(data, encoding, limit=limits.rows)


def padded(cells: list[str], width: int) -> list[str]:
    return cells + [""] * (width - len(cells)) if len(cells) < width else cells


MAX_PROBLEMS = 1_000


class ProblemLog:
    """The problems of one file, at most ``limit`` of them kept (a million bad rows must not fill the memory);
    :meth:`result` ends with one line saying how many more there were."""

    def __init__(self, limit: int = MAX_PROBLEMS) -> None:
        self.limit = limit
        self.items: list[Problem] = []
        self.more = 0

    def add(self, problem: Problem) -> None:
        if len(self.items) < self.limit:
            self.items.append(problem)
        else:
            self.more += 1

    def extend(self, problems: Any) -> None:
        for problem in problems:
            self.add(problem)

    def __len__(self) -> int:
        return len(self.items) + self.more

    def __bool__(self) -> bool:
        return bool(self.items)

    def result(self, *, sort: bool = False) -> list[Problem]:
        items = sorted(self.items, key=lambda p: p.line if isinstance(p.line, int) else 0) if sort else list(self.items)
        if self.more:
            items.append(Problem(None, None, DomainError(N_("… and {count} more problems."), count=f"{self.more:,}")))
        return items


Progress = Any  # a callable(fraction 0…1) or None


def progressing(rows: Iterator[tuple[int, list[str]]], total_lines: int, progress: Progress,
                every: int = 20_000) -> Iterator[tuple[int, list[str]]]:
    """``rows`` unchanged; every ``every`` rows ``progress(line / total_lines)`` is called (when given)."""
    if progress is None or total_lines <= 0:
        yield from rows
        return
    for count, (line, cells) in enumerate(rows, start=1):
        if count % every == 0:
            progress(min(1.0, line / total_lines))
        yield line, cells
