"""Checks every service repeats: does a row (or a referenced id) belong to the
workspace, is a code one of the allowed values, which keys may a form change.

Rows without their own ``workspace_id`` (stage, step, measurement …) are
reached by joining up to a parent that has one, so a guessed id from another
workspace is refused in the same single query that fetches the row.
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

import services.core.crud as common
from services.core.aggregates import Via, scope_owner, via
from services.core.errors import N_, DomainError, NotFoundError

Model = TypeVar("Model", bound=SQLModel)

GONE = N_("This item no longer exists. Someone may have deleted it.")


def joined(query: Any, *via: Via) -> Any:
    """``query`` joined along ``via`` (for list queries that need the same path as the checks)."""
    for parent, onclause in via:
        query = query.join(parent, onclause)
    return query


def in_scope(query: Any, model: type[SQLModel]) -> Any:
    """``query`` joined up from ``model`` to the table that holds its workspace (see :mod:`aggregates`)."""
    return joined(query, *via(model))


def get_scoped(session: Session, model: type[Model], row_id: int | None, workspace_id: int) -> Model:
    """Fetch ``row_id`` only if it belongs to the workspace, else NotFoundError.

    A row without its own ``workspace_id`` is joined up its declared path (a pain point: step,
    journey), so a guessed id from another workspace is refused by the same single query.
    """
    if row_id is None:
        raise NotFoundError(GONE)
    if not via(model):
        return common.get(session, model, row_id, workspace_id)
    owner = scope_owner(model)
    row = session.exec(in_scope(select(model), model).where(model.id == row_id, owner.workspace_id == workspace_id)).first()  # type: ignore[attr-defined]
    if row is None:
        raise NotFoundError(GONE)
    return row


def reference(session: Session, model: type[Model], row_id: int | None, workspace_id: int, *, field: str, message: str) -> Model:
    """Like :func:`get_scoped`, for an id chosen in a form: the error names the form field."""
    try:
        return get_scoped(session, model, row_id, workspace_id)
    except NotFoundError as exc:
        raise DomainError(message, field=field) from exc


def require_ids(
    session: Session, model: type[SQLModel], ids: Iterable[int], workspace_id: int, *, field: str, message: str
) -> list[int]:
    """Check many ids in one query (joined up like :func:`get_scoped`); returns them de-duplicated, in order."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    owner = scope_owner(model)
    query = in_scope(select(model.id), model).where(col(model.id).in_(wanted), owner.workspace_id == workspace_id)  # type: ignore[attr-defined]
    found = set(session.exec(query).all())
    if len(found) != len(wanted):
        raise DomainError(message, field=field)
    return wanted


def check_choice(value: Any, allowed: Iterable[str], field: str) -> None:
    """Refuse a code outside ``allowed`` with a field message (the CHECK constraint would only say 'out of range')."""
    if value not in tuple(allowed):
        raise DomainError(N_("Choose one of the offered values."), field=field)


def check_choices(data: dict[str, Any], choices: dict[str, Iterable[str]]) -> None:
    """:func:`check_choice` for every field of ``choices`` present in ``data``."""
    for field, allowed in choices.items():
        if field in data:
            check_choice(data[field], allowed, field)


def editable(data: dict[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """Only the keys a form may set: ownership, parents and positions change through their own use cases."""
    allowed = set(fields)
    return {k: v for k, v in data.items() if k in allowed}
