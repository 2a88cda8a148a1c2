"""What the activity log stores: its actions, which tables it leaves out, and values as JSON."""

import base64
from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import inspect
from sqlmodel import SQLModel

import models
from services.core import N_, DomainError

CREATE, UPDATE, DELETE = "create", "update", "delete"
CHANGES = (CREATE, UPDATE, DELETE)

# Never logged, never move the revision (the log itself; presence heartbeats).
SILENT = frozenset({"activity_entry", "presence"})
# Link rows without an id of their own: they move the revision but get no entry.
UNLOGGED = frozenset({"journey_persona", "opportunity_pain_point"})
BOOKKEEPING = frozenset({"created_at", "updated_at", "version"})
# Never restored from an old entry: identity and ownership.
FIXED = frozenset({"id", "workspace_id"})
LABELS = ("title", "name", "text", "body", "label", "voter", "respondent", "display_name")
SUMMARY_LENGTH = 120


# -------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A column value as the JSON column stores it; bytes (an avatar) as base64, so nothing is lost."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        return {"__bytes__": base64.b64encode(bytes(value)).decode("ascii")}
    return to_jsonable_python(value, fallback=str)


def decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__bytes__"}:
        return base64.b64decode(value["__bytes__"])
    return value


def encoded(values: dict[str, Any]) -> dict[str, Any]:
    return {key: encode(value) for key, value in values.items()}


def decoded(values: dict[str, Any]) -> dict[str, Any]:
    return {key: decode(value) for key, value in values.items()}


def row_values(obj: Any) -> dict[str, Any]:
    """All column values of a loaded ORM row (from its state: no SQL)."""
    state = inspect(obj)
    return {attr.key: state.dict.get(attr.key) for attr in state.mapper.column_attrs}


def label(values: dict[str, Any]) -> str:
    for name in LABELS:
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()[:SUMMARY_LENGTH]
    return ""


_MODELS: dict[str, type[SQLModel]] = {}


def model_for(entity_type: str) -> type[SQLModel]:
    """The table model of an entity type (a table name)."""
    if not _MODELS:
        for name in models.__all__:
            model = getattr(models, name)
            _MODELS[model.__tablename__] = model
    try:
        return _MODELS[entity_type]
    except KeyError as exc:
        raise DomainError(N_("This change cannot be undone.")) from exc




def jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Values a service logs itself (a snapshot, an undo's result): dates as ISO text, binary as its size."""
    if values is None:
        return None
    shallow = {k: f"<{len(v)} bytes>" if isinstance(v, bytes | bytearray) else v for k, v in values.items()}
    return to_jsonable_python(shallow, fallback=str)
