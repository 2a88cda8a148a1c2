"""Kano survey items, their answers, and the Kano evaluation (article 001).

Each answer is a respondent's pair: how they feel if the feature is there
(functional) and if it is missing (dysfunctional), 1 = like … 5 = dislike
(``models.kano.KANO_ANSWERS``). :func:`classify` reads a pair with the standard
evaluation table (Berger et al. 1993); :func:`evaluate` counts the categories per
item and derives the satisfaction coefficients. Answers come in one by one, from
the page's table, or from a CSV file (:func:`preview_answers_csv`, then
:func:`import_answers_csv`: all rows or none).
"""

import re
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, select

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


# --- answer words -------------------------------------------------------------------------------

# Words a survey export may use for the five answers, English and German. Compared after
# :func:`answer_key`: case, underscores, hyphens, dots and extra spaces do not count
# (``live_with``, ``Live with``, ``live-with`` are one answer).
ANSWER_WORDS: dict[str, int] = {
    **{word: number for number, word in enumerate(KANO_ANSWERS, start=1)},
    # 1 like
    "i like it": 1, "i like it that way": 1, "like it": 1, "i would like it": 1, "delighted": 1,
    "gefällt mir": 1, "gefällt": 1, "mag ich": 1, "das würde mich sehr freuen": 1, "würde mich freuen": 1, "freut mich": 1,
    # 2 expect (must-be)
    "must-be": 2, "must be": 2, "must have": 2, "i expect it": 2, "expected": 2, "it must be that way": 2,
    "setze ich voraus": 2, "das setze ich voraus": 2, "erwarte ich": 2, "erwarten": 2, "muss sein": 2, "selbstverständlich": 2,
    # 3 neutral
    "i am neutral": 3, "indifferent": 3, "dont care": 3, "don't care": 3, "ist mir egal": 3, "das ist mir egal": 3,
    "egal": 3, "gleichgültig": 3,
    # 4 tolerate (live with)
    "live with": 4, "live with it": 4, "can live with it": 4, "i can live with it": 4, "tolerate it": 4, "tolerable": 4,
    "nehme ich hin": 4, "das nehme ich hin": 4, "hinnehmen": 4, "tolerieren": 4, "damit kann ich leben": 4,
    "ich kann damit leben": 4, "das könnte ich in kauf nehmen": 4, "nehme ich in kauf": 4,
    # 5 dislike
    "i dislike it": 5, "i dislike it that way": 5, "dislike it": 5, "stört mich": 5, "das stört mich": 5,
    "das würde mich sehr stören": 5, "mag ich nicht": 5, "gefällt mir nicht": 5,
}
NAME_LENGTH = 200
UNKNOWN_ANSWER = N_("“{value}” is no answer in {column}: use 1–5 or like, expect, neutral, tolerate, dislike "
                    "(gefällt mir, setze ich voraus, ist mir egal, nehme ich hin, stört mich).")
_APART = re.compile(r"[\s_\-./]+")


def answer_key(text: str) -> str:
    """An answer word as compared: ``"Live_With."`` → ``"live with"``."""
    return _APART.sub(" ", text.casefold().replace("’", "'")).strip(" .!?\"'")


_ANSWERS = {answer_key(word): number for word, number in ANSWER_WORDS.items()}


def _parse_answer(value: Any, column: str, line: int, problems: list[Problem]) -> int | None:
    text = "" if _blank(value) else answer_key(str(value))
    if isinstance(value, int | float | np.number) and not isinstance(value, bool) and float(value).is_integer():
        text = str(int(value))
    number = int(text) if text.isdigit() else _ANSWERS.get(text)
    if number is None or not 1 <= number <= 5:
        message = N_("{column} is empty.") if not text else UNKNOWN_ANSWER
        problems.append(_problem(line, message, {"value": str(value).strip()[:40], "column": column}, column))
        return None
    return number
