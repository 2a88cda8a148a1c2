"""Defining a metric: a form for a new or an existing metric, and deleting one (confirmed).

Widget keys are fixed (``metric.form.<field>``); choosing a metric fills them from it, so tests
and the page address the same keys for new and existing metrics. What the metric measures (its
scope, and for a step the journey to pick it from) sits above the form, so the form offers the
matching target at once. Each error is shown under the field it concerns.
"""

from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session

from components.feedback import attempt, clear_field_errors, field_errors, show_field_error
from components.i18n import _
from components.labels import translated
from components.metric_labels import DIRECTION_LABELS, METRIC_KIND_LABELS, SCOPE_LABELS
from components.text import md
from models.db import read_session
from models.metric import METRIC_DIRECTIONS, METRIC_KINDS, METRIC_SCOPES
from services import metrics, touchpoints
from services.core import plain_value

FORM = "metric.form"
NEW = 0
DEFAULTS: dict[str, Any] = {
    "name": "", "kind": "custom", "unit": "", "target": None, "direction": "higher", "review_every_days": 30,
    "scope": "workspace", "journey_id": None, "step_id": None, "touchpoint_id": None, "description": "", "version": None,
}
TARGET_OF_SCOPE = {"journey": "journey_id", "step": "step_id", "touchpoint": "touchpoint_id"}


def key(field: str) -> str:
    return f"{FORM}.{field}"


def _fill(metric_id: int, metric: dict[str, Any] | None) -> None:
    """Put the metric's values (or a new metric's defaults) into the widgets, once per choice."""
    if st.session_state.get(key("loaded")) == metric_id and key("name") in st.session_state:
        return
    for field, default in DEFAULTS.items():
        value = plain_value(metric.get(field)) if metric else default
        st.session_state[key(field)] = value if value is not None or field in ("target", "review_every_days") else default
    st.session_state[key("loaded")] = metric_id
    clear_field_errors(FORM)


def metric_form(engine: Engine, workspace_id: int, status: pd.DataFrame, journey_names: dict[int, str]) -> None:
    """Choose "new" or a metric, then edit it; delete an existing one from here too."""
    names = {NEW: _("New metric"), **dict(zip(status["metric_id"].astype(int), status["name"], strict=True))}
    chosen = st.selectbox(_("Metric"), list(names), format_func=names.get, key=key("metric"))
    rows = status[status["metric_id"] == chosen].to_dict("records")
    metric = rows[0] if chosen != NEW and rows else None
    _fill(chosen, metric)

    scope = st.radio(_("Measures"), METRIC_SCOPES, format_func=translated(SCOPE_LABELS).get, key=key("scope"),
                     horizontal=True)
    if scope in ("journey", "step"):
        st.selectbox(_("Journey"), list(journey_names), format_func=journey_names.get, key=key("journey_id"),
                     index=None, placeholder=_("Choose a journey"))
        show_field_error(FORM, "journey_id")
    with st.form(FORM, border=True):
        if "_form" in field_errors(FORM):
            show_field_error(FORM, "_form")
        _target_field(engine, workspace_id, scope)
        left, right = st.columns(2)
        left.text_input(_("Name"), key=key("name"), max_chars=160)
        with left:
            show_field_error(FORM, "name")
        right.selectbox(_("Kind"), METRIC_KINDS, format_func=translated(METRIC_KIND_LABELS).get, key=key("kind"))
        left.text_input(_("Unit"), key=key("unit"), placeholder=_("e.g. %, points, minutes, €"))
        right.radio(_("Direction"), METRIC_DIRECTIONS, format_func=translated(DIRECTION_LABELS).get, key=key("direction"),
                    horizontal=True)
        left.number_input(_("Target"), key=key("target"), value=None, step=0.1, format="%g",
                          placeholder=_("no target"))
        right.number_input(_("Review every … days"), key=key("review_every_days"), value=None, min_value=1, step=1,
                           placeholder=_("no regular review"),
                           help=_("The metric is overdue when its newest measurement is older than this."))
        with right:
            show_field_error(FORM, "review_every_days")
        st.text_area(_("Description"), key=key("description"), height=80)
        saved = st.form_submit_button(_("Save metric"), type="primary", key=key("save"))
    if saved:
        _save(engine, workspace_id, metric, scope)
    if metric is not None:
        _delete(engine, workspace_id, metric)


def _target_field(engine: Engine, workspace_id: int, scope: str) -> None:
    """The step or touchpoint the metric measures (one query, only for those scopes)."""
    if scope == "step":
        journey_id = st.session_state.get(key("journey_id"))
        if journey_id is None:
            st.caption(_("Choose the journey above to pick one of its steps."))
            return
        with read_session(engine) as session:
            steps = touchpoints.step_choices(session, workspace_id, journey_id)
        labels = {int(i): f"{stage} › {title}" for i, stage, title in steps.itertuples(index=False)}
        if st.session_state.get(key("step_id")) not in labels:
            st.session_state[key("step_id")] = None
        st.selectbox(_("Step"), list(labels), format_func=labels.get, key=key("step_id"), index=None,
                     placeholder=_("Choose a step"))
        show_field_error(FORM, "step_id")
    elif scope == "touchpoint":
        with read_session(engine) as session:
            catalogue = touchpoints.list_touchpoints(session, workspace_id)
        labels = dict(zip(catalogue["id"].astype(int), catalogue["name"], strict=True))
        st.selectbox(_("Touchpoint"), list(labels), format_func=labels.get, key=key("touchpoint_id"), index=None,
                     placeholder=_("Choose a touchpoint"))
        show_field_error(FORM, "touchpoint_id")


def _save(engine: Engine, workspace_id: int, metric: dict[str, Any] | None, scope: str) -> None:
    data = {field: st.session_state.get(key(field)) for field in
            ("name", "kind", "unit", "target", "direction", "review_every_days", "description")}
    data["unit"], data["description"] = data["unit"] or "", data["description"] or ""
    data["scope"] = scope
    target = TARGET_OF_SCOPE.get(scope)
    for field in TARGET_OF_SCOPE.values():
        data[field] = st.session_state.get(key(field)) if field == target else None
    def save(session: Session) -> None:
        if metric is None:
            metrics.create_metric(session, workspace_id, data)
        else:
            metrics.update_metric(session, workspace_id, int(metric["metric_id"]), data,
                                  expected_version=st.session_state.get(key("version")))

    if attempt(engine, save, _("Metric saved."), form=FORM):
        st.session_state.pop(key("loaded"), None)
    st.rerun()


def _delete(engine: Engine, workspace_id: int, metric: dict[str, Any]) -> None:
    with st.popover(_("Delete metric"), icon=":material/delete:"):
        st.markdown(_("Delete “{name}” with its {count} measurements? This cannot be undone.").format(
            name=md(metric["name"]), count=int(metric["measurements"])))
        if st.button(_("Delete for good"), type="primary", key=key("delete")):
            if attempt(engine, lambda s: metrics.delete_metric(s, workspace_id, int(metric["metric_id"]),
                                                                expected_version=int(metric["version"])), _("Metric deleted."),
                       kind="info"):
                st.session_state.pop(key("metric"), None)
                st.session_state.pop(key("loaded"), None)
                st.rerun()
