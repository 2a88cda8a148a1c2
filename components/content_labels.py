"""Translatable labels for content items: formats, statuses, fields."""

from components.i18n import N_

CONTENT_FORMATS: dict[str, str] = {
    "article": N_("Article"),
    "video": N_("Video"),
    "faq": N_("FAQ"),
    "newsletter": N_("Newsletter"),
    "whitepaper": N_("Whitepaper"),
    "ad": N_("Ad"),
    "landing_page": N_("Landing page"),
    "review_reply": N_("Review reply"),
    "social_post": N_("Social media post"),
    "brochure": N_("Brochure"),
    "email": N_("E-mail"),
    "event": N_("Event"),
    "other": N_("Other"),
}
CONTENT_STATUSES: dict[str, str] = {
    "planned": N_("planned"),
    "in_production": N_("in production"),
    "live": N_("live"),
    "retired": N_("retired"),
}
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
