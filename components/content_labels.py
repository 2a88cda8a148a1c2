"""Translatable labels for content items: formats, statuses, fields."""

from components.i18n import N_
from services.core.labels import CONTENT_FORMATS, CONTENT_STATUSES  # noqa: F401 - one place for every code's label

# One symbol per status, so a matrix cell shows at a glance what is really live.
STATUS_ICONS: dict[str, str] = {"planned": "📝", "in_production": "🛠️", "live": "✅", "retired": "🗄️"}
CONTENT_FIELDS: dict[str, str] = {
    "title": N_("Title"),
    "format": N_("Format"),
    "url": N_("URL"),
    "owner": N_("Owner"),
    "status": N_("Status"),
    "description": N_("Description"),
    "content_item_id": N_("Content item"),
    "persona_id": N_("Persona"),
    "stage_id": N_("Stage"),
    "channel_id": N_("Channel"),
    "need": N_("Need it serves"),
}
