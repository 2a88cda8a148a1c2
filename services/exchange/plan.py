"""Planning an import: what it will create, replace, rename and remove along in the target
workspace (new, or existing with ``copy`` or ``replace``), before anything is written.
"""

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, SQLModel, col

from models import (
    Comment,
    ContentMapping,
    KanoAnswer,
    Measurement,
    Metric,
    Stage,
    Step,
    Workspace,
)
from services import core, workspaces
from services.core import N_, DomainError
from services.exchange.check import _objects, read_document
from services.exchange.document import COPY, MAX_IMPORT_BYTES, MODES, NAMED, NEW, REPLACE
from services.workspaces import DEFAULT_CHANNELS

# --- planning an import ---------------------------------------------------------------------------


@dataclass
class ImportPlan:
    """What an import will do. ``counts``: list name → {"create": n, "replace": n}; ``renamed``: (list, old, new);
    ``removed``: what goes along with replaced entities (label → count)."""

    document: dict[str, Any]
    target_workspace_id: int | None
    mode: str
    workspace_name: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)
    matched: dict[str, dict[str, int]] = field(default_factory=dict)  # list → name → existing id (replace / channels)
    names: dict[str, dict[str, str]] = field(default_factory=dict)  # list → key → the name it will have

    @property
    def scope(self) -> str:
        return self.document["scope"]


def _table(model: type[SQLModel]) -> str:
    return model.__tablename__  # type: ignore[attr-defined, return-value]


def _count_rows(document: dict[str, Any]) -> dict[str, int]:
    """Rows per table the document holds (the journeys' persona lists and opportunities' links included)."""
    counts: Counter[str] = Counter({_table(model): 0 for model, _column in NAMED.values()})
    for _path, part, _obj, _journey in _objects(document):
        counts[_table(part.model)] += 1
    counts["opportunity_pain_point"] = sum(len(o.get("addresses", [])) for _p, part, o, _j in _objects(document)
                                           if part.name == "opportunities")
    counts["journey_persona"] = sum(len(j.get("personas", [])) for j in document.get("journeys", []))
    return dict(counts)


def _suffixed(name: str, taken: set[str], max_length: int) -> str:
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = name[: max_length - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def plan_import(
    session: Session, data: bytes | str | dict[str, Any], *, workspace_id: int | None = None, mode: str = COPY,
    workspace_name: str | None = None, max_bytes: int = MAX_IMPORT_BYTES,
) -> ImportPlan:
    """Check the file and say what importing it would do; writes nothing.

    ``workspace_id`` None: into a new workspace named ``workspace_name`` (default: the file's, made unique).
    Else into that workspace with ``mode`` ``copy`` or ``replace``.
    """
    document = data if isinstance(data, dict) else read_document(data, max_bytes=max_bytes)
    if workspace_id is None:
        base = (workspace_name or document["workspace"]["name"]).strip()
        name = base if workspace_name else workspaces.unique_name(session, base)
        plan = ImportPlan(document, None, NEW, name)
    else:
        if mode not in MODES:
            raise DomainError(N_("Choose whether to add copies or to replace by name."), field="mode")
        plan = ImportPlan(document, workspace_id, mode, core.get(session, Workspace, workspace_id).name)
    for list_name, (_model, column) in NAMED.items():
        plan.names[list_name] = {obj["key"]: obj[column].strip() for obj in document.get(list_name, [])}
        plan.matched[list_name] = {}
    _match_existing(session, plan)
    named_tables = {_table(model): list_name for list_name, (model, _c) in NAMED.items()}
    for table, count in _count_rows(document).items():
        matched = len(plan.matched.get(named_tables.get(table, ""), {}))
        if table == "channel" and plan.mode != REPLACE:
            plan.counts[table] = {"create": count - matched, "replace": 0, "reuse": matched}
        else:
            plan.counts[table] = {"create": count - matched, "replace": matched}
    if plan.mode != NEW:
        plan.counts.pop("activity_entry", None)
    if plan.mode == REPLACE:
        plan.removed = _removed_along(session, plan)
    return plan


def _match_existing(session: Session, plan: ImportPlan) -> None:
    """Channels by name (always); in replace mode the named entities by name; in copy mode the names to change."""
    if plan.target_workspace_id is None:
        if plan.scope == "journey":  # the new workspace starts with the standard channels: use them
            defaults = {name for name, _online, _category in DEFAULT_CHANNELS}
            plan.matched["channels"] = {n: 0 for n in plan.names["channels"].values() if n in defaults}
        return
    for list_name, (model, column) in NAMED.items():
        existing = dict(session.execute(
            select(getattr(model, column), model.id).where(model.workspace_id == plan.target_workspace_id)  # type: ignore[attr-defined]
        ).all())
        names = plan.names[list_name]
        if list_name == "channels" or plan.mode == REPLACE:
            plan.matched[list_name] = {n: existing[n] for n in names.values() if n in existing}
            continue
        taken = set(existing) | set(names.values())
        max_length = _max_length(model, column)
        for key, name in names.items():
            if name in existing:
                names[key] = _suffixed(name, taken, max_length)
                taken.add(names[key])
                plan.renamed.append((list_name, name, names[key]))


def _max_length(model: type[SQLModel], column: str) -> int:
    for meta in model.model_fields[column].metadata:
        if hasattr(meta, "max_length"):
            return meta.max_length
    return 200


def _removed_along(session: Session, plan: ImportPlan) -> dict[str, int]:
    """What a replace takes away besides the replaced rows' own content (stages, steps …)."""
    journey_ids = list(plan.matched["journeys"].values())
    step_ids = select(Step.id).where(col(Step.journey_id).in_(journey_ids))
    stage_ids = select(Stage.id).where(col(Stage.journey_id).in_(journey_ids))
    replaced_items = list(plan.matched["content_items"].values())
    doc_metrics = set(plan.names["metrics"].values())
    counts = {
        "stages": session.execute(select(func.count()).select_from(Stage).where(col(Stage.journey_id).in_(journey_ids))).scalar_one(),
        "steps": session.execute(select(func.count()).select_from(Step).where(col(Step.journey_id).in_(journey_ids))).scalar_one(),
        "comments": session.execute(select(func.count()).select_from(Comment).where(col(Comment.step_id).in_(step_ids))).scalar_one(),
        "content_mappings": session.execute(select(func.count()).select_from(ContentMapping).where(
            col(ContentMapping.stage_id).in_(stage_ids), col(ContentMapping.content_item_id).not_in(replaced_items))).scalar_one(),
        "metrics": session.execute(select(func.count()).select_from(Metric).where(
            col(Metric.step_id).in_(step_ids), col(Metric.name).not_in(doc_metrics))).scalar_one(),
        "measurements": session.execute(select(func.count()).select_from(Measurement).where(
            col(Measurement.metric_id).in_(list(plan.matched["metrics"].values())))).scalar_one(),
        "kano_answers": session.execute(select(func.count()).select_from(KanoAnswer).where(
            col(KanoAnswer.kano_item_id).in_(list(plan.matched["kano_items"].values())))).scalar_one(),
    }
    return {label: int(count) for label, count in counts.items() if count}
