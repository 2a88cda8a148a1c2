"""Kano survey items, their answers, and the Kano evaluation (article 001).

Each answer is a respondent's pair: how they feel if the feature is there
(functional) and if it is missing (dysfunctional), 1 = like … 5 = dislike
(``models.kano.KANO_ANSWERS``). :func:`classify` reads a pair with the standard
evaluation table (Berger et al. 1993); :func:`evaluate` counts the categories per
item and derives the satisfaction coefficients. Answers come in one by one, from
the page's table, or from a CSV file (:func:`preview_answers_csv`, then
:func:`import_answers_csv`: all rows or none).
"""

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from models import Journey, KanoAnswer, KanoItem
from models.kano import KANO_ANSWERS
from services import core
from services.core import N_, DomainError, Problem, Problems

KANO_ITEM_FIELDS = ("name", "description", "journey_id")



def answer_value(answer: int | str, field: str) -> int:
    """1…5 from a number or an answer code (``"like"`` … ``"dislike"``), so imports may use either."""
    if isinstance(answer, str) and not answer.strip().lstrip("-").isdigit():
        code = answer.strip().lower()
        if code not in KANO_ANSWERS:
            raise DomainError(N_("Choose one of the offered answers."), field=field)
        return KANO_ANSWERS.index(code) + 1
    return answer  # type: ignore[return-value] - numbers are range-checked by the model (1–5)


def _check_journey(session: Session, workspace_id: int, values: dict[str, Any]) -> None:
    if values.get("journey_id") is not None:
        core.reference(
            session, Journey, values["journey_id"], workspace_id,
            field="journey_id", message=N_("Choose a journey from this workspace."),
        )


def get_kano_item(session: Session, workspace_id: int, item_id: int) -> KanoItem:
    return core.get(session, KanoItem, item_id, workspace_id)


def list_kano_items(session: Session, workspace_id: int) -> list[KanoItem]:
    return list(session.exec(select(KanoItem).where(KanoItem.workspace_id == workspace_id).order_by(KanoItem.name)).all())


def create_kano_item(session: Session, workspace_id: int, data: dict[str, Any]) -> KanoItem:
    """A feature to survey; optionally tied to the journey it belongs to."""
    values = core.editable(data, KANO_ITEM_FIELDS)
    _check_journey(session, workspace_id, values)
    return core.create(session, KanoItem, {**values, "workspace_id": workspace_id})


def update_kano_item(
    session: Session, workspace_id: int, item_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> KanoItem:
    values = core.editable(changes, KANO_ITEM_FIELDS)
    _check_journey(session, workspace_id, values)
    return core.update(session, KanoItem, item_id, values, expected_version=expected_version, workspace_id=workspace_id)


def delete_kano_item(session: Session, workspace_id: int, item_id: int, *, expected_version: int | None = None) -> None:
    """Delete the item with all its answers."""
    core.delete(session, KanoItem, item_id, workspace_id=workspace_id, expected_version=expected_version)


# --- answers ------------------------------------------------------------------------------------


def get_kano_answer(session: Session, workspace_id: int, answer_id: int) -> KanoAnswer:
    return core.get_scoped(session, KanoAnswer, answer_id, workspace_id)


def add_kano_answer(
    session: Session, workspace_id: int, item_id: int, functional: int | str, dysfunctional: int | str, respondent: str = ""
) -> KanoAnswer:
    get_kano_item(session, workspace_id, item_id)
    return core.create(session, KanoAnswer, {
        "kano_item_id": item_id, "respondent": respondent,
        "functional": answer_value(functional, "functional"), "dysfunctional": answer_value(dysfunctional, "dysfunctional"),
    })


def delete_kano_answer(session: Session, workspace_id: int, answer_id: int, *, expected_version: int | None = None) -> None:
    get_kano_answer(session, workspace_id, answer_id)
    core.delete(session, KanoAnswer, answer_id, expected_version=expected_version)


def list_kano_answers(session: Session, workspace_id: int, *, item_id: int | None = None) -> pd.DataFrame:
    """Answers with the item's name and the answer codes beside the numbers, in one query."""
    query = (
        core.joined(
            select(
                KanoAnswer.id, KanoAnswer.kano_item_id, KanoItem.name.label("item"), KanoAnswer.respondent,
                KanoAnswer.functional, KanoAnswer.dysfunctional, KanoAnswer.created_at,
            ),
            *core.via(KanoAnswer),
        )
        .where(KanoItem.workspace_id == workspace_id)
        .order_by(KanoItem.name, KanoAnswer.id)
    )
    if item_id is not None:
        query = query.where(KanoAnswer.kano_item_id == item_id)
    result = session.exec(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    for column in ("functional", "dysfunctional"):
        frame[f"{column}_answer"] = [KANO_ANSWERS[v - 1] for v in frame[column]]
    return frame


# --- evaluation ---------------------------------------------------------------------------------

# A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable.
CATEGORIES = ("A", "O", "M", "I", "R", "Q")
# The standard Kano evaluation table (Berger et al. 1993): row = functional answer, column =
# dysfunctional answer, both in the order like, expect (must-be), neutral, tolerate (live with), dislike.
EVALUATION_TABLE = np.array([
    ["Q", "A", "A", "A", "O"],  # like
    ["R", "I", "I", "I", "M"],  # expect
    ["R", "I", "I", "I", "M"],  # neutral
    ["R", "I", "I", "I", "M"],  # tolerate
    ["R", "R", "R", "R", "Q"],  # dislike
])
# When two categories have the same count the more consequential one wins: a must-be that is
# missing hurts most, then one-dimensional, then attractive features (Berger et al.: M > O > A > I).
TIE_ORDER = ("M", "O", "A", "I", "R", "Q")
EVALUATION_COLUMNS = ["item_id", "item", "description", "journey_id", "answers", *CATEGORIES, "category", "better", "worse"]


def classify(functional: int | str, dysfunctional: int | str) -> str:
    """The category (A, O, M, I, R or Q) of one answer pair, given as 1–5 or answer words."""
    problems: list[Problem] = []
    f = _parse_answer(functional, "functional", 0, problems)
    d = _parse_answer(dysfunctional, "dysfunctional", 0, problems)
    if f is None or d is None:
        raise problems[0].error
    return str(EVALUATION_TABLE[f - 1, d - 1])


def categories(functional: pd.Series, dysfunctional: pd.Series) -> np.ndarray:
    """:func:`classify` for whole columns of valid answers (1–5), vectorised."""
    return EVALUATION_TABLE[functional.to_numpy(dtype=int) - 1, dysfunctional.to_numpy(dtype=int) - 1]


def coefficients(counts: pd.DataFrame) -> pd.DataFrame:
    """Better = (A+O)/(A+O+M+I) and worse = −(O+M)/(A+O+M+I) per row of category counts (NaN when the
    denominator is 0); reverse and questionable answers do not count."""
    total = (counts["A"] + counts["O"] + counts["M"] + counts["I"]).astype(float)
    denominator = total.where(total > 0)
    return pd.DataFrame({"better": (counts["A"] + counts["O"]) / denominator,
                         # + 0.0 turns −0.0 (no O or M answer) into 0.0
                         "worse": -(counts["O"] + counts["M"]) / denominator + 0.0}, index=counts.index)


def majority(counts: pd.DataFrame) -> pd.Series:
    """The most frequent category per row, ties broken by :data:`TIE_ORDER`; "" for a row without answers."""
    ordered = counts[list(TIE_ORDER)]
    return ordered.idxmax(axis=1).where(ordered.sum(axis=1) > 0, "")


def evaluate(session: Session, workspace_id: int) -> pd.DataFrame:
    """One row per Kano item (by name): number of answers, count per category, the category by majority
    and the coefficients. Items without answers have zero counts, category "" and NaN coefficients.
    One query; the counting is vectorised."""
    rows = core.read_frame(session, (
        select(KanoItem.id.label("item_id"), KanoItem.name.label("item"), KanoItem.description, KanoItem.journey_id,
               KanoAnswer.functional, KanoAnswer.dysfunctional)
        .outerjoin(KanoAnswer, KanoAnswer.kano_item_id == KanoItem.id)
        .where(KanoItem.workspace_id == workspace_id)
        .order_by(func.lower(KanoItem.name), KanoItem.id)
    ))
    items = rows.drop_duplicates("item_id")[["item_id", "item", "description", "journey_id"]].set_index("item_id")
    answered = rows.dropna(subset=["functional", "dysfunctional"])
    counts = (
        pd.crosstab(answered["item_id"], categories(answered["functional"], answered["dysfunctional"]))
        .reindex(index=items.index, columns=list(CATEGORIES), fill_value=0).fillna(0).astype(int)
    )
    result = items.join(counts)
    result["answers"] = counts.sum(axis=1)
    result["category"] = majority(counts)
    result = result.join(coefficients(counts))
    result["journey_id"] = result["journey_id"].astype("Int64")
    return result.reset_index()[EVALUATION_COLUMNS]


# --- answers from a table -----------------------------------------------------------------------


def _problem(line: int, message: str, params: dict[str, Any] | None = None, field: str | None = None) -> Problem:
    return Problem(line, field, DomainError(message, field=field, **(params or {})))


ROWS_REFUSED = N_("Nothing was saved: {count} rows have problems.")


def add_answers(session: Session, workspace_id: int, item_id: int, rows: list[dict[str, Any]]) -> int:
    """Add several answers to one item (from the page's table), all or none.

    ``rows``: dicts with functional, dysfunctional (1–5 or answer words) and respondent; rows with
    both answers empty are skipped. Every bad row is reported (``Problems``, line = row number
    from 1). Returns the number of answers added.
    """
    get_kano_item(session, workspace_id, item_id)
    problems: list[Problem] = []
    values = []
    for number, row in enumerate(rows, start=1):
        functional, dysfunctional = row.get("functional"), row.get("dysfunctional")
        if _blank(functional) and _blank(dysfunctional):
            continue
        answers = [_parse_answer(functional, "functional", number, problems),
                   _parse_answer(dysfunctional, "dysfunctional", number, problems)]
        if None not in answers:
            respondent = "" if _blank(row.get("respondent")) else str(row["respondent"]).strip()
            values.append({"kano_item_id": item_id, "respondent": respondent,
                           "functional": answers[0], "dysfunctional": answers[1]})
    if problems:
        raise Problems(problems, ROWS_REFUSED)
    core.bulk_insert(session, KanoAnswer, values)
    return len(values)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (not isinstance(value, str) and pd.isna(value))


# --- answers from CSV ---------------------------------------------------------------------------

# Words a survey export may use for the five answers, English and German (lower case, single spaces).
ANSWER_WORDS: dict[str, int] = {
    **{word: number for number, word in enumerate(KANO_ANSWERS, start=1)},
    "i like it": 1, "i like it that way": 1, "gefällt mir": 1, "das würde mich sehr freuen": 1, "würde mich freuen": 1,
    "must-be": 2, "must be": 2, "i expect it": 2, "it must be that way": 2, "setze ich voraus": 2,
    "das setze ich voraus": 2, "i am neutral": 3, "indifferent": 3, "ist mir egal": 3, "das ist mir egal": 3,
    "egal": 3, "live with": 4, "i can live with it": 4, "tolerate it": 4, "nehme ich hin": 4,
    "das nehme ich hin": 4, "das könnte ich in kauf nehmen": 4, "i dislike it": 5, "i dislike it that way": 5,
    "stört mich": 5, "das stört mich": 5, "das würde mich sehr stören": 5,
}
# Header names, English and German, for the four columns.
CSV_COLUMNS = {
    "item": ("item", "merkmal", "feature", "eigenschaft"),
    "functional": ("functional", "funktional"),
    "dysfunctional": ("dysfunctional", "dysfunktional"),
    "respondent": ("respondent", "befragte", "befragter", "befragte person"),
}
REQUIRED_COLUMNS = ("item", "functional", "dysfunctional")
IMPORT_COLUMNS = ["line", "item", "item_id", "functional", "dysfunctional", "respondent", "category"]
NAME_LENGTH = 200
UNKNOWN_ANSWER = N_("“{value}” is no answer in {column}: use 1–5 or like, expect, neutral, tolerate, dislike "
                    "(gefällt mir, setze ich voraus, ist mir egal, nehme ich hin, stört mich).")


@dataclass(frozen=True)
class KanoImport:
    """What a CSV file would add: ``rows`` (line, item, item_id — NA for an item to create —, functional,
    dysfunctional, respondent, category), the ``new_items`` it creates, and its ``problems``."""

    rows: pd.DataFrame
    new_items: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.rows.empty


def _parse_answer(value: Any, column: str, line: int, problems: list[Problem]) -> int | None:
    text = "" if _blank(value) else re.sub(r"\s+", " ", str(value)).strip().strip(".!").lower()
    if isinstance(value, int | float | np.number) and not isinstance(value, bool) and float(value).is_integer():
        text = str(int(value))
    number = int(text) if text.isdigit() else ANSWER_WORDS.get(text)
    if number is None or not 1 <= number <= 5:
        message = N_("{column} is empty.") if not text else UNKNOWN_ANSWER
        problems.append(_problem(line, message, {"value": str(value).strip(), "column": column}, column))
        return None
    return number


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")  # a spreadsheet saved on Windows


def _header(names: list[str]) -> dict[str, int]:
    wanted = {alias: column for column, aliases in CSV_COLUMNS.items() for alias in aliases}
    return {wanted[name.strip().lower()]: index for index, name in reversed(list(enumerate(names)))
            if name.strip().lower() in wanted}


def preview_answers_csv(session: Session, workspace_id: int, data: bytes | str) -> KanoImport:
    """Read a CSV of answers ``item,functional,dysfunctional[,respondent]`` without writing anything.

    Comma, semicolon or tab separated (UTF-8, or Windows-1252); answers as 1–5 or words (English or
    German, see :data:`ANSWER_WORDS`). Items are matched by name (ignoring case); unknown names become
    new items. A row is refused with its line number when the item name is empty or too long, an
    answer is empty or not one of the five, it has more cells than the header, or the same respondent
    answered the same item before (in the file or already stored). Two queries.
    """
    text = _decode(data)
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        return KanoImport(pd.DataFrame(columns=IMPORT_COLUMNS), (), (_problem(1, N_("The file is empty.")),))
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = _header(next(reader))
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return KanoImport(pd.DataFrame(columns=IMPORT_COLUMNS), (), (_problem(
            1, N_("The first line must name the columns item, functional, dysfunctional (and optionally respondent); "
                  "missing: {columns}."), {"columns": ", ".join(missing)}),))
    existing = _existing_items(session, workspace_id)
    answered = _answered(session, workspace_id)
    width = max(header.values()) + 1
    problems: list[Problem] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        row = _csv_row(cells, header, width, line, existing, problems)
        if row is None:
            continue
        key = (row["item"].lower(), row["respondent"].lower())
        if row["respondent"] and key in seen:
            problems.append(_problem(line, N_("{respondent} already answered “{item}” in line {other}."),
                                       {"respondent": row["respondent"], "item": row["item"], "other": seen[key]}))
        elif row["respondent"] and key in answered:
            problems.append(_problem(line, N_("{respondent} has already answered “{item}”: this row would count twice."),
                                       {"respondent": row["respondent"], "item": row["item"]}))
        else:
            seen.setdefault(key, line)
            rows.append(row)
    frame = pd.DataFrame(rows, columns=IMPORT_COLUMNS[:-1])
    frame["item_id"] = frame["item_id"].astype("Int64")
    frame["category"] = categories(frame["functional"], frame["dysfunctional"]) if not frame.empty else []
    new_items = tuple(dict.fromkeys(frame.loc[frame["item_id"].isna(), "item"]))
    if not rows and not problems:
        problems.append(_problem(2, N_("The file has no answers below its header.")))
    return KanoImport(frame, new_items, tuple(problems))


def _csv_row(
    cells: list[str], header: dict[str, int], width: int, line: int, existing: dict[str, tuple[int, str]],
    problems: list[Problem],
) -> dict[str, Any] | None:
    found = len(problems)
    if len([c for c in cells[width:] if c.strip()]) > 0:
        problems.append(_problem(line, N_("The line has {count} cells, the header only {width}."),
                                   {"count": len(cells), "width": width}))
    cells = cells + [""] * (width - len(cells))
    item = re.sub(r"\s+", " ", cells[header["item"]]).strip()
    if not item:
        problems.append(_problem(line, N_("The item name is empty."), field="item"))
    elif len(item) > NAME_LENGTH:
        problems.append(_problem(line, N_("The item name is longer than {max} characters."), {"max": NAME_LENGTH}, "item"))
    functional = _parse_answer(cells[header["functional"]], "functional", line, problems)
    dysfunctional = _parse_answer(cells[header["dysfunctional"]], "dysfunctional", line, problems)
    if len(problems) > found:
        return None
    item_id, name = existing.get(item.lower(), (None, item))
    respondent = cells[header["respondent"]].strip() if "respondent" in header else ""
    return {"line": line, "item": name, "item_id": item_id, "functional": functional, "dysfunctional": dysfunctional,
            "respondent": respondent}


def _existing_items(session: Session, workspace_id: int) -> dict[str, tuple[int, str]]:
    """lower-case name → (id, name as stored)."""
    rows = session.exec(select(KanoItem.id, KanoItem.name).where(KanoItem.workspace_id == workspace_id)).all()
    return {name.lower(): (item_id, name) for item_id, name in rows}


def _answered(session: Session, workspace_id: int) -> set[tuple[str, str]]:
    """(item name, respondent), both lower case, of the stored answers that name a respondent."""
    rows = session.exec(
        select(KanoItem.name, KanoAnswer.respondent).join(*core.via(KanoAnswer)[0])
        .where(KanoItem.workspace_id == workspace_id, col(KanoAnswer.respondent) != "")
    ).all()
    return {(name.lower(), respondent.strip().lower()) for name, respondent in rows}


def import_answers_csv(session: Session, workspace_id: int, data: bytes | str) -> KanoImport:
    """Check the file again inside the caller's write transaction and store it: new items and every answer,
    or — with any bad row — nothing (``Problems`` carries the problems). Returns what was imported."""
    preview = preview_answers_csv(session, workspace_id, data)
    if preview.problems:
        raise Problems(list(preview.problems), ROWS_REFUSED)
    ids = {name.lower(): create_kano_item(session, workspace_id, {"name": name}).id for name in preview.new_items}
    item_ids = [int(i) if pd.notna(i) else ids[name.lower()] for i, name in zip(preview.rows["item_id"], preview.rows["item"], strict=True)]
    core.bulk_insert(session, KanoAnswer, [
        {"kano_item_id": item_id, "respondent": respondent, "functional": int(f), "dysfunctional": int(d)}
        for item_id, respondent, f, d in zip(item_ids, preview.rows["respondent"], preview.rows["functional"],
                                            preview.rows["dysfunctional"], strict=True)
    ])
    return preview
