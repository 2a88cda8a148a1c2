"""The exchange document's shared pieces: limits, import modes, values in and out of JSON.

The format is described in :mod:`services.exchange.format` and by the JSON Schema in
``data/schema/workspace-export.schema.json``; exporting is :mod:`.export`, checking a file
:mod:`.check`, planning an import :mod:`.plan`, writing it :mod:`.write`.
"""

import base64
import json
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from pydantic_core import PydanticUndefined
from sqlmodel import SQLModel

from models import (
    ActivityEntry,
    Channel,
    Comment,
    ContentItem,
    Journey,
    KanoItem,
    Measurement,
    Metric,
    Persona,
    Touchpoint,
)
from services import history
from services.core import N_, DomainError, Problem, Problems
from services.exchange.format import (
    PARTS,
    Part,
)

MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 50
NEW, COPY, REPLACE = "new", "copy", "replace"
MODES = (COPY, REPLACE)
MISSING_ID = 0  # written for a reference whose target is not in the workspace: matches no row
WORKSPACE_KEY = "workspace"  # the document's workspace, in recorded history values

PART = {part.name: part for part in PARTS}
# Name column of the entities matched by name (replace) or renamed (copy).
NAMED: dict[str, tuple[type[SQLModel], str]] = {
    "channels": (Channel, "name"), "personas": (Persona, "name"), "touchpoints": (Touchpoint, "name"),
    "journeys": (Journey, "name"), "content_items": (ContentItem, "title"), "metrics": (Metric, "name"),
    "kano_items": (KanoItem, "name"),
}
SNAPSHOT_PARTS = {part.key: part for part in getattr(history, "PARTS", ())}
DATE_FIELDS: dict[type[SQLModel], tuple[str, ...]] = {
    Comment: ("created_at",), ActivityEntry: ("at",), Measurement: ("measured_on",),
}


IMPORT_REFUSED = N_("The file cannot be imported: {count} problems were found.")


def _refuse(message: str, **params: Any) -> Problems:
    return Problems([Problem(None, None, DomainError(message, **params))], IMPORT_REFUSED)


# --- values ---------------------------------------------------------------------------------------


def _out(value: Any) -> Any:
    """A column value as JSON."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


@cache
def _kinds(model: type[SQLModel], name: str) -> tuple[Any, ...]:
    """The types a column's annotation admits (``int | None`` → ``(int, NoneType)``), looked up once per column:
    reading ``model_fields`` goes through a pydantic descriptor, a third of an import's time when done per value."""
    annotation = model.model_fields[name].annotation
    return getattr(annotation, "__args__", (annotation,))


def _in(model: type[SQLModel], name: str, value: Any) -> Any:
    """A JSON value as the column wants it (the schema has checked its type)."""
    if value is None:
        return None
    kinds = _kinds(model, name)
    if bytes in kinds:
        return base64.b64decode(value, validate=True)
    if datetime in kinds:
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if date in kinds:
        return date.fromisoformat(value)
    if float in kinds and isinstance(value, int):
        return float(value)
    if isinstance(value, str):  # PostgreSQL's text cannot hold NUL; dropped on every engine, as the forms do
        return value.replace("\x00", "")
    return value


@cache
def _defaults(model: type[SQLModel]) -> dict[str, Any]:
    found = {}
    for name, info in model.model_fields.items():
        if info.default is not PydanticUndefined:
            found[name] = info.default
    return found


def _values(part: Part, obj: dict[str, Any]) -> dict[str, Any]:
    """The part's plain fields of one object, with the model's defaults for what the file leaves out."""
    defaults = _defaults(part.model)
    return {name: _in(part.model, name, obj[name]) if name in obj else defaults.get(name) for name in part.fields}


def dumps(document: dict[str, Any]) -> bytes:
    """The document as UTF-8 JSON text (readable: indented, umlauts as they are)."""
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")
