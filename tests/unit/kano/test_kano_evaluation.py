"""Kano evaluation: the standard table cell by cell, the coefficients, table entry and the CSV import."""

import pandas as pd
import pytest
from sqlmodel import func, select

from models import KanoAnswer, KanoItem
from services import kano
from services.core import Problems
from services.core.errors import DomainError

# Berger et al. (1993): functional answer (row) × dysfunctional answer (column), 1 like … 5 dislike.
EXPECTED = {
    (1, 1): "Q", (1, 2): "A", (1, 3): "A", (1, 4): "A", (1, 5): "O",
    (2, 1): "R", (2, 2): "I", (2, 3): "I", (2, 4): "I", (2, 5): "M",
    (3, 1): "R", (3, 2): "I", (3, 3): "I", (3, 4): "I", (3, 5): "M",
    (4, 1): "R", (4, 2): "I", (4, 3): "I", (4, 4): "I", (4, 5): "M",
    (5, 1): "R", (5, 2): "R", (5, 3): "R", (5, 4): "R", (5, 5): "Q",
}


@pytest.mark.parametrize(("functional", "dysfunctional"), sorted(EXPECTED))
def test_every_cell_of_the_evaluation_table(functional: int, dysfunctional: int) -> None:
    assert kano.classify(functional, dysfunctional) == EXPECTED[functional, dysfunctional]


def test_vectorised_categories_match_classify() -> None:
    pairs = pd.DataFrame(sorted(EXPECTED), columns=["f", "d"])
    assert list(kano.categories(pairs["f"], pairs["d"])) == [EXPECTED[p] for p in sorted(EXPECTED)]


def test_classify_takes_words_in_english_and_german() -> None:
    assert kano.classify("like", "dislike") == "O"
    assert kano.classify("Gefällt mir", "stört mich") == "O"
    assert kano.classify("setze ich voraus", "Das würde mich sehr stören") == "M"
    assert kano.classify("ist mir egal", "nehme ich hin") == "I"
    assert kano.classify("4", " 5 ") == "M"
    with pytest.raises(DomainError) as info:
        kano.classify("maybe", 1)
    assert info.value.field == "functional"
    with pytest.raises(DomainError):
        kano.classify(1, 6)


def answers(session, ws: int, name: str, pairs: list[tuple[int, int, int]]) -> KanoItem:  # type: ignore[no-untyped-def]
    """An item with ``count`` answers of each (functional, dysfunctional, count)."""
    item = kano.create_kano_item(session, ws, {"name": name})
    rows = [{"functional": f, "dysfunctional": d} for f, d, count in pairs for _ in range(count)]
    kano.add_answers(session, ws, item.id, rows)
    return item


def test_coefficients_and_majority_on_a_known_set(session, workspace, count_queries) -> None:
    ws = workspace.id
    # Kids club: A 7 (1,3), O 3 (1,5), M 2 (3,5), I 2 (3,3), R 1 (5,1), Q 1 (1,1) → 16 answers.
    answers(session, ws, "Kids club", [(1, 3, 7), (1, 5, 3), (3, 5, 2), (3, 3, 2), (5, 1, 1), (1, 1, 1)])
    # Tie M 3 : O 3 : A 3 → must-be wins (M > O > A > I).
    answers(session, ws, "Cancellation", [(2, 5, 3), (1, 5, 3), (1, 2, 3)])
    # Tie A 2 : I 2 → attractive; I 2 : R 2 → indifferent.
    answers(session, ws, "Photos", [(1, 4, 2), (4, 4, 2)])
    answers(session, ws, "Pop-ups", [(3, 3, 2), (5, 3, 2)])
    kano.create_kano_item(session, ws, {"name": "WiFi"})
    session.expunge_all()
    with count_queries() as statements:
        result = kano.evaluate(session, ws).set_index("item")
    assert len(statements) == 1
    assert list(result.index) == ["Cancellation", "Kids club", "Photos", "Pop-ups", "WiFi"]
    kids = result.loc["Kids club"]
    assert [kids[c] for c in kano.CATEGORIES] == [7, 3, 2, 2, 1, 1]
    assert kids["answers"] == 16 and kids["category"] == "A"
    assert kids["better"] == pytest.approx(10 / 14)  # (A + O) / (A + O + M + I)
    assert kids["worse"] == pytest.approx(-5 / 14)  # −(O + M) / (A + O + M + I)
    assert result.loc["Cancellation", "category"] == "M"
    assert result.loc["Cancellation", "better"] == pytest.approx(6 / 9)
    assert result.loc["Cancellation", "worse"] == pytest.approx(-6 / 9)
    assert result.loc["Photos", "category"] == "A"
    assert result.loc["Photos", "worse"] == 0.0 and str(result.loc["Photos", "worse"]) == "0.0"  # not −0.0
    assert result.loc["Pop-ups", "category"] == "I"
    wifi = result.loc["WiFi"]
    assert wifi["answers"] == 0 and wifi["category"] == "" and pd.isna(wifi["better"]) and pd.isna(wifi["worse"])


def test_only_reverse_answers_have_no_coefficients(session, workspace) -> None:
    answers(session, workspace.id, "Ads", [(5, 1, 3)])
    row = kano.evaluate(session, workspace.id).iloc[0]
    assert row["category"] == "R" and pd.isna(row["better"])


def test_evaluate_is_per_workspace(session, workspace, other_workspace) -> None:
    answers(session, workspace.id, "Pool", [(1, 5, 1)])
    answers(session, other_workspace.id, "Pool", [(2, 5, 4)])
    assert kano.evaluate(session, workspace.id)[["item", "answers", "category"]].values.tolist() == [["Pool", 1, "O"]]


def test_add_answers_from_a_table_is_all_or_nothing(session, workspace, raises_domain_error) -> None:
    item = kano.create_kano_item(session, workspace.id, {"name": "Pool"})
    rows = [
        {"respondent": "R1", "functional": 1, "dysfunctional": 5},
        {"respondent": "", "functional": None, "dysfunctional": None},  # an empty row is skipped
        {"respondent": "R3", "functional": 7, "dysfunctional": "dislike"},
        {"respondent": "R4", "functional": "like", "dysfunctional": None},
    ]
    with raises_domain_error() as info:
        kano.add_answers(session, workspace.id, item.id, rows)
    assert isinstance(info.value, Problems)
    assert [(p.line, p.column) for p in info.value.problems] == [(3, "functional"), (4, "dysfunctional")]
    assert count_answers(session) == 0
    assert kano.add_answers(session, workspace.id, item.id, rows[:2]) == 1
    assert count_answers(session) == 1


# --- CSV ------------------------------------------------------------------------------------------


def count_answers(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count(KanoAnswer.id))).one()


def count_items(session) -> int:  # type: ignore[no-untyped-def]
    return session.exec(select(func.count(KanoItem.id))).one()


GOOD = """item;functional;dysfunctional;respondent
Kids club;gefällt mir;stört mich;B01
kids club ;1;3;B02
Free cancellation;setze ich voraus;Das stört mich;B01
Free cancellation;expect;dislike;B02

Photo upload;neutral;nehme ich hin;
"""


def test_good_csv_previews_then_imports_everything(session, workspace, count_queries) -> None:
    ws = workspace.id
    kano.create_kano_item(session, ws, {"name": "Kids Club"})
    session.expunge_all()
    with count_queries() as statements:
        preview = kano.preview_answers_csv(session, ws, GOOD.encode("utf-8"))
    assert len(statements) == 2
    assert preview.ok and preview.problems == ()
    assert preview.new_items == ("Free cancellation", "Photo upload")
    assert preview.rows[["line", "item", "functional", "dysfunctional", "respondent", "category"]].values.tolist() == [
        [2, "Kids Club", 1, 5, "B01", "O"], [3, "Kids Club", 1, 3, "B02", "A"],
        [4, "Free cancellation", 2, 5, "B01", "M"], [5, "Free cancellation", 2, 5, "B02", "M"],
        [7, "Photo upload", 3, 4, "", "I"],
    ]
    assert count_answers(session) == 0  # a preview writes nothing

    kano.import_answers_csv(session, ws, GOOD)
    result = kano.evaluate(session, ws).set_index("item")
    assert result["answers"].to_dict() == {"Free cancellation": 2, "Kids Club": 2, "Photo upload": 1}
    assert result.loc["Free cancellation", "category"] == "M"


def test_comma_separated_with_windows_encoding_and_german_headers(session, workspace) -> None:
    data = "Merkmal,Funktional,Dysfunktional\nGepäckservice,gefällt mir,ist mir egal\n".encode("cp1252")
    preview = kano.preview_answers_csv(session, workspace.id, data)
    assert preview.ok and preview.rows[["item", "category"]].values.tolist() == [["Gepäckservice", "A"]]


BAD_FILES = {
    "unknown answer": ("item,functional,dysfunctional\nPool,1,5\nPool,maybe,5\n", [(3, "functional")]),
    "answer out of range": ("item,functional,dysfunctional\nPool,1,6\n", [(2, "dysfunctional")]),
    "empty answer": ("item,functional,dysfunctional\nPool,,5\n", [(2, "functional")]),
    "empty item": ("item,functional,dysfunctional\n ,1,5\n", [(2, "item")]),
    "item name too long": ("item,functional,dysfunctional\n" + "x" * 201 + ",1,5\n", [(2, "item")]),
    "too many cells": ("item,functional,dysfunctional\nPool,1,5,extra\n", [(2, None)]),
    "duplicate in the file": ("item,functional,dysfunctional,respondent\nPool,1,5,R1\nPool,2,5,R2\npool,3,3,r1\n",
                              [(4, None)]),
    "duplicate of a stored answer": ("item,functional,dysfunctional,respondent\nSauna,1,5,Stored\n", [(2, None)]),
    "missing column": ("item,functional\nPool,1\n", [(1, "dysfunctional")]),
    "empty file": ("\n\n", [(1, None)]),
    "header only": ("item,functional,dysfunctional\n", [(2, None)]),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_each_bad_row_is_reported_and_nothing_is_stored(session, workspace, raises_domain_error, kind: str) -> None:
    ws = workspace.id
    sauna = kano.create_kano_item(session, ws, {"name": "Sauna"})
    kano.add_kano_answer(session, ws, sauna.id, 1, 3, "Stored")
    before = (count_items(session), count_answers(session))
    text, expected = BAD_FILES[kind]
    good_rows = "New feature,1,5\n"  # a good row before the bad ones: it must not be stored either
    data = text if kind in ("missing column", "empty file", "header only") else text.replace("\n", "\n" + good_rows, 1)
    expected = expected if data is text else [(line + 1 if line > 1 else line, field) for line, field in expected]

    preview = kano.preview_answers_csv(session, ws, data)
    assert [(p.line, p.column) for p in preview.problems] == expected
    assert all(p.render() for p in preview.problems)
    with raises_domain_error() as info:
        kano.import_answers_csv(session, ws, data)
    assert isinstance(info.value, Problems)
    assert (count_items(session), count_answers(session)) == before


def test_a_repeated_answer_names_the_line_of_the_first(session, workspace) -> None:
    data = "item,functional,dysfunctional,respondent\nPool,1,5,R1\nSpa,2,5,R1\nPOOL ,3,3, r1\n"
    preview = kano.preview_answers_csv(session, workspace.id, data)
    assert [(p.line, p.render()) for p in preview.problems] == [(4, "r1 already answered “POOL” in line 2.")]


def test_every_bad_line_is_listed_at_once(session, workspace) -> None:
    data = "item,functional,dysfunctional\nPool,9,5\n,1,5\nPool,1,5\nSpa,like,hate\n"
    preview = kano.preview_answers_csv(session, workspace.id, data)
    assert [p.line for p in preview.problems] == [2, 3, 5]
    assert "“hate” is no answer in dysfunctional" in preview.problems[-1].render()
    assert len(preview.rows) == 1 and not preview.ok


@pytest.mark.parametrize(("word", "number"), [
    ("live_with", 4), ("Live With", 4), ("live-with", 4), ("tolerate", 4), ("Tolerate.", 4), ("nehme ich hin", 4),
    ("damit kann ich leben", 4), ("MUST_BE", 2), ("must-be", 2), ("erwarte ich", 2), ("Gefällt mir!", 1),
    ("mag ich nicht", 5), ("ist mir egal", 3), ("  3 ", 3),
])
def test_answer_codes_are_matched_tolerantly(word: str, number: int) -> None:
    assert kano.classify(word, 1) == kano.classify(number, 1)


def test_a_big_file_with_german_headers_units_and_a_long_respondent(session, workspace) -> None:
    long_id = "R" * 200_000  # longer than the csv module's default field limit
    data = ("Merkmal;Funktional (1-5);Dysfunktional_(1-5);Befragte Person\n"
            f"Pool;live_with;dislike;{long_id}\n" + "".join(f"Spa;like;tolerate;P{n}\n" for n in range(2000)))
    preview = kano.preview_answers_csv(session, workspace.id, data.encode("cp1252"))
    assert preview.ok and len(preview.rows) == 2001 and preview.encoding == "utf-8"
    kano.write_answers(session, workspace.id, preview)
    assert count_answers(session) == 2001
