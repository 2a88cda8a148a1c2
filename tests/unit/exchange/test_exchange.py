"""The exchange format: schema, coverage of every table, lossless round trips, imports into new and existing
workspaces, and every file of tests/fixtures/bad_imports refused with a clear message and the database
byte-for-byte unchanged."""

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import SQLModel, select

from bench.generate import generate_workspace
from models import ActivityEntry, Comment, Journey, Persona, Step, Workspace
from models.db import read_session
from services import audit, exchange, journeys
from services import touchpoints as touchpoints_service
from services.core import Problems
from services.core.errors import DomainError
from services.exchange import write
from services.exchange.format import NOT_EXCHANGED, SCHEMA_PATH, covered_columns, schema_text
from services.history import undo as history
from services.personas import crud as personas
from services.unit_of_work import unit_of_work
from services.workspaces import demo
from tests.dialects import dump

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "bad_imports"
TODAY = date(2025, 6, 15)


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """A document without what may differ between two exports: the export time and the workspace's name."""
    document = copy.deepcopy(document)
    document.pop("exported_at")
    document["workspace"].pop("name")
    return document


def export(engine: Engine, workspace_id: int, journey_id: int | None = None) -> dict[str, Any]:
    with read_session(engine) as session:
        if journey_id is None:
            return exchange.export_workspace(session, workspace_id)
        return exchange.export_journey(session, workspace_id, journey_id)


def import_(engine: Engine, data: Any, **options: Any) -> exchange.ImportResult:
    with unit_of_work(engine) as session:
        return exchange.import_document(session, data if isinstance(data, bytes | dict) else exchange.dumps(data), **options)


@pytest.fixture
def demo_ws(engine: Engine) -> int:
    with unit_of_work(engine) as session:
        return demo.load_demo_workspace(session, today=TODAY).id


# --- the format -----------------------------------------------------------------------------------


def test_the_schema_file_is_the_one_the_code_describes() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == schema_text(), "run: python -m services.exchange.format"


def test_every_table_and_column_is_exchanged_or_left_out_on_purpose() -> None:
    covered = covered_columns()
    for table in SQLModel.metadata.tables.values():
        if table.name in NOT_EXCHANGED:
            continue
        missing = {c for c in table.columns.keys() if f"{table.name}.{c}" not in NOT_EXCHANGED} - covered.get(table.name, set())
        assert not missing, f"{table.name}: {sorted(missing)} are not in the exchange format (services/exchange/format.py)"


def test_an_export_is_valid_against_the_schema_and_uses_keys_not_ids(engine: Engine, demo_ws: int) -> None:
    document = export(engine, demo_ws)
    assert exchange.schema_problems(document) == []
    assert (document["format"], document["version"], document["scope"]) == ("journey-workbench", 1, "workspace")
    step = document["journeys"][0]["stages"][0]["steps"][0]
    assert step["key"].startswith("step-") and "id" not in step and "stage_id" not in step
    assert all(k.startswith("persona-") for k in document["journeys"][0]["personas"])


# --- round trips ----------------------------------------------------------------------------------


def test_round_trip_of_the_demo_workspace_is_lossless(engine: Engine, demo_ws: int) -> None:
    first = export(engine, demo_ws)
    result = import_(engine, exchange.dumps(first))
    assert result.workspace_id != demo_ws
    second = export(engine, result.workspace_id)
    assert comparable(second) == comparable(first)
    assert second["workspace"]["name"] == "Demo: Customer Journeys (2)"
    assert len(second["activity"]) == len(first["activity"]) > 0  # the history came along, nothing added


def test_round_trip_of_a_generated_large_workspace_is_lossless(engine: Engine) -> None:
    generated = generate_workspace(engine, personas=12, journeys=6, stages=5, steps_per_journey=20, touchpoints=40,
                                   step_touchpoint_links=400, metrics=12, measurements_per_metric=30, progress=None)
    first = export(engine, generated.workspace_id)
    assert sum(len(s["steps"]) for j in first["journeys"] for s in j["stages"]) == 6 * 20 + 6
    result = import_(engine, exchange.dumps(first))
    assert comparable(export(engine, result.workspace_id)) == comparable(first)


def test_round_trip_of_one_journey_with_what_it_uses(engine: Engine, demo_ws: int) -> None:
    with read_session(engine) as session:
        journey_id = session.exec(select(Journey.id).where(Journey.workspace_id == demo_ws, Journey.name == "Sommerurlaub buchen")).one()
    first = export(engine, demo_ws, journey_id)
    assert first["scope"] == "journey" and [j["name"] for j in first["journeys"]] == ["Sommerurlaub buchen"]
    assert {p["name"] for p in first["personas"]} >= {"Sandra Berger"}
    assert first["metrics"] and all(m["journey"] in (None, "journey-1") for m in first["metrics"])
    result = import_(engine, first)
    with read_session(engine) as session:
        new_journey = session.exec(select(Journey.id).where(Journey.workspace_id == result.workspace_id)).one()
    assert comparable(export(engine, result.workspace_id, new_journey)) == comparable(first)


def test_a_delete_in_the_history_can_still_be_undone_after_the_import(engine: Engine, demo_ws: int) -> None:
    with unit_of_work(engine) as session:
        first, step = session.exec(select(Step).join(Journey).where(Journey.workspace_id == demo_ws).order_by(Step.id)).all()[:2]
        undone = history.delete_step_with_undo(session, demo_ws, first.id)
    with unit_of_work(engine) as session:
        history.undo_delete(session, demo_ws, undone)
    with unit_of_work(engine) as session:
        history.delete_step_with_undo(session, demo_ws, step.id)
    document = export(engine, demo_ws)
    assert any(entry["reverts"] for entry in document["activity"])  # the undo names the delete it took back
    result = import_(engine, document)
    assert comparable(export(engine, result.workspace_id)) == comparable(document)
    with unit_of_work(engine) as session:
        entry = session.exec(select(ActivityEntry).where(
            ActivityEntry.workspace_id == result.workspace_id, ActivityEntry.action == "delete",
            ActivityEntry.entity_type == "step").order_by(ActivityEntry.id.desc())).first()  # the delete not undone yet
        journey = session.get(Journey, entry.journey_id)
        assert journey.workspace_id == result.workspace_id
        assert all(row["journey_id"] == journey.id for row in entry.before["steps"])  # remapped to the new journey
        history.undo_delete(session, result.workspace_id, entry.id)
        restored = session.exec(select(Step).where(Step.journey_id == journey.id, Step.title == step.title)).one()
    assert restored.journey_id == journey.id


# --- importing into an existing workspace -----------------------------------------------------------


def test_preview_counts_what_an_import_does_and_writes_nothing(engine: Engine, demo_ws: int) -> None:
    data = exchange.dumps(export(engine, demo_ws))
    before = dump(engine)
    with read_session(engine) as session:
        new = exchange.plan_import(session, data)
        copies = exchange.plan_import(session, data, workspace_id=demo_ws, mode="copy")
        replace = exchange.plan_import(session, data, workspace_id=demo_ws, mode="replace")
    assert dump(engine) == before
    assert new.workspace_name == "Demo: Customer Journeys (2)" and new.counts["persona"] == {"create": 4, "replace": 0}
    assert copies.counts["persona"] == {"create": 4, "replace": 0} and len(copies.renamed) >= 4
    assert copies.counts["channel"]["reuse"] == 16
    assert replace.counts["persona"] == {"create": 0, "replace": 4} and replace.removed["steps"] > 0


def test_copies_get_new_names_and_leave_the_originals_alone(engine: Engine, demo_ws: int) -> None:
    document = export(engine, demo_ws)
    import_(engine, document, workspace_id=demo_ws, mode="copy")
    with read_session(engine) as session:
        names = set(session.exec(select(Persona.name).where(Persona.workspace_id == demo_ws)).all())
        journey_count = session.exec(select(func.count()).select_from(Journey).where(Journey.workspace_id == demo_ws)).one()
    assert {"Sandra Berger", "Sandra Berger (2)"} <= names
    assert journey_count == 2 * len(document["journeys"])


def test_replace_by_name_overwrites_in_place_and_keeps_the_rest(engine: Engine, demo_ws: int) -> None:
    document = export(engine, demo_ws)
    with unit_of_work(engine) as session:
        sandra = session.exec(select(Persona).where(Persona.workspace_id == demo_ws, Persona.name == "Sandra Berger")).one()
        personas.update_persona(session, demo_ws, sandra.id, {"quote": "changed meanwhile", "age": 40})
        extra = personas.create_persona(session, demo_ws, {"name": "Only here"})
    edited = copy.deepcopy(document)
    edited["personas"][[p["name"] for p in edited["personas"]].index("Sandra Berger")]["occupation"] = "Neue Stelle"
    import_(engine, edited, workspace_id=demo_ws, mode="replace")
    with read_session(engine) as session:
        again = session.get(Persona, sandra.id)
        assert session.get(Persona, extra.id) is not None
    assert (again.occupation, again.age) == ("Neue Stelle", 38) and again.quote != "changed meanwhile"
    after = export(engine, demo_ws)
    assert len(after["journeys"]) == len(document["journeys"])
    assert [j["stages"] for j in after["journeys"]] == [j["stages"] for j in edited["journeys"]]


def test_a_new_workspace_needs_a_free_name(engine: Engine, demo_ws: int) -> None:
    data = exchange.dumps(export(engine, demo_ws))
    before = dump(engine)
    with pytest.raises(DomainError) as info, unit_of_work(engine) as session:
        exchange.import_document(session, data, workspace_name="Demo: Customer Journeys")
    assert info.value.message == "A workspace with this name already exists."
    assert dump(engine) == before


def test_a_failure_half_way_writes_nothing(engine: Engine, demo_ws: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = exchange.dumps(export(engine, demo_ws))
    before = dump(engine)

    def broken(_self: Any) -> None:
        raise DomainError("simulated failure after journeys were written")

    monkeypatch.setattr(write._Writer, "kano", broken)
    with pytest.raises(DomainError), unit_of_work(engine) as session:
        exchange.import_document(session, data, workspace_id=demo_ws, mode="replace")
    assert dump(engine) == before


# --- bad files --------------------------------------------------------------------------------------

BAD_FILES = {
    "truncated.json": "ends in the middle",
    "invalid.json": "not valid JSON",
    "unknown_format.json": "Unknown format",
    "newer_version.json": "newer Journey Workbench",
    "dangling_reference.json": "refers to nothing in the file",
    "duplicate_names.json": "appears twice",
    "wrong_types.json": "Expected integer",
    "out_of_range.json": "out of range",
    "empty.json": "The file is empty.",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("target", ["new", "copy", "replace"])
def test_a_bad_file_is_refused_clearly_and_changes_nothing(engine: Engine, demo_ws: int, name: str, target: str) -> None:
    data = (BAD / name).read_bytes()
    before = dump(engine)
    options = {} if target == "new" else {"workspace_id": demo_ws, "mode": target}
    with pytest.raises(Problems) as info, unit_of_work(engine) as session:
        exchange.import_document(session, data, **options)
    texts = [p.render() for p in info.value.problems]
    assert any(BAD_FILES[name] in t for t in texts), texts
    assert all(p.column or len(texts) == 1 for p in info.value.problems)  # several problems: each says where
    assert dump(engine) == before


def test_every_bad_file_in_the_folder_has_a_test() -> None:
    assert {p.name for p in BAD.glob("*.json")} == set(BAD_FILES) | {"html_script.json"}


def test_problems_say_where_they_are(engine: Engine) -> None:
    with pytest.raises(Problems) as info:
        exchange.read_document((BAD / "out_of_range.json").read_bytes())
    places = {p.column: p.render() for p in info.value.problems}
    emotion = "journeys #1 “Sommerurlaub” › stages #1 “Buchung” › steps #1 “Angebot wählen” › emotion"
    assert places[emotion] == "7 is out of range: allowed are -3 to 3."


def test_an_oversize_file_is_refused_before_it_is_parsed(engine: Engine, demo_ws: int) -> None:
    limit = 1024 * 1024
    data = b'{"format": "journey-workbench", "version": 1, "pad": "' + b"x" * limit + b'"}'
    before = dump(engine)
    with pytest.raises(Problems) as info, unit_of_work(engine) as session:
        exchange.import_document(session, data, max_bytes=limit)
    assert info.value.render() == "The file is 1.1 MB; at most 1.0 MB can be imported."
    big = b" " * (exchange.MAX_IMPORT_BYTES + 1)
    with pytest.raises(Problems, match="64.0 MB can be imported"):
        exchange.read_document(big)
    assert dump(engine) == before


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["journeys"][0]["transitions"].append({"key": "transition-2", "from": "step-1", "to": "step-1"}),
     "cannot lead from a step to itself"),
    (lambda d: d["personas"].append({"key": "step-1", "name": "Clash"}), "is used twice"),
    (lambda d: d["journeys"][0]["stages"][0]["steps"][0]["touchpoints"].append({"touchpoint": "persona-1"}),
     "is a persona, but a touchpoint is needed"),
    (lambda d: d["metrics"][0].update(scope="step"), "needs its step"),
    (lambda d: d["personas"][0].update(avatar_image="bm90IGFuIGltYWdl"), "not a PNG or JPEG"),
    (lambda d: d.update(extra=1), "Unknown field(s): extra"),
    (lambda d: d["journeys"][0]["stages"][0]["steps"][0].update(exit_kind="maybe"), "not allowed here"),
    (lambda d: d["metrics"][0]["measurements"].append({"measured_on": "2025-03-31", "value": 1}), "Two measurements"),
    (lambda d: d.update(version="1"), "Unknown format version"),
    (lambda d: d.update(format=None), "Unknown format"),
])
def test_reference_and_rule_checks(mutate: Any, expected: str) -> None:
    document = json.loads((BAD / "html_script.json").read_text(encoding="utf-8"))
    mutate(document)
    with pytest.raises(Problems) as info:
        exchange.read_document(json.dumps(document).encode())
    assert any(expected in p.render() for p in info.value.problems), [p.render() for p in info.value.problems]


def test_html_and_script_in_a_file_are_stored_as_text(engine: Engine) -> None:
    result = import_(engine, (BAD / "html_script.json").read_bytes())
    with read_session(engine) as session:
        workspace = session.get(Workspace, result.workspace_id)
        titles = set(session.exec(select(Step.title).join(Journey).where(Journey.workspace_id == workspace.id)).all())
        names = set(session.exec(select(Persona.name).where(Persona.workspace_id == workspace.id)).all())
    assert workspace.name == "<b>Markup</b> workspace"
    assert "<script>alert(1)</script>" in titles and "<img src=x onerror=alert(2)>" in names


def test_an_import_into_an_existing_workspace_is_in_its_history(engine: Engine, demo_ws: int) -> None:
    import_(engine, (BAD / "html_script.json").read_bytes(), workspace_id=demo_ws, mode="copy")
    with read_session(engine) as session:
        entries = audit.list_activity(session, demo_ws, limit=5)
        comments = session.exec(select(func.count()).select_from(Comment).where(Comment.workspace_id == demo_ws)).one()
    assert any(e.action == "import" for e in entries)
    assert comments >= 0


def test_journeys_list_shows_an_imported_journey(engine: Engine) -> None:
    result = import_(engine, (BAD / "html_script.json").read_bytes())
    with read_session(engine) as session:
        listing = journeys.list_journeys(session, result.workspace_id)
    assert listing["name"].tolist() == ["**bold** [link](javascript:alert(3))"]


def test_a_signed_in_account_imports_a_whole_workspace_with_its_history(engine):
    """The importer becomes the new workspace's admin (that membership is logged first); the file's
    history still lands entry for entry."""
    from models import Membership
    from services import accounts

    with unit_of_work(engine) as session:
        source = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
        account = accounts.create_account(session, "imp@example.com", "Ida", "correct horse battery")
        session.add(Membership(workspace_id=source, account_id=account.id, role="editor"))
        session.flush()
        document = exchange.export_workspace(session, source)
        ida = accounts.actor_for(session, account)
    with unit_of_work(engine, ida) as session:
        result = exchange.import_document(session, document, workspace_name="Kopie")
    with read_session(engine) as session:
        in_copy = ActivityEntry.workspace_id == result.workspace_id
        copied = session.exec(select(func.count()).select_from(ActivityEntry).where(in_copy)).one()
        role = session.exec(select(Membership.role).where(Membership.workspace_id == result.workspace_id)).one()
    assert role == "admin"
    assert copied == len(document["activity"]) + 1  # the file's history, and Ida becoming admin


def test_a_nul_character_in_a_file_is_dropped_on_every_engine(engine: Engine, demo_ws: int) -> None:
    """PostgreSQL's text cannot hold NUL (SQLite's can): the import drops it, as the forms do, on both engines."""
    document = export(engine, demo_ws)
    document["personas"][0]["quote"] = "Null\u0000byte"
    result = import_(engine, exchange.dumps(document))
    assert export(engine, result.workspace_id)["personas"][0]["quote"] == "Nullbyte"


@pytest.mark.parametrize("part, field, value, form", [
    ("personas", "name", "   ", lambda s, ws, v: personas.create_persona(s, ws, {"name": v})),
    ("personas", "age", 10 ** 30, lambda s, ws, v: personas.create_persona(s, ws, {"name": "Big", "age": v})),
    ("personas", "bio", "\ud800", None),
    ("touchpoints", "cost_per_contact", float("inf"), None),
    ("touchpoints", "name", "", lambda s, ws, v: touchpoints_service.create_touchpoint(s, ws, {"name": v})),
    ("content_items", "url", "javascript:alert(1)", None),  # shown as a link: only http, https and mailto
])
def test_the_json_check_applies_the_form_rules(engine, part, field, value, form):
    """What the forms refuse, the import's check refuses (in the preview, before anything is written),
    and what JSON allows but no database stores (64-bit overflow, lone surrogates, infinity) too."""
    with unit_of_work(engine) as session:
        ws = demo.load_demo_workspace(session, today=date(2025, 6, 15)).id
        document = exchange.export_workspace(session, ws)
    document[part][0][field] = value
    text = json.dumps(document, ensure_ascii=True).replace("Infinity", "1e400")  # what another tool would write
    with pytest.raises(Problems) as info:
        exchange.read_document(text)
    assert any(p.column and p.column.endswith(field) for p in info.value.problems), [p.column for p in info.value.problems]
    if form is not None:
        with pytest.raises(DomainError), unit_of_work(engine) as session:
            form(session, ws, value)
