"""The quick schema check (fastjsonschema, compiled once) may only ever answer "valid" where the full walk
(jsonschema, the authority that places every problem) finds nothing: a file it lets through skips the full walk.
Held on the demo's export and on hundreds of its mutations (every kind of value swapped for another type,
required keys taken away, unknown keys added), and on the bad files of the corpus."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest
from sqlalchemy import Engine

from models.db import read_session
from services import exchange
from services.exchange import check
from services.unit_of_work import unit_of_work
from services.workspaces import demo

BAD = Path(__file__).resolve().parents[2] / "fixtures" / "bad_imports"


def quick_accepts(document: Any) -> bool:
    try:
        check._quick_check()(document)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def full_accepts(document: Any) -> bool:
    return check._validator().is_valid(document)


def places(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every value of the document with its path (objects and lists included)."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from places(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from places(value, (*path, index))


def other_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "yes"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return 7
    if value is None:
        return []
    return "x"


def pruned(node: Any) -> Any:
    """Every list cut to its first two members: each kind of object stays, the walks get quick."""
    if isinstance(node, dict):
        return {key: pruned(value) for key, value in node.items()}
    if isinstance(node, list):
        return [pruned(value) for value in node[:2]]
    return node


@pytest.fixture
def document(engine: Engine) -> dict[str, Any]:
    with unit_of_work(engine) as session:
        workspace_id = demo.load_demo_workspace(session).id
    with read_session(engine) as session:
        return pruned(json.loads(exchange.dumps(exchange.export_workspace(session, workspace_id))))


def test_the_quick_check_never_lets_through_what_the_schema_refuses(document: dict[str, Any]) -> None:
    assert quick_accepts(document) and full_accepts(document)  # the usual case: one quick pass, no walk
    found = list(places(document))
    leaves = [(path, value) for path, value in found if path and not isinstance(value, dict | list)]
    objects = [(path, value) for path, value in found if path and isinstance(value, dict)]
    refused = 0
    for path, value in leaves:
        parent = document
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = other_type(value)
        if not full_accepts(document):
            refused += 1
            assert not quick_accepts(document), f"a {type(value).__name__} swapped at {path} passed the quick check"
        parent[path[-1]] = value
    for path, obj in objects:
        obj["surprise"] = 1
        if not full_accepts(document):
            refused += 1
            assert not quick_accepts(document), f"an unknown key at {path} passed the quick check"
        del obj["surprise"]
        for key in list(obj):
            value = obj.pop(key)
            if not full_accepts(document):
                refused += 1
                assert not quick_accepts(document), f"{key} taken away at {path} passed the quick check"
            obj[key] = value
    assert refused > 200  # the mutations did break the schema, so the assertions above were made


def parsed(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return None  # no JSON: refused before the schema


@pytest.mark.parametrize("name", sorted(p.name for p in BAD.glob("*.json") if parsed(p) is not None))
def test_a_bad_file_of_the_corpus_gets_the_same_verdict(name: str) -> None:
    document = parsed(BAD / name)
    if not full_accepts(document):
        assert not quick_accepts(document)
