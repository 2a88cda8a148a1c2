"""Translatable labels of the Kano evaluation: categories and the five answers."""

from components.i18n import N_

KANO_CATEGORIES: dict[str, str] = {
    "A": N_("Attractive"),
    "O": N_("One-dimensional"),
    "M": N_("Must-be"),
    "I": N_("Indifferent"),
    "R": N_("Reverse"),
    "Q": N_("Questionable"),
    "": N_("no answers yet"),
}

# Wording of the standard questionnaire: "If the feature is there / missing, …"
KANO_ANSWER_LABELS: dict[int, str] = {
    1: N_("1 · I like it"),
    2: N_("2 · I expect it"),
    3: N_("3 · I am neutral"),
    4: N_("4 · I can tolerate it"),
    5: N_("5 · I dislike it"),
}
