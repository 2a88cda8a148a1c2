"""The tabular import corpus: every file of ``tests/fixtures/bad_imports/*.csv`` is refused with its line (where
there is one) and leaves the database byte-identical; every file of ``tests/fixtures/imports`` (spreadsheets as
Excel, CRMs and survey tools write them) imports. Plus the faults of issue 11 that need no file of their own."""


from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from models import KanoAnswer, Measurement, Persona
from models.db import read_session
from services import kano, metrics, personas
from services.core import Problem, Problems
from services.exchange import sheet_import, spreadsheets
from services.unit_of_work import unit_of_work
from services.workspaces import create_workspace
from tests.dialects import dump

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BAD = {
    "personas_mixed_encodings.csv": ("personas", 3, "The file mixes encodings"),
    "personas_neither_encoding.csv": ("personas", 2, "neither UTF-8 nor Windows-1252"),
    "personas_renamed_columns.csv": ("personas", 1, "Unknown column “Lieblingsfarbe”"),
    "measurements_separators_only.csv": ("measurements", None, "only separators"),
    "measurements_missing_columns.csv": ("measurements", 1, "The column “value” is missing"),
    "kano_unknown_answer.csv": ("kano", 2, "“maybe” is no answer in dysfunctional"),
}


@pytest.fixture
def ws(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        workspace = create_workspace(session, "Corpus")
        metrics.create_metric(session, workspace.id, {"name": "NPS"})
        return workspace.id


def check(engine: Engine, ws: int, kind: str, data: bytes, name: str) -> list[Problem]:
    with read_session(engine) as session:
        try:
            if kind == "kano":
                return list(kano.preview_answers_csv(session, ws, data, filename=name).problems)
            return sheet_import.preview(session, ws, kind, data, name).problems
        except Problems as exc:
            return exc.problems


def import_(engine: Engine, ws: int, kind: str, data: bytes, name: str) -> None:
    with unit_of_work(engine) as session:
        if kind == "kano":
            kano.import_answers_csv(session, ws, data, filename=name)
        else:
            sheet_import.import_rows(session, ws, kind, data, name)


def test_the_corpus_is_complete() -> None:
    assert sorted(p.name for p in (FIXTURES / "bad_imports").glob("*.csv")) == sorted(BAD)


@pytest.mark.parametrize("name", sorted(BAD))
def test_every_bad_file_is_refused_where_it_goes_wrong(engine: Engine, ws: int, name: str) -> None:
    kind, line, reason = BAD[name]
    data = (FIXTURES / "bad_imports" / name).read_bytes()
    before = dump(engine)
    problems = check(engine, ws, kind, data, name)
    assert any(p.line == line and reason in p.render() for p in problems), [(p.line, p.render()) for p in problems]
    with pytest.raises(Problems):
        import_(engine, ws, kind, data, name)
    assert dump(engine) == before


def test_german_headers_with_units_symbols_and_spacing(engine: Engine, ws: int) -> None:
    data = (FIXTURES / "imports" / "personas_german_headers_units.csv").read_bytes()
    import_(engine, ws, "personas", data, "p.csv")
    with read_session(engine) as session:
        stored = session.exec(select(Persona).where(Persona.workspace_id == ws)).one()
    assert (stored.name, stored.age, stored.customer_share, stored.location, stored.income_band, stored.communication_style) \
        == ("Jürgen Müller", 52, 12.5, "Köln", "middle", "direkt")


def test_kano_answer_codes_as_survey_tools_write_them(engine: Engine, ws: int) -> None:
    data = (FIXTURES / "imports" / "kano_answer_codes_cp1252.csv").read_bytes()
    import_(engine, ws, "kano", data, "k.csv")
    with read_session(engine) as session:
        stored = session.exec(select(KanoAnswer.functional, KanoAnswer.dysfunctional).order_by(KanoAnswer.id)).all()
    assert [tuple(r) for r in stored] == [(4, 4), (2, 4), (1, 5)]


def test_windows_1252_means_an_en_dash_not_a_control_character(engine: Engine, ws: int) -> None:
    data = (FIXTURES / "imports" / "measurements_windows_1252.csv").read_bytes()
    for encoding in ("auto", "latin-1"):
        with read_session(engine) as session:
            result = sheet_import.preview(session, ws, "measurements", data, "m.csv", encoding=encoding)
        assert result.ok and result.frame()["note"].tolist() == ["– Kampagne"]
    import_(engine, ws, "measurements", data, "m.csv")
    with read_session(engine) as session:
        assert session.exec(select(Measurement.note)).all() == ["– Kampagne"]


def test_a_persona_with_a_200_kb_bio_comes_back_from_its_own_export(engine: Engine, ws: int) -> None:
    bio = "Sehr lange Biografie; mit Trennzeichen, \"Anführungszeichen\" und\nZeilenumbrüchen. " * 2_500
    assert len(bio) > 200_000
    with unit_of_work(engine) as session:
        personas.create_persona(session, ws, {"name": "Lang", "bio": bio})
    with read_session(engine) as session:
        exported = spreadsheets.to_csv(spreadsheets.export_tables(session, ws)["personas"])
    with read_session(engine) as session:
        result = sheet_import.preview(session, ws, "personas", exported, "p.csv")
    assert result.ok and result.counts() == {"update": 1} and result.records[0]["bio"] == bio.strip()


def test_a_name_added_between_the_check_and_the_write_is_updated_not_doubled(engine: Engine, ws: int) -> None:
    data = b"Name;Alter\nNeu;33\n"
    with read_session(engine) as session:
        checked = sheet_import.preview(session, ws, "personas", data, "p.csv")
    assert checked.counts() == {"create": 1}
    with unit_of_work(engine) as session:
        personas.create_persona(session, ws, {"name": "neu", "age": 20})
    with unit_of_work(engine) as session:
        sheet_import.write_rows(session, ws, checked)
    with read_session(engine) as session:
        stored = session.exec(select(Persona.name, Persona.age, Persona.version).where(Persona.workspace_id == ws)).all()
    assert [tuple(r) for r in stored] == [("Neu", 33, 2)]  # updated (with the file's spelling), not a second row
