"""Generic create/update/delete used by every aggregate's service.

Validation runs through the table model's own pydantic fields
(``Model.model_validate``), so the form, the import and the database share one
set of rules; the database's CHECK and UNIQUE constraints are the last line,
and their failures are translated into the same :class:`DomainError`.
"""

import functools
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError, create_model
from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, SQLModel

from models.constraints import SAFE_URL
from services.core.errors import N_, ConflictError, DomainError, NotFoundError, ValidationErrors

Model = TypeVar("Model", bound=SQLModel)

# Never set from user input: identity, ownership and bookkeeping columns.
PROTECTED = frozenset({"id", "created_at", "updated_at", "version"})

# Unique constraint name -> (field, message). Names are in models/*.py.
UNIQUE_MESSAGES: dict[str, tuple[str, str]] = {
    "uq_persona_name": ("name", N_("A persona with this name already exists in the workspace.")),
    "uq_channel_name": ("name", N_("A channel with this name already exists in the workspace.")),
    "uq_journey_name": ("name", N_("A journey with this name already exists in the workspace.")),
    "uq_touchpoint_name": ("name", N_("A touchpoint with this name already exists in the workspace.")),
    "uq_content_item_title": ("title", N_("A content item with this title already exists in the workspace.")),
    "uq_metric_name": ("name", N_("A metric with this name already exists in the workspace.")),
    "uq_kano_item_name": ("name", N_("A Kano item with this name already exists in the workspace.")),
    "uq_measurement_date": ("measured_on", N_("This metric already has a measurement on that date.")),
    "uq_persona_channel": ("channel_id", N_("This channel is already in the persona's list.")),
    "uq_step_touchpoint": ("touchpoint_id", N_("This touchpoint is already attached to the step.")),
    "uq_transition_pair": ("target_step_id", N_("These two steps are already connected.")),
    "uq_content_mapping": ("content_item_id", N_("This content is already mapped to that cell.")),
    "workspace.name": ("name", N_("A workspace with this name already exists.")),
}


def clean(data: dict[str, Any]) -> dict[str, Any]:
    """Strip surrounding white space from text values (a name of blanks is empty), and NUL characters:
    PostgreSQL's text cannot hold them (SQLite can), so they are dropped on every engine alike."""
    return {k: v.replace("\x00", "").strip() if isinstance(v, str) else v for k, v in data.items()}


def validation_error(exc: ValidationError) -> ValidationErrors:
    """Turn pydantic's errors into user-readable, translatable DomainErrors."""
    errors: list[DomainError] = []
    for err in exc.errors():
        field = str(err["loc"][0]) if err["loc"] else None
        ctx = err.get("ctx") or {}
        kind = err["type"]
        if kind in ("string_too_short", "missing") or (kind.endswith("_type") and err.get("input") is None):
            errors.append(DomainError(N_("This field is required."), field=field))
        elif kind == "string_too_long":
            errors.append(DomainError(N_("At most {max} characters."), field=field, max=ctx.get("max_length")))
        elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
            errors.append(_range_error(exc.title, field, kind, ctx))
        elif kind.startswith(("int_", "float_", "decimal_")):
            errors.append(DomainError(N_("Please enter a number."), field=field))
        elif kind == "string_pattern_mismatch" and ctx.get("pattern") == SAFE_URL:
            errors.append(DomainError(N_("Use a web address starting with http:// or https://, or a mailto: address."), field=field))
        elif kind.startswith("date"):
            errors.append(DomainError(N_("Please enter a date (YYYY-MM-DD)."), field=field))
        else:
            errors.append(DomainError(N_("Invalid value."), field=field))
    return ValidationErrors(errors)


def _range_error(model_name: str, field: str | None, kind: str, ctx: dict[str, Any]) -> DomainError:
    from models import __dict__ as model_classes  # late: only to read the other bound

    model = model_classes.get(model_name)
    low = high = None
    if model is not None and field in getattr(model, "model_fields", {}):
        for meta in model.model_fields[field].metadata:
            low = getattr(meta, "ge", None) if getattr(meta, "ge", None) is not None else low
            high = getattr(meta, "le", None) if getattr(meta, "le", None) is not None else high
    if low is not None and high is not None:
        return DomainError(N_("Must be between {low} and {high}."), field=field, low=_num(low), high=_num(high))
    bound = next(iter(ctx.values()), "")
    if kind == "greater_than":
        return DomainError(N_("Must be greater than {low}."), field=field, low=_num(bound))
    if kind == "less_than":
        return DomainError(N_("Must be less than {high}."), field=field, high=_num(bound))
    if kind == "greater_than_equal":
        return DomainError(N_("Must be at least {low}."), field=field, low=_num(bound))
    return DomainError(N_("Must be at most {high}."), field=field, high=_num(bound))


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def integrity_error(exc: IntegrityError) -> DomainError:
    """Translate a database constraint failure into a DomainError.

    The engines word their refusals differently: SQLite names the kind in English text ("UNIQUE
    constraint failed: persona.workspace_id, persona.name"); PostgreSQL gives an SQLSTATE code and the
    constraint's name (``exc.orig.sqlstate``, ``exc.orig.diag``), translated by :func:`_postgresql_error`.
    """
    text = str(exc.orig)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate:
        return _postgresql_error(exc.orig, sqlstate)
    for constraint, (field, message) in UNIQUE_MESSAGES.items():
        if constraint in text:
            return DomainError(message, field=field)
    if "UNIQUE constraint failed" in text:
        # SQLite names the columns, not the constraint: "persona.workspace_id, persona.name".
        columns = text.split("failed:", 1)[1].strip()
        key = _unique_constraint_named_by(columns)
        if key in UNIQUE_MESSAGES:
            field, message = UNIQUE_MESSAGES[key]
            return DomainError(message, field=field)
        return DomainError(N_("An entry with these values already exists."))
    if "FOREIGN KEY constraint failed" in text:
        return DomainError(N_("This refers to something that does not exist, or is still in use."))
    if "CHECK constraint failed" in text:
        return DomainError(N_("A value is out of its allowed range."))
    if "NOT NULL constraint failed" in text:
        return DomainError(N_("This field is required."), field=text.rsplit(".", 1)[-1])
    return DomainError(N_("The change could not be saved."))


# PostgreSQL's SQLSTATE codes of integrity violations.
PG_UNIQUE, PG_FOREIGN_KEY, PG_CHECK, PG_NOT_NULL = "23505", "23503", "23514", "23502"


def _postgresql_error(error: Any, sqlstate: str) -> DomainError:
    diag = getattr(error, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    if sqlstate == PG_UNIQUE:
        # Workspace.name is a unique index (ix_workspace_name) on PostgreSQL, a column constraint on SQLite.
        key = "workspace.name" if constraint == "ix_workspace_name" else constraint
        if key in UNIQUE_MESSAGES:
            field, message = UNIQUE_MESSAGES[key]
            return DomainError(message, field=field)
        return DomainError(N_("An entry with these values already exists."))
    if sqlstate == PG_FOREIGN_KEY:
        return DomainError(N_("This refers to something that does not exist, or is still in use."))
    if sqlstate == PG_CHECK:
        return DomainError(N_("A value is out of its allowed range."))
    if sqlstate == PG_NOT_NULL:
        return DomainError(N_("This field is required."), field=getattr(diag, "column_name", None))
    return DomainError(N_("The change could not be saved."))


def _unique_constraint_named_by(columns: str) -> str | None:
    """SQLite reports a UNIQUE failure by its columns ("step_touchpoint.step_id, step_touchpoint.touchpoint_id"):
    find the constraint with exactly those columns in the models' metadata."""
    wanted = [c.strip() for c in columns.split(",")]
    for table in SQLModel.metadata.tables.values():
        for constraint in table.constraints:
            if isinstance(constraint, UniqueConstraint) and [f"{table.name}.{c.name}" for c in constraint.columns] == wanted:
                return constraint.name
    return None


def validate(model: type[Model], data: dict[str, Any]) -> Model:
    """Build a table row from plain values, raising DomainError on bad input."""
    try:
        return model.model_validate(clean(data))
    except ValidationError as exc:
        raise validation_error(exc) from exc


@functools.cache
def row_checker(model: type[SQLModel]) -> type[BaseModel]:
    """A plain pydantic model with ``model``'s fields and constraints (the same ``Field`` objects).

    SQLModel's table models validate through the ORM's instrumentation (about 200 µs a row); this
    twin checks the very same rules in about 10 µs, for imports of tens of thousands of rows.
    """
    fields: dict[str, Any] = {name: (info.annotation, info) for name, info in model.model_fields.items()}
    return create_model(f"{model.__name__}Check", **fields)


def check_row(model: type[SQLModel], data: dict[str, Any]) -> BaseModel:
    """:func:`validate` for bulk imports: the table's rules, a lighter object; raises ValidationErrors."""
    try:
        return row_checker(model).model_validate(clean(data))
    except ValidationError as exc:
        raise validation_error(exc) from exc


def flush(session: Session) -> None:
    """Flush and translate what the database refuses.

    The session is unusable afterwards; the caller's unit of work rolls
    the whole unit of work back, so nothing of a refused change is kept.
    """
    try:
        session.flush()
    except IntegrityError as exc:
        raise integrity_error(exc) from exc
    except StaleDataError as exc:
        raise ConflictError(N_("Someone else changed this in the meantime. Reload and try again.")) from exc


def create(session: Session, model: type[Model], data: dict[str, Any]) -> Model:
    """Validate and insert one row; returns it with its id."""
    row = validate(model, {k: v for k, v in data.items() if k not in PROTECTED})
    session.add(row)
    flush(session)
    return row


def get(session: Session, model: type[Model], row_id: int, workspace_id: int | None = None) -> Model:
    """Fetch by id (and, where the model has one, check the workspace) or raise NotFoundError."""
    row = session.get(model, row_id)
    if row is None or (workspace_id is not None and getattr(row, "workspace_id", workspace_id) != workspace_id):
        raise NotFoundError(N_("This item no longer exists. Someone may have deleted it."))
    return row


def update(
    session: Session,
    model: type[Model],
    row_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    workspace_id: int | None = None,
) -> Model:
    """Validate the changed row as a whole and write only the changed fields.

    ``expected_version`` is the version the user's form was built from: if the
    row moved on since, the update is refused with a ConflictError instead of
    overwriting the other person's edit.
    """
    row = get(session, model, row_id, workspace_id)
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(N_("Someone else changed this in the meantime. Reload and try again."))
    changes = clean({k: v for k, v in changes.items() if k not in PROTECTED and k != "workspace_id"})
    merged = {**row.model_dump(), **changes}
    validated = validate(model, merged)
    for key in changes:
        setattr(row, key, getattr(validated, key))
    session.add(row)
    flush(session)
    return row


def delete(
    session: Session,
    model: type[Model],
    row_id: int,
    *,
    workspace_id: int | None = None,
    expected_version: int | None = None,
) -> None:
    row = get(session, model, row_id, workspace_id)
    if expected_version is not None and row.version != expected_version:
        raise ConflictError(N_("Someone else changed this in the meantime. Reload and try again."))
    session.delete(row)
    flush(session)
