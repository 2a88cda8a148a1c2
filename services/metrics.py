"""KPIs with targets, defined up front (article 001), and their measurements over time.

A metric's scope says what it measures: the whole workspace, one journey, one
step or one touchpoint; exactly that target is set. A step metric also keeps
its step's journey, so "all metrics of a journey" is one indexed filter.
"""

import math
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, col, select

from models import Journey, Measurement, Metric
from models.metric import METRIC_DIRECTIONS, METRIC_KINDS, METRIC_SCOPES
from services import common, guards, journeys, touchpoints
from services.errors import N_, DomainError

METRIC_FIELDS = (
    "name", "kind", "unit", "target", "direction", "review_every_days", "scope",
    "journey_id", "step_id", "touchpoint_id", "description",
)
METRIC_CHOICES = {"kind": METRIC_KINDS, "direction": METRIC_DIRECTIONS, "scope": METRIC_SCOPES}
MEASUREMENT_FIELDS = ("measured_on", "value", "note")
TARGET_FIELDS = ("journey_id", "step_id", "touchpoint_id")

# scope -> (the target field it needs, the message when that target is missing)
SCOPE_TARGETS: dict[str, tuple[str | None, str]] = {
    "workspace": (None, ""),
    "journey": ("journey_id", N_("Choose the journey this metric measures.")),
    "step": ("step_id", N_("Choose the step this metric measures.")),
    "touchpoint": ("touchpoint_id", N_("Choose the touchpoint this metric measures.")),
}

VIA_METRIC: guards.Via = (Metric, Metric.id == Measurement.metric_id)


def _scope_targets(session: Session, workspace_id: int, scope: str, targets: dict[str, int | None]) -> dict[str, int | None]:
    """Check that exactly the scope's target is set and is in the workspace; returns the target ids to store."""
    guards.check_choice(scope, METRIC_SCOPES, "scope")
    needed, missing_message = SCOPE_TARGETS[scope]
    if needed is not None and targets.get(needed) is None:
        raise DomainError(missing_message, field=needed)
    # A step metric's journey is derived from the step below, so a journey given with it is not "another target".
    ignored = {needed, "journey_id"} if scope == "step" else {needed}
    for field in TARGET_FIELDS:
        if field not in ignored and targets.get(field) is not None:
            raise DomainError(N_("A metric points only at the target its scope names: clear this field."), field=field)
    result: dict[str, int | None] = dict.fromkeys(TARGET_FIELDS)
    if scope == "journey":
        result["journey_id"] = guards.reference(
            session, Journey, targets["journey_id"], workspace_id,
            field="journey_id", message=N_("Choose a journey from this workspace."),
        ).id
    elif scope == "step":
        step = journeys.step_reference(session, workspace_id, targets["step_id"], "step_id")  # type: ignore[arg-type]
        result["step_id"], result["journey_id"] = step.id, step.journey_id
    elif scope == "touchpoint":
        result["touchpoint_id"] = touchpoints.touchpoint_reference(session, workspace_id, targets["touchpoint_id"]).id  # type: ignore[arg-type]
    return result


def get_metric(session: Session, workspace_id: int, metric_id: int) -> Metric:
    return common.get(session, Metric, metric_id, workspace_id)


def list_metrics(
    session: Session, workspace_id: int, *, scope: str | None = None, journey_id: int | None = None
) -> list[Metric]:
    """The workspace's metrics; ``journey_id`` selects a journey's own and its steps' metrics."""
    query = select(Metric).where(Metric.workspace_id == workspace_id)
    if scope:
        query = query.where(Metric.scope == scope)
    if journey_id is not None:
        query = query.where(Metric.journey_id == journey_id)
    return list(session.exec(query.order_by(Metric.name)).all())


def create_metric(session: Session, workspace_id: int, data: dict[str, Any]) -> Metric:
    values = guards.editable(data, METRIC_FIELDS)
    guards.check_choices(values, METRIC_CHOICES)
    values.update(_scope_targets(session, workspace_id, values.get("scope", "workspace"), values))
    return common.create(session, Metric, {**values, "workspace_id": workspace_id})


def update_metric(
    session: Session, workspace_id: int, metric_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Metric:
    """Change a metric. A new scope comes with its target: targets not given with it are cleared."""
    metric = get_metric(session, workspace_id, metric_id)
    values = guards.editable(changes, METRIC_FIELDS)
    guards.check_choices(values, METRIC_CHOICES)
    if "scope" in values or any(field in values for field in TARGET_FIELDS):
        current = {} if "scope" in values else {field: getattr(metric, field) for field in TARGET_FIELDS}
        targets = {**current, **{field: values[field] for field in TARGET_FIELDS if field in values}}
        values.update(_scope_targets(session, workspace_id, values.get("scope", metric.scope), targets))
    return common.update(session, Metric, metric_id, values, expected_version=expected_version, workspace_id=workspace_id)


def delete_metric(session: Session, workspace_id: int, metric_id: int, *, expected_version: int | None = None) -> None:
    """Delete a metric with all its measurements."""
    common.delete(session, Metric, metric_id, workspace_id=workspace_id, expected_version=expected_version)


# --- measurements -------------------------------------------------------------------------------


def _check_value(values: dict[str, Any]) -> None:
    """NaN and infinity pass a float field but are no measurement (SQLite would store NaN as NULL)."""
    value = values.get("value")
    if isinstance(value, float) and not math.isfinite(value):
        raise DomainError(N_("Please enter a number."), field="value")


def get_measurement(session: Session, workspace_id: int, measurement_id: int) -> Measurement:
    return guards.get_scoped(session, Measurement, measurement_id, workspace_id, VIA_METRIC)


def add_measurement(
    session: Session, workspace_id: int, metric_id: int, measured_on: date | str, value: float, note: str = ""
) -> Measurement:
    """Record the metric's value on a date (one value per metric and date)."""
    get_metric(session, workspace_id, metric_id)
    values = {"measured_on": measured_on, "value": value, "note": note}
    _check_value(values)
    return common.create(session, Measurement, {**values, "metric_id": metric_id})


def update_measurement(
    session: Session, workspace_id: int, measurement_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Measurement:
    get_measurement(session, workspace_id, measurement_id)
    values = guards.editable(changes, MEASUREMENT_FIELDS)
    _check_value(values)
    return common.update(session, Measurement, measurement_id, values, expected_version=expected_version)


def delete_measurement(session: Session, workspace_id: int, measurement_id: int, *, expected_version: int | None = None) -> None:
    get_measurement(session, workspace_id, measurement_id)
    common.delete(session, Measurement, measurement_id, expected_version=expected_version)


def list_measurements(
    session: Session, workspace_id: int, metric_id: int, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """A metric's measurements by date (``measured_on`` as datetime64, ready for a chart), in one query."""
    query = (
        guards.joined(
            select(Measurement.id, Measurement.measured_on, Measurement.value, Measurement.note, Measurement.version),
            VIA_METRIC,
        )
        .where(Measurement.metric_id == metric_id, Metric.workspace_id == workspace_id)
        .order_by(Measurement.measured_on)
    )
    if start is not None:
        query = query.where(col(Measurement.measured_on) >= start)
    if end is not None:
        query = query.where(col(Measurement.measured_on) <= end)
    result = session.exec(query)
    frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["measured_on"] = pd.to_datetime(frame["measured_on"])
    frame["value"] = frame["value"].astype(float)
    return frame
