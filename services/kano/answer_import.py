"""Kano answers from a CSV or Excel file: read and check outside any write, then add them in one short write.

:func:`preview_answers_csv` reads the file with the one tabular reader (:mod:`services.core.tabular`)
and checks every row without writing; :func:`write_answers` stores a checked preview (new items and
every answer in one ``executemany``) or nothing; :func:`import_answers_csv` does both in one call.
"""

import itertools
import re
from array import array
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, col, select

from models import KanoAnswer, KanoItem
from models.base import utcnow
from services import core
from services.core import N_, Problem, ProblemLog, Problems, Table
from services.kano.crud import NAME_LENGTH, ROWS_REFUSED, _parse_answer, _problem, categories, create_kano_item

COLUMNS = core.Columns({
    "item": ("merkmal", "feature", "eigenschaft", "anforderung", "requirement", "funktion"),
    "functional": ("funktional", "functional question", "funktionale frage", "positiv", "positive"),
    "dysfunctional": ("dysfunktional", "dysfunctional question", "dysfunktionale frage", "negativ", "negative"),
    "respondent": ("befragte", "befragter", "befragte person", "teilnehmer", "teilnehmerin", "participant"),
}, required=("item", "functional", "dysfunctional"), ignored=("category", *core.labels.header_names("category")))
COLUMNS = core.Columns({c: (*names, *core.labels.header_names(c)) for c, names in COLUMNS.names.items()},
                       required=COLUMNS.required, ignored=COLUMNS.ignored)  # and the export's headers in either language
CSV_COLUMNS = COLUMNS.names
REQUIRED_COLUMNS = COLUMNS.required
IMPORT_COLUMNS = ["line", "item", "item_id", "functional", "dysfunctional", "respondent", "category"]
LIMITS = core.Limits(rows=1_000_000, megabytes=64)  # server.maxUploadSize is 64 MB
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class KanoImport:
    """What a file would add: ``rows`` (line, item, item_id — NA for an item to create —, functional,
    dysfunctional, respondent, category), the ``new_items`` it creates, and its ``problems``."""

    rows: pd.DataFrame
    new_items: tuple[str, ...]
    problems: tuple[Problem, ...]
    encoding: str | None = None
    separator: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.rows.empty


def _refused(problems: list[Problem], table: Table | None = None) -> KanoImport:
    return KanoImport(pd.DataFrame(columns=IMPORT_COLUMNS), (), tuple(problems),
                      table.encoding if table else None, table.separator if table else None)


def preview_answers_csv(session: Session, workspace_id: int, data: bytes | str, *, filename: str = "",
                        encoding: str = "auto", progress: Any = None) -> KanoImport:
    """Read a file of answers ``item, functional, dysfunctional[, respondent]`` without writing anything.

    CSV (any separator and encoding :mod:`services.core.tabular` reads) or Excel; answers as 1–5 or
    words (English or German, see :data:`~services.kano.crud.ANSWER_WORDS`). Items are matched by name
    (ignoring case); unknown names become new items. A row is refused with its line number when the item
    name is empty or too long, an answer is empty or not one of the five, it has more cells than the
    header, or the same respondent answered the same item before (in the file or already stored). Two queries.
    """
    try:
        table = core.read_table(data, filename, limits=LIMITS, encoding=encoding, wanted=core.labels.sheet_names("kano_answers"))
    except Problems as exc:
        return _refused([Problem(p.line or 1, p.column, p.error) for p in exc.problems])
    positions, header_problems = COLUMNS.match(table.header, table.header_line)
    if header_problems:
        return _refused(header_problems, table)
    problems = ProblemLog()
    try:
        frame = _parse(table, positions, _existing_items(session, workspace_id), problems, progress)
    except Problems as exc:
        return _refused(exc.problems, table)
    if not frame.empty:
        frame = _without_repeats(frame, _answered(session, workspace_id), problems)
    frame["category"] = categories(frame["functional"], frame["dysfunctional"]) if not frame.empty else []
    new_items = tuple(dict.fromkeys(frame.loc[frame["item_id"].isna(), "item"]))
    if frame.empty and not problems:
        problems.add(_problem(table.header_line + 1, N_("The file has no answers below its header.")))
    return KanoImport(frame, new_items, tuple(problems.result(sort=True)), table.encoding, table.separator)


def _parse(table: Table, positions: dict[str, int], existing: dict[str, tuple[int, str]], problems: ProblemLog,
           progress: Any) -> pd.DataFrame:
    """Every row checked; the good ones as columns (compact arrays, one name object per item)."""
    lines, functional, dysfunctional = array("q"), array("b"), array("b")
    items: list[str] = []
    item_ids: list[int | None] = []
    respondents: list[str] = []
    respondent_parts: list[Any] = []
    width = max(positions.values()) + 1
    i, f, d, r = positions["item"], positions["functional"], positions["dysfunctional"], positions.get("respondent")
    names: dict[str, tuple[str, int | None] | None] = {}
    functional_of: dict[str, int | None] = {}
    dysfunctional_of: dict[str, int | None] = {}
    for line, cells in core.progressing(table.rows, table.lines, progress):
        if len(cells) < width:
            cells = core.padded(cells, width)
        raw, f_text, d_text = cells[i], cells[f], cells[d]
        item = names[raw] if raw in names else _item(raw, existing, names)
        fa = functional_of[f_text] if f_text in functional_of else functional_of.setdefault(f_text, _answer(f_text))
        da = dysfunctional_of[d_text] if d_text in dysfunctional_of else dysfunctional_of.setdefault(d_text, _answer(d_text))
        if item is None or fa is None or da is None or (len(cells) > width and any(c.strip() for c in cells[width:])):
            problems.extend(_row_problems(line, cells, width, raw, f_text, d_text))
            continue
        lines.append(line)
        items.append(item[0])
        item_ids.append(item[1])
        functional.append(fa)
        dysfunctional.append(da)
        respondents.append(cells[r].strip() if r is not None else "")
        if len(respondents) == _TEXT_CHUNK:  # a million names as Python strings would be ~60 MB at once
            respondent_parts.append(pd.array(respondents, dtype="str"))
            respondents.clear()
    # One array per column, not consolidated into blocks (copy=False): a million rows built the frame twice over.
    frame = pd.DataFrame({"line": np.frombuffer(lines, dtype=np.int64), "item": items,
                          "item_id": pd.array(item_ids, dtype="Int64"),
                          "functional": np.frombuffer(functional, dtype=np.int8).astype(np.int64),
                          "dysfunctional": np.frombuffer(dysfunctional, dtype=np.int8).astype(np.int64),
                          "respondent": _joined([*respondent_parts, pd.array(respondents, dtype="str")])},
                         columns=IMPORT_COLUMNS[:-1], copy=False)
    return frame


_TEXT_CHUNK = 100_000


def _joined(parts: list[Any]) -> Any:
    """One text column from the chunks it was converted in."""
    return parts[0] if len(parts) == 1 else pd.concat([pd.Series(p, copy=False) for p in parts], ignore_index=True).array


def _answer(text: str) -> int | None:
    return _parse_answer(text, "", 0, [])


def _item(raw: str, existing: dict[str, tuple[int, str]], names: dict[str, tuple[str, int | None] | None]
          ) -> tuple[str, int | None] | None:
    """(name as stored or as written, id or None for a new item); None for an empty or too long name."""
    name = _SPACES.sub(" ", core.tabular.unneutralise(raw.strip())).strip()
    stored = existing.get(name.casefold())
    names[raw] = None if not name or len(name) > NAME_LENGTH else (stored[1], stored[0]) if stored else (name, None)
    return names[raw]


def _row_problems(line: int, cells: list[str], width: int, raw: str, f_text: str, d_text: str) -> list[Problem]:
    found: list[Problem] = []
    if any(c.strip() for c in cells[width:]):
        found.append(_problem(line, N_("The line has {count} cells, the header only {width}."),
                              {"count": len(cells), "width": width}))
    name = _SPACES.sub(" ", raw).strip()
    if not name:
        found.append(_problem(line, N_("The item name is empty."), field="item"))
    elif len(name) > NAME_LENGTH:
        found.append(_problem(line, N_("The item name is longer than {max} characters."), {"max": NAME_LENGTH}, "item"))
    _parse_answer(f_text, "functional", line, found)
    _parse_answer(d_text, "dysfunctional", line, found)
    return found


def _without_repeats(frame: pd.DataFrame, answered: set[tuple[str, str]], problems: ProblemLog) -> pd.DataFrame:
    """Refuse a second answer of one respondent to one item (in the file, or one already stored)."""
    named = frame["respondent"] != ""
    item_codes, item_names = _lowered_codes(frame["item"])
    respondent_codes, respondent_names = _lowered_codes(frame["respondent"])
    keys = item_codes * np.int64(len(respondent_names) + 1) + respondent_codes  # one integer per (item, respondent)
    repeated = named & pd.Series(keys).duplicated(keep="first").to_numpy()
    if repeated.any():
        first = frame["line"].groupby(keys).transform("min")
        for line, respondent, item, other in zip(frame.loc[repeated, "line"], frame.loc[repeated, "respondent"],
                                                 frame.loc[repeated, "item"], first[repeated], strict=True):
            problems.add(_problem(int(line), N_("{respondent} already answered “{item}” in line {other}."),
                                  {"respondent": respondent, "item": item, "other": int(other)}))
    stored = pd.Series(False, index=frame.index)
    if answered:
        known = np.asarray([(item_names[i], respondent_names[r]) in answered for i, r in zip(item_codes, respondent_codes,
                                                                                          strict=True)])
        stored = named & ~repeated & known
        for line, respondent, item in zip(frame.loc[stored, "line"], frame.loc[stored, "respondent"],
                                          frame.loc[stored, "item"], strict=True):
            problems.add(_problem(int(line), N_("{respondent} has already answered “{item}”: this row would count twice."),
                                  {"respondent": respondent, "item": item}))
    dropped = repeated | stored
    return frame[~dropped].reset_index(drop=True) if dropped.any() else frame  # no copy of a million good rows


def _lowered_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Each row's number among the column's distinct lower-case values, and those values: the values are
    lowered once each, not once per row (a million lowered names were ~90 MB at once)."""
    codes, uniques = pd.factorize(column)
    lowered_codes, lowered = pd.factorize(pd.Index(uniques).str.lower())
    return lowered_codes[codes].astype(np.int64, copy=False), list(lowered)


def _existing_items(session: Session, workspace_id: int) -> dict[str, tuple[int, str]]:
    """case-folded name → (id, name as stored)."""
    rows = session.exec(select(KanoItem.id, KanoItem.name).where(KanoItem.workspace_id == workspace_id)).all()
    return {name.casefold(): (item_id, name) for item_id, name in rows}


def _answered(session: Session, workspace_id: int) -> set[tuple[str, str]]:
    """(item name, respondent), both lower case, of the stored answers that name a respondent."""
    rows = session.exec(
        select(KanoItem.name, KanoAnswer.respondent).join(*core.via(KanoAnswer)[0])
        .where(KanoItem.workspace_id == workspace_id, col(KanoAnswer.respondent) != "")
    ).all()
    return {(name.lower(), respondent.strip().lower()) for name, respondent in rows}


_WRITE_COLUMNS = ("kano_item_id", "respondent", "functional", "dysfunctional", "created_at", "updated_at", "version")


def write_answers(session: Session, workspace_id: int, preview: KanoImport) -> KanoImport:
    """Store a checked preview in the caller's unit of work: its new items, then every answer in one
    ``executemany`` — or nothing (:class:`Problems`). The rows are made ready before the first statement,
    so the write lock is held only for the writes. Returns the preview."""
    if preview.problems:
        raise Problems(list(preview.problems), ROWS_REFUSED)
    if preview.rows.empty:
        raise Problems([_problem(2, N_("The file has no answers below its header."))], ROWS_REFUSED)
    rows = preview.rows
    names = pd.Categorical(rows["item"])
    codes = names.codes
    created = core.stored_rows(session, KanoAnswer, ("created_at",), [(utcnow(),)])[0][0]
    existing = _existing_items(session, workspace_id)  # the first statement: the write lock is held from here
    ids = []
    for name in names.categories:
        found = existing.get(name.casefold())
        ids.append(found[0] if found else create_kano_item(session, workspace_id, {"name": name}).id)
    item_ids = np.asarray(ids, dtype=np.int64)
    step = core.rows_chunk()

    def answers() -> Any:  # made chunk by chunk while written: memory stays bounded
        for start in range(0, len(rows), step):
            end = start + step
            yield from zip(item_ids[codes[start:end]].tolist(), rows["respondent"].iloc[start:end].tolist(),
                           rows["functional"].iloc[start:end].tolist(), rows["dysfunctional"].iloc[start:end].tolist(),
                           itertools.repeat(created), itertools.repeat(created), itertools.repeat(1))

    core.fast_insert(session, KanoAnswer, _WRITE_COLUMNS, answers(), workspace_id=workspace_id)
    return preview


def import_answers_csv(session: Session, workspace_id: int, data: bytes | str, **options: Any) -> KanoImport:
    """Check the file in the caller's unit of work and store it: new items and every answer, or — with any
    bad row — nothing (``Problems`` carries the problems). Returns what was imported."""
    return write_answers(session, workspace_id, preview_answers_csv(session, workspace_id, data, **options))

