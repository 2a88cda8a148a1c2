"""Translatable labels for the touchpoint pages: field names, choices and the matrix quadrants."""

from components.i18n import N_

TOUCHPOINT_FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "channel_id": N_("Channel"),
    "channel": N_("Channel"),
    "is_online": N_("Online"),
    "is_direct": N_("Direct"),
    "owner_department": N_("Owning department"),
    "external_provider": N_("External provider"),
    "description": N_("Description"),
    "cost_per_contact": N_("Cost per contact (€)"),
    "step_id": N_("Step"),
    "touchpoint_id": N_("Touchpoint"),
    "importance": N_("Importance (1–5)"),
    "satisfaction": N_("Satisfaction (1–5)"),
    "is_decisive": N_("Decisive for the purchase"),
    "leads_to_abort": N_("Leads to abort"),
    "notes": N_("Notes"),
}

# Tri-state choices of the form: "channel" leaves the flag to the channel (the service decides).
ONLINE_CHOICES: dict[str, str] = {"channel": N_("As the channel"), "online": N_("Online"), "offline": N_("Offline")}
DIRECT_CHOICES: dict[str, str] = {
    "channel": N_("As the channel suggests"),
    "direct": N_("Direct: we control it"),
    "indirect": N_("Indirect: we cannot control it"),
}
# Filter choices: "" shows both.
DIRECT_FILTER: dict[str, str] = {"": N_("Direct and indirect"), "direct": N_("Direct"), "indirect": N_("Indirect")}
ONLINE_FILTER: dict[str, str] = {"": N_("Online and offline"), "online": N_("Online"), "offline": N_("Offline")}

QUADRANTS: dict[str, str] = {
    "fix_first": N_("Fix first"),
    "keep_up": N_("Keep up the good work"),
    "possible_overkill": N_("Possible overkill"),
    "low_priority": N_("Low priority"),
}

# The one rule of the importance–performance figures (services.touchpoints.rated_means, is_fix_first), said where
# they are shown: the matrix on the analysis page and the dashboard's "touchpoints to fix first".
MATRIX_RULE = N_("Each point is a touchpoint's mean importance and mean satisfaction over the steps where both are "
                 "rated (a step rated on one only does not count); point size: number of steps. Lines at the middle of "
                 "the scale (3) split the quadrants; a point on a line counts as important and as not yet satisfying.")
FIX_FIRST_RULE = N_("Fix first: mean importance 3 or more and mean satisfaction 3 or less over the steps rated on both, "
                    "as in the importance–performance matrix; most urgent (importance × (5 − satisfaction)) first.")
