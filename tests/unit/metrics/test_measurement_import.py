"""CSV import of measurements: German and English formatting, the preview, and all-or-nothing.

Every kind of bad line is imported together with good lines: the import must refuse the whole file,
name the line and the reason, and leave the database exactly as it was (compared as a full dump).
"""

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, text

from models import Metric
from models.db import read_session
from services import metrics
from services.core import Limits, Problems
from services.metrics import parse_number
from services.unit_of_work import unit_of_work
from services.workspaces.crud import create_workspace

GOOD_LINES = ["NPS Sommerurlaub;2025-01-31;36,5;nach Kampagne", "Wartezeit Hotline;2025-01-31;4,25;"]


@pytest.fixture
def team(engine: Engine) -> SimpleNamespace:
    """Two metrics (one with a measurement on 2024-12-31) and a metric of the same name in another workspace."""
    with unit_of_work(engine) as session:
        ws = create_workspace(session, "Team A").id
        other = create_workspace(session, "Team B").id
        nps = metrics.create_metric(session, ws, {"name": "NPS Sommerurlaub", "unit": "points"})
        wait = metrics.create_metric(session, ws, {"name": "Wartezeit Hotline", "unit": "min", "direction": "lower"})
        metrics.create_metric(session, other, {"name": "Fremde Kennzahl"})
        metrics.add_measurement(session, ws, nps.id, "2024-12-31", 35)
    return SimpleNamespace(ws=ws, nps=nps.id, wait=wait.id)


def dump(engine: Engine) -> list[tuple]:
    """Every measurement row, every column: what "unchanged" means."""
    with read_session(engine) as session:
        return [tuple(row) for row in session.execute(text("SELECT * FROM measurement ORDER BY id")).all()]


def import_file(engine: Engine, ws: int, data: bytes | str) -> int:
    with unit_of_work(engine) as session:
        return metrics.import_measurements(session, ws, data)


def plan(engine: Engine, ws: int, data: bytes | str, **options) -> metrics.ImportPlan:
    with read_session(engine) as session:
        return metrics.plan_import(session, ws, data, **options)


def core_limits(rows: int) -> Limits:
    return Limits(rows=rows, megabytes=1)


def stored(engine: Engine, metric_id: int) -> list[tuple]:
    with read_session(engine) as session:
        frame = metrics.list_measurements(session, session.get(Metric, metric_id).workspace_id, metric_id)
    return [(d.date().isoformat(), v, n) for d, v, n in zip(frame["measured_on"], frame["value"], frame["note"], strict=True)]


@pytest.mark.parametrize("text_or_bytes", ["bytes", "str"])
def test_a_german_file_is_previewed_then_imported(engine: Engine, team: SimpleNamespace, text_or_bytes: str) -> None:
    content = (
        "Kennzahl;Datum;Wert;Notiz\r\n"  # German header, Windows line ends
        "NPS Sommerurlaub;2025-01-31;36,5;nach Kampagne\r\n"
        "\r\n"  # blank lines are skipped
        "nps sommerurlaub;2025-02-28;38;\"Preis; gesenkt\"\r\n"  # any case; a quoted separator
        "Wartezeit Hotline;2025-01-31;1.234,5;\r\n"  # thousands grouped by a point
        "Wartezeit Hotline;20250228; -2 ;\r\n"  # ISO basic form; blanks around the number
    )
    data = ("\ufeff" + content).encode("utf-8") if text_or_bytes == "bytes" else content
    before = dump(engine)
    preview = plan(engine, team.ws, data)
    assert preview.problems == () and preview.ok and preview.separator == ";"
    assert preview.rows[["line", "metric", "value"]].values.tolist() == [
        [2, "NPS Sommerurlaub", 36.5], [4, "NPS Sommerurlaub", 38.0], [5, "Wartezeit Hotline", 1234.5],
        [6, "Wartezeit Hotline", -2.0]]
    summary = preview.summary()
    assert summary[["metric", "added", "first", "last", "before"]].values.tolist() == [
        ["NPS Sommerurlaub", 2, date(2025, 1, 31), date(2025, 2, 28), 1],
        ["Wartezeit Hotline", 2, date(2025, 1, 31), date(2025, 2, 28), 0]]
    assert dump(engine) == before  # the preview writes nothing

    assert import_file(engine, team.ws, data) == 4
    assert stored(engine, team.nps) == [("2024-12-31", 35.0, ""), ("2025-01-31", 36.5, "nach Kampagne"),
                                        ("2025-02-28", 38.0, "Preis; gesenkt")]
    assert stored(engine, team.wait) == [("2025-01-31", 1234.5, ""), ("2025-02-28", -2.0, "")]


def test_an_english_comma_separated_file_with_quoted_decimal_commas(engine: Engine, team: SimpleNamespace) -> None:
    data = 'metric,date,value\nNPS Sommerurlaub,2025-01-31,36.5\nNPS Sommerurlaub,2025-02-28,"37,5"\n' \
           "Wartezeit Hotline,2025-01-31T08:00:00,\"1,234.5\"\n"
    assert import_file(engine, team.ws, data) == 3
    assert [v for _d, v, _n in stored(engine, team.nps)] == [35.0, 36.5, 37.5]
    assert stored(engine, team.wait) == [("2025-01-31", 1234.5, "")]


def test_tab_separated_lines_pasted_from_a_spreadsheet(engine: Engine, team: SimpleNamespace) -> None:
    assert import_file(engine, team.ws, "Metric\tDate\tValue\nNPS Sommerurlaub\t2025-03-31\t40,0\n") == 1


BAD_LINES = [
    ("Unbekannt;2025-01-31;3", "Unknown metric “Unbekannt”: no metric of this workspace has that name."),
    ("Fremde Kennzahl;2025-01-31;3", "Unknown metric “Fremde Kennzahl”: no metric of this workspace has that name."),
    (";2025-01-31;3", "The metric is missing."),
    ("NPS Sommerurlaub;31.01.2025;3", "“31.01.2025” is not a date in ISO 8601 form (YYYY-MM-DD)."),
    ("NPS Sommerurlaub;2025-02-30;3", "“2025-02-30” is not a date in ISO 8601 form (YYYY-MM-DD)."),
    ("NPS Sommerurlaub;;3", "The date is missing."),
    ("NPS Sommerurlaub;2025-03-31;drei", "“drei” is not a number."),
    ("NPS Sommerurlaub;2025-03-31;12 %", "“12 %” is not a number."),
    ("NPS Sommerurlaub;2025-03-31;nan", "“nan” is not a number."),
    ("NPS Sommerurlaub;2025-03-31;1,2,3", "“1,2,3” is not a number."),
    ("NPS Sommerurlaub;2025-03-31;", "The value is missing."),
    ("NPS Sommerurlaub;2024-12-31;40",
     "“NPS Sommerurlaub” already has a measurement on 2024-12-31: the import only adds new dates."),
    ("NPS Sommerurlaub;2025-01-31;40", "Duplicate of line 2: the same metric and date appear twice in the file."),
    ("NPS Sommerurlaub;2025-03-31;40;Notiz;zu viel", "Too many values: 5 instead of 4."),
]


@pytest.mark.parametrize(("bad_line", "reason"), BAD_LINES, ids=[reason[:40] for _line, reason in BAD_LINES])
def test_each_kind_of_bad_line_leaves_the_database_unchanged(
    engine: Engine, team: SimpleNamespace, bad_line: str, reason: str
) -> None:
    data = "\n".join(["metric;date;value;note", *GOOD_LINES, bad_line, "Wartezeit Hotline;2025-02-28;4"]) + "\n"
    before = dump(engine)
    preview = plan(engine, team.ws, data)
    assert not preview.ok
    assert [(p.line, p.error.render()) for p in preview.problems] == [(4, reason)]
    with pytest.raises(Problems) as info:
        import_file(engine, team.ws, data)
    assert [(p.line, p.error.render()) for p in info.value.problems] == [(4, reason)]
    assert dump(engine) == before


def test_every_bad_line_is_reported_at_once(engine: Engine, team: SimpleNamespace) -> None:
    data = "metric;date;value\nUnbekannt;gestern;viel\nNPS Sommerurlaub;2025-01-31;1\nNPS Sommerurlaub;2025-01-31;2\n"
    before = dump(engine)
    with pytest.raises(Problems) as info:
        import_file(engine, team.ws, data)
    assert [(p.line, p.error.render()) for p in info.value.problems] == [
        (2, "Unknown metric “Unbekannt”: no metric of this workspace has that name."),
        (2, "“gestern” is not a date in ISO 8601 form (YYYY-MM-DD)."),
        (2, "“viel” is not a number."),
        (4, "Duplicate of line 3: the same metric and date appear twice in the file."),
    ]
    assert dump(engine) == before


def test_a_decimal_comma_in_a_comma_separated_file_is_not_guessed(engine: Engine, team: SimpleNamespace) -> None:
    before = dump(engine)
    unquoted = "metric,date,value\nNPS Sommerurlaub,2025-01-31,36,5\n"
    assert [p.error.render() for p in plan(engine, team.ws, unquoted).problems] == [
        "Too many values: 4 instead of 3. A decimal comma in a comma-separated file must be in quotes, or use ; as "
        "separator."]
    with_note = "metric,date,value,note\nNPS Sommerurlaub,2025-01-31,36,5\n"
    assert [p.error.render() for p in plan(engine, team.ws, with_note).problems] == [
        "Ambiguous: is the value 36,5? A decimal comma in a comma-separated file must be in quotes, or use ; as "
        "separator."]
    with pytest.raises(Problems):
        import_file(engine, team.ws, with_note)
    assert dump(engine) == before


@pytest.mark.parametrize(("data", "line", "reason"), [
    (b"metric;date;value;note\n" + "Wartezeit Hotline;2025-01-31;4;Jürgen\n".encode() + "NPS Sommerurlaub;2025-01-31;4;ä\n"
     .encode("cp1252"), 3, "The file mixes encodings: it holds UTF-8 text, but line 3 is not UTF-8 (perhaps two files "
     "were pasted together). Save it again as “CSV UTF-8”."),
    (b"metric;date;value\n\x81\n", 2, "The file is neither UTF-8 nor Windows-1252 text (line 2). Save it as “CSV UTF-8”."),
    (b"", None, "The file is empty."),
    (b";;;\r\n;;;\r\n", None, "The file holds only separators and no values."),
    ("metric;date;value\n\n", None, "The file has no measurements below its header."),
    ("Kennzahl;Wert\nNPS Sommerurlaub;3\n", 1,
     "The column “date” is missing: the first line must name the columns (metric, date, value, note)."),
    ("metric;date;value;colour\n", 1, "Unknown column “colour”. The columns are: metric, date, value, note."),
    ("metric;date;value;Datum\n", 1, "The column “Datum” appears twice."),
])
def test_unreadable_files_are_refused_as_a_whole(engine: Engine, team: SimpleNamespace, data, line, reason) -> None:
    before = dump(engine)
    with pytest.raises(Problems) as info:
        import_file(engine, team.ws, data)
    assert [(p.line, p.error.render()) for p in info.value.problems][-1] == (line, reason)
    assert dump(engine) == before


def test_windows_1252_is_detected_and_latin_1_means_windows_1252(engine: Engine, team: SimpleNamespace) -> None:
    data = "Kennzahl;Datum;Wert;Notiz\nNPS Sommerurlaub;2025-01-31;4;Jürgen – ä\n".encode("cp1252")
    for encoding in ("auto", "latin-1", "cp1252"):
        assert plan(engine, team.ws, data, encoding=encoding).rows["note"].tolist() == ["Jürgen – ä"]
    assert plan(engine, team.ws, data, encoding="utf-8").problems[0].error.render().startswith("The file is not UTF-8 text")


def test_headers_with_units_spacing_and_case(engine: Engine, team: SimpleNamespace) -> None:
    data = "KENNZAHL ;Datum (ISO);Wert in %;Bemerkung_\nNPS Sommerurlaub;2025-01-31;4;x\n"
    assert plan(engine, team.ws, data).ok


def test_a_long_note_and_a_row_limit(engine: Engine, team: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    long_note = "x" * 300_000  # more than the csv module's 131,072 characters
    assert plan(engine, team.ws, f"metric;date;value;note\nNPS Sommerurlaub;2025-01-31;4;{long_note}\n").ok
    from services.metrics import measurement_import
    monkeypatch.setattr(measurement_import, "LIMITS", core_limits(rows=2))
    data = "metric;date;value\n" + "".join(f"NPS Sommerurlaub;2025-01-{day:02};4\n" for day in range(1, 4))
    assert [(p.line, p.error.render()) for p in plan(engine, team.ws, data).problems] == [
        (4, "The file has more than 2 rows: split it into smaller files.")]


def test_a_date_taken_between_the_preview_and_the_write_is_reported(engine: Engine, team: SimpleNamespace) -> None:
    data = "metric;date;value\nNPS Sommerurlaub;2025-01-31;36\n"
    checked = plan(engine, team.ws, data)
    with unit_of_work(engine) as session:
        metrics.add_measurement(session, team.ws, team.nps, "2025-01-31", 40)
    before = dump(engine)
    with pytest.raises(Problems) as info, unit_of_work(engine) as session:
        metrics.write_measurements(session, team.ws, checked)
    assert [(p.line, p.error.render()) for p in info.value.problems] == [
        (2, "“NPS Sommerurlaub” already has a measurement on 2025-01-31: the import only adds new dates.")]
    assert dump(engine) == before


def test_the_import_checks_again_what_changed_since_the_preview(engine: Engine, team: SimpleNamespace) -> None:
    data = "metric;date;value\nNPS Sommerurlaub;2025-01-31;36\n"
    assert plan(engine, team.ws, data).ok
    with unit_of_work(engine) as session:  # a colleague types the same date in meanwhile
        metrics.add_measurement(session, team.ws, team.nps, "2025-01-31", 40)
    before = dump(engine)
    with pytest.raises(Problems) as info:
        import_file(engine, team.ws, data)
    assert "already has a measurement on 2025-01-31" in info.value.problems[0].error.render()
    assert dump(engine) == before


def test_planning_takes_a_fixed_number_of_queries(engine: Engine, team: SimpleNamespace, count_queries) -> None:
    small = "metric;date;value\n" + "NPS Sommerurlaub;2025-01-01;1\n"
    large = "metric;date;value\n" + "".join(f"NPS Sommerurlaub;{day};{day.day}\n" for day in (
        date.fromordinal(date(2025, 1, 1).toordinal() + i) for i in range(400)))
    with read_session(engine) as session:
        with count_queries() as few:
            metrics.plan_import(session, team.ws, small)
        with count_queries() as many:
            assert len(metrics.plan_import(session, team.ws, large).rows) == 400
    queries = [[q for q in statements if not q.startswith("BEGIN")] for statements in (few, many)]
    assert len(queries[0]) == len(queries[1]) == 3  # metric names, measurements so far, dates taken


@pytest.mark.parametrize(("typed", "number"), [
    ("3", 3.0), ("-3", -3.0), ("+3,5", 3.5), ("3.5", 3.5), (",5", 0.5), ("3,", 3.0), ("1.234,56", 1234.56),
    ("1,234.56", 1234.56), ("1.234.567", 1234567.0), ("1 234,5", 1234.5), ("1\u00a0234,5", 1234.5), ("1.234", 1.234),
    ("1,234", 1.234), ("", None), ("1e3", None), ("inf", None), ("1,2,3", None), ("1.23,4.5", None), ("3 €", None),
])
def test_numbers_as_spreadsheets_write_them(typed: str, number: float | None) -> None:
    assert parse_number(typed) == number


def test_bulk_written_rows_are_stored_as_the_orm_stores_them(engine: Engine, team: SimpleNamespace) -> None:
    """The fast insert converts values itself: dates and times must look exactly like the ORM's."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite stores dates as text (the one engine where the look can differ)")
    import_file(engine, team.ws, "metric;date;value\nNPS Sommerurlaub;2025-01-31;36\n")
    with read_session(engine) as session:
        rows = session.execute(text("SELECT measured_on, created_at, updated_at, typeof(value) FROM measurement "
                                    "ORDER BY id")).all()
    orm, bulk = rows[0], rows[-1]
    assert bulk[0] == "2025-01-31" and bulk[3] == orm[3] == "real"
    assert len(bulk[1]) == len(orm[1]) == 26 and bulk[1][10] == orm[1][10] == " " and bulk[1] == bulk[2]
