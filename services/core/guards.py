"""Checks every service repeats: does a row (or a referenced id) belong to the
workspace, is a code one of the allowed values, which keys may a form change.

Rows without their own ``workspace_id`` (stage, step, measurement …) are
reached by joining up to a parent that has one, so a guessed id from another
workspace is refused in the same single query that fetches the row.
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from services.core import crud as common
from services.core.errors import N_, DomainError, NotFoundError

Model = TypeVar("Model", bound=SQLModel)

# (parent model, join condition) pairs from a row up to a model with ``workspace_id``.
Via = tuple[type[SQLModel], Any]

GONE = N_("This item no longer exists. Someone may have deleted it.")


def joined(query: Any, *via: Via) -> Any:
    """``query`` joined along ``via`` (for list queries that need the same path as the checks)."""
    for parent, onclause in via:
        query = query.join(parent, onclause)
    return query


def get_scoped(session: Session, model: type[Model], row_id: int | None, workspace_id: int, *via: Via) -> Model:
    """Fetch ``row_id`` only if it belongs to the workspace, else NotFoundError.

    Without ``via`` the model must have its own ``workspace_id``; with it the
    last parent in the chain is the one whose ``workspace_id`` is compared.
    """
    if row_id is None:
        raise NotFoundError(GONE)
    if not via:
        return common.get(session, model, row_id, workspace_id)
    owner = via[-1][0]
    row = session.exec(joined(select(model), *via).where(model.id == row_id, owner.workspace_id == workspace_id)).first()  # type: ignore[attr-defined]
    if row is None:
        raise NotFoundError(GONE)
    return row


def reference(
    session: Session, model: type[Model], row_id: int | None, workspace_id: int, *via: Via, field: str, message: str
) -> Model:
    """Like :func:`get_scoped`, for an id chosen in a form: the error names the form field."""
    try:
        return get_scoped(session, model, row_id, workspace_id, *via)
    except NotFoundError as exc:
        raise DomainError(message, field=field) from exc


def require_ids(
    session: Session, model: type[SQLModel], ids: Iterable[int], workspace_id: int, *via: Via, field: str, message: str
) -> list[int]:
    """Check many ids in one query (joined up like :func:`get_scoped`); returns them de-duplicated, in order."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    owner = via[-1][0] if via else model
    query = joined(select(model.id), *via).where(col(model.id).in_(wanted), owner.workspace_id == workspace_id)  # type: ignore[attr-defined]
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
