"""Translatable labels for field names and codes stored in the database."""

from components.i18n import N_, _
from services.core.labels import ACTIONS, ENTITY_TYPES, INCOME_BANDS  # noqa: F401 - one place for every code's label

PERSONA_FIELDS: dict[str, str] = {
    "name": N_("Name"),
    "role": N_("Role"),
    "avatar_emoji": N_("Avatar emoji"),
    "avatar_image": N_("Avatar image"),
    "quote": N_("Quote"),
    "bio": N_("Short biography"),
    "age": N_("Age"),
    "occupation": N_("Occupation"),
    "family": N_("Family"),
    "location": N_("Location"),
    "income_band": N_("Income band"),
    "goals": N_("Goals"),
    "needs": N_("Needs"),
    "pains": N_("Pains"),
    "behaviours": N_("Behaviours"),
    "preferences": N_("Preferences"),
    "values": N_("Values"),
    "communication_style": N_("Communication style"),
    "segment": N_("Segment"),
    "customer_share": N_("Share of customers (%)"),
    "channels": N_("Channels"),
}



def label(mapping: dict[str, str], code: str) -> str:
    """The translated label for a code, or the code itself when unknown."""
    return _(mapping[code]) if code in mapping else code


def label_of(mapping: dict[str, str]):  # type: ignore[no-untyped-def]
    """A function code → translated label for ``Series.map`` (an unknown code stays as it is), translated now."""
    labels = translated(mapping)
    return lambda code: labels.get("" if code is None else str(code), code)


def translated(mapping: dict[str, str]) -> dict[str, str]:
    """Code → translated label, computed now.

    Use ``translated(X).get`` as a widget's ``format_func``: Streamlit may call a
    format function outside the script run (AppTest does), where the viewer's
    language is not known; a lambda calling ``_`` would then answer in the default.
    """
    return {code: _(text) for code, text in mapping.items()}


def unique_labels(labels: dict) -> dict:
    """Make option labels distinct (``Title``, ``Title (2)`` …).

    Streamlit identifies a select box's choice by its label: two options with the
    same label (two steps called "Checkout") would be indistinguishable.
    """
    taken: set[str] = set()
    result = {}
    for key, text in labels.items():
        candidate, n = text, 1
        while candidate in taken:
            n += 1
            candidate = f"{text} ({n})"
        taken.add(candidate)
        result[key] = candidate
    return result
