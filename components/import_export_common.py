"""Shared pieces of the import/export page: labels for tables and choices, safe error texts, problem tables."""


import pandas as pd

from components.i18n import N_, _
from components.text import md
from services.core import DomainError
from services.core.labels import SHEETS

TABLE_LABELS: dict[str, str] = {
    "channel": N_("Channels"), "persona": N_("Personas"), "persona_channel": N_("Channel preferences"),
    "touchpoint": N_("Touchpoints"), "journey": N_("Journeys"), "journey_persona": N_("Personas on journeys"),
    "stage": N_("Stages"), "step": N_("Steps"), "pain_point": N_("Pain points"), "opportunity": N_("Opportunities"),
    "opportunity_pain_point": N_("Opportunity ↔ pain point links"), "step_touchpoint": N_("Touchpoints on steps"),
    "step_persona_emotion": N_("Persona emotions"), "transition": N_("Transitions"), "vote_round": N_("Voting rounds"),
    "vote": N_("Votes"), "content_item": N_("Content items"), "content_mapping": N_("Content mappings"),
    "metric": N_("Metrics"), "measurement": N_("Measurements"), "kano_item": N_("Kano items"), "kano_answer": N_("Kano answers"),
    "comment": N_("Comments"), "activity_entry": N_("History entries"),
    # what a replace removes along with the replaced rows
    "stages": N_("Stages"), "steps": N_("Steps"), "comments": N_("Comments on replaced steps"),
    "content_mappings": N_("Content mappings on replaced stages"), "metrics": N_("Metrics on replaced steps"),
    "measurements": N_("Measurements of replaced metrics"), "kano_answers": N_("Answers of replaced Kano items"),
}
SHEET_LABELS = SHEETS
ENCODING_LABELS: dict[str, str] = {
    "auto": N_("Detect"), "utf-8": N_("UTF-8 (with or without BOM)"), "cp1252": N_("Windows-1252 (Excel on Windows)"),
    "latin-1": N_("Latin-1 / ANSI (read as Windows-1252)"),
}


def safe_message(err: DomainError) -> str:
    """The translated message with the values from the file escaped for Markdown (they are user text)."""
    template = _(err.message)
    try:
        return template.format(**{k: md(v) for k, v in err.params.items()})
    except (KeyError, IndexError, ValueError):
        return template


def counts_frame(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """What an import does per kind of row, for a table (kinds with nothing to do left out)."""
    rows = [{"what": _(TABLE_LABELS.get(table, table)), "create": c.get("create", 0), "replace": c.get("replace", 0),
             "reuse": c.get("reuse", 0)} for table, c in counts.items() if any(c.values())]
    return pd.DataFrame(rows, columns=["what", "create", "replace", "reuse"])
