"""Kano survey items and their answers (article 001).

Each answer is a respondent's pair: how they feel if the feature is there
(functional) and if it is missing (dysfunctional), 1 = like … 5 = dislike
(``models.kano.KANO_ANSWERS``). The category evaluation builds on these rows.
"""

from typing import Any

import pandas as pd
from sqlmodel import Session, select

from models import Journey, KanoAnswer, KanoItem
from models.kano import KANO_ANSWERS
from services import common, guards
from services.errors import N_, DomainError

KANO_ITEM_FIELDS = ("name", "description", "journey_id")

VIA_ITEM: guards.Via = (KanoItem, KanoItem.id == KanoAnswer.kano_item_id)


def answer_value(answer: int | str, field: str) -> int:
    """1…5 from a number or an answer code (``"like"`` … ``"dislike"``), so imports may use either."""
    if isinstance(answer, str) and not answer.strip().lstrip("-").isdigit():
        code = answer.strip().lower()
        if code not in KANO_ANSWERS:
            raise DomainError(N_("Choose one of the offered answers."), field=field)
        return KANO_ANSWERS.index(code) + 1
    return answer  # type: ignore[return-value] - numbers are range-checked by the model (1–5)


def _check_journey(session: Session, workspace_id: int, values: dict[str, Any]) -> None:
    if values.get("journey_id") is not None:
        guards.reference(
            session, Journey, values["journey_id"], workspace_id,
            field="journey_id", message=N_("Choose a journey from this workspace."),
        )


def get_kano_item(session: Session, workspace_id: int, item_id: int) -> KanoItem:
    return common.get(session, KanoItem, item_id, workspace_id)


def list_kano_items(session: Session, workspace_id: int) -> list[KanoItem]:
    return list(session.exec(select(KanoItem).where(KanoItem.workspace_id == workspace_id).order_by(KanoItem.name)).all())


def create_kano_item(session: Session, workspace_id: int, data: dict[str, Any]) -> KanoItem:
    """A feature to survey; optionally tied to the journey it belongs to."""
    values = guards.editable(data, KANO_ITEM_FIELDS)
    _check_journey(session, workspace_id, values)
    return common.create(session, KanoItem, {**values, "workspace_id": workspace_id})


def update_kano_item(
    session: Session, workspace_id: int, item_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> KanoItem:
    values = guards.editable(changes, KANO_ITEM_FIELDS)
    _check_journey(session, workspace_id, values)
    return common.update(session, KanoItem, item_id, values, expected_version=expected_version, workspace_id=workspace_id)


def delete_kano_item(session: Session, workspace_id: int, item_id: int, *, expected_version: int | None = None) -> None:
    """Delete the item with all its answers."""
    common.delete(session, KanoItem, item_id, workspace_id=workspace_id, expected_version=expected_version)


# --- answers ------------------------------------------------------------------------------------


def get_kano_answer(session: Session, workspace_id: int, answer_id: int) -> KanoAnswer:
    return guards.get_scoped(session, KanoAnswer, answer_id, workspace_id, VIA_ITEM)


def add_kano_answer(
    session: Session, workspace_id: int, item_id: int, functional: int | str, dysfunctional: int | str, respondent: str = ""
) -> KanoAnswer:
    get_kano_item(session, workspace_id, item_id)
    return common.create(session, KanoAnswer, {
        "kano_item_id": item_id, "respondent": respondent,
        "functional": answer_value(functional, "functional"), "dysfunctional": answer_value(dysfunctional, "dysfunctional"),
    })


def delete_kano_answer(session: Session, workspace_id: int, answer_id: int, *, expected_version: int | None = None) -> None:
    get_kano_answer(session, workspace_id, answer_id)
    common.delete(session, KanoAnswer, answer_id, expected_version=expected_version)


def list_kano_answers(session: Session, workspace_id: int, *, item_id: int | None = None) -> pd.DataFrame:
    """Answers with the item's name and the answer codes beside the numbers, in one query."""
    query = (
        guards.joined(
            select(
                KanoAnswer.id, KanoAnswer.kano_item_id, KanoItem.name.label("item"), KanoAnswer.respondent,
                KanoAnswer.functional, KanoAnswer.dysfunctional, KanoAnswer.created_at,
            ),
            VIA_ITEM,
        )
        .where(KanoItem.workspace_id == workspace_id)
        .order_by(KanoItem.name, KanoAnswer.id)
    )
    if item_id is not None:
        query = query.where(KanoAnswer.kano_item_id == item_id)
    result = session.exec(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    for column in ("functional", "dysfunctional"):
        frame[f"{column}_answer"] = [KANO_ANSWERS[v - 1] for v in frame[column]]
    return frame
