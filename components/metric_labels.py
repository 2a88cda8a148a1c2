"""Translatable labels for metrics, measurements and opportunities: kinds, directions, scopes, statuses, fields."""

from components.i18n import N_
from services.core.labels import METRIC_DIRECTIONS, METRIC_KINDS, METRIC_SCOPES, OPPORTUNITY_STATUSES

METRIC_KIND_LABELS = METRIC_KINDS
DIRECTION_LABELS = METRIC_DIRECTIONS
SCOPE_LABELS = METRIC_SCOPES
STATUS_LABELS: dict[str, str] = {
    "on_target": N_("On target"), "off_target": N_("Off target"), "no_target": N_("No target"), "no_data": N_("No data yet"),
}
TREND_LABELS: dict[str, str] = {"better": N_("better"), "worse": N_("worse"), "unchanged": N_("unchanged")}
OPPORTUNITY_STATUS_LABELS = OPPORTUNITY_STATUSES
METRIC_FORM_FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "kind": N_("Kind"),
    "unit": N_("Unit"),
    "target": N_("Target"),
    "direction": N_("Direction"),
    "review_every_days": N_("Review every … days"),
    "scope": N_("Measures"),
    "journey_id": N_("Journey"),
    "step_id": N_("Step"),
    "touchpoint_id": N_("Touchpoint"),
    "description": N_("Description"),
    "measured_on": N_("Date"),
    "value": N_("Value"),
    "note": N_("Note"),
    "customer_value": N_("Customer value"),
    "business_value": N_("Business value"),
    "effort": N_("Effort"),
    "status": N_("Status"),
}
