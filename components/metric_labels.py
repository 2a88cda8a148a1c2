"""Translatable labels for metrics, measurements and opportunities: kinds, directions, scopes, statuses, fields."""

from components.i18n import N_

METRIC_KIND_LABELS: dict[str, str] = {
    "conversion_rate": N_("Conversion rate"),
    "drop_off_rate": N_("Drop-off rate"),
    "csat": N_("CSAT (customer satisfaction)"),
    "nps": N_("NPS (Net Promoter Score)"),
    "ces": N_("CES (customer effort score)"),
    "response_time": N_("Response time"),
    "cost_per_contact": N_("Cost per contact"),
    "custom": N_("Custom"),
}
DIRECTION_LABELS: dict[str, str] = {"higher": N_("Higher is better"), "lower": N_("Lower is better")}
SCOPE_LABELS: dict[str, str] = {
    "workspace": N_("Whole workspace"), "journey": N_("A journey"), "step": N_("A step"), "touchpoint": N_("A touchpoint"),
}
STATUS_LABELS: dict[str, str] = {
    "on_target": N_("On target"), "off_target": N_("Off target"), "no_target": N_("No target"), "no_data": N_("No data yet"),
}
TREND_LABELS: dict[str, str] = {"better": N_("better"), "worse": N_("worse"), "unchanged": N_("unchanged")}
OPPORTUNITY_STATUS_LABELS: dict[str, str] = {
    "idea": N_("Idea"), "planned": N_("Planned"), "in_progress": N_("In progress"), "done": N_("Done"),
    "dropped": N_("Dropped"),
}
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
