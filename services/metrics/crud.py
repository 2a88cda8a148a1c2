"""KPIs with targets, defined up front (article 001), and their measurements over time.

A metric's scope says what it measures: the whole workspace, one journey, one
step or one touchpoint; exactly that target is set. A step metric also keeps
its step's journey, so "all metrics of a journey" is one indexed filter.
"""

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import and_, func, null
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from models import Journey, Measurement, Metric, Step, Touchpoint
from models.metric import METRIC_DIRECTIONS, METRIC_KINDS, METRIC_SCOPES
from services import core, journeys, touchpoints
from services.core import N_, DomainError, NotFoundError, Problem, Problems, RowChange, plain_value, table_changes

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



def _scope_targets(session: Session, workspace_id: int, scope: str, targets: dict[str, int | None]) -> dict[str, int | None]:
    """Check that exactly the scope's target is set and is in the workspace; returns the target ids to store."""
    core.check_choice(scope, METRIC_SCOPES, "scope")
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
        result["journey_id"] = core.reference(
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
    return core.get(session, Metric, metric_id, workspace_id)


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
    values = core.editable(data, METRIC_FIELDS)
    core.check_choices(values, METRIC_CHOICES)
    values.update(_scope_targets(session, workspace_id, values.get("scope", "workspace"), values))
    if "review_every_days" in values and values["review_every_days"] is None:
        # "No regular review": an attribute left at None lets the column's default (30) fire on INSERT.
        metric = core.validate(Metric, {**values, "workspace_id": workspace_id})
        metric.review_every_days = null()  # type: ignore[assignment]
        session.add(metric)
        core.flush(session)
        set_committed_value(metric, "review_every_days", None)
        return metric
    return core.create(session, Metric, {**values, "workspace_id": workspace_id})


def update_metric(
    session: Session, workspace_id: int, metric_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Metric:
    """Change a metric. A new scope comes with its target: targets not given with it are cleared."""
    metric = get_metric(session, workspace_id, metric_id)
    values = core.editable(changes, METRIC_FIELDS)
    core.check_choices(values, METRIC_CHOICES)
    if "scope" in values or any(field in values for field in TARGET_FIELDS):
        current = {} if "scope" in values else {field: getattr(metric, field) for field in TARGET_FIELDS}
        targets = {**current, **{field: values[field] for field in TARGET_FIELDS if field in values}}
        values.update(_scope_targets(session, workspace_id, values.get("scope", metric.scope), targets))
    return core.update(session, Metric, metric_id, values, expected_version=expected_version, workspace_id=workspace_id)


def delete_metric(session: Session, workspace_id: int, metric_id: int, *, expected_version: int | None = None) -> None:
    """Delete a metric with all its measurements."""
    core.delete(session, Metric, metric_id, workspace_id=workspace_id, expected_version=expected_version)


# --- measurements -------------------------------------------------------------------------------


def _check_value(values: dict[str, Any]) -> None:
    """NaN and infinity pass a float field but are no measurement (SQLite would store NaN as NULL)."""
    value = values.get("value")
    if isinstance(value, float) and not math.isfinite(value):
        raise DomainError(N_("Please enter a number."), field="value")


def get_measurement(session: Session, workspace_id: int, measurement_id: int) -> Measurement:
    return core.get_scoped(session, Measurement, measurement_id, workspace_id)


def add_measurement(
    session: Session, workspace_id: int, metric_id: int, measured_on: date | str, value: float, note: str = ""
) -> Measurement:
    """Record the metric's value on a date (one value per metric and date)."""
    get_metric(session, workspace_id, metric_id)
    values = {"measured_on": measured_on, "value": value, "note": note}
    _check_value(values)
    return core.create(session, Measurement, {**values, "metric_id": metric_id})


def update_measurement(
    session: Session, workspace_id: int, measurement_id: int, changes: dict[str, Any], *, expected_version: int | None = None
) -> Measurement:
    get_measurement(session, workspace_id, measurement_id)
    values = core.editable(changes, MEASUREMENT_FIELDS)
    _check_value(values)
    return core.update(session, Measurement, measurement_id, values, expected_version=expected_version)


def delete_measurement(session: Session, workspace_id: int, measurement_id: int, *, expected_version: int | None = None) -> None:
    get_measurement(session, workspace_id, measurement_id)
    core.delete(session, Measurement, measurement_id, expected_version=expected_version)


def list_measurements(
    session: Session, workspace_id: int, metric_id: int, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """A metric's measurements by date (``measured_on`` as datetime64, ready for a chart), in one query."""
    query = (
        core.joined(
            select(Measurement.id, Measurement.measured_on, Measurement.value, Measurement.note, Measurement.version),
            *core.via(Measurement),
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


# --- status of every metric ---------------------------------------------------------------------

STATUSES = ("on_target", "off_target", "no_target", "no_data")
def metric_status(session: Session, workspace_id: int, *, today: date | None = None) -> pd.DataFrame:
    """One row per metric of the workspace with its latest state, in one query (plus vectorised pandas).

    Definitions (docs/decisions worth knowing):

    - ``last_value`` / ``last_on``: the newest measurement; ``previous_value`` / ``previous_on``: the one
      before it. "Change since the previous period" is ``change = last − previous`` (and ``change_pct``
      relative to ``|previous|``): a metric's period is its own measuring rhythm, so a monthly KPI
      compares months and a daily one days.
    - ``trend``: ``better`` / ``worse`` / ``unchanged`` by the metric's direction (None without two values).
    - ``status``: ``on_target`` when the last value reaches the target (≥ for "higher is better",
      ≤ for "lower is better"), ``off_target`` otherwise, ``no_target`` without a target,
      ``no_data`` without any measurement. ``gap`` = last − target.
    - ``due_on`` = newest measurement (or, before the first one, the day the metric was defined)
      + ``review_every_days``; ``overdue`` when today is after ``due_on``. No cadence: never overdue.

    The newest and previous dates come from correlated MAX() subqueries that SQLite answers from the
    (metric_id, measured_on) unique index, so the time does not grow with the measurements per metric.
    """
    today = today or date.today()
    last_on = (
        select(func.max(Measurement.measured_on)).where(Measurement.metric_id == Metric.id).correlate(Metric).scalar_subquery()
    )
    count = select(func.count(Measurement.id)).where(Measurement.metric_id == Metric.id).correlate(Metric).scalar_subquery()
    newest = (
        select(Metric.id.label("metric_id"), last_on.label("last_on"), count.label("measurements"))
        .where(Metric.workspace_id == workspace_id)
        .subquery()
    )
    previous_on = (
        select(func.max(Measurement.measured_on))
        .where(Measurement.metric_id == newest.c.metric_id, col(Measurement.measured_on) < newest.c.last_on)
        .correlate(newest)
        .scalar_subquery()
    )
    dated = select(newest, previous_on.label("previous_on")).subquery()
    last, previous = aliased(Measurement), aliased(Measurement)
    query = (
        select(
            Metric.id.label("metric_id"), Metric.name, Metric.kind, Metric.unit, Metric.target, Metric.direction,
            Metric.review_every_days, Metric.scope, Metric.journey_id, Metric.step_id, Metric.touchpoint_id,
            Metric.description, Metric.created_at, Metric.version,
            Journey.name.label("journey"), Step.title.label("step"), Touchpoint.name.label("touchpoint"),
            dated.c.measurements, dated.c.last_on, last.value.label("last_value"), last.note.label("last_note"),
            dated.c.previous_on, previous.value.label("previous_value"),
        )
        .join(dated, dated.c.metric_id == Metric.id)
        .outerjoin(last, and_(last.metric_id == Metric.id, last.measured_on == dated.c.last_on))
        .outerjoin(previous, and_(previous.metric_id == Metric.id, previous.measured_on == dated.c.previous_on))
        .outerjoin(Journey, Journey.id == Metric.journey_id)
        .outerjoin(Step, Step.id == Metric.step_id)
        .outerjoin(Touchpoint, Touchpoint.id == Metric.touchpoint_id)
        .order_by(func.lower(Metric.name), Metric.id)
    )
    return _with_status(core.read_frame(session, query), today)


def _with_status(frame: pd.DataFrame, today: date) -> pd.DataFrame:
    """Derive change, trend, status and review dates column-wise (no loop over metrics)."""
    for column in ("target", "last_value", "previous_value"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    for column in ("journey_id", "step_id", "touchpoint_id", "review_every_days"):
        frame[column] = frame[column].astype("Int64")
    for column in ("journey", "step", "touchpoint", "last_note"):
        frame[column] = frame[column].fillna("")
    frame["measurements"] = frame["measurements"].fillna(0).astype(int)
    frame["last_on"] = pd.to_datetime(frame["last_on"])
    frame["previous_on"] = pd.to_datetime(frame["previous_on"])

    better_sign = frame["direction"].map({"higher": 1.0, "lower": -1.0}).astype(float)
    frame["change"] = frame["last_value"] - frame["previous_value"]
    base = frame["previous_value"].abs()
    frame["change_pct"] = (frame["change"] / base.where(base > 0) * 100).astype(float)
    signed = frame["change"] * better_sign
    frame["trend"] = pd.Series(None, index=frame.index, dtype=object)
    frame.loc[signed > 0, "trend"] = "better"
    frame.loc[signed < 0, "trend"] = "worse"
    frame.loc[signed == 0, "trend"] = "unchanged"

    frame["gap"] = frame["last_value"] - frame["target"]
    reached = frame["gap"] * better_sign >= 0
    frame["status"] = "no_target"
    frame.loc[frame["target"].notna() & reached, "status"] = "on_target"
    frame.loc[frame["target"].notna() & frame["last_value"].notna() & ~reached, "status"] = "off_target"
    frame.loc[frame["last_value"].isna(), "status"] = "no_data"
    frame["on_target"] = frame["status"].map({"on_target": True, "off_target": False}).astype("boolean")

    defined_on = pd.to_datetime(frame["created_at"], utc=True).dt.tz_localize(None).dt.normalize()
    since = frame["last_on"].fillna(defined_on)
    frame["due_on"] = since + pd.to_timedelta(frame["review_every_days"].astype("float"), unit="D")
    frame["overdue"] = (frame["due_on"] < pd.Timestamp(today)).fillna(False).astype(bool)
    frame["days_since"] = (pd.Timestamp(today) - frame["last_on"]).dt.days.astype("Int64")
    return frame.drop(columns=["created_at"])


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    """How many metrics are on target, off target, without data or target, and overdue."""
    counts = {code: int((status["status"] == code).sum()) for code in STATUSES}
    counts["overdue"] = int(status["overdue"].sum()) if not status.empty else 0
    counts["total"] = len(status)
    return counts


def measurement_series(
    session: Session, workspace_id: int, metric_ids: Sequence[int], *, window_days: int | None = 365,
    status: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The measurements of several metrics for their trend charts, in one query.

    ``window_days`` keeps, per metric, the measurements within that many days before the metric's own
    newest one (so a metric last measured a year ago still shows its curve); None keeps all.
    ``status`` (a :func:`metric_status` frame) saves the query for the newest dates.
    Columns: metric_id, measured_on (datetime64), value, note.
    """
    ids = [int(i) for i in dict.fromkeys(metric_ids)]
    columns = ["metric_id", "measured_on", "value", "note"]
    if not ids:
        return pd.DataFrame(columns=columns).astype({"measured_on": "datetime64[ns]", "value": float})
    query = (
        core.joined(select(Measurement.metric_id, Measurement.measured_on, Measurement.value, Measurement.note), *core.via(Measurement))
        .where(col(Measurement.metric_id).in_(ids), Metric.workspace_id == workspace_id)
        .order_by(Measurement.metric_id, Measurement.measured_on)
    )
    newest: pd.Series | None = None
    if window_days is not None and status is not None:
        newest = status.set_index("metric_id")["last_on"].reindex(ids).dropna()
        if newest.empty:
            return pd.DataFrame(columns=columns).astype({"measured_on": "datetime64[ns]", "value": float})
        # One lower bound for all: the window of the metric measured longest ago.
        query = query.where(col(Measurement.measured_on) >= (newest.min() - pd.Timedelta(days=window_days)).date())
    frame = core.read_frame(session, query)
    frame["measured_on"] = pd.to_datetime(frame["measured_on"])
    frame["value"] = frame["value"].astype(float)
    if window_days is not None and not frame.empty:
        last = frame.groupby("metric_id")["measured_on"].transform("max") if newest is None \
            else frame["metric_id"].map(newest)
        frame = frame[frame["measured_on"] >= last - pd.Timedelta(days=window_days)]
    return frame.reset_index(drop=True)


# --- editing the measurements of one metric as a table -----------------------------------------


def measurement_edits(
    original: pd.DataFrame, edited: pd.DataFrame, *, new_label: str = "+{number}"
) -> tuple[list[RowChange], list[RowChange], list[RowChange]]:
    """Compare an edited measurement table (id, version, measured_on, value, note) with the one shown.

    Returns (changed, added, deleted rows). A row's label is its original date; an added row is
    labelled ``new_label`` with its number among the added rows.
    """
    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame["measured_on"] = [_as_date(v) for v in frame["measured_on"]]
        return frame

    before, after = plain(original), plain(edited)
    kept_ids = set(after["id"].dropna().astype(int))
    deleted = [RowChange(int(i), plain_value(v), {}, _date_label(d))
               for i, v, d in zip(before["id"], before["version"], before["measured_on"], strict=True)
               if pd.notna(i) and int(i) not in kept_ids]
    existing = after[after["id"].notna()]
    changed = [
        RowChange(c.row_id, c.version, c.changes, _date_label(before.set_index("id").loc[c.row_id, "measured_on"]))
        for c in table_changes(before.dropna(subset=["id"]), existing, MEASUREMENT_FIELDS)
    ]
    added = [
        RowChange(0, None, {f: plain_value(row.get(f)) for f in MEASUREMENT_FIELDS}, new_label.format(number=number))
        for number, row in enumerate(after[after["id"].isna()].to_dict("records"), start=1)
        if any(plain_value(row.get(f)) not in (None, "") for f in MEASUREMENT_FIELDS)  # an untouched new row is no edit
    ]
    return changed, added, deleted


def _as_date(value: Any) -> date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value if type(value) is date else value.date()  # type: ignore[attr-defined]
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return value  # left as typed: validation reports it


def _date_label(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def save_measurements(
    session: Session, workspace_id: int, metric_id: int, *,
    changed: Sequence[RowChange] = (), added: Sequence[RowChange] = (), deleted: Sequence[RowChange] = (),
) -> int:
    """Apply a measurement table's edits in the caller's transaction: every row validated, all or nothing.

    Deletes go first (a date they free can be taken by an edited or new row), then edits, then new rows;
    each row runs in a savepoint so every bad row is reported (:class:`~services.core.Problems`) before the caller's
    unit of work rolls the whole change back.
    """
    get_metric(session, workspace_id, metric_id)
    problems: list[Problem] = []

    def attempt(label: str, action: Any) -> None:
        try:
            with session.begin_nested():
                action()
        except DomainError as err:
            problems.append(Problem(label, err.field, err))

    def own(measurement_id: int) -> None:
        if get_measurement(session, workspace_id, measurement_id).metric_id != metric_id:
            raise NotFoundError(core.GONE)

    def delete(change: RowChange) -> None:
        own(change.row_id)
        core.delete(session, Measurement, change.row_id, expected_version=change.version)

    def update(change: RowChange) -> None:
        own(change.row_id)
        values = core.editable(change.changes, MEASUREMENT_FIELDS)
        _check_value(values)
        core.update(session, Measurement, change.row_id, values, expected_version=change.version)

    for change in deleted:
        attempt(change.label, lambda c=change: delete(c))
    for change in changed:
        attempt(change.label, lambda c=change: update(c))
    for change in added:
        values = {"note": "", **{k: v for k, v in change.changes.items() if k in MEASUREMENT_FIELDS}}
        values["note"] = values["note"] or ""
        attempt(change.label, lambda v=values: add_measurement(session, workspace_id, metric_id, **v))
    if problems:
        raise Problems(problems, core.TABLE_REFUSED)
    return len(deleted) + len(changed) + len(added)
