"""Every stored code a user sees, with its label in the catalogue: one place for the pages (through
``components.labels`` and the other ``components/*_labels.py``), the poster, the report, and the Excel and CSV
exports (headers and values in the chosen language), and for imports, which read a code, its English label or
its German one (:func:`code_of`).

Message ids are the English labels (``N_`` marks them for ``make messages``); :func:`label` translates one.
No Streamlit here.
"""

import re

from services.core.errors import N_
from services.core.i18n import translate

# --- codes of the tables ---------------------------------------------------------------------------

JOURNEY_STATES: dict[str, str] = {"as_is": N_("as-is"), "to_be": N_("to-be")}
JOURNEY_STATUSES: dict[str, str] = {"draft": N_("draft"), "in_review": N_("in review"), "final": N_("final")}
EXIT_KINDS: dict[str, str] = {"": N_("none"), "purchase": N_("purchase"), "complete": N_("complete"), "abort": N_("abort"),
                              "churn": N_("churn")}
INCOME_BANDS: dict[str, str] = {
    "": N_("not specified"), "low": N_("low"), "lower_middle": N_("lower middle"), "middle": N_("middle"),
    "upper_middle": N_("upper middle"), "high": N_("high"),
}
CONTENT_FORMATS: dict[str, str] = {
    "article": N_("Article"), "video": N_("Video"), "faq": N_("FAQ"), "newsletter": N_("Newsletter"),
    "whitepaper": N_("Whitepaper"), "ad": N_("Ad"), "landing_page": N_("Landing page"), "review_reply": N_("Review reply"),
    "social_post": N_("Social media post"), "brochure": N_("Brochure"), "email": N_("E-mail"), "event": N_("Event"),
    "other": N_("Other"),
}
CONTENT_STATUSES: dict[str, str] = {
    "planned": N_("planned"), "in_production": N_("in production"), "live": N_("live"), "retired": N_("retired"),
}
OPPORTUNITY_STATUSES: dict[str, str] = {
    "idea": N_("Idea"), "planned": N_("Planned"), "in_progress": N_("In progress"), "done": N_("Done"),
    "dropped": N_("Dropped"),
}
KANO_CATEGORIES: dict[str, str] = {
    "A": N_("Attractive"), "O": N_("One-dimensional"), "M": N_("Must-be"), "I": N_("Indifferent"), "R": N_("Reverse"),
    "Q": N_("Questionable"), "": N_("no answers yet"),
}
METRIC_KINDS: dict[str, str] = {
    "conversion_rate": N_("Conversion rate"), "drop_off_rate": N_("Drop-off rate"),
    "csat": N_("CSAT (customer satisfaction)"), "nps": N_("NPS (Net Promoter Score)"),
    "ces": N_("CES (customer effort score)"), "response_time": N_("Response time"),
    "cost_per_contact": N_("Cost per contact"), "custom": N_("Custom"),
}
METRIC_DIRECTIONS: dict[str, str] = {"higher": N_("Higher is better"), "lower": N_("Lower is better")}
METRIC_SCOPES: dict[str, str] = {
    "workspace": N_("Whole workspace"), "journey": N_("A journey"), "step": N_("A step"), "touchpoint": N_("A touchpoint"),
}

# --- the activity log ------------------------------------------------------------------------------

ACTIONS: dict[str, str] = {
    "create": N_("created"), "update": N_("changed"), "delete": N_("deleted"), "undo": N_("undone"),
    "import": N_("imported"),
}
ENTITY_TYPES: dict[str, str] = {
    "account": N_("Account"), "channel": N_("Channel"), "comment": N_("Comment"), "content_item": N_("Content item"),
    "content_mapping": N_("Content on the map"), "guest_link": N_("Guest link"), "journey": N_("Journey"),
    "journey_persona": N_("Persona of a journey"), "kano_answer": N_("Kano answer"), "kano_item": N_("Kano feature"),
    "measurement": N_("Measurement"), "membership": N_("Member"), "metric": N_("KPI"), "opportunity": N_("Opportunity"),
    "opportunity_pain_point": N_("Pain point of an opportunity"), "pain_point": N_("Pain point"), "persona": N_("Persona"),
    "persona_channel": N_("Channel of a persona"), "stage": N_("Stage"), "step": N_("Step"),
    "step_persona_emotion": N_("Emotion of a persona"), "step_touchpoint": N_("Touchpoint on a step"),
    "touchpoint": N_("Touchpoint"), "transition": N_("Branch"), "vote": N_("Vote"), "vote_round": N_("Voting round"),
    "workspace": N_("Workspace"), "activity_entry": N_("Change"),
}

# --- the spreadsheets: sheet names and column headers -------------------------------------------------

SHEETS: dict[str, str] = {
    "journeys": N_("Journeys"), "stages": N_("Stages"), "steps": N_("Steps"), "transitions": N_("Branches"),
    "pain_points": N_("Pain points"), "opportunities": N_("Opportunities"),
    "personas": N_("Personas"), "touchpoints": N_("Touchpoints"), "touchpoint_links": N_("Touchpoints on steps (ratings)"),
    "content_items": N_("Content items"), "content_map": N_("Content map"), "metrics": N_("Metrics"),
    "measurements": N_("Measurements"), "kano_answers": N_("Kano answers"),
}

HEADERS: dict[str, str] = {
    # the journey map
    "state": N_("State"), "scenario": N_("Scenario"), "goal": N_("Goal"), "personas": N_("Personas"),
    "doing": N_("Doing"), "thinking": N_("Thinking"), "feeling": N_("Feeling"), "emotion": N_("Emotion (−3 … +3)"),
    "touchpoints": N_("Touchpoints"), "backstage": N_("Backstage"), "is_moment_of_truth": N_("Moment of truth"),
    "is_entry": N_("Entry"), "entry_share": N_("Share entering here (%)"), "is_exit": N_("Exit"),
    "exit_kind": N_("Kind of exit"), "from_step": N_("From step"), "to_step": N_("To step"), "share": N_("Share (%)"),
    "label": N_("Label"), "pain_point": N_("Pain point"), "severity": N_("Severity (1–5)"),
    "opportunity": N_("Opportunity"), "customer_value": N_("Customer value (1–5)"),
    "business_value": N_("Business value (1–5)"), "effort": N_("Effort (1–5)"),
    # personas
    "name": N_("Name"), "avatar_emoji": N_("Avatar emoji"), "role": N_("Role"), "age": N_("Age"),
    "occupation": N_("Occupation"), "family": N_("Family"), "location": N_("Location"), "income_band": N_("Income band"),
    "segment": N_("Segment"), "customer_share": N_("Share of customers (%)"), "bio": N_("Short biography"),
    "quote": N_("Quote"), "goals": N_("Goals"), "needs": N_("Needs"), "pains": N_("Pains"), "behaviours": N_("Behaviours"),
    "preferences": N_("Preferences"), "values": N_("Values"), "communication_style": N_("Communication style"),
    "channels": N_("Channels"),
    # touchpoints and their links
    "channel": N_("Channel"), "is_online": N_("Online"), "is_direct": N_("Direct"),
    "owner_department": N_("Owning department"), "external_provider": N_("External provider"),
    "description": N_("Description"), "cost_per_contact": N_("Cost per contact (€)"), "journey": N_("Journey"),
    "stage": N_("Stage"), "step": N_("Step"), "touchpoint": N_("Touchpoint"), "importance": N_("Importance (1–5)"),
    "satisfaction": N_("Satisfaction (1–5)"), "is_decisive": N_("Decisive for the purchase"),
    "leads_to_abort": N_("Leads to abort"), "notes": N_("Notes"),
    # content
    "title": N_("Title"), "format": N_("Format"), "url": N_("URL"), "owner": N_("Owner"), "status": N_("Status"),
    "content_item": N_("Content item"), "persona": N_("Persona"), "need": N_("Need it serves"),
    # metrics and measurements
    "kind": N_("Kind"), "unit": N_("Unit"), "target": N_("Target"), "direction": N_("Direction"),
    "review_every_days": N_("Review every … days"), "scope": N_("Measures"), "metric": N_("KPI"), "date": N_("Date"),
    "value": N_("Value"), "note": N_("Note"),
    # Kano
    "item": N_("Feature"), "functional": N_("Functional answer (1–5)"), "dysfunctional": N_("Dysfunctional answer (1–5)"),
    "respondent": N_("Respondent"), "category": N_("Category"),
}
LANGUAGES_READ = ("en", "de")  # the languages whose labels an import accepts


def label(mapping: dict[str, str], code: object, language: str) -> str:
    """The label of ``code`` in ``language``; an unknown code as it is (never an empty cell for a real value)."""
    text = "" if code is None else str(code)
    return translate(mapping[text], language) if text in mapping else text


def code_of(mapping: dict[str, str], text: str) -> str | None:
    """The code a cell names: the code itself or its label in English or German (case does not count); None when
    it names none."""
    wanted = text.strip().casefold()
    for code, message in mapping.items():
        if wanted == code.casefold() or any(wanted == translate(message, lang).casefold() for lang in LANGUAGES_READ):
            return code
    return None


def sheet_title(name: str, language: str | None) -> str:
    """A workbook sheet's name: its label in ``language`` (its code without one); Excel allows 31 characters and no
    ``[]:*?/\\``."""
    title = translate(SHEETS[name], language) if language and name in SHEETS else name
    return re.sub(r"[\[\]:*?/\\]", " ", title)[:31]


def sheet_names(name: str) -> tuple[str, ...]:
    """Every name a sheet of this kind has in an exported workbook (its code, its title in each language)."""
    return tuple(dict.fromkeys((name, *(sheet_title(name, lang) for lang in LANGUAGES_READ))))


def header_names(column: str) -> tuple[str, ...]:
    """A column's header in every language an import reads (for :class:`services.core.Columns`)."""
    message = HEADERS.get(column)
    return tuple(dict.fromkeys(translate(message, lang) for lang in LANGUAGES_READ)) if message else ()
